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
import dev.ctc4j.quant.Int8Quantizer;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.train.TrainConfig;
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
 * ctc4j in float32 and int8 against ONNX Runtime (CPU execution provider, all graph optimisations)
 * running ctc4j's own ONNX export of the same model and weights, on the same inputs. Acoustic models
 * (the embedded AN4 model with its real weights; DeepSpeech2 and ResCNN+BiGRU from their configs,
 * random weights) take random normalised features, batch x seconds at 100 frames per second, or
 * {@code chunk}: batch 1, 32 frames, a streaming step's size; wav2vec2 base (random weights, 32
 * classes) goes from the 10 s waveform to log-probabilities. The int8 model is the float32 one
 * through {@link Int8Quantizer}. Both libraries run {@code threads} threads (ORT intra-op threads,
 * sequential execution; Ctc4j.setThreads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OnnxRuntimeBenchmark {
  /** model:batch x seconds, or model:chunk. */
  @Param({"an4:1x10", "an4:16x4", "an4:chunk", "an4-deepspeech2:1x10", "an4-deepspeech2:chunk",
      "an4-rescnn-bigru:1x10", "an4-rescnn-bigru:chunk", "wav2vec2-base:1x10"})
  public String input;

  @Param({"1"}) // 0 = all cores
  public int threads;

  private static final int CHUNK_FRAMES = 32;

  private AcousticModel acoustic, acousticInt8;
  private Wav2Vec2Model wav2vec2, wav2vec2Int8;
  private Tensor features;
  private int[] frames;
  private float[] values;
  private long[] shape;
  private OrtSession session;
  private String inputName, lengthsName;
  private OnnxTensor peerInput, peerLengths; // made once, as ctc4j's features tensor is

  @Setup(Level.Trial)
  public void setup() throws IOException, OrtException {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    Ctc4j.setThreads(n);
    String[] parts = input.split(":");
    ModelProto proto = parts[0].equals("wav2vec2-base") ? setupWav2Vec2() : setupAcoustic(parts[0], parts[1]);
    long[] lengths = Arrays.stream(frames).asLongStream().toArray();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(n);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(proto.toByteArray(), options);
    }
    peerInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
    peerLengths = OnnxTensor.createTensor(env, LongBuffer.wrap(lengths), new long[] {lengths.length});
    float[] peer = peerOutput();
    System.out.printf("%nmax |ctc4j - onnxruntime| log-probability: %.2e; int8: %.2e%n",
        maxDifference(ours(false), peer), maxDifference(ours(true), peer));
  }

  private ModelProto setupAcoustic(String name, String size) throws IOException {
    MelConfig mel;
    if (name.equals("an4")) {
      Path dir = Path.of("models/an4");
      mel = SpeechModel.readFeatures(dir);
      acoustic = Checkpoint.load(dir, Device.CPU);
      acousticInt8 = Int8Quantizer.quantize(Checkpoint.load(dir, Device.CPU));
    } else {
      TrainConfig train = TrainConfig.read(Path.of("configs", name + ".json"));
      mel = train.features();
      acoustic = AcousticModel.create(train.model(), Device.CPU, train.seed());
      acousticInt8 = Int8Quantizer.quantize(AcousticModel.create(train.model(), Device.CPU, train.seed()));
    }
    acoustic.train(false);
    acousticInt8.train(false);
    int batch = 1, steps = CHUNK_FRAMES;
    if (!size.equals("chunk")) {
      String[] bs = size.split("x");
      batch = Integer.parseInt(bs[0]);
      steps = Integer.parseInt(bs[1]) * mel.sampleRate() / mel.hopLength() + 1; // centred frames
    }
    shape = new long[] {batch, mel.nMels(), steps};
    values = gaussian(new SplittableRandom(7), batch * mel.nMels() * steps);
    features = Tensor.of(Device.CPU, values, shape);
    frames = new int[batch];
    Arrays.fill(frames, steps);
    inputName = OnnxExport.FEATURES;
    lengthsName = OnnxExport.FEATURE_LENGTHS;
    return OnnxExport.of(acoustic, mel);
  }

  private ModelProto setupWav2Vec2() {
    List<String> labels = new ArrayList<>(List.of("<pad>", " "));
    for (int i = 2; i < 32; i++) labels.add("c" + i);
    Wav2Vec2Config config = Wav2Vec2Config.base(labels, 0);
    wav2vec2 = Wav2Vec2Model.create(config, Device.CPU, 7);
    wav2vec2Int8 = Int8Quantizer.quantize(Wav2Vec2Model.create(config, Device.CPU, 7));
    int samples = 10 * config.sampleRate();
    SplittableRandom rng = new SplittableRandom(7);
    values = new float[samples];
    for (int i = 0; i < samples; i++) values[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.3);
    shape = new long[] {1, samples};
    frames = new int[] {samples};
    inputName = OnnxExport.WAVEFORM;
    lengthsName = OnnxExport.WAVEFORM_LENGTHS;
    return OnnxExport.of(wav2vec2);
  }

  /** ONNX Runtime's log-probabilities [N, T', C], flattened in ctc4j's layout. */
  private float[] peerOutput() throws OrtException {
    float[][][] theirs;
    try (OrtSession.Result r = runPeer()) {
      theirs = (float[][][]) r.get(0).getValue();
    }
    int n = theirs.length, t = theirs[0].length, c = theirs[0][0].length;
    float[] out = new float[n * t * c];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < t; i++) {
        for (int k = 0; k < c; k++) {
          int at = acoustic != null ? (i * n + b) * c + k : i * c + k; // acoustic models: time-major [T', N, C]
          out[at] = theirs[b][i][k];
        }
      }
    }
    return out;
  }

  /** float32 against float32 differ only by rounding; int8 against float32 by the quantization. */
  private static double maxDifference(float[] ours, float[] theirs) {
    double max = 0;
    for (int i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - theirs[i]));
    return max;
  }

  private float[] ours(boolean int8) {
    try (Tensor logProbs = logProbs(int8)) {
      return logProbs.toFloatArray();
    }
  }

  /** The forward pass of the float32 or int8 model; the caller closes the tensor. */
  private Tensor logProbs(boolean int8) {
    if (acoustic == null) return (int8 ? wav2vec2Int8 : wav2vec2).logProbs(values);
    return (int8 ? acousticInt8 : acoustic).forward(features, frames).logProbs(); // Output owns only logProbs
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
    for (AutoCloseable c : new AutoCloseable[] {acoustic, acousticInt8, wav2vec2, wav2vec2Int8, features}) {
      try {
        if (c != null) c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Benchmark
  public long ctc4jForward() {
    return run(false);
  }

  @Benchmark
  public long ctc4jInt8Forward() {
    return run(true);
  }

  private long run(boolean int8) {
    try (Tensor logProbs = logProbs(int8)) {
      return logProbs.numel();
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
