package dev.ctc4j.bench;

import dev.ctc4j.features.MelConfig;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.TorchTensors;
import dev.ctc4j.train.TrainConfig;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Whole-model inference on the CPU: the model section of configs/{config}.json (DeepSpeech2 or
 * ResCNN+BiGRU, our initial weights) on random normalised features, shape = batch x seconds of
 * audio (100 frames per second), ours vs the same model and weights in libtorch
 * (TorchSpeechModel, no-grad), at 1 thread and all threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ModelForwardBenchmark {
  @Param({"an4-deepspeech2", "an4-rescnn-bigru"})
  public String config;

  @Param({"1x10", "16x4"})
  public String shape;

  @Param({"1", "0"}) // 0 = all cores
  public int threads;

  private AcousticModel model;
  private Tensor features;
  private int[] frames;
  private PointerScope scope;
  private TorchSpeechModel peer;
  private org.bytedeco.pytorch.Tensor peerFeatures;
  private long[] lengths, outLengths;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams trial) throws IOException {
    Threads.useEverywhere(threads, trial);
    TrainConfig train = TrainConfig.read(Path.of("configs", config + ".json"));
    MelConfig mel = train.features();
    String[] bs = shape.split("x");
    int batch = Integer.parseInt(bs[0]), seconds = Integer.parseInt(bs[1]);
    int steps = seconds * mel.sampleRate() / mel.hopLength() + 1; // centred frames
    float[] values = new float[batch * mel.nMels() * steps];
    Random rng = new Random(7);
    for (int i = 0; i < values.length; i++) values[i] = (float) rng.nextGaussian();

    model = AcousticModel.create(train.model(), Device.CPU, train.seed());
    model.train(false);
    features = Tensor.of(Device.CPU, values, batch, mel.nMels(), steps);
    frames = new int[batch];
    Arrays.fill(frames, steps);
    lengths = Arrays.stream(frames).asLongStream().toArray();
    outLengths = Arrays.stream(model.outputLengths(frames)).asLongStream().toArray();

    scope = new PointerScope();
    peer = new TorchSpeechModel(model);
    peerFeatures = TorchTensors.floats(values, batch, mel.nMels(), steps);
    System.out.printf("%nmax |ctc4j - libtorch| log-probability: %.2e%n", maxDifference());
  }

  /** Both sides' outputs differ only by float32 rounding when the peer computes the same function. */
  private double maxDifference() {
    float[] ours;
    try (AcousticModel.Output out = model.forward(features, frames)) {
      ours = out.logProbs().toFloatArray();
    }
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      org.bytedeco.pytorch.Tensor theirs = peer.forward(peerFeatures, lengths, outLengths).contiguous();
      FloatPointer values = new FloatPointer(theirs.data_ptr_float());
      double max = 0;
      for (int i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - values.get(i)));
      return max;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
    features.close();
    scope.close();
  }

  @Benchmark
  public long ctc4jForward() {
    try (AcousticModel.Output out = model.forward(features, frames)) {
      return out.logProbs().numel();
    }
  }

  @Benchmark
  public long torchForward() {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      return peer.forward(peerFeatures, lengths, outLengths).numel();
    }
  }
}
