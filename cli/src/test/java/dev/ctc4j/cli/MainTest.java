package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.MelScale;
import dev.ctc4j.tensor.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  static final Path SAMPLE = Path.of("samples/an4-an406-fcaw-b.flac");

  @TempDir Path dir;

  @Test
  void featuresWritesTheSameValuesAsTheApi() throws Exception {
    Path out = dir.resolve("out.npy");
    assertEquals(0, Main.run("features", SAMPLE.toString(), "-o", out.toString(), "--n-mels", "64",
        "--n-fft", "512", "--win-length", "400", "--mel-scale", "slaney"));
    Npy.FloatArray written = Npy.read(out);
    MelConfig config = MelConfig.builder().nMels(64).nFft(512).winLength(400).melScale(MelScale.SLANEY).build();
    try (LogMelSpectrogram mel = new LogMelSpectrogram(config)) {
      float[][] expected = mel.compute(Audio.read(SAMPLE));
      assertArrayEquals(new long[] {64, expected[0].length}, written.shape());
      assertEquals(401, expected[0].length, "4.0 s at hop 160");
      for (int m = 0; m < 64; m++) {
        float[] row = new float[expected[m].length];
        System.arraycopy(written.data(), m * row.length, row, 0, row.length);
        assertArrayEquals(expected[m], row, "mel row " + m);
      }
    }
  }

  @Test
  void infoReportsVersionCpuAndCuda() {
    String text = Console.stdout(() -> assertEquals(0, Main.run("info")));
    assertTrue(text.contains("ctc4j "), text);
    assertTrue(text.contains("cpu features used: "), text);
    assertTrue(text.contains("blas: OpenBLAS 0."), text);
    assertTrue(text.contains("javacpp memory check: "), text);
    assertTrue(text.contains("cuda"), text);
  }

  @Test
  void badInputExitsWithAClearErrorNotACrash() throws Exception {
    Path out = dir.resolve("x.npy");
    String err = Console.stderr(() -> assertEquals(1, Main.run("features", dir.resolve("missing.wav").toString(), "-o", out.toString())));
    assertTrue(err.contains("missing.wav"), err);
    Path text = Files.writeString(dir.resolve("notes.wav"), "not audio at all");
    assertEquals(1, Main.run("features", text.toString(), "-o", out.toString()));
    assertEquals(1, Main.run("features", SAMPLE.toString(), "-o", out.toString(), "--n-fft", "0"));
    assertEquals(2, Main.run("features", SAMPLE.toString()), "missing -o is a usage error");
    assertFalse(Files.exists(out), "nothing written on failure");
  }

  @Test
  void missingFilesAreNamedWithoutAStackTrace() {
    String model = dev.ctc4j.infer.DefaultModel.BUNDLED;
    Path manifest = dir.resolve("missing.jsonl"), lm = dir.resolve("missing.arpa");
    String err = Console.stderr(() -> assertEquals(1, Main.run("eval", "--model", model, "--manifest", manifest.toString())));
    assertTrue(err.startsWith("error: no such file: ") && err.contains(manifest.toString()) && !err.contains("\tat "), err);
    err = Console.stderr(() -> assertEquals(1, Main.run("eval", "--model", model, "--manifest",
        "../shared/data/an4/test.jsonl", "--decoder", "beam", "--lm", lm.toString())));
    assertTrue(err.startsWith("error: ") && err.contains(lm.toString()) && !err.contains("\tat "), err);
    err = Console.stderr(() -> assertEquals(1, Main.run("eval", "--model", dir.resolve("no-model").toString(),
        "--manifest", manifest.toString())));
    assertTrue(err.startsWith("error: ") && err.contains("no-model") && !err.contains("\tat "), err);
  }
}
