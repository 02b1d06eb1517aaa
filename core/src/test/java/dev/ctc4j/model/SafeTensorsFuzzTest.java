package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;
import java.util.Arrays;

/** model.safetensors: header size, JSON header, dtypes, shapes and byte ranges from outside. */
class SafeTensorsFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    var file = ParserContract.file("model.safetensors", input);
    ParserContract.parse(() -> SafeTensors.read(file, name -> name.endsWith("num_batches_tracked")))
        .ifPresent(tensors -> tensors.forEach((name, t) ->
            assertEquals(Arrays.stream(t.shape()).reduce(1, Math::multiplyExact), t.values().length, name)));
  }
}
