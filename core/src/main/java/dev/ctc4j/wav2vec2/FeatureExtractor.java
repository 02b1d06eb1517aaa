package dev.ctc4j.wav2vec2;

import dev.ctc4j.model.StateDictSize;
import dev.ctc4j.nn.LayerNorm;
import dev.ctc4j.nn.Module;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The convolutional feature encoder ({@code feature_extractor.conv_layers.i}): conv1d, then group
 * norm (first layer, group_norm mode) or layer norm over channels (every layer, layer_norm mode),
 * then GELU. Waveform [samples, 1] in, features [frames, channels] out.
 */
final class FeatureExtractor extends Module {
  private final List<Conv1d> convs = new ArrayList<>();
  private final List<Module> norms = new ArrayList<>(); // GroupNorm, LayerNorm or null per layer

  FeatureExtractor(Wav2Vec2Config c, Device device, SplittableRandom rng) {
    int in = 1;
    for (int i = 0; i < c.convLayers().size(); i++) {
      List<Integer> l = c.convLayers().get(i);
      int out = l.get(0);
      String prefix = "conv_layers." + i + ".";
      convs.add(child(prefix + "conv", new Conv1d(device, in, out, l.get(1), l.get(2), 0, 1, c.convBias(), rng)));
      Module norm = null;
      if (c.extractorMode().equals(Wav2Vec2Config.LAYER_NORM)) norm = LayerNorm.lastAxis(device, out);
      else if (i == 0) norm = new GroupNorm(device, out, out);
      norms.add(norm == null ? null : child(prefix + "layer_norm", norm));
      in = out;
    }
  }

  /** The floats in this module's state dict for {@code c}, without building it. */
  static long stateSize(Wav2Vec2Config c) {
    long size = 0, in = 1;
    for (int i = 0; i < c.convLayers().size(); i++) {
      List<Integer> l = c.convLayers().get(i);
      long out = l.get(0);
      boolean norm = c.extractorMode().equals(Wav2Vec2Config.LAYER_NORM) || i == 0; // group norm on the first only
      size = StateDictSize.sum(size, StateDictSize.convolution(in, out, l.get(1), 1, c.convBias()),
          norm ? StateDictSize.norm(out) : 0);
      in = out;
    }
    return size;
  }

  Tensor forward(Tensor waveform) {
    Tensor x = block(0, waveform);
    for (int i = 1; i < convs.size(); i++) {
      int layer = i;
      x = TimeMajor.then(x, h -> block(layer, h));
    }
    return x;
  }

  private Tensor block(int i, Tensor x) {
    Tensor y = convs.get(i).forward(x);
    Module norm = norms.get(i);
    if (norm instanceof GroupNorm g) return g.forwardInPlace(y, true);
    if (norm instanceof LayerNorm ln) y = TimeMajor.then(y, ln::forward);
    return TimeMajor.geluInPlace(y);
  }
}
