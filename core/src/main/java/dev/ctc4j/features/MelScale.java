package dev.ctc4j.features;

/** The mel scale of the filterbank (torchaudio's {@code mel_scale}). */
public enum MelScale {
  HTK,
  SLANEY
}
