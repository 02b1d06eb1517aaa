package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.audio.AudioEncoder.Format;
import dev.ctc4j.audio.AudioException.Problem;
import dev.ctc4j.testing.Seeds;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad input: each case gets an AudioException with the right problem and the input's name, from
 * both a file and a stream, and never a JVM crash. Damage found while decoding is reported after
 * the samples before it were delivered (streaming cannot take them back).
 */
class BadAudioTest {
  @TempDir Path dir;

  @Test
  void missingFile() {
    Path missing = dir.resolve("nowhere.wav");
    expect(Problem.MISSING, missing.toString(), () -> Audio.read(missing));
  }

  @Test
  void directory() {
    expect(Problem.NOT_AUDIO, dir.toString(), () -> Audio.read(dir));
  }

  @Test
  void emptyFileAndStream() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.flac"));
    expect(Problem.EMPTY, empty.toString(), () -> Audio.read(empty));
    expect(Problem.EMPTY, "upload.webm", () -> Audio.read(new byte[0], "upload.webm"));
  }

  @Test
  void headerWithoutSamplesIsEmpty() throws IOException {
    assertBoth(Problem.EMPTY, "header-only.wav", WavFile.header(WavFile.PCM, 16, 1, 16000, 0));
  }

  /** Containers that declare their length: the prefix is delivered, then TRUNCATED. */
  @ParameterizedTest
  @EnumSource(names = {"FLAC", "MP3", "OPUS_WEBM"})
  void truncatedHalfDeliversThePrefixThenThrows(Format format) throws IOException {
    byte[] whole = encodeTones(format, Seeds.random("truncated " + format));
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    int total = Audio.read(whole, "whole").length;
    Path file = Files.write(dir.resolve("half." + format.extension()), half);
    float[] buffer = new float[1000];
    long delivered = 0;
    try (AudioReader reader = AudioReader.open(file)) {
      AudioException e = assertThrows(AudioException.class, () -> {
        while (reader.read(buffer) >= 0) {}
      });
      assertEquals(Problem.TRUNCATED, e.problem(), e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    try (AudioReader reader = AudioReader.open(file)) {
      for (int n; (n = reader.read(buffer)) > 0; delivered += n) {}
    } catch (AudioException expected) {
      // thrown once the prefix has been read
    }
    assertTrue(delivered > 0.3 * total && delivered < 0.7 * total, delivered + " of " + total + " samples");
  }

  @Test
  void truncatedWavThrows() throws IOException {
    byte[] wav = WavFile.float32(new float[64_001], 16000, 1);
    assertBoth(Problem.TRUNCATED, "cut.wav", Arrays.copyOf(wav, wav.length / 2 + 1));
  }

  /**
   * Ogg declares no total length, so an Ogg file cut between pages is indistinguishable from a
   * shorter one: its complete pages decode without error. Documented behaviour, not a wish.
   */
  @Test
  void truncatedOggYieldsItsCompletePages() throws IOException {
    byte[] whole = encodeTones(Format.OPUS_OGG, Seeds.random("truncatedOgg"));
    float[] all = Audio.read(whole, "whole.ogg");
    float[] prefix = Audio.read(Arrays.copyOf(whole, whole.length / 2), "half.ogg");
    // FFmpeg's Ogg muxer writes pages of up to 1 s: half of the 4 s file's bytes hold one or two whole pages.
    assertTrue(prefix.length > 0.2 * all.length && prefix.length < 0.7 * all.length, prefix.length + " of " + all.length);
    assertEquals(0, Arrays.compare(Arrays.copyOf(all, 1000), Arrays.copyOf(prefix, 1000)));
  }

  @ParameterizedTest
  @EnumSource(names = {"FLAC", "MP3"})
  void garbageInTheMiddleIsCorrupt(Format format) throws IOException {
    SplittableRandom rng = Seeds.random("garbageInTheMiddle " + format);
    byte[] bytes = encodeTones(format, rng);
    for (int i = bytes.length / 3; i < 2 * bytes.length / 3; i++) bytes[i] = (byte) rng.nextInt();
    assertBoth(Problem.CORRUPT, "damaged." + format.extension(), bytes);
  }

  @Test
  void garbageAfterAValidHeaderIsCorrupt() throws IOException {
    SplittableRandom rng = Seeds.random("garbageAfterAValidHeader");
    byte[] bytes = encodeTones(Format.FLAC, rng);
    int header = 8 + 34; // "fLaC", the STREAMINFO block header and its 34 bytes
    for (int i = header; i < bytes.length; i++) bytes[i] = (byte) rng.nextInt();
    bytes[4] |= (byte) 0x80; // STREAMINFO is now the last metadata block; audio frames follow
    assertBoth(Problem.CORRUPT, "garbage.flac", bytes);
  }

  @Test
  void textIsNotAudio() throws IOException {
    assertBoth(Problem.NOT_AUDIO, "notes.txt",
        "This is a text file, not audio.\n".repeat(40).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void pngIsNotAudio() throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", png);
    assertBoth(Problem.NOT_AUDIO, "picture.png", png.toByteArray());
  }

  /** Random bytes can hold a chance MPEG sync word, so FFmpeg may call them a damaged MP3. */
  @Test
  void randomBytesAreRejected() throws IOException {
    SplittableRandom rng = Seeds.random("randomBytesAreRejected");
    byte[] bytes = new byte[8192];
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) rng.nextInt();
    AudioException e = assertThrows(AudioException.class, () -> Audio.read(bytes, "noise.bin"));
    assertTrue(e.problem() == Problem.NOT_AUDIO || e.problem() == Problem.CORRUPT, e.getMessage());
    assertTrue(e.getMessage().contains("noise.bin"), e.getMessage());
  }

  @Test
  void wavWithZeroChannels() throws IOException {
    assertBoth(Problem.NO_CHANNELS, "zero-channels.wav", wavWithHeaderField(22, (short) 0));
  }

  @Test
  void wavWithSampleRateZero() throws IOException {
    assertBoth(Problem.BAD_SAMPLE_RATE, "rate-0.wav", wavWithHeaderField(24, 0));
  }

  @Test
  void wavWithAbsurdSampleRate() throws IOException {
    assertBoth(Problem.BAD_SAMPLE_RATE, "rate-1e9.wav", wavWithHeaderField(24, 1_000_000_000));
  }

  @Test
  void pcmArraysWithNoChannels() {
    expect(Problem.NO_CHANNELS, "0 channels", () -> Audio.fromPcm16(new short[10], 16000, 0));
    expect(Problem.NO_CHANNELS, "-2 channels", () -> Audio.fromFloat(new float[10], 16000, -2));
  }

  @Test
  void pcmArraysWithAbsurdSampleRates() {
    for (int rate : new int[] {0, -16000, 999, 1_000_000_000}) {
      expect(Problem.BAD_SAMPLE_RATE, rate + " Hz", () -> Audio.fromFloat(new float[10], rate, 1));
      expect(Problem.BAD_SAMPLE_RATE, rate + " Hz", () -> Audio.fromPcm16(new short[10], rate, 1));
    }
  }

  @Test
  void pcmArraysEndingMidFrame() {
    expect(Problem.TRUNCATED, "2 channels", () -> Audio.fromFloat(new float[11], 16000, 2));
    expect(Problem.TRUNCATED, "3 channels", () -> Audio.fromPcm16(new short[10], 44100, 3));
  }

  @Test
  void streamFailuresPropagateAsIoErrors() throws IOException {
    byte[] wav = WavFile.float32(new float[100_000], 16000, 1);
    InputStream failing = new InputStream() {
      int served;

      @Override
      public int read() throws IOException {
        if (served++ >= 50_000) throw new IOException("connection reset");
        return wav[served - 1] & 0xff;
      }
    };
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
      try (AudioReader reader = AudioReader.open(failing, "upload.wav")) {
        while (reader.read(new float[4096]) >= 0) {}
      }
    });
    assertTrue(e.getMessage().contains("upload.wav") && e.getCause().getMessage().contains("connection reset"));
  }

  private byte[] encodeTones(Format format, SplittableRandom rng) throws IOException {
    int rate = format == Format.FLAC ? 44100 : 48000;
    Path file = dir.resolve("source." + format.extension());
    float[] signal = TestSignals.interleaved(TestSignals.randomTones(rng, 2, rate), rate, 4 * rate);
    AudioEncoder.encode(file, signal, rate, 2, format);
    return Files.readAllBytes(file);
  }

  private static byte[] wavWithHeaderField(int offset, Number value) {
    byte[] wav = WavFile.pcm16(new short[32_000], 16000, 2);
    ByteBuffer header = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
    if (value instanceof Short s) header.putShort(offset, s);
    else header.putInt(offset, value.intValue());
    return wav;
  }

  /** The same bytes as a file and as a stream both fail with {@code problem}. */
  private void assertBoth(Problem problem, String name, byte[] bytes) throws IOException {
    Path file = Files.write(dir.resolve(name), bytes);
    expect(problem, file.toString(), () -> Audio.read(file));
    expect(problem, name, () -> Audio.read(bytes, name));
    expect(problem, name, () -> {
      try (AudioReader reader = AudioReader.open(new ByteArrayInputStream(bytes), name)) {
        while (reader.read(new float[777]) >= 0) {}
      }
    });
  }

  private static void expect(Problem problem, String named, Runnable action) {
    AudioException e = assertThrows(AudioException.class, action::run);
    assertEquals(problem, e.problem(), e.getMessage());
    assertTrue(e.getMessage().contains(named), "message names " + named + ": " + e.getMessage());
  }
}
