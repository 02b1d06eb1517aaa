package dev.ctc4j.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;
import java.nio.charset.StandardCharsets;

/**
 * The WebSocket stream's control input: text frames (only {"type":"end"} ends a stream; the parser
 * must never throw) and the ?rate= query parameter (a rate or a typed refusal).
 */
class StreamControlFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void control(byte[] input) throws Exception {
    String text = new String(input, StandardCharsets.UTF_8);
    StreamEndpoint.isEnd(text);
    ParserContract.parse(() -> StreamEndpoint.sampleRate(text));
  }
}
