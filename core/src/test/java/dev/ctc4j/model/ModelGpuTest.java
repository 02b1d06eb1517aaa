package dev.ctc4j.model;

import static dev.ctc4j.nn.TorchCheck.assertCloseToScale;
import static dev.ctc4j.nn.TorchCheck.toDoubles;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every trainable family (the CTC models: per-frame MLP or LSTM/GRU stacks, uni- and bidirectional,
 * with or without the Conv1d front end; DeepSpeech2; ResCNN + BiGRU) gives the same training pass on
 * the GPU as on the CPU (itself checked against libtorch in ModelBackwardTest) from the same state:
 * log-probs, every parameter gradient and the updated running statistics within 1e-4 of the largest
 * CPU magnitude per tensor (cuBLAS, cuDNN and the norms' reductions sum in another order).
 */
@Tag("gpu")
class ModelGpuTest {
  private static final int[] LENGTHS = {15, 9, 12};

  static Stream<Arguments> families() {
    List<String> labels = Collections.nCopies(5, "x");
    return Stream.of(
        Arguments.of("DNN", ModelConfig.ctc(labels, 6, null, false, 8, 2, 0, 0, 0, 0)),
        Arguments.of("DNN + conv", ModelConfig.ctc(labels, 6, null, false, 8, 1, 4, 5, 2, 0)),
        Arguments.of("GRU + conv", ModelConfig.ctc(labels, 6, "gru", false, 7, 2, 5, 3, 2, 0)),
        Arguments.of("LSTM", ModelConfig.ctc(labels, 6, "lstm", false, 7, 2, 0, 0, 0, 0)),
        Arguments.of("BiLSTM", ModelConfig.ctc(labels, 6, "lstm", true, 5, 2, 0, 0, 0, 0)),
        Arguments.of("BiGRU", ModelConfig.ctc(labels, 6, "gru", true, 5, 1, 0, 0, 0, 0)),
        Arguments.of("DeepSpeech2 GRU", ModelConfig.deepSpeech2(Collections.nCopies(6, "x"), 13, "gru", 6, 3)),
        Arguments.of("DeepSpeech2 LSTM", ModelConfig.deepSpeech2(Collections.nCopies(6, "x"), 13, "lstm", 5, 2)),
        Arguments.of("ResCNN + BiGRU", ModelConfig.resCnnBiGru(Collections.nCopies(6, "x"), 16, 2, 2, 6, 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void trainingPassMatchesTheCpu(String family, ModelConfig config) {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("ModelGpuTest." + family);
    long seed = rng.nextLong();
    int n = LENGTHS.length, f = config.nFeatures(), t = LENGTHS[0];
    float[] x = Seeds.gaussian(rng, n * f * t, 1);
    try (AcousticModel cpu = AcousticModel.create(config, Device.CPU, seed);
        AcousticModel cuda = AcousticModel.create(config, gpu, seed)) {
      cpu.stateDict().forEach((name, p) -> cuda.stateDict().get(name).set(p.value().toFloatArray()));
      long dySeed = rng.nextLong();
      Map<String, float[]> want = pass(cpu, Device.CPU, x, new SplittableRandom(dySeed));
      Map<String, float[]> got = pass(cuda, gpu, x, new SplittableRandom(dySeed));
      want.forEach((name, v) -> assertCloseToScale(toDoubles(v), got.get(name), 1e-4, family + " " + name));
    }
  }

  /** Log-probs, each parameter's gradient for the loss sum(logProbs * G) with random G, then the state. */
  private static Map<String, float[]> pass(AcousticModel model, Device device, float[] xv, SplittableRandom rng) {
    Map<String, float[]> out = new LinkedHashMap<>();
    int f = model.config().nFeatures();
    try (Tensor x = Tensor.of(device, xv, LENGTHS.length, f, LENGTHS[0]);
        AcousticModel.TrainingPass pass = model.trainingForward(x, LENGTHS)) {
      Tensor logProbs = pass.output().logProbs();
      try (Tensor dy = Tensor.of(device, Seeds.gaussian(rng, (int) logProbs.numel(), 1), logProbs.shape())) {
        out.put("log-probs", logProbs.toFloatArray());
        pass.backward(dy);
      }
    }
    model.namedParameters().forEach((name, p) -> out.put(name + " gradient", p.grad().toFloatArray()));
    model.stateDict().forEach((name, p) -> out.put(name, p.value().toFloatArray()));
    return out;
  }
}
