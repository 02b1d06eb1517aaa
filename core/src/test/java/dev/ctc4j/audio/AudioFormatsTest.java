package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.audio.AudioEncoder.Format;
import dev.ctc4j.testing.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every supported format, on files generated at test time. Lossless 16 kHz mono input must decode
 * bit-exactly; resampled input is compared with the closed-form 16 kHz signal (tones); lossy
 * formats must keep the length and correlate with the original.
 */
class AudioFormatsTest {
  /** Interior error after resampling float input: observed ≤ 7e-6 (swresample's default filter). */
  static final double RESAMPLE_TOL = 2e-5;
  /** The same for 16-bit input, which adds up to 1/65536 of quantisation error. */
  static final double RESAMPLE_PCM16_TOL = 6e-5;
  /**
   * Lossy codecs: minimum correlation with the original at lag 0, and length slack in samples at the
   * lower of the source and the 16 kHz output rate (a codec pads in its own samples). Observed: up to
   * 37 at 16 kHz (FFmpeg's Vorbis encoder pads); MP3 at 8 kHz keeps 37-39 source samples past the
   * gapless trim for some lengths (74-78 at 16 kHz, e.g. ctc4j.seed=46616140662253).
   */
  static final double LOSSY_MIN_CORRELATION = 0.999;
  static final int LOSSY_LENGTH_SLACK = 64;

  @TempDir Path dir;

