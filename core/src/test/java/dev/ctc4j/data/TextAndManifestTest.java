package dev.ctc4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextAndManifestTest {
  @TempDir Path dir;

  @Test
  void normalisesAsDocumented() {
    assertEquals("i had that curiosity beside me", TextNormalizer.normalize("  I HAD THAT CURIOSITY, beside me!  "));
    assertEquals("cafe don't twenty one", TextNormalizer.normalize("Café don\u2019t twenty-one"));
    assertEquals("room", TextNormalizer.normalize("room 101"));
    assertEquals("", TextNormalizer.normalize("?!"));
  }

  @Test
  void manifestRoundTripsAndNamesBadLines() throws Exception {
    List<Utterance> utterances = List.of(new Utterance(dir.resolve("a/x.flac"), "hello world", 1.25),
        new Utterance(dir.resolve("y.wav"), "it's", 0.5));
    Path manifest = dir.resolve("m.jsonl");
    Manifest.write(manifest, utterances);
    assertTrue(Files.readString(manifest).startsWith("{\"audio\":\"a/x.flac\",\"text\":\"hello world\",\"duration\":1.25}"));
    assertEquals(utterances, Manifest.read(manifest));
    Files.writeString(manifest, "{\"audio\":\"a\",\"text\":\"b\",\"duration\":1}\n{\"audio\": 3}\n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Manifest.read(manifest));
    assertTrue(e.getMessage().contains("m.jsonl:2"), e.getMessage());
    Files.writeString(manifest, "not json\n");
    assertThrows(InvalidInputException.class, () -> Manifest.read(manifest));
  }
}
