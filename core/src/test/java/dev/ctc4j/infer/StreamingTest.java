package dev.ctc4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.AudioException;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.AcousticStream;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming front end, incremental model, recognizer and endpointing against offline inference. */
class StreamingTest {
  /** Float32 log-mel and log-probabilities computed in different chunkings agree to this (absolute). */
  static final double TOLERANCE = 1e-4;

  @TempDir static Path dir;
  static Path lstm;
  static Path dnn;
  static Path bilstm;

  @BeforeAll
  static void models() throws Exception {
    lstm = TestModels.write(dir.resolve("lstm"), "lstm", false, Normalization.NONE, 21);
    dnn = TestModels.write(dir.resolve("dnn"), null, false, Normalization.NONE, 22);
    bilstm = TestModels.write(dir.resolve("bilstm"), "lstm", true, Normalization.NONE, 23);
  }

  @Test
  void streamingFeaturesAreTheOfflineFeatures() throws Exception {
    SplittableRandom rng = Seeds.random("streamingFeaturesAreTheOfflineFeatures");
    try (SpeechModel model = SpeechModel.load(lstm, Device.CPU)) {
      for (int length : new int[] {1, 150, 200, 201, 399, 400, 401, 1600, 16000 + rng.nextInt(32000)}) {
        float[] audio = TestModels.speechLike(rng, length / 16000.0 + 1e-6);
        audio = Arrays.copyOf(audio, length);
        float[][] offline = model.frontEnd().compute(audio); // [mels][frames]
        List<float[]> chunks = randomChunks(rng, audio);
        float[] streamed = streamFeatures(model, chunks);
        int mels = offline.length, frames = offline[0].length;
        assertEquals(frames * mels, streamed.length, "frames for " + length + " samples in " + chunks.size() + " chunks");
        for (int t = 0; t < frames; t++) {
          for (int m = 0; m < mels; m++) {
            assertEquals(offline[m][t], streamed[t * mels + m], TOLERANCE, "length " + length + " frame " + t + " mel " + m);
          }
        }
      }
    }
  }

  private static float[] streamFeatures(SpeechModel model, List<float[]> chunks) {
    List<StreamingFeatures.Frames> out = new ArrayList<>();
    try (StreamingFeatures f = new StreamingFeatures(model.frontEnd().config())) {
      for (float[] c : chunks) out.add(f.accept(c));
      out.add(f.finish());
    }
    return concat(out.stream().map(StreamingFeatures.Frames::values).toList());
  }

  @Test
  void incrementalForwardIsTheOfflineForward() throws Exception {
    SplittableRandom rng = Seeds.random("incrementalForwardIsTheOfflineForward");
    for (Path dirOfModel : List.of(lstm, dnn)) {
      try (SpeechModel model = SpeechModel.load(dirOfModel, Device.CPU)) {
        AcousticModel acoustic = model.acoustic();
        int features = acoustic.config().nFeatures();
        for (int frames : new int[] {1, 2, 3, 7, 150 + rng.nextInt(200)}) {
          float[] x = Seeds.gaussian(rng, frames * features, 1); // frame-major [frames][features]
          float[] offline = offlineLogProbs(acoustic, x, frames);
          List<float[]> parts = new ArrayList<>();
          try (AcousticStream stream = acoustic.openStream()) {
            for (int at = 0; at < frames; ) {
              int n = Math.min(frames - at, rng.nextInt(6)); // 0 to 5 frames at a time
              parts.add(stream.accept(Arrays.copyOfRange(x, at * features, (at + n) * features), n));
              at += n;
            }
            parts.add(stream.finish());
          }
          float[] streamed = concat(parts);
          assertEquals(offline.length, streamed.length, dirOfModel.getFileName() + ": " + frames + " frames");
          for (int i = 0; i < offline.length; i++) {
            assertEquals(offline[i], streamed[i], TOLERANCE, dirOfModel.getFileName() + " value " + i);
          }
        }
      }
    }
  }

  /** forward() on [1, features, frames]: log-probabilities [frames', classes]. */
  private static float[] offlineLogProbs(AcousticModel model, float[] frameMajor, int frames) {
    int features = model.config().nFeatures();
    float[] x = new float[frameMajor.length];
    for (int t = 0; t < frames; t++) for (int f = 0; f < features; f++) x[f * frames + t] = frameMajor[t * features + f];
    try (Tensor in = Tensor.of(Device.CPU, x, 1, features, frames);
        AcousticModel.Output out = model.forward(in, new int[] {frames})) {
      return out.logProbs().toFloatArray(); // [T', 1, classes]
    }
  }

