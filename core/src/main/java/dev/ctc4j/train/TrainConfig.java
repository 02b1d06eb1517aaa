package dev.ctc4j.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.SpecAugment;
import dev.ctc4j.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A training run, read from JSON (see configs/ for ready ones). Paths are relative to the config
 * file. Unknown keys are errors, so a typo never silently falls back to a default. {@code init_from}
 * (optional) is a model folder, e.g. an earlier run's {@code best/}, whose weights start this run:
 * fine-tuning with a fresh optimiser and schedule.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record TrainConfig(
    long seed,
    String device,
    int threads,
    ModelConfig model,
    MelConfig features,
    Data data,
    Augment specAugment,
    Optim optimizer,
    Schedule schedule,
    int epochs,
    long maxSteps,
    int checkpointEvery,
    int keepCheckpoints,
    int earlyStoppingPatience,
    int evalBatchSize,
    String initFrom) {

  /**
   * Training data: a train manifest, and either a dev manifest or a number of train speakers held out
   * as dev; speed_perturbation s plays each training utterance at a random speed in [1 - s, 1 + s].
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Data(String train, String dev, int devSpeakers, int batchSize, int workers, int prefetch,
      boolean sortaGrad, double maxDuration, double speedPerturbation) {}

  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Augment(int freqMasks, int maxFreqWidth, int timeMasks, double maxTimeFraction) {
    SpecAugment toSpecAugment() {
      return new SpecAugment(freqMasks, maxFreqWidth, timeMasks, maxTimeFraction, 0f);
    }
  }

  /** name: sgd | adam | adamw. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Optim(String name, double lr, double momentum, boolean nesterov, double weightDecay,
      List<Double> betas, double eps, double maxGradNorm) {}

  /** name: constant | onecycle | cosine | step. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Schedule(String name, double pctStart, double divFactor, double finalDivFactor, String anneal,
      long warmupSteps, double minLr, long stepSize, double gamma) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public static TrainConfig read(Path file) throws IOException {
    try {
      TrainConfig c = JSON.readValue(file.toFile(), TrainConfig.class);
      if (c == null) throw new InvalidInputException(file + ": not a JSON object");
      c.validate(file);
      return c;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException(file + ": " + key(e) + e.getOriginalMessage());
    } catch (java.io.CharConversionException e) { // Jackson's encoding detection: bytes that are no Unicode text
      throw new InvalidInputException(file + ": not JSON text: " + e.getMessage());
    }
  }

  /** "data.speed_perturbation: " for an error at that key, else "". */
  private static String key(com.fasterxml.jackson.core.JacksonException e) {
    if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty()) return "";
    return m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")) + ": ";
  }

  public byte[] toJson() throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
  }

  private void validate(Path file) {
    if (model == null || features == null || data == null || optimizer == null || schedule == null) {
      throw new InvalidInputException(file + ": needs model, features, data, optimizer and schedule");
    }
    if (features.nMels() != model.nFeatures()) {
      throw new InvalidInputException(file + ": features.n_mels " + features.nMels() + " != model.n_features " + model.nFeatures());
    }
    if (data.train() == null || (data.dev() == null && data.devSpeakers() <= 0)) {
      throw new InvalidInputException(file + ": data needs train and either dev or dev_speakers");
    }
    if (epochs < 1 || data.batchSize() < 1 || checkpointEvery < 1 || keepCheckpoints < 1 || evalBatchSize < 1) {
      throw new InvalidInputException(file + ": epochs, batch_size, checkpoint_every, keep_checkpoints, eval_batch_size must be >= 1");
    }
    if (optimizer.name() == null || !List.of("sgd", "adam", "adamw").contains(optimizer.name())) {
      throw new InvalidInputException(file + ": optimizer.name must be sgd, adam or adamw");
    }
    if (schedule.name() == null || !List.of("constant", "onecycle", "cosine", "step").contains(schedule.name())) {
      throw new InvalidInputException(file + ": schedule.name must be constant, onecycle, cosine or step");
    }
  }

  Optimizer createOptimizer(List<? extends dev.ctc4j.nn.Trainable> params) {
    return switch (optimizer.name()) {
      case "sgd" -> new Sgd(params, optimizer.momentum(), optimizer.weightDecay(), optimizer.nesterov());
      default -> new Adam(params, beta(0, 0.9), beta(1, 0.999), optimizer.eps() > 0 ? optimizer.eps() : 1e-8,
          optimizer.weightDecay(), optimizer.name().equals("adamw"));
    };
  }

  private double beta(int i, double fallback) {
    return optimizer.betas() == null || optimizer.betas().size() <= i ? fallback : optimizer.betas().get(i);
  }

  LearningRateSchedule createSchedule(long totalSteps) {
    double lr = optimizer.lr();
    return switch (schedule.name()) {
      case "onecycle" -> LearningRateSchedule.oneCycle(lr, totalSteps, schedule.pctStart(), schedule.divFactor(),
          schedule.finalDivFactor(), !"linear".equals(schedule.anneal()));
      case "cosine" -> LearningRateSchedule.cosineWithWarmup(lr, schedule.warmupSteps(), totalSteps, schedule.minLr());
      case "step" -> LearningRateSchedule.stepDecay(lr, schedule.stepSize(), schedule.gamma());
      default -> step -> lr;
    };
  }
}
