package dev.ctc4j.testing;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch (through the JavaCPP presets) as the independent reference in tests, at one thread (set
 * when this class loads). Create tensors with these helpers inside {@code try (PointerScope s = new PointerScope())}.
 */
public final class Torch {
  static {
    torch.set_num_threads(1);
  }

  private Torch() {}

  /** An optional tensor argument, absent when {@code t} is null (a layer without bias). */
  public static TensorOptional opt(Tensor t) {
    return TorchTensors.opt(t);
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

  // The factories are TorchTensors' (which the benchmarks share); here they come with the one thread.

  public static Tensor doubles(double[] values, long... shape) {
    return TorchTensors.doubles(values, shape);
  }

  public static Tensor floats(float[] values, long... shape) {
    return TorchTensors.floats(values, shape);
  }

  public static Tensor longs(long[] values, long... shape) {
    return TorchTensors.longs(values, shape);
  }

  public static double[] toDoubles(Tensor t) {
    return TorchTensors.toDoubles(t);
  }

  public static float[] toFloats(Tensor t) {
    return TorchTensors.toFloats(t);
  }
}
