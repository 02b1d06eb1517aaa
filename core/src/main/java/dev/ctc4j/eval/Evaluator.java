package dev.ctc4j.eval;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.infer.SpeechModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Decodes a manifest with a model and scores it. Utterances are batched in order of length (less
 * padding); unreadable files are reported and counted, not fatal. The decoder maps a batch's
 * emissions to transcripts (greedy, or beam search with a language model).
 */
public final class Evaluator {
  private Evaluator() {}

  public static Evaluation evaluate(SpeechModel model, List<Utterance> utterances, int batchSize,
      BiFunction<SpeechModel, SpeechModel.Emissions, List<String>> decoder, Consumer<String> log) {
    ErrorRates rates = new ErrorRates(model.textNormalizer());
    double[] audioSeconds = {0};
    long start = System.nanoTime();
    int skipped = forEachBatch(model, utterances, batchSize, log, (batch, seconds, emissions) -> {
      List<String> texts = decoder.apply(model, emissions);
      for (int k = 0; k < batch.size(); k++) rates.add(batch.get(k).text(), texts.get(k));
      audioSeconds[0] += seconds;
    });
    return new Evaluation(rates.wer(), rates.cer(), rates.utterances(), audioSeconds[0],
        (System.nanoTime() - start) / 1e9, skipped);
  }

  /** Best-path decoding. */
  public static List<String> greedy(SpeechModel model, SpeechModel.Emissions emissions) {
    return model.greedy(emissions).stream().map(h -> h.text()).toList();
  }

  /** A batch of readable utterances, their audio duration and their emissions (closed after the call). */
  interface Batch {
    void accept(List<Utterance> utterances, double audioSeconds, SpeechModel.Emissions emissions);
  }

  /**
   * Runs the model over {@code utterances} in batches of up to {@code batchSize}, shortest first,
   * skipping (and logging) unreadable files; returns how many were skipped.
   */
  static int forEachBatch(SpeechModel model, List<Utterance> utterances, int batchSize, Consumer<String> log,
      Batch consumer) {
    if (batchSize < 1) throw new InvalidInputException("batch size must be >= 1");
    List<Utterance> sorted = new ArrayList<>(utterances);
    sorted.sort(Comparator.comparingDouble(Utterance::duration));
    int skipped = 0;
    for (int i = 0; i < sorted.size(); i += batchSize) {
      List<Utterance> batch = new ArrayList<>();
      List<float[]> audio = new ArrayList<>();
      double seconds = 0;
      for (Utterance u : sorted.subList(i, Math.min(sorted.size(), i + batchSize))) {
        try {
          audio.add(Audio.read(u.audio()));
          batch.add(u);
          seconds += audio.get(audio.size() - 1).length / (double) Audio.SAMPLE_RATE;
        } catch (InvalidInputException e) {
          skipped++;
          log.accept("skipped " + u.audio() + ": " + e.getMessage());
        }
      }
      if (batch.isEmpty()) continue;
      try (SpeechModel.Emissions e = model.emissions(audio)) {
        consumer.accept(batch, seconds, e);
      }
    }
    return skipped;
  }
}
