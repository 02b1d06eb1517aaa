package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.HeapAllocation;
import dev.ctc4j.testing.NativeMemory;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole forward pass against libtorch (TorchWav2Vec2, float64) on small random-weight models of
 * both variants, at the shortest input, one hop short of a second frame and an odd length.
 * Tolerance: |ours - reference| <= 1e-4 (1 + |reference|) on every logit.
 */
class Wav2Vec2ModelTest {
  private static final double TOLERANCE = 1e-4;

  @Test
  void baseVariantMatchesLibtorch() {
    checkAgainstLibtorch(TinyModels.base(), Seeds.random("Wav2Vec2ModelTest.base"));
  }

  @Test
  void largeVariantMatchesLibtorch() {
    checkAgainstLibtorch(TinyModels.large(), Seeds.random("Wav2Vec2ModelTest.large"));
  }

  private static void checkAgainstLibtorch(Wav2Vec2Config config, SplittableRandom rng) {
    int field = config.receptiveField(), hop = config.hopSamples();
    try (Wav2Vec2Model model = TinyModels.create(config, rng); PointerScope scope = new PointerScope()) {
      TorchWav2Vec2 reference = TorchWav2Vec2.of(model);
      for (int samples : List.of(field, field + hop - 1, 2001 + 2 * rng.nextInt(500))) {
        float[] waveform = TinyModels.waveform(rng, samples);
        try (Tensor logits = model.logits(waveform)) {
          assertEquals(List.of(1L, (long) config.outputFrames(samples), (long) config.classes()),
              List.of(logits.dim(0), logits.dim(1), logits.dim(2)), samples + " samples");
          TorchCheck.assertClose(reference.logits(waveform), logits.toFloatArray(), TOLERANCE,
              config.extractorMode() + " logits of " + samples + " samples");
        }
      }
    }
  }

  @Test
  void frameBookkeepingOfTheStandardEncoder() {
    Wav2Vec2Config base = Wav2Vec2Config.base(TinyModels.labels(32), 0);
    assertEquals(400, base.receptiveField());
    assertEquals(320, base.hopSamples());
    assertEquals(0.02, base.frameSeconds(), 1e-12);
    assertEquals(0, base.outputFrames(399));
    assertEquals(1, base.outputFrames(400));
    assertEquals(1, base.outputFrames(719));
    assertEquals(2, base.outputFrames(720));
    assertEquals(499, base.outputFrames(160_000)); // torchaudio: 10 s -> 499 frames
  }

  @Test
  void basePresetHasTorchaudiosParameterCount() {
    // torchaudio's wav2vec2_base(aux_num_out=32) has 94,395,552 parameters, 128 of them the positional
    // convolution's weight_g, which import folds into its weight.
    try (Wav2Vec2Model model = Wav2Vec2Model.create(Wav2Vec2Config.base(TinyModels.labels(32), 0), TinyModels.CPU, 1)) {
      assertEquals(94_395_552L - 128, model.parameterCount());
    }
  }

  /** The size a config implies, computed without building the model, is the built model's (and torchaudio's for base). */
  @Test
  void stateSizeOfAConfigIsWhatItsModelHolds() {
    for (Wav2Vec2Config c : List.of(TinyModels.base(), TinyModels.large(), TinyModels.local())) {
      try (Wav2Vec2Model model = Wav2Vec2Model.create(c, TinyModels.CPU, 1)) {
        assertEquals(model.stateDict().values().stream().mapToLong(p -> p.numel()).sum(), Wav2Vec2Model.stateSize(c));
      }
    }
    assertEquals(94_395_552L - 128, Wav2Vec2Model.stateSize(Wav2Vec2Config.base(TinyModels.labels(32), 0)));
  }

