package dev.ctc4j.train;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Trainable;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.OptimNative;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A first-order optimiser over a fixed list of parameters, updated in place by fused native
 * kernels with torch.optim's semantics. Its state (per-parameter buffers and the step count) can
 * be exported and restored for exact resumption. One thread at a time; close it to free the state.
 */
public abstract class Optimizer implements AutoCloseable {
  protected final List<? extends Trainable> params;
  private final List<Map<String, Tensor>> state = new ArrayList<>();
  private long steps;

  protected Optimizer(List<? extends Trainable> params, List<String> bufferNames) {
    this.params = List.copyOf(params);
    for (Trainable p : this.params) {
      if (p.value().dtype() != DType.F32) throw new InvalidInputException("optimisers update float32 parameters");
      Map<String, Tensor> buffers = new LinkedHashMap<>();
      for (String name : bufferNames) buffers.put(name, Tensor.zeros(p.value().device(), DType.F32, p.value().shape()));
      state.add(buffers);
    }
  }

  /** Applies one update with learning rate {@code lr} using the parameters' current gradients. */
  public final void step(double lr) {
    steps++;
    for (int i = 0; i < params.size(); i++) {
      update(params.get(i), state.get(i), (float) lr, steps);
      params.get(i).value().markWritten();
    }
  }

  protected abstract void update(Trainable p, Map<String, Tensor> buffers, float lr, long step);

  public long steps() {
    return steps;
  }

  /** The state as named tensors ("{index}.{buffer}"), for checkpoints; owned by the optimiser. */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < state.size(); i++) {
      for (Map.Entry<String, Tensor> e : state.get(i).entrySet()) out.put(i + "." + e.getKey(), e.getValue());
    }
    return out;
  }

  /** Restores state exported by {@link #state()} (values in the same layout) and the step count. */
  public void load(Map<String, float[]> values, long steps) {
    Map<String, Tensor> mine = state();
    if (!mine.keySet().equals(values.keySet())) {
      throw new InvalidInputException("optimiser state names differ: expected " + mine.keySet() + ", got " + values.keySet());
    }
    for (Map.Entry<String, Tensor> e : mine.entrySet()) {
      float[] v = values.get(e.getKey());
      if (v.length != e.getValue().numel()) {
        throw new InvalidInputException("optimiser state " + e.getKey() + " has " + v.length + " values, expected " + e.getValue().numel());
      }
    }
    for (Map.Entry<String, Tensor> e : mine.entrySet()) {
      Tensor t = e.getValue();
      try (Tensor src = Tensor.of(t.device(), values.get(e.getKey()), t.shape())) {
        NativeStatus.check(dev.ctc4j.bridge.CoreNative.ctc4j_copy(t.data(), t.device().nativeId(), src.data(),
            src.device().nativeId(), t.byteSize()), "restore optimiser state");
      }
    }
    this.steps = steps;
  }

  /**
   * Scales all gradients so their global L2 norm is at most {@code maxNorm} (as
   * torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
   */
  public static double clipGradNorm(List<? extends Trainable> params, double maxNorm) {
    double sumSquares = 0;
    try (DoublePointer out = new DoublePointer(1)) {
      for (Trainable p : params) {
        Tensor g = p.grad();
        NativeStatus.check(OptimNative.ctc4j_optim_sum_squares(g.device().nativeId(), f(g), g.numel(), out), "gradient norm");
        sumSquares += out.get();
      }
    }
    double norm = Math.sqrt(sumSquares);
    double factor = maxNorm / (norm + 1e-6);
    if (factor < 1) {
      for (Trainable p : params) {
        Tensor g = p.grad();
        NativeStatus.check(OptimNative.ctc4j_optim_scale(g.device().nativeId(), f(g), g.numel(), (float) factor), "clip gradients");
      }
    }
    return norm;
  }

  protected static FloatPointer f(Tensor t) {
    return new FloatPointer(t.data());
  }

  @Override
  public void close() {
    for (Map<String, Tensor> buffers : state) buffers.values().forEach(Tensor::close);
    state.clear();
  }
}
