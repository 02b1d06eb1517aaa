package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.testing.SharedData;
import dev.ctc4j.data.Utterance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lm build} from plain text and from a manifest's transcripts gives the same model; {@code lm
 * tune} reports every grid point and the best of them.
 */
class LmCommandTest {
  @TempDir Path dir;

  @Test
  void manifestTranscriptsAreTheTrainingText() throws Exception {
    List<String> sentences = List.of("one two three", "two three four", "enter five");
    Path text = Files.write(dir.resolve("text.txt"), sentences);
    Path manifest = dir.resolve("train.jsonl");
    Manifest.write(manifest, sentences.stream().map(s -> new Utterance(dir.resolve("a.flac"), s, 1.0)).toList());

    Path fromText = dir.resolve("text.arpa"), fromManifest = dir.resolve("manifest.arpa");
    assertEquals(0, Main.run("lm", "build", "--order", "2", "--text", text.toString(), "-o", fromText.toString()));
    assertEquals(0, Main.run("lm", "build", "--order", "2", "--manifest", manifest.toString(),
        "-o", fromManifest.toString()));
    String arpa = Files.readString(fromManifest);
    assertTrue(arpa.contains("ngram 1=9"), arpa);  // 6 words + <s> </s> <unk>
    assertEquals(Files.readString(fromText), arpa);
  }

  @Test
  void withoutTextItIsAUsageError() {
    assertEquals(2, Main.run("lm", "build", "--order", "3", "-o", dir.resolve("x.arpa").toString()));
  }

  @Test
  void tuneReportsTheGridAndItsBestPoint() throws Exception {
    Path manifest = dir.resolve("dev.jsonl");
    Manifest.write(manifest, Manifest.read(SharedData.require("an4/test.jsonl")).subList(0, 6));
    String lm = DefaultModel.BUNDLED + "/lm-3gram.arpa";
    JsonNode out = new ObjectMapper().readTree(Console.stdout(() -> assertEquals(0, Main.run("lm", "tune", "--model",
        DefaultModel.BUNDLED, "--manifest", manifest.toString(), "--lm", lm, "--alphas", "0,3", "--betas", "1",
        "--beam-width", "4", "--json"))));
    JsonNode grid = out.get("grid");
    assertEquals(2, grid.size(), out.toString());
    assertEquals(3.0, grid.get(1).get("alpha").asDouble());
    double lowest = Math.min(grid.get(0).get("wer").asDouble(), grid.get(1).get("wer").asDouble());
    assertEquals(lowest, out.get("best").get("wer").asDouble(), out.toString());
    assertEquals(2, Main.run("lm", "tune", "--model", DefaultModel.BUNDLED, "--manifest", manifest.toString()),
        "without --lm it is a usage error");
  }
}
