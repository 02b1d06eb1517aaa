package dev.ctc4j.bench;

import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Batched prefix beam search, CUDA vs CPU (all cores), on 32 utterances of random peaked
 * emissions (500 frames, 29 classes; see {@link DecodeBenchmark#peaked}), with and without the
 * 3-gram LM (alpha 0.5, beta 1). Needs a CUDA device (setup fails without one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DecodeGpuBenchmark {
  static final int BATCH = 32;

  @Param({"8", "32", "128"})
  int beam;

  @Param({"none", "3gram"})
  String lm;

  private NgramLanguageModel model;
  private BeamSearchDecoder decoder;
  private Tensor cpu, gpu;
  private final long[] lengths = new long[BATCH];

  @Setup
  public void setup() {
    if (Device.cudaDeviceCount() == 0) throw new IllegalStateException("no CUDA device: " + Device.cudaStatus());
    Labels labels = Labels.english();
    SplittableRandom rng = new SplittableRandom(42);
    int frames = DecodeBenchmark.FRAMES, classes = labels.size();
    float[] flat = new float[BATCH * frames * classes];
    for (int b = 0; b < BATCH; b++) {
      float[][] u = DecodeBenchmark.peaked(rng, frames, classes);
      for (int t = 0; t < frames; t++) System.arraycopy(u[t], 0, flat, (b * frames + t) * classes, classes);
    }
    Arrays.fill(lengths, frames);
    cpu = Tensor.of(Device.CPU, flat, BATCH, frames, classes);
    gpu = cpu.to(Device.cuda(0));
    BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(beam);
    if (lm.equals("3gram")) {
      Path arpa = Path.of(System.getProperty("ctc4j.shared", "../shared"), "data/lm/en-us-3gram.arpa.gz");
      model = NgramLanguageModel.load(arpa, Path.of(System.getProperty("java.io.tmpdir"), "ctc4j-bench-3gram.lmcache"));
      options.lm(model, 0.5, 1.0);
    }
    decoder = new BeamSearchDecoder(labels, options.build(), 0.02);
    decoder.decode(gpu, lengths, EmissionKind.LOG_PROBS);  // uploads the LM and word trie once
  }

  @Benchmark
  public Object cudaBatch() {
    return decoder.decode(gpu, lengths, EmissionKind.LOG_PROBS);
  }

  @Benchmark
  public Object cpuBatch() {
    return decoder.decode(cpu, lengths, EmissionKind.LOG_PROBS);
  }

  @TearDown
  public void tearDown() {
    decoder.close();
    gpu.close();
    cpu.close();
    if (model != null) model.close();
  }
}
