package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;
import java.util.Arrays;

/**
 * pytorch_model.bin from outside: torch.save's zip, its pickle and its storages through the restricted
 * unpickler. Seeds: three of the Python torch.save fixtures (torch/README.md says how they were made).
 */
class TorchStateDictFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    var file = ParserContract.file("pytorch_model.bin", input);
    ParserContract.parse(() -> TorchStateDict.read(file))
        .ifPresent(tensors -> tensors.forEach((name, t) ->
            assertEquals(Arrays.stream(t.shape()).reduce(1, Math::multiplyExact), t.values().length, name)));
  }
}
