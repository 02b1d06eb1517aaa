package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With real weights (CTC4J_WAV2VEC2_DIR: our checkpoint folder, a Hugging Face folder such as
 * facebook/wav2vec2-base-960h, or a torchaudio state dict as .safetensors or torch.save file), the VOiCES clip of the
 * shared LibriSpeech samples is transcribed exactly — "I HAD THAT CURIOSITY BESIDE ME AT THIS
 * MOMENT" — in one pass and in 1 s chunks. Skipped where no weights are present (none can be
 * downloaded here).
 */
class Wav2Vec2RealWeightsTest {
  @TempDir Path dir;

  @Test
  void transcribesTheVoicesClip() throws IOException {
    String weights = System.getenv("CTC4J_WAV2VEC2_DIR");
    assumeTrue(weights != null && !weights.isBlank(), "CTC4J_WAV2VEC2_DIR is not set: no wav2vec2 weights here");
    Path samples = SharedData.require("librispeech-samples/samples.jsonl");
    List<Utterance> clips = Manifest.read(samples).stream()
        .filter(u -> u.audio().getParent().getFileName().toString().equals("voices")).toList();
    assertFalse(clips.isEmpty(), "no VOiCES clips listed in " + samples);
    try (Wav2Vec2Model model = open(Path.of(weights))) {
      ChunkedInference chunked = new ChunkedInference(model, 1.0, 0.25);
      for (Utterance clip : clips) {
        float[] audio = Audio.read(clip.audio());
        String expected = clip.text().toUpperCase(Locale.ROOT);
        assertEquals(expected, model.transcribe(audio).text().trim(), clip.audio().toString());
        assertEquals(expected, chunked.transcribe(audio).text().trim(), clip.audio() + " in 1 s chunks");
      }
    }
  }

  private Wav2Vec2Model open(Path weights) throws IOException {
    Path config = weights.resolve(Checkpoint.CONFIG);
    if (Files.isRegularFile(config) && Files.readString(config).contains("\"architecture\"")) {
      return Wav2Vec2Model.load(weights, Device.CPU);
    }
    Path imported = dir.resolve("imported");
    Wav2Vec2Import.run(weights, imported, Wav2Vec2Import.Options.DEFAULTS);
    return Wav2Vec2Model.load(imported, Device.CPU);
  }
}
