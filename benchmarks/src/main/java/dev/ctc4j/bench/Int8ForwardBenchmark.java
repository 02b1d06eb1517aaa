package dev.ctc4j.bench;

import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.quant.Int8Quantizer;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.TorchTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The embedded AN4 model's forward pass (models/an4: Conv1d + 3 BiGRU + Linear, its real weights) on
 * random normalised features, shape = batch x seconds (100 frames per second), in float32 and int8
 * (Int8Quantizer: the same weights quantized), against libtorch on the same inputs and weights in
 * float32 and with its dynamic int8 quantization (TorchCtcModel). Run prints each library's int8 speed-up.
 * Each iteration also prints the calls' CPU time ({@link ThreadCpuTime}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Int8ForwardBenchmark {
  @Param({"1x10"})
  public String shape;

  @Param({"1"}) // 0 = all cores
  public int threads;

  private AcousticModel fp32, int8;
  private Tensor features;
  private int[] frames;
  private PointerScope scope;
  private TorchCtcModel torchFp32, torchInt8;
  private org.bytedeco.pytorch.Tensor peerFeatures;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams trial) throws IOException {
    Threads.useEverywhere(threads, trial);
    String[] bs = shape.split("x");
    int batch = Integer.parseInt(bs[0]), steps = Integer.parseInt(bs[1]) * 100 + 1; // centred 10 ms frames
    fp32 = Checkpoint.load(Path.of("models/an4"), Device.CPU);
    int8 = Int8Quantizer.quantize(Checkpoint.load(Path.of("models/an4"), Device.CPU));
    fp32.train(false);
    int8.train(false);
    int mels = fp32.config().nFeatures();
    float[] values = new float[batch * mels * steps];
    Random rng = new Random(7);
    for (int i = 0; i < values.length; i++) values[i] = (float) rng.nextGaussian();
    features = Tensor.of(Device.CPU, values, batch, mels, steps);
    frames = new int[batch];
    Arrays.fill(frames, steps);

    scope = new PointerScope();
    torchFp32 = new TorchCtcModel(fp32, false);
    torchInt8 = new TorchCtcModel(fp32, true);
    peerFeatures = TorchTensors.floats(values, batch, mels, steps);
    float[] reference = forward(fp32);
    System.out.printf("%nmax |log-probability - float32 ctc4j|: ctc4j int8 %.2e, libtorch float32 %.2e, "
        + "libtorch int8 %.2e%n", maxDifference(reference, forward(int8)), maxDifference(reference, forward(torchFp32)),
        maxDifference(reference, forward(torchInt8)));
  }

  private float[] forward(AcousticModel model) {
    try (AcousticModel.Output out = model.forward(features, frames)) {
      return out.logProbs().toFloatArray();
    }
  }

  private float[] forward(TorchCtcModel model) {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      org.bytedeco.pytorch.Tensor y = model.forward(peerFeatures).contiguous();
      float[] out = new float[(int) y.numel()];
      new FloatPointer(y.data_ptr_float()).get(out);
      return out;
    }
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    return max;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    fp32.close();
    int8.close();
    features.close();
    scope.close();
  }

  @Benchmark
  public long ctc4jForward(ThreadCpuTime cpu) {
    return cpu.time(() -> run(fp32));
  }

  @Benchmark
  public long ctc4jInt8Forward(ThreadCpuTime cpu) {
    return cpu.time(() -> run(int8));
  }

  @Benchmark
  public long torchForward(ThreadCpuTime cpu) {
    return cpu.time(() -> run(torchFp32));
  }

  @Benchmark
  public long torchInt8Forward(ThreadCpuTime cpu) {
    return cpu.time(() -> run(torchInt8));
  }

  private long run(AcousticModel model) {
    try (AcousticModel.Output out = model.forward(features, frames)) {
      return out.logProbs().numel();
    }
  }

  private long run(TorchCtcModel model) {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      return model.forward(peerFeatures).numel();
    }
  }
}
