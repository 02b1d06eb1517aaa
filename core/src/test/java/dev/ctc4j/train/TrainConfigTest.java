package dev.ctc4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.TinyTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every shipped config loads; a missing or misspelt key is an error that names it. */
class TrainConfigTest {
  @TempDir Path dir;

  @Test
  void everyShippedConfigLoads() throws IOException {
    List<Path> configs;
    try (Stream<Path> files = Files.list(Path.of("configs"))) {
      configs = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    assertTrue(configs.size() >= 6, "configs: " + configs);
    for (Path config : configs) {
      TrainConfig c = TrainConfig.read(config);
      assertTrue(c.epochs() >= 1 && c.data().batchSize() >= 1, config.toString());
    }
  }

  @Test
  void aMissingKeyIsAnErrorNamingIt() throws IOException {
    Path config = edited(c -> ((ObjectNode) c.get("data")).remove("speed_perturbation"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TrainConfig.read(config));
    assertTrue(e.getMessage().contains("speed_perturbation"), e.getMessage());
  }

  @Test
  void aMisspeltKeyIsAnErrorNamingIt() throws IOException {
    Path config = edited(c -> ((ObjectNode) c.get("data")).put("speed_perturbaton", 0.1));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TrainConfig.read(config));
    assertTrue(e.getMessage().contains("speed_perturbaton"), e.getMessage());
  }

  @Test
  void initFromIsOptional() throws IOException {
    assertEquals(null, TrainConfig.read(Path.of("configs/an4-dnn.json")).initFrom());
    Path config = edited(c -> c.put("init_from", "runs/an4-dnn/best"));
    assertEquals("runs/an4-dnn/best", TrainConfig.read(config).initFrom());
  }

  private Path edited(Consumer<ObjectNode> edit) throws IOException {
    return TinyTraining.edited(Path.of("configs/an4-dnn.json"), dir.resolve("config.json"), edit);
  }
}
