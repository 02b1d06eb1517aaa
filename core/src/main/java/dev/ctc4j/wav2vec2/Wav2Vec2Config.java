package dev.ctc4j.wav2vec2;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.Labels;
import java.util.List;

/**
 * config.json of a wav2vec2 CTC checkpoint (architecture {@code "wav2vec2"}), in torchaudio's terms:
 * <ul>
 *   <li>{@code conv_layers}: the feature encoder's (channels, kernel, stride) per conv1d layer;
 *       {@code extractor_mode} {@code group_norm} (group norm with one group per channel on the
 *       first layer, "base") or {@code layer_norm} (layer norm over channels after every layer,
 *       "large-lv60"); {@code conv_bias} whether the convolutions have biases;
 *   <li>the transformer: {@code embed_dim}, {@code ffn_dim}, {@code layers}, {@code heads};
 *       {@code layer_norm_first} false for post-LN layers (base, large), true for pre-LN (lv60);
 *       a positional convolution of {@code pos_conv_kernel} frames in {@code pos_conv_groups} groups;
 *   <li>{@code labels}: the CTC head's classes; {@code blank} the blank's index; a label " " is the
 *       word separator (Hugging Face's "|", translated at import);
 *   <li>{@code normalize_waveform}: zero mean and unit variance per utterance before the encoder
 *       (the feature extractor's {@code do_normalize}), 16 kHz input.
 * </ul>
 */
