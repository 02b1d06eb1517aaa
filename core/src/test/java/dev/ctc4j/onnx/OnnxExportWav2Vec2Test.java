package dev.ctc4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyModels;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * wav2vec2 exported and run by ONNX Runtime on a padded batch of random waveforms of uneven
 * lengths: each utterance's log-probabilities within {@value #TOLERANCE} of ctc4j's for it alone
 * (both variants: group-norm/post-LN base, layer-norm/pre-LN large with waveform normalisation).
 */
class OnnxExportWav2Vec2Test {
  static final double TOLERANCE = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"base", "large"})
  void paddedBatchAgreesWithEachUtteranceAlone(String variant) throws Exception {
    SplittableRandom rng = Seeds.random("OnnxExportWav2Vec2Test " + variant);
    Wav2Vec2Config c = variant.equals("base") ? TinyModels.base() : TinyModels.large();
    int[] samples = {1600 + rng.nextInt(1600), 200 + rng.nextInt(1400), 61 + rng.nextInt(1000)};
    int longest = Math.max(samples[0], Math.max(samples[1], samples[2]));
    try (Wav2Vec2Model model = TinyModels.create(c, rng)) {
      float[] batch = new float[samples.length * longest];
      float[][] ours = new float[samples.length][];
      for (int b = 0; b < samples.length; b++) {
        float[] waveform = TinyModels.waveform(rng, samples[b]);
        System.arraycopy(waveform, 0, batch, b * longest, samples[b]);
        for (int i = samples[b]; i < longest; i++) batch[b * longest + i] = (float) rng.nextDouble(); // padding: ignored
        try (Tensor logProbs = model.logProbs(waveform)) {
          ours[b] = logProbs.toFloatArray();
        }
      }
      OnnxRuntimeSession.Result theirs;
      try (OnnxRuntimeSession ort = new OnnxRuntimeSession(OnnxExport.of(model))) {
        theirs = ort.run(OnnxExport.WAVEFORM, batch, new long[] {samples.length, longest}, OnnxExport.WAVEFORM_LENGTHS,
            Arrays.stream(samples).asLongStream().toArray());
      }
      double worst = 0;
      for (int b = 0; b < samples.length; b++) {
        int frames = c.outputFrames(samples[b]);
        assertEquals(frames, theirs.lengths()[b], "frames of utterance " + b);
        for (int t = 0; t < frames; t++) {
          for (int k = 0; k < c.classes(); k++) {
            worst = Math.max(worst, Math.abs(ours[b][t * c.classes() + k] - theirs.logProbs()[b][t][k]));
          }
        }
      }
      System.out.printf("wav2vec2 %s: samples %s, max |ctc4j - onnxruntime| log-prob %.2e%n", variant,
          Arrays.toString(samples), worst);
      assertTrue(worst <= TOLERANCE, variant + ": log-probs differ by " + worst);
    }
  }

  @Test
  void exportOfAFolderSaysItTakesTheWaveform(@TempDir Path dir) throws Exception {
    try (Wav2Vec2Model model = Wav2Vec2Model.create(TinyModels.base(), Device.CPU, 5)) {
      model.save(dir.resolve("model"));
    }
    OnnxExport.Summary s = OnnxExport.export(dir.resolve("model"), dir.resolve("model.onnx"));
    assertEquals("wav2vec2", s.architecture());
    assertEquals("waveform", s.input());
    Map<String, String> meta = OnnxExport.metadata(ModelProto.parseFrom(
        Files.readAllBytes(dir.resolve("model.onnx"))));
    assertEquals("40", meta.get("subsampling_factor"));
    assertEquals("16000", meta.get("sample_rate"));
    assertArrayEquals(TinyModels.base().labels().toArray(), new ObjectMapper()
        .readValue(meta.get("labels"), String[].class));
  }
}
