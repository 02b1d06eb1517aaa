package dev.ctc4j.data;

import dev.ctc4j.features.Features;
import java.util.List;

/**
 * One training batch: features [batch, n_mels, maxFrames] (native, on the loader's device), the
 * transcripts' labels concatenated in {@code targets} with one length per utterance. Close it.
 */
public record Batch(int index, List<Utterance> utterances, Features features, int[] targets, int[] targetLengths)
    implements AutoCloseable {
  public int size() {
    return utterances.size();
  }

  public double audioSeconds() {
    return utterances.stream().mapToDouble(Utterance::duration).sum();
  }

  @Override
  public void close() {
    features.close();
  }
}
