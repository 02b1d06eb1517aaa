package dev.ctc4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.HeapAllocation;
import dev.ctc4j.testing.NativeMemory;
import dev.ctc4j.testing.Seeds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint round trips, and rejection of truncated or malicious safetensors files. */
class CheckpointTest {
  @TempDir Path dir;

  private static final ModelConfig CONFIG =
      ModelConfig.deepSpeech2(Collections.nCopies(5, "x"), 41, "gru", 8, 2);

  @Test
  void saveThenLoadGivesTheSameModel() throws IOException {
    SplittableRandom rng = Seeds.random("CheckpointTest.roundTrip");
    float[] x = Seeds.gaussian(rng, 2 * 41 * 12, 1);
    try (AcousticModel a = AcousticModel.create(CONFIG, Device.CPU, rng.nextLong())) {
      a.train(false);
      Checkpoint.save(dir, a);
      try (AcousticModel b = Checkpoint.load(dir, Device.CPU); Tensor in = Tensor.of(Device.CPU, x, 2, 41, 12);
          AcousticModel.Output oa = a.forward(in, new int[] {12, 9})) {
        b.train(false);
        try (AcousticModel.Output ob = b.forward(in, new int[] {12, 9})) {
          assertArrayEquals(oa.logProbs().toFloatArray(), ob.logProbs().toFloatArray());
        }
      }
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary files left");
    }
  }

  private static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  private void assertRejected(byte[] bytes, String why) throws IOException {
    Path p = dir.resolve("bad.safetensors");
    Files.write(p, bytes);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafeTensors.read(p, n -> false), why);
    assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> SafeTensors.floatCount(p, n -> false), why + " (header only)");
  }

  @Test
  void rejectsCorruptFiles() throws IOException {
    String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
    Path good = dir.resolve("good.safetensors");
    Files.write(good, file(ok, 24));
    assertArrayEquals(new long[] {2, 3}, SafeTensors.read(good, n -> false).get("a").shape());

    assertRejected(new byte[5], "shorter than 8 bytes");
    byte[] huge = file(ok, 24);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
    assertRejected(huge, "header size beyond the file");
    byte[] truncated = file(ok, 24);
    assertRejected(java.util.Arrays.copyOf(truncated, truncated.length - 4), "truncated data");
    assertRejected(file("{\"a\": [1, 2", 24), "broken JSON");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,24]}}", 24), "shape vs range");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,24]}}", 24),
        "huge shape overflows");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,-3],\"data_offsets\":[0,24]}}", 24), "negative shape");
    assertRejected(file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2,6],\"data_offsets\":[0,24]}}", 24), "dtype");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24), "overlapping offsets");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}", 32), "trailing bytes");
    assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[-8,16]}}", 24), "negative offset");
  }

  /** The size a config implies, computed without building its model, is what the built model holds. */
  @Test
  void stateSizeOfAConfigIsWhatItsModelHolds() {
    List<String> labels = Collections.nCopies(7, "x");
    for (ModelConfig c : List.of(ModelConfig.ctc(labels, 20, null, false, 16, 3, 0, 0, 0, 0f),
        ModelConfig.ctc(labels, 20, null, false, 16, 1, 8, 5, 2, 0f), ModelConfig.ctc(labels, 20, "lstm", true, 12, 3, 8, 3, 2, 0f),
        ModelConfig.ctc(labels, 20, "gru", false, 12, 2, 0, 0, 0, 0.2f), ModelConfig.deepSpeech2(labels, 41, "lstm", 8, 3),
        ModelConfig.deepSpeech2(labels, 33, "gru", 6, 1), ModelConfig.resCnnBiGru(labels, 16, 2, 3, 12, 0.1f),
        ModelConfig.resCnnBiGru(labels, 10, 0, 1, 8, 0f))) {
      try (AcousticModel m = AcousticModel.create(c, Device.CPU, 1)) {
        long held = m.stateDict().values().stream().mapToLong(p -> p.numel()).sum();
        assertEquals(held, AcousticModel.stateSize(c), c.toString());
      }
    }
  }

  /**
   * A config claiming a huge model beside a small weight file is refused from the file's header,
   * naming both sizes, before the model is built: no big heap array, no native block.
   */
  @Test
  void aHugeConfigBesideSmallWeightsIsRefusedBeforeAnythingIsAllocated() throws IOException {
    ModelConfig small = ModelConfig.ctc(Collections.nCopies(5, "x"), 20, "lstm", false, 8, 1, 0, 0, 0, 0f);
    try (AcousticModel m = AcousticModel.create(small, Device.CPU, 1)) {
      Checkpoint.save(dir, m);
    }
    ModelConfig hiddenHuge = ModelConfig.ctc(small.labels(), 20, "lstm", false, 1_000_000, 1, 0, 0, 0, 0f);
    ModelConfig deep = ModelConfig.ctc(small.labels(), 20, "lstm", false, 8, 10_000, 0, 0, 0, 0f);
    ModelConfig overflowing = ModelConfig.ctc(small.labels(), Integer.MAX_VALUE, null, false, Integer.MAX_VALUE,
        Integer.MAX_VALUE, 0, 0, 0, 0f);
    ModelConfig slightlyWider = ModelConfig.ctc(small.labels(), 20, "lstm", false, 9, 1, 0, 0, 0, 0f);
    for (ModelConfig claimed : List.of(hiddenHuge, deep, overflowing, slightlyWider)) {
      Files.write(dir.resolve(Checkpoint.CONFIG), new ObjectMapper().writeValueAsBytes(claimed));
      NativeMemory before = NativeMemory.now();
      long heap = HeapAllocation.ofThisThread();
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> Checkpoint.load(dir, Device.CPU));
      long allocated = HeapAllocation.ofThisThread() - heap;
      assertTrue(e.getMessage().contains("describes a model of") && e.getMessage().contains("holds 1,005"), e.getMessage());
      assertTrue(allocated < 1 << 20, allocated + " bytes of heap allocated to refuse " + claimed);
      assertEquals(before, NativeMemory.now(), "native memory");
    }
  }

  @Test
  void loadingRejectsMissingOrMisshapenTensors() throws IOException {
    try (AcousticModel m = AcousticModel.create(CONFIG, Device.CPU, 1)) {
      Path weights = dir.resolve("w.safetensors");
      var state = new java.util.LinkedHashMap<String, SafeTensors.Entry>();
      m.stateDict().forEach((n, p) -> state.put(n, new SafeTensors.Entry(p.shape(), p.value().toFloatArray())));
      String first = state.keySet().iterator().next();
      SafeTensors.Entry e = state.remove(first);
      SafeTensors.write(weights, state, Map.of());
      assertThrows(InvalidInputException.class, () -> Checkpoint.loadWeights(m, weights), "missing tensor");
      state.put(first, new SafeTensors.Entry(new long[] {e.values().length}, e.values()));
      SafeTensors.write(weights, state, Map.of());
      assertThrows(InvalidInputException.class, () -> Checkpoint.loadWeights(m, weights), "wrong shape");
    }
  }
}
