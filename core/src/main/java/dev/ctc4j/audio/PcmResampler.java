package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Live mono PCM at one sample rate to 16 kHz float, chunk by chunk, keeping the resampling
 * filter's state between chunks (so a stream cut into chunks resamples as it would whole). At
 * 16 kHz the samples pass through unchanged. One thread at a time; close it to free the filter.
 */
public final class PcmResampler implements AutoCloseable {
  private final int sampleRate;
  private final String source;
  private final Resampler resampler;
  private FloatPointer staging = new FloatPointer(0L);
  private final PointerPointer<FloatPointer> planes = new PointerPointer<>(1);

  public PcmResampler(int sampleRate) {
    this.sampleRate = sampleRate;
    this.source = "PCM stream (" + sampleRate + " Hz)";
    Resampler.validate(sampleRate, 1, source);
    this.resampler = sampleRate == Audio.SAMPLE_RATE ? null : new Resampler(sampleRate, 1, AV_SAMPLE_FMT_FLT, source);
  }

  public int sampleRate() {
    return sampleRate;
  }

  /** The 16 kHz samples this chunk completes (the filter may hold a few back until later chunks). */
  public float[] convert(float[] pcm) {
    if (resampler == null) return pcm.clone();
    if (pcm.length == 0) return new float[0];
    if (staging.capacity() < pcm.length) {
      staging.close();
      staging = new FloatPointer(pcm.length);
      planes.put(0, staging);
    }
    staging.position(0).put(pcm, 0, pcm.length);
    return take(resampler.convert(planes, pcm.length, source));
  }

  /** 16-bit samples, scaled to [-1, 1). */
  public float[] convert(short[] pcm) {
    float[] f = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) f[i] = pcm[i] / 32768f;
    return convert(f);
  }

  /** The samples the filter still holds, at the end of the stream. */
  public float[] flush() {
    return resampler == null ? new float[0] : take(resampler.flush(source));
  }

  private float[] take(int produced) {
    float[] out = new float[produced];
    resampler.output().position(0).get(out, 0, produced);
    return out;
  }

  @Override
  public void close() {
    if (resampler != null) resampler.close();
    staging.close();
    planes.close();
  }
}
