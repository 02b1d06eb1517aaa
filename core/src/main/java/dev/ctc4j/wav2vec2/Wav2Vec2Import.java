package dev.ctc4j.wav2vec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.model.TorchStateDict;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports wav2vec2 CTC weights into our checkpoint format (config.json + model.safetensors under
 * torchaudio's names, see {@link Wav2Vec2Model}):
 * <ul>
 *   <li>a Hugging Face Wav2Vec2ForCTC folder: config.json, model.safetensors or (without it)
 *       pytorch_model.bin, vocab.json (and optionally tokenizer_config.json for the word delimiter,
 *       preprocessor_config.json for {@code do_normalize});
 *   <li>a torchaudio state dict: a .safetensors file, a torch.save file (.pt, .pth, .bin: any other
 *       name), or a folder holding model.safetensors or pytorch_model.bin without config.json; the
 *       architecture is read from the tensor shapes.
 * </ul>
 * torch.save files are read by {@link TorchStateDict}, which executes nothing; float16, bfloat16
 * and float64 weights become float32.
 * Every tensor is renamed, its shape checked against the configuration (an error names the
 * tensor), and the positional convolution's weight norm ({@code weight_g, weight_v} or
 * {@code parametrizations.weight.original0, original1}) folded into one weight.
 */
public final class Wav2Vec2Import {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POS_CONV = "encoder.transformer.pos_conv_embed.conv.";
  private static final String PYTORCH_WEIGHTS = "pytorch_model.bin";
  /** Hugging Face model types with wav2vec2's CTC network (HuBERT differs only in pretraining), and their tensor prefixes. */
  static final List<String> HF_MODEL_TYPES = List.of("wav2vec2", "hubert");

  /** Hugging Face's facebook/wav2vec2-*-960h vocabulary, by id, for folders without vocab.json. */
  static final List<String> HF_960H_VOCAB = List.of("<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N",
      "I", "H", "S", "R", "D", "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z");
  /** torchaudio's WAV2VEC2_ASR_*_960H labels: blank "-" then the 28 characters. */
  static final List<String> TORCHAUDIO_960H_LABELS = List.of("-", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R",
      "D", "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z");

  /**
   * Settings a torchaudio state dict cannot carry (null: the defaults): {@code labels} in class
   * order with the blank first (default: torchaudio's or Hugging Face's 960h labels, by the head's
   * size); {@code heads} (default embed_dim / 64); {@code layerNormFirst} (default: true for the
   * layer-norm feature encoder); {@code normalizeWaveform} (default: as layerNormFirst).
   */
  public record Options(List<String> labels, Integer heads, Boolean layerNormFirst, Boolean normalizeWaveform) {
    public static final Options DEFAULTS = new Options(null, null, null, null);
  }

  private Wav2Vec2Import() {}

  /** Reads {@code from}, writes the checkpoint folder {@code to}, and returns its configuration. */
  public static Wav2Vec2Config run(Path from, Path to, Options options) throws IOException {
    boolean huggingFace = Files.isDirectory(from) && Files.exists(from.resolve(Checkpoint.CONFIG));
    Path weights = weightsFile(from);
    Map<String, SafeTensors.Entry> renamed = new LinkedHashMap<>();
    readWeights(weights).forEach((name, e) -> {
      String ours = huggingFace ? fromHuggingFace(name) : name;
      if (ours != null) renamed.put(ours, e);
    });
    Wav2Vec2Config config = huggingFace ? huggingFaceConfig(from) : torchaudioConfig(renamed, options);
    write(config, foldWeightNorm(renamed), weights + (huggingFace ? " (Hugging Face names as torchaudio's)" : ""), to);
    return config;
  }

  /** In a folder, model.safetensors or else pytorch_model.bin; a file as given. */
  private static Path weightsFile(Path from) {
    if (!Files.isDirectory(from)) {
      if (!Files.exists(from)) throw new InvalidInputException("no " + from);
      return from;
    }
    for (String name : List.of(Checkpoint.WEIGHTS, PYTORCH_WEIGHTS)) {
      if (Files.exists(from.resolve(name))) return from.resolve(name);
    }
    boolean sharded = Files.exists(from.resolve(Checkpoint.WEIGHTS + ".index.json"))
        || Files.exists(from.resolve(PYTORCH_WEIGHTS + ".index.json"));
    throw new InvalidInputException("no " + Checkpoint.WEIGHTS + " or " + PYTORCH_WEIGHTS + " in " + from
        + (sharded ? " (sharded checkpoints are not supported)" : ""));
  }

