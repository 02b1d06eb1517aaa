package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.infer.DefaultModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ctc4j quantize: the embedded model's int8 copy transcribes the shipped sample as the original does. */
class QuantizeCommandTest {
  private static final String SAMPLE = "samples/an4-an406-fcaw-b.flac";

  @TempDir Path dir;

  @Test
  void theInt8CopyTranscribesTheSampleAsTheOriginal() throws Exception {
    String int8 = dir.resolve("an4-int8").toString();
    String done = Console.stdout(() -> assertEquals(0, Main.run("quantize", "--model", DefaultModel.BUNDLED, "-o", int8)));
    assertTrue(done.contains("int8"), done);
    assertTrue(Files.readString(Path.of(int8, "config.json")).contains("\"quantization\""));
    assertTrue(Files.exists(Path.of(int8, "lm-3gram.arpa")), "the folder's other files come along");
    String fp32 = Console.stdout(() -> assertEquals(0, Main.run("transcribe", SAMPLE, "--model", DefaultModel.BUNDLED)));
    String ours = Console.stdout(() -> assertEquals(0, Main.run("transcribe", SAMPLE, "--model", int8)));
    assertEquals(fp32, ours);

    String err = Console.stderr(() -> assertEquals(1, Main.run("quantize", "--model", DefaultModel.BUNDLED, "-o", int8)));
    assertTrue(err.contains("not an empty folder"), err);
    err = Console.stderr(() -> assertEquals(1, Main.run("quantize", "--model", int8, "-o", dir.resolve("b").toString())));
    assertTrue(err.contains("already quantized"), err);
  }
}
