package dev.ctc4j.wav2vec2;

import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.model.StateDictSize;
import dev.ctc4j.nn.LayerNorm;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One transformer layer (torchaudio's EncoderLayer): multi-head self-attention ({@code attention.
 * q_proj, k_proj, v_proj, out_proj}) and a GELU feed-forward block ({@code feed_forward.
 * intermediate_dense, output_dense}), with {@code layer_norm} and {@code final_layer_norm} after
 * each residual sum (post-LN, base) or before each block (pre-LN, layer_norm_first).
 */
final class EncoderLayer extends Module {
  private final int heads, headDim;
  private final boolean layerNormFirst;
  private final Linear q, k, v, out, intermediate, output;
  private final LayerNorm layerNorm, finalLayerNorm;

  EncoderLayer(Wav2Vec2Config c, Device device, SplittableRandom rng) {
    heads = c.heads();
    headDim = c.embedDim() / c.heads();
    layerNormFirst = c.layerNormFirst();
    int e = c.embedDim();
    q = child("attention.q_proj", new Linear(device, e, e, true, rng));
    k = child("attention.k_proj", new Linear(device, e, e, true, rng));
    v = child("attention.v_proj", new Linear(device, e, e, true, rng));
    out = child("attention.out_proj", new Linear(device, e, e, true, rng));
    layerNorm = child("layer_norm", LayerNorm.lastAxis(device, e));
    intermediate = child("feed_forward.intermediate_dense", new Linear(device, e, c.ffnDim(), true, rng));
    output = child("feed_forward.output_dense", new Linear(device, c.ffnDim(), e, true, rng));
    finalLayerNorm = child("final_layer_norm", LayerNorm.lastAxis(device, e));
  }

  /** The floats in this module's state dict for {@code c}, without building it. */
  static long stateSize(Wav2Vec2Config c) {
    long e = c.embedDim(), ffn = c.ffnDim();
    return StateDictSize.sum(StateDictSize.product(4, StateDictSize.linear(e, e, true)),
        StateDictSize.product(2, StateDictSize.norm(e)), StateDictSize.linear(e, ffn, true),
        StateDictSize.linear(ffn, e, true));
  }

  /** x [steps, embed_dim] (borrowed) to a new [steps, embed_dim]. */
  Tensor forward(Tensor x) {
    if (layerNormFirst) {
      Tensor h = residual(x, TimeMajor.then(layerNorm.forward(x), this::attention));
      return TimeMajor.then(h, a -> residual(a, TimeMajor.then(finalLayerNorm.forward(a), this::feedForward)));
    }
    Tensor h = TimeMajor.then(residual(x, attention(x)), layerNorm::forward);
    return TimeMajor.then(TimeMajor.then(h, a -> residual(a, feedForward(a))), finalLayerNorm::forward);
  }

  /** block += x; returns block. */
  private static Tensor residual(Tensor x, Tensor block) {
    try {
      return Ops.addInPlace(block, x);
    } catch (RuntimeException e) {
      block.close();
      throw e;
    }
  }

  private Tensor attention(Tensor x) {
    long steps = x.dim(0), width = x.dim(1);
    try (Tensor qx = q.forward(x); Tensor kx = k.forward(x); Tensor vx = v.forward(x);
        Tensor mixed = TimeMajor.empty(x, steps, width);
        TransformerNative.Attention shape = TransformerNative.ctc4j_transformer_default_attention().steps(steps)
            .heads(heads).head_dim(headDim).scale((float) (1 / Math.sqrt(headDim))).ld_q(width).ld_k(width)
            .ld_v(width).ld_out(width)) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_attention_forward(TimeMajor.device(x), shape,
          TimeMajor.ptr(qx), TimeMajor.ptr(kx), TimeMajor.ptr(vx), TimeMajor.ptr(mixed)), "attention");
      return out.forward(mixed);
    }
  }

  private Tensor feedForward(Tensor x) {
    return TimeMajor.then(TimeMajor.geluInPlace(intermediate.forward(x)), output::forward);
  }
}
