package dev.ctc4j.testing;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch (through the JavaCPP presets) as the independent reference in tests. Create tensors
 * with these helpers inside {@code try (PointerScope s = new PointerScope())}.
 */
public final class Torch {
  static {
    torch.set_num_threads(1);
  }

  private Torch() {}

  /** An optional tensor argument, absent when {@code t} is null (a layer without bias). */
  public static TensorOptional opt(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(t);
  }

  /** The named tensor of a state dict; fails naming the ones there are. */
  public static Tensor required(Map<String, Tensor> stateDict, String name) {
    Tensor t = stateDict.get(name);
    if (t == null) throw new IllegalArgumentException("no parameter " + name + " in " + stateDict.keySet());
    return t;
  }

  /** torch.nn.Linear from {@code name.weight} and, when present, {@code name.bias}. */
  public static Tensor linear(Tensor x, Map<String, Tensor> stateDict, String name) {
    return torch.linear(x, required(stateDict, name + ".weight"), opt(stateDict.get(name + ".bias")));
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
