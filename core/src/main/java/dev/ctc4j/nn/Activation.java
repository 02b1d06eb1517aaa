package dev.ctc4j.nn;

import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Tensor;

/** Elementwise ReLU, Hardtanh(lo, hi) (DeepSpeech uses 0, 20) or GELU (exact erf form). */
public final class Activation extends Layer {
  private final int kind;
  private final float lo, hi;

  private Activation(int kind, float lo, float hi) {
    this.kind = kind;
    this.lo = lo;
    this.hi = hi;
  }

  public static Activation relu() {
    return new Activation(NnNative.RELU, 0, 0);
  }

  public static Activation hardtanh(float lo, float hi) {
    return new Activation(NnNative.HARDTANH, lo, hi);
  }

  public static Activation gelu() {
    return new Activation(NnNative.GELU, 0, 0);
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    Ops.requireFloat(x, "Activation");
    Tensor y = Ops.empty(x, x.shape());
    Ops.check(NnNative.ctc4j_nn_activation_forward(Ops.dev(x), kind, lo, hi, Ops.ptr(x), Ops.ptr(y), x.numel()),
        "activation forward");
    tape.record(dy -> backward(x, dy));
    return y;
  }

  private Tensor backward(Tensor x, Tensor dy) {
    Ops.requireSameShape(x, dy, "activation backward");
    Tensor dx = Ops.empty(x, x.shape());
    Ops.check(NnNative.ctc4j_nn_activation_backward(Ops.dev(x), kind, lo, hi, Ops.ptr(x), Ops.ptr(dy), Ops.ptr(dx),
        x.numel()), "activation backward");
    return dx;
  }
}
