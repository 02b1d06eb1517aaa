package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.tensor.Device;
import java.util.Arrays;
import java.util.List;

/** The trained CTC models: a log-mel front end, then the acoustic model, the batch in one forward pass. */
final class LogMelNetwork implements Network {
  private final AcousticModel acoustic;
  private final LogMelSpectrogram frontEnd;
  private final Device device;
  private final boolean ownsAcoustic;

  LogMelNetwork(AcousticModel acoustic, MelConfig features, Device device, boolean ownsAcoustic) {
    if (features.nMels() != acoustic.config().nFeatures()) {
      throw new InvalidInputException("front end gives " + features.nMels() + " features, the model takes "
          + acoustic.config().nFeatures());
    }
    acoustic.train(false);
    this.acoustic = acoustic;
    this.frontEnd = new LogMelSpectrogram(features);
    this.device = device;
    this.ownsAcoustic = ownsAcoustic;
  }

  AcousticModel acoustic() {
    return acoustic;
  }

  LogMelSpectrogram frontEnd() {
    return frontEnd;
  }

  @Override
  public SpeechModel.Input input() {
    MelConfig c = frontEnd.config();
    return new SpeechModel.Input(SpeechModel.InputKind.LOG_MEL, c.sampleRate(),
        c.hopLength() * acoustic.inputFramesPerOutputFrame(),
        c.nMels() + " log-mel bins, normalisation " + c.normalization().name().toLowerCase(java.util.Locale.ROOT));
  }

  @Override
  public SpeechModel.Emissions emissions(List<float[]> audio) {
    try (Features f = frontEnd.compute(audio, device);
        AcousticModel.Output out = acoustic.forward(f.values(), Arrays.stream(f.frames()).mapToInt(Math::toIntExact).toArray())) {
      return new SpeechModel.Emissions(Ops.permute(out.logProbs(), 1, 0, 2),
          Arrays.stream(out.lengths()).asLongStream().toArray());
    }
  }

  @Override
  public void close() {
    frontEnd.close();
    if (ownsAcoustic) acoustic.close();
  }
}
