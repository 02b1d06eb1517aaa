package dev.ctc4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.SharedData;
import dev.ctc4j.testing.TinyTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny model on a few real AN4 utterances: the loss falls, resume is exact, a kill never corrupts. */
class TrainerTest {
  @TempDir Path dir;

  private Path config(long maxSteps, int checkpointEvery) throws IOException {
    return TinyTraining.config(dir, maxSteps, checkpointEvery);
  }

  private Trainer trainer(Path config, Path out) throws IOException {
    return new Trainer(TrainConfig.read(config), config.getParent(), out, TrainingListener.NONE);
  }

  @Test
  void lossFallsAndTheBestModelLoads() throws Exception {
    Path config = config(24, 100);
    List<TrainingListener.EpochEnd> ends = new ArrayList<>();
    List<TrainingListener.StepProgress> steps = new ArrayList<>();
    TrainingListener recorder = new TrainingListener() {
      @Override public void stepDone(StepProgress p) { steps.add(p); }
      @Override public void epochEnded(EpochEnd end) { ends.add(end); }
    };
    Trainer.Result r = new Trainer(TrainConfig.read(config), config.getParent(), dir.resolve("run"), recorder).run(false);
    List<Double> losses = r.losses();
    assertEquals(24, losses.size());
    double first = (losses.get(0) + losses.get(1)) / 2, last = (losses.get(22) + losses.get(23)) / 2;
    assertTrue(last < 0.8 * first, "loss fell from " + first + " to " + last + ": " + losses);
    assertEquals(losses, steps.stream().map(TrainingListener.StepProgress::loss).toList(), "one report per step");
    assertEquals(12, ends.size(), "one report per epoch");
    TrainingListener.Alignment a = ends.get(11).alignment();
    assertEquals(a.logProbs().length, a.path().states().length, "the path covers every frame of the emissions");
    List<String> metrics = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
    assertEquals(24, metrics.stream().filter(l -> l.contains("\"type\":\"step\"")).count(), "one line per step");
    assertEquals(12, metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count(), "one line per epoch (2 batches each)");
    try (SpeechModel best = SpeechModel.load(dir.resolve("run/best"), Device.CPU)) {
      Utterance u = Manifest.read(dir.resolve("dev.jsonl")).get(0);
      assertNotNull(best.greedy(List.of(dev.ctc4j.audio.Audio.read(u.audio()))).get(0).text());
    }
  }

  /**
   * With dev_speakers, the held-out speakers' utterances are the run's data/dev.jsonl and the rest its
   * data/train.jsonl: whole speakers, nothing lost, the dev set the trainer scored, the same for a seed.
   */
  @Test
  void heldOutSpeakersAreWrittenAsTheRunsManifests() throws Exception {
    Map<String, List<Utterance>> bySpeaker = new TreeMap<>();
    for (Utterance u : Manifest.read(SharedData.require("an4/train.jsonl"))) {
      bySpeaker.computeIfAbsent(Trainer.speaker(u), k -> new ArrayList<>()).add(u);
    }
    List<Utterance> pool = new ArrayList<>();
    bySpeaker.values().stream().limit(5).forEach(us -> pool.addAll(us.subList(0, 2)));
    Manifest.write(dir.resolve("pool.jsonl"), pool);
    Path config = TinyTraining.edited(config(2, 100), dir.resolve("held-out.json"), c -> {
      ObjectNode data = (ObjectNode) c.get("data");
      data.put("train", "pool.jsonl").putNull("dev");
      data.put("dev_speakers", 2);
      c.put("epochs", 1);
    });
    trainer(config, dir.resolve("run")).run(false);
    List<Utterance> dev = Manifest.read(dir.resolve("run/data/dev.jsonl"));
    List<Utterance> train = Manifest.read(dir.resolve("run/data/train.jsonl"));
    Set<String> devSpeakers = speakers(dev), trainSpeakers = speakers(train);
    assertEquals(2, devSpeakers.size(), devSpeakers.toString());
    assertEquals(3, trainSpeakers.size(), trainSpeakers.toString());
    assertTrue(devSpeakers.stream().noneMatch(trainSpeakers::contains), devSpeakers + " " + trainSpeakers);
    List<Utterance> both = new ArrayList<>(train);
    both.addAll(dev);
    assertEquals(audio(pool), audio(both));
    String lastEpoch = Files.readAllLines(dir.resolve("run/metrics.jsonl")).stream()
        .filter(l -> l.contains("\"type\":\"epoch\"")).reduce((a, b) -> b).orElseThrow();
    assertTrue(lastEpoch.contains("\"dev_utterances\":" + dev.size()), lastEpoch);

    trainer(config, dir.resolve("again")).run(false);
    assertEquals(audio(dev), audio(Manifest.read(dir.resolve("again/data/dev.jsonl"))), "the seed fixes the split");
  }

