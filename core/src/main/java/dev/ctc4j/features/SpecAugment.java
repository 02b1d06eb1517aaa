package dev.ctc4j.features;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.FeaturesNative;
import dev.ctc4j.bridge.NativeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * SpecAugment frequency and time masking (Park et al. 2019) for training: each utterance gets
 * {@code freqMasks} bands of up to {@code maxFreqWidth} mel bins and {@code timeMasks} spans of up
 * to {@code maxTimeFraction} of its frames, set to {@code value} (0 = the mean of normalised
 * features). Masks depend only on the seed and the utterance's index and length, so a training run
 * is reproducible; they are applied in place on the features' device.
 */
public record SpecAugment(int freqMasks, int maxFreqWidth, int timeMasks, double maxTimeFraction, float value) {
  public SpecAugment {
    if (freqMasks < 0 || maxFreqWidth < 0 || timeMasks < 0 || !(maxTimeFraction >= 0 && maxTimeFraction <= 1)) {
      throw new InvalidInputException("bad SpecAugment settings: " + freqMasks + " freq masks of width <= "
          + maxFreqWidth + ", " + timeMasks + " time masks of fraction <= " + maxTimeFraction);
    }
  }

  /** The masks as (utterance, axis 0 = mel / 1 = time, start, width) rows. */
  public List<int[]> masks(long seed, int nMels, long[] frames) {
    List<int[]> masks = new ArrayList<>();
    for (int b = 0; b < frames.length; b++) {
      SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + b);
      for (int i = 0; i < freqMasks; i++) masks.add(span(rng, b, 0, nMels, Math.min(maxFreqWidth, nMels)));
      int maxTime = (int) Math.min(frames[b], Math.floor(maxTimeFraction * frames[b]));
      for (int i = 0; i < timeMasks; i++) masks.add(span(rng, b, 1, (int) frames[b], maxTime));
    }
    return masks;
  }

  /** Applies this utterance batch's masks in place. */
  public void apply(Features features, long seed) {
    List<int[]> masks = masks(seed, features.nMels(), features.frames());
    int[] flat = new int[4 * masks.size()];
    for (int i = 0; i < masks.size(); i++) System.arraycopy(masks.get(i), 0, flat, 4 * i, 4);
    try (IntPointer rows = new IntPointer(Math.max(1, flat.length)).put(flat)) {
      NativeStatus.check(
          FeaturesNative.ctc4j_features_mask(features.values().device().nativeId(),
              new FloatPointer(features.values().data()), features.batch(), features.nMels(), features.maxFrames(),
              rows, masks.size(), value),
          "SpecAugment");
    }
  }

  private static int[] span(SplittableRandom rng, int utterance, int axis, int extent, int maxWidth) {
    int width = maxWidth <= 0 ? 0 : rng.nextInt(maxWidth + 1);
    int start = rng.nextInt(extent - width + 1);
    return new int[] {utterance, axis, start, width};
  }
}
