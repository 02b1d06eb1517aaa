package dev.ctc4j.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.DecodeNative;
import dev.ctc4j.bridge.DecodeNative.BeamDecoder;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.lm.TestArpa;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CUDA prefix beam search against the CPU one under the same settings. */
class BeamSearchDecoderGpuTest {
  // Both backends sum the same float32 terms in another order (and CUDA's expf/log1pf differ from
  // glibc's by an ulp): scores agree within 1e-3, and the best hypothesis is compared only where
  // the CPU's best leads its runner-up by more than that.
  private static final double TOLERANCE = 1e-3;
  private static final Labels WORDS = new Labels(List.of("_", " ", "a", "b"), 0, 1);

  @TempDir Path dir;

  @Test
  @Tag("gpu")
  void gpuMatchesCpuOnRandomPeakedBatches() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("gpuMatchesCpuOnRandomPeakedBatches");
    int compared = 0, utterances = 0;
    try (NgramLanguageModel lm = NgramLanguageModel.load(TestArpa.write(dir, "t.arpa", TestArpa.TEXT))) {
      for (int trial = 0; trial < 24; trial++) {
        Labels labels = rng.nextBoolean() ? Labels.english() : WORDS;
        int beam = 1 + rng.nextInt(32);
        BeamSearchOptions.Builder b = BeamSearchOptions.builder().beamWidth(beam).nBest(Math.min(beam, 4))
            .tokenTopK(rng.nextBoolean() ? 0 : 1 + rng.nextInt(8))
            .tokenMinLogProb(rng.nextBoolean() ? Double.NEGATIVE_INFINITY : Math.log(rng.nextDouble() * 0.05))
            .blankSkipLogProb(rng.nextBoolean() ? Double.POSITIVE_INFINITY : Math.log(0.9 + 0.09 * rng.nextDouble()));
        if (trial % 2 == 1) b.lm(lm, 0.5 + rng.nextDouble(), rng.nextDouble());
        if (trial % 8 == 6) b.lexicon(List.of("a", "b", "ab", "ba"));
        BeamSearchOptions options = b.build();
        int batch = 1 + rng.nextInt(6), maxFrames = 10 + rng.nextInt(60);
        long[] lengths = new long[batch];
        float[] flat = new float[batch * maxFrames * labels.size()];
        for (int u = 0; u < batch; u++) {
          lengths[u] = u == 0 ? rng.nextInt(3) : 1 + rng.nextInt(maxFrames);
          float[][] lp = CtcOracle.randomLogProbs(rng, (int) lengths[u], labels.size(), 1 + 4 * rng.nextDouble());
          for (int t = 0; t < lp.length; t++) System.arraycopy(lp[t], 0, flat, (u * maxFrames + t) * labels.size(), labels.size());
        }
        try (BeamSearchDecoder decoder = new BeamSearchDecoder(labels, options, 0.02);
            Tensor cpu = Tensor.of(Device.CPU, flat, batch, maxFrames, labels.size()); Tensor cuda = cpu.to(gpu)) {
          List<List<Hypothesis>> expected = decoder.decode(cpu, lengths, EmissionKind.LOG_PROBS);
          List<List<Hypothesis>> actual = decoder.decode(cuda, lengths, EmissionKind.LOG_PROBS);
          for (int u = 0; u < batch; u++) {
            String what = "trial " + trial + ", utterance " + u + " of " + lengths[u] + " frames, " + options;
            compared += compare(expected.get(u), actual.get(u), what) ? 1 : 0;
            utterances++;
          }
        }
      }
    }
    assertTrue(compared >= utterances / 2, "only " + compared + " of " + utterances + " utterances were clear-cut");
  }

  /** Asserts the n-best agree; false when the best was too close to call. */
  private static boolean compare(List<Hypothesis> expected, List<Hypothesis> actual, String what) {
    assertEquals(expected.isEmpty(), actual.isEmpty(), what);
    if (expected.isEmpty()) return true;
    for (Hypothesis h : actual) {  // each GPU hypothesis the CPU also found scores the same
      for (Hypothesis e : expected) {
        if (e.text().equals(h.text()) && Arrays.equals(e.tokenIds(), h.tokenIds())) {
          assertEquals(e.score(), h.score(), TOLERANCE, what + ": " + h.text());
          assertEquals(e.acousticScore(), h.acousticScore(), TOLERANCE, what + ": " + h.text());
          assertEquals(e.lmScore(), h.lmScore(), TOLERANCE, what + ": " + h.text());
        }
      }
    }
    for (int r = 1; r < actual.size(); r++) assertTrue(actual.get(r).score() <= actual.get(r - 1).score(), what);
    if (expected.size() > 1 && expected.get(0).score() - expected.get(1).score() < TOLERANCE) return false;
    Hypothesis e = expected.get(0), a = actual.get(0);
    assertArrayEquals(e.tokenIds(), a.tokenIds(), what + ": CPU '" + e.text() + "', GPU '" + a.text() + "'");
    assertEquals(e.score(), a.score(), TOLERANCE, what);
    assertEquals(e.tokens(), a.tokens(), what + ": token frames");
    assertEquals(e.words(), a.words(), what + ": words");
    return true;
  }

  @Test
  @Tag("gpu")
  void hotwordsAreRejectedOnTheGpu() {
    Device gpu = Gpu.require();
    BeamSearchOptions options = BeamSearchOptions.builder().hotword("ab", 2.0).build();
    try (BeamSearchDecoder decoder = new BeamSearchDecoder(WORDS, options, 0.02);
        Tensor cuda = Tensor.zeros(gpu, dev.ctc4j.tensor.DType.F32, 1, 4, WORDS.size())) {
      assertTrue(assertThrows(InvalidInputException.class,
          () -> decoder.decode(cuda, new long[] {4}, EmissionKind.LOG_PROBS)).getMessage().contains("hotword"));
    }
  }

  /**
   * The native entry's device dispatch, host side: settings the GPU search cannot honour are
   * rejected by name before any device is touched, and without a device the call reports one
   * missing. (Runs everywhere; the emissions pointer is a host array, never read on this path.)
   */
  @Test
  void nativeGpuDispatchRejectsWhatItCannotRun() {
    String hotwords = assertThrows(InvalidInputException.class, () -> decodeOnDevice0(List.of("ab"), 4)).getMessage();
    assertTrue(hotwords.contains("hotword"), hotwords);
    String wide = assertThrows(InvalidInputException.class, () -> decodeOnDevice0(List.of(), 4096)).getMessage();
    assertTrue(wide.contains("4096"), wide);
    assumeTrue(Device.cudaDeviceCount() == 0, "a CUDA device exists: the next call would run on it");
    assertThrows(DeviceUnavailableException.class, () -> decodeOnDevice0(List.of(), 4));
  }

  private static void decodeOnDevice0(List<String> hotwords, int beam) {
    StringBuilder labels = new StringBuilder();
    for (String l : WORDS.tokens()) labels.append(l).append('\0');
    StringBuilder phrases = new StringBuilder();
    for (String h : hotwords) phrases.append(h).append('\0');
    BeamDecoder decoder = new BeamDecoder();
    int frames = 3, classes = WORDS.size();
    try (BytePointer l = new BytePointer(labels.toString().getBytes(StandardCharsets.UTF_8));
        BytePointer h = new BytePointer((phrases + "\0").getBytes(StandardCharsets.UTF_8));
        BytePointer none = new BytePointer(1); FloatPointer bonus = new FloatPointer(1f, 1f);
        DecodeNative.BeamDecoderConfig config = DecodeNative.ctc4j_beam_decoder_default_config().labels(l)
            .classes(classes).blank(0).space(1).lm_unit(DecodeNative.LM_WORD).alpha(0).beta(0).oov_log10(-10)
            .lexicon(none).n_lexicon(0).hotwords(h).hotword_bonus(bonus).n_hotwords(hotwords.size())) {
      NativeStatus.check(DecodeNative.ctc4j_beam_decoder_create(config, decoder), "create");
    }
    try (FloatPointer emissions = new FloatPointer(new float[frames * classes]);
        LongPointer lengths = new LongPointer(new long[] {frames}); IntPointer count = new IntPointer(1);
        FloatPointer scores = new FloatPointer(3); IntPointer lens = new IntPointer(1);
        IntPointer tokens = new IntPointer(frames); IntPointer starts = new IntPointer(frames);
        IntPointer ends = new IntPointer(frames); FloatPointer confidence = new FloatPointer(frames);
        DecodeNative.Emissions in = DecodeNative.ctc4j_decode_default_emissions().data(emissions).lengths(lengths)
            .batch(1).max_frames(frames).classes(classes).log_probs(1);
        DecodeNative.BeamOptions options = DecodeNative.ctc4j_decode_default_beam_options().beam(beam).top_k(0)
            .token_min_log_prob(Float.NEGATIVE_INFINITY).blank_skip_log_prob(Float.POSITIVE_INFINITY);
        DecodeNative.Hypotheses out = DecodeNative.ctc4j_decode_default_hypotheses().n_best(1).count(count)
            .scores(scores).lengths(lens).tokens(tokens).starts(starts).ends(ends).confidence(confidence)) {
      NativeStatus.check(DecodeNative.ctc4j_decode_beam(decoder, 0, in, options, out), "beam decode");
    } finally {
      DecodeNative.ctc4j_beam_decoder_destroy(decoder);
    }
  }
}
