package dev.ctc4j.testing;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch tensors from Java arrays and back, for the test references and the benchmark peers alike.
 * Unlike {@link Torch} it leaves libtorch's thread count alone, so a benchmark can set it. Call inside
 * a PointerScope.
 */
public final class TorchTensors {
  private TorchTensors() {}

  /** An optional tensor argument, absent when {@code t} is null (a layer without bias). */
  public static TensorOptional opt(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(t);
  }

  public static Tensor doubles(double[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Double), new MemoryFormatOptional());
    new DoublePointer(t.data_ptr_double()).put(values);
    return t;
  }

  public static Tensor floats(float[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
    new FloatPointer(t.data_ptr_float()).put(values);
    return t;
  }

  public static Tensor longs(long[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
    new LongPointer(t.data_ptr_long()).put(values);
    return t;
  }

  public static double[] toDoubles(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Double).contiguous();
    double[] out = new double[(int) c.numel()];
    c.data_ptr_double().get(out);
    return out;
  }

  public static float[] toFloats(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Float).contiguous();
    float[] out = new float[(int) c.numel()];
    c.data_ptr_float().get(out);
    return out;
  }
}
