package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.ParserContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model folder's config.json: the architecture probe, the validated ModelConfig, and loading it
 * beside the weights of one small model (seed {@code matches-the-weights.json}): a config that
 * claims a bigger model must be refused before it is built ({@code huge-hidden.json} once
 * allocated gigabytes).
 */
class ModelConfigFuzzTest {
  private static final Path FOLDER = folderWithSmallWeights();

  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    ParserContract.file("ctc/" + Checkpoint.CONFIG, input);
    ParserContract.parse(() -> Checkpoint.architecture(FOLDER));
    ParserContract.parse(() -> Checkpoint.readConfig(FOLDER))
        .ifPresent(config -> assertTrue(config.classes() >= 2 && config.hidden() > 0));
    ParserContract.parse(() -> Checkpoint.load(FOLDER, Device.CPU)).ifPresent(AcousticModel::close);
  }

  private static Path folderWithSmallWeights() {
    Path folder = ParserContract.folder().resolve("ctc");
    ModelConfig small = ModelConfig.ctc(List.of("a", "b", "c", "d", "e"), 20, "lstm", false, 8, 1, 0, 0, 0, 0f);
    try (AcousticModel model = AcousticModel.create(small, Device.CPU, 1)) {
      Checkpoint.save(folder, model);
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