  @Test
  void wavPcm16IsBitExact() throws IOException {
    short[] pcm = TestSignals.randomPcm16(Seeds.random("wavPcm16IsBitExact"), 40_001);
    Path wav = write("pcm16.wav", WavFile.pcm16(pcm, 16000, 1));
    float[] expected = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) expected[i] = pcm[i] / 32768f;
    assertArrayEquals(expected, Audio.read(wav));
    assertSource(wav, "wav", "pcm_s16le", 16000, 1);
  }

  @Test
  void wavPcm24IsBitExact() throws IOException {
    SplittableRandom rng = Seeds.random("wavPcm24IsBitExact");
    int[] pcm = new int[30_000];
    for (int i = 0; i < pcm.length; i++) pcm[i] = rng.nextInt(-(1 << 23), 1 << 23);
    Path wav = write("pcm24.wav", WavFile.pcm24(pcm, 16000, 1));
    float[] expected = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) expected[i] = pcm[i] / 8388608f; // exact: 24 bits fit a float
    assertArrayEquals(expected, Audio.read(wav));
    assertSource(wav, "wav", "pcm_s24le", 16000, 1);
  }

  @Test
  void wavPcm32IsExactToFloatPrecision() throws IOException {
    SplittableRandom rng = Seeds.random("wavPcm32IsExactToFloatPrecision");
    int[] pcm = new int[30_000];
    for (int i = 0; i < pcm.length; i++) pcm[i] = rng.nextInt();
    Path wav = write("pcm32.wav", WavFile.pcm32(pcm, 16000, 1));
    float[] expected = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) expected[i] = (float) pcm[i] / 2147483648f; // one float rounding
    assertArrayEquals(expected, Audio.read(wav));
    assertSource(wav, "wav", "pcm_s32le", 16000, 1);
  }

  @Test
  void wavFloat32IsBitExact() throws IOException {
    float[] samples = Seeds.gaussian(Seeds.random("wavFloat32IsBitExact"), 30_000, 0.3);
    Path wav = write("float.wav", WavFile.float32(samples, 16000, 1));
    assertArrayEquals(samples, Audio.read(wav));
    assertSource(wav, "wav", "pcm_f32le", 16000, 1);
  }

  @Test
  void flacIsBitExact() {
    short[] pcm = TestSignals.randomPcm16(Seeds.random("flacIsBitExact"), 50_000);
    float[] samples = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768f;
    Path flac = dir.resolve("pcm16.flac");
    AudioEncoder.encode(flac, samples, 16000, 1, Format.FLAC);
    assertArrayEquals(samples, Audio.read(flac));
    assertSource(flac, "flac", "flac", 16000, 1);
  }

  static Stream<Arguments> resampledCases() {
    return Stream.of(Arguments.of(8000, 1), Arguments.of(22050, 2), Arguments.of(44100, 2),
        Arguments.of(48000, 2), Arguments.of(16000, 2), Arguments.of(32000, 3), Arguments.of(48000, 6));
  }

  @ParameterizedTest(name = "{0} Hz, {1} channels")
  @MethodSource("resampledCases")
  void resampledWavAndFlacMatchTheClosedFormSignal(int rate, int channels) throws IOException {
    SplittableRandom rng = Seeds.random("resampled " + rate + "/" + channels);
    TestSignals.Tones[] tones = TestSignals.randomTones(rng, channels, rate);
    int frames = 2 * rate + rng.nextInt(rate);
    float[] signal = TestSignals.interleaved(tones, rate, frames);
    int length = (int) Math.ceil(TestSignals.resampledLength(frames, rate));
    double[] expected = TestSignals.expectedMono16k(tones, length);

    Path wav = write("tones.wav", WavFile.float32(signal, rate, channels));
    float[] fromWav = Audio.read(wav);
    TestSignals.assertResampledLength(frames, rate, fromWav.length);
    double wavError = TestSignals.maxInteriorError(fromWav, expected);
    assertTrue(wavError <= RESAMPLE_TOL, "wav error " + wavError);

    Path flac = dir.resolve("tones.flac");
    AudioEncoder.encode(flac, signal, rate, channels, Format.FLAC);
    float[] fromFlac = Audio.read(flac);
    TestSignals.assertResampledLength(frames, rate, fromFlac.length);
    double flacError = TestSignals.maxInteriorError(fromFlac, expected);
    assertTrue(flacError <= RESAMPLE_PCM16_TOL, "flac error " + flacError);
    assertSource(flac, "flac", "flac", rate, channels);
  }

  static Stream<Arguments> lossyCases() {
    return Stream.of(
        Arguments.of(Format.MP3, 44100, 2), Arguments.of(Format.MP3, 22050, 2), Arguments.of(Format.MP3, 8000, 1),
        Arguments.of(Format.VORBIS_OGG, 44100, 2), Arguments.of(Format.VORBIS_OGG, 22050, 2),
        Arguments.of(Format.OPUS_OGG, 48000, 2), Arguments.of(Format.OPUS_OGG, 16000, 1),
        Arguments.of(Format.OPUS_WEBM, 48000, 1), Arguments.of(Format.OPUS_WEBM, 48000, 2),
        Arguments.of(Format.OPUS_WEBM, 8000, 1));
  }

  @ParameterizedTest(name = "{0} {1} Hz, {2} channels")
  @MethodSource("lossyCases")
  void lossyFormatsKeepLengthAndSignal(Format format, int rate, int channels) throws IOException {
    SplittableRandom rng = Seeds.random("lossy " + format + " " + rate + "/" + channels);
    TestSignals.Tones[] tones = TestSignals.randomTones(rng, channels, rate);
    if (format == Format.VORBIS_OGG) {
      // FFmpeg's own (experimental) Vorbis encoder, the only one in this build, mangles stereo
      // whose channels differ (correlation ~0.8): give both channels the same content.
      java.util.Arrays.fill(tones, tones[0]);
    }
    int frames = 2 * rate + rng.nextInt(rate);
    Path file = dir.resolve("tones." + format.extension());
    AudioEncoder.encode(file, TestSignals.interleaved(tones, rate, frames), rate, channels, format);
    int length = (int) Math.round(TestSignals.resampledLength(frames, rate));

    float[] decoded = Audio.read(file);
    int slack = (int) Math.ceil(LOSSY_LENGTH_SLACK * 16000.0 / Math.min(rate, 16000));
    assertTrue(Math.abs(decoded.length - length) <= slack, "length " + decoded.length + " vs " + length);
    double correlation = TestSignals.correlation(decoded, TestSignals.expectedMono16k(tones, length));
    assertTrue(correlation >= LOSSY_MIN_CORRELATION, "correlation " + correlation);
    float[] streamed = Audio.read(Files.readAllBytes(file), file.getFileName().toString());
    if (format == Format.MP3) {
      // Without seeking FFmpeg does not apply the LAME header's gapless trim, so a streamed MP3
      // keeps the encoder's priming and padding (observed: 1003 extra samples at 44.1 kHz).
      assertTrue(streamed.length > decoded.length && streamed.length - decoded.length <= 2304 * 16000 / rate,
          "streamed length " + streamed.length + " vs " + decoded.length);
    } else {
      assertArrayEquals(decoded, streamed, "the same bytes through an InputStream");
    }
  }

  @Test
  void smallReadsConcatenateToTheWholeDecode() throws IOException {
    SplittableRandom rng = Seeds.random("smallReadsConcatenateToTheWholeDecode");
    TestSignals.Tones[] tones = TestSignals.randomTones(rng, 2, 48000);
    Path file = dir.resolve("tones.webm");
    AudioEncoder.encode(file, TestSignals.interleaved(tones, 48000, 70_000), 48000, 2, Format.OPUS_WEBM);
    float[] whole = Audio.read(file);
    float[] pieces = new float[whole.length];
    float[] buffer = new float[1 + rng.nextInt(500)];
    int total = 0;
    try (AudioReader reader = AudioReader.open(Files.newInputStream(file), "tones.webm")) {
      for (int n; (n = reader.read(buffer)) >= 0; total += n) {
        assertTrue(n > 0 && total + n <= whole.length, "read " + n + " at " + total);
        System.arraycopy(buffer, 0, pieces, total, n);
      }
      assertEquals(-1, reader.read(buffer), "stays at the end");
      assertEquals(0, reader.read(new float[0]));
    }
    assertEquals(whole.length, total);
    assertArrayEquals(whole, pieces);
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static void assertSource(Path file, String container, String codec, int rate, int channels) {
    try (AudioReader reader = AudioReader.open(file)) {
      assertEquals(container, reader.container());
      assertEquals(codec, reader.codec());
      assertEquals(rate, reader.sourceSampleRate());
      assertEquals(channels, reader.sourceChannels());
    }
  }
}
