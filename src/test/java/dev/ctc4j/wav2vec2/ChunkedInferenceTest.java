package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Chunked inference on random weights. Where every block is local (layer-norm feature encoder,
 * positional convolution, per-frame norms: no attention, no group norm, no waveform
 * normalisation) overlaps wider than the positional convolution's reach give the single pass's
 * emissions on every frame, seams included (tolerance 1e-5 relative to 1 + |value|). With
 * attention (global context, so no exact reference exists), every frame must be exactly a
 * window's frame lying at least the overlap from that window's cuts.
 */
class ChunkedInferenceTest {
  /** Pre-LN layer-norm layout without transformer layers: a receptive field of 60 samples + 8 frames each side. */
  private static Wav2Vec2Config local() {
    Wav2Vec2Config c = TinyModels.large();
    return new Wav2Vec2Config(c.formatVersion(), c.architecture(), c.labels(), c.blank(), c.convLayers(), true,
        Wav2Vec2Config.LAYER_NORM, 32, 48, 0, 4, 16, 4, true, false, 16000);
  }

  private static float[] run(Tensor t) {
    try (t) {
      return t.toFloatArray();
    }
  }

  @Test
  void localModelMatchesTheSinglePassOnEveryFrame() {
    SplittableRandom rng = Seeds.random("ChunkedInferenceTest.local");
    try (Wav2Vec2Model model = TinyModels.create(local(), rng)) {
      ChunkedInference chunked = new ChunkedInference(model, 0.06, 0.025); // 24-frame windows, 10 frames of context
      for (int samples : new int[] {5003, 961, 7777}) {
        float[] waveform = TinyModels.waveform(rng, samples);
        assertEquals(samples > 960, chunked.starts(samples).size() > 1, samples + " samples: chunked");
        float[] whole = run(model.logits(waveform));
        TorchCheck.assertClose(TorchCheck.toDoubles(whole), run(chunked.logits(waveform)), 1e-5,
            samples + " samples in windows");
      }
    }
  }

  @Test
  void shortInputsRunInOnePass() {
    SplittableRandom rng = Seeds.random("ChunkedInferenceTest.short");
    try (Wav2Vec2Model model = TinyModels.create(TinyModels.base(), rng)) {
      float[] waveform = TinyModels.waveform(rng, 4000);
      assertArrayEquals(run(model.logits(waveform)), run(new ChunkedInference(model, 0.25, 0.05).logits(waveform)));
    }
  }

  @Test
  void attentionModelTakesEveryFrameFromAWindowWhereItIsFarFromTheCuts() {
    SplittableRandom rng = Seeds.random("ChunkedInferenceTest.attention");
    Wav2Vec2Config config = TinyModels.base();
    int hop = config.hopSamples(), classes = config.classes();
    try (Wav2Vec2Model model = TinyModels.create(config, rng)) {
      ChunkedInference chunked = new ChunkedInference(model, 0.5, 0.1); // 200-frame windows, 40 frames of context
      float[] waveform = TinyModels.waveform(rng, 40_000 + rng.nextInt(4000));
      float[] stitched = run(chunked.logits(waveform));
      assertEquals(config.outputFrames(waveform.length) * classes, stitched.length, "the single pass's frames");
      List<Integer> starts = chunked.starts(waveform.length);
      List<float[]> windows = starts.stream()
          .map(s -> run(model.logits(Arrays.copyOfRange(waveform, s, Math.min(waveform.length, s + 8000))))).toList();
      for (int f = 0; f < stitched.length / classes; f++) {
        boolean found = false;
        for (int w = 0; w < windows.size() && !found; w++) {
          int first = starts.get(w) / hop, count = windows.get(w).length / classes, local = f - first;
          boolean cutBefore = first > 0, cutAfter = starts.get(w) + 8000 < waveform.length;
          boolean far = local >= (cutBefore ? 39 : 0) && local < count - (cutAfter ? 39 : 0);
          found = far && Arrays.equals(windows.get(w), local * classes, (local + 1) * classes, stitched, f * classes,
              (f + 1) * classes);
        }
        assertTrue(found, "frame " + f + " is a window's frame at least 39 frames from its cuts");
      }
    }
  }

  @Test
  void windowsMustLeaveRoomForProgressAndCoverEveryFrame() {
    try (Wav2Vec2Model model = TinyModels.create(TinyModels.base(), new SplittableRandom(1))) {
      assertThrows(InvalidInputException.class, () -> new ChunkedInference(model, 0.01, 0.005)); // no progress
      assertThrows(InvalidInputException.class, () -> new ChunkedInference(model, 0.5, 0)); // frames straddle cuts
      assertThrows(InvalidInputException.class, () -> new ChunkedInference(model, Double.NaN, 0.1));
    }
  }
}
