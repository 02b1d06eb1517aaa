package dev.ctc4j.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class SpecAugmentTest {
  static final SpecAugment AUGMENT = new SpecAugment(2, 15, 2, 0.1, -7f);

  @Test
  void masksExactlyTheDrawnRectanglesAndIsReproducible() {
    SplittableRandom rng = Seeds.random("SpecAugmentTest");
    List<float[]> audio = List.of(Seeds.gaussian(rng, 30000, 0.1), Seeds.gaussian(rng, 9000, 0.1));
    long seed = rng.nextLong();
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().nMels(40).build());
        Features clean = mel.compute(audio, Device.CPU);
        Features masked = mel.compute(audio, Device.CPU)) {
      AUGMENT.apply(masked, seed);
      List<int[]> masks = AUGMENT.masks(seed, 40, masked.frames());
      assertEquals(2 * 4, masks.size());
      for (int b = 0; b < 2; b++) {
        float[][] before = clean.utterance(b), after = masked.utterance(b);
        for (int m = 0; m < 40; m++) {
          for (int t = 0; t < before[m].length; t++) {
            boolean inMask = false;
            for (int[] mk : masks) {
              int pos = mk[1] == 0 ? m : t;
              inMask |= mk[0] == b && pos >= mk[2] && pos < mk[2] + mk[3];
            }
            assertEquals(inMask ? -7f : before[m][t], after[m][t], "utterance " + b + " at " + m + "," + t);
          }
        }
      }
      for (int[] mk : masks) {
        assertTrue(mk[3] <= (mk[1] == 0 ? 15 : 0.1 * masked.frames()[mk[0]]), "width within bounds");
      }
      assertArrayEquals(masks.get(3), AUGMENT.masks(seed, 40, masked.frames()).get(3), "same seed, same masks");
    }
    assertThrows(InvalidInputException.class, () -> new SpecAugment(1, 5, 1, 1.5, 0f));
  }

  @Test
  @Tag("gpu")
  void cudaMasksEqualCpuMasks() {
    Device gpu = Gpu.require();
    List<float[]> audio = List.of(Seeds.gaussian(Seeds.random("SpecAugmentTest.cuda"), 20000, 0.1));
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build());
        Features cpu = mel.compute(audio, Device.CPU);
        Features cuda = mel.compute(audio, gpu)) {
      AUGMENT.apply(cpu, 5);
      AUGMENT.apply(cuda, 5);
      float[] a = cpu.values().toFloatArray(), b = cuda.values().toFloatArray();
      for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-3f * Math.max(1, Math.abs(a[i])), "at " + i);
    }
  }
}
