package dev.ctc4j.spark;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.Decoder;
import dev.ctc4j.infer.DecodingConfig;
import dev.ctc4j.infer.Transcriber;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that makes one {@link Transcriber} differ from another: the model (a directory or a
 * pulled id, resolved on the executor), the decoder with its LM, lexicon and hotwords
 * ({@code PHRASE=BONUS}), and the batch size. Shipped to the executors with each task and used
 * there as the key of {@link ExecutorTranscribers}; paths are strings because {@link Path} is not
 * serializable.
 */
record TranscriberSettings(String model, Decoder decoder, int beamWidth, String lm, double alpha, double beta,
    String lexicon, List<String> hotwords, int batchSize) implements Serializable {
  TranscriberSettings {
    hotwords = List.copyOf(hotwords);
  }

  /** The decoding configuration these settings describe (bad combinations are refused here). */
  DecodingConfig decoding() {
    return new DecodingConfig(decoder, beamWidth, 1, path(lm), alpha, beta, path(lexicon), bonuses(hotwords));
  }

  /** Loads the model and the LM: the one place a Transcriber is configured. */
  Transcriber open() {
    return Transcriber.builder(ModelStore.open().resolve(model)).decoding(decoding()).maxBatch(batchSize).build();
  }

  /** {@code PHRASE=BONUS} entries (split at the last '=') as the builder takes them. */
  static Map<String, Double> bonuses(List<String> hotwords) {
    Map<String, Double> bonuses = new LinkedHashMap<>();
    for (String entry : hotwords) {
      int at = entry.lastIndexOf('=');
      if (at <= 0) throw new InvalidInputException("hotword " + entry + ": expected PHRASE=BONUS");
      try {
        bonuses.put(entry.substring(0, at).strip(), Double.parseDouble(entry.substring(at + 1).strip()));
      } catch (NumberFormatException e) {
        throw new InvalidInputException("hotword " + entry + ": the bonus is not a number");
      }
    }
    return bonuses;
  }

  private static Path path(String file) {
    return file == null ? null : Path.of(file);
  }
}
