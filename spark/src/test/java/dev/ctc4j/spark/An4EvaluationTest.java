package dev.ctc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.eval.Evaluation;
import dev.ctc4j.eval.Evaluator;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AN4 test set through the Spark job on local[2] with the embedded model: every utterance
 * transcribed, the same texts as a plain Transcriber loop, and WER/CER equal to what
 * {@code ctc4j eval} computes (its Evaluator with greedy decoding, batches of 16).
 */
class An4EvaluationTest {
  private static final Path MODEL = Path.of("models/an4");

  @TempDir Path dir;

  @AfterAll
  static void closeTranscribers() {
    ExecutorTranscribers.closeAll();
  }

  @Test
  void sparkJobEqualsTheCliAndAPlainTranscriberLoop() throws IOException {
    Path manifest = SharedData.require("an4/test.jsonl");
    List<Utterance> utterances = Manifest.read(manifest);
    String output = dir.resolve("out").toString();

    Evaluation spark = ManifestEvaluation.run(SharedSpark.session(), new AudioTranscriber().setModel(MODEL.toString()),
        manifest, output, 2, message -> { throw new AssertionError(message); });
    Evaluation cli;
    try (SpeechModel model = SpeechModel.load(MODEL, Device.CPU)) {
      cli = Evaluator.evaluate(model, utterances, 16, Evaluator::greedy, message -> { throw new AssertionError(message); });
    }
    System.out.printf("AN4 test: Spark WER %.4f CER %.4f (%.1f s), CLI evaluator WER %.4f CER %.4f (%.1f s)%n",
        spark.wer(), spark.cer(), spark.wallSeconds(), cli.wer(), cli.cer(), cli.wallSeconds());
    assertEquals(utterances.size(), spark.utterances());
    assertEquals(0, spark.skipped());
    assertEquals(cli.wer(), spark.wer(), 0);
    assertEquals(cli.cer(), spark.cer(), 0);
    assertEquals(cli.audioSeconds(), spark.audioSeconds(), 1e-6);

    Map<String, String> written = new TreeMap<>();
    for (Row r : SharedSpark.session().read().json(output).collectAsList()) {
      assertNull(r.getAs("error"));
      written.put(r.getAs("audio"), r.getAs("text"));
    }
    Map<String, String> loop = new TreeMap<>();
    try (Transcriber t = Transcriber.builder(MODEL).build()) {
      for (Utterance u : utterances) loop.put(u.audio().toString(), t.transcribe(u.audio()).text());
    }
    assertEquals(loop, written);
    // Real double letters ("three", "eighteen", ...) survive the transformer's decoding, too.
    assertTrue(written.values().stream().anyMatch(text -> text.matches(".*([a-z])\\1.*")), written.toString());
  }
}
