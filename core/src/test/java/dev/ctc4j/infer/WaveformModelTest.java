package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.decode.Labels;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyModels;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wav2vec2-family models through the one inference stack: loaded by SpeechModel from their folder,
 * batched, cut into chunks, streamed in windows and decoded by the same classes as the trained CTC
 * models. The reference is Wav2Vec2Model's own single pass (itself tested against libtorch in
 * Wav2Vec2ModelTest); the stack must give exactly its frames where it runs the same computation.
 */
class WaveformModelTest {
  @TempDir Path dir;

  private Path save(Wav2Vec2Config config, SplittableRandom rng) throws IOException {
    Path folder = dir.resolve("w2v-" + rng.nextInt(1_000_000));
    try (Wav2Vec2Model model = TinyModels.create(config, rng)) {
      model.save(folder);
    }
    return folder;
  }

  private static float[] logProbs(Wav2Vec2Model model, float[] audio) {
    try (Tensor t = model.logProbs(audio)) {
      return t.toFloatArray();
    }
  }

  @Test
  void loadsFromItsFolderStatesItsInputAndBatchesUnevenUtterances() throws IOException {
    SplittableRandom rng = Seeds.random("WaveformModelTest.batch");
    Path folder = save(TinyModels.base(), rng);
    List<float[]> audio = List.of(TinyModels.waveform(rng, 3001), TinyModels.waveform(rng, 59), TinyModels.waveform(rng, 777));
    try (SpeechModel model = SpeechModel.load(folder, Device.CPU); Wav2Vec2Model reference = Wav2Vec2Model.load(folder, Device.CPU)) {
      assertEquals(SpeechModel.InputKind.WAVEFORM, model.input().kind());
      assertEquals(40, model.input().samplesPerFrame()); // strides 5 x 2 x 2 x 2
      assertEquals(40 / 16000.0, model.frameSeconds(), 1e-12);
      assertEquals(reference.config().decoderLabels(), model.labels());
      assertFalse(model.streamsIncrementally());
      assertThrows(IllegalStateException.class, model::acoustic);
      try (SpeechModel.Emissions e = model.emissions(audio)) {
        int classes = model.labels().size();
        long frames = e.logProbs().dim(1);
        float[] batch = e.logProbs().toFloatArray();
        for (int b = 0; b < audio.size(); b++) {
          int expected = reference.config().outputFrames(audio.get(b).length);
          assertEquals(expected, e.lengths()[b], "frames of utterance " + b);
          if (expected == 0) continue; // 59 samples: shorter than the 60-sample receptive field
          float[] one = logProbs(reference, audio.get(b));
          for (int i = 0; i < one.length; i++) {
            assertEquals(one[i], batch[(int) (b * frames * classes) + i], 0f, "utterance " + b + " value " + i);
          }
        }
      }
    }
  }

  @Test
  void transcriberDecodesItLikeItsOwnSinglePass() throws IOException {
    SplittableRandom rng = Seeds.random("WaveformModelTest.transcribe");
    Path folder = save(TinyModels.large(), rng);
    float[] audio = TinyModels.waveform(rng, 12_345);
    try (Transcriber t = Transcriber.builder(folder).build(); Wav2Vec2Model reference = Wav2Vec2Model.load(folder, Device.CPU)) {
      String offline = reference.transcribe(audio).text().strip().replaceAll(" +", " ");
      Transcript r = t.transcribe(audio, 16000);
      assertEquals(offline, r.text());
      assertEquals(String.join(" ", r.words().stream().map(Word::text).toList()), r.text());
      assertEquals(offline, t.submit(audio, 16000).join().text(), "submitted");
    }
    try (Transcriber beam = Transcriber.builder(folder).decoding(DecodingConfig.BEAM.withBeamWidth(8).withNBest(3)).build()) {
      Transcript r = beam.transcribe(audio, 16000);
      assertTrue(!r.alternatives().isEmpty() && r.alternatives().size() <= 3, "n-best " + r.alternatives());
      assertEquals(r.alternatives().get(0).text(), r.text());
    }
  }

