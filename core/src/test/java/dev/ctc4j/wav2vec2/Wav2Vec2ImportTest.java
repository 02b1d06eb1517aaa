package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import dev.ctc4j.testing.TorchSave;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctc4j import wav2vec2} on checkpoints the test writes: random tensors under Hugging Face
 * names with an HF config.json and vocab.json, and a torchaudio state dict, each with its
 * positional convolution as a weight-norm pair (both PyTorch namings). The imported model's logits
 * must equal libtorch's on the source tensors, weight norm computed by torch.norm_except_dim
 * (tolerance 1e-4 relative to 1 + |reference|). Bad checkpoints fail naming the tensor, writing nothing.
 */
class Wav2Vec2ImportTest {
  private static final String POS = "encoder.transformer.pos_conv_embed.conv.";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** A random state dict under torchaudio names, the positional weight as a (g, v) pair (also used by TinyHubModel). */
  record Source(Map<String, float[]> values, Map<String, long[]> shapes) {
    static Source random(Wav2Vec2Config config, SplittableRandom rng, String g, String v) {
      Map<String, float[]> values = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      try (Wav2Vec2Model model = TinyModels.create(config, rng)) {
        model.stateDict().forEach((name, p) -> {
          if (name.equals(POS + "weight")) {
            long[] shape = p.shape();
            values.put(POS + g, Seeds.gaussian(rng, (int) shape[2], 1));
            shapes.put(POS + g, new long[] {1, 1, shape[2]});
            values.put(POS + v, Seeds.gaussian(rng, (int) p.numel(), 1));
            shapes.put(POS + v, shape);
          } else {
            values.put(name, p.value().toFloatArray());
            shapes.put(name, p.shape());
          }
        });
      }
      return new Source(values, shapes);
    }

    void write(Path file, java.util.function.UnaryOperator<String> rename, Map<String, SafeTensors.Entry> extra)
        throws IOException {
      Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
      values.forEach((name, v) -> out.put(rename.apply(name), new SafeTensors.Entry(shapes.get(name), v)));
      out.putAll(extra);
      SafeTensors.write(file, out, Map.of("format", "pt"));
    }

    /** The same tensors through libtorch's torch.save writer, 2-D ones as transposed (strided) views. */
    void writeTorch(Path file, java.util.function.UnaryOperator<String> rename) throws IOException {
      try (PointerScope scope = new PointerScope()) {
        Map<String, org.bytedeco.pytorch.Tensor> out = new LinkedHashMap<>();
        values.forEach((name, v) -> {
          org.bytedeco.pytorch.Tensor t = Torch.floats(v, shapes.get(name));
          out.put(rename.apply(name), t.dim() == 2 ? t.t().contiguous().t() : t);
        });
        TorchSave.write(file, out);
      }
    }

    double[] referenceLogits(Wav2Vec2Config config, float[] waveform) {
      return new TorchWav2Vec2(config, values, shapes).logits(waveform);
    }
  }

  /** Hugging Face's names for torchaudio's (written independently of the importer's mapping). */
  static String huggingFaceName(String name) {
    if (name.startsWith("encoder.transformer.")) return "wav2vec2.encoder." + name.substring(20);
    if (name.startsWith("encoder.")) return "wav2vec2." + name.substring(8);
    if (name.startsWith("aux.")) return "lm_head." + name.substring(4);
    return "wav2vec2." + name;
  }

