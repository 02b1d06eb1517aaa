package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real speech from ../shared/data (16 kHz mono 16-bit FLAC). The reference is the encoder's own
 * record in each file's STREAMINFO block: the sample count and the MD5 of the original samples,
 * read here without FFmpeg. Decoding must reproduce the samples exactly (MD5 equal) and agree with
 * the manifest's duration to its rounding.
 */
class RealSpeechTest {
  private static final Pattern ENTRY = Pattern.compile("\"audio\": \"([^\"]+)\".*\"duration\": ([0-9.]+)");

  @ParameterizedTest
  @ValueSource(strings = {"an4/test.jsonl", "librispeech-samples/samples.jsonl"})
  void decodesEveryUtteranceExactly(String manifest) throws IOException {
    Path manifestPath = SharedData.require(manifest);
    List<String> lines = Files.readAllLines(manifestPath);
    for (String line : lines) {
      Matcher m = ENTRY.matcher(line);
      assertTrue(m.find(), line);
      Path flac = manifestPath.resolveSibling(m.group(1));
      double duration = Double.parseDouble(m.group(2));
      int decimals = m.group(2).contains(".") ? m.group(2).length() - m.group(2).indexOf('.') - 1 : 0;
      StreamInfo info = StreamInfo.read(flac);
      assertEquals(16000, info.sampleRate, flac.toString());

      float[] samples = Audio.read(flac);
      assertEquals(info.totalSamples, samples.length, flac + " sample count");
      assertTrue(Math.abs(samples.length / 16000.0 - duration) <= 0.5 * Math.pow(10, -decimals) + 1e-9,
          flac + ": " + samples.length + " samples vs manifest " + duration + " s");
      assertArrayEquals(info.md5, md5OfPcm16(samples, flac), flac + " MD5 of the decoded samples");
    }
    System.out.println(manifest + ": " + lines.size() + " utterances decoded bit-exactly");
  }

  /** The MD5 FLAC records: of the samples as little-endian signed 16-bit. */
  private static byte[] md5OfPcm16(float[] samples, Path flac) {
    byte[] bytes = new byte[2 * samples.length];
    for (int i = 0; i < samples.length; i++) {
      float scaled = samples[i] * 32768f;
      short s = (short) scaled;
      assertEquals(s, scaled, 0f, flac + " sample " + i + " is not a 16-bit value");
      bytes[2 * i] = (byte) s;
      bytes[2 * i + 1] = (byte) (s >> 8);
    }
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** FLAC's STREAMINFO block, parsed from the file's first 42 bytes. */
  private record StreamInfo(int sampleRate, long totalSamples, byte[] md5) {
    static StreamInfo read(Path flac) throws IOException {
      byte[] head = new byte[42];
      try (InputStream in = Files.newInputStream(flac)) {
        assertEquals(42, in.readNBytes(head, 0, 42));
      }
      assertEquals("fLaC", new String(head, 0, 4, java.nio.charset.StandardCharsets.US_ASCII), flac.toString());
      long packed = 0;
      for (int i = 18; i < 26; i++) packed = packed << 8 | (head[i] & 0xff);
      byte[] md5 = java.util.Arrays.copyOfRange(head, 26, 42);
      return new StreamInfo((int) (packed >>> 44), packed & ((1L << 36) - 1), md5);
    }
  }
}