  /** A *.safetensors file as safetensors, anything else (.bin, .pt, .pth) as torch.save's zip. */
  private static Map<String, SafeTensors.Entry> readWeights(Path file) throws IOException {
    return file.getFileName().toString().endsWith(".safetensors") ? SafeTensors.read(file, name -> false)
        : TorchStateDict.read(file);
  }

  // ---- names and weight norm ---------------------------------------------------------------------

  /** Our (torchaudio) name of a Hugging Face tensor, or null for tensors inference does not use. */
  static String fromHuggingFace(String name) {
    if (name.startsWith("lm_head.")) return "aux." + name.substring("lm_head.".length());
    for (String family : HF_MODEL_TYPES) { // HuBERT's encoder is wav2vec2's under another prefix
      if (name.equals(family + ".masked_spec_embed")) return null; // the pretraining mask embedding
      String[][] prefixes = {
        {family + ".feature_extractor.", "feature_extractor."},
        {family + ".feature_projection.", "encoder.feature_projection."},
        {family + ".encoder.", "encoder.transformer."},
      };
      for (String[] p : prefixes) {
        if (name.startsWith(p[0])) return p[1] + name.substring(p[0].length());
      }
    }
    throw new InvalidInputException("unexpected tensor '" + name + "' in a Hugging Face Wav2Vec2ForCTC/HubertForCTC checkpoint");
  }

  /** Replaces the positional convolution's (g, v) pair, in either naming, by w = g v / ||v||. */
  static Map<String, SafeTensors.Entry> foldWeightNorm(Map<String, SafeTensors.Entry> tensors) {
    String[][] pairs = {{"weight_g", "weight_v"}, {"parametrizations.weight.original0", "parametrizations.weight.original1"}};
    Map<String, SafeTensors.Entry> out = new LinkedHashMap<>(tensors);
    for (String[] pair : pairs) {
      SafeTensors.Entry g = out.remove(POS_CONV + pair[0]), v = out.remove(POS_CONV + pair[1]);
      if (g == null && v == null) continue;
      if (g == null || v == null) {
        throw new InvalidInputException("weight norm of " + POS_CONV + "weight needs both " + pair[0] + " and " + pair[1]);
      }
      if (out.containsKey(POS_CONV + "weight")) {
        throw new InvalidInputException(POS_CONV + "weight is given both folded and as " + pair[0] + "/" + pair[1]);
      }
      out.put(POS_CONV + "weight", new SafeTensors.Entry(v.shape(), fold(POS_CONV + pair[0], g, v)));
    }
    return out;
  }

  /**
   * w = g v / ||v||, the norm taken over the axes where g has size 1 (torch.nn.utils.weight_norm
   * with dim d keeps g's size on axis d only; wav2vec2 uses d = 2, the kernel axis).
   */
  static float[] fold(String name, SafeTensors.Entry g, SafeTensors.Entry v) {
    long[] gs = g.shape(), vs = v.shape();
    boolean ok = gs.length == vs.length;
    for (int i = 0; ok && i < gs.length; i++) ok = gs[i] == 1 || gs[i] == vs[i];
    if (!ok) {
      throw new InvalidInputException("weight norm '" + name + "' has shape " + Arrays.toString(gs)
          + ", which does not broadcast over " + Arrays.toString(vs));
    }
    double[] sumSq = new double[g.values().length];
    int[] normIndex = new int[v.values().length];
    for (int i = 0; i < normIndex.length; i++) {
      int rest = i, index = 0, stride = 1;
      for (int axis = vs.length - 1; axis >= 0; axis--) {
        int coordinate = (int) (rest % vs[axis]);
        rest /= (int) vs[axis];
        if (gs[axis] != 1) index += coordinate * stride;
        stride *= (int) gs[axis];
      }
      normIndex[i] = index;
      sumSq[index] += (double) v.values()[i] * v.values()[i];
    }
    float[] w = new float[normIndex.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (g.values()[normIndex[i]] * v.values()[i] / Math.sqrt(sumSq[normIndex[i]]));
    }
    return w;
  }

  // ---- configurations ----------------------------------------------------------------------------

