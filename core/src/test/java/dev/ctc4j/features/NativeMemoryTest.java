package dev.ctc4j.features;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** 10,000 feature extractions leave the process's native memory flat. */
class NativeMemoryTest {
  @Test
  void tenThousandExtractionsKeepResidentMemoryFlat() throws Exception {
    float[] audio = LogMelSpectrogramTest.randomSpeechLike(Seeds.random("NativeMemoryTest"), 8000, 16000);
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      for (int i = 0; i < 500; i++) run(mel, audio, i);  // warm up arenas, JIT and thread pool
      long rssBefore = residentBytes(), javacppBefore = Pointer.totalBytes();
      for (int i = 0; i < 10_000; i++) run(mel, audio, i);
      long rssGrowth = residentBytes() - rssBefore, javacppGrowth = Pointer.totalBytes() - javacppBefore;
      System.out.printf("10,000 extractions: RSS growth %d KiB, JavaCPP-tracked growth %d bytes%n",
          rssGrowth >> 10, javacppGrowth);
      // One extraction allocates ~40 KiB natively; a leak of it would grow RSS by ~400 MiB.
      assertTrue(rssGrowth < 16L << 20, "RSS grew by " + (rssGrowth >> 10) + " KiB");
      assertTrue(javacppGrowth <= 0, "JavaCPP-tracked memory grew by " + javacppGrowth + " bytes");
    }
  }

  private static void run(LogMelSpectrogram mel, float[] audio, int i) {
    if (i % 2 == 0) {
      mel.compute(audio);
    } else {
      try (Features f = mel.compute(List.of(audio, audio), Device.CPU)) {
        f.frames();
      }
    }
  }

  private static long residentBytes() throws Exception {
    System.gc();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
