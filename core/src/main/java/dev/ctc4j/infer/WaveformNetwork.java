package dev.ctc4j.infer;

import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.util.List;

/**
 * wav2vec2-family models (wav2vec2, HuBERT: the same encoder), which read the waveform. Each
 * utterance is its own forward pass (no padding or attention masks), gathered into one padded
 * batch of log-probabilities. An utterance shorter than the receptive field (400 samples) has no
 * frames, as a log-mel model's shortest inputs have none.
 */
final class WaveformNetwork implements Network {
  private final Wav2Vec2Model model;

  WaveformNetwork(Wav2Vec2Model model) {
    this.model = model;
  }

  @Override
  public SpeechModel.Input input() {
    Wav2Vec2Config c = model.config();
    return new SpeechModel.Input(SpeechModel.InputKind.WAVEFORM, c.sampleRate(), c.hopSamples(),
        c.normalizeWaveform() ? "waveform, zero mean and unit variance per pass" : "waveform as is");
  }

  @Override
  public SpeechModel.Emissions emissions(List<float[]> audio) {
    Wav2Vec2Config c = model.config();
    int classes = c.classes();
    long[] lengths = new long[audio.size()];
    float[][] rows = new float[audio.size()][];
    int longest = 1; // a batch of utterances without frames still has a [batch, 1, classes] tensor
    for (int b = 0; b < rows.length; b++) {
      lengths[b] = c.outputFrames(audio.get(b).length);
      if (lengths[b] == 0) continue;
      try (Tensor logProbs = model.logProbs(audio.get(b))) {
        rows[b] = logProbs.toFloatArray();
      }
      if (rows[b].length != lengths[b] * classes) { // the batch's layout relies on the config's frame count
        throw new IllegalStateException("wav2vec2 gave " + rows[b].length / classes + " frames for "
            + audio.get(b).length + " samples, its config says " + lengths[b]);
      }
      longest = Math.max(longest, Math.toIntExact(lengths[b]));
    }
    float[] padded = new float[Math.multiplyExact(Math.multiplyExact(rows.length, longest), classes)];
    for (int b = 0; b < rows.length; b++) {
      if (rows[b] != null) System.arraycopy(rows[b], 0, padded, b * longest * classes, rows[b].length);
    }
    return new SpeechModel.Emissions(Tensor.of(model.device(), padded, rows.length, longest, classes), lengths);
  }

  @Override
  public void close() {
    model.close();
  }
}
