package dev.ctc4j.cli;

import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.onnx.OnnxExport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctc4j export onnx --model DIR|ID -o FILE.onnx}. */
@Command(name = "export", description = "Export a model for other runtimes.", mixinStandardHelpOptions = true,
    subcommands = ExportCommand.Onnx.class)
public final class ExportCommand {

  /** Any model folder as a standard ONNX graph (opset 17) with its labels and front end in the metadata. */
  @Command(name = "onnx", mixinStandardHelpOptions = true,
      description = "Write the model as an ONNX graph (opset 17; dynamic batch and time). Log-mel models take "
          + "features [batch, n_mels, frames] as ctc4j's front end computes them (settings in the metadata) and "
          + "feature_lengths; wav2vec2/HuBERT take waveform [batch, samples] and waveform_lengths. Outputs: "
          + "log_probs [batch, frames, classes], log_prob_lengths. See docs/onnx.md.")
  static final class Onnx implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|ID", description = "Model directory or pulled repository id.")
    String model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.onnx", description = "the ONNX file to write")
    Path output;

    @Override
    public Integer call() throws Exception {
      OnnxExport.Summary s = OnnxExport.export(ModelStore.open().resolve(model), output);
      System.out.printf("wrote %s: %s (%s in), %d nodes, %,d weights, %.1f MB, opset %d%n", output,
          s.architecture(), s.input().replace('_', '-'), s.nodes(), s.weights(), s.bytes() / 1e6, OnnxExport.OPSET);
      return 0;
    }
  }
}
