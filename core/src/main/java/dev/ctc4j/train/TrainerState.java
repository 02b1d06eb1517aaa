package dev.ctc4j.train;

/**
 * Where training stands, saved with each checkpoint: steps taken, the epoch and the number of its
 * batches already done, the best dev WER so far and epochs since it improved.
 */
public record TrainerState(long step, int epoch, int batchesDone, double bestWer, int epochsWithoutImprovement) {
  public static TrainerState start() {
    return new TrainerState(0, 0, 0, Double.MAX_VALUE, 0);  // MAX_VALUE: no dev result yet (JSON has no infinity)
  }
}
