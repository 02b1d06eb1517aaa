package dev.ctc4j.wav2vec2;

import dev.ctc4j.model.StateDictSize;
import dev.ctc4j.nn.LayerNorm;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.Module;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * torchaudio's Encoder: the feature projection ({@code feature_projection.layer_norm, projection})
 * and the transformer ({@code transformer.pos_conv_embed.conv}, a grouped convolution over
 * pos_conv_kernel frames whose output, less its last frame for even kernels, passes GELU and is
 * added to its input; {@code transformer.layer_norm} before the layers (post-LN) or after them
 * (pre-LN); {@code transformer.layers.i}).
 */
final class Encoder extends Module {
  private final boolean layerNormFirst;
  private final LayerNorm projectionNorm, layerNorm;
  private final Linear projection;
  private final Conv1d positionalConv;
  private final List<EncoderLayer> layers = new ArrayList<>();

  Encoder(Wav2Vec2Config c, Device device, SplittableRandom rng) {
    layerNormFirst = c.layerNormFirst();
    projectionNorm = child("feature_projection.layer_norm", LayerNorm.lastAxis(device, c.featureChannels()));
    projection = child("feature_projection.projection", new Linear(device, c.featureChannels(), c.embedDim(), true, rng));
    positionalConv = child("transformer.pos_conv_embed.conv", new Conv1d(device, c.embedDim(), c.embedDim(),
        c.posConvKernel(), 1, c.posConvKernel() / 2, c.posConvGroups(), true, rng));
    layerNorm = child("transformer.layer_norm", LayerNorm.lastAxis(device, c.embedDim()));
    for (int i = 0; i < c.layers(); i++) layers.add(child("transformer.layers." + i, new EncoderLayer(c, device, rng)));
  }

  /** The floats in this module's state dict for {@code c}, without building it. */
  static long stateSize(Wav2Vec2Config c) {
    long e = c.embedDim();
    return StateDictSize.sum(StateDictSize.norm(c.featureChannels()), StateDictSize.linear(c.featureChannels(), e, true),
        StateDictSize.convolution(e, e, c.posConvKernel(), c.posConvGroups(), true), StateDictSize.norm(e),
        StateDictSize.product(c.layers(), EncoderLayer.stateSize(c)));
  }

  /** features [frames, channels] (borrowed) to hidden states [frames, embed_dim]. */
  Tensor forward(Tensor features) {
    Tensor x = TimeMajor.then(projectionNorm.forward(features), projection::forward);
    x = TimeMajor.then(x, this::addPositions);
    if (!layerNormFirst) x = TimeMajor.then(x, layerNorm::forward);
    for (EncoderLayer layer : layers) x = TimeMajor.then(x, layer::forward);
    if (layerNormFirst) x = TimeMajor.then(x, layerNorm::forward);
    return x;
  }

  /** x + GELU(the positional convolution's first `frames` outputs), as a new tensor. */
  private Tensor addPositions(Tensor x) {
    Tensor y = positionalConv.forward(x, x.dim(0));
    try {
      TimeMajor.gelu(y, x, y);
      return y;
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
  }
}
