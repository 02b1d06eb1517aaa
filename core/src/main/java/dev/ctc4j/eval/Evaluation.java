package dev.ctc4j.eval;

/** Corpus-level results of decoding a manifest. */
public record Evaluation(double wer, double cer, int utterances, double audioSeconds, double wallSeconds, int skipped) {
  /** Wall time per second of audio (below 1 is faster than real time). */
  public double realTimeFactor() {
    return audioSeconds == 0 ? 0 : wallSeconds / audioSeconds;
  }
}
