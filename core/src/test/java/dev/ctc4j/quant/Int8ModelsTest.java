package dev.ctc4j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyModels;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model family quantized, written as an int8 folder and loaded back where any model loads
 * (Checkpoint, SpeechModel): the loaded model computes the same bits as the one quantized in memory,
 * close to its float32 original (log-probabilities within 0.02 of float32 on these random-weight models;
 * measured up to 4e-3). wav2vec2's logits within 5 % of their largest magnitude (measured ~1 %).
 */
class Int8ModelsTest {
  @TempDir Path dir;

  private static final List<String> LABELS = List.of("_", " ", "a", "b", "c", "d");

  static Stream<ModelConfig> families() {
    return Stream.of(
        ModelConfig.ctc(LABELS, 20, "gru", true, 16, 2, 24, 5, 2, 0.1f), // the embedded model's family
        ModelConfig.ctc(LABELS, 20, "lstm", false, 16, 2, 0, 0, 0, 0f),
        ModelConfig.ctc(LABELS, 20, null, false, 16, 2, 24, 3, 1, 0f),
        ModelConfig.deepSpeech2(LABELS, 41, "lstm", 12, 2),
        ModelConfig.resCnnBiGru(LABELS, 16, 1, 2, 12, 0.1f));
  }

  private static float[] logProbs(AcousticModel model, Tensor x, int[] lengths) {
    try (AcousticModel.Output o = model.forward(x, lengths)) {
      return o.logProbs().toFloatArray();
    }
  }

