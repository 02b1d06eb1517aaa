package dev.ctc4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ctc4j.Ctc4j;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioEncoder;
import dev.ctc4j.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service under mixed load for {@code -Dctc4j.soak.minutes} (default 30): uploads of every
 * format (raw and multipart), 16 live streams (PCM at 8, 16 and 48 kHz, and encoded chunks of every
 * format) paced in real time, bad requests of every kind, and clients that vanish mid-stream or
 * mid-upload. Every good request must succeed, every bad one get its 4xx or close code; after a
 * warm-up third of the run the resident set (native memory: the heap is fixed and pre-touched) and
 * the thread count must stay flat; afterwards threads return to the pre-load count and /metrics
 * must count exactly what the clients sent. On a small random-weight model: the service's plumbing
 * is under test, not recognition. Run with
 * {@code mvn -B verify -Pslow -pl server -Dtest=ServiceSoakTest -Dctc4j.soak.minutes=2}.
 */
@Tag("slow")
class ServiceSoakTest {
  private static final Duration RUN =
      Duration.ofSeconds(Math.round(60 * Double.parseDouble(System.getProperty("ctc4j.soak.minutes", "30"))));
  private static final int STREAMS = 16, UPLOADERS = 4;
  private static final long MAX_BODY = 512 << 10;
  /**
   * RSS, less the idle blocks ctc4j's host cache keeps on purpose (up to 512 MiB), may grow by less
   * than this over the last two thirds of the run, whatever its length.
   */
  private static final long RSS_GROWTH_BOUND_KIB = 64 << 10;
  /** Threads beyond the reference count allowed for pools that are between two tasks. */
  private static final int THREAD_MARGIN = 8;
  /** Jetty's request threads (thread names are cut at 15 characters); its pool shrinks by one idle thread a minute. */
  private static final String JETTY_POOL = "JettyServerThre";
  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);
  private static final String BOUNDARY = "ctc4jSoakBoundary";
  private static final int[] PCM_RATES = {8000, 16000, 48000};

  @TempDir Path dir;
  private TestService service;
  private List<float[]> speech;
  private List<Payload> payloads;
  private final Tally tally = new Tally();
  private final AtomicBoolean stop = new AtomicBoolean();

  /** One utterance in one container, and the seconds the server decodes from it. */
  record Payload(String name, String contentType, byte[] bytes, double seconds) {}

  /** Memory and thread readings {@code seconds} into the run: RSS, ctc4j's idle cached host blocks, threads. */
  record Sample(double seconds, long rssKib, long hostCacheKib, long threads, long jettyThreads) {
    static Sample at(double seconds) throws IOException {
      return new Sample(seconds, procStatus("VmRSS"), Ctc4j.hostCacheIdleBytes() >> 10, procStatus("Threads"),
          threadNames().getOrDefault(JETTY_POOL, 0));
    }

    /** RSS less the host cache's idle blocks: what a leak would grow. */
    long rssBesideCacheKib() {
      return rssKib - hostCacheKib;
    }
  }

  /** What the clients sent and how they were answered, to hold /metrics against. */
  static final class Tally {
    final Map<String, LongAdder> requests = new ConcurrentHashMap<>(); // "endpoint status"
    final DoubleAdder batchSeconds = new DoubleAdder(), streamSeconds = new DoubleAdder();
    final LongAdder uploads = new LongAdder(), streams = new LongAdder(), refused = new LongAdder();
    final LongAdder vanished = new LongAdder();

    void request(String endpoint, int status) {
      requests.computeIfAbsent(endpoint + " " + status, k -> new LongAdder()).increment();
    }
  }

  @Test
  void mixedLoadKeepsEveryAnswerRightAndMemoryAndThreadsFlat() throws Exception {
    speech = TestAudio.an4(4).stream().map(Audio::read).toList();
    payloads = payloads(speech);
    ServerSettings settings = ServerSettings.defaults().withMaxBodyBytes(MAX_BODY).withMaxStreams(32);
    try (TestService s = TestService.start(TestService.randomModel(dir), settings, Duration.ofMillis(5))) {
      service = s;
      upload(Seeds.random("ServiceSoakTest.warmup")); // the HTTP client's threads exist before the reference count
      Map<String, Integer> threadsBefore = threadNames();
      Sample before = Sample.at(0);
      List<Sample> samples = runLoad(Seeds.random("ServiceSoakTest"));
      awaitHealthz("live_streams", 0);
      awaitHealthz("jobs_in_flight", 0);
      Map<String, Integer> threadsAfter = awaitThreadsBesideJettyAtMost(besideJetty(threadsBefore) + THREAD_MARGIN);
      report(before, samples, threadsAfter);
      assertFlat(samples);
      assertTrue(besideJetty(threadsAfter) <= besideJetty(threadsBefore) + THREAD_MARGIN,
          "threads after the load " + threadsAfter + ", before it " + threadsBefore);
      Sample warm = samples.get(samples.size() / 3);
      assertTrue(threadsAfter.getOrDefault(JETTY_POOL, 0) <= warm.jettyThreads() + THREAD_MARGIN,
          "Jetty's pool after the load " + threadsAfter + ", at warm-up end " + warm);
      assertMetricsMatchTally();
    }
  }

  // --- the load --------------------------------------------------------------------

  /** Runs every client until the deadline, sampling RSS and threads; fails with the first client failure. */
  private List<Sample> runLoad(SplittableRandom rng) throws Exception {
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) clients.add(this::stream);
    for (int i = 0; i < UPLOADERS; i++) clients.add(this::upload);
    clients.add(this::refused);
    clients.add(this::vanish);
    ExecutorService pool = Executors.newFixedThreadPool(clients.size());
    long start = System.nanoTime(), deadline = start + RUN.toNanos();
    List<Future<?>> running = new ArrayList<>();
    for (Client c : clients) running.add(pool.submit(() -> loop(c, rng.split(), deadline)));
    List<Sample> samples = new ArrayList<>();
    try {
      while (System.nanoTime() < deadline && !stop.get()) {
        Thread.sleep(Math.min(SAMPLE_EVERY.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        samples.add(Sample.at((System.nanoTime() - start) / 1e9));
      }
      for (Future<?> f : running) f.get(5, TimeUnit.MINUTES);
    } finally {
      stop.set(true);
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(2, TimeUnit.MINUTES), "the clients stopped");
    }
    return samples;
  }

  @FunctionalInterface
  private interface Client {
    void once(SplittableRandom rng) throws Exception;
  }

  private Void loop(Client client, SplittableRandom rng, long deadline) throws Exception {
    try {
      while (System.nanoTime() < deadline && !stop.get()) client.once(rng);
      return null;
    } catch (Throwable t) {
      stop.set(true); // a failure ends the run now, not at the deadline
      throw t;
    }
  }

  /** A good upload of a random utterance in a random format, as the raw body or a multipart file. */
  private void upload(SplittableRandom rng) throws Exception {
    Payload p = payloads.get(rng.nextInt(payloads.size()));
    boolean multipart = rng.nextBoolean();
    HttpResponse<String> r = multipart
        ? service.post(TranscribeApiTest.multipart(BOUNDARY, "audio", p.name(), p.bytes()),
            "multipart/form-data; boundary=" + BOUNDARY)
        : service.post(p.bytes(), p.contentType());
    assertEquals(200, r.statusCode(), p.name() + ": " + r.body());
    JsonNode json = TestService.json(r);
    assertTrue(json.get("text").isTextual() && json.get("words").isArray(), r.body());
    assertEquals(p.seconds(), json.get("audio_seconds").asDouble(), 1e-9, p.name() + " decoded whole");
    tally.request("/v1/transcribe", 200);
    tally.uploads.increment();
    tally.batchSeconds.add(p.seconds());
  }

  /** A good stream paced in real time: PCM at a random rate, or an encoded utterance in 4 KiB chunks. */
  private void stream(SplittableRandom rng) throws Exception {
    if (rng.nextInt(3) == 0) {
      Payload p = payloads.get(rng.nextInt(payloads.size()));
      StreamClient client = StreamClient.open(service, "format=encoded");
      sendEncoded(client, p.bytes(), p.bytes().length, p.seconds());
      client.end();
      assertFinished(client, p.seconds(), p.name());
      tally.streamSeconds.add(p.seconds());
    } else {
      int rate = PCM_RATES[rng.nextInt(PCM_RATES.length)];
      float[] audio = atRate(speech.get(rng.nextInt(speech.size())), rate);
      StreamClient client = StreamClient.open(service, "rate=" + rate);
      sendPcm(client, audio, rate, audio.length);
      client.end();
      double seconds = audio.length / (double) rate;
      assertFinished(client, seconds, "PCM at " + rate + " Hz");
      tally.streamSeconds.add(seconds);
    }
    tally.streams.increment();
  }

  /** 100 ms frames of 16-bit PCM, one every 100 ms, up to {@code samples}. */
  private static void sendPcm(StreamClient client, float[] audio, int rate, int samples) throws InterruptedException {
    int frame = rate / 10;
    for (int at = 0; at < samples; at += frame) {
      client.send(TestAudio.pcm16(Arrays.copyOfRange(audio, at, Math.min(samples, at + frame))));
      Thread.sleep(100);
    }
  }

  /** 4 KiB chunks of an encoded file up to {@code length} bytes, at the rate that plays it in {@code seconds}. */
  private static void sendEncoded(StreamClient client, byte[] file, int length, double seconds) throws InterruptedException {
    int chunk = 4096;
    long pauseMs = Math.round(1000 * seconds * chunk / file.length);
    for (int at = 0; at < length; at += chunk) {
      client.send(Arrays.copyOfRange(file, at, Math.min(length, at + chunk)));
      Thread.sleep(pauseMs);
    }
  }

  private static void assertFinished(StreamClient client, double seconds, String what) throws Exception {
    assertEquals(new StreamClient.Close(1000, "end of stream"), client.awaitClose(120), what);
    JsonNode last = client.messages().get(client.messages().size() - 1);
    assertEquals("final", last.get("type").asText(), what + ": " + last);
    assertEquals(seconds, last.get("end").asDouble(), 0.1, what + ": the final result covers the whole audio");
  }

  /** Speech at 16 kHz as PCM at {@code rate}: every other sample for 8 kHz, each sample thrice for 48 kHz. */
  private static float[] atRate(float[] speech, int rate) {
    if (rate == 16000) return speech;
    float[] out = new float[(int) ((long) speech.length * rate / 16000)];
    for (int i = 0; i < out.length; i++) out[i] = speech[(int) ((long) i * 16000 / rate)];
    return out;
  }

  // --- bad requests --------------------------------------------------------------------

  /** One bad request or stream, drawn at random; each must get its status or close code and message. */
  private void refused(SplittableRandom rng) throws Exception {
    switch (rng.nextInt(15)) {
      case 0 -> refusedUpload(400, "request body ", garbage(rng, 5000), "application/octet-stream");
      case 1 -> refusedUpload(400, "request body is not audio",
          "<html><body>not a recording</body></html>".repeat(50).getBytes(StandardCharsets.UTF_8), "audio/webm");
      case 2 -> refusedUpload(400, "request body is empty", new byte[0], "audio/flac");
      case 3 -> refusedUpload(400, "request body is truncated", truncatedFlac(), "audio/flac");
      case 4 -> refusedUpload(400, "multipart form has no file",
          ("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n").getBytes(StandardCharsets.UTF_8),
          "multipart/form-data; boundary=b");
      case 5 -> oversizeDeclared();
      case 6 -> oversizeChunked();
      case 7 -> {
        assertEquals(404, service.get("/v1/nothing-here").statusCode());
        tally.request("other", 404);
      }
      case 8 -> refusedStream(1008, "rate must be a sample rate", "rate=" + List.of("fast", "100", "999999", "-1").get(rng.nextInt(4)), null);
      case 9 -> refusedStream(1008, "format must be pcm or encoded", "format=mp3", null);
      case 10 -> refusedStream(1003, "not whole 16-bit samples", "rate=16000", c -> c.send(new byte[3]));
      case 11 -> refusedStream(1003, "unknown message", "rate=16000",
          c -> c.sendText(List.of("hello", "{\"type\":\"pause\"}", "[1,2]", "{\"type\":").get(rng.nextInt(4))));
      case 12 -> refusedStream(1003, "stream is not audio", "format=encoded", c -> {
        c.send("this is not an audio stream at all, only words".repeat(200).getBytes(StandardCharsets.UTF_8));
        c.end();
      });
      case 13 -> refusedStream(1009, "", "rate=16000", c -> c.sendText("x".repeat(5000))); // over the 4 KiB text limit
      default -> refusedStream(1009, "", "format=encoded", c -> c.send(new byte[(1 << 20) + 2])); // over 1 MiB
    }
    tally.refused.increment();
  }

  private void refusedUpload(int status, String message, byte[] body, String contentType) throws Exception {
    TranscribeApiTest.assertError(status, message, service.post(body, contentType));
    tally.request("/v1/transcribe", status);
  }

  private byte[] truncatedFlac() {
    Payload flac = payloads.stream().filter(p -> p.name().endsWith(".flac")).findFirst().orElseThrow();
    return Arrays.copyOf(flac.bytes(), flac.bytes().length / 3);
  }

  /** A Content-Length over the limit: 413 before the body is sent. */
  private void oversizeDeclared() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
      socket.setSoTimeout(60_000);
      socket.getOutputStream().write(("POST /v1/transcribe HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
          + "Content-Length: " + (MAX_BODY + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 413 ") && answer.contains("exceeds the limit"), answer);
    }
    tally.request("/v1/transcribe", 413);
  }

  /** A chunked body (no length) that passes the limit: 413 once it does. */
  private void oversizeChunked() throws Exception {
    byte[] big = new byte[(int) MAX_BODY + 4096];
    HttpRequest chunked = HttpRequest.newBuilder(service.uri("/v1/transcribe"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build();
    TranscribeApiTest.assertError(413, "request body exceeds the limit",
        service.http.send(chunked, HttpResponse.BodyHandlers.ofString()));
    tally.request("/v1/transcribe", 413);
  }

  @FunctionalInterface
  private interface Misbehaviour {
    void on(StreamClient client) throws Exception;
  }

  private void refusedStream(int code, String reason, String query, Misbehaviour misbehaviour) throws Exception {
    StreamClient client = StreamClient.open(service, query);
    if (misbehaviour != null) misbehaviour.on(client);
    StreamClient.Close close = client.awaitClose(60);
    assertEquals(code, close.code(), query + ": " + close);
    assertTrue(close.reason().contains(reason), "expected '" + reason + "' in " + close);
  }

  private static byte[] garbage(SplittableRandom rng, int n) {
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) out[i] = (byte) rng.nextInt(256);
    return out;
  }

  // --- clients that vanish ---------------------------------------------------------------

  /** A stream (PCM or encoded) or an upload whose client closes the TCP connection part-way, without ending. */
  private void vanish(SplittableRandom rng) throws Exception {
    Payload p = payloads.get(rng.nextInt(payloads.size()));
    switch (rng.nextInt(3)) {
      case 0 -> {
        StreamClient client = StreamClient.open(service, "rate=16000");
        float[] audio = speech.get(rng.nextInt(speech.size()));
        sendPcm(client, audio, 16000, rng.nextInt(audio.length));
        client.vanish();
      }
      case 1 -> {
        StreamClient client = StreamClient.open(service, "format=encoded");
        sendEncoded(client, p.bytes(), rng.nextInt(p.bytes().length), p.seconds());
        client.vanish();
      }
      default -> uploadPartOf(p, rng.nextInt(p.bytes().length), rng.nextBoolean());
    }
    tally.vanished.increment();
  }

  /**
   * Declares the whole payload, sends {@code sent} bytes of it and closes the connection: with a
   * FIN, or with a reset when {@code reset}. The server counts it as 499 (client closed request).
   */
  private void uploadPartOf(Payload p, int sent, boolean reset) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
      if (reset) socket.setSoLinger(true, 0);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/transcribe HTTP/1.1\r\nHost: x\r\nContent-Type: " + p.contentType() + "\r\nContent-Length: "
          + p.bytes().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(p.bytes(), 0, sent);
      out.flush();
    }
    tally.request("/v1/transcribe", 499);
  }

  // --- what must hold ----------------------------------------------------------------------

  /** After the first third of the run, RSS grows by less than the bound and threads by at most the margin. */
  private static void assertFlat(List<Sample> samples) {
    assertTrue(samples.size() >= 6, "too few samples for a run of " + RUN + ": " + samples.size());
    Sample warm = samples.get(samples.size() / 3);
    List<Sample> rest = samples.subList(samples.size() / 3, samples.size());
    long maxRss = rest.stream().mapToLong(Sample::rssBesideCacheKib).max().orElseThrow();
    long maxThreads = rest.stream().mapToLong(Sample::threads).max().orElseThrow();
    assertTrue(maxRss - warm.rssBesideCacheKib() < RSS_GROWTH_BOUND_KIB, String.format("RSS beside the host cache grew by"
        + " %,d KiB after warm-up (bound %,d KiB): %s", maxRss - warm.rssBesideCacheKib(), RSS_GROWTH_BOUND_KIB, samples));
    assertTrue(maxThreads <= warm.threads() + THREAD_MARGIN,
        "threads grew from " + warm.threads() + " to " + maxThreads + " under load: " + samples);
  }

  /** Every request series the server counted is one the clients made, as often; audio seconds agree. */
  private void assertMetricsMatchTally() throws Exception {
    Map<String, Double> metrics = scrape(); // counted once answered, so not in its own output
    Map<String, Long> counted = new TreeMap<>(), sent = new TreeMap<>();
    metrics.forEach((series, value) -> {
      if (series.startsWith("ctc4j_http_requests_total{")) counted.put(series, Math.round(value));
    });
    tally.requests.forEach((key, n) -> {
      String[] endpointStatus = key.split(" ");
      sent.put("ctc4j_http_requests_total{endpoint=\"" + endpointStatus[0] + "\",status=\"" + endpointStatus[1] + "\"}", n.sum());
    });
    assertEquals(sent, counted, "requests by endpoint and status");
    assertEquals(tally.uploads.sum(), Math.round(metrics.get("ctc4j_real_time_factor_count{mode=\"batch\"}")));
    assertEquals(tally.streams.sum(), Math.round(metrics.get("ctc4j_real_time_factor_count{mode=\"stream\"}")));
    assertEquals(tally.batchSeconds.sum(), metrics.get("ctc4j_audio_seconds_total{mode=\"batch\"}"), 1e-6 * tally.batchSeconds.sum());
    assertEquals(tally.streamSeconds.sum(), metrics.get("ctc4j_audio_seconds_total{mode=\"stream\"}"), 1e-6 * tally.streamSeconds.sum());
    for (String gauge : List.of("ctc4j_queue_depth", "ctc4j_jobs_in_flight", "ctc4j_live_streams")) {
      assertEquals(0.0, metrics.get(gauge), gauge);
    }
  }

  /** /metrics as series → value. */
  private Map<String, Double> scrape() throws Exception {
    HttpResponse<String> r = service.get("/metrics");
    assertEquals(200, r.statusCode());
    Map<String, Double> out = new TreeMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }

  private void awaitHealthz(String field, int value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      HttpResponse<String> r = service.get("/healthz");
      tally.request("/healthz", r.statusCode());
      if (TestService.json(r).get(field).asInt() == value) return;
      assertTrue(System.nanoTime() < deadline, field + " never reached " + value + ": " + r.body());
      Thread.sleep(100);
    }
  }

  /**
   * Waits up to 150 s (the HTTP client's and the stream decoders' idle threads end after 60 s) until
   * at most {@code bound} threads run beside Jetty's pool; returns the threads by name.
   */
  private static Map<String, Integer> awaitThreadsBesideJettyAtMost(long bound) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    Map<String, Integer> threads;
    while (besideJetty(threads = threadNames()) > bound && System.nanoTime() < deadline) Thread.sleep(1000);
    return threads;
  }

  private static long besideJetty(Map<String, Integer> threads) {
    return threads.values().stream().mapToInt(Integer::intValue).sum() - threads.getOrDefault(JETTY_POOL, 0);
  }

  private void report(Sample before, List<Sample> samples, Map<String, Integer> threadsAfter) {
    Sample warm = samples.get(samples.size() / 3), last = samples.get(samples.size() - 1);
    List<Sample> rest = samples.subList(samples.size() / 3, samples.size());
    long maxRss = rest.stream().mapToLong(Sample::rssBesideCacheKib).max().orElseThrow();
    System.out.printf("soak %s: %,d uploads (%.0f s of audio), %,d streams (%.0f s), %,d refused, %,d vanished;"
            + " requests %s%n", RUN, tally.uploads.sum(), tally.batchSeconds.sum(), tally.streams.sum(),
        tally.streamSeconds.sum(), tally.refused.sum(), tally.vanished.sum(), new TreeMap<>(tally.requests));
    System.out.printf("soak RSS beside the host cache, KiB: before %,d, at warm-up end (%.0f s) %,d, max after %,d"
            + " (+%,d; bound %,d), end %,d; threads: before %d, warm-up %d (Jetty %d), max after %d, after the load %s%n",
        before.rssBesideCacheKib(), warm.seconds(), warm.rssBesideCacheKib(), maxRss, maxRss - warm.rssBesideCacheKib(),
        RSS_GROWTH_BOUND_KIB, last.rssBesideCacheKib(),
        before.threads(), warm.threads(), warm.jettyThreads(), rest.stream().mapToLong(Sample::threads).max().orElseThrow(),
        threadsAfter);
    for (Sample s : samples) {
      System.out.printf("soak sample %.0f s: RSS %,d KiB (host cache %,d KiB), %d threads (Jetty %d)%n", s.seconds(),
          s.rssKib(), s.hostCacheKib(), s.threads(), s.jettyThreads());
    }
  }

  // --- fixtures ------------------------------------------------------------------------------

  /**
   * Each utterance as mono WAV and, in stereo (FFmpeg's Vorbis encoder takes nothing else), in every
   * format the test encoder writes: FLAC, MP3, Ogg Vorbis, Opus in Ogg and in WebM.
   */
  private List<Payload> payloads(List<float[]> utterances) throws IOException {
    List<Payload> out = new ArrayList<>();
    for (int i = 0; i < utterances.size(); i++) {
      out.add(payload("u" + i + ".wav", "audio/wav", TestAudio.wav(utterances.get(i), Audio.SAMPLE_RATE)));
      for (AudioEncoder.Format f : AudioEncoder.Format.values()) {
        Path file = dir.resolve("u" + i + "-" + f.name().toLowerCase() + "." + f.extension());
        AudioEncoder.encode(file, stereo(utterances.get(i)), Audio.SAMPLE_RATE, 2, f);
        out.add(payload(file.getFileName().toString(), "audio/" + f.extension(), Files.readAllBytes(file)));
      }
    }
    return out;
  }

  private static float[] stereo(float[] mono) {
    float[] out = new float[2 * mono.length];
    for (int i = 0; i < mono.length; i++) out[2 * i] = out[2 * i + 1] = mono[i];
    return out;
  }

  private static Payload payload(String name, String contentType, byte[] bytes) {
    return new Payload(name, contentType, bytes, Audio.read(bytes, name).length / (double) Audio.SAMPLE_RATE);
  }

  /** This process's threads (Java and native) by name, digits folded into '#', with their counts. */
  private static Map<String, Integer> threadNames() throws IOException {
    Map<String, Integer> names = new TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          names.merge(Files.readString(task.resolve("comm")).strip().replaceAll("\\d+", "#"), 1, Integer::sum);
        } catch (IOException ended) {
          // the thread ended between the listing and the read
        }
      }
    }
    return names;
  }

  /** A field of /proc/self/status as a number (VmRSS in KiB, Threads). */
  private static long procStatus(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
    }
    throw new IllegalStateException("no " + field + " in /proc/self/status");
  }
}
