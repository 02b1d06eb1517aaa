package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Model families: parameter counts of the published configurations, frame bookkeeping, and that a
 * padded batch gives every utterance exactly what it gets alone (inference mode; tolerance 1e-4).
 */
class ModelsTest {
  private static List<String> labels(int n) {
    return Collections.nCopies(n, "x");
  }

  @Test
  void resCnnBiGruHasThePublishedParameterCount() {
    try (AcousticModel m = AcousticModel.create(ModelConfig.resCnnBiGru(labels(29), 128, 3, 5, 512, 0.1f),
        Device.CPU, 1)) {
      assertEquals(23_705_373L, m.parameterCount());
      assertEquals(2, m.inputFramesPerOutputFrame());
      assertEquals(0.02, m.outputFrameSeconds(), 1e-12);
    }
  }

  @Test
  void deepSpeech2ParameterCountMatchesDeepspeechPytorch() {
    // deepspeech.pytorch, LSTM, hidden 1024, 5 layers, 29 labels, 161 bins: conv 19,808 + 64 + 451,136 + 64;
    // rnn0 2 * 4 * 1024 * (1312 + 1024 + 2); rnns 1-4 (2 * 1024 BN + 2 * 4 * 1024 * (2048 + 2)); fc 2048 + 29,696.
    long conv = (32 * 41 * 11 + 32) + 64 + (32 * 32 * 21 * 11 + 32) + 64;
    long rnn0 = 2L * 4 * 1024 * (1312 + 1024 + 2);
    long rnns = 4 * (2 * 1024 + 2L * 4 * 1024 * (1024 + 1024 + 2));
    long fc = 2 * 1024 + 1024 * 29;
    try (AcousticModel m = AcousticModel.create(ModelConfig.deepSpeech2(labels(29), 161, "lstm", 1024, 5),
        Device.CPU, 1)) {
      assertEquals(conv + rnn0 + rnns + fc, m.parameterCount());
    }
  }

  @Test
  void paddedBatchEqualsSingleUtterancesForEveryFamily() {
    SplittableRandom rng = Seeds.random("ModelsTest.padded");
    List<ModelConfig> configs = List.of(
        ModelConfig.deepSpeech2(labels(7), 33, "gru", 16, 3),
        ModelConfig.resCnnBiGru(labels(7), 16, 1, 2, 12, 0.1f),
        ModelConfig.ctc(labels(7), 10, null, false, 14, 2, 0, 0, 0, 0),
        ModelConfig.ctc(labels(7), 10, "lstm", true, 9, 2, 8, 3, 2, 0),
        ModelConfig.ctc(labels(7), 10, "gru", false, 9, 1, 0, 0, 0, 0));
    for (ModelConfig config : configs) {
      try (AcousticModel m = AcousticModel.create(config, Device.CPU, rng.nextLong())) {
        m.train(false);
        int f = config.nFeatures(), t = 23;
        int[] lengths = {23, 15};
        float[] x = Seeds.gaussian(rng, 2 * f * t, 1);
        try (Tensor batch = Tensor.of(Device.CPU, x, 2, f, t); AcousticModel.Output out = m.forward(batch, lengths)) {
          long steps = out.logProbs().dim(0);
          int classes = config.classes();
          assertArrayEquals(m.outputLengths(lengths), out.lengths());
          float[] all = out.logProbs().toFloatArray();
          for (int b = 0; b < 2; b++) {
            float[] alone = new float[f * lengths[b]];
            for (int k = 0; k < f; k++) System.arraycopy(x, (b * f + k) * t, alone, k * lengths[b], lengths[b]);
            try (Tensor one = Tensor.of(Device.CPU, alone, 1, f, lengths[b]);
                AcousticModel.Output o = m.forward(one, new int[] {lengths[b]})) {
              float[] single = o.logProbs().toFloatArray();
              assertEquals(out.lengths()[b], o.logProbs().dim(0), config.architecture() + " output frames");
              for (int s = 0; s < out.lengths()[b]; s++) {
                double norm = 0;
                for (int c = 0; c < classes; c++) {
                  float v = all[(int) ((s * 2 + b) * classes + c)];
                  assertEquals(single[s * classes + c], v, 1e-4 * (1 + Math.abs(v)),
                      config.architecture() + " utterance " + b + " frame " + s);
                  norm += Math.exp(v);
                }
                assertEquals(1.0, norm, 1e-4, "log-probabilities normalise");
              }
              assertEquals(steps, out.lengths()[0]);
            }
          }
        }
      }
    }
  }
}