  @Test
  void bidirectionalModelsDoNotStreamIncrementally() throws Exception {
    try (SpeechModel model = SpeechModel.load(bilstm, Device.CPU)) {
      assertFalse(model.acoustic().supportsStreaming());
      assertThrows(UnsupportedOperationException.class, () -> model.acoustic().openStream());
    }
  }

  @Test
  void unidirectionalStreamIsTheOfflineTranscript() {
    SplittableRandom rng = Seeds.random("unidirectionalStreamIsTheOfflineTranscript");
    float[] audio = TestModels.speechLike(rng, 4 + rng.nextDouble() * 2);
    StreamingOptions noEndpoints = StreamingOptions.defaults().withEndpointSilence(Duration.ZERO)
        .withMaxSegment(Duration.ofMinutes(5)).withChunk(Duration.ofMillis(100));
    try (Transcriber t = Transcriber.builder(lstm).build()) {
      Transcript offline = t.transcribe(audio, 16000);
      List<StreamingResult> partials = new ArrayList<>();
      StreamingResult last;
      try (StreamingRecognizer s = t.newStream(noEndpoints)) {
        for (float[] chunk : randomChunks(rng, audio)) partials.addAll(s.accept(chunk, 16000));
        last = s.finish();
      }
      assertTrue(last.isFinal());
      assertEquals(0, last.segment());
      TranscriberTest.assertSameWords(offline, new Transcript(last.text(), last.words(), 0, List.of()));
      assertTrue(!partials.isEmpty(), "partial results as audio arrives");
      assertTrue(partials.stream().noneMatch(StreamingResult::isFinal));
      for (int i = 1; i < partials.size(); i++) assertFalse(partials.get(i).text().equals(partials.get(i - 1).text()));
    }
  }

  @Test
  void concurrentStreamsAndRequestsShareOneModel() throws Exception {
    SplittableRandom rng = Seeds.random("concurrentStreamsAndRequestsShareOneModel");
    float[] audio = TestModels.speechLike(rng, 3);
    List<float[]> chunks = randomChunks(rng, audio);
    StreamingOptions noEndpoints = StreamingOptions.defaults().withEndpointSilence(Duration.ZERO);
    try (Transcriber t = Transcriber.builder(lstm).build()) {
      String expected = t.transcribe(audio, 16000).text();
      List<java.util.concurrent.Future<String>> results = new ArrayList<>();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      for (int i = 0; i < 8; i++) {
        boolean stream = i % 2 == 0;
        results.add(pool.submit(() -> {
          if (!stream) return t.transcribe(audio, 16000).text();
          try (StreamingRecognizer s = t.newStream(noEndpoints)) {
            for (float[] c : chunks) s.accept(c, 16000);
            return s.finish().text();
          }
        }));
      }
      for (var r : results) assertEquals(expected, r.get());
      pool.shutdown();
    }
  }

  @Test
  void windowsCoveringTheWholeStreamGiveTheOfflineTranscript() {
    SplittableRandom rng = Seeds.random("windowsCoveringTheWholeStreamGiveTheOfflineTranscript");
    float[] audio = TestModels.speechLike(rng, 3 + rng.nextDouble());
    StreamingOptions wide = StreamingOptions.defaults().withEndpointSilence(Duration.ZERO)
        .withLeftContext(Duration.ofSeconds(10)).withLookahead(Duration.ofSeconds(10));
    try (Transcriber t = Transcriber.builder(bilstm).build(); StreamingRecognizer s = t.newStream(wide)) {
      for (float[] chunk : randomChunks(rng, audio)) assertTrue(s.accept(chunk, 16000).isEmpty()); // all lookahead
      TranscriberTest.assertSameWords(t.transcribe(audio, 16000), asTranscript(s.finish()));
    }
    StreamingOptions narrow = StreamingOptions.defaults().withEndpointSilence(Duration.ZERO);
    try (Transcriber t = Transcriber.builder(bilstm).build(); StreamingRecognizer s = t.newStream(narrow)) {
      int results = 0;
      for (float[] chunk : randomChunks(rng, audio)) results += s.accept(chunk, 16000).size();
      StreamingResult last = s.finish();
      assertTrue(last.isFinal() && results > 0, "partials from chunks of 320 ms with 320 ms lookahead");
      assertEquals(audio.length / 16000.0, last.end(), 0.1);
    }
  }

  private static Transcript asTranscript(StreamingResult r) {
    return new Transcript(r.text(), r.words(), 0, List.of());
  }

