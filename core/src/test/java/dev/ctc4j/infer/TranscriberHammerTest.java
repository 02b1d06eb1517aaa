package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.features.Normalization;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyModels;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Transcriber's thread-safety contract under load: one instance shared by 32 threads, each
 * mixing blocking transcribe, submit and live streams over a few utterances.
 * <ul>
 *   <li>Without batching (max batch 1) every result is bit-identical to the single-threaded one: the
 *       same text, words with the same start, end and confidence, alternatives with the same scores
 *       (records compare every field). This is the thread-safety claim.
 *   <li>With batching, requests of different lengths share forward passes, and a log-mel model's
 *       batched products sum in another order: text, words and their times stay identical, word
 *       confidences and the alternatives' scores agree within 1e-5 relative (measured: 1e-7).
 *       wav2vec2 models run each utterance of a batch on its own, so theirs stay bit-identical.
 * </ul>
 */
class TranscriberHammerTest {
  private static final int THREADS = 32, ROUNDS = 3;

  @TempDir Path dir;

  @Test
  void logMelModelUnderThirtyTwoThreadsGivesTheSingleThreadedResults() throws Exception {
    Path lstm = TestModels.write(dir.resolve("lstm"), "lstm", false, Normalization.NONE, 31); // incremental streams
    hammer(lstm, "lstm", 1, true);
    hammer(lstm, "lstm batched", 8, false);
  }

  @Test
  void wav2vec2ModelUnderThirtyTwoThreadsGivesTheSingleThreadedResults() throws Exception {
    Path folder = dir.resolve("w2v");
    try (Wav2Vec2Model w = TinyModels.create(TinyModels.base(), Seeds.random("TranscriberHammerTest.w2v"))) {
      w.save(folder);
    }
    hammer(folder, "wav2vec2 batched", 8, true); // windowed streams
  }

  /** Identical text, words and times, alternatives' texts; confidences and scores within 1e-5 relative. */
  private static void assertSameUpToScores(Transcript expected, Transcript actual, String what) {
    assertEquals(expected.text(), actual.text(), what);
    assertEquals(expected.words().size(), actual.words().size(), what);
    for (int i = 0; i < expected.words().size(); i++) {
      Word e = expected.words().get(i), a = actual.words().get(i);
      assertEquals(List.of(e.text(), e.start(), e.end()), List.of(a.text(), a.start(), a.end()), what);
      assertEquals(e.confidence(), a.confidence(), 1e-5 * e.confidence(), what);
    }
    assertEquals(expected.alternatives().size(), actual.alternatives().size(), what);
    for (int i = 0; i < expected.alternatives().size(); i++) {
      Alternative e = expected.alternatives().get(i), a = actual.alternatives().get(i);
      assertEquals(e.text(), a.text(), what);
      assertEquals(e.score(), a.score(), 1e-5 * Math.abs(e.score()), what);
    }
  }

  private void hammer(Path model, String name, int maxBatch, boolean bitIdentical) throws Exception {
    SplittableRandom rng = Seeds.random("TranscriberHammerTest." + name);
    List<float[]> audio = new ArrayList<>();
    for (int i = 0; i < 5; i++) audio.add(TestModels.speechLike(rng, 0.4 + rng.nextDouble() * 2.5));
    List<List<float[]>> chunks = audio.stream().map(a -> StreamingTest.randomChunks(rng, a)).toList();
    StreamingOptions options = StreamingOptions.defaults().withEndpointSilence(Duration.ZERO);

    try (Transcriber t = Transcriber.builder(model).maxBatch(maxBatch).gatherWindow(Duration.ofMillis(2)).build()) {
      List<Transcript> offline = audio.stream().map(a -> t.transcribe(a, 16000)).toList();
      List<StreamingResult> streamed = new ArrayList<>();
      for (List<float[]> c : chunks) streamed.add(stream(t, c, options));

      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      List<Future<?>> work = new ArrayList<>();
      for (int thread = 0; thread < THREADS; thread++) {
        long seed = rng.nextLong();
        work.add(pool.submit(() -> {
          SplittableRandom own = new SplittableRandom(seed);
          for (int round = 0; round < ROUNDS; round++) {
            int u = own.nextInt(audio.size());
            switch (own.nextInt(3)) {
              case 0 -> same(offline.get(u), t.transcribe(audio.get(u), 16000), bitIdentical, "transcribe " + u);
              case 1 -> same(offline.get(u), t.submit(audio.get(u), 16000).join(), bitIdentical, "submit " + u);
              default -> assertEquals(streamed.get(u), stream(t, chunks.get(u), options), "stream " + u);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : work) f.get(5, TimeUnit.MINUTES); // rethrows a failed assertion
      pool.shutdown();
      BatchStats stats = t.batchStats();
      System.out.println("hammer " + name + ": " + stats);
      assertTrue(maxBatch == 1 ? stats.largestBatch() == 1 : stats.largestBatch() > 1, "batches: " + stats);
    }
  }

  private static void same(Transcript expected, Transcript actual, boolean bitIdentical, String what) {
    if (bitIdentical) assertEquals(expected, actual, what);
    else assertSameUpToScores(expected, actual, what);
  }

  private static StreamingResult stream(Transcriber t, List<float[]> chunks, StreamingOptions options) {
    try (StreamingRecognizer s = t.newStream(options)) {
      for (float[] c : chunks) s.accept(c, 16000);
      return s.finish();
    }
  }
}
