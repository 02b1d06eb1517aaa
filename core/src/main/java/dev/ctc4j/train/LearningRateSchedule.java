package dev.ctc4j.train;

import dev.ctc4j.InvalidInputException;

/** Learning rate as a function of the optimiser step (0-based); stateless, so resuming is exact. */
public interface LearningRateSchedule {
  double at(long step);

  /**
   * torch.optim.lr_scheduler.OneCycleLR: from maxLr/divFactor up to maxLr over the first
   * pctStart of totalSteps, then down to maxLr/(divFactor*finalDivFactor), annealed by cosine or
   * linearly.
   */
  static LearningRateSchedule oneCycle(double maxLr, long totalSteps, double pctStart, double divFactor,
      double finalDivFactor, boolean cosine) {
    if (totalSteps < 2 || !(pctStart > 0 && pctStart < 1) || maxLr <= 0) {
      throw new InvalidInputException("OneCycle needs totalSteps >= 2, pctStart in (0, 1) and maxLr > 0");
    }
    double initial = maxLr / divFactor, last = initial / finalDivFactor;
    double peak = pctStart * totalSteps - 1, end = totalSteps - 1;
    return step -> {
      double s = Math.min(step, end);
      return s <= peak
          ? anneal(initial, maxLr, s / peak, cosine)
          : anneal(maxLr, last, (s - peak) / (end - peak), cosine);
    };
  }

  /** Linear warmup from 0 to maxLr over warmupSteps, then cosine decay to minLr at totalSteps. */
  static LearningRateSchedule cosineWithWarmup(double maxLr, long warmupSteps, long totalSteps, double minLr) {
    if (warmupSteps < 0 || totalSteps <= warmupSteps || maxLr <= 0 || minLr < 0) {
      throw new InvalidInputException("cosine schedule needs 0 <= warmup < total and maxLr > 0");
    }
    return step -> step < warmupSteps
        ? maxLr * (step + 1) / warmupSteps
        : anneal(maxLr, minLr, Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps)), true);
  }

  /** lr * gamma^floor(step / stepSize), as StepLR. */
  static LearningRateSchedule stepDecay(double lr, long stepSize, double gamma) {
    if (stepSize < 1 || lr <= 0 || gamma <= 0) throw new InvalidInputException("step decay needs stepSize >= 1, lr, gamma > 0");
    return step -> lr * Math.pow(gamma, Math.floorDiv(step, stepSize));
  }

  private static double anneal(double start, double end, double pct, boolean cosine) {
    return cosine ? end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }
}
