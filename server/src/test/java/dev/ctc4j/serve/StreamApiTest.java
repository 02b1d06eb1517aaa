package dev.ctc4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ctc4j.Ctc4j;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.infer.StreamingOptions;
import dev.ctc4j.infer.StreamingRecognizer;
import dev.ctc4j.infer.StreamingResult;
import dev.ctc4j.testing.NativeMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /v1/stream WebSocket over real loopback connections: PCM and encoded input, bad input, load.
 * A small random-weight model keeps the load affordable; the browser test streams with the trained one.
 */
class StreamApiTest {
  private static final int MAX_STREAMS = 17;
  /** 100 ms of 16 kHz audio per frame, as the page sends. */
  private static final int FRAME = 1600;
  /** The resident set less the host cache's idle blocks may grow by less than this after the first round. */
  private static final long RSS_GROWTH_BOUND_KIB = 64 << 10;

  @TempDir static Path dir;
  static TestService service;
  static float[] speech;

  @BeforeAll
  static void start() throws IOException {
    service = TestService.start(TestService.randomModel(dir), ServerSettings.defaults().withMaxStreams(MAX_STREAMS),
        Duration.ofMillis(5));
    speech = Audio.read(TestAudio.an4());
  }

  @AfterAll
  static void stop() {
    if (service != null) service.close();
  }

  @Test
  void pcmStreamGetsExactlyTheRecognizerResults() throws Exception {
    List<byte[]> frames = frames(speech);
    StreamClient client = StreamClient.open(service, "rate=16000");
    frames.forEach(client::send);
    client.end();
    assertEquals(new StreamClient.Close(1000, "end of stream"), client.awaitClose(60));

    List<String> expected = new ArrayList<>();
    try (StreamingRecognizer direct = service.transcriber.newStream(StreamingOptions.defaults())) {
      for (byte[] f : frames) direct.accept(pcm16(f), 16000).forEach(r -> expected.add(json(r)));
      expected.add(json(direct.finish()));
    }
    assertEquals(expected, client.messages().stream().map(JsonNode::toString).toList());
    JsonNode last = client.messages().get(client.messages().size() - 1);
    assertEquals("final", last.get("type").asText());
  }

  @Test
  void pcmAtAnotherRateIsResampled() throws Exception {
    StreamClient client = StreamClient.open(service, "rate=8000");
    float[] halfRate = new float[speech.length / 2];
    for (int i = 0; i < halfRate.length; i++) halfRate[i] = speech[2 * i];
    client.send(TestAudio.pcm16(halfRate));
    client.end();
    assertEquals(1000, client.awaitClose(60).code());
    JsonNode last = client.messages().get(client.messages().size() - 1);
    assertEquals("final", last.get("type").asText());
    assertEquals(speech.length / 16000.0, last.get("end").asDouble(), 0.1, "the stream covers the whole audio");
  }

  @Test
  void encodedChunksAreDecodedAsOneStream() throws Exception {
    byte[] flac = Files.readAllBytes(TestAudio.an4());
    StreamClient client = StreamClient.open(service, "format=encoded");
    for (int at = 0; at < flac.length; at += 4096) client.send(Arrays.copyOfRange(flac, at, Math.min(flac.length, at + 4096)));
    client.end();
    assertEquals(new StreamClient.Close(1000, "end of stream"), client.awaitClose(60));

    List<String> expected = new ArrayList<>();
    try (StreamingRecognizer direct = service.transcriber.newStream(StreamingOptions.defaults())) {
      for (int at = 0; at < speech.length; at += FRAME) {
        float[] chunk = Arrays.copyOfRange(speech, at, Math.min(speech.length, at + FRAME));
        direct.accept(chunk, 16000).forEach(r -> expected.add(json(r)));
      }
      expected.add(json(direct.finish()));
    }
    assertEquals(expected, client.messages().stream().map(JsonNode::toString).toList());
  }

  @Test
  void badStreamsAreClosedWithTheProblemNamed() throws Exception {
    assertClosed(1008, "rate must be a sample rate", StreamClient.open(service, "rate=fast"));
    assertClosed(1008, "format must be pcm or encoded", StreamClient.open(service, "format=mp3"));

    StreamClient odd = StreamClient.open(service, "rate=16000");
    odd.send(new byte[3]);
    assertClosed(1003, "not whole 16-bit samples", odd);
    assertEquals("error", odd.messages().get(0).get("type").asText());

    StreamClient chatty = StreamClient.open(service, "rate=16000");
    chatty.sendText("hello");
    assertClosed(1003, "unknown message", chatty);

    StreamClient garbage = StreamClient.open(service, "format=encoded");
    garbage.send("this is not an audio stream at all, only words".repeat(200).getBytes());
    garbage.end();
    assertClosed(1003, "stream is not audio", garbage);
  }

