package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.model.Checkpoint;
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
 * MOMENT" — through the Transcriber in one pass and in 1 s chunks. Skipped where no weights are present (none can be
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
    Path model = open(Path.of(weights));
    try (Transcriber onePass = Transcriber.builder(model).build();
        Transcriber chunked = Transcriber.builder(model).chunkSeconds(1.0).overlapSeconds(0.25).pauseSeconds(0).build()) {
      for (Utterance clip : clips) {
        float[] audio = Audio.read(clip.audio());
        String expected = clip.text().toUpperCase(Locale.ROOT);
        assertEquals(expected, onePass.transcribe(audio, Audio.SAMPLE_RATE).text(), clip.audio().toString());
        assertEquals(expected, chunked.transcribe(audio, Audio.SAMPLE_RATE).text(), clip.audio() + " in 1 s chunks");
      }
    }
  }

  /** Our checkpoint folder as it is, or any other source imported first. */
  private Path open(Path weights) throws IOException {
    if (Files.isDirectory(weights) && Wav2Vec2Config.ARCHITECTURE.equals(architectureOrNull(weights))) return weights;
    Path imported = dir.resolve("imported");
    Wav2Vec2Import.run(weights, imported, Wav2Vec2Import.Options.DEFAULTS);
    return imported;
  }

  private static String architectureOrNull(Path folder) throws IOException {
    Path config = folder.resolve(Checkpoint.CONFIG);
    return Files.isRegularFile(config) && Files.readString(config).contains("\"architecture\"")
        ? Checkpoint.architecture(folder) : null;
  }
}
