package dev.ctc4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;
import java.util.Arrays;

/** .npy arrays exchanged with other tools: magic, header length, dtype, shape, data. */
class NpyFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    var file = ParserContract.file("array.npy", input);
    ParserContract.parse(() -> Npy.read(file)).ifPresent(array ->
        assertEquals(Arrays.stream(array.shape()).reduce(1, Math::multiplyExact), array.data().length));
  }
}