  @Test
  void streamsBeyondTheLimitAreToldToTryLater() throws Exception {
    List<StreamClient> open = new ArrayList<>();
    for (int i = 0; i < MAX_STREAMS; i++) open.add(StreamClient.open(service, "rate=16000"));
    awaitLiveStreams(MAX_STREAMS);
    assertClosed(1013, "stream slots are busy", StreamClient.open(service, "rate=16000"));
    for (StreamClient c : open) {
      c.end();
      assertEquals(1000, c.awaitClose(60).code());
    }
    awaitLiveStreams(0);
  }

  @Test
  void sixteenConcurrentStreamsForTenSeconds() throws Exception {
    streamLoad(16, Duration.ofSeconds(10));
  }

  @Test
  @Tag("slow")
  void sixteenConcurrentStreamsForSixtySeconds() throws Exception {
    streamLoad(16, Duration.ofSeconds(60));
  }

  /**
   * {@code clients} streams send AN4 speech paced in real time, one utterance after another, until
   * {@code duration} has passed: no errors, every stream ends with a final result, and after the
   * first round ctc4j's native memory is back where it was (exactly: its host blocks in use) and the
   * resident set less the host cache's idle blocks stays within {@link #RSS_GROWTH_BOUND_KIB} (the
   * heap is fixed and pre-touched; what moves is the JVM's own native memory, JIT arenas and thread
   * stacks among it, which a 2-core CI machine fills later than a fast one).
   */
  private static void streamLoad(int clients, Duration duration) throws Exception {
    List<byte[]> frames = frames(speech);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long[] rss = new long[2];
    NativeMemory[] ours = new NativeMemory[2];
    AtomicInteger utterances = new AtomicInteger();
    try {
      runRound(pool, clients, frames, 0, utterances); // warm up: Jetty threads, buffers, windows
      ours[0] = NativeMemory.now();
      rss[0] = rssBesideHostCacheKib();
      runRound(pool, clients, frames, System.nanoTime() + duration.toNanos(), utterances);
      awaitLiveStreams(0);
      ours[1] = awaitNativeMemoryBack(ours[0]);
      rss[1] = rssBesideHostCacheKib();
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("%d streams for %s: %d utterances, RSS less the host cache %d -> %d KiB, %s -> %s%n",
        clients, duration, utterances.get(), rss[0], rss[1], ours[0], ours[1]);
    assertEquals(Optional.empty(), ours[1].growthSince(ours[0], 0));
    assertTrue(rss[1] - rss[0] < RSS_GROWTH_BOUND_KIB, "RSS less the host cache grew by " + (rss[1] - rss[0]) + " KiB");
  }

  /** Each client streams utterances until {@code deadline} (at least one); fails on any error. */
  private static void runRound(ExecutorService pool, int clients, List<byte[]> frames, long deadline,
      AtomicInteger utterances) throws Exception {
    List<Future<?>> work = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      work.add(pool.submit(() -> {
        do {
          StreamClient client = StreamClient.open(service, "rate=16000");
          for (byte[] f : frames) {
            client.send(f);
            Thread.sleep(FRAME * 1000L / 16000);
          }
          client.end();
          assertEquals(new StreamClient.Close(1000, "end of stream"), client.awaitClose(120));
          JsonNode last = client.messages().get(client.messages().size() - 1);
          assertEquals("final", last.get("type").asText(), last.toString());
          utterances.incrementAndGet();
        } while (System.nanoTime() < deadline);
        return null;
      }));
    }
    for (Future<?> f : work) f.get();
  }

  private static void assertClosed(int code, String reason, StreamClient client) throws Exception {
    StreamClient.Close close = client.awaitClose(60);
    assertEquals(code, close.code(), close.toString());
    assertTrue(close.reason().contains(reason), "expected '" + reason + "' in " + close);
  }

  private static void awaitLiveStreams(int count) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (TestService.json(service.get("/healthz")).get("live_streams").asInt() != count) {
      assertTrue(System.nanoTime() < deadline, "live streams never reached " + count);
      Thread.sleep(10);
    }
  }

  /** The resident set less the idle blocks ctc4j's host cache keeps on purpose. */
  private static long rssBesideHostCacheKib() throws IOException {
    return TestAudio.rssKib() - (Ctc4j.hostCacheIdleBytes() >> 10);
  }

  /** ctc4j's native memory once it is back to {@code before}, or after 10 s (a socket's release follows its removal). */
  private static NativeMemory awaitNativeMemoryBack(NativeMemory before) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    NativeMemory now = NativeMemory.now();
    while (now.growthSince(before, 0).isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(10);
      now = NativeMemory.now();
    }
    return now;
  }

  private static List<byte[]> frames(float[] audio) {
    List<byte[]> frames = new ArrayList<>();
    for (int at = 0; at < audio.length; at += FRAME) {
      frames.add(TestAudio.pcm16(Arrays.copyOfRange(audio, at, Math.min(audio.length, at + FRAME))));
    }
    return frames;
  }

  private static short[] pcm16(byte[] frame) {
    short[] pcm = new short[frame.length / 2];
    java.nio.ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
    return pcm;
  }

  private static String json(StreamingResult r) {
    return TranscriptJson.of(r).toString();
  }
}