  private static Wav2Vec2Config huggingFaceConfig(Path dir) throws IOException {
    JsonNode c = readJson(dir.resolve(Checkpoint.CONFIG));
    String where = dir.resolve(Checkpoint.CONFIG).toString();
    if (c.has("format_version")) throw new InvalidInputException(dir + " is a ctc4j checkpoint already: load it");
    String type = c.path("model_type").asText("wav2vec2");
    if (!HF_MODEL_TYPES.contains(type)) {
      throw new InvalidInputException(where + ": model_type " + type + " is not one of " + HF_MODEL_TYPES);
    }
    requireSetting(c, where, "hidden_act", "gelu");
    requireSetting(c, where, "feat_extract_activation", "gelu");
    for (String flag : List.of("add_adapter", "use_weighted_layer_sum", "conv_pos_batch_norm")) {
      if (c.path(flag).asBoolean(false)) throw new InvalidInputException(where + ": " + flag + " is not supported");
    }
    if (!c.path("feat_proj_layer_norm").asBoolean(true)) {
      throw new InvalidInputException(where + ": feat_proj_layer_norm false is not supported");
    }
    if (Math.abs(c.path("layer_norm_eps").asDouble(1e-5) - 1e-5) > 1e-12) {
      throw new InvalidInputException(where + ": layer_norm_eps " + c.get("layer_norm_eps") + " (only 1e-5 is supported)");
    }
    List<Integer> dims = ints(c, where, "conv_dim"), kernels = ints(c, where, "conv_kernel"),
        strides = ints(c, where, "conv_stride");
    if (dims.size() != kernels.size() || dims.size() != strides.size()) {
      throw new InvalidInputException(where + ": conv_dim, conv_kernel and conv_stride differ in length");
    }
    List<List<Integer>> convLayers = new ArrayList<>();
    for (int i = 0; i < dims.size(); i++) convLayers.add(List.of(dims.get(i), kernels.get(i), strides.get(i)));
    String norm = c.path("feat_extract_norm").asText("group");
    if (!norm.equals("group") && !norm.equals("layer")) {
      throw new InvalidInputException(where + ": feat_extract_norm must be group or layer, got " + norm);
    }
    JsonNode preprocessor = optionalJson(dir.resolve("preprocessor_config.json"));
    boolean normalize = preprocessor != null && preprocessor.has("do_normalize")
        ? preprocessor.get("do_normalize").asBoolean() : norm.equals("layer");
    List<String> labels = huggingFaceLabels(dir, c.path("vocab_size").asInt(-1));
    int blank = c.path("pad_token_id").asInt(0);
    return new Wav2Vec2Config(Wav2Vec2Config.FORMAT_VERSION, Wav2Vec2Config.ARCHITECTURE, labels, blank, convLayers,
        c.path("conv_bias").asBoolean(false), norm.equals("group") ? Wav2Vec2Config.GROUP_NORM : Wav2Vec2Config.LAYER_NORM,
        positive(c, where, "hidden_size"), positive(c, where, "intermediate_size"),
        positive(c, where, "num_hidden_layers"), positive(c, where, "num_attention_heads"),
        positive(c, where, "num_conv_pos_embeddings"), positive(c, where, "num_conv_pos_embedding_groups"),
        c.path("do_stable_layer_norm").asBoolean(false), normalize, 16000);
  }

