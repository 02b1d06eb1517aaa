package dev.ctc4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.quant.Int8Checkpoint;
import dev.ctc4j.quant.Int8Quantizer;
import dev.ctc4j.quant.Quantization;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * A model folder: config.json and model.safetensors (parameters and batch-norm running statistics
 * under PyTorch state_dict names). Both files are written atomically; loading checks every
 * tensor's presence, dtype, shape and byte range.
 *
 * <p>PyTorch import: our module names are the original implementations' state_dict names
 * (deepspeech.pytorch's DeepSpeech, AssemblyAI's SpeechRecognitionModel), so a state dict saved
 * with {@code safetensors.torch.save_file(model.state_dict(), path)} loads name for name; the
 * integer {@code *.num_batches_tracked} counters are skipped.
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json", WEIGHTS = "model.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Checkpoint() {}

  public static void save(Path dir, AcousticModel model) throws IOException {
    save(dir, model, model.config());
  }

  /**
   * Writes any module's state dict and its configuration (a Jackson-serialisable record) as a checkpoint
   * folder; a model with int8 weights as an int8 folder ({@link Int8Checkpoint}).
   */
  public static void save(Path dir, Module model, Object config) throws IOException {
    if (Int8Quantizer.isQuantized(model)) {
      Int8Checkpoint.save(dir, model, config);
      return;
    }
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    model.stateDict().forEach((name, p) -> tensors.put(name, new SafeTensors.Entry(p.shape(), p.value().toFloatArray())));
    Files.createDirectories(dir);
    SafeTensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
    AtomicFiles.write(dir.resolve(CONFIG), JSON.writeValueAsBytes(config));
  }

  public static AcousticModel load(Path dir, Device device) throws IOException {
    return load(dir, device, 0);
  }

  /** The {@code architecture} a model folder's config.json names (the model family); typed errors for a bad folder. */
  public static String architecture(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    if (!Files.isRegularFile(file)) throw new InvalidInputException(dir + " is not a model directory: " + CONFIG + " is missing");
    try {
      com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(file.toFile());
      if (root == null || !root.isObject() || !root.path("architecture").isTextual()) {
        throw new InvalidInputException(file + ": no \"architecture\" string");
      }
      return root.get("architecture").asText();
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": " + e.getOriginalMessage());
    } catch (java.io.CharConversionException e) { // Jackson's encoding detection: bytes that are no Unicode text
      throw new InvalidInputException(file + ": not JSON text: " + e.getMessage());
    }
  }

  /**
   * Loads a checkpoint into a model built with {@code seed}: the weights come from the file, but
   * layers that draw random numbers (dropout) take their streams from the seed, so training resumed
   * from a checkpoint must pass the seed the run started with to replay the same masks.
   */
  public static AcousticModel load(Path dir, Device device, long seed) throws IOException {
    ModelConfig config = readConfig(dir);
    requireWeightsOfSize(dir, () -> AcousticModel.stateSize(config));
    AcousticModel model = AcousticModel.create(config, device, seed);
    try {
      loadModelWeights(model, dir);
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** A model folder's config.json, validated; typed errors for a bad file. */
  public static ModelConfig readConfig(Path dir) throws IOException {
    try {
      ModelConfig config = JSON.readValue(dir.resolve(CONFIG).toFile(), ModelConfig.class);
      if (config == null) throw new InvalidInputException(dir.resolve(CONFIG) + ": not a JSON object");
      return config;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(dir.resolve(CONFIG) + ": " + e.getOriginalMessage());
    } catch (java.io.CharConversionException e) { // Jackson's encoding detection: bytes that are no Unicode text
      throw new InvalidInputException(dir.resolve(CONFIG) + ": not JSON text: " + e.getMessage());
    }
  }

  /**
   * Refuses a model folder whose config.json describes a model of another size than its
   * model.safetensors holds, from the file's header and the config alone: the model is built
   * before its weights are read, so a config of a few hundred bytes claiming hidden 10^6 would
   * otherwise allocate gigabytes. {@code stateSize} counts the floats the config's model holds
   * (throwing {@link ArithmeticException} past a long).
   */
  public static void requireWeightsOfSize(Path dir, LongSupplier stateSize) throws IOException {
    Path weights = dir.resolve(WEIGHTS);
    long held = Quantization.of(dir).isPresent()
        ? Int8Checkpoint.weightCount(weights)
        : SafeTensors.floatCount(weights, Checkpoint::skipped);
    String described;
    try {
      long size = stateSize.getAsLong();
      if (size == held) return;
      described = String.format("%,d", size);
    } catch (ArithmeticException overflow) {
      described = "more than 2^63";
    }
    throw new InvalidInputException(dir.resolve(CONFIG) + " describes a model of " + described + " weights, but "
        + weights + " holds " + String.format("%,d", held) + ": the two files do not belong together");
  }

  /**
   * Loads a model folder's model.safetensors into the model: float32, or int8 where its config.json
   * says so ({@link Quantization}; the layers then run on int8 weights).
   */
  public static void loadModelWeights(Module model, Path dir) throws IOException {
    if (Quantization.of(dir).isPresent()) Int8Checkpoint.loadWeights(model, dir);
    else loadWeights(model, dir.resolve(WEIGHTS));
  }

  /** Loads a state dict (ours or an imported PyTorch one) into the model: every name, exact shapes. */
  public static void loadWeights(Module model, Path weights) throws IOException {
    loadState(model, SafeTensors.read(weights, Checkpoint::skipped), weights.toString());
  }

  /** PyTorch's integer batch-norm step counters, which no model of ours keeps. */
  public static boolean skipped(String tensor) {
    return tensor.endsWith("num_batches_tracked");
  }

  /** Copies tensors into the model's state dict: every name, exact shapes; {@code source} names them in errors. */
  public static void loadState(Module model, Map<String, SafeTensors.Entry> tensors, String source) {
    Map<String, Parameter> state = model.stateDict();
    Set<String> missing = new TreeSet<>(state.keySet());
    missing.removeAll(tensors.keySet());
    Set<String> unexpected = new TreeSet<>(tensors.keySet());
    unexpected.removeAll(state.keySet());
    if (!missing.isEmpty() || !unexpected.isEmpty()) {
      throw new InvalidInputException(source + ": missing tensors " + missing + ", unexpected tensors " + unexpected);
    }
    state.forEach((name, p) -> {
      SafeTensors.Entry e = tensors.get(name);
      if (!Arrays.equals(e.shape(), p.shape())) {
        throw new InvalidInputException(source + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape())
            + ", the model needs " + Arrays.toString(p.shape()));
      }
    });
    state.forEach((name, p) -> p.set(tensors.get(name).values()));
  }
}
