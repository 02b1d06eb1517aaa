package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Raw PCM arrays: the same conversion as decoded files, checked against the closed-form signal. */
class PcmArraysTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0} Hz, {1} channels")
  @CsvSource({"8000,1", "11025,2", "44100,2", "48000,1", "96000,4"})
  void fromFloatMatchesTheClosedFormSignal(int rate, int channels) {
    SplittableRandom rng = Seeds.random("fromFloat " + rate + "/" + channels);
    TestSignals.Tones[] tones = TestSignals.randomTones(rng, channels, rate);
    int frames = 3 * rate + rng.nextInt(rate); // > 65536 frames: several resampler calls
    float[] out = Audio.fromFloat(TestSignals.interleaved(tones, rate, frames), rate, channels);
    TestSignals.assertResampledLength(frames, rate, out.length);
    double error = TestSignals.maxInteriorError(out, TestSignals.expectedMono16k(tones, out.length));
    assertTrue(error <= AudioFormatsTest.RESAMPLE_TOL, "error " + error);
  }

  @Test
  void fromPcm16EqualsFromFloatOfTheSameValues() {
    SplittableRandom rng = Seeds.random("fromPcm16EqualsFromFloat");
    short[] pcm = TestSignals.randomPcm16(rng, 2 * 70_001);
    float[] asFloat = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) asFloat[i] = pcm[i] / 32768f;
    assertArrayEquals(Audio.fromFloat(asFloat, 44100, 2), Audio.fromPcm16(pcm, 44100, 2));
  }

  @Test
  void sixteenKilohertzMonoPassesThroughUnchanged() {
    SplittableRandom rng = Seeds.random("sixteenKilohertzMono");
    float[] samples = Seeds.gaussian(rng, 100_003, 0.2);
    assertArrayEquals(samples, Audio.fromFloat(samples, 16000, 1));
    short[] pcm = TestSignals.randomPcm16(rng, 5000);
    float[] fromPcm = Audio.fromPcm16(pcm, 16000, 1);
    for (int i = 0; i < pcm.length; i++) assertEquals(pcm[i] / 32768f, fromPcm[i], "sample " + i);
  }

  @Test
  void fromFloatEqualsDecodingTheSameSamplesFromAWav() throws IOException {
    SplittableRandom rng = Seeds.random("fromFloatEqualsWav");
    float[] samples = TestSignals.interleaved(TestSignals.randomTones(rng, 3, 32000), 32000, 150_000);
    Path wav = Files.write(dir.resolve("same.wav"), WavFile.float32(samples, 32000, 3));
    assertArrayEquals(Audio.read(wav), Audio.fromFloat(samples, 32000, 3));
  }

  @Test
  void emptyArraysGiveEmptyAudio() {
    assertEquals(0, Audio.fromFloat(new float[0], 44100, 2).length);
    assertEquals(0, Audio.fromPcm16(new short[0], 8000, 1).length);
  }
}
