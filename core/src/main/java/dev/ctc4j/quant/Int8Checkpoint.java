package dev.ctc4j.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.nn.Module;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An int8 model folder: config.json with the {@link Quantization} marker, and model.safetensors
 * where each int8 weight is an I8 tensor of its float parameter's shape beside an F32
 * {@code <name>_scale} tensor [output channels]; everything else is F32 as in a float32 checkpoint.
 */
public final class Int8Checkpoint {
  public static final String SCALE_SUFFIX = "_scale";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Int8Checkpoint() {}

  /** Writes a quantized model and its configuration (a Jackson-serialisable record), each file atomically. */
  public static void save(Path dir, Module model, Object config) throws IOException {
    Map<String, SafeTensors.Entry> floats = new LinkedHashMap<>();
    Map<String, SafeTensors.Int8Entry> int8 = new LinkedHashMap<>();
    Map<String, Int8Matrix.Values> quantized = new LinkedHashMap<>();
    for (Int8Site site : Int8Site.of(model)) {
      Int8Matrix.Values v = site.weights().values(site.local());
      if (v != null) quantized.put(site.name(), v);
    }
    if (quantized.isEmpty()) throw new InvalidInputException("the model has no int8 weights: quantize it first");
    model.stateDict().forEach((name, p) -> {
      Int8Matrix.Values v = quantized.get(name);
      if (v == null) {
        floats.put(name, new SafeTensors.Entry(p.shape(), p.value().toFloatArray()));
        return;
      }
      int8.put(name, new SafeTensors.Int8Entry(p.shape(), v.values()));
      floats.put(name + SCALE_SUFFIX, new SafeTensors.Entry(new long[] {v.scales().length}, v.scales()));
    });
    Files.createDirectories(dir);
    SafeTensors.write(dir.resolve(Checkpoint.WEIGHTS), floats, int8, Map.of("format", "pt", "ctc4j", "int8"));
    ObjectNode json = Quantization.INT8.markIn(JSON.valueToTree(config));
    AtomicFiles.write(dir.resolve(Checkpoint.CONFIG), JSON.writeValueAsBytes(json));
  }

  /**
   * The weights an int8 model.safetensors holds, from its header: its F32 and I8 values less the
   * scales of the I8 tensors, what the model's state dict counts (Checkpoint.requireWeightsOfSize).
   */
  public static long weightCount(Path weights) throws IOException {
    List<SafeTensors.Description> tensors = SafeTensors.describeWithInt8(weights, Checkpoint::skipped);
    Set<String> scales = new HashSet<>();
    for (SafeTensors.Description t : tensors) if (t.dtype().equals("I8")) scales.add(t.name() + SCALE_SUFFIX);
    long count = 0;
    for (SafeTensors.Description t : tensors) {
      if (!scales.contains(t.name())) count = Math.addExact(count, Arrays.stream(t.shape()).reduce(1, Math::multiplyExact));
    }
    return count;
  }

  /**
   * Loads an int8 folder's weights into a CPU model built from its config: every name and shape
   * checked as for float32 ({@link Checkpoint#loadState}); I8 weights become the layers' int8
   * matrices, their float parameters the dequantized weights.
   */
  public static void loadWeights(Module model, Path dir) throws IOException {
    Path file = dir.resolve(Checkpoint.WEIGHTS);
    Device device = model.stateDict().values().stream().findFirst().map(p -> p.value().device()).orElse(Device.CPU);
    if (!device.equals(Device.CPU)) throw new InvalidInputException(dir + " is an int8 model: it runs on the CPU, not " + device);
    SafeTensors.Contents stored = SafeTensors.readWithInt8(file, Checkpoint::skipped);
    Map<String, SafeTensors.Entry> floats = new LinkedHashMap<>(stored.floats());
    Map<String, Int8Matrix.Values> int8 = new LinkedHashMap<>();
    stored.int8().forEach((name, e) -> {
      SafeTensors.Entry scales = floats.remove(name + SCALE_SUFFIX);
      if (scales == null || e.shape().length < 2 || !Arrays.equals(scales.shape(), new long[] {e.shape()[0]})) {
        throw new InvalidInputException(file + ": int8 tensor '" + name + "' " + Arrays.toString(e.shape())
            + " needs an F32 '" + name + SCALE_SUFFIX + "' of one scale per output channel");
      }
      Int8Matrix.Values v = new Int8Matrix.Values(e.values(), scales.values());
      int8.put(name, v);
      floats.put(name, new SafeTensors.Entry(e.shape(), v.dequantized()));
    });
    List<Int8Site> sites = Int8Site.of(model).stream().filter(s -> int8.containsKey(s.name())).toList();
    if (sites.size() != int8.size()) {
      List<String> known = sites.stream().map(Int8Site::name).toList();
      throw new InvalidInputException(file + ": int8 tensors the model cannot run in int8: "
          + int8.keySet().stream().filter(n -> !known.contains(n)).toList());
    }
    Checkpoint.loadState(model, floats, file.toString());
    for (Int8Site site : sites) { // loadState has checked each I8 tensor's shape against its parameter's
      site.weights().put(site.local(), int8.get(site.name()));
    }
  }
}
