package dev.ctc4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Training checkpoints under one folder: each is a complete, never-reused directory
 * {@code ckpt-NNNNNN} (a model directory plus {@code optimizer.safetensors} and {@code trainer.json}),
 * written under a temporary name, flushed and renamed; then the {@code latest} file, replaced
 * atomically, names it; only then are older ones pruned. A process killed at any moment therefore
 * leaves {@code latest} naming a complete checkpoint.
 */
public final class TrainingCheckpoint {
  static final String LATEST = "latest", OPTIMIZER = "optimizer.safetensors", TRAINER = "trainer.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private TrainingCheckpoint() {}

  /** What a checkpoint holds once loaded: the model (owned by the caller), optimiser state and trainer state. */
  public record Loaded(Path dir, AcousticModel model, Map<String, float[]> optimizer, long optimizerSteps,
      TrainerState state) {}

  private record TrainerFile(TrainerState state, long optimizerSteps) {}

  public static Path save(Path root, AcousticModel model, MelConfig features, Optimizer optimizer, TrainerState state,
      int keep) throws IOException {
    Files.createDirectories(root);
    String name = String.format("ckpt-%06d", lastSequence(root) + 1);
    Path tmp = Files.createTempDirectory(root, name + ".tmp");
    SpeechModel.save(tmp, model, features);
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
      tensors.put(e.getKey(), new SafeTensors.Entry(e.getValue().shape(), e.getValue().toFloatArray()));
    }
    SafeTensors.write(tmp.resolve(OPTIMIZER), tensors, Map.of("format", "ctc4j-optimizer"));
    AtomicFiles.write(tmp.resolve(TRAINER), JSON.writeValueAsBytes(new TrainerFile(state, optimizer.steps())));
    Path target = root.resolve(name);
    AtomicFiles.move(tmp, target);
    AtomicFiles.write(root.resolve(LATEST), name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    prune(root, keep);
    return target;
  }

  /**
   * The checkpoint {@code latest} names, or null if there is none; {@code seed} is the run's (see
   * {@link Checkpoint#load(Path, Device, long)}).
   */
  public static Loaded loadLatest(Path root, Device device, long seed) throws IOException {
    Path pointer = root.resolve(LATEST);
    if (!Files.exists(pointer)) return null;
    Path dir = root.resolve(Files.readString(pointer).trim());
    TrainerFile trainer = JSON.readValue(dir.resolve(TRAINER).toFile(), TrainerFile.class);
    Map<String, float[]> optimizer = new LinkedHashMap<>();
    SafeTensors.read(dir.resolve(OPTIMIZER), n -> false).forEach((k, v) -> optimizer.put(k, v.values()));
    AcousticModel model = Checkpoint.load(dir, device, seed);
    return new Loaded(dir, model, optimizer, trainer.optimizerSteps(), trainer.state());
  }

  /** The highest checkpoint number in use (temporary directories included), 0 if none. */
  private static int lastSequence(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("ckpt-\\d{6}.*"))
          .mapToInt(n -> Integer.parseInt(n.substring(5, 11))).max().orElse(0);
    }
  }

  /** Removes all but the newest {@code keep} checkpoints, and any temporary directory left by a crash. */
  private static void prune(Path root, int keep) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.list(root)) {
      all = s.filter(Files::isDirectory).sorted(Comparator.comparing(Path::toString)).toList();
    }
    List<Path> complete = all.stream().filter(p -> !p.getFileName().toString().contains(".tmp")).toList();
    for (Path p : all) {
      boolean stale = p.getFileName().toString().contains(".tmp") || complete.indexOf(p) < complete.size() - keep;
      if (stale) deleteTree(p);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  static void requireKeep(int keep) {
    if (keep < 1) throw new InvalidInputException("keep_checkpoints must be >= 1");
  }
}
