package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;

/**
 * Layer normalisation over one axis of size {@code features}: {@link #lastAxis} is torch.nn.LayerNorm;
 * {@link #featureAxis} is AssemblyAI's CNNLayerNorm over [N, C, F, T] (normalises F without the two
 * transposes). Parameters weight, bias; eps 1e-5.
 */
public final class LayerNorm extends Layer {
  private final int features, axis; // axis < 0 counts from the end
  private final float eps = 1e-5f;
  private final Parameter gamma, beta;

  private LayerNorm(Device device, int features, int axis) {
    this.features = features;
    this.axis = axis;
    gamma = parameter("weight", device, Init.fill(features, 1), features);
    beta = parameter("bias", device, Init.fill(features, 0), features);
  }

  public static LayerNorm lastAxis(Device device, int features) {
    return new LayerNorm(device, features, -1);
  }

  /** Normalises axis 2 of [N, C, F, T]. */
  public static LayerNorm featureAxis(Device device, int features) {
    return new LayerNorm(device, features, 2);
  }

  private long[] layout(Tensor x) {
    Ops.requireFloat(x, "LayerNorm");
    long[] s = x.shape();
    int a = axis < 0 ? s.length + axis : axis;
    if (a < 0 || a >= s.length || s[a] != features) {
      throw new InvalidInputException("LayerNorm over " + features + " features (axis " + axis + ") got " + x);
    }
    return new long[] {Ops.product(s, 0, a), features, Ops.product(s, a + 1, s.length)};
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    long[] l = layout(x);
    Tensor y = Ops.empty(x, x.shape());
    boolean saved = tape.recording(); // backward reads each row's statistics
    Tensor saveMean = saved ? Ops.empty(x, l[0] * l[2]) : null, saveInvstd = saved ? Ops.empty(x, l[0] * l[2]) : null;
    try (NnNative.LayerNorm norm = NnNative.ctc4j_nn_default_layer_norm().outer(l[0]).features(l[1]).inner(l[2])
        .gamma(Ops.ptr(gamma.value())).beta(Ops.ptr(beta.value())).eps(eps)
        .save_mean(Ops.ptr(saveMean)).save_invstd(Ops.ptr(saveInvstd))) {
      Ops.check(NnNative.ctc4j_nn_layer_norm_forward(Ops.dev(x), norm, Ops.ptr(x), Ops.ptr(y)), "LayerNorm forward");
    }
    if (saved) tape.record(dy -> backward(x, saveMean, saveInvstd, dy), saveMean, saveInvstd);
    return y;
  }

  private Tensor backward(Tensor x, Tensor saveMean, Tensor saveInvstd, Tensor dy) {
    long[] l = layout(x);
    Tensor dx = Ops.empty(x, x.shape());
    try (NnNative.LayerNorm norm = NnNative.ctc4j_nn_default_layer_norm().outer(l[0]).features(l[1]).inner(l[2])
        .gamma(Ops.ptr(gamma.value())).save_mean(Ops.ptr(saveMean)).save_invstd(Ops.ptr(saveInvstd))
        .dgamma(Ops.ptr(gamma.grad())).dbeta(Ops.ptr(beta.grad()))) {
      Ops.check(NnNative.ctc4j_nn_layer_norm_backward(Ops.dev(x), norm, Ops.ptr(x), Ops.ptr(dy), Ops.ptr(dx)),
          "LayerNorm backward");
    }
    return dx;
  }
}
