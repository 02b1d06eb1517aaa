package dev.ctc4j.wav2vec2;

import static dev.ctc4j.testing.Torch.opt;

import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.testing.Torch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * wav2vec2 re-built from libtorch functional ops in float64, channel-major as torchaudio runs it
 * ([batch, channels, time] through the convolutions), from torchaudio's module structure rather
 * than our classes: attention as explicit softmax(q k^T / sqrt(d)) v per head, the positional
 * convolution's weight from weight_g / weight_v through torch.norm_except_dim when those are
 * given. Parameters by torchaudio state_dict name. Call inside a PointerScope.
 */
final class TorchWav2Vec2 {
  private final Wav2Vec2Config c;
  private final Map<String, Tensor> p = new LinkedHashMap<>();

  /** Parameters as (values, shape) by name. */
  TorchWav2Vec2(Wav2Vec2Config c, Map<String, float[]> values, Map<String, long[]> shapes) {
    this.c = c;
    values.forEach((name, v) -> p.put(name, Torch.doubles(TorchCheck.toDoubles(v), shapes.get(name))));
  }

  static TorchWav2Vec2 of(Wav2Vec2Model model) {
    Map<String, float[]> values = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    model.stateDict().forEach((name, param) -> {
      values.put(name, param.value().toFloatArray());
      shapes.put(name, param.shape());
    });
    return new TorchWav2Vec2(model.config(), values, shapes);
  }

  /** Logits [frames, classes] of one waveform, in float64. */
  double[] logits(float[] waveform) {
    Tensor x = Torch.doubles(TorchCheck.toDoubles(waveform), 1, 1, waveform.length);
    if (c.normalizeWaveform()) {
      Tensor mean = x.mean();
      Tensor var = torch.var(x, false); // population variance, as numpy's .var()
      x = x.sub(mean).div(var.add(new Scalar(1e-7)).sqrt());
    }
    for (int i = 0; i < c.convLayers().size(); i++) {
      List<Integer> l = c.convLayers().get(i);
      String name = "feature_extractor.conv_layers." + i + ".";
      x = torch.conv1d(x, p(name + "conv.weight"), opt(p.get(name + "conv.bias")), new long[] {l.get(2)},
          new long[] {0}, new long[] {1}, 1);
      if (c.extractorMode().equals(Wav2Vec2Config.GROUP_NORM) && i == 0) {
        x = torch.group_norm(x, l.get(0), opt(p(name + "layer_norm.weight")), opt(p(name + "layer_norm.bias")), 1e-5,
            false);
      } else if (c.extractorMode().equals(Wav2Vec2Config.LAYER_NORM)) {
        x = layerNorm(x.transpose(1, 2), name + "layer_norm").transpose(1, 2);
      }
      x = torch.gelu(x);
    }
    x = x.transpose(1, 2); // [1, frames, channels]
    long frames = x.size(1);
    x = linear(layerNorm(x, "encoder.feature_projection.layer_norm"), "encoder.feature_projection.projection");

    String pos = "encoder.transformer.pos_conv_embed.conv.";
    Tensor positions = torch.conv1d(x.transpose(1, 2), positionalWeight(pos), opt(p(pos + "bias")), new long[] {1},
        new long[] {c.posConvKernel() / 2}, new long[] {1}, c.posConvGroups());
    x = x.add(torch.gelu(positions.narrow(2, 0, frames)).transpose(1, 2));
    if (!c.layerNormFirst()) x = layerNorm(x, "encoder.transformer.layer_norm");
    for (int i = 0; i < c.layers(); i++) x = encoderLayer(x, "encoder.transformer.layers." + i + ".");
    if (c.layerNormFirst()) x = layerNorm(x, "encoder.transformer.layer_norm");
    return Torch.toDoubles(linear(x, "aux"));
  }

  private Tensor encoderLayer(Tensor x, String name) {
    if (c.layerNormFirst()) {
      x = x.add(attention(layerNorm(x, name + "layer_norm"), name + "attention."));
      return x.add(feedForward(layerNorm(x, name + "final_layer_norm"), name + "feed_forward."));
    }
    x = layerNorm(x.add(attention(x, name + "attention.")), name + "layer_norm");
    return layerNorm(x.add(feedForward(x, name + "feed_forward.")), name + "final_layer_norm");
  }

  private Tensor attention(Tensor x, String name) {
    long frames = x.size(1), heads = c.heads(), dim = c.embedDim() / c.heads();
    Tensor q = linear(x, name + "q_proj").reshape(1, frames, heads, dim).transpose(1, 2);
    Tensor k = linear(x, name + "k_proj").reshape(1, frames, heads, dim).transpose(1, 2);
    Tensor v = linear(x, name + "v_proj").reshape(1, frames, heads, dim).transpose(1, 2);
    Tensor scores = q.matmul(k.transpose(2, 3)).div(new Scalar(Math.sqrt(dim)));
    Tensor mixed = torch.softmax(scores, -1).matmul(v).transpose(1, 2).reshape(1, frames, c.embedDim());
    return linear(mixed, name + "out_proj");
  }

  private Tensor feedForward(Tensor x, String name) {
    return linear(torch.gelu(linear(x, name + "intermediate_dense")), name + "output_dense");
  }

  /**
   * The folded weight, or torch's weight norm w = g v / ||v|| (norm over all but dim 2) from
   * weight_g, weight_v (nn.utils.weight_norm) or parametrizations.weight.original0, original1.
   */
  private Tensor positionalWeight(String name) {
    if (p.containsKey(name + "weight")) return p.get(name + "weight");
    boolean legacy = p.containsKey(name + "weight_g");
    Tensor g = p(name + (legacy ? "weight_g" : "parametrizations.weight.original0"));
    Tensor v = p(name + (legacy ? "weight_v" : "parametrizations.weight.original1"));
    return v.mul(g.div(torch.norm_except_dim(v, 2, 2)));
  }

  private Tensor layerNorm(Tensor x, String name) {
    return torch.layer_norm(x, new long[] {x.size(x.dim() - 1)}, opt(p(name + ".weight")), opt(p(name + ".bias")), 1e-5,
        false);
  }

  private Tensor linear(Tensor x, String name) {
    return Torch.linear(x, p, name);
  }

  private Tensor p(String name) {
    return Torch.required(p, name);
  }
}
