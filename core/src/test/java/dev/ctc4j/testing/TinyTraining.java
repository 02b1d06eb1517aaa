package dev.ctc4j.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * A training config for tests: a small conv + 2-layer GRU model (dropout between the layers, speed
 * perturbation, SpecAugment: every random part of training) on 8 short AN4 train utterances, 4 as dev.
 */
public final class TinyTraining {
  private TinyTraining() {}

  /** Writes train.jsonl, dev.jsonl and config.json into {@code dir}; returns the config. */
  public static Path config(Path dir, long maxSteps, int checkpointEvery) throws IOException {
    List<Utterance> all = new ArrayList<>(Manifest.read(SharedData.require("an4/train.jsonl")));
    all.sort(Comparator.comparingDouble(Utterance::duration));
    Manifest.write(dir.resolve("train.jsonl"), all.subList(40, 48));
    Manifest.write(dir.resolve("dev.jsonl"), all.subList(60, 64));
    return edited(Path.of("configs/an4-lstm.json"), dir.resolve("config.json"), c -> {
      ObjectNode model = (ObjectNode) c.get("model");
      model.put("n_features", 20).put("hidden", 24).put("layers", 2).put("cell", "gru").put("conv_channels", 16)
          .put("dropout", 0.3);
      ((ObjectNode) c.get("features")).put("n_mels", 20);
      ObjectNode data = (ObjectNode) c.get("data");
      data.put("train", "train.jsonl").put("dev", "dev.jsonl").put("dev_speakers", 0).put("batch_size", 4)
          .put("speed_perturbation", 0.1);
      ((ObjectNode) c.get("optimizer")).put("name", "adam").put("lr", 3e-3);
      ((ObjectNode) c.get("schedule")).put("name", "constant");
      c.put("epochs", 100).put("max_steps", maxSteps).put("checkpoint_every", checkpointEvery).put("threads", 1);
    });
  }

  /** Writes {@code config} with {@code edit} applied to {@code out}; returns {@code out}. */
  public static Path edited(Path config, Path out, Consumer<ObjectNode> edit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode c = (ObjectNode) json.readTree(config.toFile());
    edit.accept(c);
    json.writeValue(out.toFile(), c);
    return out;
  }
}
