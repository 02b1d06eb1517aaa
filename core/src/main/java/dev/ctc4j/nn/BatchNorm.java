package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;

/**
 * Batch normalisation with statistics per channel. {@link #channelsSecond} is torch.nn.BatchNorm1d
 * / BatchNorm2d over [N, C, *]; {@link #sequenceWise} is DeepSpeech's SequenceWise(BatchNorm1d)
 * over [T, N, C] (all T * N frames, padding included, as deepspeech.pytorch does). Training uses
 * batch statistics and updates running_mean/running_var (unbiased, momentum 0.1 by default);
 * inference uses the running statistics. Parameters weight, bias; buffers running_mean, running_var.
 */
public final class BatchNorm extends Layer {
  private final int channels;
  private final boolean channelsLast;
  private final float eps, momentum;
  private final Parameter gamma, beta, runningMean, runningVar;

  private BatchNorm(Device device, int channels, boolean channelsLast, float eps, float momentum) {
    this.channels = channels;
    this.channelsLast = channelsLast;
    this.eps = eps;
    this.momentum = momentum;
    gamma = parameter("weight", device, Init.fill(channels, 1), channels);
    beta = parameter("bias", device, Init.fill(channels, 0), channels);
    runningMean = buffer("running_mean", device, Init.fill(channels, 0), channels);
    runningVar = buffer("running_var", device, Init.fill(channels, 1), channels);
  }

  public static BatchNorm channelsSecond(Device device, int channels) {
    return new BatchNorm(device, channels, false, 1e-5f, 0.1f);
  }

  public static BatchNorm sequenceWise(Device device, int channels) {
    return new BatchNorm(device, channels, true, 1e-5f, 0.1f);
  }

  public Parameter runningMean() {
    return runningMean;
  }

  public Parameter runningVar() {
    return runningVar;
  }

  /** (n, channels, spatial) of the flat layout. */
  private long[] layout(Tensor x) {
    Ops.requireFloat(x, "BatchNorm");
    long[] s = x.shape();
    int axis = channelsLast ? s.length - 1 : 1;
    if (s.length < 2 || s[axis] != channels) {
      throw new InvalidInputException("BatchNorm over " + channels + " channels got " + x);
    }
    return new long[] {Ops.product(s, 0, axis), channels, Ops.product(s, axis + 1, s.length)};
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    long[] l = layout(x);
    boolean train = isTraining(); // batch statistics, and the running ones updated
    if (tape.recording() && !train) {
      throw new IllegalStateException("BatchNorm records a backward only in training mode (batch statistics): call train(true)");
    }
    boolean saved = tape.recording(); // in training mode (checked above): backward reads the batch statistics
    Tensor y = Ops.empty(x, x.shape());
    Tensor saveMean = saved ? Ops.empty(x, channels) : null, saveInvstd = saved ? Ops.empty(x, channels) : null;
    try (NnNative.BatchNorm norm = NnNative.ctc4j_nn_default_batch_norm().n(l[0]).channels(l[1]).spatial(l[2])
        .gamma(Ops.ptr(gamma.value())).beta(Ops.ptr(beta.value())).running_mean(Ops.ptr(runningMean.value()))
        .running_var(Ops.ptr(runningVar.value())).momentum(momentum).eps(eps).training(train ? 1 : 0)
        .save_mean(Ops.ptr(saveMean)).save_invstd(Ops.ptr(saveInvstd))) {
      Ops.check(NnNative.ctc4j_nn_batch_norm_forward(Ops.dev(x), norm, Ops.ptr(x), Ops.ptr(y)), "BatchNorm forward");
    }
    if (saved) tape.record(dy -> backward(x, saveMean, saveInvstd, dy), saveMean, saveInvstd);
    return y;
  }

  private Tensor backward(Tensor x, Tensor saveMean, Tensor saveInvstd, Tensor dy) {
    long[] l = layout(x);
    Tensor dx = Ops.empty(x, x.shape());
    try (NnNative.BatchNorm norm = NnNative.ctc4j_nn_default_batch_norm().n(l[0]).channels(l[1]).spatial(l[2])
        .gamma(Ops.ptr(gamma.value())).save_mean(Ops.ptr(saveMean)).save_invstd(Ops.ptr(saveInvstd)).training(1)
        .dgamma(Ops.ptr(gamma.grad())).dbeta(Ops.ptr(beta.grad()))) {
      Ops.check(NnNative.ctc4j_nn_batch_norm_backward(Ops.dev(x), norm, Ops.ptr(x), Ops.ptr(dy), Ops.ptr(dx)),
          "BatchNorm backward");
    }
    return dx;
  }
}
