package dev.ctc4j.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void englishLabelsEncodeAndDecodeTranscripts() {
    Labels labels = Labels.english();
    assertEquals(29, labels.size());
    int[] ids = labels.encode("it's a b");
    assertArrayEquals(new int[] {11, 22, 2, 21, 1, 3, 1, 4}, ids);
    assertEquals("it's a b", labels.decode(ids));
    assertEquals("ab", labels.decode(new int[] {0, 3, 0, 4, 0}));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> labels.encode("caf\u00e9"));
    assertTrue(e.getMessage().contains("at 3"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> labels.decode(new int[] {29}));
  }
}
