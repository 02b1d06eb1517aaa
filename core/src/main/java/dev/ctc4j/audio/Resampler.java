package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;
import static org.bytedeco.ffmpeg.global.swresample.swr_set_matrix;

import dev.ctc4j.audio.AudioException.Problem;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * swresample from any rate, channel count and sample format to 16 kHz mono float. Channels are
 * averaged (an explicit matrix, not swresample's surround downmix). Converted samples land in a
 * native buffer that grows to the largest batch seen and is reused. One thread at a time.
 */
final class Resampler implements AutoCloseable {
  /** Rates outside this range are treated as a damaged header rather than audio to resample. */
  static final int MIN_SAMPLE_RATE = 1000;
  static final int MAX_SAMPLE_RATE = 768_000;
  /** swresample's SWR_CH_MAX. */
  static final int MAX_CHANNELS = 64;

  private final SwrContext swr = new SwrContext(null);
  private final PointerPointer<FloatPointer> outPlanes = new PointerPointer<>(1);
  private FloatPointer out = new FloatPointer();
  private int capacity;

  Resampler(int sampleRate, int channels, int sampleFormat, String source) {
    validate(sampleRate, channels, source);
    FFmpeg.init();
    AVChannelLayout inLayout = new AVChannelLayout();
    AVChannelLayout outLayout = new AVChannelLayout();
    try {
      av_channel_layout_default(inLayout, channels);
      av_channel_layout_default(outLayout, 1);
      check(swr_alloc_set_opts2(swr, outLayout, AV_SAMPLE_FMT_FLT, Audio.SAMPLE_RATE,
          inLayout, sampleFormat, sampleRate, 0, null), source, "cannot configure the resampler");
      double[] average = new double[channels];
      Arrays.fill(average, 1.0 / channels);
      check(swr_set_matrix(swr, average, channels), source, "cannot set the downmix matrix");
      check(swr_init(swr), source, "cannot start the resampler");
    } catch (RuntimeException e) {
      close();
      throw e;
    } finally {
      av_channel_layout_uninit(inLayout);
      av_channel_layout_uninit(outLayout);
      inLayout.close();
      outLayout.close();
    }
  }

  static void validate(int sampleRate, int channels, String source) {
    if (channels <= 0) {
      throw new AudioException(Problem.NO_CHANNELS, source, "channel count " + channels);
    }
    if (channels > MAX_CHANNELS) {
      throw new AudioException(Problem.UNSUPPORTED, source,
          channels + " channels (at most " + MAX_CHANNELS + ")");
    }
    if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
      throw new AudioException(Problem.BAD_SAMPLE_RATE, source, sampleRate + " Hz (expected "
          + MIN_SAMPLE_RATE + " to " + MAX_SAMPLE_RATE + " Hz)");
    }
  }

  /**
   * Converts {@code samples} input samples per channel from {@code planes} (one pointer per plane,
   * FFmpeg's layout for the sample format; null flushes the filter's tail) and returns how many
   * output samples are now in {@link #output()}.
   */
  int convert(PointerPointer<?> planes, int samples, String source) {
    ensureCapacity(swr_get_out_samples(swr, samples));
    int produced = swr_convert(swr, outPlanes, capacity, planes, samples);
    if (produced < 0) {
      throw new AudioException(Problem.CORRUPT, source, "resampling failed: " + FFmpeg.errorText(produced));
    }
    return produced;
  }

  int flush(String source) {
    return convert(null, 0, source);
  }

  FloatPointer output() {
    return out;
  }

  private void ensureCapacity(int needed) {
    if (needed <= capacity) return;
    out.close();
    capacity = Math.max(needed, 2 * capacity);
    out = new FloatPointer(capacity);
    outPlanes.put(0, out);
  }

  private static void check(int status, String source, String what) {
    if (status < 0) {
      throw new AudioException(Problem.UNSUPPORTED, source, what + ": " + FFmpeg.errorText(status));
    }
  }

  @Override
  public void close() {
    swr_free(swr);
    out.close();
    outPlanes.close();
  }
}
