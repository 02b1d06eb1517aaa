package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.TinyTraining;
import dev.ctc4j.wav2vec2.TinyModels;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train (with its plots), eval and transcribe end to end on a tiny model (its accuracy is not the point). */
class ModelCommandsTest {
  @TempDir Path dir;

  @Test
  void trainThenEvalAndTranscribeWithEitherDecoder() throws Exception {
    Path config = TinyTraining.config(dir, 4, 100);  // 2 epochs of 2 batches: best/ is written
    Path out = dir.resolve("run");
    assertEquals(0, Main.run("train", "--config", config.toString(), "--out", out.toString()));
    for (String plot : List.of("loss.png", "lr.png", "wer.png", "alignment.png")) {
      assertTrue(Files.size(out.resolve("plots/" + plot)) > 1000, plot);
    }
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

  /** An imported wav2vec2 folder is a model like any other for eval, transcribe and align. */
  @Test
  void wav2vec2FolderRunsThroughEvalTranscribeAndAlign() throws Exception {
    TinyTraining.config(dir, 4, 100); // writes the manifests and their audio
    Path model = dir.resolve("w2v");
    List<String> labels = List.of("<pad>", " ", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    Wav2Vec2Config config = TinyModels.withLabels(TinyModels.base(), labels);
    try (Wav2Vec2Model w = TinyModels.create(config, Seeds.random("ModelCommandsTest.wav2vec2"))) {
      w.save(model);
    }
    JsonNode eval = new ObjectMapper().readTree(Console.stdout(() -> assertEquals(0,
        Main.run("eval", "--model", model.toString(), "--manifest", dir.resolve("dev.jsonl").toString(), "--json"))));
    assertEquals(4, eval.get("utterances").asInt(), eval.toString());
    String audio = Manifest.read(dir.resolve("dev.jsonl")).get(0).audio().toString();
    for (String decoder : new String[] {"greedy", "beam"}) {
      JsonNode line = new ObjectMapper().readTree(Console.stdout(() ->
          assertEquals(0, Main.run("transcribe", audio, "--model", model.toString(), "--decoder", decoder, "--json"))));
      assertTrue(line.get("words").isArray(), line.toString());
    }
    JsonNode aligned = new ObjectMapper().readTree(Console.stdout(() ->
        assertEquals(0, Main.run("align", "--model", model.toString(), audio, "Bad ace", "--json"))));
    assertEquals(2, aligned.get("words").size(), aligned.toString());
  }
}
