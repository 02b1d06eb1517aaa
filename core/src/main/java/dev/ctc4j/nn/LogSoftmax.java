package dev.ctc4j.nn;

import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Tensor;

/** Log-softmax over the last axis. Backward uses the output, which this layer keeps a copy of. */
public final class LogSoftmax extends Layer {
  private Tensor output;

  @Override
  public Tensor forward(Tensor x) {
    Ops.requireFloat(x, "LogSoftmax");
    long cols = x.rank() == 0 ? 1 : x.dim(x.rank() - 1);
    Tensor y = Ops.empty(x, x.shape());
    Ops.check(NnNative.ctc4j_nn_log_softmax_forward(Ops.dev(x), Ops.ptr(x), cols == 0 ? 0 : x.numel() / cols, cols,
        Ops.ptr(y)), "log-softmax forward");
    clearCache();
    if (isTraining()) output = Ops.reshape(y, y.shape());
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    Tensor y = cached(output, "output");
    Ops.requireSameShape(y, dy, "log-softmax backward");
    long cols = y.dim(y.rank() - 1);
    Tensor dx = Ops.empty(y, y.shape());
    Ops.check(NnNative.ctc4j_nn_log_softmax_backward(Ops.dev(y), Ops.ptr(y), Ops.ptr(dy), y.numel() / cols, cols,
        Ops.ptr(dx)), "log-softmax backward");
    return dx;
  }

  @Override
  protected void clearCache() {
    super.clearCache();
    if (output != null) output.close();
    output = null;
  }
}
