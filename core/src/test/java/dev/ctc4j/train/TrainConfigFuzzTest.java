package dev.ctc4j.train;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** A training run's JSON configuration (model, features, data, optimiser, schedule). */
class TrainConfigFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    var file = ParserContract.file("train.json", input);
    ParserContract.parse(() -> TrainConfig.read(file));
  }
}