  @ParameterizedTest
  @MethodSource("families")
  void aQuantizedFolderLoadsAsTheModelQuantizedInMemory(ModelConfig config) throws IOException {
    SplittableRandom rng = Seeds.random("Int8ModelsTest." + config.architecture() + config.cell());
    int frames = 37;
    int[] lengths = {frames, 21};
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, rng.nextLong());
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, 2 * config.nFeatures() * frames, 1), 2,
            config.nFeatures(), frames)) {
      model.train(false);
      float[] fp32 = logProbs(model, x, lengths);
      assertFalse(Int8Quantizer.isQuantized(model));
      Int8Quantizer.quantize(model);
      assertTrue(Int8Quantizer.isQuantized(model));
      float[] int8 = logProbs(model, x, lengths);
      double err = 0;
      for (int i = 0; i < fp32.length; i++) err = Math.max(err, Math.abs(fp32[i] - int8[i]));
      System.out.printf("%s %s: max |int8 - float32| log-probability %.2e%n", config.architecture(), config.cell(), err);
      assertTrue(err < 0.02, "int8 vs float32 log-probabilities: " + err);

      Checkpoint.save(dir, model); // an int8 model saves as one
      assertTrue(Quantization.of(dir).isPresent());
      SafeTensors.Contents stored = SafeTensors.readWithInt8(dir.resolve(Checkpoint.WEIGHTS), n -> false);
      assertFalse(stored.int8().isEmpty());
      stored.int8().keySet().forEach(n -> assertTrue(stored.floats().containsKey(n + Int8Checkpoint.SCALE_SUFFIX), n));
      try (AcousticModel loaded = Checkpoint.load(dir, Device.CPU)) {
        loaded.train(false);
        assertTrue(Int8Quantizer.isQuantized(loaded));
        assertArrayEquals(int8, logProbs(loaded, x, lengths), "loaded int8 model");
      }
    }
  }

  @Test
  void wav2vec2QuantizesItsFeatureExtractorAttentionAndFeedForwardLayers() throws IOException {
    SplittableRandom rng = Seeds.random("Int8ModelsTest.wav2vec2");
    float[] wave = Seeds.gaussian(rng, 4000, 0.3);
    try (Wav2Vec2Model model = Wav2Vec2Model.create(TinyModels.base(), Device.CPU, rng.nextLong())) {
      model.train(false);
      float[] fp32;
      try (Tensor logits = model.logits(wave)) {
        fp32 = logits.toFloatArray();
      }
      Int8Quantizer.quantize(model);
      List<String> int8 = Int8Site.of(model).stream().filter(s -> s.weights().get(s.local()) != null)
          .map(Int8Site::name).toList();
      assertTrue(int8.contains("encoder.transformer.layers.0.attention.q_proj.weight")
          && int8.contains("encoder.transformer.layers.1.feed_forward.output_dense.weight")
          && int8.contains("feature_extractor.conv_layers.0.conv.weight")
          && !int8.contains("encoder.transformer.pos_conv_embed.conv.weight"), int8.toString());
      float[] ours;
      try (Tensor logits = model.logits(wave)) {
        ours = logits.toFloatArray();
      }
      double err = 0, scale = 0;
      for (int i = 0; i < fp32.length; i++) {
        err = Math.max(err, Math.abs(fp32[i] - ours[i]));
        scale = Math.max(scale, Math.abs(fp32[i]));
      }
      System.out.printf("wav2vec2 (tiny, random weights): max |int8 - float32| logit %.2e of max |logit| %.2e%n", err,
          scale);
      assertTrue(err < 0.05 * scale, "int8 vs float32 logits: " + err + " of " + scale);
      model.save(dir);
      try (Wav2Vec2Model loaded = Wav2Vec2Model.load(dir, Device.CPU); Tensor logits = loaded.logits(wave)) {
        assertArrayEquals(ours, logits.toFloatArray(), "loaded int8 wav2vec2");
      }
      try (SpeechModel loaded = SpeechModel.load(dir, Device.CPU); SpeechModel.Emissions e = loaded.emissions(List.of(wave))) {
        assertEquals(fp32.length / TinyModels.base().classes(), e.lengths()[0]);
      }
    }
  }

  @Test
  void quantizeDirectoryWritesAFolderEveryLoaderTakes() throws IOException {
    SplittableRandom rng = Seeds.random("Int8ModelsTest.directory");
    Path source = dir.resolve("fp32"), target = dir.resolve("int8");
    ModelConfig config = ModelConfig.ctc(LABELS, 20, "gru", true, 16, 1, 24, 5, 2, 0f);
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, rng.nextLong())) {
      SpeechModel.save(source, model, MelConfig.builder().nMels(20).build());
    }
    Files.writeString(source.resolve("notes.txt"), "kept");
    Int8Quantizer.quantizeDirectory(source, target);
    assertEquals("kept", Files.readString(target.resolve("notes.txt")));
    assertEquals(Files.readString(source.resolve(SpeechModel.FEATURES)), Files.readString(target.resolve(SpeechModel.FEATURES)));
    try (SpeechModel m = SpeechModel.load(target, Device.CPU)) {
      assertTrue(Int8Quantizer.isQuantized(m.acoustic()));
      assertFalse(m.greedy(List.of(Seeds.gaussian(rng, 8000, 0.1))).isEmpty());
    }
    assertThrows(InvalidInputException.class, () -> Int8Quantizer.quantizeDirectory(target, dir.resolve("again")),
        "already quantized");
    assertThrows(InvalidInputException.class, () -> Int8Quantizer.quantizeDirectory(source, target), "target not empty");
  }

  @Test
  void brokenInt8FoldersAreRefusedByName() throws IOException {
    SplittableRandom rng = Seeds.random("Int8ModelsTest.broken");
    ModelConfig config = ModelConfig.ctc(LABELS, 20, "gru", false, 16, 1, 0, 0, 0, 0f);
    try (AcousticModel model = Int8Quantizer.quantize(AcousticModel.create(config, Device.CPU, rng.nextLong()))) {
      Checkpoint.save(dir, model);
    }
    Path weights = dir.resolve(Checkpoint.WEIGHTS);
    SafeTensors.Contents stored = SafeTensors.readWithInt8(weights, n -> false);
    InvalidInputException f32 = assertThrows(InvalidInputException.class,
        () -> SafeTensors.read(weights, n -> false), "the float32 reader refuses I8");
    assertTrue(f32.getMessage().contains("I8"), f32.getMessage());

    Map<String, SafeTensors.Entry> noScale = new LinkedHashMap<>(stored.floats());
    noScale.remove("rnn.weight_hh_l0" + Int8Checkpoint.SCALE_SUFFIX);
    SafeTensors.write(weights, noScale, stored.int8(), Map.of());
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Checkpoint.load(dir, Device.CPU));
    assertTrue(e.getMessage().contains("rnn.weight_hh_l0"), e.getMessage());

    Map<String, SafeTensors.Int8Entry> extra = new LinkedHashMap<>(stored.int8());
    Map<String, SafeTensors.Entry> floats = new LinkedHashMap<>(stored.floats());
    SafeTensors.Entry bias = floats.remove("output.bias");
    extra.put("output.bias", new SafeTensors.Int8Entry(bias.shape(), new byte[bias.values().length]));
    floats.put("output.bias" + Int8Checkpoint.SCALE_SUFFIX, new SafeTensors.Entry(new long[] {bias.shape()[0]},
        new float[bias.values().length]));
    SafeTensors.write(weights, floats, extra, Map.of());
    e = assertThrows(InvalidInputException.class, () -> Checkpoint.load(dir, Device.CPU));
    assertTrue(e.getMessage().contains("output.bias"), e.getMessage());

    Files.writeString(dir.resolve(Checkpoint.CONFIG), Files.readString(dir.resolve(Checkpoint.CONFIG))
        .replace("int8_dynamic_per_row", "int4"));
    e = assertThrows(InvalidInputException.class, () -> Checkpoint.load(dir, Device.CPU));
    assertTrue(e.getMessage().contains("int4"), e.getMessage());
  }

  @Test
  void configWithoutQuantizationIsFloat32() throws IOException {
    ModelConfig config = ModelConfig.ctc(Collections.nCopies(3, "x"), 4, null, false, 4, 1, 0, 0, 0, 0f);
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, 1)) {
      Checkpoint.save(dir, model);
    }
    assertTrue(Quantization.of(dir).isEmpty());
    try (AcousticModel loaded = Checkpoint.load(dir, Device.CPU)) {
      assertFalse(Int8Quantizer.isQuantized(loaded));
    }
  }
}
