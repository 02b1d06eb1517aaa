package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctc4j export onnx}: the embedded model to a file; a folder that holds no model is refused by name. */
class OnnxExportCommandTest {
  @TempDir Path dir;

  @Test
  void exportsTheEmbeddedModel() {
    Path file = dir.resolve("an4.onnx");
    String out = Console.stdout(() ->
        assertEquals(0, Main.run("export", "onnx", "--model", "models/an4", "-o", file.toString())));
    assertTrue(out.startsWith("wrote " + file + ": rnn (log-mel in)"), out);
    assertTrue(Files.isRegularFile(file));
  }

  @Test
  void refusesAFolderWithoutAModel() {
    Path file = dir.resolve("x.onnx");
    String err = Console.stderr(() ->
        assertEquals(1, Main.run("export", "onnx", "--model", dir.toString(), "-o", file.toString())));
    assertTrue(err.contains("is not a model directory"), err);
    assertFalse(Files.exists(file));
  }
}
