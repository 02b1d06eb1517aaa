package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded model (models/an4) on the AN4 test set through the eval commands its README
 * documents, so a model swap or a change to the front end, the network or the decoders that costs
 * accuracy fails here. Greedy: the acceptance bounds (deepspeech.pytorch's published AN4 figures,
 * WER 10.52 %, CER 4.77 %; the model measures 8.67 % / 4.42 %). Beam search with the embedded LM:
 * 7.37 % measured, bounded at 7.5 % — the 7 % target is not met yet.
 *
 * <p>Its int8 copy ({@code ctc4j quantize}) must stay within 0.3 WER points of it with either decoder
 * (measured: greedy 8.41 %, beam 7.50 %).
 */
class EmbeddedModelAccuracyTest {
  private static final double INT8_WER_POINTS = 0.003;

  @TempDir static Path dir;
  private static String int8;

  @BeforeAll
  static void quantize() {
    SharedData.require("an4/test.jsonl");
    int8 = dir.resolve("an4-int8").toString();
    assertEquals(0, Main.run("quantize", "--model", DefaultModel.BUNDLED, "-o", int8));
  }

  private static JsonNode eval(String model, String... decoding) throws Exception {
    String test = SharedData.require("an4/test.jsonl").toString();
    String[] args = new String[6 + decoding.length];
    System.arraycopy(new String[] {"eval", "--model", model, "--manifest", test, "--json"}, 0, args, 0, 6);
    System.arraycopy(decoding, 0, args, 6, decoding.length);
    JsonNode r = new ObjectMapper().readTree(Console.stdout(() -> assertEquals(0, Main.run(args))));
    assertEquals(130, r.get("utterances").asInt(), r.toString());
    return r;
  }

  private static void assertInt8Close(JsonNode fp32, JsonNode int8) {
    double delta = int8.get("wer").asDouble() - fp32.get("wer").asDouble();
    System.out.printf("AN4 test WER float32 %.2f %%, int8 %.2f %%%n", 100 * fp32.get("wer").asDouble(),
        100 * int8.get("wer").asDouble());
    assertTrue(Math.abs(delta) <= INT8_WER_POINTS, "int8 " + int8 + " vs float32 " + fp32);
  }

  @Test
  void greedyBeatsDeepSpeechPytorchOnAn4Test() throws Exception {
    JsonNode r = eval(DefaultModel.BUNDLED);
    assertTrue(r.get("wer").asDouble() < 0.105 && r.get("cer").asDouble() < 0.048, r.toString());
    assertInt8Close(r, eval(int8));
  }

  @Test
  void beamSearchWithTheEmbeddedLmKeepsItsAccuracy() throws Exception {
    String[] beam = {"--decoder", "beam", "--beam-width", "32", "--lm", DefaultModel.BUNDLED + "/lm-3gram.arpa",
        "--alpha", "0.3", "--beta", "2.0"};
    JsonNode r = eval(DefaultModel.BUNDLED, beam);
    assertTrue(r.get("wer").asDouble() < 0.075 && r.get("cer").asDouble() < 0.04, r.toString());
    assertInt8Close(r, eval(int8, beam));
  }
}
