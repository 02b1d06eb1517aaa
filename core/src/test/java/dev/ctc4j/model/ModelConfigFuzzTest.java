package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** A model folder's config.json: the architecture probe and the validated ModelConfig. */
class ModelConfigFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    ParserContract.file(Checkpoint.CONFIG, input);
    ParserContract.parse(() -> Checkpoint.architecture(ParserContract.folder()));
    ParserContract.parse(() -> Checkpoint.readConfig(ParserContract.folder()))
        .ifPresent(config -> assertTrue(config.classes() >= 2 && config.hidden() > 0));
  }
}
