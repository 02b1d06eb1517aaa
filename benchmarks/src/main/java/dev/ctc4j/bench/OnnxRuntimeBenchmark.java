package dev.ctc4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ctc4j.Ctc4j;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.onnx.OnnxExport;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * ctc4j against ONNX Runtime (CPU execution provider, all graph optimisations) running ctc4j's own
 * ONNX export of the same model and weights, on the same inputs: the embedded AN4 model's acoustic
 * forward pass on random normalised log-mel features (batch x seconds, 100 frames per second), and
 * wav2vec2 base (random weights, 32 classes) from the 10 s waveform to log-probabilities. Both run
 * {@code threads} threads (ORT intra-op threads, sequential execution; Ctc4j.setThreads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OnnxRuntimeBenchmark {
  /** model:batch x seconds. */
  @Param({"an4:1x10", "an4:16x4", "wav2vec2-base:1x10"})
  public String input;

  @Param({"1"}) // 0 = all cores
  public int threads;

  private AcousticModel an4;
  private Wav2Vec2Model wav2vec2;
  private Tensor features;
  private int[] frames;
  private float[] values;
  private long[] shape, lengths;
  private OrtEnvironment env;
  private OrtSession session;
  private String inputName, lengthsName;
  private OnnxTensor peerInput, peerLengths; // made once, as ctc4j's features tensor is

  @Setup(Level.Trial)
  public void setup() throws IOException, OrtException {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    String[] parts = input.split("[:x]");
    int batch = Integer.parseInt(parts[1]), seconds = Integer.parseInt(parts[2]);
    SplittableRandom rng = new SplittableRandom(7);
    ModelProto proto;
    if (parts[0].equals("an4")) {
      Path dir = Path.of("models/an4");
      MelConfig mel = SpeechModel.readFeatures(dir);
      an4 = Checkpoint.load(dir, Device.CPU);
      an4.train(false);
      int steps = seconds * mel.sampleRate() / mel.hopLength() + 1; // centred frames
      shape = new long[] {batch, mel.nMels(), steps};
      values = gaussian(rng, batch * mel.nMels() * steps);
      features = Tensor.of(Device.CPU, values, shape);
      frames = new int[batch];
      Arrays.fill(frames, steps);
      proto = OnnxExport.of(an4, mel);
      inputName = OnnxExport.FEATURES;
      lengthsName = OnnxExport.FEATURE_LENGTHS;
    } else {
      List<String> labels = new ArrayList<>(List.of("<pad>", " "));
      for (int i = 2; i < 32; i++) labels.add("c" + i);
      Wav2Vec2Config config = Wav2Vec2Config.base(labels, 0);
      wav2vec2 = Wav2Vec2Model.create(config, Device.CPU, 7);
      int samples = seconds * config.sampleRate();
      values = new float[samples];
      for (int i = 0; i < samples; i++) values[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.3);
      shape = new long[] {1, samples};
      frames = new int[] {samples};
      proto = OnnxExport.of(wav2vec2);
      inputName = OnnxExport.WAVEFORM;
      lengthsName = OnnxExport.WAVEFORM_LENGTHS;
    }
    lengths = Arrays.stream(frames).asLongStream().toArray();
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(n);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(proto.toByteArray(), options);
    }
    peerInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
    peerLengths = OnnxTensor.createTensor(env, LongBuffer.wrap(lengths), new long[] {lengths.length});
    System.out.printf("%nmax |ctc4j - onnxruntime| log-probability: %.2e%n", maxDifference());
  }

  /** Both sides compute the same function: their outputs differ only by float32 rounding. */
  private double maxDifference() throws OrtException {
    float[] ours = ours();
    float[][][] theirs;
    try (OrtSession.Result r = runPeer()) {
      theirs = (float[][][]) r.get(0).getValue();
    }
    int n = theirs.length, t = theirs[0].length, c = theirs[0][0].length;
    double max = 0;
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < t; i++) {
        for (int k = 0; k < c; k++) {
          float mine = an4 != null ? ours[(i * n + b) * c + k] : ours[i * c + k]; // AN4: time-major [T', N, C]
          max = Math.max(max, Math.abs(mine - theirs[b][i][k]));
        }
      }
    }
    return max;
  }

  private float[] ours() {
    if (an4 == null) {
      try (Tensor logProbs = wav2vec2.logProbs(values)) {
        return logProbs.toFloatArray();
      }
    }
    try (AcousticModel.Output out = an4.forward(features, frames)) {
      return out.logProbs().toFloatArray();
    }
  }

  private OrtSession.Result runPeer() throws OrtException {
    return session.run(Map.of(inputName, peerInput, lengthsName, peerLengths));
  }

  private static float[] gaussian(SplittableRandom rng, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble()));
    }
    return out;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    peerInput.close();
    peerLengths.close();
    session.close();
    if (an4 != null) an4.close();
    if (wav2vec2 != null) wav2vec2.close();
    if (features != null) features.close();
  }

  @Benchmark
  public long ctc4jForward() {
    if (an4 == null) {
      try (Tensor logProbs = wav2vec2.logProbs(values)) {
        return logProbs.numel();
      }
    }
    try (AcousticModel.Output out = an4.forward(features, frames)) {
      return out.logProbs().numel();
    }
  }

  /** The run alone: inputs already in native memory, the outputs left there (as ctc4j's are). */
  @Benchmark
  public long onnxRuntimeForward() throws OrtException {
    try (OrtSession.Result r = runPeer()) {
      return r.size();
    }
  }
}
