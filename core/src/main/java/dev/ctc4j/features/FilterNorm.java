package dev.ctc4j.features;

/** Filter normalisation (torchaudio's {@code norm}): none, or Slaney's area normalisation. */
public enum FilterNorm {
  NONE,
  SLANEY
}
