package dev.ctc4j.infer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** A model folder's features.json (the log-mel front end's settings). */
class FeaturesJsonFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    ParserContract.file(SpeechModel.FEATURES, input);
    ParserContract.parse(() -> SpeechModel.readFeatures(ParserContract.folder()));
  }
}