  @Test
  void trailingSilenceEndsASegment() throws Exception {
    // Designed log-probabilities: "ab", 0.5 s of blanks, "c", 1 s of blanks, "d" (20 ms frames).
    try (SpeechModel model = SpeechModel.load(lstm, Device.CPU);
        TranscriptDecoder decoder = new TranscriptDecoder(model, DecodingConfig.GREEDY)) {
      Labels labels = model.labels();
      int[] path = concat(run(labels, "a", 3), run(labels, "_", 2), run(labels, "b", 2), run(labels, "_", 25),
          run(labels, "c", 2), run(labels, "_", 50), run(labels, "d", 2), run(labels, "_", 3));
      ScriptedFrames source = new ScriptedFrames(path, labels.size());
      StreamingOptions options = StreamingOptions.defaults().withEndpointSilence(Duration.ofMillis(800));
      List<StreamingResult> results = new ArrayList<>();
      try (StreamingRecognizer s = new StreamingRecognizer(decoder, options, source, 0.02)) {
        for (int i = 0; i < 10; i++) results.addAll(s.accept(new float[1], 16000));
        results.add(s.finish());
      }
      List<StreamingResult> finals = results.stream().filter(StreamingResult::isFinal).toList();
      assertEquals(List.of("abc", "d"), finals.stream().map(StreamingResult::text).toList(), results.toString());
      assertEquals(List.of(0, 1), finals.stream().map(StreamingResult::segment).toList());
      Word c = finals.get(0).words().get(0);
      assertEquals("abc", c.text());
      assertEquals(0.0, c.start(), 1e-9);
      assertEquals((3 + 2 + 2 + 25 + 2) * 0.02, c.end(), 1e-9);
      Word d = finals.get(1).words().get(0);
      assertEquals((3 + 2 + 2 + 25 + 2 + 50) * 0.02, d.start(), 1e-9, "times count from the start of the stream");
      assertTrue(finals.get(0).end() <= d.start());
      assertTrue(results.stream().anyMatch(r -> !r.isFinal() && r.text().equals("ab")), results.toString());
    }
  }

  /** Frames whose most probable class follows a path, released a tenth at a time. */
  private static final class ScriptedFrames implements FrameSource {
    private final LogProbFrames frames;
    private int released;

    ScriptedFrames(int[] path, int classes) {
      float[] v = new float[path.length * classes];
      for (int t = 0; t < path.length; t++) {
        for (int c = 0; c < classes; c++) v[t * classes + c] = (float) Math.log(c == path[t] ? 0.9 : 0.1 / (classes - 1));
      }
      frames = LogProbFrames.copyOf(v, classes, 0, path.length);
    }

    @Override
    public LogProbFrames accept(float[] samples) {
      int next = Math.min(frames.frames(), released + frames.frames() / 10);
      LogProbFrames out = new LogProbFrames(frames.classes());
      out.append(frames, released, next);
      released = next;
      return out;
    }

    @Override
    public LogProbFrames finish() {
      LogProbFrames out = new LogProbFrames(frames.classes());
      out.append(frames, released, frames.frames());
      released = frames.frames();
      return out;
    }

    @Override
    public void close() {}
  }

  private static int[] run(Labels labels, String token, int count) {
    int[] out = new int[count];
    Arrays.fill(out, labels.tokens().indexOf(token));
    return out;
  }

  @Test
  void badStreamInputGetsTypedExceptions() {
    try (Transcriber t = Transcriber.builder(lstm).build(); StreamingRecognizer s = t.newStream(StreamingOptions.defaults())) {
      assertTrue(s.accept(new float[0], 8000).isEmpty());
      assertThrows(InvalidInputException.class, () -> s.accept(new float[] {0, Float.NaN}, 8000));
      assertThrows(InvalidInputException.class, () -> s.accept(new float[160], 16000), "the rate may not change");
      s.accept(new short[800], 8000);
      s.finish();
      assertThrows(IllegalStateException.class, () -> s.accept(new float[16], 8000));
    }
    try (Transcriber t = Transcriber.builder(lstm).build(); StreamingRecognizer s = t.newStream(StreamingOptions.defaults())) {
      assertThrows(AudioException.class, () -> s.accept(new float[16], 0));
      StreamingResult empty = s.finish();
      assertEquals("", empty.text());
      assertTrue(empty.isFinal());
    }
    assertThrows(InvalidInputException.class, () -> StreamingOptions.defaults().withChunk(Duration.ZERO));
  }

  /** The audio cut into pieces of random sizes (some empty, some tiny). */
  static List<float[]> randomChunks(SplittableRandom rng, float[] audio) {
    List<float[]> out = new ArrayList<>();
    for (int at = 0; at < audio.length; ) {
      int n = Math.min(audio.length - at, rng.nextInt(4) == 0 ? rng.nextInt(3) : rng.nextInt(6000));
      out.add(Arrays.copyOfRange(audio, at, at + n));
      at += n;
    }
    return out;
  }

  private static float[] concat(List<float[]> parts) {
    float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }
}
