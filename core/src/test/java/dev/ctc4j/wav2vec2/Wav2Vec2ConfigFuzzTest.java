package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.testing.ParserContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * An imported wav2vec2 folder's config.json, the sizes derived from it, and loading it beside the
 * weights of a tiny model (seed {@code matches-the-weights.json}): a config that claims a bigger
 * model ({@code base.json}, {@code huge-embed-dim.json}) must be refused before it is built.
 */
class Wav2Vec2ConfigFuzzTest {
  private static final Path FOLDER = folderWithTinyWeights();

  @FuzzTest(maxDuration = "2s")
  void read(byte[] input) throws Exception {
    ParserContract.file("wav2vec2/" + Checkpoint.CONFIG, input);
    ParserContract.parse(() -> Wav2Vec2Model.readConfig(FOLDER)).ifPresent(config -> {
      assertTrue(config.hopSamples() > 0 && config.receptiveField() > 0);
      config.outputFrames(16_000);
    });
    ParserContract.parse(() -> Wav2Vec2Model.load(FOLDER, TinyModels.CPU)).ifPresent(Wav2Vec2Model::close);
  }

  private static Path folderWithTinyWeights() {
    Path folder = ParserContract.folder().resolve("wav2vec2");
    try (Wav2Vec2Model model = Wav2Vec2Model.create(TinyModels.base(), TinyModels.CPU, 1)) {
      model.save(folder);
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
