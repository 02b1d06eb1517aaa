package dev.ctc4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every log-mel family exported and run by ONNX Runtime on fresh random features of uneven lengths
 * (one utterance empty): the output lengths equal ours exactly and the log-probabilities of every
 * valid frame within {@value #TOLERANCE} (float32 on both sides, different kernels and summation orders).
 */
class OnnxExportTest {
  static final double TOLERANCE = 1e-4;
  private static final List<String> LABELS = Labels.english().tokens();

  @ParameterizedTest(name = "{0} bidirectional={1} conv={2}")
  @CsvSource({"gru, true, 16", "lstm, false, 16", "lstm, true, 0", "gru, false, 0", ", false, 16", ", false, 0"})
  void ctcModels(String cell, boolean bidirectional, int convChannels) throws Exception {
    ModelConfig c = ModelConfig.ctc(LABELS, 20, cell, bidirectional, 24, 2, convChannels, 5, 2, 0f);
    assertAgrees(c, "ctc " + cell + " " + bidirectional + " " + convChannels);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lstm", "gru"})
  void deepSpeech2(String cell) throws Exception {
    assertAgrees(ModelConfig.deepSpeech2(LABELS, 41, cell, 24, 2), "deepspeech2 " + cell);
  }

  @Test
  void resCnnBiGru() throws Exception {
    assertAgrees(ModelConfig.resCnnBiGru(LABELS, 16, 2, 2, 24, 0f), "rescnn_bigru");
  }

  @Test
  void exportWritesTheModelFolderWithItsLabelsAndFrontEnd(@TempDir Path dir) throws Exception {
    ModelConfig c = ModelConfig.ctc(LABELS, 20, "gru", true, 16, 1, 8, 5, 2, 0f);
    MelConfig features = MelConfig.builder().nMels(20).normalization(Normalization.PER_FEATURE).build();
    try (AcousticModel model = AcousticModel.create(c, Device.CPU, 3)) {
      SpeechModel.save(dir.resolve("model"), model, features);
    }
    OnnxExport.Summary s = OnnxExport.export(dir.resolve("model"), dir.resolve("model.onnx"));
    assertEquals("rnn", s.architecture());
    assertEquals("log_mel", s.input());
    assertEquals(Files.size(dir.resolve("model.onnx")), s.bytes());
    ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
    Map<String, String> meta = OnnxExport.metadata(proto);
    ObjectMapper json = new ObjectMapper();
    assertEquals(LABELS, List.of(json.readValue(meta.get("labels"), String[].class)));
    assertEquals("0", meta.get("blank"));
    assertEquals("2", meta.get("subsampling_factor"));
    assertEquals("per_feature", meta.get("normalize_type"));
    assertEquals(0.02, Double.parseDouble(meta.get("frame_seconds")), 1e-12);
    assertEquals(features, new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .readValue(meta.get("features"), MelConfig.class));
    assertEquals(c, json.readValue(meta.get("config"), ModelConfig.class));
    assertTrue(proto.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()), "standard ops only");
  }

  @Test
  void refusesAFolderWithoutAModel(@TempDir Path dir) {
    assertThrows(InvalidInputException.class, () -> OnnxExport.export(dir, dir.resolve("x.onnx")));
  }

  /** A random model of config {@code c} (batch-norm statistics and norm scales random too) against its export. */
  private static void assertAgrees(ModelConfig c, String what) throws Exception {
    SplittableRandom rng = Seeds.random("OnnxExportTest " + what);
    try (AcousticModel model = AcousticModel.create(c, Device.CPU, rng.nextLong())) {
      model.train(false);
      randomizeNorms(model, rng);
      MelConfig features = MelConfig.builder().nMels(c.nFeatures()).build();
      assertAgrees(model, features, randomLengths(rng, 4, 40 + rng.nextInt(40)), rng, what);
    }
  }

  /** Runs both on random features of these lengths (the longest is the batch's frames). */
  static double assertAgrees(AcousticModel model, MelConfig features, int[] lengths, SplittableRandom rng, String what)
      throws Exception {
    int n = lengths.length, mels = features.nMels(), frames = Arrays.stream(lengths).max().orElseThrow();
    float[] values = Seeds.gaussian(rng, n * mels * frames, 1);
    return assertAgrees(model, OnnxExport.of(model, features), values, n, frames, lengths, what);
  }

  static double assertAgrees(AcousticModel model, ModelProto proto, float[] values, int n, int frames, int[] lengths,
      String what) throws Exception {
    int mels = model.config().nFeatures();
    float[] ours;
    int[] ourLengths;
    try (Tensor x = Tensor.of(Device.CPU, values, n, mels, frames); AcousticModel.Output out = model.forward(x, lengths)) {
      ours = out.logProbs().toFloatArray(); // [T', N, C]
      ourLengths = out.lengths();
    }
    OnnxRuntimeSession.Result theirs;
    try (OnnxRuntimeSession ort = new OnnxRuntimeSession(proto)) {
      theirs = ort.run(OnnxExport.FEATURES, values, new long[] {n, mels, frames}, OnnxExport.FEATURE_LENGTHS,
          Arrays.stream(lengths).asLongStream().toArray());
    }
    assertArrayEquals(Arrays.stream(ourLengths).asLongStream().toArray(), theirs.lengths(), what);
    double worst = maxDifference(ours, ourLengths, theirs.logProbs(), model.config().classes());
    System.out.printf("%s: lengths %s, max |ctc4j - onnxruntime| log-prob %.2e%n", what,
        Arrays.toString(ourLengths), worst);
    assertTrue(worst <= TOLERANCE, what + ": log-probs differ by " + worst);
    return worst;
  }

  /** The largest difference over valid frames between time-major ours [T', N, C] and batch-major theirs. */
  static double maxDifference(float[] ours, int[] lengths, float[][][] theirs, int classes) {
    int n = lengths.length;
    double worst = 0;
    for (int b = 0; b < n; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        for (int k = 0; k < classes; k++) {
          worst = Math.max(worst, Math.abs(ours[(t * n + b) * classes + k] - theirs[b][t][k]));
        }
      }
    }
    return worst;
  }

  /** n lengths in [1, longest], the first the longest and the last 0 (an empty utterance in the batch). */
  static int[] randomLengths(SplittableRandom rng, int n, int longest) {
    int[] lengths = new int[n];
    lengths[0] = longest;
    for (int i = 1; i < n - 1; i++) lengths[i] = 1 + rng.nextInt(longest);
    return lengths;
  }

  /** Batch-norm running statistics and layer/batch-norm scales and shifts away from their identity defaults. */
  static void randomizeNorms(AcousticModel model, SplittableRandom rng) {
    Map<String, Parameter> state = model.stateDict();
    state.forEach((name, p) -> {
      String module = name.substring(0, name.lastIndexOf('.') + 1);
      boolean norm = state.containsKey(module + "running_var") || module.contains("layer_norm");
      int size = Math.toIntExact(p.numel());
      if (name.endsWith("running_var")) p.set(positive(rng, size));
      else if (name.endsWith("running_mean") || (norm && name.endsWith(".bias"))) p.set(Seeds.gaussian(rng, size, 0.2));
      else if (norm && name.endsWith(".weight")) p.set(shifted(Seeds.gaussian(rng, size, 0.2), 1));
    });
  }

  private static float[] positive(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (0.5 + rng.nextDouble() * 1.5);
    return v;
  }

  private static float[] shifted(float[] v, float by) {
    for (int i = 0; i < v.length; i++) v[i] += by;
    return v;
  }
}
