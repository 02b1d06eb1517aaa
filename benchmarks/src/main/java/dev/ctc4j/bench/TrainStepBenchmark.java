package dev.ctc4j.bench;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.ctc.CtcLayout;
import dev.ctc4j.ctc.CtcLoss;
import dev.ctc4j.ctc.CtcResult;
import dev.ctc4j.ctc.CtcTargets;
import dev.ctc4j.ctc.Reduction;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.TorchTensors;
import dev.ctc4j.train.Adam;
import dev.ctc4j.train.Optimizer;
import dev.ctc4j.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
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
 * One DeepSpeech2 training step on the CPU, as Trainer runs it: forward, CTC loss (mean,
 * zero_infinity) and its gradient, backward, gradient-norm clipping and an AdamW update, for
 * configs/an4-deepspeech2.json's model and optimiser on a batch of 16 real AN4 train utterances of
 * 2–6 s (a seeded pick; log-mel features as the config computes them). Peer: the same model,
 * weights and batch through libtorch (TorchSpeechModel, torch ctc_loss + backward, the same
 * clipping, torch AdamW). Throughput in audio seconds per wall second = the batch's audio seconds
 * (printed at setup) / the time per step.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainStepBenchmark {
  @Param({"1", "0"}) // 0 = all cores
  public int threads;

  private static final Path CONFIG = Path.of("configs/an4-deepspeech2.json");
  private static final int BATCH = 16;
  private static final double MIN_SECONDS = 2, MAX_SECONDS = 6;

  private double lr, maxGradNorm;
  // ctc4j
  private AcousticModel model;
  private List<Parameter> params;
  private Optimizer optimizer;
  private CtcLoss ctc;
  private Features features;
  private int[] frames;
  private long[] outLengths, targetLengths;
  private CtcTargets targets;
  private long step;
  // libtorch
  private PointerScope scope;
  private TorchSpeechModel peer;
  private TensorVector peerParams;
  private AdamW peerOptimizer;
  private Tensor peerFeatures, peerTargets;
  private long[] lengths;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams trial) throws IOException {
    Threads.useEverywhere(threads, trial);
    TrainConfig config = TrainConfig.read(CONFIG);
    ModelConfig modelConfig = config.model();
    lr = config.optimizer().lr();
    maxGradNorm = config.optimizer().maxGradNorm();
    List<Utterance> batch = pick(Manifest.read(CONFIG.getParent().resolve(config.data().train())), config.seed());
    try (LogMelSpectrogram mel = new LogMelSpectrogram(config.features())) {
      features = mel.compute(batch.stream().map(u -> Audio.read(u.audio())).toList(), Device.CPU);
    }
    Labels labels = new Labels(modelConfig.labels(), 0, modelConfig.labels().indexOf(" "));
    List<int[]> encoded = batch.stream().map(u -> labels.encode(u.text())).toList();
    int[] concatenated = encoded.stream().flatMapToInt(Arrays::stream).toArray();
    targetLengths = encoded.stream().mapToLong(t -> t.length).toArray();
    targets = CtcTargets.concatenated(concatenated, targetLengths);
    lengths = features.frames();
    frames = Arrays.stream(lengths).mapToInt(Math::toIntExact).toArray();

    model = AcousticModel.create(modelConfig, Device.CPU, config.seed());
    outLengths = Arrays.stream(model.outputLengths(frames)).asLongStream().toArray();
    params = new ArrayList<>(model.namedParameters().values());
    TrainConfig.Optim o = config.optimizer();
    optimizer = new Adam(params, o.betas().get(0), o.betas().get(1), o.eps(), o.weightDecay(), true);
    ctc = CtcLoss.builder().blank(0).reduction(Reduction.MEAN).zeroInfinity(true).layout(CtcLayout.TIME_MAJOR).build();

    scope = new PointerScope();
    peer = new TorchSpeechModel(model);
    peer.train(true);
    peerParams = peer.parameters();
    AdamWOptions options = new AdamWOptions(lr);
    options.betas().put(0, o.betas().get(0)).put(1, o.betas().get(1));
    options.eps().put(o.eps());
    options.weight_decay().put(o.weightDecay());
    peerOptimizer = new AdamW(peerParams, options);
    peerFeatures = TorchTensors.floats(features.values().toFloatArray(), features.values().shape());
    peerTargets = TorchTensors.longs(Arrays.stream(concatenated).asLongStream().toArray(), concatenated.length);

    double audioSeconds = batch.stream().mapToDouble(Utterance::duration).sum();
    System.out.printf("%nbatch: %d AN4 utterances, %.2f s of audio (%.2f-%.2f s each), %d feature frames padded%n",
        batch.size(), audioSeconds, batch.stream().mapToDouble(Utterance::duration).min().orElse(0),
        batch.stream().mapToDouble(Utterance::duration).max().orElse(0), features.maxFrames());
    System.out.printf("first step's CTC loss (same weights and batch): ctc4j %.5f, libtorch %.5f%n", ctc4jStep(),
        torchStep());
  }

  /** A seeded pick of BATCH utterances of MIN_SECONDS to MAX_SECONDS. */
  private static List<Utterance> pick(List<Utterance> all, long seed) {
    List<Utterance> fit = new ArrayList<>(all.stream()
        .filter(u -> u.duration() >= MIN_SECONDS && u.duration() <= MAX_SECONDS && Files.exists(u.audio())).toList());
    if (fit.size() < BATCH) {
      throw new IllegalStateException("need " + BATCH + " AN4 train utterances of " + MIN_SECONDS + "-" + MAX_SECONDS
          + " s under ../shared/data/an4, found " + fit.size());
    }
    Collections.shuffle(fit, new Random(seed));
    return fit.subList(0, BATCH);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    optimizer.close();
    model.close();
    features.close();
    scope.close();
  }

  @Benchmark
  public double ctc4jStep() {
    model.train(true);
    model.setStep(step++);
    params.forEach(Parameter::zeroGrad);
    double loss;
    try (AcousticModel.TrainingPass pass = model.trainingForward(features.values(), frames);
        CtcResult result = ctc.lossAndGradient(pass.output().logProbs(), outLengths, targets)) {
      loss = result.loss();
      pass.backward(result.gradient());
    }
    Optimizer.clipGradNorm(params, maxGradNorm);
    optimizer.step(lr);
    return loss;
  }

  @Benchmark
  public double torchStep() {
    try (PointerScope s = new PointerScope()) {
      peerOptimizer.zero_grad();
      Tensor logProbs = peer.forward(peerFeatures, lengths, outLengths);
      Tensor loss = torch.ctc_loss(logProbs, peerTargets, outLengths, targetLengths, 0, 1 /* mean */, true);
      loss.backward();
      clipGradNorm(peerParams, maxGradNorm);
      peerOptimizer.step();
      return loss.item_float();
    }
  }

  /** torch.nn.utils.clip_grad_norm_: scales every gradient so their global L2 norm is at most maxNorm. */
  private static void clipGradNorm(TensorVector params, double maxNorm) {
    Tensor sumSquares = IntStream.range(0, (int) params.size()).mapToObj(i -> params.get(i).grad().square().sum())
        .reduce(Tensor::add).orElseThrow();
    double scale = maxNorm / (Math.sqrt(sumSquares.item_float()) + 1e-6);
    if (scale < 1) {
      for (int i = 0; i < params.size(); i++) params.get(i).grad().mul_(new Scalar(scale));
    }
  }
}
