package dev.ctc4j.quant;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a model folder is quantized: the {@code "quantization"} object of its config.json. Its
 * absence means float32. The one scheme: weights int8 symmetric per output channel (I8 tensors
 * beside F32 {@code <name>_scale} tensors in model.safetensors), activations int8 quantized
 * dynamically per row (per time step / input vector) at run time.
 */
public record Quantization(@JsonProperty("weights") String weights, @JsonProperty("activations") String activations) {
  public static final String KEY = "quantization";
  private static final String INT8_WEIGHTS = "int8_symmetric_per_channel", INT8_ACTIVATIONS = "int8_dynamic_per_row";
  public static final Quantization INT8 = new Quantization(INT8_WEIGHTS, INT8_ACTIVATIONS);
  private static final ObjectMapper JSON = new ObjectMapper();

  public Quantization {
    if (!INT8_WEIGHTS.equals(weights) || !INT8_ACTIVATIONS.equals(activations)) {
      throw new InvalidInputException("unsupported quantization: weights " + weights + ", activations " + activations
          + " (supported: weights " + INT8_WEIGHTS + ", activations " + INT8_ACTIVATIONS + ")");
    }
  }

  /** The quantization config.json in {@code dir} declares, or empty for a float32 model. */
  public static Optional<Quantization> of(Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) return Optional.empty(); // the model loader reports the missing file
    JsonNode node;
    try {
      node = JSON.readTree(file.toFile()).path(KEY);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return Optional.empty(); // the model loader reports the bad file
    }
    if (node.isMissingNode() || node.isNull()) return Optional.empty();
    try {
      return Optional.of(JSON.treeToValue(node, Quantization.class));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": bad \"" + KEY + "\": " + e.getOriginalMessage());
    }
  }

  /** config with this quantization added (a copy). */
  public ObjectNode markIn(ObjectNode config) {
    ObjectNode out = config.deepCopy();
    out.set(KEY, JSON.valueToTree(this));
    return out;
  }
}
