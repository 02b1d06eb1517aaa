package dev.ctc4j.serve;

import static dev.ctc4j.serve.TranscribeApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrency limit, request timeout and graceful shutdown. A long gather window in the
 * transcriber's batcher keeps a request in flight for a known time, so the tests need no races.
 */
class ServiceLimitsTest {
  private static final Duration HOLD = Duration.ofMillis(1500);

  @TempDir static Path dir;
  static Path model;
  static byte[] speech;

  @BeforeAll
  static void prepare() throws IOException {
    model = TestService.randomModel(dir);
    speech = Files.readAllBytes(TestAudio.an4());
  }

  @Test
  void beyondMaxConcurrentJobsClientsGet503WithRetryAfter() throws Exception {
    try (TestService service = TestService.start(model, ServerSettings.defaults().withMaxConcurrentJobs(1), HOLD)) {
      CompletableFuture<HttpResponse<String>> first = postAsync(service);
      awaitJobs(service, 1);
      HttpResponse<String> refused = service.post(speech, "audio/flac");
      assertError(503, "all 1 transcription slots are busy", refused);
      assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
      assertEquals(200, first.get().statusCode(), first.get().body());
      assertEquals(200, service.post(speech, "audio/flac").statusCode(), "the slot is free again");
    }
  }

  @Test
  void transcriptionsOverTheTimeoutGet504AndFreeTheirSlot() throws Exception {
    ServerSettings settings = ServerSettings.defaults().withMaxConcurrentJobs(1).withRequestTimeout(Duration.ofMillis(300));
    try (TestService service = TestService.start(model, settings, HOLD)) {
      assertError(504, "did not finish within 300 ms", service.post(speech, "audio/flac"));
      awaitJobs(service, 0); // the abandoned job still ran to the end, then let go of its slot
      assertEquals(200, service.get("/healthz").statusCode());
    }
  }

  @Test
  void shutdownFinishesInFlightRequestsAndRefusesNewOnes() throws Exception {
    try (TestService service = TestService.start(model, ServerSettings.defaults(), HOLD)) {
      HttpRequest health = HttpRequest.newBuilder(service.uri("/healthz")).build();
      CompletableFuture<HttpResponse<String>> inFlight = postAsync(service);
      awaitJobs(service, 1);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(service.server::close);
      while (service.get("/healthz").statusCode() != 503) Thread.sleep(10);

      assertError(503, "shutting down", service.post(speech, "audio/flac"));
      assertEquals(200, inFlight.get().statusCode(), inFlight.get().body());
      assertTrue(TestService.json(inFlight.get()).has("text"));
      closing.get();
      assertThrows(ConnectException.class, () -> service.http.send(health, HttpResponse.BodyHandlers.ofString()),
          "a stopped server refuses connections");
    }
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(TestService service) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return service.post(speech, "audio/flac");
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void awaitJobs(TestService service, int jobs) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (service.jobsInFlight() != jobs) {
      assertTrue(System.nanoTime() < deadline, "jobs in flight never reached " + jobs);
      Thread.sleep(5);
    }
  }

  /**
   * A request whose body never arrives holds Jetty's graceful stop until the grace runs out: close
   * then returns (the server stopped anyway) instead of throwing Jetty's timeout out of close.
   */
  @Test
  void closeReturnsWhenAConnectionOutlivesTheGrace() throws Exception {
    ServerSettings settings = ServerSettings.defaults().withShutdownGrace(Duration.ofSeconds(1));
    TestService service = TestService.start(model, settings, Duration.ZERO);
    URI health = service.server.uri().resolve("/healthz");
    try (Socket socket = new Socket("127.0.0.1", health.getPort())) {
      socket.getOutputStream().write(("POST /v1/transcribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/flac\r\n"
          + "Content-Length: 100000\r\n\r\nfLaC").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      Thread.sleep(200); // the request reaches its handler, which waits for the rest of the body
      long start = System.nanoTime();
      service.close();
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(seconds < 10, "close took " + seconds + " s");
      assertThrows(ConnectException.class, () -> service.http.send(HttpRequest.newBuilder(health).build(),
          HttpResponse.BodyHandlers.ofString()), "the server has stopped");
    }
  }
}
