package dev.ctc4j.quant;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.nn.Module;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Post-training int8 quantization (no calibration data: activations are quantized at run time).
 * Every weight a {@link dev.ctc4j.nn.Quantizable} layer names (Linear, single-group convolutions,
 * the LSTM/GRU input and recurrent weights; in wav2vec2 the attention projections and feed-forward
 * layers) becomes int8 symmetric per output channel, and its float parameter the dequantized
 * weights. Layers without such weights (normalisation, grouped convolutions, wav2vec2's feature
 * extractor) stay float32.
 */
public final class Int8Quantizer {
  private Int8Quantizer() {}

  /** Quantizes a CPU model in place; returns it. */
  public static <M extends Module> M quantize(M model) {
    for (Int8Site site : Int8Site.of(model)) {
      Int8Matrix.Values q = Int8Matrix.quantizeRows(site.parameter().value()); // rejects non-CPU weights
      site.weights().put(site.local(), q);
      site.parameter().set(q.dequantized());
    }
    return model;
  }

  /** Whether any weight of the model runs in int8. */
  public static boolean isQuantized(Module model) {
    return Int8Site.of(model).stream().anyMatch(s -> s.weights().get(s.local()) != null);
  }

  /**
   * Writes an int8 copy of the model folder {@code source} (any family) to {@code target}, which
   * must not exist or be empty: config.json marked quantized, model.safetensors with int8 weights,
   * and every other file of the folder (features.json, language models, notes) copied as is.
   */
  public static void quantizeDirectory(Path source, Path target) throws IOException {
    if (Quantization.of(source).isPresent()) throw new InvalidInputException(source + " is already quantized");
    if (Files.exists(target) && (!Files.isDirectory(target) || !isEmpty(target))) {
      throw new InvalidInputException(target + " exists and is not an empty folder");
    }
    Files.createDirectories(target);
    if (Wav2Vec2Config.ARCHITECTURE.equals(Checkpoint.architecture(source))) {
      try (Wav2Vec2Model model = quantize(Wav2Vec2Model.load(source, Device.CPU))) {
        Int8Checkpoint.save(target, model, model.config());
      }
    } else {
      try (AcousticModel model = quantize(Checkpoint.load(source, Device.CPU))) {
        Int8Checkpoint.save(target, model, model.config());
      }
    }
    for (Path file : otherFiles(source)) {
      Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  private static List<Path> otherFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile)
          .filter(f -> !List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS).contains(f.getFileName().toString()))
          .sorted()
          .toList();
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
