package dev.ctc4j.bench;

import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.decode.ReferencePrefixBeamSearch;
import dev.ctc4j.lm.NgramLanguageModel;
import java.nio.file.Path;
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
 * CPU prefix beam search on one utterance of random peaked emissions (500 frames, 29 classes; no
 * trained model exists yet), ctc4j's native search beside the plain Java dictionary search, with
 * and without the 3-gram LM (alpha 0.5, beta 1). Frames per second = 500 / (ms per op) * 1000.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DecodeBenchmark {
  static final int FRAMES = 500;

  @Param({"8", "32", "128"})
  int beam;

  @Param({"none", "3gram"})
  String lm;

  private float[][] emissions;
  private NgramLanguageModel model;
  private BeamSearchDecoder decoder;
  private ReferencePrefixBeamSearch reference;

  @Setup
  public void setup() {
    Labels labels = Labels.english();
    emissions = peaked(new SplittableRandom(42), FRAMES, labels.size());
    BeamSearchOptions.Builder options = BeamSearchOptions.builder().beamWidth(beam);
    if (lm.equals("3gram")) {
      Path arpa = Path.of(System.getProperty("ctc4j.shared", "../shared"), "data/lm/en-us-3gram.arpa.gz");
      model = NgramLanguageModel.load(arpa, Path.of(System.getProperty("java.io.tmpdir"), "ctc4j-bench-3gram.lmcache"));
      options.lm(model, 0.5, 1.0);
    }
    decoder = new BeamSearchDecoder(labels, options.build(), 0.02);
    reference = new ReferencePrefixBeamSearch(labels, beam, 0, Double.NEGATIVE_INFINITY, 0, model, 0.5, 1.0); // no pruning
  }

  /** Log-softmax rows where one class (blank 60% of the time) stands out by about 5 nats. */
  static float[][] peaked(SplittableRandom rng, int frames, int classes) {
    float[][] out = new float[frames][classes];
    for (int t = 0; t < frames; t++) {
      int hot = rng.nextDouble() < 0.6 ? 0 : 1 + rng.nextInt(classes - 1);
      double[] z = new double[classes];
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        z[c] = rng.nextDouble() * 2 + (c == hot ? 5 : 0);
        sum += Math.exp(z[c]);
      }
      for (int c = 0; c < classes; c++) out[t][c] = (float) (z[c] - Math.log(sum));
    }
    return out;
  }

  @Benchmark
  public Object ctc4jNative() {
    return decoder.decode(emissions, EmissionKind.LOG_PROBS);
  }

  @Benchmark
  public Object javaDictionary() {
    return reference.decode(emissions).text();
  }

  @TearDown
  public void tearDown() {
    decoder.close();
    if (model != null) model.close();
  }
}
