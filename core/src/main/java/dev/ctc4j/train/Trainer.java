package dev.ctc4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.Ctc4j;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.ctc.CtcAligner;
import dev.ctc4j.ctc.CtcLayout;
import dev.ctc4j.ctc.CtcLoss;
import dev.ctc4j.ctc.CtcResult;
import dev.ctc4j.ctc.CtcTargets;
import dev.ctc4j.ctc.ForcedAlignment;
import dev.ctc4j.ctc.Reduction;
import dev.ctc4j.data.Batch;
import dev.ctc4j.data.DataLoader;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.eval.Evaluation;
import dev.ctc4j.eval.Evaluator;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Trains a CTC acoustic model from a {@link TrainConfig}: epochs over length-bucketed batches, CTC
 * loss and gradient, backward, gradient clipping and an optimiser step at the scheduled learning
 * rate; greedy WER/CER on the dev set after each epoch, keep-best and early stopping; checkpoints
 * every N steps and at each epoch end. Resuming from the latest checkpoint continues exactly:
 * data order, augmentation and dropout depend only on the seed, the epoch and the step.
 *
 * <p>Output folder: {@code config.json} (this run's config), {@code metrics.jsonl} (one line per
 * step and per epoch), {@code checkpoints/}, and {@code best/}, a model
 * directory for {@code ctc4j eval} and {@code ctc4j transcribe}.
 */
