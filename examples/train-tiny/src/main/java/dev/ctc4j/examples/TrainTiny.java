package dev.ctc4j.examples;

import dev.ctc4j.Ctc4jException;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import dev.ctc4j.train.TrainConfig;
import dev.ctc4j.train.Trainer;
import dev.ctc4j.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Trains a tiny CTC model on a few utterances of a manifest, then transcribes with it.
 *
 * <pre>
 * TrainTiny [--config tiny.json] [--utterances N] [--out DIR] MANIFEST
 * </pre>
 *
 * The manifest is JSON lines, {@code {"audio": "path/relative/to/the/manifest.flac", "text":
 * "lowercase transcript", "duration": seconds}}. The run takes the N shortest utterances (so that
 * it finishes in seconds), holds every fifth out as the dev set, and trains with the settings of
 * the config (model size, features, optimiser, epochs). A model this small, trained this briefly,
 * learns little: the point is the workflow. configs/ in the ctc4j checkout has real recipes.
 */
public final class TrainTiny {
  public static void main(String[] args) {
    Path config = Path.of("tiny.json");
    Path out = Path.of("target/tiny-run");
    int utterances = 40;
    Path manifest = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> config = Path.of(value(args, ++i));
        case "--utterances" -> utterances = Integer.parseInt(value(args, ++i));
        case "--out" -> out = Path.of(value(args, ++i));
        default -> {
          if (args[i].startsWith("--") || manifest != null) usage("unexpected argument " + args[i]);
          manifest = Path.of(args[i]);
        }
      }
    }
    if (manifest == null) usage("no manifest given");

    try {
      // The training and dev sets, as manifests in the output folder. Manifest.write keeps the
      // audio paths pointing at the original files (relative to the new manifest).
      List<Utterance> all = new ArrayList<>(Manifest.read(manifest));
      all.sort(Comparator.comparingDouble(Utterance::duration));
      List<Utterance> train = new ArrayList<>(), dev = new ArrayList<>();
      for (int i = 0; i < Math.min(utterances, all.size()); i++) (i % 5 == 4 ? dev : train).add(all.get(i));
      if (dev.isEmpty()) usage("need at least 5 utterances, " + manifest + " has " + all.size());
      Manifest.write(out.resolve("train.jsonl"), train);
      Manifest.write(out.resolve("dev.jsonl"), dev);
      System.out.printf("%d training and %d dev utterances from %s%n", train.size(), dev.size(), manifest);

      // The config names its data as "train.jsonl" and "dev.jsonl": paths relative to the folder
      // given to the Trainer as the config's directory, here the output folder written above.
      TrainConfig settings = TrainConfig.read(config);
      Trainer trainer = new Trainer(settings, out, out, new Progress());
      Trainer.Result result = trainer.run(false);  // true would resume from out/checkpoints
      List<Double> losses = result.losses();
      System.out.printf("trained %d steps in %.1f s; loss %.3f at the first step, %.3f at the last%n",
          result.state().step(), result.wallSeconds(), losses.get(0), losses.get(losses.size() - 1));

      // out/best is an ordinary model folder (what `ctc4j transcribe --model` takes): the weights of
      // the epoch with the lowest dev WER so far (the first epoch's when none improved on it).
      try (Transcriber transcriber = Transcriber.builder(out.resolve("best")).build()) {
        for (Utterance u : dev) {
          Transcript t = transcriber.transcribe(u.audio());
          System.out.printf("%s: said \"%s\", recognised \"%s\"%n", u.audio().getFileName(), u.text(), t.text());
        }
      }
    } catch (Ctc4jException | IOException | UncheckedIOException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }

  /**
   * What the Trainer reports while it runs (besides out/metrics.jsonl). Called on the training
   * thread, so keep it quick; every method is optional.
   */
  private static final class Progress implements TrainingListener {
    @Override
    public void log(String line) {
      System.out.println(line);  // the data split, each epoch's summary with its dev WER, ...
    }

    @Override
    public void stepDone(StepProgress p) {
      if (p.batch() == p.batchesPerEpoch()) {  // one line per epoch is enough here
        System.out.printf("epoch %d/%d: last batch loss %.3f, learning rate %.2g, %.0f utterances/s%n",
            p.epoch() + 1, p.epochs(), p.loss(), p.learningRate(), p.utterancesPerSecond());
      }
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) usage(args[i - 1] + " needs a value");
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: TrainTiny [--config tiny.json] [--utterances N] [--out DIR] MANIFEST");
    System.exit(2);
  }
}
