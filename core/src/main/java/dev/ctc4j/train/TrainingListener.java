package dev.ctc4j.train;

import dev.ctc4j.ctc.ForcedAlignment;
import dev.ctc4j.decode.Labels;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What a training run tells its caller besides {@code metrics.jsonl}: log lines, per-step progress
 * and the end of each epoch. The library draws nothing; the CLI turns these into a progress bar and
 * PNG plots. Called on the training thread; every method defaults to doing nothing.
 */
public interface TrainingListener {
  /** A listener that ignores everything. */
  TrainingListener NONE = new TrainingListener() {};

  /** A human-readable line (resume, data split, epoch summary, skipped updates). */
  default void log(String line) {}

  /** An epoch begins ({@code epoch} counts from 0). */
  default void epochStarted(int epoch) {}

  /** A step finished. */
  default void stepDone(StepProgress progress) {}

  /** An epoch finished, was scored on dev and its metrics appended. */
  default void epochEnded(EpochEnd end) throws IOException {}

  /** One step's place in the run: epoch and batch counting from 0 and 1 respectively. */
  record StepProgress(int epoch, int epochs, int batch, int batchesPerEpoch, double loss, double learningRate,
      double utterancesPerSecond) {}

  /**
   * @param metrics the run's {@code metrics.jsonl} (one line per step and per epoch so far)
   * @param plots the folder the run's plots belong in ({@code OUT/plots})
   * @param alignment the emissions and Viterbi path of the first dev utterance, or null without dev data
   */
  record EpochEnd(int epoch, Path metrics, Path plots, Alignment alignment) {}

  /** Emissions {@code [frames][classes]} (log-probabilities) of one utterance and its transcript's forced path. */
  record Alignment(String title, float[][] logProbs, ForcedAlignment path, Labels labels) {}
}
