package dev.ctc4j.serve;

import dev.ctc4j.testing.SharedData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/** Real AN4 speech for the service tests, and WAV bytes made from samples. */
final class TestAudio {
  private TestAudio() {}

  /** AN4 test utterances (FLAC, 16 kHz); skips the test where the shared data is absent. */
  static List<Path> an4(int count) {
    Path dir = SharedData.require("an4/test/fcaw");
    return List.of("an406-fcaw-b.flac", "an407-fcaw-b.flac", "an408-fcaw-b.flac", "cen1-fcaw-b.flac")
        .subList(0, count).stream().map(dir::resolve).toList();
  }

  static Path an4() {
    return an4(1).get(0);
  }

  /** 16-bit mono little-endian PCM of samples in [-1, 1]. */
  static byte[] pcm16(float[] samples) {
    ByteBuffer b = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float s : samples) b.putShort((short) Math.round(Math.max(-1f, Math.min(1f, s)) * 32767));
    return b.array();
  }

  /** A canonical 44-byte-header WAV file: 16-bit mono PCM. */
  static byte[] wav(float[] samples, int sampleRate) {
    byte[] data = pcm16(samples);
    return ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .put("RIFF".getBytes()).putInt(36 + data.length).put("WAVE".getBytes())
        .put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1)
        .putInt(sampleRate).putInt(2 * sampleRate).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes()).putInt(data.length).put(data).array();
  }

  /** This process's resident set size in KiB (VmRSS); with a fixed pre-touched heap it tracks native memory. */
  static long rssKib() throws java.io.IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
