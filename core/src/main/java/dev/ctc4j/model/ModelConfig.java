package dev.ctc4j.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ctc4j.InvalidInputException;
import java.util.List;

/**
 * config.json of a checkpoint: the format version, the architecture and its sizes, and the labels
 * (index 0 is the CTC blank). Architectures:
 * <ul>
 *   <li>{@code dnn}: per-frame MLP ({@code layers} x Linear(hidden) + ReLU);
 *   <li>{@code rnn}: {@code layers} LSTM/GRU layers ({@code cell}, {@code bidirectional});
 *   <li>both with an optional Conv1d front end ({@code convChannels} > 0, kernel {@code convKernel},
 *       time stride {@code convStride}, ReLU);
 *   <li>{@code deepspeech2}: deepspeech.pytorch's DeepSpeech (cell lstm/gru, {@code layers} BatchRNNs);
 *   <li>{@code rescnn_bigru}: AssemblyAI's SpeechRecognitionModel ({@code resBlocks}, {@code layers}
 *       BiGRU layers, {@code hidden} = rnn_dim).
 * </ul>
 */
@JsonIgnoreProperties(value = "quantization", ignoreUnknown = false) // read by dev.ctc4j.quant.Quantization
public record ModelConfig(
    @JsonProperty("format_version") int formatVersion,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("n_features") int nFeatures,
    @JsonProperty("labels") List<String> labels,
    @JsonProperty("hidden") int hidden,
    @JsonProperty("layers") int layers,
    @JsonProperty("cell") String cell,
    @JsonProperty("bidirectional") boolean bidirectional,
    @JsonProperty("res_blocks") int resBlocks,
    @JsonProperty("conv_channels") int convChannels,
    @JsonProperty("conv_kernel") int convKernel,
    @JsonProperty("conv_stride") int convStride,
    @JsonProperty("dropout") float dropout,
    @JsonProperty("hop_seconds") double hopSeconds) {

  public static final int FORMAT_VERSION = 1;

  public ModelConfig {
    if (formatVersion != FORMAT_VERSION) {
      throw new InvalidInputException("unsupported config format_version " + formatVersion + " (expected "
          + FORMAT_VERSION + ")");
    }
    if (architecture == null || !List.of("dnn", "rnn", "deepspeech2", "rescnn_bigru").contains(architecture)) {
      throw new InvalidInputException("unknown architecture " + architecture);
    }
    if (labels == null || labels.size() < 2) throw new InvalidInputException("config needs at least 2 labels");
    if (nFeatures <= 0 || hidden <= 0 || layers <= 0) {
      throw new InvalidInputException("n_features, hidden and layers must be positive");
    }
    if (cell != null && !cell.equals("lstm") && !cell.equals("gru")) {
      throw new InvalidInputException("cell must be lstm or gru, got " + cell);
    }
    if (!(dropout >= 0 && dropout < 1)) throw new InvalidInputException("dropout must be in [0, 1)");
    if (convChannels < 0 || (convChannels > 0 && (convKernel <= 0 || convStride <= 0))) {
      throw new InvalidInputException("bad conv front end: channels " + convChannels + ", kernel " + convKernel
          + ", stride " + convStride);
    }
    if (!(hopSeconds > 0)) throw new InvalidInputException("hop_seconds must be positive");
  }

  public int classes() {
    return labels.size();
  }

  /** AssemblyAI's published configuration: 3 residual blocks, 5 BiGRU layers, rnn_dim 512, 128 mels. */
  public static ModelConfig resCnnBiGru(List<String> labels, int nMels, int resBlocks, int layers, int rnnDim,
      float dropout) {
    return new ModelConfig(FORMAT_VERSION, "rescnn_bigru", nMels, labels, rnnDim, layers, "gru", true, resBlocks,
        0, 0, 0, dropout, 0.01);
  }

  /** deepspeech.pytorch defaults: 161 spectrogram bins (20 ms window), hidden 1024, 5 layers, LSTM. */
  public static ModelConfig deepSpeech2(List<String> labels, int nFeatures, String cell, int hidden, int layers) {
    return new ModelConfig(FORMAT_VERSION, "deepspeech2", nFeatures, labels, hidden, layers, cell, true, 0, 0, 0, 0,
        0, 0.01);
  }

  /** A DNN ({@code cell} null) or LSTM/GRU CTC model, optionally behind a Conv1d front end. */
  public static ModelConfig ctc(List<String> labels, int nFeatures, String cell, boolean bidirectional, int hidden,
      int layers, int convChannels, int convKernel, int convStride, float dropout) {
    return new ModelConfig(FORMAT_VERSION, cell == null ? "dnn" : "rnn", nFeatures, labels, hidden, layers, cell,
        bidirectional, 0, convChannels, convKernel, convStride, dropout, 0.01);
  }
}
