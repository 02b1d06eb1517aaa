package dev.ctc4j.lm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The binary LM cache (native ctc4j_lm_load). The input is the cache after its magic and source
 * fingerprint, which the target writes itself so that the fuzzer works on the sizes, vocabulary and
 * tables behind them. A cache the loader refuses falls back to the ARPA file; one it accepts must
 * answer queries without crashing or hanging.
 */
class LmCacheFuzzTest {
  private static final Path ARPA = ParserContract.file("source.arpa", """
      \\data\\
      ngram 1=4
      ngram 2=2

      \\1-grams:
      -1.0 <s> -0.5
      -1.0 </s>
      -0.7 a -0.3
      -0.9 b -0.2

      \\2-grams:
      -0.2 <s> a
      -0.4 a b

      \\end\\
      """.getBytes(StandardCharsets.UTF_8));

  @FuzzTest(maxDuration = "2s")
  void load(byte[] input) throws Exception {
    Path cache = ParserContract.folder().resolve("lm.cache");
    Files.write(cache, ByteBuffer.allocate(16 + input.length).order(ByteOrder.LITTLE_ENDIAN)
        .put("CTC4JLM1".getBytes(StandardCharsets.US_ASCII)).putLong(NgramLanguageModel.fingerprint(ARPA)).put(input).array());
    ParserContract.parse(() -> NgramLanguageModel.load(ARPA, cache)).ifPresent(lm -> {
      try (lm) {
        LmQueries.probe(lm);
      }
    });
  }
}
