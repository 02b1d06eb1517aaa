package dev.ctc4j.eval;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Chooses beam search's LM weight (alpha) and word bonus (beta) on a held-out manifest: the model
 * runs once, its emissions stay in host memory (batch x frames x classes floats), and every point
 * of an alpha x beta grid decodes them. Tune on dev data, never on the test set you report.
 */
public final class LmWeightSearch {
  private LmWeightSearch() {}

  /** Corpus error rates of one grid point. */
  public record Point(double alpha, double beta, double wer, double cer) {}

  /** The lowest WER, ties to the lower CER, then to the earlier point. */
  public static final Comparator<Point> BEST_FIRST = Comparator.comparingDouble(Point::wer).thenComparingDouble(Point::cer);

  /**
   * Every (alpha, beta) in grid order (alpha outer) with {@code options}' other settings, scored on
   * {@code utterances}; unreadable files are logged and left out of every point.
   */
  public static List<Point> run(SpeechModel model, List<Utterance> utterances, int batchSize, BeamSearchOptions options,
      double[] alphas, double[] betas, Consumer<String> log) {
    if (options.lm() == null) throw new InvalidInputException("an LM weight search needs an LM");
    if (alphas.length == 0 || betas.length == 0) throw new InvalidInputException("give at least one alpha and one beta");
    List<Batch> batches = new ArrayList<>();
    try {
      Evaluator.forEachBatch(model, utterances, batchSize, log,
          (batch, seconds, e) -> batches.add(new Batch(batch, e.logProbs().to(Device.CPU), e.lengths())));
      if (batches.isEmpty()) throw new InvalidInputException("no readable utterances to tune on");
      List<Point> points = new ArrayList<>();
      for (double alpha : alphas) {
        for (double beta : betas) {
          ErrorRates rates = score(model, batches, options.withLmWeights(alpha, beta));
          points.add(new Point(alpha, beta, rates.wer(), rates.cer()));
        }
      }
      return points;
    } finally {
      batches.forEach(b -> b.logProbs.close());
    }
  }

  private record Batch(List<Utterance> utterances, Tensor logProbs, long[] lengths) {}

  private static ErrorRates score(SpeechModel model, List<Batch> batches, BeamSearchOptions options) {
    ErrorRates rates = new ErrorRates(model.textNormalizer());
    try (BeamSearchDecoder decoder = new BeamSearchDecoder(model.labels(), options, model.frameSeconds())) {
      for (Batch b : batches) {
        var nBest = decoder.decode(b.logProbs, b.lengths, EmissionKind.LOG_PROBS);
        for (int k = 0; k < b.utterances.size(); k++) {
          rates.add(b.utterances.get(k).text(), nBest.get(k).isEmpty() ? "" : nBest.get(k).get(0).text());
        }
      }
    }
    return rates;
  }
}
