package dev.ctc4j.bench;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Log-mel (16 kHz, n_fft 400, hop 160, 80 mels) of batch x 16 s: ctc4j vs libtorch's
 * stft + |.|^2 + filterbank matmul + log on the same native input, at 1 thread and all threads.
 * Inputs and outputs stay native on both sides; seconds of audio per second = batch * 16 / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LogMelBenchmark {
  static final int SECONDS = 16, RATE = 16000;

  @Param({"1", "0"})  // 0 = all cores
  public int threads;

  @Param({"1", "32"})
  public int batch;

  private LogMelSpectrogram mel;
  private Tensor audio;
  private long[] lengths;
  private org.bytedeco.pytorch.Tensor torchAudio, torchWindow, torchFilterbank;

  @Setup(Level.Trial)
  public void setUp() {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    torch.set_num_threads(n);
    MelConfig config = MelConfig.builder().build();
    mel = new LogMelSpectrogram(config);
    float[] samples = speechLike(batch * SECONDS * RATE);
    audio = Tensor.of(Device.CPU, samples, batch, SECONDS * RATE);
    lengths = new long[batch];
    java.util.Arrays.fill(lengths, SECONDS * RATE);
    torchAudio = torch.empty(new long[] {batch, SECONDS * RATE}, new TensorOptions(torch.ScalarType.Float),
        new MemoryFormatOptional());
    new FloatPointer(torchAudio.data_ptr_float()).put(samples);
    torchWindow = torch.hann_window(config.winLength(), true);
    float[][] fb = mel.filterbank();  // [bins, mels]
    float[] flat = new float[fb.length * fb[0].length];
    for (int k = 0; k < fb.length; k++) System.arraycopy(fb[k], 0, flat, k * fb[0].length, fb[0].length);
    torchFilterbank = torch.empty(new long[] {fb.length, fb[0].length}, new TensorOptions(torch.ScalarType.Float),
        new MemoryFormatOptional());
    new FloatPointer(torchFilterbank.data_ptr_float()).put(flat);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    audio.close();
    mel.close();
  }

  @Benchmark
  public long ctc4j() {
    try (Features f = mel.compute(audio, lengths)) {
      return f.frames()[0];
    }
  }

  @Benchmark
  public long torch() {
    try (PointerScope scope = new PointerScope()) {
      org.bytedeco.pytorch.Tensor spec = torch.stft(torchAudio, 400, new LongOptional(160), new LongOptional(400),
          new TensorOptional(torchWindow), true, "reflect", false, new BoolOptional(true), new BoolOptional(true),
          new BoolOptional());
      org.bytedeco.pytorch.Tensor power = torch.abs(spec).pow(new Scalar(2.0));  // [batch, bins, frames]
      org.bytedeco.pytorch.Tensor melPower = torch.matmul(torchFilterbank.t(), power);  // [batch, mels, frames]
      return torch.clamp_min(melPower, new Scalar(1e-10)).log().size(2);
    }
  }

  static float[] speechLike(int n) {
    SplittableRandom rng = new SplittableRandom(42);
    float[] x = new float[n];
    double phase = 0;
    for (int i = 0; i < n; i++) {
      phase += 2 * Math.PI * 150 * (1 + 0.3 * Math.sin(i * 1e-4)) / RATE;
      x[i] = (float) (0.3 * Math.sin(phase) + 0.1 * Math.sin(3 * phase) + 0.02 * (rng.nextDouble() - 0.5));
    }
    return x;
  }
}
