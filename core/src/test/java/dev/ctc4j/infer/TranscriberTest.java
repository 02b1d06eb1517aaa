package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.ModelLoadException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioException;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.lm.TestArpa;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transcriber on random-weight models: agreement with offline decoding, batching, chunking, decoders, bad input. */
class TranscriberTest {
  @TempDir static Path dir;
  static Path gru;
  static Path dnn;

  @BeforeAll
  static void models() throws Exception {
    gru = TestModels.write(dir.resolve("gru"), "gru", false, Normalization.PER_FEATURE, 11);
    dnn = TestModels.write(dir.resolve("dnn"), null, false, Normalization.NONE, 12);
  }

  @Test
  void shortAudioIsTheOfflineGreedyTranscript() {
    SplittableRandom rng = Seeds.random("shortAudioIsTheOfflineGreedyTranscript");
    float[] audio = TestModels.speechLike(rng, 2 + rng.nextDouble() * 2);
    try (Transcriber t = Transcriber.builder(gru).build()) {
      Transcript r = t.transcribe(audio, 16000);
      String offline = t.model().greedy(List.of(audio)).get(0).text().strip().replaceAll(" +", " ");
      assertEquals(offline, r.text());
      assertEquals(audio.length / 16000.0, r.audioSeconds(), 1e-9);
      assertEquals(String.join(" ", r.words().stream().map(Word::text).toList()), r.text());
      double frame = t.model().frameSeconds();
      for (Word w : r.words()) {
        assertTrue(w.start() >= 0 && w.start() < w.end() && w.end() <= r.audioSeconds() + 3 * frame, w.toString());
        assertTrue(w.confidence() > 0 && w.confidence() <= 1, w.toString());
      }
      assertEquals(List.of(new Alternative(r.text(), r.alternatives().get(0).score())), r.alternatives());
    }
  }

  @Test
  void concurrentSubmitsGiveTheSequentialTranscriptsInSharedBatches() {
    SplittableRandom rng = Seeds.random("concurrentSubmitsGiveTheSequentialTranscriptsInSharedBatches");
    List<float[]> audio = new ArrayList<>();
    for (int i = 0; i < 12; i++) audio.add(TestModels.speechLike(rng, 0.5 + rng.nextDouble() * 3));
    List<Transcript> sequential;
    try (Transcriber t = Transcriber.builder(gru).build()) {
      sequential = audio.stream().map(a -> t.transcribe(a, 16000)).toList();
      assertEquals(1, t.batchStats().largestBatch());
    }
    try (Transcriber t = Transcriber.builder(gru).maxBatch(8).gatherWindow(Duration.ofMillis(300)).build()) {
      List<CompletableFuture<Transcript>> futures = audio.stream().map(a -> t.submit(a, 16000)).toList();
      for (int i = 0; i < audio.size(); i++) {
        Transcript concurrent = futures.get(i).join();
        assertEquals(sequential.get(i).text(), concurrent.text(), "utterance " + i);
        assertEquals(sequential.get(i).words().size(), concurrent.words().size(), "utterance " + i);
      }
      BatchStats stats = t.batchStats();
      System.out.println("12 concurrent submits: " + stats);
      assertEquals(12, stats.requests());
      assertTrue(stats.largestBatch() > 1 && stats.largestBatch() <= 8 && stats.batches() < 12, stats.toString());
      assertEquals(0, t.queueDepth());
    }
  }

