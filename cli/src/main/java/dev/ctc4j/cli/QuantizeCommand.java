package dev.ctc4j.cli;

import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.quant.Int8Quantizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctc4j quantize --model DIR|ID -o DIR}: an int8 copy of a model folder. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
    description = "Write an int8 copy of a model (weights int8 per output channel, activations quantized per row at "
        + "run time; CPU inference). The copy loads wherever a model does: transcribe, eval, align, serve.")
final class QuantizeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR|ID", description = "Model directory or pulled repository id.")
  String model;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
      description = "The folder to write (must not exist or be empty).")
  Path output;

  @Override
  public Integer call() throws Exception {
    Path source = ModelStore.open().resolve(model);
    Int8Quantizer.quantizeDirectory(source, output);
    System.out.printf("wrote %s: int8 copy of %s%n", output, source);
    return 0;
  }
}
