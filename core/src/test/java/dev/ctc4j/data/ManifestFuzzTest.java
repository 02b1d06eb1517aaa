package dev.ctc4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** JSON-lines manifests: one {"audio", "text", "duration"} object per line. */
class ManifestFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    var file = ParserContract.file("manifest.jsonl", input);
    ParserContract.parse(() -> Manifest.read(file));
  }
}