  /** vocab.json's tokens by id, the word delimiter (tokenizer_config.json, default "|") as " ". */
  private static List<String> huggingFaceLabels(Path dir, int vocabSize) throws IOException {
    JsonNode vocab = optionalJson(dir.resolve("vocab.json"));
    List<String> tokens;
    if (vocab == null) {
      if (vocabSize != HF_960H_VOCAB.size()) {
        throw new InvalidInputException(dir + ": no vocab.json, and vocab_size " + vocabSize
            + " is not the 960h models' 32 (whose vocabulary is built in)");
      }
      tokens = new ArrayList<>(HF_960H_VOCAB);
    } else {
      String[] byId = new String[vocab.size()];
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        int id = e.getValue().asInt(-1);
        if (id < 0 || id >= byId.length || byId[id] != null) {
          throw new InvalidInputException(dir.resolve("vocab.json") + ": ids must be 0 .. " + (byId.length - 1)
              + " once each, got " + e.getKey() + " = " + e.getValue());
        }
        byId[id] = e.getKey();
      }
      tokens = new ArrayList<>(Arrays.asList(byId));
    }
    JsonNode tokenizer = optionalJson(dir.resolve("tokenizer_config.json"));
    String delimiter = tokenizer == null ? "|" : tokenizer.path("word_delimiter_token").asText("|");
    int at = tokens.indexOf(delimiter);
    if (at >= 0) tokens.set(at, " ");
    return tokens;
  }

  private static Wav2Vec2Config torchaudioConfig(Map<String, SafeTensors.Entry> t, Options options) {
    List<List<Integer>> convLayers = new ArrayList<>();
    List<List<Integer>> standard = Wav2Vec2Config.standardConvLayers();
    for (int i = 0; t.containsKey("feature_extractor.conv_layers." + i + ".conv.weight"); i++) {
      long[] w = t.get("feature_extractor.conv_layers." + i + ".conv.weight").shape();
      int stride = i < standard.size() ? standard.get(i).get(2) : -1;
      convLayers.add(List.of((int) w[0], (int) w[2], stride));
    }
    List<Integer> kernels = convLayers.stream().map(l -> l.get(1)).toList();
    if (!kernels.equals(standard.stream().map(l -> l.get(1)).toList())) {
      throw new InvalidInputException("feature encoder kernels " + kernels + " are not the standard wav2vec2 encoder's"
          + " (strides cannot be read from a state dict: import through a Hugging Face config.json instead)");
    }
    boolean layerNormExtractor = t.containsKey("feature_extractor.conv_layers.1.layer_norm.weight");
    int embed = (int) shape(t, "encoder.feature_projection.projection.weight")[0];
    int ffn = (int) shape(t, "encoder.transformer.layers.0.feed_forward.intermediate_dense.weight")[0];
    int layers = 0;
    while (t.containsKey("encoder.transformer.layers." + layers + ".attention.q_proj.weight")) layers++;
    long[] pos = t.containsKey(POS_CONV + "weight_v") ? t.get(POS_CONV + "weight_v").shape()
        : t.containsKey(POS_CONV + "weight") ? t.get(POS_CONV + "weight").shape()
        : shape(t, POS_CONV + "parametrizations.weight.original1");
    int classes = (int) shape(t, "aux.weight")[0];
    List<String> labels = options.labels() != null ? options.labels()
        : classes == TORCHAUDIO_960H_LABELS.size() ? TORCHAUDIO_960H_LABELS
        : classes == HF_960H_VOCAB.size() ? HF_960H_VOCAB
        : null;
    if (labels == null) {
      throw new InvalidInputException("the CTC head has " + classes + " classes: give the labels (--labels)");
    }
    labels = labels.stream().map(l -> l.equals("|") ? " " : l).toList();
    boolean layerNormFirst = options.layerNormFirst() != null ? options.layerNormFirst() : layerNormExtractor;
    return new Wav2Vec2Config(Wav2Vec2Config.FORMAT_VERSION, Wav2Vec2Config.ARCHITECTURE, labels, 0, convLayers,
        t.containsKey("feature_extractor.conv_layers.0.conv.bias"),
        layerNormExtractor ? Wav2Vec2Config.LAYER_NORM : Wav2Vec2Config.GROUP_NORM, embed, ffn, layers,
        options.heads() != null ? options.heads() : Math.max(1, embed / 64), (int) pos[2], (int) (embed / pos[1]),
        layerNormFirst, options.normalizeWaveform() != null ? options.normalizeWaveform() : layerNormFirst, 16000);
  }

  // ---- checks and output -------------------------------------------------------------------------

  /** Checks names and shapes against the model the configuration builds, then writes the folder. */
  private static void write(Wav2Vec2Config config, Map<String, SafeTensors.Entry> tensors, String source, Path to)
      throws IOException {
    try (Wav2Vec2Model model = Wav2Vec2Model.create(config, Device.CPU, 0)) {
      Checkpoint.loadState(model, tensors, source);
      model.save(to);
    }
  }

  private static long[] shape(Map<String, SafeTensors.Entry> t, String name) {
    SafeTensors.Entry e = t.get(name);
    if (e == null) throw new InvalidInputException("not a torchaudio wav2vec2 state dict: no tensor '" + name + "'");
    return e.shape();
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": " + e.getOriginalMessage());
    }
  }

  private static JsonNode optionalJson(Path file) throws IOException {
    return Files.exists(file) ? readJson(file) : null;
  }

  private static void requireSetting(JsonNode c, String where, String key, String expected) {
    if (c.has(key) && !c.get(key).asText().equals(expected)) {
      throw new InvalidInputException(where + ": " + key + " " + c.get(key) + " is not supported (only " + expected + ")");
    }
  }

  private static int positive(JsonNode c, String where, String key) {
    int v = c.path(key).asInt(-1);
    if (v <= 0) throw new InvalidInputException(where + ": " + key + " must be a positive integer, got " + c.get(key));
    return v;
  }

  private static List<Integer> ints(JsonNode c, String where, String key) {
    JsonNode a = c.get(key);
    if (a == null || !a.isArray() || a.isEmpty()) throw new InvalidInputException(where + ": " + key + " must be a list");
    List<Integer> out = new ArrayList<>();
    a.forEach(v -> out.add(v.asInt(-1)));
    return out;
  }
}
