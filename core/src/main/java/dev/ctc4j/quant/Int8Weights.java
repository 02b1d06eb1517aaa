package dev.ctc4j.quant;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The int8 matrices a layer's weights run on, by the weights' local names (what
 * {@link dev.ctc4j.nn.Quantizable} layers hold). Each name has a fixed {@link Layout}; a weight
 * without a matrix runs in float32. Values go in and come out in the parameter's own (PyTorch) order;
 * the matrix holds them in the order the layer's int8 kernel reads. Owns the matrices: close frees them.
 */
public final class Int8Weights implements AutoCloseable {
  /**
   * A weight as a matrix [rows = output channels, cols]: column j of the matrix is column
   * {@code columns[j]} of the parameter read as [rows, cols] (null: the same order).
   */
  public record Layout(long rows, long cols, int[] columns) {
    public static Layout of(long rows, long cols) {
      return new Layout(rows, cols, null);
    }
  }

  private final Map<String, Layout> layouts;
  private final Map<String, Int8Matrix> matrices = new LinkedHashMap<>();

  /** layouts: by weight name, in the layer's parameter order. */
  public Int8Weights(Map<String, Layout> layouts) {
    this.layouts = new LinkedHashMap<>(layouts);
  }

  public static Int8Weights none() {
    return new Int8Weights(Map.of());
  }

  /** The weights that can run in int8. */
  public List<String> names() {
    return List.copyOf(layouts.keySet());
  }

  /** Runs weight {@code name} on these values (in the parameter's order) from now on. */
  public void put(String name, Int8Matrix.Values values) {
    Layout layout = layouts.get(name);
    if (layout == null) throw new InvalidInputException("no int8-capable weight '" + name + "' (there are " + names() + ")");
    Int8Matrix matrix = Int8Matrix.of(reorder(values, layout, true), layout.rows(), layout.cols());
    Int8Matrix old = matrices.put(name, matrix);
    if (old != null) old.close();
  }

  /** The values weight {@code name} runs on, in the parameter's order; null when it runs in float32. */
  public Int8Matrix.Values values(String name) {
    Int8Matrix m = matrices.get(name);
    return m == null ? null : reorder(m.values(), layouts.get(name), false);
  }

  /** The matrix weight {@code name} runs on (the kernel's column order), or null when it runs in float32. */
  public Int8Matrix get(String name) {
    return matrices.get(name);
  }

  /**
   * The matrix for an inference pass over x, or null for float32; int8 weights serve inference only,
   * on the CPU.
   */
  public Int8Matrix forInference(String name, boolean training, Tensor x) {
    Int8Matrix m = matrices.get(name);
    if (m == null) return null;
    if (training) throw new IllegalStateException("int8 weights run inference only: call train(false) (" + name + ")");
    if (!x.device().equals(Device.CPU)) throw new InvalidInputException("int8 layers run on the CPU, got " + x);
    return m;
  }

  /** values from the parameter's column order to the matrix's (toMatrix) or back. */
  private static Int8Matrix.Values reorder(Int8Matrix.Values values, Layout layout, boolean toMatrix) {
    if (layout.columns() == null) return values;
    int rows = (int) layout.rows(), cols = (int) layout.cols();
    if (values.values().length != rows * cols) return values; // Int8Matrix.of names the mismatch
    byte[] in = values.values(), out = new byte[in.length];
    int[] columns = layout.columns();
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        if (toMatrix) out[r * cols + j] = in[r * cols + columns[j]];
        else out[r * cols + columns[j]] = in[r * cols + j];
      }
    }
    return new Int8Matrix.Values(out, values.scales());
  }

  @Override
  public void close() {
    matrices.values().forEach(Int8Matrix::close);
    matrices.clear();
  }
}
