package dev.ctc4j.tensor;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.JavaCppSettings;
import dev.ctc4j.bridge.NativeStatus;
import java.util.Arrays;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A dense row-major array in native memory on one device. Its memory is freed by {@link #close()},
 * never by the garbage collector; use try-with-resources. Not thread-safe: one owner at a time.
 */
public final class Tensor implements AutoCloseable {
  static {
    JavaCppSettings.apply(); // a tensor's allocation is most programs' first JavaCPP pointer
  }

  private final Device device;
  private final DType dtype;
  private final long[] shape;
  private final long numel;
  private Pointer data;
  private volatile long version; // see version()

  private Tensor(Device device, DType dtype, long[] shape) {
    this.device = device.requireAvailable();
    this.dtype = dtype;
    this.shape = shape.clone();
    this.numel = checkedNumel(shape);
    try (PointerPointer<?> out = new PointerPointer<>(1)) {
      NativeStatus.check(CoreNative.ctc4j_alloc(device.nativeId(), numel * dtype.bytes(), out), "allocate " + this);
      this.data = out.get(0);
    }
  }

  private Tensor(Tensor from, long[] shape) {
    this.device = from.device;
    this.dtype = from.dtype;
    this.shape = shape.clone();
    this.numel = checkedNumel(shape);
    this.data = from.data;
  }

  /** Uninitialised memory. */
  public static Tensor empty(Device device, DType dtype, long... shape) {
    return new Tensor(device, dtype, shape);
  }

  public static Tensor zeros(Device device, DType dtype, long... shape) {
    Tensor t = new Tensor(device, dtype, shape);
    NativeStatus.check(CoreNative.ctc4j_zero(device.nativeId(), t.data, t.byteSize()), "zero " + t);
    return t;
  }

  /** A float tensor holding a copy of {@code values} (row-major), on {@code device}. */
  public static Tensor of(Device device, float[] values, long... shape) {
    return fromHost(device, DType.F32, shape, values.length, () -> new FloatPointer(values));
  }

  public static Tensor of(Device device, int[] values, long... shape) {
    return fromHost(device, DType.I32, shape, values.length, () -> new IntPointer(values));
  }

  public static Tensor of(Device device, long[] values, long... shape) {
    return fromHost(device, DType.I64, shape, values.length, () -> new LongPointer(values));
  }

  private static Tensor fromHost(Device device, DType dtype, long[] shape, int length, Supplier<Pointer> values) {
    Tensor t = new Tensor(device, dtype, shape);
    try (Pointer host = values.get()) {
      t.requireLength(length);
      t.copyFromHost(host);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  public Device device() {
    return device;
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long dim(int axis) {
    return shape[axis];
  }

  public int rank() {
    return shape.length;
  }

  public long numel() {
    return numel;
  }

  public long byteSize() {
    return numel * dtype.bytes();
  }

  /** The native address, for bridge calls; valid until {@link #close()}. */
  public Pointer data() {
    if (data == null) throw new IllegalStateException("tensor " + describe() + " is closed");
    return data;
  }

  /**
   * A count of the writes to this tensor's values: {@link #write} and every {@link #markWritten()}.
   * What is derived from the values and kept (packed weights for inference) is made again when it
   * moves on, as PyTorch's tensor version counter.
   */
  public long version() {
    return version;
  }

  /**
   * Records a write made through {@link #data()} (an optimiser step, a parameter copy), so that what
   * was derived from the old values is made again. Code that writes a parameter's values natively
   * must call it.
   */
  public void markWritten() {
    version++;
  }

  /**
   * This tensor's memory, uncopied, as a new tensor of {@code shape} (as many elements), which owns
   * it from now on: this one is left closed. For a step that consumes its input anyway; never for a
   * tensor someone else still reads (a parameter's value, one kept on a tape).
   */
  public Tensor takeReshaped(long... shape) {
    data();
    if (checkedNumel(shape) != numel) {
      throw new InvalidInputException("cannot reshape " + this + " to " + Arrays.toString(shape));
    }
    Tensor t = new Tensor(this, shape);
    data = null;
    return t;
  }

  /** A copy on {@code target} (a new tensor, also when the device is the same). */
  public Tensor to(Device target) {
    Tensor t = new Tensor(target, dtype, shape);
    NativeStatus.check(
        CoreNative.ctc4j_copy(t.data, target.nativeId(), data(), device.nativeId(), byteSize()), "copy " + this);
    return t;
  }

  /** Overwrites this float tensor's values with {@code values} (row-major, same element count). */
  public void write(float[] values) {
    requireType(DType.F32);
    requireLength(values.length);
    try (FloatPointer host = new FloatPointer(values)) {
      copyFromHost(host);
    }
    markWritten();
  }

  public float[] toFloatArray() {
    requireType(DType.F32);
    float[] out = new float[Math.toIntExact(numel)];
    try (FloatPointer host = new FloatPointer(numel)) {
      copyToHost(host);
      host.get(out);
    }
    return out;
  }

  public int[] toIntArray() {
    requireType(DType.I32);
    int[] out = new int[Math.toIntExact(numel)];
    try (IntPointer host = new IntPointer(numel)) {
      copyToHost(host);
      host.get(out);
    }
    return out;
  }

  public long[] toLongArray() {
    requireType(DType.I64);
    long[] out = new long[Math.toIntExact(numel)];
    try (LongPointer host = new LongPointer(numel)) {
      copyToHost(host);
      host.get(out);
    }
    return out;
  }

  @Override
  public void close() {
    if (data != null) {
      Pointer p = data;
      data = null;
      NativeStatus.check(CoreNative.ctc4j_free(device.nativeId(), p), "free " + describe());
    }
  }

  @Override
  public String toString() {
    return describe() + (data == null ? " (closed)" : "");
  }

  private String describe() {
    return "Tensor" + Arrays.toString(shape) + " " + dtype + " on " + device;
  }

  private void copyFromHost(Pointer host) {
    NativeStatus.check(
        CoreNative.ctc4j_copy(data(), device.nativeId(), host, CoreNative.CPU, byteSize()), "copy into " + this);
  }

  private void copyToHost(Pointer host) {
    NativeStatus.check(
        CoreNative.ctc4j_copy(host, CoreNative.CPU, data(), device.nativeId(), byteSize()), "copy from " + this);
  }

  private void requireType(DType expected) {
    if (dtype != expected) throw new InvalidInputException(this + " is " + dtype + ", not " + expected);
  }

  private void requireLength(int length) {
    if (length != numel) {
      throw new InvalidInputException(length + " values do not fill shape " + Arrays.toString(shape));
    }
  }

  private static long checkedNumel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) throw new InvalidInputException("negative dimension in shape " + Arrays.toString(shape));
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
