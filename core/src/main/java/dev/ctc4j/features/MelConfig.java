package dev.ctc4j.features;

import dev.ctc4j.InvalidInputException;

/**
 * Settings of the log-mel front end, with torchaudio.transforms.MelSpectrogram's meaning. Defaults:
 * 16 kHz, n_fft 400, win 400, hop 160, 80 mels, f_min 0, f_max = sample rate / 2, HTK scale, no
 * filter norm, centred frames with reflect padding, no normalisation.
 */
public record MelConfig(
    int sampleRate,
    int nFft,
    int winLength,
    int hopLength,
    int nMels,
    float fMin,
    float fMax,
    MelScale melScale,
    FilterNorm filterNorm,
    boolean center,
    Normalization normalization) {

  public MelConfig {
    if (melScale == null || filterNorm == null || normalization == null) {
      throw new InvalidInputException("mel scale, filter norm and normalisation must be set");
    }
    if (fMax <= 0) fMax = sampleRate / 2f;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .sampleRate(sampleRate).nFft(nFft).winLength(winLength).hopLength(hopLength).nMels(nMels)
        .fMin(fMin).fMax(fMax).melScale(melScale).filterNorm(filterNorm).center(center)
        .normalization(normalization);
  }

  /** Output frames per second. */
  public double frameRate() {
    return (double) sampleRate / hopLength;
  }

  public static final class Builder {
    private int sampleRate = 16000;
    private int nFft = 400;
    private int winLength = -1;
    private int hopLength = 160;
    private int nMels = 80;
    private float fMin = 0f;
    private float fMax = 0f;
    private MelScale melScale = MelScale.HTK;
    private FilterNorm filterNorm = FilterNorm.NONE;
    private boolean center = true;
    private Normalization normalization = Normalization.NONE;

    public Builder sampleRate(int v) { sampleRate = v; return this; }
    public Builder nFft(int v) { nFft = v; return this; }
    /** Defaults to n_fft. */
    public Builder winLength(int v) { winLength = v; return this; }
    public Builder hopLength(int v) { hopLength = v; return this; }
    public Builder nMels(int v) { nMels = v; return this; }
    public Builder fMin(float v) { fMin = v; return this; }
    /** 0 or less means sample rate / 2. */
    public Builder fMax(float v) { fMax = v; return this; }
    public Builder melScale(MelScale v) { melScale = v; return this; }
    public Builder filterNorm(FilterNorm v) { filterNorm = v; return this; }
    public Builder center(boolean v) { center = v; return this; }
    public Builder normalization(Normalization v) { normalization = v; return this; }

    public MelConfig build() {
      return new MelConfig(sampleRate, nFft, winLength > 0 ? winLength : nFft, hopLength, nMels, fMin, fMax,
          melScale, filterNorm, center, normalization);
    }
  }
}
