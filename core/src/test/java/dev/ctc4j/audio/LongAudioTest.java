package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * One hour of audio streamed through AudioReader with a small buffer: the sample count must be
 * exact and memory flat. The WAV is synthesised on the fly by an InputStream (22.05 kHz stereo
 * 16-bit, 318 MB), so neither the test nor the reader ever holds it.
 */
class LongAudioTest {
  static final int RATE = 22050;
  static final int SECONDS = 3600;
  static final double TONE_HZ = 441; // exactly 50 samples per period at 22.05 kHz
  /** Allowed growth of resident memory (JavaCPP's physicalBytes, the process RSS) while reading. */
  static final long RSS_BOUND = 64L << 20;
  /** Allowed growth of the Java heap (after GC) across the whole hour. */
  static final long HEAP_BOUND = 16L << 20;

  @Test
  void oneHourStreamsInBoundedMemory() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    long rssBefore = Pointer.physicalBytes();
    long rssPeak = rssBefore;
    long total = 0;
    float[] buffer = new float[4000];
    float[] last = new float[Audio.SAMPLE_RATE];
    try (AudioReader reader = AudioReader.open(new SynthesisedWav(), "one-hour.wav")) {
      for (int n, reads = 0; (n = reader.read(buffer)) >= 0; total += n) {
        keepLast(last, buffer, n);
        if (++reads % 4000 == 0) rssPeak = Math.max(rssPeak, Pointer.physicalBytes());
      }
    }
    System.gc();
    long heapGrowth = memory.getHeapMemoryUsage().getUsed() - heapBefore;
    System.out.printf("one hour: %d samples, RSS %d MB -> peak %d MB, heap growth %d KB%n",
        total, rssBefore >> 20, rssPeak >> 20, heapGrowth >> 10);
    assertEquals((long) SECONDS * Audio.SAMPLE_RATE, total);
    assertTrue(rssPeak - rssBefore < RSS_BOUND, "RSS grew by " + ((rssPeak - rssBefore) >> 20) + " MB");
    assertTrue(heapGrowth < HEAP_BOUND, "heap grew by " + (heapGrowth >> 10) + " KB");
    double maxError = 0; // the tone is still right at the end (16-bit quantisation + resampler)
    for (int i = 0; i < last.length - TestSignals.RESAMPLER_EDGE; i++) {
      double t = (total - last.length + i) / (double) Audio.SAMPLE_RATE;
      maxError = Math.max(maxError, Math.abs(last[i] - 0.5 * Math.sin(2 * Math.PI * TONE_HZ * t)));
    }
    assertTrue(maxError < 1e-3, "final second error " + maxError);
  }

  private static void keepLast(float[] last, float[] buffer, int n) {
    System.arraycopy(last, n, last, 0, last.length - n);
    System.arraycopy(buffer, 0, last, last.length - n, n);
  }

  /** A WAV header then a 441 Hz tone at half scale on both channels, generated as it is read. */
  private static final class SynthesisedWav extends InputStream {
    private final byte[] header = WavFile.header(WavFile.PCM, 16, 2, RATE, (long) SECONDS * RATE * 4);
    private final byte[] period = new byte[50 * 4];
    private final long length = header.length + (long) SECONDS * RATE * 4;
    private long position;

    SynthesisedWav() {
      for (int i = 0; i < 50; i++) {
        short s = AudioEncoder.toPcm16((float) (0.5 * Math.sin(2 * Math.PI * TONE_HZ * i / RATE)));
        for (int c = 0; c < 2; c++) {
          period[4 * i + 2 * c] = (byte) s;
          period[4 * i + 2 * c + 1] = (byte) (s >> 8);
        }
      }
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= length) return -1;
      int n = (int) Math.min(len, length - position);
      for (int i = 0; i < n; i++, position++) {
        b[off + i] = position < header.length ? header[(int) position]
            : period[(int) ((position - header.length) % period.length)];
      }
      return n;
    }
  }
}
