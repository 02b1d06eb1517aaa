package dev.ctc4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.infer.SpeechModel;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A running service on loopback for the tests, with an HTTP client. Models: the trained AN4 model
 * when one is present ({@code -Dctc4j.test.model=DIR}, else {@code models/an4}), for the tests that
 * check what is heard; a small random-weight BiLSTM with the AN4 model's front end (deterministic
 * junk transcripts, cheap) for those that check the plumbing under load.
 */
final class TestService implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Transcriber transcriber;
  final TranscriptionServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private TestService(Transcriber transcriber, TranscriptionServer server) {
    this.transcriber = transcriber;
    this.server = server;
  }

  /** A server on a free loopback port with {@code settings}; the transcriber gathers batches for {@code gatherWindow}. */
  static TestService start(Path model, ServerSettings settings, Duration gatherWindow) {
    Transcriber transcriber = Transcriber.builder(model).gatherWindow(gatherWindow).build();
    try {
      return new TestService(transcriber, TranscriptionServer.start(transcriber, settings.withHost("127.0.0.1").withPort(0)));
    } catch (RuntimeException e) {
      transcriber.close();
      throw e;
    }
  }

  static Path trainedModel() {
    return Path.of(System.getProperty("ctc4j.test.model", "models/an4")).toAbsolutePath();
  }

  static boolean hasTrainedModel() {
    return Files.exists(trainedModel().resolve(SpeechModel.FEATURES));
  }

  /** The trained model if present, else a random one written into {@code dir}. */
  static Path model(Path dir) throws IOException {
    return hasTrainedModel() ? trainedModel() : randomModel(dir);
  }

  /** A small random-weight model written into {@code dir}. */
  static Path randomModel(Path dir) throws IOException {
    ModelConfig config = ModelConfig.ctc(Labels.english().tokens(), 80, "lstm", true, 64, 2, 32, 5, 2, 0f);
    try (AcousticModel model = AcousticModel.create(config, Device.CPU, 7)) {
      SpeechModel.save(dir, model, MelConfig.builder().nMels(80).build());
    }
    return dir;
  }

  URI uri(String path) {
    return server.uri().resolve(path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(byte[] body, String contentType) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri("/v1/transcribe")).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  /** The server's jobs in flight, from /healthz. */
  int jobsInFlight() throws IOException, InterruptedException {
    return json(get("/healthz")).get("jobs_in_flight").asInt();
  }

  @Override
  public void close() {
    server.close();
    transcriber.close();
  }
}
