package dev.ctc4j.nn;

import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Tensor;

/** Log-softmax over the last axis. Backward uses the output, a copy of which the tape keeps. */
public final class LogSoftmax extends Layer {
  @Override
  public Tensor forward(Tensor x, Tape tape) {
    Ops.requireFloat(x, "LogSoftmax");
    long cols = x.rank() == 0 ? 1 : x.dim(x.rank() - 1);
    Tensor y = Ops.empty(x, x.shape());
    Ops.check(NnNative.ctc4j_nn_log_softmax_forward(Ops.dev(x), Ops.ptr(x), cols == 0 ? 0 : x.numel() / cols, cols,
        Ops.ptr(y)), "log-softmax forward");
    if (tape.recording()) {
      Tensor output = Ops.reshape(y, y.shape()); // a copy: the caller owns y
      tape.record(dy -> backward(output, dy), output);
    }
    return y;
  }

  private static Tensor backward(Tensor y, Tensor dy) {
    Ops.requireSameShape(y, dy, "log-softmax backward");
    long cols = y.dim(y.rank() - 1);
    Tensor dx = Ops.empty(y, y.shape());
    Ops.check(NnNative.ctc4j_nn_log_softmax_backward(Ops.dev(y), Ops.ptr(y), Ops.ptr(dy), y.numel() / cols, cols,
        Ops.ptr(dx)), "log-softmax backward");
    return dx;
  }
}
