package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.NativeMemory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * FFmpeg's allocations through AudioReader: every format of the fuzz corpus (WAV s16/f32/stereo
 * 8 kHz, FLAC, MP3, Ogg Vorbis, Ogg Opus, WebM Opus; 0.25 s each), opened from a file and from an
 * in-memory stream (the service's path), decoded to the end and closed, round after round. FFmpeg
 * allocates with its own allocator, which neither ctc4j nor JavaCPP counts, so the resident set is
 * the measure: after a tenth of the rounds (at least 20) (allocator pools, code paths warmed up) it must stay
 * within the bound; and ctc4j's host blocks and JavaCPP's pointers (when it counts them) must be
 * back where they started. With nopointergc, as the suite runs, a JavaCPP pointer left unclosed is
 * never freed, so the resident set catches those too.
 */
class AudioReaderChurnTest {
  /** RSS growth allowed after warm-up: a leak of 256 bytes per open reaches it in 1,000 rounds (16 opens each). */
  private static final long RSS_BOUND_BYTES = 4 << 20;

  @Test
  void hundredRoundsOfEveryFormatLeaveNothingBehind() throws Exception {
    churn(100);
  }

  @Test
  @Tag("slow")
  void thousandRoundsOfEveryFormatLeaveNothingBehind() throws Exception {
    churn(1000);
  }

  private static void churn(int rounds) throws Exception {
    List<Path> files = corpus();
    List<byte[]> bytes = files.stream().map(AudioReaderChurnTest::read).toList();
    NativeMemory before = NativeMemory.now();
    int[][] samples = new int[files.size()][2]; // per file: decoded from the file, from a stream
    long rssWarm = 0, start = System.nanoTime();
    int warmUp = Math.max(20, rounds / 10);
    for (int round = 0; round < rounds; round++) {
      if (round == warmUp) rssWarm = Pointer.physicalBytes();
      for (int i = 0; i < files.size(); i++) {
        int[] decoded = {decodeAll(AudioReader.open(files.get(i))),
            decodeAll(AudioReader.open(new ByteArrayInputStream(bytes.get(i)), files.get(i).toString()))};
        if (round == 0) samples[i] = decoded;
        assertArrayEquals(samples[i], decoded, files.get(i) + ": every round decodes the same samples (file, stream)");
      }
    }
    long rssEnd = Pointer.physicalBytes();
    System.out.printf("%d rounds of %d formats x 2 in %.1f s: RSS %,d -> %,d bytes after %d warm-up rounds%n", rounds,
        files.size(), (System.nanoTime() - start) / 1e9, rssWarm, rssEnd, warmUp);
    assertTrue(rssEnd - rssWarm < RSS_BOUND_BYTES, String.format("RSS grew by %,d bytes over %d rounds (bound %,d)",
        rssEnd - rssWarm, rounds - warmUp, RSS_BOUND_BYTES));
    assertEquals(before, NativeMemory.now(), "ctc4j host blocks and JavaCPP pointers");
  }

  /** Decodes to the end in 4,096-sample reads and closes; returns the number of samples. */
  private static int decodeAll(AudioReader reader) {
    try (reader) {
      float[] buffer = new float[4096];
      int total = 0;
      for (int n; (n = reader.read(buffer)) >= 0; ) total += n;
      return total;
    }
  }

  private static List<Path> corpus() throws IOException, URISyntaxException {
    Path dir = Path.of(AudioReaderChurnTest.class.getResource("AudioReaderFuzzTestInputs/decode").toURI());
    try (var s = Files.list(dir)) {
      List<Path> files = s.sorted().toList();
      assertEquals(8, files.size(), files.toString());
      return files;
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
