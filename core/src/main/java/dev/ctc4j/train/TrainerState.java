package dev.ctc4j.train;

/**
 * Where training stands, saved with each checkpoint: steps taken, the epoch, the number of its
 * batches already done and the sum of their losses (for the epoch's mean train loss, whichever
 * process finishes the epoch), the best dev WER so far and epochs since it improved.
 */
public record TrainerState(long step, int epoch, int batchesDone, double epochLoss, double bestWer,
    int epochsWithoutImprovement) {
  public static TrainerState start() {
    return new TrainerState(0, 0, 0, 0, Double.MAX_VALUE, 0);  // MAX_VALUE: no dev result yet (JSON has no infinity)
  }

  /** Whether every batch of the epoch is done and only its end (dev scoring, best/, checkpoint) is left. */
  boolean epochBatchesDone(int batchesPerEpoch) {
    return batchesDone >= batchesPerEpoch;
  }
}
