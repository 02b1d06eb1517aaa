package dev.ctc4j.features;

/** Per-utterance normalisation of log-mel features: subtract the mean, divide by (unbiased std + 1e-5). */
public enum Normalization {
  NONE,
  /** One mean and std over all of an utterance's values (deepspeech.pytorch). */
  PER_UTTERANCE,
  /** A mean and std per mel bin over an utterance's frames (NeMo's per_feature). */
  PER_FEATURE
}
