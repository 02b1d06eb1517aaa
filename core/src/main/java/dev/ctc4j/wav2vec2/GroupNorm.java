package dev.ctc4j.wav2vec2;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.nn.Init;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;

/**
 * torch.nn.GroupNorm(groups, channels) over time-major x [steps, channels] (statistics over all
 * steps of each group of channels), optionally followed by GELU; parameters {@code weight}, {@code bias}.
 */
final class GroupNorm extends Module {
  private static final float EPS = 1e-5f;
  private final int groups, channels;
  private final Parameter gamma, beta;

  GroupNorm(Device device, int groups, int channels) {
    this.groups = groups;
    this.channels = channels;
    gamma = parameter("weight", device, Init.fill(channels, 1), channels);
    beta = parameter("bias", device, Init.fill(channels, 0), channels);
  }

  /** Normalises x in place (then GELU when asked); returns x, or frees it and rethrows on failure. */
  Tensor forwardInPlace(Tensor x, boolean gelu) {
    try {
      Ops.requireShape(x, "GroupNorm", -1, channels);
      try (TransformerNative.GroupNorm norm = TransformerNative.ctc4j_transformer_default_group_norm().steps(x.dim(0))
          .channels(channels).groups(groups).gamma(TimeMajor.ptr(gamma.value())).beta(TimeMajor.ptr(beta.value()))
          .eps(EPS).gelu(gelu ? 1 : 0)) {
        NativeStatus.check(TransformerNative.ctc4j_transformer_group_norm_forward(TimeMajor.device(x), norm,
            TimeMajor.ptr(x), TimeMajor.ptr(x)), "group norm");
      }
      return x;
    } catch (RuntimeException e) {
      x.close();
      throw e;
    }
  }
}