  @Test
  void longAudioIsChunkedAndStitchedIntoTheWholeUtterancesFrames() {
    // A DNN's output frame sees only a few feature frames, so with 0.2 s of context kept on each side
    // of every seam, the stitched log-probabilities are the whole utterance's.
    SplittableRandom rng = Seeds.random("longAudioIsChunkedAndStitchedIntoTheWholeUtterancesFrames");
    float[] audio = TestModels.speechLike(rng, 9 + rng.nextDouble() * 2);
    try (Transcriber whole = Transcriber.builder(dnn).chunkSeconds(60).build();
        Transcriber chunked = Transcriber.builder(dnn).chunkSeconds(2).overlapSeconds(0.4).pauseSeconds(0).build()) {
      LongAudio.Stitched a = stitched(whole, audio, 60, 2), b = stitched(chunked, audio, 2, 0.4);
      assertEquals(a.frames().frames(), b.frames().frames());
      float[] x = a.frames().values(0, a.frames().frames()), y = b.frames().values(0, b.frames().frames());
      for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-4, "value " + i); // float rounding only
      assertSameWords(whole.transcribe(audio, 16000), chunked.transcribe(audio, 16000));
      assertTrue(chunked.batchStats().requests() >= 5, chunked.batchStats().toString());
    }
  }

  @Test
  void longAudioIsCutAtAPauseIntoPassesOfTheirOwnWithBlanksBetween() {
    // 2.4 s of speech, 1.6 s of near-silence, 2.2 s of speech, in 4 s chunks: the first chunk ends
    // inside the pause, so the pause is cut a margin after the first speech and resumed a margin
    // before the chunk's end, where the second pass (all of the rest) starts.
    SplittableRandom rng = Seeds.random("longAudioIsCutAtAPauseIntoPassesOfTheirOwnWithBlanksBetween");
    try (Transcriber t = Transcriber.builder(gru).build()) {
      int frame = t.model().input().samplesPerFrame(), margin = (int) (LongAudio.MARGIN_SECONDS * 16000) / frame;
      int speech = 2400 * 16 / frame, pauseEnd = 4000 * 16 / frame;
      float[] audio = new float[4000 * 16 + 2200 * 16];
      System.arraycopy(TestModels.speechLike(rng, 2.4), 0, audio, 0, speech * frame);
      for (int i = speech * frame; i < pauseEnd * frame; i++) audio[i] = (float) (1e-4 * (2 * rng.nextDouble() - 1));
      System.arraycopy(TestModels.speechLike(rng, 2.2), 0, audio, pauseEnd * frame, 2200 * 16);

      LongAudio.Stitched cut = stitched(t, audio, 4, 1, 0.5);
      LogProbFrames first = t.dispatcher().submit(Arrays.copyOf(audio, (speech + margin) * frame)).join();
      LogProbFrames rest = t.dispatcher().submit(Arrays.copyOfRange(audio, (pauseEnd - margin) * frame, audio.length)).join();
      int blanks = pauseEnd - 2 * margin - speech;
      assertEquals(speech + margin + blanks + rest.frames(), cut.frames().frames());
      assertClose(first.values(0, speech + margin), cut.frames().values(0, speech + margin));
      int restAt = speech + margin + blanks;
      assertClose(rest.values(0, rest.frames()), cut.frames().values(restAt, cut.frames().frames()));
      int space = t.model().labels().space(), blank = t.model().labels().blank();
      for (int f = speech + margin; f < restAt; f++) {
        assertEquals(f == speech + margin ? space : blank, cut.frames().argmax(f), "frame " + f); // a word break, then blanks
        assertEquals(0f, cut.frames().value(f, cut.frames().argmax(f)));
      }
    }
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-4, "value " + i); // batching
  }

  /** Equal text and word times; confidences up to float rounding. */
  static void assertSameWords(Transcript expected, Transcript actual) {
    assertEquals(expected.text(), actual.text());
    assertEquals(expected.words().size(), actual.words().size());
    for (int i = 0; i < expected.words().size(); i++) {
      Word e = expected.words().get(i), a = actual.words().get(i);
      assertEquals(e.text(), a.text());
      assertEquals(e.start(), a.start(), 1e-9, "start of " + e);
      assertEquals(e.end(), a.end(), 1e-9, "end of " + e);
      assertEquals(e.confidence(), a.confidence(), 1e-5, "confidence of " + e);
    }
  }

  private static LongAudio.Stitched stitched(Transcriber t, float[] audio, double chunk, double overlap) {
    return stitched(t, audio, chunk, overlap, 0);
  }

  private static LongAudio.Stitched stitched(Transcriber t, float[] audio, double chunk, double overlap, double pause) {
    LongAudio long_ = new LongAudio(t.dispatcher(), t.model().labels(), chunk, overlap, pause,
        t.model().input().samplesPerFrame());
    int[] at = {0};
    return long_.run(2, (buffer, offset, length) -> {
      if (at[0] == audio.length) return -1;
      int n = Math.min(length, Math.min(777, audio.length - at[0])); // short reads, as decoders give
      System.arraycopy(audio, at[0], buffer, offset, n);
      at[0] += n;
      return n;
    });
  }

  @Test
  void anySampleRateIsResampled() {
    float[] at8k = Audio.fromFloat(TestModels.speechLike(Seeds.random("anySampleRateIsResampled"), 2), 16000, 1);
    at8k = java.util.Arrays.copyOf(at8k, at8k.length / 2); // any signal will do as 8 kHz input
    try (Transcriber t = Transcriber.builder(gru).build()) {
      assertEquals(t.transcribe(Audio.fromFloat(at8k, 8000, 1), 16000), t.transcribe(at8k, 8000));
      short[] pcm16 = new short[at8k.length];
      for (int i = 0; i < pcm16.length; i++) pcm16[i] = (short) Math.round(at8k[i] * 32767);
      assertEquals(t.transcribe(Audio.fromPcm16(pcm16, 8000, 1), 16000), t.transcribe(pcm16, 8000));
    }
  }

  @Test
  void beamSearchGivesNBestAndKeepsToTheLexicon() throws Exception {
    float[] audio = TestModels.speechLike(Seeds.random("beamSearchGivesNBestAndKeepsToTheLexicon"), 3);
    Path lexicon = Files.writeString(dir.resolve("lexicon.txt"), "a\nb\nab a b\n\n");
    Path arpa = TestArpa.write(dir, "test.arpa", TestArpa.TEXT);
    try (Transcriber t = Transcriber.builder(gru).decoding(DecodingConfig.BEAM.withBeamWidth(16).withNBest(4)).build()) {
      Transcript r = t.transcribe(audio, 16000);
      assertTrue(!r.alternatives().isEmpty() && r.alternatives().size() <= 4, r.alternatives().toString());
      assertEquals(r.text(), r.alternatives().get(0).text());
      for (int i = 1; i < r.alternatives().size(); i++) {
        assertTrue(r.alternatives().get(i).score() <= r.alternatives().get(i - 1).score(), r.alternatives().toString());
      }
      assertEquals(r.alternatives().size(), r.alternatives().stream().map(Alternative::text).distinct().count());
    }
    try (Transcriber t = Transcriber.builder(gru).decoding(DecodingConfig.BEAM.withLanguageModel(arpa)
        .withLmWeights(0.8, 2).withLexicon(lexicon).withHotwords(Map.of("ab", 2.0))).build()) {
      Transcript r = t.transcribe(audio, 16000);
      Set<String> allowed = Set.of("a", "b", "ab");
      assertTrue(r.words().stream().allMatch(w -> allowed.contains(w.text())), r.text());
      assertTrue(!r.text().isEmpty(), "a beta of 2 per word should produce some words");
    }
  }

  @Test
  void badInputGetsTypedExceptions() {
    try (Transcriber t = Transcriber.builder(gru).build()) {
      assertThrows(InvalidInputException.class, () -> t.transcribe(new float[0], 16000));
      assertThrows(InvalidInputException.class, () -> t.transcribe(new short[0], 16000));
      assertThrows(InvalidInputException.class, () -> t.transcribe((float[]) null, 16000));
      float[] nan = new float[1600];
      nan[900] = Float.NaN;
      assertTrue(assertThrows(InvalidInputException.class, () -> t.submit(nan, 16000)).getMessage().contains("900"));
      assertThrows(AudioException.class, () -> t.transcribe(new float[1600], 0));
      assertThrows(AudioException.class, () -> t.transcribe(new float[1600], -8000));
      assertThrows(AudioException.class, () -> t.submit(new short[1600], 10_000_000));
      byte[] garbage = new byte[4096];
      new SplittableRandom(1).nextBytes(garbage);
      assertThrows(AudioException.class, () -> t.transcribe(new ByteArrayInputStream(garbage)));
      assertThrows(AudioException.class, () -> t.transcribe(new ByteArrayInputStream(new byte[0])));
      assertThrows(AudioException.class, () -> t.transcribe(dir.resolve("missing.wav")));
      // the transcriber keeps working after bad input
      assertTrue(t.transcribe(new float[16000], 16000).audioSeconds() == 1.0);
    }
    assertThrows(InvalidInputException.class, () -> Transcriber.builder(dir.resolve("nowhere")).build());
    assertThrows(InvalidInputException.class, () -> DecodingConfig.GREEDY.withLanguageModel(dir.resolve("x.arpa")));
    assertThrows(InvalidInputException.class,
        () -> Transcriber.builder(gru).decoding(DecodingConfig.BEAM.withLanguageModel(dir.resolve("x.arpa"))).build());
    assertThrows(InvalidInputException.class, () -> Transcriber.builder(gru).chunkSeconds(2).overlapSeconds(1.5).build());
    assertThrows(InvalidInputException.class, () -> Transcriber.builder(gru).maxBatch(0).build());
  }

  /** A model folder whose weights cannot be read is a typed model-load failure naming the folder. */
  @Test
  void anUnreadableModelIsAModelLoadException() throws Exception {
    Path broken = Files.createDirectories(dir.resolve("broken"));
    try (var files = Files.list(gru)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("model.safetensors")) Files.copy(f, broken.resolve(f.getFileName()));
      }
    }
    Files.createDirectories(broken.resolve("model.safetensors")); // a folder where the weights should be
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> Transcriber.builder(broken).build());
    assertEquals(broken, e.directory());
    assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
  }

  @Test
  void configIsTheValueTheBuilderCollected() {
    DecodingConfig beam = DecodingConfig.BEAM.withBeamWidth(8).withHotwords(Map.of("ab", 1.5));
    try (Transcriber t = Transcriber.builder(gru).decoding(beam).maxBatch(4).pauseSeconds(0).build()) {
      assertEquals(new TranscriberConfig(Device.CPU, beam, 4, TranscriberConfig.DEFAULTS.gatherWindow(),
          TranscriberConfig.DEFAULTS.chunkSeconds(), TranscriberConfig.DEFAULTS.overlapSeconds(), 0), t.config());
    }
    assertEquals(TranscriberConfig.DEFAULTS.decoding(), DecodingConfig.GREEDY);
  }

  @Test
  void closingFinishesQueuedWorkThenRefusesMore() {
    float[] audio = TestModels.speechLike(Seeds.random("closingFinishesQueuedWorkThenRefusesMore"), 1);
    Transcriber t = Transcriber.builder(gru).gatherWindow(Duration.ofMillis(200)).build();
    List<CompletableFuture<Transcript>> queued = new ArrayList<>();
    for (int i = 0; i < 4; i++) queued.add(t.submit(audio, 16000));
    t.close();
    Set<String> texts = queued.stream().map(f -> f.join().text()).collect(Collectors.toSet());
    assertEquals(1, texts.size());
    assertThrows(IllegalStateException.class, () -> t.submit(audio, 16000));
  }
}
