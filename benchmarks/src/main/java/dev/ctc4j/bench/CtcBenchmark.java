package dev.ctc4j.bench;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.ctc.CtcLoss;
import dev.ctc4j.ctc.CtcResult;
import dev.ctc4j.ctc.CtcTargets;
import dev.ctc4j.ctc.Reduction;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
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

/**
 * CTC loss + gradient of float32 log-probabilities [T, N, C] (reduction mean): ctc4j against
 * libtorch's CPU ctc_loss forward and backward, same inputs, same thread count (1, or every core
 * with threads = 0). {@code ctc4j} allocates its gradient tensor on every call, as libtorch does;
 * {@code ctc4jReusedGradient} writes into one tensor kept across calls (CtcLoss.lossAndGradientInto).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CtcBenchmark {
  /** T x N x C x S: input frames, batch, classes, target length. */
  @Param({"500x16x29x100", "150x128x28x40", "150x64x5000x20"})
  public String size;

  @Param({"1", "0"})
  public int threads;

  private int time, batch, classes;
  private float[] logProbs;
  private long[] inputLengths, targetLengths;
  private int[] targets;
  private dev.ctc4j.tensor.Tensor ours, gradient;
  private CtcTargets ourTargets;
  private CtcLoss loss;
  private Tensor torchLogProbs, torchTargets;

  @Setup(Level.Trial)
  public void setUp() {
    String[] dims = size.split("x");
    time = Integer.parseInt(dims[0]);
    batch = Integer.parseInt(dims[1]);
    classes = Integer.parseInt(dims[2]);
    int length = Integer.parseInt(dims[3]);
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    torch.set_num_threads(n);
    SplittableRandom rng = new SplittableRandom(42);
    logProbs = new float[time * batch * classes];
    for (int r = 0; r < time * batch; r++) {
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (int c = 0; c < classes; c++) logProbs[r * classes + c] = (float) (rng.nextGaussian() * 2);
      for (int c = 0; c < classes; c++) max = Math.max(max, logProbs[r * classes + c]);
      for (int c = 0; c < classes; c++) sum += Math.exp(logProbs[r * classes + c] - max);
      for (int c = 0; c < classes; c++) logProbs[r * classes + c] -= (float) (max + Math.log(sum));
    }
    inputLengths = new long[batch];
    targetLengths = new long[batch];
    targets = new int[batch * length];
    for (int b = 0; b < batch; b++) {
      inputLengths[b] = time;
      targetLengths[b] = length;
      for (int i = 0; i < length; i++) targets[b * length + i] = 1 + rng.nextInt(classes - 1);
    }
    ours = dev.ctc4j.tensor.Tensor.of(Device.CPU, logProbs, time, batch, classes);
    gradient = dev.ctc4j.tensor.Tensor.zeros(Device.CPU, DType.F32, time, batch, classes);
    ourTargets = CtcTargets.padded(targets, length, targetLengths);
    loss = CtcLoss.builder().reduction(Reduction.MEAN).build();
    TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
    torchLogProbs = torch.empty(new long[] {time, batch, classes}, f32, new MemoryFormatOptional());
    new FloatPointer(torchLogProbs.data_ptr_float()).put(logProbs);
    torchTargets = torch.empty(new long[] {batch, length}, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
    long[] wide = new long[targets.length];
    for (int i = 0; i < wide.length; i++) wide[i] = targets[i];
    new LongPointer(torchTargets.data_ptr_long()).put(wide);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ours.close();
    gradient.close();
  }

  @Benchmark
  public float ctc4j() {
    try (CtcResult r = loss.lossAndGradient(ours, inputLengths, ourTargets)) {
      return (float) r.loss();
    }
  }

  @Benchmark
  public float ctc4jReusedGradient() {
    return (float) loss.reduce(loss.lossAndGradientInto(ours, inputLengths, ourTargets, gradient), ourTargets);
  }

  @Benchmark
  public float libtorch() {
    try (PointerScope scope = new PointerScope()) {
      Tensor x = torchLogProbs.detach();
      x.set_requires_grad(true);
      Tensor out = torch.ctc_loss(x, torchTargets, inputLengths, targetLengths, 0, 1, false);
      out.backward();
      return x.grad().data_ptr_float().get();
    }
  }
}
