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
    if (batchSize < 1) throw new InvalidInputException("batch size must be >= 1");
    List<Utterance> sorted = new ArrayList<>(utterances);
    sorted.sort(Comparator.comparingDouble(Utterance::duration));
    ErrorRates rates = new ErrorRates();
    double audioSeconds = 0;
    int skipped = 0;
    long start = System.nanoTime();
    for (int i = 0; i < sorted.size(); i += batchSize) {
      List<Utterance> batch = new ArrayList<>();
      List<float[]> audio = new ArrayList<>();
      for (Utterance u : sorted.subList(i, Math.min(sorted.size(), i + batchSize))) {
        try {
          audio.add(Audio.read(u.audio()));
          batch.add(u);
        } catch (InvalidInputException e) {
          skipped++;
          log.accept("skipped " + u.audio() + ": " + e.getMessage());
        }
      }
      if (batch.isEmpty()) continue;
      List<String> texts;
      try (SpeechModel.Emissions e = model.emissions(audio)) {
        texts = decoder.apply(model, e);
      }
      for (int k = 0; k < batch.size(); k++) {
        rates.add(batch.get(k).text(), texts.get(k));
        audioSeconds += audio.get(k).length / (double) Audio.SAMPLE_RATE;
      }
    }
    return new Evaluation(rates.wer(), rates.cer(), rates.utterances(), audioSeconds,
        (System.nanoTime() - start) / 1e9, skipped);
  }

  /** Best-path decoding. */
  public static List<String> greedy(SpeechModel model, SpeechModel.Emissions emissions) {
    return model.greedy(emissions).stream().map(h -> h.text()).toList();
  }
}
