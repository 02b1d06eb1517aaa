package dev.ctc4j.infer;

import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Random-weight model directories (their transcripts are noise, but deterministic) and test audio. */
public final class TestModels {
  private TestModels() {}

  /** A small Conv1d(stride 2) + LSTM/GRU model (cell null: DNN) over 20 mels; weights from {@code seed}. */
  public static Path write(Path dir, String cell, boolean bidirectional, Normalization normalization, long seed)
      throws IOException {
    ModelConfig config = ModelConfig.ctc(Labels.english().tokens(), 20, cell, bidirectional, 24, 2, 16, 5, 2, 0f);
    MelConfig features = MelConfig.builder().nMels(20).normalization(normalization).build();
    Files.createDirectories(dir);
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, seed)) {
      SpeechModel.save(dir, model, features);
    }
    return dir;
  }

  /** A 16-bit mono WAV file of 16 kHz samples. */
  public static Path writeWav(Path file, float[] samples) throws IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + 2 * samples.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 2 * samples.length).put("WAVEfmt ".getBytes()).putInt(16).putShort((short) 1)
        .putShort((short) 1).putInt(16000).putInt(32000).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes()).putInt(2 * samples.length);
    for (float x : samples) b.putShort((short) Math.round(Math.max(-1, Math.min(1, x)) * 32767));
    return Files.write(file, b.array());
  }

  /** Noise with voiced, amplitude-modulated stretches and pauses, at 16 kHz. */
  public static float[] speechLike(SplittableRandom rng, double seconds) {
    int n = (int) (seconds * 16000);
    float[] x = new float[n];
    double f0 = 90 + rng.nextDouble() * 150;
    double phase = 0;
    for (int i = 0; i < n; i++) {
      double t = i / 16000.0;
      double envelope = Math.max(0, Math.sin(2 * Math.PI * t * (0.7 + 0.1 * f0 / 100)));
      phase += 2 * Math.PI * f0 * (1 + 0.1 * Math.sin(2 * Math.PI * 3 * t)) / 16000;
      x[i] = (float) (envelope * (0.3 * Math.sin(phase) + 0.1 * Math.sin(3 * phase)) + 0.02 * (2 * rng.nextDouble() - 1));
    }
    return x;
  }
}
