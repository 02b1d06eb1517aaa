package dev.ctc4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.Checkpoint;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded AN4 model (Conv1d + 3 BiGRU) exported and run by ONNX Runtime: log-probabilities
 * within {@value OnnxExportTest#TOLERANCE} of ours on random uneven features, and on real AN4 test
 * utterances (../shared/data/an4; skipped without it) the same greedy transcripts.
 */
class OnnxExportAn4Test {
  private static final Path MODEL = Path.of("models/an4");
  private static AcousticModel model;
  private static MelConfig features;
  private static ModelProto proto;

  @BeforeAll
  static void export() throws Exception {
    features = SpeechModel.readFeatures(MODEL);
    model = Checkpoint.load(MODEL, Device.CPU);
    model.train(false);
    proto = OnnxExport.of(model, features);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void randomFeatures() throws Exception {
    SplittableRandom rng = Seeds.random("OnnxExportAn4Test.randomFeatures");
    OnnxExportTest.assertAgrees(model, features, OnnxExportTest.randomLengths(rng, 3, 200 + rng.nextInt(200)), rng,
        "an4 random");
  }

  @Test
  void realAudioGivesTheSameGreedyTranscripts() throws Exception {
    Path manifest = SharedData.require("an4/test.jsonl");
    SplittableRandom rng = Seeds.random("OnnxExportAn4Test.realAudio");
    List<String> lines = Files.readAllLines(manifest).stream().filter(l -> !l.isBlank()).toList();
    ObjectMapper json = new ObjectMapper();
    List<float[]> audio = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      JsonNode entry = json.readTree(lines.get(rng.nextInt(lines.size())));
      audio.add(Audio.read(manifest.resolveSibling(entry.get("audio").asText())));
    }
    float[] values;
    int[] lengths;
    long[] shape;
    try (LogMelSpectrogram frontEnd = new LogMelSpectrogram(features); Features f = frontEnd.compute(audio, Device.CPU)) {
      values = f.values().toFloatArray();
      shape = f.values().shape();
      lengths = Arrays.stream(f.frames()).mapToInt(Math::toIntExact).toArray();
    }
    float[] ours;
    int[] outLengths;
    try (Tensor x = Tensor.of(Device.CPU, values, shape);
        AcousticModel.Output out = model.forward(x, lengths)) {
      ours = out.logProbs().toFloatArray();
      outLengths = out.lengths();
    }
    OnnxRuntimeSession.Result theirs;
    try (OnnxRuntimeSession ort = new OnnxRuntimeSession(proto)) {
      theirs = ort.run(OnnxExport.FEATURES, values, shape, OnnxExport.FEATURE_LENGTHS,
          Arrays.stream(lengths).asLongStream().toArray());
    }
    assertArrayEquals(Arrays.stream(outLengths).asLongStream().toArray(), theirs.lengths());
    List<String> labels = model.config().labels();
    int classes = labels.size(), n = lengths.length;
    double worst = OnnxExportTest.maxDifference(ours, outLengths, theirs.logProbs(), classes);
    for (int b = 0; b < n; b++) {
      float[][] mine = new float[outLengths[b]][classes];
      for (int t = 0; t < outLengths[b]; t++) System.arraycopy(ours, (t * n + b) * classes, mine[t], 0, classes);
      String expected = greedy(mine, labels), actual = greedy(Arrays.copyOf(theirs.logProbs()[b], outLengths[b]), labels);
      System.out.printf("an4 utterance %d: ctc4j \"%s\", onnxruntime \"%s\"%n", b, expected, actual);
      assertEquals(expected, actual);
    }
    System.out.printf("an4 real audio: max |ctc4j - onnxruntime| log-prob %.2e%n", worst);
    assertTrue(worst <= OnnxExportTest.TOLERANCE, "log-probs differ by " + worst);
  }

  /** Best path: the most likely class per frame, repeats merged, blanks (0) dropped. */
  private static String greedy(float[][] logProbs, List<String> labels) {
    StringBuilder text = new StringBuilder();
    int previous = 0;
    for (float[] frame : logProbs) {
      int best = 0;
      for (int k = 1; k < frame.length; k++) if (frame[k] > frame[best]) best = k;
      if (best != previous && best != 0) text.append(labels.get(best));
      previous = best;
    }
    return text.toString();
  }
}