  /** Long audio: chunks with enough overlap give exactly the single pass's frames for a model with bounded context. */
  @Test
  void longAudioChunksOfALocalModelGiveTheSinglePassFrames() throws IOException {
    SplittableRandom rng = Seeds.random("WaveformModelTest.long");
    Path folder = save(TinyModels.local(), rng);
    float[] audio = TinyModels.waveform(rng, 16_003);
    try (SpeechModel model = SpeechModel.load(folder, Device.CPU);
        BatchDispatcher dispatcher = new BatchDispatcher(model, 4, Duration.ofMillis(1));
        Wav2Vec2Model reference = Wav2Vec2Model.load(folder, Device.CPU)) {
      // 80-frame chunks overlapping by 24 frames: each kept frame has 12 frames (480 samples) of
      // context on both sides, more than the model's reach (60 samples + 8 frames of 40).
      LongAudio longAudio = new LongAudio(dispatcher, model.labels(), 0.2, 0.06, 0, model.input().samplesPerFrame());
      int[] at = {0};
      LogProbFrames stitched = longAudio.run(2, (buffer, offset, length) -> {
        if (at[0] == audio.length) return -1;
        int n = Math.min(length, audio.length - at[0]);
        System.arraycopy(audio, at[0], buffer, offset, n);
        at[0] += n;
        return n;
      }).frames();
      float[] whole = logProbs(reference, audio);
      int classes = model.labels().size();
      assertEquals(whole.length / classes, stitched.frames(), "frames");
      for (int t = 0; t < stitched.frames(); t++) {
        for (int c = 0; c < classes; c++) {
          assertEquals(whole[t * classes + c], stitched.value(t, c), 1e-5, "frame " + t + ", class " + c);
        }
      }
    }
  }

  @Test
  void streamsInWindowsWithTheOfflineTranscriptForALocalModel() throws IOException {
    SplittableRandom rng = Seeds.random("WaveformModelTest.stream");
    Path folder = save(TinyModels.local(), rng);
    float[] audio = TinyModels.waveform(rng, 9_600);
    try (Transcriber t = Transcriber.builder(folder).build()) {
      String offline = t.transcribe(audio, 16000).text();
      StreamingOptions options = StreamingOptions.defaults().withChunk(Duration.ofMillis(100))
          .withLookahead(Duration.ofMillis(100)).withLeftContext(Duration.ofMillis(200));
      List<String> finals = new ArrayList<>();
      try (StreamingRecognizer s = t.newStream(options)) {
        for (int from = 0; from < audio.length; from += 1234) {
          float[] chunk = java.util.Arrays.copyOfRange(audio, from, Math.min(audio.length, from + 1234));
          s.accept(chunk, 16000).stream().filter(StreamingResult::isFinal).forEach(r -> finals.add(r.text()));
        }
        finals.add(s.finish().text());
      }
      assertEquals(offline, String.join(" ", finals.stream().filter(x -> !x.isEmpty()).toList()));
    }
  }

  /** A model with a Unicode vocabulary (as an XLS-R fine-tune has) transcribes, aligns and scores in its own characters. */
  @Test
  void unicodeVocabularyStaysInItsOwnCharacters() throws IOException {
    SplittableRandom rng = Seeds.random("WaveformModelTest.unicode");
    List<String> labels = List.of("<pad>", " ", "ä", "ö", "ü", "ß", "é", "ñ", "ç", "ø", "å", "ł");
    Path folder = save(TinyModels.withLabels(TinyModels.base(), labels), rng);
    float[] audio = TinyModels.waveform(rng, 24_000);
    try (Transcriber t = Transcriber.builder(folder).build()) {
      String text = t.transcribe(audio, 16000).text();
      assertFalse(text.isEmpty(), "a random model emits something over 1.5 s");
      text.codePoints().forEach(c -> assertTrue(labels.contains(new String(Character.toChars(c))), text));
      assertEquals("åø ßé", t.model().textNormalizer().apply("ÅØ-ßé!"));
      Transcript aligned = t.align(audio, 16000, "Ñö ç");
      assertEquals(List.of("ñö", "ç"), aligned.words().stream().map(Word::text).toList());
    }
  }

  @Test
  void textIsNormalisedByTheModelsOwnCharacters() {
    Labels upper = new Labels(List.of("<pad>", " ", "E", "L", "H", "O", "'"), 0, 1);
    assertEquals("HELLO HE'LL", dev.ctc4j.data.TextNormalizer.forLabels(upper).apply("  héllo, he\u2019ll! 42 "));
    Labels german = new Labels(List.of("_", " ", "a", "ä", "s", "ß", "t"), 0, 1);
    assertEquals("ästa ßat", dev.ctc4j.data.TextNormalizer.forLabels(german).apply("Ästa-ßàt"));
    // A vocabulary with the curly apostrophe keeps it (French and Italian models have one); a no-break space separates.
    Labels french = new Labels(List.of("_", " ", "l", "\u2019", "h", "o", "m", "e"), 0, 1);
    assertEquals("l\u2019homme l\u2019homme", dev.ctc4j.data.TextNormalizer.forLabels(french).apply("L\u2019homme\u00a0l'homme"));
  }
}
