package dev.ctc4j.onnx;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.onnx.proto.Onnx.GraphProto;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import dev.ctc4j.onnx.proto.Onnx.OperatorSetIdProto;
import dev.ctc4j.onnx.proto.Onnx.StringStringEntryProto;
import dev.ctc4j.onnx.proto.Onnx.TensorProto;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every model family as a standard ONNX graph (opset 17, IR version 8: Conv, LSTM/GRU with
 * sequence_lens, BatchNormalization, LayerNormalization, GELU as its erf formula, MatMul,
 * Softmax/LogSoftmax), batch and time axes dynamic, with the labels and front-end settings in
 * metadata_props; see docs/onnx.md.
 *
 * <p>Log-mel models (dnn, rnn, deepspeech2, rescnn_bigru) take {@value #FEATURES} [batch, n_mels,
 * frames], the output of ctc4j's log-mel front end with the model's features.json settings (its
 * normalisation included), and {@value #FEATURE_LENGTHS} [batch] (int64). wav2vec2/HuBERT take
 * {@value #WAVEFORM} [batch, samples] at 16 kHz as recorded (the graph normalises it when the
 * model does) and {@value #WAVEFORM_LENGTHS} [batch]. All give {@value #LOG_PROBS} [batch,
 * out_frames, classes] (log-softmax) and {@value #LOG_PROB_LENGTHS} [batch] (int64); frames past
 * an utterance's length are padding.
 */
public final class OnnxExport {
  public static final int OPSET = 17;
  public static final long IR_VERSION = 8;
  public static final String FEATURES = "features", FEATURE_LENGTHS = "feature_lengths", WAVEFORM = "waveform",
      WAVEFORM_LENGTHS = "waveform_lengths", LOG_PROBS = "log_probs", LOG_PROB_LENGTHS = "log_prob_lengths";

  /** What {@link #export} wrote; weights counts the float values of its initializers. */
  public record Summary(String architecture, String input, int nodes, long weights, long bytes) {}

  private OnnxExport() {}

  /** A log-mel model's graph; {@code features} are the front end's settings (features.json). */
  public static ModelProto of(AcousticModel model, MelConfig features) {
    ModelConfig c = model.config();
    if (features.nMels() != c.nFeatures()) {
      throw new InvalidInputException("front end gives " + features.nMels() + " features, the model takes "
          + c.nFeatures());
    }
    Graph g = new Graph(c.architecture());
    String x = g.input(FEATURES, Graph.FLOAT, "batch", (long) c.nFeatures(), "frames");
    String lengths = g.input(FEATURE_LENGTHS, Graph.INT64, "batch");
    Weights w = new Weights(model);
    Outputs out = switch (c.architecture()) {
      case "deepspeech2" -> DeepSpeech2Graph.build(g, c, w, x, lengths);
      case "rescnn_bigru" -> ResCnnBiGruGraph.build(g, c, w, x, lengths);
      default -> CtcModelGraph.build(g, c, w, x, lengths);
    };
    outputs(g, out, c.classes());
    return model(g.build(), Metadata.logMel(model, features), "log-mel features [batch, n_mels, frames] as ctc4j's "
        + "front end computes them (metadata 'features'), feature_lengths [batch]");
  }

  /** A wav2vec2-family model's graph, waveform in. */
  public static ModelProto of(Wav2Vec2Model model) {
    Wav2Vec2Config c = model.config();
    Graph g = new Graph(c.architecture());
    String x = g.input(WAVEFORM, Graph.FLOAT, "batch", "samples");
    String lengths = g.input(WAVEFORM_LENGTHS, Graph.INT64, "batch");
    outputs(g, Wav2Vec2Graph.build(g, c, new Weights(model), x, lengths), c.classes());
    return model(g.build(), Metadata.waveform(c), "16 kHz waveform [batch, samples], waveform_lengths [batch]");
  }

  /** Loads any model folder and writes its graph to {@code file} (atomically). */
  public static Summary export(Path modelDir, Path file) throws IOException {
    ModelProto proto;
    if (Wav2Vec2Config.ARCHITECTURE.equals(Checkpoint.architecture(modelDir))) {
      try (Wav2Vec2Model m = Wav2Vec2Model.load(modelDir, Device.CPU)) {
        proto = of(m);
      }
    } else {
      MelConfig features = SpeechModel.readFeatures(modelDir);
      try (AcousticModel m = Checkpoint.load(modelDir, Device.CPU)) {
        proto = of(m, features);
      }
    }
    AtomicFiles.write(file, proto::writeTo);
    GraphProto graph = proto.getGraph();
    long weights = graph.getInitializerList().stream()
        .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT_VALUE)
        .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact)).sum();
    Map<String, String> meta = metadata(proto);
    return new Summary(meta.get("architecture"), meta.get("input"), graph.getNodeCount(), weights, Files.size(file));
  }

  /** A model's metadata_props as a map. */
  public static Map<String, String> metadata(ModelProto model) {
    Map<String, String> out = new LinkedHashMap<>();
    model.getMetadataPropsList().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static void outputs(Graph g, Outputs out, int classes) {
    g.output(out.logProbs(), LOG_PROBS, Graph.FLOAT, "batch", "out_frames", (long) classes);
    g.output(out.lengths(), LOG_PROB_LENGTHS, Graph.INT64, "batch");
  }

  private static ModelProto model(GraphProto graph, Map<String, String> metadata, String inputs) {
    ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("ctc4j")
        .setProducerVersion(Ctc4j.version()).setGraph(graph)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setDocString("CTC acoustic model exported by ctc4j. Inputs: " + inputs + ". Outputs: log_probs [batch, "
            + "out_frames, classes] (log-softmax; labels and blank in the metadata), log_prob_lengths [batch].");
    metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return m.build();
  }
}