public final class Trainer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;
  private final Path configDir;
  private final Path out;
  private final TrainingListener listener;
  private final Consumer<String> log;
  private final Device device;
  private final Labels labels;

  /**
   * @param configDir where the config's relative paths start
   * @param listener told of log lines, steps and epochs ({@link TrainingListener#NONE} for none)
   */
  public Trainer(TrainConfig config, Path configDir, Path out, TrainingListener listener) {
    this.config = config;
    this.configDir = configDir;
    this.out = out;
    this.listener = listener;
    this.log = listener::log;
    this.device = Device.parse(config.device()).requireAvailable();
    this.labels = new Labels(config.model().labels(), 0, config.model().labels().indexOf(" "));
  }

  /** A new model from the config, with the weights of {@code init_from} when it names a model folder. */
  private AcousticModel initialModel() throws IOException {
    AcousticModel model = AcousticModel.create(config.model(), device, config.seed());
    if (config.initFrom() == null) return model;
    Path from = configDir.resolve(config.initFrom());
    try {
      MelConfig features = SpeechModel.readFeatures(from);
      if (!features.equals(config.features())) {
        throw new InvalidInputException(from + " was trained on other features: " + features + ", this run uses "
            + config.features());
      }
      Checkpoint.loadWeights(model, from.resolve(Checkpoint.WEIGHTS));
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
    log.accept("starting from the weights of " + from);
    return model;
  }

  /** How a run ended: its state, the last dev result (null if none ran) and every step's loss. */
  public record Result(TrainerState state, Evaluation lastDev, List<Double> losses, double wallSeconds) {}

  /** Trains, continuing from {@code out/checkpoints/latest} when {@code resume} is set and one exists. */
  public Result run(boolean resume) throws IOException {
    return run(resume, Long.MAX_VALUE);
  }

  /**
   * As {@link #run(boolean)}, but this invocation stops (after a checkpoint) once {@code stopAtStep}
   * steps are done: time-sliced or preemptible training, continued later with {@code resume}.
   */
  public Result run(boolean resume, long stopAtStep) throws IOException {
    long started = System.nanoTime();
    Files.createDirectories(out);
    AtomicFiles.write(out.resolve("config.json"), config.toJson());
    if (config.threads() > 0) Ctc4j.setThreads(config.threads());
    List<Utterance> train = new ArrayList<>(), dev = new ArrayList<>();
    split(train, dev);
    TrainingCheckpoint.Loaded loaded = resume ? TrainingCheckpoint.loadLatest(checkpoints(), device, config.seed()) : null;
    AcousticModel model = loaded != null ? loaded.model() : initialModel();
    TrainerState state = loaded != null ? loaded.state() : TrainerState.start();
    if (loaded != null) log.accept("resuming from " + loaded.dir() + " at step " + state.step());
    keepMetricsUpTo(state);
    List<Parameter> params = new ArrayList<>(model.namedParameters().values());
    try (model; LogMelSpectrogram mel = new LogMelSpectrogram(config.features());
        Optimizer optimizer = config.createOptimizer(params)) {
      if (loaded != null) optimizer.load(loaded.optimizer(), loaded.optimizerSteps());
      DataLoader loader = new DataLoader(train, labels, mel, new DataLoader.Config(config.data().batchSize(),
          Math.max(1, config.data().workers()), Math.max(1, config.data().prefetch()), config.data().sortaGrad(),
          config.specAugment() == null ? null : config.specAugment().toSpecAugment(), config.data().speedPerturbation(),
          config.seed(), device), log);
      long plannedSteps = (long) config.epochs() * loader.batchesPerEpoch();
      LearningRateSchedule schedule = config.createSchedule(Math.max(2, config.maxSteps() > 0 ? config.maxSteps() : plannedSteps));
      CtcLoss ctc = CtcLoss.builder().blank(0).reduction(Reduction.MEAN).zeroInfinity(true).layout(CtcLayout.TIME_MAJOR).build();
      List<Double> losses = new ArrayList<>();
      Evaluation lastDev = null;
      // An epoch whose batches are all done still needs its end, even at the step limit: a process
      // killed between the last step's checkpoint and the epoch end's resumes there.
      while (state.epoch() < config.epochs() && !stoppedEarly(state) && (state.epochBatchesDone(loader.batchesPerEpoch())
          || !stepLimitReached(state) && state.step() < stopAtStep)) {
        listener.epochStarted(state.epoch());
        try (DataLoader.Epoch epoch = loader.epoch(state.epoch(), state.batchesDone())) {
          for (Batch batch : epoch) {
            try (batch) {
              long t0 = System.nanoTime();
              double lr = schedule.at(state.step());
              Step s = step(model, ctc, optimizer, params, batch, lr, state.step());
              losses.add(s.loss);
              state = new TrainerState(state.step() + 1, state.epoch(), state.batchesDone() + 1,
                  state.epochLoss() + s.loss, state.bestWer(), state.epochsWithoutImprovement());
              double seconds = (System.nanoTime() - t0) / 1e9;
              stepMetric(state, s, lr, batch, seconds);
              listener.stepDone(new TrainingListener.StepProgress(state.epoch(), config.epochs(), state.batchesDone(),
                  loader.batchesPerEpoch(), s.loss, lr, batch.size() / seconds));
              if (state.step() % config.checkpointEvery() == 0) checkpoint(model, optimizer, state);
              if (stepLimitReached(state) || state.step() >= stopAtStep) break;
            }
          }
        }
        if (!state.epochBatchesDone(loader.batchesPerEpoch())) {  // stopped mid-epoch by max_steps or stopAtStep
          checkpoint(model, optimizer, state);
          break;
        }
        double trainLoss = state.epochLoss() / Math.max(1, state.batchesDone());
        lastDev = evaluate(model, dev);
        boolean improved = lastDev.wer() < state.bestWer();
        state = new TrainerState(state.step(), state.epoch() + 1, 0, 0, improved ? lastDev.wer() : state.bestWer(),
            improved ? 0 : state.epochsWithoutImprovement() + 1);
        epochMetric(state, trainLoss, lastDev);
        log.accept(String.format("epoch %d: train loss %.4f, dev WER %.2f%% CER %.2f%%%s", state.epoch(), trainLoss,
            100 * lastDev.wer(), 100 * lastDev.cer(), improved ? " (best so far)" : ""));
        if (improved) SpeechModel.save(out.resolve("best"), model, config.features());
        listener.epochEnded(new TrainingListener.EpochEnd(state.epoch(), out.resolve("metrics.jsonl"),
            out.resolve("plots"), dev.isEmpty() ? null : alignment(model, dev.get(0))));
        checkpoint(model, optimizer, state);
        if (stoppedEarly(state)) {
          log.accept("early stopping: no dev improvement for " + state.epochsWithoutImprovement() + " epochs");
        }
      }
      return new Result(state, lastDev, losses, (System.nanoTime() - started) / 1e9);
    }
  }

  private record Step(double loss, double gradNorm) {}

  private Step step(AcousticModel model, CtcLoss ctc, Optimizer optimizer, List<Parameter> params, Batch batch,
      double lr, long step) {
    model.train(true);
    model.setStep(step);
    params.forEach(Parameter::zeroGrad);
    int[] frames = Arrays.stream(batch.features().frames()).mapToInt(Math::toIntExact).toArray();
    long[] targetLengths = Arrays.stream(batch.targetLengths()).asLongStream().toArray();
    double loss;
    try (AcousticModel.TrainingPass pass = model.trainingForward(batch.features().values(), frames);
        CtcResult result = ctc.lossAndGradient(pass.output().logProbs(),
            Arrays.stream(pass.output().lengths()).asLongStream().toArray(),
            CtcTargets.concatenated(batch.targets(), targetLengths))) {
      loss = result.loss();
      if (!Double.isFinite(loss)) {
        log.accept("step " + step + ": loss is " + loss + "; update skipped");
        return new Step(loss, Double.NaN);
      }
      pass.backward(result.gradient());
    }
    double maxNorm = config.optimizer().maxGradNorm();
    double norm = Optimizer.clipGradNorm(params, maxNorm > 0 ? maxNorm : Double.MAX_VALUE);
    optimizer.step(lr);
    return new Step(loss, norm);
  }

  private boolean stepLimitReached(TrainerState state) {
    return config.maxSteps() > 0 && state.step() >= config.maxSteps();
  }

  /** Whether the dev WER has not improved for the patience's epochs (checked at resume too). */
  private boolean stoppedEarly(TrainerState state) {
    return config.earlyStoppingPatience() > 0 && state.epochsWithoutImprovement() >= config.earlyStoppingPatience();
  }

  private Evaluation evaluate(AcousticModel model, List<Utterance> dev) {
    try (SpeechModel view = SpeechModel.borrowing(model, config.features(), device)) {
      return Evaluator.evaluate(view, dev, config.evalBatchSize(), Evaluator::greedy, log);
    }
  }

  private Path checkpoints() {
    return out.resolve("checkpoints");
  }

  private void checkpoint(AcousticModel model, Optimizer optimizer, TrainerState state) throws IOException {
    TrainingCheckpoint.save(checkpoints(), model, config.features(), optimizer, state, config.keepCheckpoints());
  }

  /**
   * Train and dev utterances: a dev manifest, or dev_speakers train speakers (chosen by the seed) held
   * out, written to data/train.jsonl and data/dev.jsonl of the run.
   */
  private void split(List<Utterance> train, List<Utterance> dev) throws IOException {
    List<Utterance> all = Manifest.read(configDir.resolve(config.data().train()));
    double maxDuration = config.data().maxDuration();
    if (maxDuration > 0) all.removeIf(u -> u.duration() > maxDuration);
    if (config.data().dev() != null) {
      train.addAll(all);
      dev.addAll(Manifest.read(configDir.resolve(config.data().dev())));
      return;
    }
    List<String> speakers = new ArrayList<>(new TreeSet<>(all.stream().map(Trainer::speaker).toList()));
    if (config.data().devSpeakers() >= speakers.size()) {
      throw new InvalidInputException("cannot hold out " + config.data().devSpeakers() + " of " + speakers.size() + " speakers");
    }
    java.util.Collections.shuffle(speakers, new java.util.Random(config.seed()));
    List<String> held = speakers.subList(0, config.data().devSpeakers());
    for (Utterance u : all) (held.contains(speaker(u)) ? dev : train).add(u);
    log.accept("dev: " + dev.size() + " utterances of held-out speakers " + held + "; train: " + train.size());
    // The split as manifests, so the LM can be built without the dev speakers and tuned on them (lm tune).
    Manifest.write(out.resolve("data/train.jsonl"), train);
    Manifest.write(out.resolve("data/dev.jsonl"), dev);
  }

  /** The speaker of a corpus file laid out as .../SPEAKER/file (AN4) or .../SPEAKER/CHAPTER/file (LibriSpeech). */
  static String speaker(Utterance u) {
    return u.audio().getParent().getFileName().toString();
  }

  // --- metrics ---------------------------------------------------------------------

  private void stepMetric(TrainerState state, Step s, double lr, Batch batch, double seconds) throws IOException {
    ObjectNode line = JSON.createObjectNode().put("type", "step").put("step", state.step()).put("epoch", state.epoch())
        .put("loss", s.loss).put("lr", lr).put("grad_norm", s.gradNorm).put("utterances", batch.size())
        .put("audio_seconds", batch.audioSeconds()).put("wall_seconds", seconds);
    appendMetric(line);
  }

  private void epochMetric(TrainerState state, double trainLoss, Evaluation dev) throws IOException {
    appendMetric(JSON.createObjectNode().put("type", "epoch").put("step", state.step()).put("epoch", state.epoch())
        .put("train_loss", trainLoss).put("dev_wer", dev.wer()).put("dev_cer", dev.cer())
        .put("dev_utterances", dev.utterances()));
  }

  private void appendMetric(ObjectNode line) throws IOException {
    Files.writeString(out.resolve("metrics.jsonl"), JSON.writeValueAsString(line) + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /**
   * On resume, drops metric lines written after the checkpoint, so the file reads as one
   * uninterrupted run: step lines past its step, and epoch lines (numbered by the epochs they
   * complete) past its epoch, which a checkpoint taken after an epoch's last step precedes.
   */
  private void keepMetricsUpTo(TrainerState state) throws IOException {
    Path file = out.resolve("metrics.jsonl");
    if (!Files.exists(file)) return;
    List<String> kept = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) continue;
      com.fasterxml.jackson.databind.JsonNode metric = JSON.readTree(line);
      boolean epochLine = metric.get("type").asText().equals("epoch");
      if (epochLine ? metric.get("epoch").asInt() <= state.epoch() : metric.get("step").asLong() <= state.step()) {
        kept.add(line);
      }
    }
    AtomicFiles.write(file, String.join("", kept.stream().map(l -> l + "\n").toList()).getBytes(StandardCharsets.UTF_8));
  }

  /** Emissions of a fixed dev utterance with the Viterbi path of its transcript, or null when it has none. */
  private TrainingListener.Alignment alignment(AcousticModel model, Utterance u) throws IOException {
    float[] audio = Audio.read(u.audio());
    try (SpeechModel view = SpeechModel.borrowing(model, config.features(), device);
        SpeechModel.Emissions e = view.emissions(List.of(audio))) {
      int frames = (int) e.lengths()[0], classes = labels.size();
      float[] flat = e.logProbs().toFloatArray();
      float[][] rows = new float[frames][classes];
      for (int t = 0; t < frames; t++) System.arraycopy(flat, t * classes, rows[t], 0, classes);
      int[] target = labels.encode(u.text());
      List<ForcedAlignment> paths = new CtcAligner(0, CtcLayout.BATCH_MAJOR).forcedAlign(e.logProbs(), e.lengths(),
          CtcTargets.of(target));
      return new TrainingListener.Alignment(u.audio().getFileName() + ": \"" + u.text() + "\"", rows, paths.get(0),
          labels);
    } catch (InvalidInputException ex) {
      log.accept("alignment skipped: " + ex.getMessage());
      return null;
    }
  }
}
