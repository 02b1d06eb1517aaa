package dev.ctc4j.wav2vec2;

import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small random-weight wav2vec2 models of both variants, for tests that compare against libtorch. */
public final class TinyModels {
  private TinyModels() {}

  /** A small encoder: receptive field 60 samples, a frame every 40. */
  public static final List<List<Integer>> CONV_LAYERS =
      List.of(List.of(16, 10, 5), List.of(16, 3, 2), List.of(16, 3, 2), List.of(16, 2, 2));

  public static List<String> labels(int n) {
    List<String> out = new ArrayList<>(List.of("<pad>", " "));
    for (int i = 2; i < n; i++) out.add("t" + i);
    return out;
  }

  /** Base layout: group norm on the first conv, post-LN, even positional kernel (its last frame dropped). */
  public static Wav2Vec2Config base() {
    return new Wav2Vec2Config(Wav2Vec2Config.FORMAT_VERSION, Wav2Vec2Config.ARCHITECTURE, labels(12), 0, CONV_LAYERS,
        false, Wav2Vec2Config.GROUP_NORM, 48, 64, 2, 2, 16, 4, false, false, 16000);
  }

  /** Large-lv60 layout: layer norm after every conv, conv biases, pre-LN, odd positional kernel, normalised input. */
  public static Wav2Vec2Config large() {
    return new Wav2Vec2Config(Wav2Vec2Config.FORMAT_VERSION, Wav2Vec2Config.ARCHITECTURE, labels(9), 0, CONV_LAYERS,
        true, Wav2Vec2Config.LAYER_NORM, 32, 48, 2, 4, 15, 2, true, true, 16000);
  }

  /**
   * Pre-LN layer-norm layout without transformer layers, so every frame depends on a bounded
   * stretch of audio (60 samples + 8 frames each side): long audio cut into windows with enough
   * overlap gives exactly one pass's frames.
   */
  public static Wav2Vec2Config local() {
    Wav2Vec2Config c = large();
    return new Wav2Vec2Config(c.formatVersion(), c.architecture(), c.labels(), c.blank(), c.convLayers(), true,
        Wav2Vec2Config.LAYER_NORM, 32, 48, 0, 4, 16, 4, true, false, 16000);
  }

  /** {@code c} with other labels (blank first). */
  public static Wav2Vec2Config withLabels(Wav2Vec2Config c, List<String> labels) {
    return withLabels(c, labels, c.normalizeWaveform());
  }

  /** {@code c} with other labels (blank first) and waveform normalisation. */
  public static Wav2Vec2Config withLabels(Wav2Vec2Config c, List<String> labels, boolean normalize) {
    return new Wav2Vec2Config(c.formatVersion(), c.architecture(), labels, 0, c.convLayers(), c.convBias(),
        c.extractorMode(), c.embedDim(), c.ffnDim(), c.layers(), c.heads(), c.posConvKernel(), c.posConvGroups(),
        c.layerNormFirst(), normalize, c.sampleRate());
  }

  /** A model whose norm scales and shifts are random too (default init leaves them 1 and 0). */
  public static Wav2Vec2Model create(Wav2Vec2Config config, SplittableRandom rng) {
    Wav2Vec2Model model = Wav2Vec2Model.create(config, Device.CPU, rng.nextLong());
    model.stateDict().forEach((name, p) -> {
      if (name.endsWith("norm.weight")) shift(p, rng, 1);
      else if (name.endsWith("norm.bias")) shift(p, rng, 0);
    });
    return model;
  }

  private static void shift(Parameter p, SplittableRandom rng, float center) {
    float[] v = Seeds.gaussian(rng, (int) p.numel(), 0.2);
    for (int i = 0; i < v.length; i++) v[i] += center;
    p.set(v);
  }

  public static float[] waveform(SplittableRandom rng, int samples) {
    return Seeds.gaussian(rng, samples, 0.3);
  }

  static final Device CPU = Device.CPU;
}
