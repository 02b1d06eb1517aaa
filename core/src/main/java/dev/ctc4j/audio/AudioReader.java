package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_DURATION_FROM_BITRATE;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_DECODER_NOT_FOUND;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import dev.ctc4j.audio.AudioException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Streams an audio file or stream as 16 kHz mono float samples in [-1, 1]: FFmpeg demuxes and
 * decodes packet by packet, swresample averages the channels and resamples, and only the current
 * packet's converted samples are held, so memory stays bounded whatever the length.
 *
 * <p>Damaged input is reported when it is met, after the samples before it were returned: data that
 * fails to decode and is followed by more data throws {@link Problem#CORRUPT}; input that ends
 * inside a packet, or before the length its header declares, throws {@link Problem#TRUNCATED} once
 * the decodable prefix has been read. Not thread-safe: one thread at a time per reader.
 */
public final class AudioReader implements AutoCloseable {
  /** Slack between the declared and the decoded length (codec priming and padding), in seconds. */
  private static final double LENGTH_SLACK_SECONDS = 0.1;

  private final String source;
  private final StreamInput input;
  private AVFormatContext format;
  private AVCodecContext decoder;
  private AVPacket packet;
  private AVFrame frame;
  private Resampler resampler;
  private int streamIndex;
  private int sampleRate;
  private int channels;
  private String codec;
  private String container;
  /** Samples per channel the container declares, or -1 when it declares none we trust. */
  private long declaredSamples = -1;
  private long decodedSamples;
  private int pendingStart;
  private int pendingEnd;
  private boolean finished;
  /** A decoding error in the latest packet; fatal if another packet follows it. */
  private String damage;

  private AudioReader(String source, StreamInput input, String url) {
    this.source = source;
    this.input = input;
    try {
      openContainer(url);
      openDecoder(findAudioStream());
      packet = av_packet_alloc();
      frame = av_frame_alloc();
      if (packet == null || frame == null) throw new OutOfMemoryError("FFmpeg packet/frame");
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** Opens an audio file; the exception names the file and the problem when it cannot be decoded. */
  public static AudioReader open(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    if (!Files.exists(file)) throw new AudioException(Problem.MISSING, source, "no such file");
    if (Files.isDirectory(file)) throw new AudioException(Problem.NOT_AUDIO, source, "a directory");
    if (!Files.isReadable(file)) throw new AudioException(Problem.MISSING, source, "not readable");
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new AudioException(Problem.MISSING, source, e.toString());
    }
    if (size == 0) throw new AudioException(Problem.EMPTY, source, "0 bytes");
    // The file: protocol keeps names with ':' from being read as other protocols.
    return new AudioReader(source, null, "file:" + file.toAbsolutePath());
  }

  /**
   * Reads audio from a stream, forward only (no seeking). The caller keeps ownership of the
   * stream; {@code name} identifies it in error messages and hints the format (e.g. "clip.webm").
   */
  public static AudioReader open(InputStream in, String name) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(name, "name");
    StreamInput input = new StreamInput(in);
    try {
      return new AudioReader(name, input, name);
    } catch (RuntimeException | Error e) {
      input.close();
      throw e;
    }
  }

  /**
   * Fills {@code buffer} with up to {@code buffer.length} samples (16 kHz mono float) and returns
   * how many, or -1 at the end of the audio.
   */
  public int read(float[] buffer) {
    Objects.requireNonNull(buffer, "buffer");
    if (format == null) throw new IllegalStateException("AudioReader for " + source + " is closed");
    int filled = 0;
    while (filled < buffer.length) {
      if (pendingStart == pendingEnd && !refill()) break;
      int n = Math.min(buffer.length - filled, pendingEnd - pendingStart);
      resampler.output().position(pendingStart).get(buffer, filled, n);
      pendingStart += n;
      filled += n;
    }
    return filled == 0 && buffer.length > 0 ? -1 : filled;
  }

  /** The sample rate of the decoded source, before resampling. */
  public int sourceSampleRate() {
    return sampleRate;
  }

  /** The channel count of the decoded source, before downmixing. */
  public int sourceChannels() {
    return channels;
  }

  /** FFmpeg's name for the codec, e.g. "flac", "opus", "pcm_s16le". */
  public String codec() {
    return codec;
  }

  /** FFmpeg's name for the container format, e.g. "wav", "ogg", "matroska,webm". */
  public String container() {
    return container;
  }

  private void openContainer(String url) {
    format = avformat_alloc_context();
    if (format == null) throw new OutOfMemoryError("FFmpeg format context");
    if (input != null) format.pb(input.context());
    FFmpeg.takeLoggedError(); // forget messages about earlier inputs
    int status = avformat_open_input(format, url, null, (AVDictionary) null);
    if (status < 0) {
      format = null; // FFmpeg has freed the context
      throw openFailure(status);
    }
    status = avformat_find_stream_info(format, (PointerPointer<?>) null);
    if (status < 0) throw openFailure(status);
    container = format.iformat().name().getString();
  }

  private AudioException openFailure(int status) {
    if (input != null) {
      input.rethrowFailure(source);
      if (input.bytesRead() == 0) return new AudioException(Problem.EMPTY, source, "0 bytes");
    }
    String logged = FFmpeg.takeLoggedError();
    if (status == FFmpeg.AVERROR_ENOENT) return new AudioException(Problem.MISSING, source, "no such file");
    if (status == AVERROR_EOF) return new AudioException(Problem.TRUNCATED, source, "ends inside the header");
    if (logged == null) {
      Problem problem = status == AVERROR_INVALIDDATA ? Problem.NOT_AUDIO : Problem.CORRUPT;
      return new AudioException(problem, source, "no audio format recognised (" + FFmpeg.errorText(status) + ")");
    }
    // FFmpeg recognised the format but rejected its header; only its log message says why.
    String reason = logged.toLowerCase(Locale.ROOT);
    Problem problem = reason.contains("sample rate") ? Problem.BAD_SAMPLE_RATE
        : reason.contains("channel") ? Problem.NO_CHANNELS : Problem.CORRUPT;
    return new AudioException(problem, source, "invalid header: " + logged);
  }

  private AVCodecParameters findAudioStream() {
    streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, (PointerPointer<?>) null, 0);
    if (streamIndex == AVERROR_DECODER_NOT_FOUND) {
      throw new AudioException(Problem.UNSUPPORTED, source, "no decoder for its audio stream");
    }
    if (streamIndex < 0) streamIndex = firstAudioStream(); // FFmpeg skips streams it cannot decode
    AVStream stream = format.streams(streamIndex);
    AVCodecParameters params = stream.codecpar();
    codec = avcodec_get_name(params.codec_id()).getString();
    channels = params.ch_layout().nb_channels();
    sampleRate = params.sample_rate();
    Resampler.validate(sampleRate, channels, source);
    declaredSamples = declaredLength(stream);
    return params;
  }

  private int firstAudioStream() {
    for (int i = 0; i < format.nb_streams(); i++) {
      AVCodecParameters params = format.streams(i).codecpar();
      if (params.codec_type() != AVMEDIA_TYPE_AUDIO) continue;
      if (params.sample_rate() <= 0 && params.ch_layout().nb_channels() <= 0) {
        throw new AudioException(Problem.CORRUPT, source, "no decodable " + container + " audio frames found");
      }
      return i;
    }
    throw new AudioException(Problem.NOT_AUDIO, source, "no audio stream in this " + container + " input");
  }

  /** The length in samples the header declares (stream, else container), or -1. */
  private long declaredLength(AVStream stream) {
    if (format.duration_estimation_method() == AVFMT_DURATION_FROM_BITRATE) return -1; // a guess
    if (stream.duration() != AV_NOPTS_VALUE) {
      AVRational tb = stream.time_base();
      return Math.round((double) stream.duration() * tb.num() * sampleRate / tb.den());
    }
    if (format.duration() != AV_NOPTS_VALUE) {
      return Math.round((double) format.duration() * sampleRate / AV_TIME_BASE);
    }
    return -1;
  }

  private void openDecoder(AVCodecParameters params) {
    AVCodec decoderCodec = avcodec_find_decoder(params.codec_id());
    if (decoderCodec == null) throw new AudioException(Problem.UNSUPPORTED, source, "no decoder for " + codec);
    decoder = avcodec_alloc_context3(decoderCodec);
    if (decoder == null) throw new OutOfMemoryError("FFmpeg codec context");
    int status = avcodec_parameters_to_context(decoder, params);
    if (status >= 0) status = avcodec_open2(decoder, decoderCodec, (AVDictionary) null);
    if (status < 0) {
      Problem problem = status == AVERROR_INVALIDDATA ? Problem.CORRUPT : Problem.UNSUPPORTED;
      throw new AudioException(problem, source, "cannot open the " + codec + " decoder: " + FFmpeg.errorText(status));
    }
  }

  /** Converts the next decoded batch into the pending buffer; false at the end of the audio. */
  private boolean refill() {
    while (!finished) {
      int produced = decodeNextFrame();
      if (produced < 0) {
        finished = true;
        checkComplete();
        produced = resampler.flush(source);
      }
      if (produced > 0) {
        pendingStart = 0;
        pendingEnd = produced;
        return true;
      }
    }
    return false;
  }

  /** Decodes and resamples one frame; returns the samples produced, or -1 when the decoder is drained. */
  private int decodeNextFrame() {
    while (true) {
      int status = avcodec_receive_frame(decoder, frame);
      if (status >= 0) {
        try {
          return resample(frame);
        } finally {
          av_frame_unref(frame);
        }
      }
      if (status == AVERROR_EOF) return -1;
      if (status == FFmpeg.AVERROR_EAGAIN) {
        sendNextPacket();
      } else {
        noteDamage(status);
      }
    }
  }

  private void sendNextPacket() {
    while (true) {
      int status = av_read_frame(format, packet);
      if (status < 0) {
        if (input != null) input.rethrowFailure(source);
        if (status != AVERROR_EOF) noteDamage(status);
        avcodec_send_packet(decoder, null); // drain the decoder
        return;
      }
      try {
        if (packet.stream_index() != streamIndex) continue;
        if (damage != null) throw new AudioException(Problem.CORRUPT, source, damage + " followed by more data");
        status = avcodec_send_packet(decoder, packet);
        if (status < 0) noteDamage(status);
        return;
      } finally {
        av_packet_unref(packet);
      }
    }
  }

  private void noteDamage(int status) {
    if (damage == null) {
      damage = "undecodable data after " + seconds(decodedSamples) + " (" + FFmpeg.errorText(status) + ")";
    }
  }

  private int resample(AVFrame decoded) {
    int rate = decoded.sample_rate();
    int frameChannels = decoded.ch_layout().nb_channels();
    if (resampler == null) {
      resampler = new Resampler(rate, frameChannels, decoded.format(), source);
      sampleRate = rate;
      channels = frameChannels;
    } else if (rate != sampleRate || frameChannels != channels) {
      throw new AudioException(Problem.UNSUPPORTED, source, "sample rate or channel count changes after "
          + seconds(decodedSamples));
    }
    decodedSamples += decoded.nb_samples();
    return resampler.convert(decoded.extended_data(), decoded.nb_samples(), source);
  }

  /** At the end of the input: was everything there? */
  private void checkComplete() {
    long slack = Math.round(LENGTH_SLACK_SECONDS * sampleRate);
    if (decodedSamples == 0 && declaredSamples > slack) {
      throw new AudioException(Problem.CORRUPT, source, "none of the " + seconds(declaredSamples)
          + " its header declares decodes");
    }
    if (declaredSamples > decodedSamples + slack) {
      throw new AudioException(Problem.TRUNCATED, source, "ends after " + seconds(decodedSamples)
          + " of the " + seconds(declaredSamples) + " its header declares");
    }
    if (damage != null) throw new AudioException(Problem.TRUNCATED, source, damage + " at the end");
    if (resampler == null) throw new AudioException(Problem.EMPTY, source, "no audio samples");
  }

  private String seconds(long samples) {
    return String.format("%.3f s", samples / (double) sampleRate);
  }

  /** Frees every FFmpeg object; safe to call more than once. */
  @Override
  public void close() {
    if (frame != null) av_frame_free(frame);
    if (packet != null) av_packet_free(packet);
    if (decoder != null) avcodec_free_context(decoder);
    if (format != null) avformat_close_input(format);
    if (resampler != null) resampler.close();
    if (input != null) input.close();
    frame = null;
    packet = null;
    decoder = null;
    format = null;
    resampler = null;
  }
}
