package dev.ctc4j.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Log-mel against libtorch (stft + torchaudio's filterbank formula) in float64. Tolerances, from
 * the issue: mel power within 1e-4 of the utterance's peak; log-mel within 1e-3 where the mel power
 * is above peak * 1e-6.
 */
class LogMelSpectrogramTest {
  static final double POWER_TOL = 1e-4;
  static final double LOG_TOL = 1e-3;

  static List<MelConfig> configs() {
    return List.of(
        MelConfig.builder().build(),
        MelConfig.builder().nFft(512).winLength(400).nMels(64).melScale(MelScale.SLANEY)
            .filterNorm(FilterNorm.SLANEY).build(),
        MelConfig.builder().nFft(480).hopLength(120).nMels(40).fMin(60).fMax(7600).build(),
        MelConfig.builder().nFft(405).winLength(320).hopLength(100).nMels(128).build(),
        MelConfig.builder().nFft(320).hopLength(160).nMels(80).center(false).build(),
        MelConfig.builder().sampleRate(8000).nFft(256).winLength(200).hopLength(80).nMels(40).build());
  }

  @Test
  void matchesLibtorchOnRandomAudio() {
    SplittableRandom rng = Seeds.random("LogMelSpectrogramTest.matchesLibtorchOnRandomAudio");
    for (MelConfig config : configs()) {
      try (LogMelSpectrogram mel = new LogMelSpectrogram(config)) {
        checkFilterbank(mel);
        for (int trial = 0; trial < 4; trial++) {
          int length = config.nFft() + rng.nextInt(3 * config.sampleRate());
          if (trial == 0) length -= length % config.hopLength(); // whole hops: where an odd n_fft's frame count differs
          compare(mel, randomSpeechLike(rng, length, config.sampleRate()), config + " length " + length);
        }
      }
    }
  }

  static void checkFilterbank(LogMelSpectrogram mel) {
    double[][] expected = MelReference.filterbank(mel.config());
    float[][] actual = mel.filterbank();
    for (int k = 0; k < expected.length; k++) {
      for (int m = 0; m < expected[k].length; m++) {
        assertEquals(expected[k][m], actual[k][m], 1e-6 * Math.max(1, Math.abs(expected[k][m])), "filterbank " + k + "," + m);
      }
    }
  }

  /** Compares our log-mel of one utterance with the float64 reference. */
  static void compare(LogMelSpectrogram mel, float[] audio, String what) {
    double[][] ref = MelReference.melPower(mel.config(), audio);
    float[][] ours = mel.compute(audio);
    assertEquals(ref[0].length, ours[0].length, what + ": frame count");
    double peak = 0;
    for (double[] row : ref) for (double v : row) peak = Math.max(peak, v);
    for (int m = 0; m < ref.length; m++) {
      for (int t = 0; t < ref[m].length; t++) {
        double power = Math.exp(ours[m][t]);
        if (Math.abs(power - ref[m][t]) > POWER_TOL * peak) {
          throw new AssertionError(what + ": mel power at (" + m + "," + t + ") " + power + " vs " + ref[m][t] + " peak " + peak);
        }
        if (ref[m][t] > peak * 1e-6 && Math.abs(ours[m][t] - Math.log(ref[m][t])) > LOG_TOL) {
          throw new AssertionError(what + ": log-mel at (" + m + "," + t + ") " + ours[m][t] + " vs " + Math.log(ref[m][t]));
        }
      }
    }
  }

  /** Noise plus a few gliding harmonics and silence, so spectra have speech-like dynamic range. */
  static float[] randomSpeechLike(SplittableRandom rng, int length, int sampleRate) {
    float[] x = Seeds.gaussian(rng, length, 0.01 + rng.nextDouble() * 0.05);
    double f0 = 80 + rng.nextDouble() * 200, amp = 0.1 + rng.nextDouble() * 0.5, phase = 0;
    for (int i = 0; i < length; i++) {
      phase += 2 * Math.PI * f0 * (1 + 0.2 * Math.sin(i * 2e-4)) / sampleRate;
      double s = 0;
      for (int h = 1; h <= 5; h++) s += Math.sin(h * phase) / h;
      x[i] += (float) (amp * s * (i % 8000 < 6000 ? 1 : 0.001));
    }
    return x;
  }

  @Test
  void matchesLibtorchOnRealSpeech() throws Exception {
    Path manifest = SharedData.require("an4/test.jsonl");
    List<String> lines = Files.readAllLines(manifest);
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      for (int i = 0; i < lines.size(); i += 26) {  // five utterances across speakers
        String audio = lines.get(i).replaceAll(".*\"audio\": \"([^\"]+)\".*", "$1");
        compare(mel, Audio.read(manifest.resolveSibling(audio)), audio);
      }
    }
  }

  @Test
  void batchOfUnevenLengthsEqualsSingleUtterances() {
    SplittableRandom rng = Seeds.random("LogMelSpectrogramTest.batchOfUnevenLengthsEqualsSingleUtterances");
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      List<float[]> batch = new ArrayList<>();
      for (int b = 0; b < 5; b++) batch.add(randomSpeechLike(rng, 1 + rng.nextInt(40000), 16000));
      batch.add(new float[0]);
      try (Features f = mel.compute(batch, Device.CPU)) {
        float[] all = f.values().toFloatArray();
        for (int b = 0; b < batch.size(); b++) {
          assertEquals(mel.frames(batch.get(b).length), f.frames()[b]);
          float[][] single = mel.compute(batch.get(b));
          float[][] fromBatch = f.utterance(b);
          for (int m = 0; m < single.length; m++) assertArrayEquals(single[m], fromBatch[m], 0f, "utterance " + b);
          for (int m = 0; m < f.nMels(); m++) {
            for (long t = f.frames()[b]; t < f.maxFrames(); t++) {
              assertEquals(0f, all[(int) ((b * (long) f.nMels() + m) * f.maxFrames() + t)], "padding");
            }
          }
        }
      }
    }
  }

  @Test
  void normalisesPerUtteranceAndPerFeature() {
    SplittableRandom rng = Seeds.random("LogMelSpectrogramTest.normalisesPerUtteranceAndPerFeature");
    float[] audio = randomSpeechLike(rng, 20000, 16000);
    MelConfig base = MelConfig.builder().nMels(40).build();
    float[][] raw;
    try (LogMelSpectrogram mel = new LogMelSpectrogram(base)) {
      raw = mel.compute(audio);
    }
    for (Normalization mode : List.of(Normalization.PER_UTTERANCE, Normalization.PER_FEATURE)) {
      try (LogMelSpectrogram mel = new LogMelSpectrogram(base.toBuilder().normalization(mode).build())) {
        float[][] norm = mel.compute(audio);
        for (int m = 0; m < raw.length; m++) {
          int lo = mode == Normalization.PER_FEATURE ? m : 0, hi = mode == Normalization.PER_FEATURE ? m + 1 : raw.length;
          double sum = 0, sq = 0;
          long n = 0;
          for (int r = lo; r < hi; r++) for (float v : raw[r]) { sum += v; n++; }
          double mean = sum / n;
          for (int r = lo; r < hi; r++) for (float v : raw[r]) sq += (v - mean) * (v - mean);
          double std = Math.sqrt(sq / (n - 1)) + 1e-5;
          for (int t = 0; t < raw[m].length; t++) {
            assertEquals((raw[m][t] - mean) / std, norm[m][t], 1e-4, mode + " at " + m + "," + t);
          }
        }
      }
    }
  }

  @Test
  void shortAndEmptyInputsGiveFiniteFrames() {
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      assertEquals(0, mel.compute(new float[0])[0].length);
      for (int n : new int[] {1, 2, 7, 199, 200, 201}) {
        float[] audio = new float[n];
        for (int i = 0; i < n; i++) audio[i] = (float) Math.sin(i * 0.3);
        float[][] out = mel.compute(audio);
        assertEquals(n / 160 + 1, out[0].length, "frames for " + n + " samples");
        for (float[] row : out) for (float v : row) assertTrue(Float.isFinite(v), "finite for " + n + " samples");
        if (n > 200) compare(mel, audio, n + " samples");
      }
      float[][] silence = mel.compute(new float[1600]);
      assertEquals((float) Math.log(1e-10), silence[0][0], 1e-5f, "log floor of silence");
    }
  }

  /** CUDA against the CPU with the tolerances, on every configuration and normalisation. */
  @Test
  @Tag("gpu")
  void cudaEqualsCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("LogMelSpectrogramTest.cudaEqualsCpu");
    for (MelConfig base : configs()) {
      for (Normalization mode : Normalization.values()) {
        MelConfig config = base.toBuilder().normalization(mode).build();
        List<float[]> batch = new ArrayList<>();
        for (int b = 0; b < 4; b++) batch.add(randomSpeechLike(rng, rng.nextInt(3 * config.sampleRate()), config.sampleRate()));
        try (LogMelSpectrogram mel = new LogMelSpectrogram(config);
            Features cpu = mel.compute(batch, Device.CPU);
            Features cuda = mel.compute(batch, gpu)) {
          assertArrayEquals(cpu.frames(), cuda.frames());
          float[] a = cpu.values().toFloatArray(), b = cuda.values().toFloatArray();
          for (int i = 0; i < a.length; i++) {
            double tol = mode == Normalization.NONE ? LOG_TOL : 1e-3;
            if (Math.abs(a[i] - b[i]) > tol && a[i] > Math.log(1e-6)) {
              throw new AssertionError(config + ": CUDA " + b[i] + " vs CPU " + a[i] + " at " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsBadInputWithTypedErrors() {
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      InvalidInputException nan = assertThrows(InvalidInputException.class, () -> mel.compute(new float[] {0, Float.NaN}));
      assertTrue(nan.getMessage().contains("sample 1"), nan.getMessage());
    }
    assertThrows(InvalidInputException.class, () -> new LogMelSpectrogram(MelConfig.builder().nFft(400).winLength(500).build()));
    assertThrows(InvalidInputException.class, () -> new LogMelSpectrogram(MelConfig.builder().sampleRate(10).build()));
    assertThrows(InvalidInputException.class, () -> new LogMelSpectrogram(MelConfig.builder().nFft(2 * 37).build()));
    assertThrows(InvalidInputException.class, () -> new LogMelSpectrogram(MelConfig.builder().fMin(9000).build()));
    assertThrows(InvalidInputException.class, () -> new LogMelSpectrogram(MelConfig.builder().hopLength(0).build()));
    LogMelSpectrogram closed = new LogMelSpectrogram(MelConfig.builder().build());
    closed.close();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.compute(new float[100]));
  }
}
