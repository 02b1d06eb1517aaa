package dev.ctc4j.cli;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.MelScale;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Npy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j features AUDIO -o OUT.npy}: log-mel features of one audio file as float32 [n_mels, frames]. */
@Command(name = "features", description = "Write the log-mel features of an audio file as float32 [n_mels, frames] .npy.")
final class FeaturesCommand implements Callable<Integer> {
  @Parameters(paramLabel = "AUDIO", description = "Any audio file FFmpeg decodes (WAV, FLAC, MP3, OGG, Opus, WebM...).")
  Path audio;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy")
  Path output;

  @Option(names = "--n-mels", defaultValue = "80") int nMels;
  @Option(names = "--n-fft", defaultValue = "400") int nFft;
  @Option(names = "--win-length", description = "Defaults to n_fft.", defaultValue = "0") int winLength;
  @Option(names = "--hop-length", defaultValue = "160") int hopLength;
  @Option(names = "--f-min", defaultValue = "0") float fMin;
  @Option(names = "--f-max", description = "Defaults to the Nyquist frequency.", defaultValue = "0") float fMax;

  @Option(names = "--mel-scale", defaultValue = "htk", description = "htk or slaney.",
      converter = MelScaleConverter.class)
  MelScale melScale;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, cuda:N or auto.")
  String device;

  @Override
  public Integer call() throws Exception {
    MelConfig config = MelConfig.builder().sampleRate(Audio.SAMPLE_RATE).nMels(nMels).nFft(nFft)
        .winLength(winLength).hopLength(hopLength).fMin(fMin).fMax(fMax).melScale(melScale).build();
    float[] samples = Audio.read(audio);
    try (LogMelSpectrogram mel = new LogMelSpectrogram(config);
        Features features = mel.compute(List.of(samples), Device.parse(device).requireAvailable())) {
      long frames = features.frames()[0];
      Npy.write(output, features.values().toFloatArray(), nMels, frames);
      System.out.printf("%s: %.2f s -> %d x %d log-mel features in %s%n", audio, samples.length / (double) Audio.SAMPLE_RATE,
          nMels, frames, output);
    }
    return 0;
  }

  static final class MelScaleConverter implements picocli.CommandLine.ITypeConverter<MelScale> {
    @Override
    public MelScale convert(String value) {
      return MelScale.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    }
  }
}
