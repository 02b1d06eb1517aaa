package dev.ctc4j.bench;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.infer.StreamingOptions;
import dev.ctc4j.infer.StreamingRecognizer;
import dev.ctc4j.infer.StreamingResult;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Streaming latency, a plain timed benchmark (JMH's harness does not pace real-time input): N
 * concurrent streams each receive AN4 test utterances separated by 1 s of silence, in chunks
 * delivered at real-time pace, and we record per-chunk compute latency (the time
 * {@code accept} takes), the delay from the end of each utterance's audio to the final result for
 * it (endpointing: meaningful with a trained model only), the time {@code finish} takes, and the
 * real-time factor. Models: --model DIR, else random weights of configs/an4-lstm.json (incremental
 * streaming) and configs/an4-bilstm.json (windowed), whose compute cost is a trained model's.
 *
 * <p>Arguments: [--model DIR] [--streams 1,4,16] [--seconds 20] [--chunk-ms 320].
 */
public final class StreamingLatency {
  private record Stream(float[] audio, double[] speechEnds) {}

  private record Measured(List<Double> chunkMs, List<Double> endpointMs, List<Double> finishMs, double computeSeconds,
      double audioSeconds) {}

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    String model = option(a, "--model", null);
    int[] streams = Arrays.stream(option(a, "--streams", "1,4,16").split(",")).mapToInt(Integer::parseInt).toArray();
    double seconds = Double.parseDouble(option(a, "--seconds", "20"));
    int chunkMs = Integer.parseInt(option(a, "--chunk-ms", "320"));
    List<Utterance> an4 = Manifest.read(Path.of("../shared/data/an4/test.jsonl"));
    System.out.printf(Locale.ROOT, "%-22s %7s %9s %9s %9s %11s %11s %6s%n", "model", "streams", "chunk p50", "chunk p99",
        "chunk max", "final p50", "finish p50", "RTF");
    for (String m : model != null ? List.of(model) : List.of("configs/an4-lstm.json", "configs/an4-bilstm.json")) {
      try (SpeechModel speech = load(Path.of(m));
          Transcriber t = Transcriber.builder(speech).maxBatch(16).build()) {
        String name = Path.of(m).getFileName() + (speech.streamsIncrementally() ? " (incr.)" : " (window)");
        StreamingOptions options = StreamingOptions.defaults().withChunk(java.time.Duration.ofMillis(chunkMs));
        run(t, options, List.of(streamOf(an4, 0, 3)), 0, false); // warm-up
        for (int n : streams) {
          List<Stream> inputs = new ArrayList<>();
          for (int i = 0; i < n; i++) inputs.add(streamOf(an4, i * 7, seconds));
          Measured r = run(t, options, inputs, chunkMs, model != null);
          System.out.printf(Locale.ROOT, "%-22s %7d %9.1f %9.1f %9.1f %11s %11.1f %6.3f%n", name, n,
              percentile(r.chunkMs(), 50), percentile(r.chunkMs(), 99), percentile(r.chunkMs(), 100),
              r.endpointMs().isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", percentile(r.endpointMs(), 50)),
              percentile(r.finishMs(), 50), r.computeSeconds() / r.audioSeconds());
        }
      }
    }
  }

  /** A model directory, or random weights for a training config (same compute as trained weights). */
  private static SpeechModel load(Path path) throws Exception {
    if (Files.isDirectory(path)) return SpeechModel.load(path, Device.CPU);
    TrainConfig c = TrainConfig.read(path);
    return new SpeechModel(AcousticModel.create(c.model(), Device.CPU, 1), c.features(), Device.CPU);
  }

  /** AN4 test utterances from {@code first} on, each followed by 1 s of silence, about {@code seconds} long. */
  private static Stream streamOf(List<Utterance> an4, int first, double seconds) {
    List<float[]> parts = new ArrayList<>();
    List<Double> ends = new ArrayList<>();
    int samples = 0;
    for (int i = first; samples < seconds * Audio.SAMPLE_RATE; i++) {
      float[] u = Audio.read(an4.get(i % an4.size()).audio());
      parts.add(u);
      parts.add(new float[Audio.SAMPLE_RATE]);
      samples += u.length;
      ends.add(samples / (double) Audio.SAMPLE_RATE);
      samples += Audio.SAMPLE_RATE;
    }
    float[] audio = new float[samples];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, audio, at, p.length);
      at += p.length;
    }
    return new Stream(audio, ends.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Runs the streams concurrently, each fed at real-time pace (chunkMs apart; 0: 320 ms chunks as fast as
   * possible); endpoint delays are recorded for trained models only (random weights end segments anywhere).
   */
  private static Measured run(Transcriber t, StreamingOptions options, List<Stream> streams, int chunkMs,
      boolean trained) throws Exception {
    List<Double> chunkLatency = Collections.synchronizedList(new ArrayList<>());
    List<Double> endpointMs = Collections.synchronizedList(new ArrayList<>());
    List<Double> finishMs = Collections.synchronizedList(new ArrayList<>());
    double[] compute = new double[1];
    CountDownLatch done = new CountDownLatch(streams.size());
    long start = System.nanoTime() + 50_000_000L;
    for (Stream s : streams) {
      Thread thread = new Thread(() -> {
        try (StreamingRecognizer r = t.newStream(options)) {
          int chunk = Audio.SAMPLE_RATE * (chunkMs == 0 ? 320 : chunkMs) / 1000;
          double busy = 0;
          for (int k = 0, at = 0; at < s.audio().length; k++, at += chunk) {
            long due = start + (long) k * chunkMs * 1_000_000L;
            while (System.nanoTime() < due) Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
            long t0 = System.nanoTime();
            List<StreamingResult> results = r.accept(Arrays.copyOfRange(s.audio(), at, Math.min(s.audio().length, at + chunk)), 16000);
            long t1 = System.nanoTime();
            chunkLatency.add((t1 - t0) / 1e6);
            busy += (t1 - t0) / 1e9;
            double streamSeconds = (t1 - start) / 1e9;
            for (StreamingResult res : results) {
              if (!res.isFinal() || !trained) continue;
              double speechEnd = lastEndBefore(s.speechEnds(), streamSeconds);
              if (speechEnd >= 0) endpointMs.add((streamSeconds - speechEnd) * 1000);
            }
          }
          long f0 = System.nanoTime();
          r.finish();
          finishMs.add((System.nanoTime() - f0) / 1e6);
          synchronized (compute) {
            compute[0] += busy;
          }
        } catch (Exception e) {
          e.printStackTrace();
        } finally {
          done.countDown();
        }
      });
      thread.start();
    }
    done.await();
    double audio = streams.stream().mapToDouble(s -> s.audio().length / (double) Audio.SAMPLE_RATE).sum();
    return new Measured(chunkLatency, endpointMs, finishMs, compute[0], audio);
  }

  private static double lastEndBefore(double[] ends, double seconds) {
    double best = -1;
    for (double e : ends) if (e <= seconds) best = e;
    return best;
  }

  private static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
  }
}
