package dev.ctc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.decode.BeamSearchDecoder;
import dev.ctc4j.decode.BeamSearchOptions;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.GreedyDecoder;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spark NLP's wav2vec2 decoding drops the CTC blank before collapsing repeats, so "l _ l" becomes
 * one l and "hello" comes out "helo". CTC collapses repeats first and only then drops blanks: a
 * blank between two equal letters keeps both. Emissions are built by hand for words with double
 * letters and decoded as the transformer's transcriber decodes them (the batched greedy decoder over
 * log-probabilities, with the AN4 model's labels and frame rate), as the CLI's eval does
 * ({@link SpeechModel#greedy}), and by beam search.
 */
class DoubleLettersTest {
  private static final List<String> WORDS = List.of("hello", "llama", "committee");
  private static SpeechModel model;

  @BeforeAll
  static void loadLabels() throws IOException {
    model = SpeechModel.load(Path.of("models/an4"), Device.CPU);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /**
   * Frames of "_ h h e l _ l o _": each character two frames (a run the greedy path collapses), a
   * blank frame between equal neighbours and at both ends; the path's class has probability 0.9.
   */
  private static int[] bestPath(Labels labels, String word) {
    List<Integer> path = new ArrayList<>(List.of(labels.blank()));
    int[] ids = labels.encode(word);
    for (int i = 0; i < ids.length; i++) {
      if (i > 0 && ids[i] == ids[i - 1]) path.add(labels.blank());
      path.add(ids[i]);
      path.add(ids[i]);
    }
    path.add(labels.blank());
    return path.stream().mapToInt(Integer::intValue).toArray();
  }

  /** [words, longest path, classes] log-probabilities, padded; {@code lengths} gets each word's frames. */
  private static Tensor emissions(Labels labels, long[] lengths) {
    List<int[]> paths = WORDS.stream().map(w -> bestPath(labels, w)).toList();
    int frames = paths.stream().mapToInt(p -> p.length).max().orElseThrow(), classes = labels.size();
    float[] values = new float[WORDS.size() * frames * classes];
    float other = (float) Math.log(0.1 / (classes - 1)), best = (float) Math.log(0.9);
    for (int w = 0; w < paths.size(); w++) {
      int[] path = paths.get(w);
      lengths[w] = path.length;
      for (int t = 0; t < frames; t++) {
        int cls = t < path.length ? path[t] : labels.blank();
        for (int c = 0; c < classes; c++) values[(w * frames + t) * classes + c] = c == cls ? best : other;
      }
    }
    return Tensor.of(Device.CPU, values, WORDS.size(), frames, classes);
  }

  /** Spark NLP's order: blanks out first, then repeats collapsed. */
  private static String blanksFirst(Labels labels, int[] path) {
    StringBuilder out = new StringBuilder();
    int previous = -1;
    for (int id : path) {
      if (id == labels.blank()) continue;
      if (id != previous) out.append(labels.text(id));
      previous = id;
    }
    return out.toString();
  }

  @Test
  void theBuggyOrderLosesTheDoubleLetters() {
    Labels labels = model.labels();
    assertEquals(List.of("helo", "lama", "comite"), WORDS.stream().map(w -> blanksFirst(labels, bestPath(labels, w))).toList());
  }

  @Test
  void greedyDecodingKeepsThem() {
    long[] lengths = new long[WORDS.size()];
    try (Tensor lp = emissions(model.labels(), lengths)) {
      GreedyDecoder greedy = new GreedyDecoder(model.labels(), model.frameSeconds());
      assertEquals(WORDS, texts(greedy.decode(lp, lengths, EmissionKind.LOG_PROBS)));
      assertEquals(WORDS, texts(model.greedy(new SpeechModel.Emissions(lp, lengths))));
      for (Hypothesis h : greedy.decode(lp, lengths, EmissionKind.LOG_PROBS)) assertEquals(1, h.words().size());
    }
  }

  @Test
  void beamSearchKeepsThem() {
    long[] lengths = new long[WORDS.size()];
    try (Tensor lp = emissions(model.labels(), lengths);
        BeamSearchDecoder beam = new BeamSearchDecoder(model.labels(), BeamSearchOptions.builder().beamWidth(8).build(),
            model.frameSeconds())) {
      assertEquals(WORDS, beam.decode(lp, lengths, EmissionKind.LOG_PROBS).stream().map(n -> n.get(0).text().strip()).toList());
    }
  }

  private static List<String> texts(List<Hypothesis> hypotheses) {
    return hypotheses.stream().map(h -> h.text().strip()).toList();
  }
}
