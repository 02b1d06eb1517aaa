package dev.ctc4j.model;

import static dev.ctc4j.nn.TorchCheck.assertCloseToScale;
import static dev.ctc4j.nn.TorchCheck.toDoubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole-model forward and backward of every family against {@link TorchModels} (libtorch, float64,
 * the same weights) on fresh random inputs: a padded batch of uneven lengths whose padding holds
 * random values, so any leak of padding into outputs, gradients or batch statistics shows up.
 * The loss is sum(logProbs * G) with random G, zero on padded frames. Training mode (batch
 * statistics, running averages; dropout 0 here) and inference mode (running statistics).
 * Tolerance: 1e-4 of the largest reference magnitude per tensor (float32 vs float64); for gradients
 * the scale is at least 1% of the model's largest gradient, since some are zero in exact arithmetic
 * (a convolution's bias just before batch or layer norm) and rounding noise in float32.
 */
class ModelBackwardTest {
  private static final double TOL = 1e-4;
  private static final int[] LENGTHS = {15, 9, 12};

  private static List<String> labels(int n) {
    return Collections.nCopies(n, "x");
  }

  static Stream<Arguments> families() {
    return Stream.of(
        Arguments.of("DNN", ModelConfig.ctc(labels(5), 6, null, false, 8, 2, 0, 0, 0, 0)),
        Arguments.of("DNN + conv", ModelConfig.ctc(labels(5), 6, null, false, 8, 1, 4, 5, 2, 0)),
        Arguments.of("LSTM", ModelConfig.ctc(labels(5), 6, "lstm", false, 7, 2, 0, 0, 0, 0)),
        Arguments.of("BiLSTM", ModelConfig.ctc(labels(5), 6, "lstm", true, 5, 2, 0, 0, 0, 0)),
        Arguments.of("GRU + conv", ModelConfig.ctc(labels(5), 6, "gru", false, 7, 2, 5, 3, 2, 0)),
        Arguments.of("BiGRU", ModelConfig.ctc(labels(5), 6, "gru", true, 5, 1, 0, 0, 0, 0)),
        Arguments.of("DeepSpeech2 GRU", ModelConfig.deepSpeech2(labels(6), 13, "gru", 6, 3)),
        Arguments.of("DeepSpeech2 LSTM", ModelConfig.deepSpeech2(labels(6), 13, "lstm", 5, 2)),
        // 16 mels, so each CNN layer norm spans 8 values: over 4, a draw whose values nearly coincide makes
        // the gradients so sensitive to rounding that libtorch's own float32 misses 1e-4 (2 of 300 seeds).
        Arguments.of("ResCNN + BiGRU", ModelConfig.resCnnBiGru(labels(6), 16, 2, 2, 6, 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void forwardAndBackwardMatchLibtorch(String family, ModelConfig config) {
    SplittableRandom rng = Seeds.random("ModelBackwardTest." + family);
    int n = LENGTHS.length, f = config.nFeatures(), t = LENGTHS[0];
    try (PointerScope scope = new PointerScope();
        AcousticModel model = AcousticModel.create(config, Device.CPU, rng.nextLong())) {
      perturb(model, rng);
      float[] xv = Seeds.gaussian(rng, n * f * t, 1);
      org.bytedeco.pytorch.Tensor tx = Torch.doubles(toDoubles(xv), n, f, t);

      // Training: batch statistics, then gradients.
      TorchModels reference = new TorchModels(model, true, LENGTHS);
      org.bytedeco.pytorch.Tensor expected = reference.forward(config, tx);
      try (Tensor x = Tensor.of(Device.CPU, xv, n, f, t); AcousticModel.TrainingPass pass = model.trainingForward(x, LENGTHS);
          Tensor dy = Tensor.of(Device.CPU, paddedGradient(rng, pass.output().logProbs().shape(), pass.output().lengths()),
              pass.output().logProbs().shape())) {
        assertCloseToScale(Torch.toDoubles(expected), pass.output().logProbs().toFloatArray(), TOL, family + " log-probs");
        expected.mul(Torch.doubles(toDoubles(dy.toFloatArray()), dy.shape())).sum().backward();
        pass.backward(dy);
      }
      Map<String, double[]> expectedGrads = new LinkedHashMap<>();
      model.namedParameters().keySet().forEach(
          name -> expectedGrads.put(name, Torch.toDoubles(reference.parameter(name).grad())));
      double largest = expectedGrads.values().stream().flatMapToDouble(java.util.Arrays::stream).map(Math::abs)
          .max().orElse(0);
      model.namedParameters().forEach((name, p) -> assertCloseToScale(expectedGrads.get(name),
          p.grad().toFloatArray(), TOL, 1e-2 * largest, name + " gradient"));
      model.stateDict().forEach((name, p) -> {
        if (reference.buffer(name) != null) {
          assertCloseToScale(Torch.toDoubles(reference.buffer(name)), p.value().toFloatArray(), TOL, name);
        }
      });

      // Inference: running statistics (the ones just updated), no gradients.
      model.train(false);
      TorchModels inference = new TorchModels(model, false, LENGTHS);
      try (Tensor x = Tensor.of(Device.CPU, xv, n, f, t); AcousticModel.Output out = model.forward(x, LENGTHS)) {
        assertCloseToScale(Torch.toDoubles(inference.forward(config, tx)), out.logProbs().toFloatArray(), TOL,
            family + " inference log-probs");
      }
    }
  }

  /**
   * Two training passes in flight on one model, with a forward pass between them and their
   * backwards in the other order, give each parameter the sum of the gradients they give alone: a
   * pass's state is its own, not the modules'.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void passesInFlightKeepTheirOwnState(String family, ModelConfig config) {
    SplittableRandom rng = Seeds.random("ModelBackwardTest.inFlight." + family);
    int n = LENGTHS.length, f = config.nFeatures(), t = LENGTHS[0];
    float[] xa = Seeds.gaussian(rng, n * f * t, 1), xb = Seeds.gaussian(rng, n * f * t, 1);
    long seed = rng.nextLong(), ga = rng.nextLong(), gb = rng.nextLong();
    Map<String, float[]> alone = trainingStep(config, seed, xa, new SplittableRandom(ga));
    Map<String, float[]> aloneB = trainingStep(config, seed, xb, new SplittableRandom(gb));
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, seed);
        Tensor a = Tensor.of(Device.CPU, xa, n, f, t); Tensor b = Tensor.of(Device.CPU, xb, n, f, t);
        AcousticModel.TrainingPass passA = model.trainingForward(a, LENGTHS);
        AcousticModel.TrainingPass passB = model.trainingForward(b, LENGTHS);
        AcousticModel.Output between = model.forward(a, LENGTHS);
        Tensor dyA = gradientFor(passA.output(), new SplittableRandom(ga));
        Tensor dyB = gradientFor(passB.output(), new SplittableRandom(gb))) {
      assertArrayEquals(passA.output().logProbs().toFloatArray(), between.logProbs().toFloatArray(),
          family + ": a forward pass in training mode equals the training pass");
      passB.backward(dyB);
      passA.backward(dyA);
      model.namedParameters().forEach((name, p) -> {
        float[] sum = alone.get(name).clone();
        for (int i = 0; i < sum.length; i++) sum[i] += aloneB.get(name)[i];
        assertCloseToScale(toDoubles(sum), p.grad().toFloatArray(), 1e-5, family + " " + name);
      });
    }
  }

  private static Tensor gradientFor(AcousticModel.Output o, SplittableRandom rng) {
    long[] shape = o.logProbs().shape();
    return Tensor.of(Device.CPU, paddedGradient(rng, shape, o.lengths()), shape);
  }

  /** Different values in the padded frames change neither the valid outputs nor any gradient. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void paddingValuesDoNotReachGradients(String family, ModelConfig config) {
    SplittableRandom rng = Seeds.random("ModelBackwardTest.padding." + family);
    int n = LENGTHS.length, f = config.nFeatures(), t = LENGTHS[0];
    float[] xv = Seeds.gaussian(rng, n * f * t, 1);
    float[] other = xv.clone();
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < f; k++) {
        for (int s = LENGTHS[b]; s < t; s++) other[(b * f + k) * t + s] = (float) (100 * Seeds.nextGaussian(rng));
      }
    }
    long seed = rng.nextLong(), gradientSeed = rng.nextLong();
    Map<String, float[]> first = trainingStep(config, seed, xv, new SplittableRandom(gradientSeed));
    Map<String, float[]> second = trainingStep(config, seed, other, new SplittableRandom(gradientSeed));
    first.forEach((name, v) -> assertCloseToScale(toDoubles(v), second.get(name), 1e-6, family + " " + name));
  }

  /** Valid-frame log-probs and every gradient after one training step (the same G for the same rng seed). */
  private static Map<String, float[]> trainingStep(ModelConfig config, long seed, float[] xv, SplittableRandom rng) {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, seed);
        Tensor x = Tensor.of(Device.CPU, xv, LENGTHS.length, config.nFeatures(), LENGTHS[0]);
        AcousticModel.TrainingPass pass = model.trainingForward(x, LENGTHS);
        Tensor dy = gradientFor(pass.output(), rng)) {
      AcousticModel.Output o = pass.output();
      out.put("valid log-probs", zeroPadding(o.logProbs().toFloatArray(), o.logProbs().shape(), o.lengths()));
      pass.backward(dy);
      model.namedParameters().forEach((name, p) -> out.put(name, p.grad().toFloatArray()));
    }
    return out;
  }

  @Test
  void dropoutMasksAreAFunctionOfSeedAndStep() {
    SplittableRandom rng = Seeds.random("ModelBackwardTest.dropout");
    ModelConfig config = ModelConfig.resCnnBiGru(labels(6), 8, 1, 1, 6, 0.4f);
    long seed = rng.nextLong();
    float[] xv = Seeds.gaussian(rng, 2 * 8 * 10, 1);
    try (AcousticModel a = AcousticModel.create(config, Device.CPU, seed);
        AcousticModel b = AcousticModel.create(config, Device.CPU, seed);
        Tensor x = Tensor.of(Device.CPU, xv, 2, 8, 10)) {
      int[] lengths = {10, 7};
      a.setStep(3);
      float[] atStep3 = logProbs(a, x, lengths);
      float[] atStep4 = logProbs(a, x, lengths);
      assertFalse(java.util.Arrays.equals(atStep3, atStep4), "a second call in one step draws new masks");
      a.setStep(9);
      float[] atStep9 = logProbs(a, x, lengths);
      assertFalse(java.util.Arrays.equals(atStep3, atStep9), "another step, other masks");
      b.setStep(9);
      assertArrayEquals(atStep9, logProbs(b, x, lengths), "a fresh model at the same step (a resumed run)");
      a.setStep(3);
      assertArrayEquals(atStep3, logProbs(a, x, lengths), "replaying a step");
      a.train(false);
      float[] inference = logProbs(a, x, lengths);
      assertArrayEquals(inference, logProbs(a, x, lengths), "no dropout in inference");
    }
  }

  private static float[] logProbs(AcousticModel m, Tensor x, int[] lengths) {
    try (AcousticModel.Output o = m.forward(x, lengths)) {
      return o.logProbs().toFloatArray();
    }
  }

  private static final int STEPS = 60;
  private static final double LEARNING_RATE = 0.3;

  /**
   * Gradient descent (norm clipped) on one batch against -sum of the log-probs of a fixed random label per
   * utterance on its valid frames: a few steps must cut the loss by more than half.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void gradientDescentFitsOneBatch(String family, ModelConfig config) {
    SplittableRandom rng = Seeds.random("ModelBackwardTest.fit." + family);
    int n = LENGTHS.length, f = config.nFeatures(), t = LENGTHS[0];
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, rng.nextLong());
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, n * f * t, 1), n, f, t)) {
      int[] out = model.outputLengths(LENGTHS);
      long steps = out[0];
      int classes = config.classes();
      float[] g = new float[(int) (steps * n * classes)];
      for (int b = 0; b < n; b++) {
        int label = rng.nextInt(classes);
        for (int s = 0; s < out[b]; s++) g[(s * n + b) * classes + label] = -1;
      }
      double first = 0, last = 0;
      for (int step = 0; step < STEPS; step++) {
        model.setStep(step);
        model.zeroGrad();
        double loss = 0;
        try (AcousticModel.TrainingPass pass = model.trainingForward(x, LENGTHS);
            Tensor dy = Tensor.of(Device.CPU, g, pass.output().logProbs().shape())) {
          float[] lp = pass.output().logProbs().toFloatArray();
          for (int i = 0; i < lp.length; i++) loss += g[i] * lp[i];
          pass.backward(dy);
        }
        if (step == 0) first = loss;
        last = loss;
        descend(model.namedParameters().values());
      }
      double a = first, b = last;
      assertTrue(last < 0.5 * first, () -> family + ": loss " + a + " -> " + b);
    }
  }

  /** One gradient-descent step with the global gradient norm clipped to 1 (stable at any loss scale). */
  private static void descend(java.util.Collection<Parameter> parameters) {
    double squares = 0;
    for (Parameter p : parameters) {
      for (float d : p.grad().toFloatArray()) squares += (double) d * d;
    }
    double rate = LEARNING_RATE / Math.max(1, Math.sqrt(squares));
    for (Parameter p : parameters) {
      float[] v = p.value().toFloatArray(), d = p.grad().toFloatArray();
      for (int i = 0; i < v.length; i++) v[i] -= (float) (rate * d[i]);
      p.set(v);
    }
  }

  @Test
  void backwardRejectsAMismatchedGradient() {
    try (AcousticModel m = AcousticModel.create(ModelConfig.ctc(labels(4), 3, "gru", false, 4, 1, 0, 0, 0, 0),
        Device.CPU, 7); Tensor x = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, 2, 3, 5);
        AcousticModel.TrainingPass pass = m.trainingForward(x, new int[] {5, 2});
        Tensor wrong = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, 5, 2, 3)) {
      assertThrows(InvalidInputException.class, () -> pass.backward(wrong));
      backwardWithZeros(pass);
      assertThrows(IllegalStateException.class, () -> backwardWithZeros(pass), "the pass was consumed");
    }
  }

  private static void backwardWithZeros(AcousticModel.TrainingPass pass) {
    try (Tensor dy = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, 5, 2, 4)) {
      pass.backward(dy);
    }
  }

  /** Random gradient [T', N, C], zero on frames past each utterance's output length. */
  private static float[] paddedGradient(SplittableRandom rng, long[] shape, int[] outLengths) {
    return zeroPadding(Seeds.gaussian(rng, (int) (shape[0] * shape[1] * shape[2]), 1), shape, outLengths);
  }

  /** v [T', N, C] with frames past each utterance's output length zeroed. */
  private static float[] zeroPadding(float[] v, long[] shape, int[] outLengths) {
    int steps = (int) shape[0], n = (int) shape[1], classes = (int) shape[2];
    for (int s = 0; s < steps; s++) {
      for (int b = 0; b < n; b++) {
        if (s >= outLengths[b]) java.util.Arrays.fill(v, (s * n + b) * classes, (s * n + b + 1) * classes, 0f);
      }
    }
    return v;
  }

  /** Moves every parameter off its initial value (norms away from 1/0) and makes running stats non-trivial. */
  private static void perturb(AcousticModel model, SplittableRandom rng) {
    model.stateDict().forEach((name, p) -> {
      float[] v = p.value().toFloatArray();
      for (int i = 0; i < v.length; i++) {
        double z = Seeds.nextGaussian(rng);
        v[i] = (float) (name.endsWith("running_var") ? 0.5 + Math.abs(z) : v[i] + 0.2 * z);
      }
      p.set(v);
    });
  }
}
