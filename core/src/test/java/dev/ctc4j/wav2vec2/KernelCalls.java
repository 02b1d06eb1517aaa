package dev.ctc4j.wav2vec2;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;

/** The transformer kernels called on host arrays (copied to and from `device`), for kernel tests. */
final class KernelCalls {
  private KernelCalls() {}

  static float[] conv1d(Device device, float[] x, long steps, int in, float[] w, float[] bias, int out, int kernel,
      int stride, int padding, int groups, long outSteps) {
    return conv1d(device, x, steps, in, w, bias, out, kernel, stride, padding, groups, outSteps, false);
  }

  /** packed: with the weights also packed once (ctc4j_nn_pack_weights), as an inference pass runs them. */
  static float[] conv1d(Device device, float[] x, long steps, int in, float[] w, float[] bias, int out, int kernel,
      int stride, int padding, int groups, long outSteps, boolean packed) {
    return conv1d(device, x, steps, in, w, bias, out, kernel, stride, padding, groups, outSteps, packed, groups);
  }

  /** The weights packed as packedGroups groups (a mismatch with groups is refused). */
  static float[] conv1d(Device device, float[] x, long steps, int in, float[] w, float[] bias, int out, int kernel,
      int stride, int padding, int groups, long outSteps, boolean packed, int packedGroups) {
    NnNative.PackedWeightsHandle handle = new NnNative.PackedWeightsHandle();
    try (Tensor tx = on(device, x); Tensor tw = on(device, w); Tensor tb = bias == null ? null : on(device, bias);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, outSteps * out))) {
      if (packed) {
        NativeStatus.check(NnNative.ctc4j_nn_pack_weights(TimeMajor.ptr(tw), out, (long) in / groups * kernel, kernel,
            packedGroups, handle), "pack conv1d weights");
      }
      try (TransformerNative.Conv1d conv = TransformerNative.ctc4j_transformer_default_conv1d().steps(steps)
          .in_channels(in).out_channels(out).kernel(kernel).stride(stride).padding(padding).groups(groups)
          .out_steps(outSteps).w(TimeMajor.ptr(tw)).bias(TimeMajor.ptr(tb)).w_packed(packed ? handle : null)) {
        NativeStatus.check(TransformerNative.ctc4j_transformer_conv1d_forward(device.nativeId(), conv, TimeMajor.ptr(tx),
            TimeMajor.ptr(y)), "conv1d");
      }
      return prefix(y.toFloatArray(), outSteps * out);
    } finally {
      if (packed && !handle.isNull()) NnNative.ctc4j_nn_packed_weights_destroy(handle);
    }
  }

  static float[] groupNorm(Device device, float[] x, long steps, int channels, int groups, float[] gamma, float[] beta,
      float eps, boolean gelu) {
    try (Tensor tx = on(device, x); Tensor g = on(device, gamma); Tensor b = on(device, beta);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, x.length))) {
      try (TransformerNative.GroupNorm norm = TransformerNative.ctc4j_transformer_default_group_norm().steps(steps)
          .channels(channels).groups(groups).gamma(TimeMajor.ptr(g)).beta(TimeMajor.ptr(b)).eps(eps).gelu(gelu ? 1 : 0)) {
        NativeStatus.check(TransformerNative.ctc4j_transformer_group_norm_forward(device.nativeId(), norm,
            TimeMajor.ptr(tx), TimeMajor.ptr(y)), "group norm");
      }
      return prefix(y.toFloatArray(), x.length);
    }
  }

  static float[] gelu(Device device, float[] x, float[] residual) {
    try (Tensor tx = on(device, x); Tensor r = residual == null ? null : on(device, residual);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, x.length))) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_gelu_forward(device.nativeId(), TimeMajor.ptr(tx), TimeMajor.ptr(r),
          TimeMajor.ptr(y), x.length), "GELU");
      return prefix(y.toFloatArray(), x.length);
    }
  }

  /**
   * Attention over a fused projection qkv [steps, ld] holding q, k and v in columns [0, w), [w, 2w),
   * [2w, 3w) (w = heads * dim); returns out [steps, w].
   */
  static float[] attention(Device device, float[] qkv, long steps, int ld, int heads, int dim, float scale) {
    int width = heads * dim;
    try (Tensor t = on(device, qkv); Tensor out = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32,
        Math.max(1, steps * width));
        TransformerNative.Attention shape = TransformerNative.ctc4j_transformer_default_attention().steps(steps)
            .heads(heads).head_dim(dim).scale(scale).ld_q(ld).ld_k(ld).ld_v(ld).ld_out(width)) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_attention_forward(device.nativeId(), shape,
          TimeMajor.ptr(t), TimeMajor.ptr(t).position(width), TimeMajor.ptr(t).position(2L * width),
          TimeMajor.ptr(out)), "attention");
      return prefix(out.toFloatArray(), steps * width);
    }
  }

  private static Tensor on(Device device, float[] values) {
    return Tensor.of(device, values.length == 0 ? new float[1] : values, Math.max(1, values.length));
  }

  private static float[] prefix(float[] values, long n) {
    return java.util.Arrays.copyOf(values, Math.toIntExact(n));
  }
}