  static void writeHuggingFaceConfig(Path folder, Wav2Vec2Config c, List<String> vocab) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("model_type", "wav2vec2").putArray("architectures").add("Wav2Vec2ForCTC");
    var dims = config.putArray("conv_dim");
    var kernels = config.putArray("conv_kernel");
    var strides = config.putArray("conv_stride");
    c.convLayers().forEach(l -> {
      dims.add(l.get(0));
      kernels.add(l.get(1));
      strides.add(l.get(2));
    });
    config.put("conv_bias", c.convBias()).put("feat_extract_norm", c.extractorMode().equals("group_norm") ? "group" : "layer")
        .put("feat_extract_activation", "gelu").put("hidden_act", "gelu").put("hidden_size", c.embedDim())
        .put("intermediate_size", c.ffnDim()).put("num_hidden_layers", c.layers())
        .put("num_attention_heads", c.heads()).put("num_conv_pos_embeddings", c.posConvKernel())
        .put("num_conv_pos_embedding_groups", c.posConvGroups()).put("do_stable_layer_norm", c.layerNormFirst())
        .put("layer_norm_eps", 1e-5).put("vocab_size", vocab.size()).put("pad_token_id", 0)
        .put("ctc_loss_reduction", "sum").put("feat_proj_layer_norm", true);
    Files.write(folder.resolve("config.json"), JSON.writeValueAsBytes(config));
    ObjectNode ids = JSON.createObjectNode();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < vocab.size(); i++) order.add(i);
    Collections.shuffle(order, new java.util.Random(vocab.size())); // ids, not file order, define the classes
    order.forEach(i -> ids.put(vocab.get(i), i));
    Files.write(folder.resolve("vocab.json"), JSON.writeValueAsBytes(ids));
    Files.writeString(folder.resolve("tokenizer_config.json"), "{\"word_delimiter_token\": \"|\", \"pad_token\": \"<pad>\"}");
    Files.writeString(folder.resolve("preprocessor_config.json"),
        "{\"do_normalize\": " + c.normalizeWaveform() + ", \"sampling_rate\": 16000}");
  }

  static List<String> vocab(int n) {
    List<String> out = new ArrayList<>(List.of("<pad>", "<s>", "</s>", "<unk>", "|"));
    for (int i = out.size(); i < n; i++) out.add(String.valueOf((char) ('A' + i)));
    return out;
  }

  /** {@code c} with the classes of a Hugging Face vocabulary: its word delimiter "|" (id 4) as " ", normalised input. */
  static Wav2Vec2Config withHuggingFaceVocab(Wav2Vec2Config c, List<String> vocab) {
    List<String> labels = new ArrayList<>(vocab);
    labels.set(vocab.indexOf("|"), " ");
    return TinyModels.withLabels(c, labels, true);
  }


  @Test
  void huggingFaceFolderImportsWithWeightNormFoldedAndVocabularyLabels() throws IOException {
    SplittableRandom rng = Seeds.random("Wav2Vec2ImportTest.huggingFace");
    List<String> vocab = vocab(12);
    Wav2Vec2Config config = withHuggingFaceVocab(TinyModels.base(), vocab);
    Source source = Source.random(config, rng, "weight_g", "weight_v");
    Path hf = Files.createDirectories(dir.resolve("hf"));
    source.write(hf.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName,
        Map.of("wav2vec2.masked_spec_embed", new SafeTensors.Entry(new long[] {config.embedDim()},
            Seeds.gaussian(rng, config.embedDim(), 1))));
    writeHuggingFaceConfig(hf, config, vocab);

    assertImportMatches(config, source, TinyModels.waveform(rng, 1999), hf, Wav2Vec2Import.Options.DEFAULTS);
    assertEquals(4, config.decoderLabels().space());
  }

  /** HubertForCTC (e.g. facebook/hubert-large-ls960-ft): wav2vec2's network under the prefix "hubert.". */
  @Test
  void hubertFolderImportsAsTheSameNetwork() throws IOException {
    SplittableRandom rng = Seeds.random("Wav2Vec2ImportTest.hubert");
    List<String> vocab = vocab(10);
    Wav2Vec2Config config = withHuggingFaceVocab(TinyModels.large(), vocab); // large: layer-norm encoder, pre-LN
    Source source = Source.random(config, rng, "weight_g", "weight_v");
    Path hf = Files.createDirectories(dir.resolve("hubert"));
    source.write(hf.resolve("model.safetensors"), name -> huggingFaceName(name).replaceFirst("^wav2vec2\\.", "hubert."),
        Map.of("hubert.masked_spec_embed", new SafeTensors.Entry(new long[] {config.embedDim()},
            Seeds.gaussian(rng, config.embedDim(), 1))));
    writeHuggingFaceConfig(hf, config, vocab);
    ObjectNode hfConfig = (ObjectNode) JSON.readTree(hf.resolve("config.json").toFile());
    hfConfig.put("model_type", "hubert").putArray("architectures").add("HubertForCTC");
    Files.write(hf.resolve("config.json"), JSON.writeValueAsBytes(hfConfig));

    assertImportMatches(config, source, TinyModels.waveform(rng, 2001), hf, Wav2Vec2Import.Options.DEFAULTS);
  }

  /**
   * A Hugging Face folder with pytorch_model.bin (written by libtorch) and no model.safetensors
   * imports to the same tensors as its safetensors twin, and to libtorch's logits.
   */
  @Test
  void huggingFacePytorchModelBinImportsLikeItsSafetensorsTwin() throws IOException {
    SplittableRandom rng = Seeds.random("Wav2Vec2ImportTest.pytorchModelBin");
    List<String> vocab = vocab(12);
    Wav2Vec2Config config = withHuggingFaceVocab(TinyModels.base(), vocab);
    Source source = Source.random(config, rng, "weight_g", "weight_v");
    Path bin = Files.createDirectories(dir.resolve("hf-bin"));
    source.writeTorch(bin.resolve("pytorch_model.bin"), Wav2Vec2ImportTest::huggingFaceName);
    writeHuggingFaceConfig(bin, config, vocab);
    Path safetensors = Files.createDirectories(dir.resolve("hf-safetensors"));
    source.write(safetensors.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName, Map.of());
    writeHuggingFaceConfig(safetensors, config, vocab);

    assertImportMatches(config, source, TinyModels.waveform(rng, 1999), bin, Wav2Vec2Import.Options.DEFAULTS);
    Wav2Vec2Import.run(safetensors, dir.resolve("twin"), Wav2Vec2Import.Options.DEFAULTS);
    assertSameCheckpoint(dir.resolve("twin"), dir.resolve("imported"));
  }

  /** The same configuration and the same tensors, bit for bit. */
  private static void assertSameCheckpoint(Path expected, Path actual) throws IOException {
    assertEquals(Files.readString(expected.resolve("config.json")), Files.readString(actual.resolve("config.json")));
    Map<String, SafeTensors.Entry> want = SafeTensors.read(expected.resolve("model.safetensors"), n -> false),
        got = SafeTensors.read(actual.resolve("model.safetensors"), n -> false);
    assertEquals(want.keySet(), got.keySet());
    want.forEach((name, e) -> {
      assertArrayEquals(e.shape(), got.get(name).shape(), name);
      assertArrayEquals(e.values(), got.get(name).values(), name);
    });
  }

  /** Imports {@code from}, loads the result and compares its config and logits with the source's. */
  private void assertImportMatches(Wav2Vec2Config config, Source source, float[] waveform, Path from,
      Wav2Vec2Import.Options options) throws IOException {
    Path out = dir.resolve("imported");
    assertEquals(config, Wav2Vec2Import.run(from, out, options));
    try (Wav2Vec2Model model = Wav2Vec2Model.load(out, Device.CPU); PointerScope scope = new PointerScope();
        Tensor logits = model.logits(waveform)) {
      assertEquals(config, model.config());
      TorchCheck.assertClose(source.referenceLogits(config, waveform), logits.toFloatArray(), 1e-4,
          "imported from " + from);
    }
  }

  @Test
  void torchaudioStateDictImportsWithShapesReadFromTheTensors() throws IOException {
    SplittableRandom rng = Seeds.random("Wav2Vec2ImportTest.torchaudio");
    List<List<Integer>> standardKernels = Wav2Vec2Config.standardConvLayers().stream()
        .map(l -> List.of(8, l.get(1), l.get(2))).toList();
    Wav2Vec2Config large = TinyModels.large();
    List<String> labels = Wav2Vec2Import.TORCHAUDIO_960H_LABELS.stream().map(l -> l.equals("|") ? " " : l).toList();
    Wav2Vec2Config config = new Wav2Vec2Config(large.formatVersion(), large.architecture(), labels, 0, standardKernels,
        true, Wav2Vec2Config.LAYER_NORM, 32, 40, 2, 4, 16, 4, true, true, 16000);
    Source source = Source.random(config, rng, "parametrizations.weight.original0", "parametrizations.weight.original1");
    Path file = dir.resolve("wav2vec2_large_lv60k_asr.safetensors");
    source.write(file, name -> name, Map.of());

    assertImportMatches(config, source, TinyModels.waveform(rng, 2345), file,
        new Wav2Vec2Import.Options(null, 4, null, null));
    Path pt = dir.resolve("wav2vec2_large_lv60k_asr.pt"); // the same state dict as torch.save writes it
    source.writeTorch(pt, name -> name);
    Wav2Vec2Import.run(pt, dir.resolve("from-pt"), new Wav2Vec2Import.Options(null, 4, null, null));
    assertSameCheckpoint(dir.resolve("imported"), dir.resolve("from-pt"));
  }

  @Test
  void badCheckpointsAreRejectedNamingTheTensor() throws IOException {
    SplittableRandom rng = Seeds.random("Wav2Vec2ImportTest.rejects");
    List<String> vocab = vocab(12);
    Wav2Vec2Config config = TinyModels.withLabels(TinyModels.base(), vocab.stream().map(l -> l.equals("|") ? " " : l).toList(), false);
    Source source = Source.random(config, rng, "weight_g", "weight_v");

    Path wrongShape = Files.createDirectories(dir.resolve("shape"));
    writeHuggingFaceConfig(wrongShape, config, vocab);
    String q = "encoder.transformer.layers.1.attention.q_proj.weight";
    Map<String, float[]> values = new LinkedHashMap<>(source.values());
    Map<String, long[]> shapes = new LinkedHashMap<>(source.shapes());
    values.put(q, new float[config.embedDim() * (config.embedDim() - 1)]);
    shapes.put(q, new long[] {config.embedDim(), config.embedDim() - 1});
    new Source(values, shapes).write(wrongShape.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName, Map.of());
    expect("tensor 'encoder.transformer.layers.1.attention.q_proj.weight' has shape [48, 47]", wrongShape);

    Path unexpected = Files.createDirectories(dir.resolve("unexpected"));
    writeHuggingFaceConfig(unexpected, config, vocab);
    source.write(unexpected.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName,
        Map.of("quantizer.codevectors", new SafeTensors.Entry(new long[] {2}, new float[2])));
    expect("unexpected tensor 'quantizer.codevectors'", unexpected);

    Path missing = Files.createDirectories(dir.resolve("missing"));
    writeHuggingFaceConfig(missing, config, vocab);
    values = new LinkedHashMap<>(source.values());
    values.remove(POS + "weight_v");
    new Source(values, source.shapes()).write(missing.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName,
        Map.of());
    expect("needs both weight_g and weight_v", missing);

    Path bin = Files.createDirectories(dir.resolve("bin"));
    writeHuggingFaceConfig(bin, config, vocab);
    Files.write(bin.resolve("pytorch_model.bin"), new byte[16]);
    expect("pytorch_model.bin: not a valid torch.save state dict: not a zip archive", bin);
  }

  private void expect(String message, Path from) {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Wav2Vec2Import.run(from, dir.resolve("never"), Wav2Vec2Import.Options.DEFAULTS));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("never")), "nothing is written on failure");
  }
}
