package dev.ctc4j.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/**
 * Audio files through FFmpeg: mutated WAV, FLAC, Ogg (Vorbis, Opus) and WebM seeds, opened from a
 * file and decoded to the end. The file has no extension, so FFmpeg probes the content alone.
 */
class AudioReaderFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void decode(byte[] input) throws Exception {
    var file = ParserContract.file("audio", input);
    ParserContract.parse(() -> {
      try (AudioReader reader = AudioReader.open(file)) {
        float[] buffer = new float[4096];
        for (int n; (n = reader.read(buffer)) >= 0; ) assertTrue(n <= buffer.length);
        return reader;
      }
    });
  }
}