  /** A config claiming a huge transformer beside a tiny model's weights is refused before anything is allocated. */
  @Test
  void aHugeConfigBesideSmallWeightsIsRefusedBeforeAnythingIsAllocated(@TempDir Path dir) throws Exception {
    Wav2Vec2Config tiny = TinyModels.base();
    try (Wav2Vec2Model model = Wav2Vec2Model.create(tiny, TinyModels.CPU, 1)) {
      model.save(dir);
    }
    Wav2Vec2Config wide = new Wav2Vec2Config(tiny.formatVersion(), tiny.architecture(), tiny.labels(), 0,
        tiny.convLayers(), false, tiny.extractorMode(), 1_000_000, 4_000_000, 2, 2, 16, 4, false, false, 16000);
    Wav2Vec2Config deep = new Wav2Vec2Config(tiny.formatVersion(), tiny.architecture(), tiny.labels(), 0,
        tiny.convLayers(), false, tiny.extractorMode(), 48, 64, 10_000, 2, 16, 4, false, false, 16000);
    for (Wav2Vec2Config claimed : List.of(wide, deep)) {
      Files.write(dir.resolve(Checkpoint.CONFIG), new ObjectMapper().writeValueAsBytes(claimed));
      // once unmeasured: run first in its JVM, the refusal's first use of Jackson and the model classes
      // allocated 2.4 MB of class metadata and caches, nothing to do with the claimed size
      assertThrows(InvalidInputException.class, () -> Wav2Vec2Model.load(dir, TinyModels.CPU));
      NativeMemory before = NativeMemory.now();
      long heap = HeapAllocation.ofThisThread();
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> Wav2Vec2Model.load(dir, TinyModels.CPU));
      long allocated = HeapAllocation.ofThisThread() - heap;
      assertTrue(e.getMessage().contains("describes a model of"), e.getMessage());
      assertTrue(allocated < 1 << 20, allocated + " bytes of heap allocated to refuse " + claimed);
      assertEquals(before, NativeMemory.now(), "native memory");
    }
  }

  @Test
  void shortEmptyAndNonFiniteWaveformsAreRejected() {
    SplittableRandom rng = Seeds.random("Wav2Vec2ModelTest.rejects");
    Wav2Vec2Config config = TinyModels.base();
    try (Wav2Vec2Model model = TinyModels.create(config, rng)) {
      InvalidInputException tooShort = assertThrows(InvalidInputException.class,
          () -> model.logits(new float[config.receptiveField() - 1]));
      assertTrue(tooShort.getMessage().contains("receptive field"), tooShort.getMessage());
      assertThrows(InvalidInputException.class, () -> model.logits(new float[0]));
      assertThrows(InvalidInputException.class, () -> model.logits(null));
      float[] nan = TinyModels.waveform(rng, 500);
      nan[123] = Float.NaN;
      InvalidInputException bad = assertThrows(InvalidInputException.class, () -> model.logits(nan));
      assertTrue(bad.getMessage().contains("sample 123"), bad.getMessage());
    }
  }

  @Test
  void greedyTranscriptFollowsTheArgmaxPath() {
    SplittableRandom rng = Seeds.random("Wav2Vec2ModelTest.transcribe");
    Wav2Vec2Config config = TinyModels.base();
    try (Wav2Vec2Model model = TinyModels.create(config, rng)) {
      float[] waveform = TinyModels.waveform(rng, 3000);
      float[] logProbs;
      try (Tensor t = model.logProbs(waveform)) {
        logProbs = t.toFloatArray();
      }
      StringBuilder expected = new StringBuilder();
      int previous = -1, classes = config.classes();
      for (int f = 0; f < logProbs.length / classes; f++) {
        int best = 0;
        double norm = 0;
        for (int k = 0; k < classes; k++) {
          if (logProbs[f * classes + k] > logProbs[f * classes + best]) best = k;
          norm += Math.exp(logProbs[f * classes + k]);
        }
        assertEquals(1, norm, 1e-5, "frame " + f + " probabilities sum to one");
        if (best != previous && best != config.blank()) expected.append(config.labels().get(best));
        previous = best;
      }
      Hypothesis h = model.transcribe(waveform);
      assertEquals(expected.toString(), h.text());
    }
  }
}
