package dev.ctc4j.cli;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Import;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctc4j import}: pretrained models from other toolkits into our checkpoint format. */
@Command(name = "import", description = "Import pretrained models into ctc4j checkpoints.",
    mixinStandardHelpOptions = true, subcommands = ImportCommand.Wav2Vec2.class)
public final class ImportCommand {

  /** A Hugging Face Wav2Vec2ForCTC folder or a torchaudio state dict (safetensors or torch.save). */
  @Command(name = "wav2vec2", mixinStandardHelpOptions = true,
      description = "Import wav2vec2 CTC weights: a Hugging Face folder (config.json, model.safetensors or "
          + "pytorch_model.bin, vocab.json) or a torchaudio state dict (.safetensors, or torch.save's .pt/.pth/.bin). "
          + "See docs/wav2vec2.md.")
  static final class Wav2Vec2 implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "the Hugging Face folder or torchaudio state dict file")
    Path from;

    @Option(names = {"-o", "--output"}, required = true, description = "the checkpoint folder to write")
    Path output;

    @Option(names = "--labels", description = "torchaudio only: a file with one label per line, blank first "
        + "(default: the 960h labels, chosen by the head's size)")
    Path labels;

    @Option(names = "--heads", description = "torchaudio only: attention heads (default: embed_dim / 64)")
    Integer heads;

    @Option(names = "--layer-norm-first", arity = "1", description = "torchaudio only: pre-LN transformer "
        + "(default: true with the layer-norm feature encoder)")
    Boolean layerNormFirst;

    @Option(names = "--normalize", arity = "1", description = "torchaudio only: normalise each waveform to zero mean "
        + "and unit variance (default: as --layer-norm-first)")
    Boolean normalize;

    @Override
    public Integer call() throws Exception {
      List<String> labelList = null;
      if (labels != null) {
        labelList = Files.readAllLines(labels, StandardCharsets.UTF_8).stream().filter(l -> !l.isEmpty()).toList();
        if (labelList.isEmpty()) throw new InvalidInputException(labels + " holds no labels");
      }
      Wav2Vec2Config c = Wav2Vec2Import.run(from, output,
          new Wav2Vec2Import.Options(labelList, heads, layerNormFirst, normalize));
      System.out.printf("wrote %s: wav2vec2 %s, %d layers x %d, %d heads, %s, %d classes%n", output,
          c.extractorMode(), c.layers(), c.embedDim(), c.heads(), c.layerNormFirst() ? "pre-LN" : "post-LN",
          c.classes());
      return 0;
    }
  }
}