@JsonIgnoreProperties(value = "quantization", ignoreUnknown = false) // read by dev.ctc4j.quant.Quantization
public record Wav2Vec2Config(
    @JsonProperty("format_version") int formatVersion,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("labels") List<String> labels,
    @JsonProperty("blank") int blank,
    @JsonProperty("conv_layers") List<List<Integer>> convLayers,
    @JsonProperty("conv_bias") boolean convBias,
    @JsonProperty("extractor_mode") String extractorMode,
    @JsonProperty("embed_dim") int embedDim,
    @JsonProperty("ffn_dim") int ffnDim,
    @JsonProperty("layers") int layers,
    @JsonProperty("heads") int heads,
    @JsonProperty("pos_conv_kernel") int posConvKernel,
    @JsonProperty("pos_conv_groups") int posConvGroups,
    @JsonProperty("layer_norm_first") boolean layerNormFirst,
    @JsonProperty("normalize_waveform") boolean normalizeWaveform,
    @JsonProperty("sample_rate") int sampleRate) {

  public static final int FORMAT_VERSION = 1;
  public static final String ARCHITECTURE = "wav2vec2";
  public static final String GROUP_NORM = "group_norm", LAYER_NORM = "layer_norm";

  public Wav2Vec2Config {
    if (formatVersion != FORMAT_VERSION) {
      throw new InvalidInputException("unsupported config format_version " + formatVersion + " (expected "
          + FORMAT_VERSION + ")");
    }
    if (!ARCHITECTURE.equals(architecture)) {
      throw new InvalidInputException("architecture must be " + ARCHITECTURE + ", got " + architecture);
    }
    labels = List.copyOf(labels == null ? List.of() : labels);
    new Labels(labels, blank, labels.indexOf(" ")); // validates the labels and the blank
    if (convLayers == null || convLayers.isEmpty()) throw new InvalidInputException("conv_layers is empty");
    convLayers = convLayers.stream().map(List::copyOf).toList();
    for (int i = 0; i < convLayers.size(); i++) {
      List<Integer> l = convLayers.get(i);
      if (l.size() != 3 || l.stream().anyMatch(v -> v == null || v <= 0)) {
        throw new InvalidInputException("conv_layers[" + i + "] must be three positive ints (channels, kernel, "
            + "stride), got " + l);
      }
    }
    try {
      hopSamples(convLayers);
      receptiveField(convLayers);
    } catch (ArithmeticException e) {
      throw new InvalidInputException("conv_layers " + convLayers + ": the strides' product or the receptive field "
          + "overflows an int");
    }
    if (!GROUP_NORM.equals(extractorMode) && !LAYER_NORM.equals(extractorMode)) {
      throw new InvalidInputException("extractor_mode must be " + GROUP_NORM + " or " + LAYER_NORM + ", got "
          + extractorMode);
    }
    if (embedDim <= 0 || ffnDim <= 0 || layers < 0 || heads <= 0 || embedDim % heads != 0) {
      throw new InvalidInputException("bad transformer sizes: embed_dim " + embedDim + ", ffn_dim " + ffnDim
          + ", layers " + layers + ", heads " + heads + " (heads must divide embed_dim)");
    }
    if (posConvKernel <= 0 || posConvGroups <= 0 || embedDim % posConvGroups != 0) {
      throw new InvalidInputException("bad positional convolution: kernel " + posConvKernel + ", groups "
          + posConvGroups + " (groups must divide embed_dim " + embedDim + ")");
    }
    if (sampleRate <= 0) throw new InvalidInputException("sample_rate must be positive, got " + sampleRate);
  }

  /** torchaudio's WAV2VEC2_ASR_BASE_960H (and facebook/wav2vec2-base-960h): 95M parameters. */
  public static Wav2Vec2Config base(List<String> labels, int blank) {
    return new Wav2Vec2Config(FORMAT_VERSION, ARCHITECTURE, labels, blank, standardConvLayers(), false, GROUP_NORM,
        768, 3072, 12, 12, 128, 16, false, false, 16000);
  }

  /** WAV2VEC2_ASR_LARGE_960H: the base layout at 1024 / 4096 / 24 layers / 16 heads. */
  public static Wav2Vec2Config large(List<String> labels, int blank) {
    return new Wav2Vec2Config(FORMAT_VERSION, ARCHITECTURE, labels, blank, standardConvLayers(), false, GROUP_NORM,
        1024, 4096, 24, 16, 128, 16, false, false, 16000);
  }

  /** WAV2VEC2_ASR_LARGE_LV60K_960H: layer-norm feature encoder with biases, pre-LN transformer. */
  public static Wav2Vec2Config largeLv60(List<String> labels, int blank) {
    return new Wav2Vec2Config(FORMAT_VERSION, ARCHITECTURE, labels, blank, standardConvLayers(), true, LAYER_NORM,
        1024, 4096, 24, 16, 128, 16, true, true, 16000);
  }

  /** The wav2vec 2.0 feature encoder: 512 channels; kernels 10, 3 x4, 2 x2; strides 5, 2 x6 (20 ms frames). */
  public static List<List<Integer>> standardConvLayers() {
    return List.of(List.of(512, 10, 5), List.of(512, 3, 2), List.of(512, 3, 2), List.of(512, 3, 2),
        List.of(512, 3, 2), List.of(512, 2, 2), List.of(512, 2, 2));
  }

  public Labels decoderLabels() {
    return new Labels(labels, blank, labels.indexOf(" "));
  }

  public int classes() {
    return labels.size();
  }

  /** Channels of the feature encoder's last layer (the input of the feature projection). */
  public int featureChannels() {
    return convLayers.get(convLayers.size() - 1).get(0);
  }

  /** Samples between output frames: the product of the strides (320, 20 ms at 16 kHz). */
  public int hopSamples() {
    return hopSamples(convLayers);
  }

  private static int hopSamples(List<List<Integer>> convLayers) {
    return convLayers.stream().mapToInt(l -> l.get(2)).reduce(1, Math::multiplyExact);
  }

  /** Samples one output frame sees: the feature encoder's receptive field (400 for the standard encoder). */
  public int receptiveField() {
    return receptiveField(convLayers);
  }

  private static int receptiveField(List<List<Integer>> convLayers) {
    int field = 1, jump = 1;
    for (List<Integer> l : convLayers) {
      field = Math.addExact(field, Math.multiplyExact(l.get(1) - 1, jump));
      jump = Math.multiplyExact(jump, l.get(2));
    }
    return field;
  }

  /** Output frames for {@code samples} samples (0 when shorter than the receptive field). */
  public int outputFrames(long samples) {
    long frames = samples;
    for (List<Integer> l : convLayers) {
      if (frames < l.get(1)) return 0;
      frames = (frames - l.get(1)) / l.get(2) + 1;
    }
    return Math.toIntExact(frames);
  }

  public double frameSeconds() {
    return hopSamples() / (double) sampleRate;
  }
}
