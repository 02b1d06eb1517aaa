package dev.ctc4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.features.SpecAugment;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLoaderTest {
  @TempDir Path dir;

  private List<Utterance> an4Subset() throws Exception {
    List<Utterance> all = Manifest.read(SharedData.require("an4/train.jsonl"));
    List<Utterance> subset = new ArrayList<>(all.subList(0, 37));
    Files.writeString(dir.resolve("bad.flac"), "garbage");
    subset.add(new Utterance(dir.resolve("bad.flac"), "bad", 1.0));
    return subset;
  }

  private static DataLoader loader(List<Utterance> data, LogMelSpectrogram mel, long seed, List<String> log) {
    DataLoader.Config config = new DataLoader.Config(8, 2, 3, true, new SpecAugment(1, 10, 1, 0.1, 0f), 0, seed, Device.CPU);
    return new DataLoader(data, Labels.english(), mel, config, log::add);
  }

  /** Frames per utterance of epoch 1, keyed by file, with speed perturbation s and no SpecAugment. */
  private static Map<Path, Long> framesAtSpeed(List<Utterance> data, LogMelSpectrogram mel, double s, long seed) {
    DataLoader.Config config = new DataLoader.Config(8, 1, 2, false, null, s, seed, Device.CPU);
    Map<Path, Long> frames = new HashMap<>();
    try (DataLoader.Epoch e = new DataLoader(data, Labels.english(), mel, config, line -> {}).epoch(1)) {
      for (Batch b : e) {
        try (b) {
          for (int i = 0; i < b.size(); i++) frames.put(b.utterances().get(i).audio(), b.features().frames()[i]);
        }
      }
    }
    return frames;
  }

  @Test
  void speedPerturbationStretchesEachUtteranceWithinItsRangeTheSameWayForASeed() throws Exception {
    List<Utterance> data = an4Subset();
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      Map<Path, Long> plain = framesAtSpeed(data, mel, 0, 5);
      Map<Path, Long> fast = framesAtSpeed(data, mel, 0.2, 5);
      assertEquals(fast, framesAtSpeed(data, mel, 0.2, 5), "the same speeds for the same seed");
      assertNotEquals(fast, framesAtSpeed(data, mel, 0.2, 6), "other speeds for another seed");
      Set<Long> ratios = new HashSet<>();
      for (Map.Entry<Path, Long> u : plain.entrySet()) {
        double ratio = fast.get(u.getKey()) / (double) u.getValue();
        // a speed factor f in [0.8, 1.2] plays the audio in 1/f of the time (+-1 frame of rounding)
        double slack = 1.5 / u.getValue();
        assertTrue(ratio >= 1 / 1.2 - slack && ratio <= 1 / 0.8 + slack, u.getKey() + ": length ratio " + ratio);
        ratios.add(Math.round(ratio * 100));
      }
      assertTrue(ratios.size() > 5, "speeds vary between utterances: " + ratios);
    }
  }

  @Test
  void epochsCoverEveryReadableUtteranceOnceInADeterministicOrder() throws Exception {
    List<Utterance> data = an4Subset();
    List<String> log = new ArrayList<>();
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().normalization(Normalization.PER_UTTERANCE).build())) {
      DataLoader a = loader(data, mel, 7, log), b = loader(data, mel, 7, log);
      assertEquals(5, a.batchesPerEpoch());
      for (int epoch = 0; epoch < 2; epoch++) {
        Set<Path> seen = new HashSet<>();
        double previous = 0;
        List<Integer> sizes = new ArrayList<>();
        try (DataLoader.Epoch ea = a.epoch(epoch); DataLoader.Epoch eb = b.epoch(epoch)) {
          var ib = eb.iterator();
          for (Batch x : ea) {
            try (x; Batch y = ib.next()) {
              assertEquals(x.utterances(), y.utterances(), "same batches for the same seed");
              assertArrayEquals(x.features().values().toFloatArray(), y.features().values().toFloatArray(),
                  "same features and masks for the same seed");
              assertEquals(x.targets().length, java.util.Arrays.stream(x.targetLengths()).sum());
              for (Utterance u : x.utterances()) assertTrue(seen.add(u.audio()), "utterance seen twice");
              double longest = x.utterances().stream().mapToDouble(Utterance::duration).max().orElseThrow();
              if (epoch == 0) assertTrue(longest >= previous, "SortaGrad: first epoch in ascending length");
              previous = longest;
              sizes.add(x.size());
            }
          }
        }
        assertEquals(37, seen.size(), "every readable utterance, once");
        assertEquals(37, sizes.stream().mapToInt(Integer::intValue).sum());
      }
      assertEquals(4, a.skipped() + b.skipped(), "the garbage file, skipped by each loader in each epoch");
      assertTrue(log.stream().allMatch(l -> l.contains("bad.flac")), String.join("\n", log));
      List<Integer> order1 = order(loader(data, mel, 1, log)), order2 = order(loader(data, mel, 2, log));
      assertNotEquals(order1, order2, "other seeds shuffle the batch order differently");
    }
  }

  private static List<Integer> order(DataLoader loader) {
    List<Integer> first = new ArrayList<>();
    try (DataLoader.Epoch e = loader.epoch(1)) {
      for (Batch b : e) {
        try (b) {
          first.add((int) (b.utterances().get(0).duration() * 1000));
        }
      }
    }
    return first;
  }

  @Test
  void closingAnEpochEarlyFreesPreparedBatches() throws Exception {
    List<Utterance> data = an4Subset();
    try (LogMelSpectrogram mel = new LogMelSpectrogram(MelConfig.builder().build())) {
      DataLoader loader = loader(data, mel, 3, new ArrayList<>());
      abandonAfterOneBatch(loader); // warm up: worker threads' malloc arenas, decoders, scratch buffers
      long before = org.bytedeco.javacpp.Pointer.physicalBytes();
      for (int i = 0; i < 20; i++) abandonAfterOneBatch(loader);
      long growth = org.bytedeco.javacpp.Pointer.physicalBytes() - before;
      System.out.printf("20 abandoned epochs: RSS %+d MiB%n", growth >> 20);
      assertTrue(growth < 64L << 20, "RSS grew by " + (growth >> 20) + " MiB over 20 abandoned epochs");
    }
  }

  private static void abandonAfterOneBatch(DataLoader loader) {
    try (DataLoader.Epoch e = loader.epoch(1)) {
      try (Batch first = e.iterator().next()) {
        assertTrue(first.size() > 0);
      }
    }
  }
}
