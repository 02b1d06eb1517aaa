package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.testing.ParserContract;

/** An imported wav2vec2 folder's config.json, and the sizes derived from it. */
class Wav2Vec2ConfigFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    ParserContract.file(Checkpoint.CONFIG, input);
    ParserContract.parse(() -> Wav2Vec2Model.readConfig(ParserContract.folder())).ifPresent(config -> {
      assertTrue(config.hopSamples() > 0 && config.receptiveField() > 0);
      config.outputFrames(16_000);
    });
  }
}
