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
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.SharedData;
import dev.ctc4j.testing.TinyTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
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
  void killedWhileCheckpointingLeavesALoadableCheckpoint() throws Exception {
    Path config = config(400, 1);  // a checkpoint after every step: kills land inside writes often
    Path out = dir.resolve("killed");
    java.util.SplittableRandom rng = dev.ctc4j.testing.Seeds.random("TrainerTest.kill");
    long lastStep = -1;
    for (int round = 0; round < 4; round++) {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), TrainingProcess.class.getName(),
          config.toString(), out.toString()));
      if (round > 0) command.add("--resume");
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log" + round).toFile()).start();
      waitForNewCheckpoint(out, p);
      Thread.sleep(rng.nextInt(1500));
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);  // SIGKILL, wherever it is
      TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.loadLatest(out.resolve("checkpoints"), Device.CPU, 0);
      assertNotNull(loaded, "a checkpoint survives round " + round + "\n" + Files.readString(dir.resolve("log" + round)));
      loaded.model().close();
      assertTrue(loaded.state().step() >= lastStep, "checkpoints never go backwards");
      lastStep = loaded.state().step();
    }
    assertTrue(lastStep > 0);
  }

  /** Waits until the child process has written a new checkpoint. */
  private static void waitForNewCheckpoint(Path out, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path latest = out.resolve("checkpoints/latest");
    String before = Files.exists(latest) ? Files.readString(latest) : "";
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.exists(latest) && !Files.readString(latest).equals(before)) return;
      Thread.sleep(50);
    }
    throw new AssertionError("no new checkpoint from the training process");
  }
}
