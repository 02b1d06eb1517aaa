package dev.ctc4j.infer;

import java.util.List;

/**
 * What turns 16 kHz audio into CTC log-probabilities inside a {@link SpeechModel}: a log-mel front
 * end with a trained acoustic model ({@link LogMelNetwork}), or a network that reads the waveform
 * itself ({@link WaveformNetwork}, wav2vec2 and HuBERT). Everything above it (batching, long audio,
 * streaming, decoding, alignment, evaluation) is the same for both.
 */
sealed interface Network extends AutoCloseable permits LogMelNetwork, WaveformNetwork {
  /** What it takes; asked once, when the SpeechModel is built. */
  SpeechModel.Input input();

  /** Log-probabilities [batch, frames, classes] and frame counts for utterances of any lengths. */
  SpeechModel.Emissions emissions(List<float[]> audio);

  @Override
  void close();
}
