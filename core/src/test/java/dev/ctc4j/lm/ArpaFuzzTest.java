package dev.ctc4j.lm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** ARPA files, plain or gzip (the reader sniffs the gzip magic), built into the native table and queried. */
class ArpaFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void load(byte[] input) throws Exception {
    var file = ParserContract.file("lm.arpa", input);
    ParserContract.parse(() -> NgramLanguageModel.load(file)).ifPresent(lm -> {
      try (lm) {
        assertTrue(lm.vocabularySize() >= 1 && lm.order() >= 1);
        LmQueries.probe(lm);
      }
    });
  }
}
