package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import java.util.List;

/**
 * wav2vec2/HuBERT CTC (torchaudio's Wav2Vec2Model with its aux head) over a padded batch, each
 * utterance getting what ctc4j computes for it alone: the waveform's normalisation, the first
 * layer's group norm and attention see only an utterance's own samples and frames, and its
 * padding is zeroed before the positional convolution (whose zero padding it then is).
 */
final class Wav2Vec2Graph {
  private static final float WAVEFORM_EPS = 1e-7f; // Wav2Vec2FeatureExtractor's zero_mean_unit_var_norm

  private Wav2Vec2Graph() {}

  static Outputs build(Graph g, Wav2Vec2Config c, Weights w, String waveform, String lengths) {
    String x = waveform;
    if (c.normalizeWaveform()) {
      x = normalize(g, x, Frames.valid(g, lengths, x, 1), g.node("Unsqueeze", lengths, g.ints(1)), new long[] {1},
          WAVEFORM_EPS);
    }
    x = g.node("Unsqueeze", x, g.ints(1)); // [N, 1, samples]
    String frames = lengths;
    for (int i = 0; i < c.convLayers().size(); i++) {
      Weights layer = w.at("feature_extractor.conv_layers." + i);
      long kernel = c.convLayers().get(i).get(1), stride = c.convLayers().get(i).get(2);
      x = Convolutions.conv(g, layer.at("conv"), x, new long[] {stride}, new long[] {0, 0}, 1); // [N, C, T]
      frames = Frames.convLengths(g, frames, kernel, stride, 0);
      if (c.extractorMode().equals(Wav2Vec2Config.LAYER_NORM)) {
        x = transpose(g, Norms.layerNorm(g, layer.at("layer_norm"), transpose(g, x)));
      } else if (i == 0) {
        x = groupNormPerChannel(g, layer.at("layer_norm"), x, Frames.valid(g, frames, x, 2), frames);
      }
      x = Activations.gelu(g, x);
    }
    x = transpose(g, x); // [N, T, C]
    Weights encoder = w.at("encoder");
    x = Norms.layerNorm(g, encoder.at("feature_projection.layer_norm"), x);
    x = Linears.linear(g, encoder.at("feature_projection.projection"), x);
    String valid = Frames.valid(g, frames, x, 1);
    x = g.node("Add", x, positions(g, encoder.at("transformer.pos_conv_embed.conv"), x, valid, c));
    Weights layerNorm = encoder.at("transformer.layer_norm");
    if (!c.layerNormFirst()) x = Norms.layerNorm(g, layerNorm, x);
    String keyBias = Attention.keyBias(g, valid);
    for (int i = 0; i < c.layers(); i++) x = encoderLayer(g, encoder.at("transformer.layers." + i), x, keyBias, c);
    if (c.layerNormFirst()) x = Norms.layerNorm(g, layerNorm, x);
    return Outputs.of(g, Linears.linear(g, w.at("aux"), x), frames);
  }

  /** GELU(the grouped positional convolution over x with its padding zeroed), its first T frames. */
  private static String positions(Graph g, Weights w, String x, String valid, Wav2Vec2Config c) {
    long k = c.posConvKernel();
    String zeroed = g.node("Where", g.node("Unsqueeze", valid, g.ints(2)), x, g.scalar(0));
    // pad k/2 before and k-1-k/2 after: T frames out, torchaudio's output less its last frame for even k
    String y = Convolutions.conv(g, w, transpose(g, zeroed), new long[] {1}, new long[] {k / 2, k - 1 - k / 2},
        c.posConvGroups());
    return transpose(g, Activations.gelu(g, y));
  }

  private static String encoderLayer(Graph g, Weights w, String x, String keyBias, Wav2Vec2Config c) {
    Weights attention = w.at("attention"), norm = w.at("layer_norm"), finalNorm = w.at("final_layer_norm");
    if (c.layerNormFirst()) {
      String h = g.node("Add", x, Attention.selfAttention(g, attention, Norms.layerNorm(g, norm, x), c.heads(),
          c.embedDim(), keyBias));
      return g.node("Add", h, feedForward(g, w, Norms.layerNorm(g, finalNorm, h)));
    }
    String h = Norms.layerNorm(g, norm, g.node("Add", x, Attention.selfAttention(g, attention, x, c.heads(),
        c.embedDim(), keyBias)));
    return Norms.layerNorm(g, finalNorm, g.node("Add", h, feedForward(g, w, h)));
  }

  private static String feedForward(Graph g, Weights w, String x) {
    String h = Activations.gelu(g, Linears.linear(g, w.at("feed_forward.intermediate_dense"), x));
    return Linears.linear(g, w.at("feed_forward.output_dense"), h);
  }

  /** GroupNorm with a group per channel over x [N, C, T]: statistics over each utterance's valid frames only. */
  private static String groupNormPerChannel(Graph g, Weights w, String x, String valid, String frames) {
    String y = normalize(g, x, g.node("Unsqueeze", valid, g.ints(1)), g.node("Unsqueeze", frames, g.ints(1, 2)),
        new long[] {2}, Norms.EPS);
    long channels = w.shape("weight")[0];
    String gamma = g.floats(w.name("weight"), w.values("weight"), channels, 1);
    return g.node("Add", g.node("Mul", y, gamma), g.floats(w.name("bias"), w.values("bias"), channels, 1));
  }

  /**
   * (x - mean) / sqrt(var + eps) with the mean and (biased) variance over {@code axes}, counting only
   * where {@code valid} holds; {@code counts} (int64, broadcastable) is how many values that is.
   */
  private static String normalize(Graph g, String x, String valid, String counts, long[] axes, float eps) {
    String mask = g.node("Cast", List.of(valid), attr("to", (long) Graph.FLOAT));
    String n = g.node("Cast", List.of(g.node("Max", counts, g.int64(1))), attr("to", (long) Graph.FLOAT));
    String mean = g.node("Div", sum(g, g.node("Mul", x, mask), axes), n);
    String centred = g.node("Sub", x, mean);
    String var = g.node("Div", sum(g, g.node("Mul", g.node("Mul", centred, centred), mask), axes), n);
    return g.node("Div", centred, g.node("Sqrt", g.node("Add", var, g.scalar(eps))));
  }

  private static String sum(Graph g, String x, long[] axes) {
    return g.node("ReduceSum", List.of(x, g.ints(axes)), attr("keepdims", 1L));
  }

  /** Swaps the last two axes of a rank-3 tensor. */
  private static String transpose(Graph g, String x) {
    return g.node("Transpose", List.of(x), attr("perm", 0, 2, 1));
  }
}
