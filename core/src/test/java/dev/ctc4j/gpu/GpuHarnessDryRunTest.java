package dev.ctc4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code gpu/verify.sh --dry-run} as CI's proof that the GPU harness works before a device
 * is lent: the script builds its own libraries and driver, runs every check with the CPU on both
 * sides, the PyTorch peers on the CPU when the python3 it finds has torch (CI's .ci/run installs
 * Debian's), and writes summary.json. Here every check must pass or be skipped with a reason, and
 * every CUDA entry point must have been covered.
 */
class GpuHarnessDryRunTest {
  private static final List<String> COVERED = List.of("library.abi_and_device", "ctc.small.log_probs",
      "ctc.small.activations", "ctc.T10000.S1000.C5000", "ctc.rejects_nan", "log_mel.small", "log_mel.30min",
      "log_mel.B32x16s", "mask_features.small", "greedy.small", "greedy.B128x1000x5000", "greedy.rejects_nan",
      "beam.small.lm", "beam.B32x500.lm.beam32", "beam.C5000.beam16", "beam.rejects_nan", "beam.gpu_equals_cpu.4x100x29", "optim.sgd.nesterov.n10M",
      "optim.adamw.n10M", "optim.reductions.n10M", "gelu.n10M", "group_norm.wav2vec2_conv0", "attention.1500x12x64",
      "linear.small", "conv.index_math", "conv2d.small", "helpers.small", "activations.small", "dropout.small",
      "log_softmax.small", "rnn_layer.lstm.bidirectional.small", "rnn_layer.gru.training.bidirectional.small",
      "rnn_layer.lstm.training.bidirectional.200x16x256",
      "sanitizer.memcheck", "sanitizer.racecheck", "sanitizer.synccheck");

  @Test
  void dryRunCoversEveryEntryPointAndPasses() throws IOException, InterruptedException {
    Path target = Path.of(System.getProperty("ctc4j.test.target", "target")).toAbsolutePath();
    Path out = target.resolve("gpu-dry-run");
    Process p = new ProcessBuilder("bash", "gpu/verify.sh", "--dry-run", "--build-dir",
        target.resolve("gpu-harness-build").toString(), out.toString())
        .redirectErrorStream(true).redirectOutput(target.resolve("gpu-dry-run.log").toFile()).start();
    assertTrue(p.waitFor(15, TimeUnit.MINUTES), "the dry run did not finish in 15 minutes");
    String log = Files.readString(target.resolve("gpu-dry-run.log"));
    assertEquals(0, p.exitValue(), log);

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertTrue(summary.get("dry_run").asBoolean());
    List<String> names = new ArrayList<>(), problems = new ArrayList<>();
    for (JsonNode check : summary.get("checks")) {
      String name = check.get("name").asText();
      names.add(name);
      JsonNode ok = check.get("ok");
      if (ok.isNull() ? !check.hasNonNull("skipped") : !ok.asBoolean()) problems.add(name + ": " + check.get("detail"));
    }
    assertTrue(problems.isEmpty(), "failed checks: " + problems + "\n" + log);
    for (String name : COVERED) assertTrue(names.contains(name), "no check " + name + " in " + names);
    assertFalse(names.stream().noneMatch(n -> n.startsWith("peer.")), "the peers wrote no checks");
    List<String> benchmarks = new ArrayList<>();
    summary.get("benchmarks").forEach(b -> benchmarks.add(b.get("name").asText()));
    for (String prefix : List.of("ctc_loss_grad.", "log_mel.", "greedy.", "beam_search.")) {
      assertTrue(benchmarks.stream().anyMatch(n -> n.startsWith(prefix)), "no benchmark " + prefix + "* in " + benchmarks);
    }
    for (String file : List.of("summary.json", "verify.log", "build.log", "checks.jsonl", "peers.jsonl", "steps.jsonl")) {
      assertTrue(Files.size(out.resolve(file)) > 0, file + " is empty");
    }
  }
}
