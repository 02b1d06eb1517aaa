package dev.ctc4j.wav2vec2;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.nn.Blas;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Tensor;
import java.util.function.Function;
import org.bytedeco.javacpp.FloatPointer;

/** Plumbing for the time-major activations [steps, channels] of one utterance. */
final class TimeMajor {
  static {
    Blas.ensureLoaded(); // conv1d's matrix products go through the sgemm handed over here
  }

  private TimeMajor() {}

  static FloatPointer ptr(Tensor t) {
    return t == null ? null : new FloatPointer(t.data());
  }

  static int device(Tensor t) {
    return t.device().nativeId();
  }

  static Tensor empty(Tensor like, long... shape) {
    return Tensor.empty(like.device(), DType.F32, shape);
  }

  /** f(x), then frees x (also when f throws): one step of a forward pass that owns its intermediates. */
  static Tensor then(Tensor x, Function<Tensor, Tensor> f) {
    try (x) {
      return f.apply(x);
    }
  }

  /** into = GELU(x), plus residual when it is not null; into may be x or residual. */
  static void gelu(Tensor x, Tensor residual, Tensor into) {
    NativeStatus.check(TransformerNative.ctc4j_transformer_gelu_forward(device(x), ptr(x), ptr(residual), ptr(into), x.numel()), "GELU");
  }

  /** x = GELU(x); returns x, or frees it and rethrows on failure. */
  static Tensor geluInPlace(Tensor x) {
    try {
      gelu(x, null, x);
      return x;
    } catch (RuntimeException e) {
      x.close();
      throw e;
    }
  }
}
