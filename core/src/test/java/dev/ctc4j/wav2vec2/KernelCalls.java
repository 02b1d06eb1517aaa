package dev.ctc4j.wav2vec2;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;

/** The transformer kernels called on host arrays (copied to and from `device`), for kernel tests. */
final class KernelCalls {
  private KernelCalls() {}

  static float[] conv1d(Device device, float[] x, long steps, int in, float[] w, float[] bias, int out, int kernel,
      int stride, int padding, int groups, long outSteps) {
    try (Tensor tx = on(device, x); Tensor tw = on(device, w); Tensor tb = bias == null ? null : on(device, bias);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, outSteps * out))) {
      NativeStatus.check(TransformerNative.ctc4j_conv1d_time_major(device.nativeId(), TimeMajor.ptr(tx), steps, in,
          TimeMajor.ptr(tw), TimeMajor.ptr(tb), out, kernel, stride, padding, groups, outSteps, TimeMajor.ptr(y)),
          "conv1d");
      return prefix(y.toFloatArray(), outSteps * out);
    }
  }

  static float[] groupNorm(Device device, float[] x, long steps, int channels, int groups, float[] gamma, float[] beta,
      float eps, boolean gelu) {
    try (Tensor tx = on(device, x); Tensor g = on(device, gamma); Tensor b = on(device, beta);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, x.length))) {
      NativeStatus.check(TransformerNative.ctc4j_group_norm_time_major(device.nativeId(), TimeMajor.ptr(tx), steps,
          channels, groups, TimeMajor.ptr(g), TimeMajor.ptr(b), eps, gelu ? 1 : 0, TimeMajor.ptr(y)), "group norm");
      return prefix(y.toFloatArray(), x.length);
    }
  }

  static float[] gelu(Device device, float[] x, float[] residual) {
    try (Tensor tx = on(device, x); Tensor r = residual == null ? null : on(device, residual);
        Tensor y = Tensor.zeros(device, dev.ctc4j.tensor.DType.F32, Math.max(1, x.length))) {
      NativeStatus.check(TransformerNative.ctc4j_gelu(device.nativeId(), TimeMajor.ptr(tx), TimeMajor.ptr(r),
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
        Math.max(1, steps * width))) {
      NativeStatus.check(TransformerNative.ctc4j_attention(device.nativeId(), steps, heads, dim, scale,
          TimeMajor.ptr(t), ld, TimeMajor.ptr(t).position(width), ld, TimeMajor.ptr(t).position(2L * width), ld,
          TimeMajor.ptr(out), width), "attention");
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
