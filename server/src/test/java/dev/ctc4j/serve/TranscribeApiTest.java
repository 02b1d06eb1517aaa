package dev.ctc4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /v1/transcribe, /healthz, /metrics and the page over real HTTP on loopback, on a small
 * random-weight model (1,000 requests stay quick); the browser test checks what the trained one hears.
 */
class TranscribeApiTest {
  private static final long MAX_BODY = 256 << 10;

  @TempDir static Path dir;
  static TestService service;

  @BeforeAll
  static void start() throws IOException {
    service = TestService.start(TestService.randomModel(dir), ServerSettings.defaults().withMaxBodyBytes(MAX_BODY),
        Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    if (service != null) service.close();
  }

  @Test
  void realSpeechAsRawBodyOrMultipartGetsTheTranscriberText() throws Exception {
    Path file = TestAudio.an4();
    byte[] flac = Files.readAllBytes(file);
    String expected = service.transcriber.transcribe(file).text();

    HttpResponse<String> raw = service.post(flac, "audio/flac");
    assertEquals(200, raw.statusCode(), raw.body());
    JsonNode json = TestService.json(raw);
    assertEquals(expected, json.get("text").asText());
    assertEquals(4.0, json.get("audio_seconds").asDouble(), 0.05, "AN4's manifest says 4.0 s");
    assertTrue(json.get("words").isArray() && json.get("processing_seconds").asDouble() > 0, raw.body());
    for (JsonNode w : json.get("words")) {
      assertTrue(w.get("start").asDouble() <= w.get("end").asDouble() && w.has("word") && w.has("confidence"), w.toString());
    }

    String boundary = "ctc4jBoundary" + Long.toHexString(Seeds.random("boundary").nextLong());
    HttpResponse<String> multipart = service.post(multipart(boundary, "audio", file.getFileName().toString(), flac),
        "multipart/form-data; boundary=" + boundary);
    assertEquals(200, multipart.statusCode(), multipart.body());
    assertEquals(expected, TestService.json(multipart).get("text").asText());
  }

  @Test
  void badUploadsGet400NamingTheProblemAndTheServerKeepsServing() throws Exception {
    SplittableRandom rng = Seeds.random("garbage");
    byte[] garbage = new byte[5000];
    for (int i = 0; i < garbage.length; i++) garbage[i] = (byte) rng.nextInt(256);
    byte[] flac = Files.readAllBytes(TestAudio.an4());

    assertError(400, "request body ", service.post(garbage, "application/octet-stream")); // FFmpeg may guess a format
    assertError(400, "request body is not audio", service.post(
        "<html><body>not a recording</body></html>".repeat(50).getBytes(StandardCharsets.UTF_8), "audio/webm"));
    assertError(400, "request body is empty", service.post(new byte[0], "audio/flac"));
    assertError(400, "request body is truncated", service.post(Arrays.copyOf(flac, flac.length / 3), "audio/flac"));
    assertError(400, "multipart form has no file", service.post(
        "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".getBytes(StandardCharsets.UTF_8),
        "multipart/form-data; boundary=b"));
    assertEquals(200, service.post(flac, "audio/flac").statusCode(), "the server still serves");
  }

  @Test
  void bodiesOverTheLimitGet413DeclaredOrChunked() throws Exception {
    String declared = headersOnly("POST /v1/transcribe HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
        + "Content-Length: " + (MAX_BODY + 1) + "\r\n\r\n"); // refused before the body is sent
    assertTrue(declared.startsWith("HTTP/1.1 413 "), declared);
    assertTrue(declared.endsWith("{\"error\":\"request body exceeds the limit of " + MAX_BODY + " bytes\"}"), declared);

    byte[] big = new byte[(int) MAX_BODY + 4096];
    HttpRequest chunked = HttpRequest.newBuilder(service.uri("/v1/transcribe")) // no length: read until the limit
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build();
    assertError(413, "request body exceeds the limit", service.http.send(chunked, HttpResponse.BodyHandlers.ofString()));
    assertEquals(200, service.get("/healthz").statusCode());
  }

  /** Javalin counts a client that closes its connection mid-upload as 500 unless told otherwise. */
  @Test
  void aClientThatVanishesMidUploadIsCountedAs499NotAsAServerError() throws Exception {
    byte[] flac = Files.readAllBytes(TestAudio.an4());
    try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
      socket.getOutputStream().write(("POST /v1/transcribe HTTP/1.1\r\nHost: x\r\nContent-Type: audio/flac\r\n"
          + "Content-Length: " + flac.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(flac, 0, flac.length / 2);
    }
    String vanished = "ctc4j_http_requests_total{endpoint=\"/v1/transcribe\",status=\"499\"} 1.0";
    long deadline = System.nanoTime() + 30_000_000_000L;
    String metrics;
    while (!(metrics = service.get("/metrics").body()).contains(vanished)) {
      assertTrue(System.nanoTime() < deadline, vanished + " missing from\n" + metrics);
      Thread.sleep(20);
    }
    assertFalse(metrics.contains("status=\"500\""), metrics);
  }

  @Test
  void healthMetricsAndPage() throws Exception {
    assertEquals(200, service.post(Files.readAllBytes(TestAudio.an4()), "audio/flac").statusCode());
    HttpResponse<String> health = service.get("/healthz");
    assertEquals(200, health.statusCode());
    assertEquals("ok", TestService.json(health).get("status").asText());

    HttpResponse<String> metrics = service.get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    for (String expected : new String[] {
        "ctc4j_http_requests_total{endpoint=\"/v1/transcribe\",status=\"200\"}",
        "ctc4j_http_request_duration_seconds_bucket{endpoint=\"/v1/transcribe\",le=\"0.5\"}",
        "ctc4j_real_time_factor_bucket{mode=\"batch\",le=\"0.1\"}", "ctc4j_audio_seconds_total{mode=\"batch\"}",
        "ctc4j_queue_depth 0", "ctc4j_jobs_in_flight 0", "ctc4j_live_streams 0"}) {
      assertTrue(metrics.body().contains(expected), expected + " missing from\n" + metrics.body());
    }

    HttpResponse<String> page = service.get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<title>ctc4j speech recognition</title>"), page.body());
    assertTrue(service.get("/app.js").body().contains("MediaRecorder"));
    assertTrue(service.get("/pcm-worklet.js").body().contains("registerProcessor"));
  }

  @Test
  void thousandSequentialRequestsKeepRssFlat() throws Exception {
    float[] speech = Audio.read(TestAudio.an4());
    byte[] wav = TestAudio.wav(Arrays.copyOfRange(speech, 16000, 20000), Audio.SAMPLE_RATE); // 0.25 s
    for (int i = 0; i < 100; i++) assertEquals(200, service.post(wav, "audio/wav").statusCode()); // warm up
    long before = TestAudio.rssKib();
    long start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> r = service.post(wav, "audio/wav");
      assertEquals(200, r.statusCode(), r.body());
    }
    long after = TestAudio.rssKib();
    System.out.printf("1000 sequential POSTs of 0.25 s: %.1f s, RSS %d -> %d KiB%n",
        (System.nanoTime() - start) / 1e9, before, after);
    assertTrue(after - before < 24 << 10, "RSS grew by " + (after - before) + " KiB over 1000 requests");
  }

  static void assertError(int status, String message, HttpResponse<String> r) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    String error = TestService.json(r).get("error").asText();
    assertTrue(error.contains(message), "expected '" + message + "' in: " + error);
  }

  static byte[] multipart(String boundary, String field, String filename, byte[] content) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
        + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(content);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  /** Sends a request head over a plain socket (the JDK client cannot: it hangs on a refused Expect: 100-continue). */
  private static String headersOnly(String head) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // the server closes
    }
  }
}
