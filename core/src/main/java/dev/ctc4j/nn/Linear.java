package dev.ctc4j.nn;

import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.quant.Int8Matrix;
import dev.ctc4j.quant.Int8Weights;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * y = x w^T + b over the last axis of x[..., in]; parameters {@code weight} [out, in], {@code bias} [out].
 * Quantized ({@link Quantizable}), inference runs on int8 weights with each row of x quantized.
 */
public final class Linear extends Layer implements Quantizable {
  private final int in, out;
  private final Parameter weight, bias;
  private final Int8Weights int8;

  public Linear(Device device, int in, int out, boolean bias, SplittableRandom rng) {
    this.in = in;
    this.out = out;
    double bound = 1 / Math.sqrt(in);
    this.weight = parameter("weight", device, Init.uniform(rng, in * out, bound), out, in);
    this.bias = bias ? parameter("bias", device, Init.uniform(rng, out, bound), out) : null;
    this.int8 = new Int8Weights(Map.of("weight", Int8Weights.Layout.of(out, in)));
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  public Int8Weights int8Weights() {
    return int8;
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    long[] shape = x.shape();
    Ops.requireFloat(x, "Linear");
    if (shape.length == 0 || shape[shape.length - 1] != in) {
      Ops.requireShape(x, "Linear", -1, in);
    }
    shape[shape.length - 1] = out;
    Int8Matrix w8 = int8.forInference("weight", isTraining() || tape.recording(), x);
    Tensor y = Ops.empty(x, shape);
    if (w8 != null) {
      Ops.check(QuantNative.ctc4j_int8_linear_forward(w8.handle(), bias == null ? null : Ops.ptr(bias.value()),
          Ops.ptr(x), x.numel() / in, in, Ops.ptr(y)), "int8 Linear forward");
      return y;
    }
    try (PackedWeights.Lease packed = runsOnPackedWeights(x) ? packedWeights().acquire(weight.value()) : null;
        NnNative.Linear layer = NnNative.ctc4j_nn_default_linear().rows(x.numel() / in).in(in).out(out)
            .w(Ops.ptr(weight.value())).bias(bias == null ? null : Ops.ptr(bias.value()))
            .w_packed(packed == null ? null : packed.handle())) {
      Ops.check(NnNative.ctc4j_nn_linear_forward(Ops.dev(x), layer, Ops.ptr(x), Ops.ptr(y)), "Linear forward");
    }
    tape.record(dy -> backward(x, dy));
    return y;
  }

  private Tensor backward(Tensor x, Tensor dy) {
    Tensor dx = Ops.empty(x, x.shape());
    try (NnNative.Linear layer = NnNative.ctc4j_nn_default_linear().rows(x.numel() / in).in(in).out(out)
        .w(Ops.ptr(weight.value())).dw(Ops.ptr(weight.grad())).dbias(bias == null ? null : Ops.ptr(bias.grad()))) {
      Ops.check(NnNative.ctc4j_nn_linear_backward(Ops.dev(x), layer, Ops.ptr(x), Ops.ptr(dy), Ops.ptr(dx)),
          "Linear backward");
    }
    return dx;
  }

  @Override
  public void close() {
    super.close();
    int8.close();
  }
}
