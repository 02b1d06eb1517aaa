package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;

import dev.ctc4j.audio.AudioException.Problem;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Whole-utterance audio as 16 kHz mono float samples in [-1, 1]: decoded from files or bytes, or
 * converted from PCM arrays. For long audio, stream with {@link AudioReader} instead.
 */
public final class Audio {
  public static final int SAMPLE_RATE = 16000;

  /** Interleaved frames handed to the resampler per call, bounding the native staging buffer. */
  private static final int CHUNK_FRAMES = 1 << 16;

  private Audio() {}

  /** Decodes a whole audio file. */
  public static float[] read(Path file) {
    try (AudioReader reader = AudioReader.open(file)) {
      return readAll(reader);
    }
  }

  /** Decodes a whole audio file held in memory; {@code name} appears in error messages. */
  public static float[] read(byte[] data, String name) {
    Objects.requireNonNull(data, "data");
    try (AudioReader reader = AudioReader.open(new ByteArrayInputStream(data), name)) {
      return readAll(reader);
    }
  }

  /** Interleaved 16-bit PCM at any rate and channel count, averaged to mono and resampled. */
  public static float[] fromPcm16(short[] interleaved, int sampleRate, int channels) {
    Objects.requireNonNull(interleaved, "interleaved");
    validate(interleaved.length, sampleRate, channels);
    try (ShortPointer staging = new ShortPointer(Math.min(interleaved.length, CHUNK_FRAMES * (long) channels))) {
      return convert(interleaved.length, sampleRate, channels, AV_SAMPLE_FMT_S16, staging,
          (from, count) -> staging.position(0).put(interleaved, from, count));
    }
  }

  /** Interleaved float PCM at any rate and channel count, averaged to mono and resampled. */
  public static float[] fromFloat(float[] interleaved, int sampleRate, int channels) {
    Objects.requireNonNull(interleaved, "interleaved");
    validate(interleaved.length, sampleRate, channels);
    try (FloatPointer staging = new FloatPointer(Math.min(interleaved.length, CHUNK_FRAMES * (long) channels))) {
      return convert(interleaved.length, sampleRate, channels, AV_SAMPLE_FMT_FLT, staging,
          (from, count) -> staging.position(0).put(interleaved, from, count));
    }
  }

  /** Copies {@code count} interleaved values starting at {@code from} into the native staging buffer. */
  private interface Stager {
    void stage(int from, int count);
  }

  private static String describe(int sampleRate, int channels) {
    return "PCM array (" + sampleRate + " Hz, " + channels + " channels)";
  }

  /** Before any native allocation: JavaCPP aborts the JVM on a negative array size. */
  private static void validate(int length, int sampleRate, int channels) {
    String source = describe(sampleRate, channels);
    Resampler.validate(sampleRate, channels, source);
    if (length % channels != 0) {
      throw new AudioException(Problem.TRUNCATED, source,
          length + " values is not a whole number of " + channels + "-channel frames");
    }
  }

  private static float[] convert(int length, int sampleRate, int channels, int sampleFormat,
      Pointer staging, Stager stager) {
    String source = describe(sampleRate, channels);
    Samples out = new Samples((int) Math.min(Integer.MAX_VALUE - 8,
        (long) length / channels * SAMPLE_RATE / sampleRate + 64));
    try (Resampler resampler = new Resampler(sampleRate, channels, sampleFormat, source);
        PointerPointer<Pointer> planes = new PointerPointer<>(1).put(0, staging)) {
      for (int from = 0; from < length; from += CHUNK_FRAMES * channels) {
        int count = Math.min(CHUNK_FRAMES * channels, length - from);
        stager.stage(from, count);
        int produced = resampler.convert(planes, count / channels, source); // may reallocate output()
        out.append(resampler.output(), produced);
      }
      int tail = resampler.flush(source);
      out.append(resampler.output(), tail);
    }
    return out.toArray();
  }

  private static float[] readAll(AudioReader reader) {
    Samples out = new Samples(1 << 16);
    float[] chunk = new float[1 << 14];
    for (int n; (n = reader.read(chunk)) >= 0; ) out.append(chunk, n);
    return out.toArray();
  }

  /** A growable float array. */
  private static final class Samples {
    private float[] data;
    private int size;

    Samples(int capacity) {
      data = new float[Math.max(capacity, 16)];
    }

    void append(float[] values, int count) {
      reserve(count);
      System.arraycopy(values, 0, data, size, count);
      size += count;
    }

    void append(FloatPointer values, int count) {
      reserve(count);
      values.position(0).get(data, size, count);
      size += count;
    }

    private void reserve(int count) {
      if (size + count > data.length) data = Arrays.copyOf(data, Math.max(size + count, 2 * data.length));
    }

    float[] toArray() {
      return size == data.length ? data : Arrays.copyOf(data, size);
    }
  }
}
