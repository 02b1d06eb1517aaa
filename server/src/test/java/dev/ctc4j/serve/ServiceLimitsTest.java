package dev.ctc4j.serve;

import static dev.ctc4j.serve.TranscribeApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
}
