package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.eval.ErrorRates;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minutes of AN4 test utterances, back to back in one WAV file, transcribed in 30 s chunks with
 * 2 s of overlap, read from disk as it goes.
 */
class LongTranscriptionTest {
  @TempDir Path dir;

  /**
   * Utterances filling about {@code seconds}, their audio concatenated with {@code pauseSeconds}
   * of noise at about the recordings' floor (-66 dB) between them.
   */
  record Concatenation(Path wav, List<Utterance> utterances, double seconds) {
    String text() {
      return String.join(" ", utterances.stream().map(Utterance::text).toList());
    }
  }

  static Concatenation concatenate(Path dir, double seconds, double pauseSeconds) throws Exception {
    Files.createDirectories(dir);
    List<Utterance> all = Manifest.read(SharedData.require("an4/test.jsonl"));
    List<Utterance> used = new ArrayList<>();
    List<float[]> audio = new ArrayList<>();
    SplittableRandom noise = new SplittableRandom(7);
    int samples = 0;
    for (int i = 0; samples < seconds * Audio.SAMPLE_RATE; i++) {
      Utterance u = all.get(i % all.size());
      float[] speech = Audio.read(u.audio());
      float[] a = Arrays.copyOf(speech, speech.length + (int) (pauseSeconds * Audio.SAMPLE_RATE));
      for (int j = speech.length; j < a.length; j++) a[j] = (float) (5e-4 * noise.nextGaussian());
      used.add(u);
      audio.add(a);
      samples += a.length;
    }
    float[] joined = new float[samples];
    int at = 0;
    for (float[] a : audio) {
      System.arraycopy(a, 0, joined, at, a.length);
      at += a.length;
    }
    return new Concatenation(TestModels.writeWav(dir.resolve("long.wav"), joined), used, samples / 16000.0);
  }

  @Test
  void tenMinutesStitchToTheOnePassTranscriptInFlatNativeMemory() throws Exception {
    // A DNN sees a few frames around each output, so stitched chunks must equal one pass over all ten minutes.
    Path model = TestModels.write(dir.resolve("dnn"), null, false, Normalization.NONE, 31);
    Concatenation ten = concatenate(dir, 600, 0);
    try (Transcriber chunked = Transcriber.builder(model).pauseSeconds(0).build();
        Transcriber onePass = Transcriber.builder(model).chunkSeconds(900).build()) {
      chunked.transcribe(ten.wav()); // warm up the arenas and the JIT
      long twoMinutes = peakGrowth(() -> chunked.transcribe(concatenate(dir.resolve("short"), 120, 0).wav()));
      Transcript[] result = new Transcript[1];
      long tenMinutes = peakGrowth(() -> result[0] = chunked.transcribe(ten.wav()));
      System.out.printf("native memory (RSS) peak growth: 2 min %d KiB, 10 min %d KiB%n", twoMinutes >> 10,
          tenMinutes >> 10);
      assertTrue(tenMinutes < twoMinutes + (32L << 20), "memory grows with the length of the audio");
      assertEquals(ten.seconds(), result[0].audioSeconds(), 1e-6);
      TranscriberTest.assertSameWords(onePass.transcribe(Audio.read(ten.wav()), 16000), result[0]);
      assertTrue(chunked.batchStats().largestBatch() > 1, chunked.batchStats().toString());
    }
  }

  /**
   * Utterances with 1 s pauses between them, so long audio is cut at the pauses. Run on without
   * pauses, the embedded model misreads the start of each next utterance (measured on these two
   * minutes: WER 0.21 stitched against 0.14 one by one; that needs training on concatenated
   * utterances, not done).
   */
  @Test
  @Tag("slow")
  void twoMinutesOfAn4TranscribeToTheirWordsInOrder() throws Exception {
    wordsInOrder(120, 1);
  }

  @Test
  @Tag("slow")
  void tenMinutesOfAn4TranscribeToTheirWordsInOrder() throws Exception {
    wordsInOrder(600, 1);
  }

  /** With a trained model: the stitched transcript is about as accurate as the utterances transcribed one by one. */
  private void wordsInOrder(double seconds, double pauseSeconds) throws Exception {
    Path model = trainedModel();
    Concatenation ten = concatenate(dir, seconds, pauseSeconds);
    try (Transcriber t = Transcriber.builder(model).build()) {
      Transcript whole = t.transcribe(ten.wav());
      ErrorRates perUtterance = new ErrorRates(), stitched = new ErrorRates();
      List<String> separate = new ArrayList<>();
      for (Utterance u : ten.utterances()) {
        String h = t.transcribe(u.audio()).text();
        perUtterance.add(u.text(), h);
        separate.add(h);
      }
      stitched.add(ten.text(), whole.text());
      ErrorRates agreement = new ErrorRates();
      agreement.add(String.join(" ", separate), whole.text());
      System.out.printf("AN4 x%d (%.0f s): WER per utterance %.3f, stitched %.3f, stitched vs per-utterance %.3f%n",
          ten.utterances().size(), ten.seconds(), perUtterance.wer(), stitched.wer(), agreement.wer());
      assertTrue(stitched.wer() <= perUtterance.wer() + 0.03, "stitching costs accuracy");
      assertTrue(agreement.wer() <= 0.05, "the long transcript should be the utterances' words in order");
    }
  }

  /** A trained model: -Dctc4j.test.model, else the default model; skips when there is none. */
  static Path trainedModel() {
    String named = System.getProperty("ctc4j.test.model");
    if (named != null) return Path.of(named);
    try {
      return DefaultModel.locate();
    } catch (dev.ctc4j.InvalidInputException e) {
      assumeTrue(false, "no trained model: " + e.getMessage());
      return null;
    }
  }

  /** Peak growth of the resident set (native memory: the test JVM's heap is pre-touched) while body runs. */
  static long peakGrowth(ThrowingRunnable body) throws Exception {
    System.gc();
    long before = residentBytes();
    AtomicLong peak = new AtomicLong(before);
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(residentBytes(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();
    try {
      body.run();
    } finally {
      done.set(true);
      sampler.join();
    }
    return Math.max(0, peak.get() - before);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
