package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.data.TextNormalizer;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forced alignment: designed frames with a known best path, and the wiring through a model. */
class ForcedAlignerTest {
  @TempDir Path dir;

  @Test
  void wordsSpanTheFramesTheirLettersOccupy() {
    Labels labels = Labels.english();
    // 20 frames of 40 ms: "it" over frames 2-5, a space at 8, "a" over 12-13, blanks elsewhere.
    String[] path = new String[20];
    java.util.Arrays.fill(path, "_");
    path[2] = path[3] = "i";
    path[4] = path[5] = "t";
    path[8] = " ";
    path[12] = path[13] = "a";
    float[] v = new float[20 * labels.size()];
    for (int t = 0; t < 20; t++) {
      for (int c = 0; c < labels.size(); c++) {
        v[t * labels.size() + c] = (float) Math.log(labels.text(c).equals(path[t]) ? 0.8 : 0.2 / (labels.size() - 1));
      }
    }
    LogProbFrames frames = LogProbFrames.copyOf(v, labels.size(), 0, 20);
    Transcript t = new ForcedAligner(labels, TextNormalizer.forLabels(labels), 0.04).align(frames, "  It, A! ", 0.8);
    assertEquals("it a", t.text());
    assertEquals(2, t.words().size());
    Word it = t.words().get(0), a = t.words().get(1);
    assertEquals("it", it.text());
    assertEquals(2 * 0.04, it.start(), 1e-9);
    assertEquals(6 * 0.04, it.end(), 1e-9);
    assertEquals(0.8f, it.confidence(), 1e-5);
    assertEquals("a", a.text());
    assertEquals(12 * 0.04, a.start(), 1e-9);
    assertEquals(14 * 0.04, a.end(), 1e-9);
    assertEquals(alignmentLogProbability(v, labels, path), t.alternatives().get(0).score(), 1e-3, "the designed path is the best");
    assertThrows(InvalidInputException.class, () -> new ForcedAligner(labels, TextNormalizer.forLabels(labels), 0.04).align(frames, "12 !", 0.8));
    assertThrows(InvalidInputException.class,
        () -> new ForcedAligner(labels, TextNormalizer.forLabels(labels), 0.04).align(frames, "abcdefghijklmnopqrstuvwxyz", 0.8), "too short");
  }

  private static double alignmentLogProbability(float[] v, Labels labels, String[] path) {
    double sum = 0;
    for (int t = 0; t < path.length; t++) sum += v[t * labels.size() + labels.tokens().indexOf(path[t])];
    return sum;
  }

  @Test
  void alignsAudioThroughTheModel() throws Exception {
    SplittableRandom rng = Seeds.random("alignsAudioThroughTheModel");
    Path model = TestModels.write(dir.resolve("m"), "gru", false, Normalization.PER_FEATURE, 5);
    float[] audio = TestModels.speechLike(rng, 3);
    Path wav = TestModels.writeWav(dir.resolve("a.wav"), audio);
    try (Transcriber t = Transcriber.builder(model).build()) {
      Transcript fromFile = t.align(wav, "go left now");
      assertEquals(List.of("go", "left", "now"), fromFile.words().stream().map(Word::text).toList());
      double previousEnd = 0;
      for (Word w : fromFile.words()) {
        assertTrue(w.start() >= previousEnd && w.end() > w.start() && w.end() <= 3 + 0.05, fromFile.words().toString());
        assertTrue(w.confidence() > 0 && w.confidence() <= 1);
        previousEnd = w.end();
      }
      Transcript fromPcm = t.align(audio, 16000, "go left now");
      assertEquals(fromFile.words().size(), fromPcm.words().size());
      assertThrows(InvalidInputException.class, () -> t.align(new float[800], 16000, "a much longer transcript than fits"));
    }
  }
}
