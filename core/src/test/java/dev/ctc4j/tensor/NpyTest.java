package dev.ctc4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path dir;

  @Test
  void writesNumpyFormatAndReadsItBack() throws Exception {
    float[] values = Seeds.gaussian(Seeds.random("NpyTest"), 80 * 13, 1);
    Path file = dir.resolve("x.npy");
    Npy.write(file, values, 80, 13);
    byte[] bytes = Files.readAllBytes(file);
    int headerLength = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
    String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
    assertEquals(0, (10 + headerLength) % 64, "header padded to 64 bytes as NumPy requires");
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (80, 13), }"), header);
    assertTrue(header.endsWith("\n"));
    assertEquals(10 + headerLength + 4L * values.length, bytes.length);
    Npy.FloatArray back = Npy.read(file);
    assertArrayEquals(new long[] {80, 13}, back.shape());
    assertArrayEquals(values, back.data());
    assertEquals(1, Files.list(dir).count(), "no temporary file left behind");

    Npy.write(dir.resolve("v.npy"), new float[] {1, 2, 3}, 3);
    assertTrue(Files.readString(dir.resolve("v.npy"), StandardCharsets.ISO_8859_1).contains("'shape': (3,)"));
  }

  @Test
  void rejectsMismatchedShapeAndForeignFiles() throws Exception {
    assertThrows(InvalidInputException.class, () -> Npy.write(dir.resolve("bad.npy"), new float[3], 2, 2));
    Path text = dir.resolve("t.npy");
    Files.writeString(text, "hello");
    assertThrows(InvalidInputException.class, () -> Npy.read(text));
  }
}
