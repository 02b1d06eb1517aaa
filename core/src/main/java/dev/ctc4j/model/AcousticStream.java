package dev.ctc4j.model;

/**
 * The forward pass of a model without unbounded future context, run incrementally over one
 * stream's feature frames: feed frames as they arrive and receive the output frames they
 * complete. The concatenated outputs equal {@link AcousticModel#forward} over the whole sequence
 * up to float rounding: recurrent layers carry their state from chunk to chunk, and a convolution
 * front end keeps the input frames its next outputs still need (its left context) and waits for
 * the few frames of right context its kernel reaches (kernel / 2, so outputs trail the input by
 * that much until {@link #finish}).
 *
 * <p>Frames travel as small host arrays, frame-major. One stream, one thread at a time; the model
 * is shared. Close the stream to free its recurrent state.
 */
public interface AcousticStream extends AutoCloseable {
  /** {@code count} feature frames [count][n_features]; returns log-probabilities [n][classes] of the n completed output frames. */
  float[] accept(float[] frames, int count);

  /** At the end of the input: the remaining output frames (the right edge zero-padded as offline). */
  float[] finish();

  @Override
  void close();
}
