package dev.ctc4j.ctc;

/** How a [time, batch, classes] block of scores is laid out in a rank-3 tensor. */
public enum CtcLayout {
  /** [T, N, C], PyTorch's ctc_loss layout. */
  TIME_MAJOR,
  /** [N, T, C]. */
  BATCH_MAJOR
}
