package dev.ctc4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What POST /v1/transcribe does with an upload once Jetty has parsed the multipart form: the part's
 * file name (the input up to its first newline) and bytes go to the in-memory decoder, which
 * returns samples or a 400 naming the problem. Multipart parsing itself is Jetty's.
 */
class UploadFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void decode(byte[] input) {
    int newline = indexOf(input, (byte) '\n');
    String filename = new String(input, 0, newline, StandardCharsets.UTF_8);
    byte[] content = Arrays.copyOfRange(input, Math.min(newline + 1, input.length), input.length);
    try {
      TranscribeEndpoint.decode(content, "upload '" + filename + "'");
    } catch (ApiError refused) {
      assertEquals(400, refused.status(), refused.getMessage());
    }
  }

  private static int indexOf(byte[] input, byte b) {
    for (int i = 0; i < input.length; i++) if (input[i] == b) return i;
    return input.length;
  }
}
