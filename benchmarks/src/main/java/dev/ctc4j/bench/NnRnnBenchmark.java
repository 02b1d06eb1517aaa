package dev.ctc4j.bench;

import dev.ctc4j.nn.Rnn;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.TorchTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * 2-layer bidirectional LSTM/GRU, hidden 512, input 161 (DeepSpeech-sized): ours vs libtorch
 * (torch.lstm / torch.gru, same weights) for inference and training forward + backward, at 1
 * thread and all threads. shape = batch x frames. Methods ctc4jX pair with torchX for Run's ratio table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NnRnnBenchmark {
  @Param({"LSTM", "GRU"})
  public String cell;

  @Param({"1x32", "16x500"})
  public String shape;

  @Param({"1", "0"}) // 0 = all cores
  public int threads;

  private static final int INPUT = 161, HIDDEN = 512, LAYERS = 2;
  private Rnn rnn;
  private Tensor x, dy;
  private int[] lengths;
  private org.bytedeco.pytorch.Tensor tx, tdy;
  private TensorVector params;
  private PointerScope scope;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams trial) {
    Threads.useEverywhere(threads, trial);
    String[] bt = shape.split("x");
    int batch = Integer.parseInt(bt[0]), steps = Integer.parseInt(bt[1]);
    SplittableRandom rng = new SplittableRandom(7);
    rnn = new Rnn(Device.CPU, Rnn.Cell.valueOf(cell), INPUT, HIDDEN, LAYERS, true, false, true, rng);
    float[] xv = random(rng, steps * batch * INPUT), gv = random(rng, steps * batch * 2 * HIDDEN);
    x = Tensor.of(Device.CPU, xv, steps, batch, INPUT);
    dy = Tensor.of(Device.CPU, gv, steps, batch, 2 * HIDDEN);
    lengths = new int[batch];
    java.util.Arrays.fill(lengths, steps);
    scope = new PointerScope();
    tx = TorchTensors.floats(xv, steps, batch, INPUT);
    tdy = TorchTensors.floats(gv, steps, batch, 2 * HIDDEN);
    List<org.bytedeco.pytorch.Tensor> ps = new ArrayList<>();
    rnn.namedParameters().values().forEach(p -> ps.add(TorchTensors.floats(p.value().toFloatArray(), p.shape()).requires_grad_(true)));
    params = new TensorVector(ps.toArray(new org.bytedeco.pytorch.Tensor[0]));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    rnn.close();
    x.close();
    dy.close();
    scope.close();
  }

  private static float[] random(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    return v;
  }

  private org.bytedeco.pytorch.Tensor torchForward(boolean train) {
    long batch = tx.size(1);
    org.bytedeco.pytorch.Tensor h0 = torch.zeros(new long[] {2L * LAYERS, batch, HIDDEN},
        new TensorOptions(torch.ScalarType.Float));
    if (cell.equals("LSTM")) {
      return torch.lstm(tx, new TensorVector(h0, h0), params, true, LAYERS, 0.0, train, true, false).get0();
    }
    return torch.gru(tx, h0, params, true, LAYERS, 0.0, train, true, false).get0();
  }

  @Benchmark
  public float ctc4jInference() {
    rnn.train(false);
    try (Rnn.Output o = rnn.forward(x, lengths, null)) {
      return o.y().numel();
    }
  }

  @Benchmark
  public float torchInference() {
    try (PointerScope s = new PointerScope(); org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      return torchForward(false).numel();
    }
  }

  @Benchmark
  public float ctc4jTraining() {
    rnn.train(true);
    try (Rnn.Trace t = rnn.trace(x, lengths, null); Rnn.Output o = t.output(); Rnn.Gradients g = t.backward(dy, null)) {
      rnn.zeroGrad();
      return g.dx().numel();
    }
  }

  @Benchmark
  public float torchTraining() {
    try (PointerScope s = new PointerScope()) {
      torchForward(true).mul(tdy).sum().backward();
      for (int i = 0; i < params.size(); i++) params.get(i).grad().zero_();
      return 0;
    }
  }
}
