package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.infer.TestModels;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** transcribe and align on a random-weight model (the words are noise; the shape of the output is the point). */
class TranscribeAlignCommandsTest {
  @TempDir Path dir;

  @Test
  void transcribeAndAlignPrintTextAndTimedWords() throws Exception {
    SplittableRandom rng = Seeds.random("transcribeAndAlignPrintTextAndTimedWords");
    String model = TestModels.write(dir.resolve("model"), "gru", false, Normalization.PER_FEATURE, 3).toString();
    String a = TestModels.writeWav(dir.resolve("a.wav"), TestModels.speechLike(rng, 2)).toString();
    String b = TestModels.writeWav(dir.resolve("b.wav"), TestModels.speechLike(rng, 3)).toString();

    String[] lines = Console.stdout(() -> assertEquals(0, Main.run("transcribe", a, b, "--model", model, "--json"))).split("\n");
    assertEquals(2, lines.length);
    JsonNode first = new ObjectMapper().readTree(lines[0]);
    assertEquals(a, first.get("audio").asText());
    assertEquals(2.0, first.get("duration").asDouble(), 1e-3);
    for (JsonNode w : first.get("words")) assertTrue(w.get("end").asDouble() > w.get("start").asDouble(), w.toString());

    String plain = Console.stdout(() -> assertEquals(0, Main.run("transcribe", a, b, "--model", model, "--decoder", "beam")));
    assertTrue(plain.startsWith(a + ": ") && plain.contains("\n" + b + ": "), plain);
    JsonNode nBest = new ObjectMapper().readTree(Console.stdout(() -> assertEquals(0,
        Main.run("transcribe", a, "--model", model, "--decoder", "beam", "--nbest", "3", "--json"))));
    assertTrue(nBest.get("alternatives").size() > 1, nBest.toString());

    JsonNode aligned = new ObjectMapper().readTree(Console.stdout(() ->
        assertEquals(0, Main.run("align", "--model", model, a, "Turn LEFT, now.", "--json"))));
    assertEquals("turn left now", aligned.get("text").asText());
    assertEquals(3, aligned.get("words").size());
    assertEquals("left", aligned.get("words").get(1).get("word").asText());
    String table = Console.stdout(() -> assertEquals(0, Main.run("align", "--model", model, a, "turn left now")));
    assertEquals(3, table.strip().split("\n").length, table);
    assertTrue(table.strip().endsWith("\tnow"), table);

    assertEquals(1, Main.run("transcribe", dir.resolve("missing.wav").toString(), "--model", model));
    assertEquals(1, Main.run("align", "--model", model, a, "a transcript far too long for two seconds of audio "
        + "a transcript far too long for two seconds of audio a transcript far too long for two seconds of audio"));
  }

  @Test
  void theDefaultModelComesFromThePropertyOrIsAClearError() throws Exception {
    String model = TestModels.write(dir.resolve("model"), null, false, Normalization.NONE, 4).toString();
    String a = TestModels.writeWav(dir.resolve("a.wav"), TestModels.speechLike(new SplittableRandom(1), 1)).toString();
    try {
      System.setProperty(DefaultModel.PROPERTY, model);
      assertEquals(0, Main.run("transcribe", a));
      System.setProperty(DefaultModel.PROPERTY, dir.resolve("absent").toString());
      String err = Console.stderr(() -> assertEquals(1, Main.run("transcribe", a)));
      assertTrue(err.contains("no such model directory") && err.contains(DefaultModel.ENVIRONMENT), err);
    } finally {
      System.clearProperty(DefaultModel.PROPERTY);
    }
  }
}
