package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lm build} from plain text and from a manifest's transcripts gives the same model. */
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
}
