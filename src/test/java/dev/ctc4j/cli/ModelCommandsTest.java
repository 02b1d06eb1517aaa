package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.testing.TinyTraining;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, eval and transcribe end to end on a tiny model (its accuracy is not the point). */
class ModelCommandsTest {
  @TempDir Path dir;

  @Test
  void trainThenEvalAndTranscribeWithEitherDecoder() throws Exception {
    Path config = TinyTraining.config(dir, 4, 100);  // 2 epochs of 2 batches: best/ is written
    Path out = dir.resolve("run");
    assertEquals(0, Main.run("train", "--config", config.toString(), "--out", out.toString()));
    String model = out.resolve("best").toString(), dev = dir.resolve("dev.jsonl").toString();

    JsonNode eval = new ObjectMapper().readTree(Console.stdout(() ->
        assertEquals(0, Main.run("eval", "--model", model, "--manifest", dev, "--json"))));
    assertEquals(4, eval.get("utterances").asInt());
    assertTrue(eval.get("wer").asDouble() >= 0 && eval.get("audio_seconds").asDouble() > 0, eval.toString());
    assertTrue(eval.has("cer") && eval.has("wall_seconds"), eval.toString());

    String audio = Manifest.read(dir.resolve("dev.jsonl")).get(0).audio().toString();
    for (String decoder : new String[] {"greedy", "beam"}) {
      JsonNode line = new ObjectMapper().readTree(Console.stdout(() ->
          assertEquals(0, Main.run("transcribe", audio, "--model", model, "--decoder", decoder, "--json"))));
      assertEquals(audio, line.get("audio").asText());
      assertTrue(line.get("words").isArray(), line.toString());
    }
    assertEquals(1, Main.run("transcribe", audio, "--model", model, "--decoder", "viterbi"));
  }
}