  private static Set<String> speakers(List<Utterance> us) {
    return us.stream().map(Trainer::speaker).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<Path> audio(List<Utterance> us) {
    return us.stream().map(u -> u.audio().toAbsolutePath().normalize()).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void interruptedAndResumedEqualsUninterrupted() throws Exception {
    Path config = config(7, 2);
    List<Double> straight = trainer(config, dir.resolve("a")).run(false).losses();
    List<Double> resumed = new ArrayList<>(trainer(config, dir.resolve("b")).run(false, 3).losses());
    resumed.addAll(trainer(config, dir.resolve("b")).run(true).losses());
    assertEquals(straight, resumed, "bit-identical losses, resumed mid-epoch at step 3");
    assertEquals(Files.readAllLines(dir.resolve("a/metrics.jsonl")).size(), Files.readAllLines(dir.resolve("b/metrics.jsonl")).size());
  }

  /**
   * A process can die just after any checkpoint it wrote, so resuming from each checkpoint of an
   * uninterrupted run (mid-epoch, after an epoch's last step but before the epoch's end, after the
   * epoch end, after the last step) must reproduce that run: weights, optimiser and trainer state,
   * best/ and metrics.jsonl.
   */
  @Test
  void resumedFromEachOfItsCheckpointsARunEndsAsUninterrupted() throws Exception {
    Path config = TinyTraining.edited(config(4, 1), dir.resolve("keep-all.json"), c -> c.put("keep_checkpoints", 100));
    Path straight = dir.resolve("straight");
    trainer(config, straight).run(false);
    List<String> checkpoints;
    try (var s = Files.list(straight.resolve("checkpoints"))) {
      checkpoints = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ckpt-")).sorted().toList();
    }
    assertEquals(6, checkpoints.size(), "after steps 1-4 and both epoch ends: " + checkpoints);
    for (String checkpoint : checkpoints) {
      Path resumed = dir.resolve("from-" + checkpoint);
      copyTree(straight, resumed);
      Files.writeString(resumed.resolve("checkpoints").resolve(TrainingCheckpoint.LATEST), checkpoint);
      trainer(config, resumed).run(true);
      assertSameRun(straight, resumed);
    }
  }

  /** A run that stopped early, resumed (as after a kill just before it exited), trains no further. */
  @Test
  void resumingAnEarlyStoppedRunTrainsNoFurther() throws Exception {
    Path config = TinyTraining.edited(config(40, 100), dir.resolve("patience.json"),
        c -> c.put("early_stopping_patience", 1));
    Trainer.Result first = trainer(config, dir.resolve("run")).run(false);
    assertTrue(first.losses().size() < 40, "the run stopped early: " + first.state());
    Trainer.Result again = trainer(config, dir.resolve("run")).run(true);
    assertEquals(List.of(), again.losses());
    assertEquals(first.state(), again.state());
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target);
      }
    }
  }

  /**
   * init_from starts a run from another run's model: at learning rate 0 the fine-tuned model is the
   * starting one, tensor for tensor; a folder trained on other features is refused.
   */
  @Test
  void fineTuningStartsFromTheWeightsOfInitFrom() throws Exception {
    trainer(config(4, 100), dir.resolve("a")).run(false);
    Path tune = TinyTraining.edited(config(2, 100), dir.resolve("tune.json"), c -> {
      c.put("init_from", "a/best");
      ((ObjectNode) c.get("optimizer")).put("lr", 0.0);
    });
    trainer(tune, dir.resolve("b")).run(false);
    Map<String, SafeTensors.Entry> start = SafeTensors.read(dir.resolve("a/best/model.safetensors"), n -> false);
    Map<String, SafeTensors.Entry> tuned = SafeTensors.read(dir.resolve("b/best/model.safetensors"), n -> false);
    assertEquals(start.keySet(), tuned.keySet());
    start.forEach((name, e) -> assertArrayEquals(e.values(), tuned.get(name).values(), name));

    Path otherFeatures = TinyTraining.edited(tune, dir.resolve("other-features.json"),
        c -> ((ObjectNode) c.get("features")).put("n_fft", 512));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> trainer(otherFeatures, dir.resolve("c")).run(false));
    assertTrue(e.getMessage().contains("other features"), e.getMessage());
  }

  @Test
  void killedThreeTimesAndResumedEqualsUninterrupted() throws Exception {
    killAndResume(3, 16);
  }

  @Test
  @Tag("slow")
  void killedTwentyTimesAndResumedEqualsUninterrupted() throws Exception {
    killAndResume(20, 80); // 20 rounds advance at most ~66 steps
  }

  /**
   * Trains to {@code maxSteps} in a child JVM, checkpointing after every step, SIGKILLed {@code kills}
   * times at random points and resumed with --resume each time. A kill comes 2-3 new checkpoints
   * into the process, then up to two checkpoint intervals later (inside steps, checkpoint writes,
   * epoch ends, dev scoring and best/ saves), so a round advances about 3 steps whatever the
   * machine's speed; one in four comes while the process is still starting and resuming (reading
   * the checkpoint, trimming metrics.jsonl). After every kill the latest checkpoint loads and never goes back; at the end
   * the run must be the uninterrupted one's bit for bit: the latest checkpoint (weights, optimiser
   * and trainer state), best/, and metrics.jsonl but for wall times.
   */
  private void killAndResume(int kills, long maxSteps) throws Exception {
    Path config = config(maxSteps, 1);
    Path straight = dir.resolve("straight"), out = dir.resolve("killed");
    trainer(config, straight).run(false);
    SplittableRandom rng = Seeds.random("TrainerTest.killAndResume");
    long lastStep = 0, startup = 0;
    for (int round = 0; round < kills; round++) {
      Path log = dir.resolve("log" + round);
      long started = System.nanoTime();
      Process p = startTraining(config, out, round > 0, log);
      if (startup > 0 && rng.nextInt(4) == 0) {
        TimeUnit.NANOSECONDS.sleep(rng.nextLong(startup));
      } else {
        int counted = 1 + rng.nextInt(2); // checkpoint intervals timed after the first new checkpoint
        long[] seen = awaitCheckpoints(out, p, 1 + counted);
        assertNotNull(seen, "the run ended after " + round + " kills (raise max_steps): " + Files.readString(log));
        startup = seen[0] - started;
        TimeUnit.NANOSECONDS.sleep(rng.nextLong(2 * (seen[counted] - seen[0]) / counted + 1));
      }
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL, wherever it is
      TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.loadLatest(out.resolve("checkpoints"), Device.CPU, 0);
      assertNotNull(loaded, "a checkpoint survives kill " + round + "\n" + Files.readString(log));
      loaded.model().close();
      assertTrue(loaded.state().step() >= lastStep, "checkpoints never go backwards");
      lastStep = loaded.state().step();
      System.out.printf("kill %d: latest checkpoint at step %d of %d%n", round + 1, lastStep, maxSteps);
    }
    Path log = dir.resolve("log-last");
    Process last = startTraining(config, out, true, log);
    assertTrue(last.waitFor(5, TimeUnit.MINUTES) && last.exitValue() == 0, Files.readString(log));
    assertSameRun(straight, out);
  }

  private static Process startTraining(Path config, Path out, boolean resume, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), TrainingProcess.class.getName(),
        config.toString(), out.toString()));
    if (resume) command.add("--resume");
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * Waits until the child has written {@code count} new checkpoints; returns when each was seen
   * (System.nanoTime, polled every 5 ms), or null if the child exited first.
   */
  private static long[] awaitCheckpoints(Path out, Process p, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int before = checkpointNumber(out), seen = 0;
    long[] times = new long[count];
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      for (int written = checkpointNumber(out) - before; seen < Math.min(written, count); seen++) times[seen] = now;
      if (seen == count) return times;
      if (!p.isAlive()) return null;
      Thread.sleep(5);
    }
    throw new AssertionError("no new checkpoints from the training process within 120 s");
  }

  /** The number of the checkpoint {@code latest} names (ckpt-NNNNNN), 0 before the first. */
  private static int checkpointNumber(Path out) throws IOException {
    Path latest = out.resolve("checkpoints").resolve(TrainingCheckpoint.LATEST);
    return Files.exists(latest) ? Integer.parseInt(Files.readString(latest).trim().substring(5)) : 0;
  }

  private static void assertSameRun(Path expected, Path actual) throws IOException {
    Path e = latestCheckpoint(expected), a = latestCheckpoint(actual);
    for (String file : List.of(Checkpoint.WEIGHTS, TrainingCheckpoint.OPTIMIZER, TrainingCheckpoint.TRAINER)) {
      assertArrayEquals(Files.readAllBytes(e.resolve(file)), Files.readAllBytes(a.resolve(file)), "latest checkpoint's " + file);
    }
    Path best = Path.of("best", Checkpoint.WEIGHTS);
    assertArrayEquals(Files.readAllBytes(expected.resolve(best)), Files.readAllBytes(actual.resolve(best)), best.toString());
    assertEquals(metricsWithoutWallTimes(expected), metricsWithoutWallTimes(actual), "metrics.jsonl");
  }

  private static Path latestCheckpoint(Path out) throws IOException {
    Path checkpoints = out.resolve("checkpoints");
    return checkpoints.resolve(Files.readString(checkpoints.resolve(TrainingCheckpoint.LATEST)).trim());
  }

  private static List<String> metricsWithoutWallTimes(Path out) throws IOException {
    return Files.readAllLines(out.resolve("metrics.jsonl")).stream()
        .map(line -> line.replaceAll(",\"wall_seconds\":[^,}]*", "")).toList();
  }
}
