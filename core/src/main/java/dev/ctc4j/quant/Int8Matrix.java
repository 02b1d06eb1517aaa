package dev.ctc4j.quant;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.bridge.QuantNative.Int8MatrixHandle;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A weight matrix [rows, cols] in int8, one row per output channel: symmetric per row (scale =
 * max|row| / 127, values in [-127, 127]), held natively in the kernels' packed layout. Immutable
 * and shareable across threads once built; {@link #close()} frees it.
 */
public final class Int8Matrix implements AutoCloseable {
  /** Row-major int8 values and per-row scales: what a checkpoint stores. */
  public record Values(byte[] values, float[] scales) {
    /** values[i] * scale of its row, row-major. */
    public float[] dequantized() {
      if (scales.length == 0) return new float[0];
      int cols = values.length / scales.length;
      float[] out = new float[values.length];
      for (int i = 0; i < out.length; i++) out[i] = values[i] * scales[i / cols];
      return out;
    }
  }

  private final Int8MatrixHandle handle;
  private final long rows, cols;
  private boolean closed;

  private Int8Matrix(Int8MatrixHandle handle, long rows, long cols) {
    this.handle = handle;
    this.rows = rows;
    this.cols = cols;
  }

  /** The int8 values and scales of float weights [rows, ...] (CPU), each row (the first axis) by its own scale. */
  public static Values quantizeRows(Tensor weights) {
    if (weights.dtype() != DType.F32 || !weights.device().equals(Device.CPU) || weights.rank() < 2) {
      throw new InvalidInputException("int8 quantization takes float32 CPU weights of rank 2 or more, got " + weights);
    }
    long rows = weights.dim(0), cols = weights.numel() / rows;
    try (BytePointer q = new BytePointer(weights.numel()); FloatPointer scales = new FloatPointer(rows)) {
      NativeStatus.check(QuantNative.ctc4j_int8_quantize_rows(QuantNative.INT8_BEST, new FloatPointer(weights.data()),
          rows, cols, q, scales), "quantize weights " + weights);
      byte[] values = new byte[Math.toIntExact(weights.numel())];
      float[] s = new float[(int) rows];
      q.get(values);
      scales.get(s);
      return new Values(values, s);
    }
  }

  /** A matrix from stored values (row-major [rows, cols], in [-127, 127]) and per-row scales. */
  public static Int8Matrix of(Values stored, long rows, long cols) {
    if (rows <= 0 || cols <= 0 || stored.values().length != rows * cols || stored.scales().length != rows) {
      throw new InvalidInputException("an int8 matrix of " + rows + " x " + cols + " needs as many values and "
          + rows + " scales, got " + stored.values().length + " values and " + stored.scales().length + " scales");
    }
    for (float s : stored.scales()) {
      if (!(s >= 0 && Float.isFinite(s))) {
        throw new InvalidInputException("int8 scales must be finite and non-negative, got " + s);
      }
    }
    try (BytePointer q = new BytePointer(stored.values()); FloatPointer scales = new FloatPointer(stored.scales())) {
      return create(q, scales, rows, cols);
    }
  }

  private static Int8Matrix create(BytePointer q, FloatPointer scales, long rows, long cols) {
    Int8MatrixHandle handle = new Int8MatrixHandle();
    NativeStatus.check(QuantNative.ctc4j_int8_matrix_create(q, scales, rows, cols, handle), "int8 matrix");
    return new Int8Matrix(handle, rows, cols);
  }

  public long rows() {
    return rows;
  }

  public long cols() {
    return cols;
  }

  /** The stored form: values and scales copied out. */
  public Values values() {
    int n = Math.toIntExact(rows * cols);
    try (BytePointer q = new BytePointer(n); FloatPointer s = new FloatPointer(rows)) {
      NativeStatus.check(QuantNative.ctc4j_int8_matrix_values(handle(), q, s), "int8 matrix values");
      byte[] values = new byte[n];
      float[] scales = new float[(int) rows];
      q.get(values);
      s.get(scales);
      return new Values(values, scales);
    }
  }

  /** The native handle for the int8 kernels; fails once closed. */
  public Int8MatrixHandle handle() {
    if (closed) throw new IllegalStateException("int8 matrix " + rows + " x " + cols + " is closed");
    return handle;
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    QuantNative.ctc4j_int8_matrix_destroy(handle);
  }

  @Override
  public String toString() {
    return "Int8Matrix" + Arrays.toString(new long[] {rows, cols});
  }
}
