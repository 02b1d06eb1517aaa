package dev.ctc4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every grid point of the search scores exactly what {@link Evaluator} scores with a beam decoder
 * at those weights (the independent path: emissions recomputed, decoded batch by batch), on a
 * random sample of AN4 test utterances with an unreadable file among them.
 */
class LmWeightSearchTest {
  @Test
  void eachPointEqualsAnEvaluationAtItsWeights() throws Exception {
    List<Utterance> sample = new ArrayList<>(Manifest.read(SharedData.require("an4/test.jsonl")));
    Collections.shuffle(sample, new java.util.Random(Seeds.random("LmWeightSearchTest").nextLong()));
    sample = new ArrayList<>(sample.subList(0, 20));
    sample.add(new Utterance(Path.of("missing.wav"), "not there", 1.0));
    double[] alphas = {0.0, 0.4}, betas = {0.5, 2.0};
    Path bundled = Path.of(DefaultModel.BUNDLED);
    try (SpeechModel model = SpeechModel.load(bundled, Device.CPU);
        NgramLanguageModel lm = NgramLanguageModel.load(bundled.resolve("lm-3gram.arpa"))) {
      BeamSearchOptions options = BeamSearchOptions.builder().beamWidth(8).lm(lm, 0, 0).build();
      List<String> skipped = new ArrayList<>();
      List<LmWeightSearch.Point> grid = LmWeightSearch.run(model, sample, 6, options, alphas, betas, skipped::add);
      assertEquals(4, grid.size());
      assertEquals(1, skipped.size(), "the missing file is reported once: " + skipped);
      for (int i = 0; i < grid.size(); i++) {
        LmWeightSearch.Point p = grid.get(i);
        assertEquals(alphas[i / betas.length], p.alpha(), "alpha is the outer loop");
        assertEquals(betas[i % betas.length], p.beta());
        try (BeamSearchDecoder d = new BeamSearchDecoder(model.labels(), options.withLmWeights(p.alpha(), p.beta()),
            model.frameSeconds())) {
          Evaluation e = Evaluator.evaluate(model, sample, 5, (m, em) -> d.decode(em.logProbs(), em.lengths(),
              EmissionKind.LOG_PROBS).stream().map(n -> n.get(0).text()).toList(), s -> {});
          assertEquals(e.wer(), p.wer(), 1e-12, p.toString());
          assertEquals(e.cer(), p.cer(), 1e-12, p.toString());
        }
      }
    }
  }

  @Test
  void needsAnLmAGridAndReadableUtterances() throws Exception {
    Path bundled = Path.of(DefaultModel.BUNDLED);
    try (SpeechModel model = SpeechModel.load(bundled, Device.CPU);
        NgramLanguageModel lm = NgramLanguageModel.load(bundled.resolve("lm-3gram.arpa"))) {
      BeamSearchOptions noLm = BeamSearchOptions.builder().build();
      assertThrows(InvalidInputException.class,
          () -> LmWeightSearch.run(model, List.of(), 4, noLm, new double[] {1}, new double[] {1}, s -> {}));
      BeamSearchOptions withLm = BeamSearchOptions.builder().lm(lm, 0, 0).build();
      assertThrows(InvalidInputException.class,
          () -> LmWeightSearch.run(model, List.of(), 4, withLm, new double[0], new double[] {1}, s -> {}));
      List<Utterance> unreadable = List.of(new Utterance(Path.of("missing.wav"), "not there", 1.0));
      assertThrows(InvalidInputException.class,
          () -> LmWeightSearch.run(model, unreadable, 4, withLm, new double[] {1}, new double[] {1}, s -> {}));
    }
  }
}
