package dev.ctc4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.hub.FakeHub;
import dev.ctc4j.hub.HubClient;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.infer.StreamingOptions;
import dev.ctc4j.infer.StreamingRecognizer;
import dev.ctc4j.infer.StreamingResult;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.serve.ServerSettings;
import dev.ctc4j.serve.TranscriptionServer;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyHubModel;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctc4j models pull|list|rm} and {@code --model ID} in-process, against {@link FakeHub}
 * ({@value HubClient#ENDPOINT_PROPERTY}) with the store in a temporary {@value ModelStore#HOME_PROPERTY}.
 */
class ModelStoreCommandsTest {
  private static final String ONE = "acme/one", TWO = "acme/two", COMMIT = "c0ffee0000000000000000000000000000000002";

  @TempDir Path dir;
  private FakeHub hub;
  private Path home;

  @BeforeEach
  void serve() throws IOException {
    SplittableRandom rng = Seeds.random("ModelStoreCommandsTest");
    Path repo = dir.resolve("repo");
    TinyHubModel.write(repo, rng);
    Files.createDirectories(repo.resolve("language_model"));
    Files.write(repo.resolve("language_model/lm.arpa.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
    hub = new FakeHub();
    hub.addRepo(ONE, COMMIT, repo);
    hub.addRepo(TWO, COMMIT, repo);
    home = dir.resolve("home");
    System.setProperty(ModelStore.HOME_PROPERTY, home.toString());
    System.setProperty(HubClient.ENDPOINT_PROPERTY, hub.endpoint());
  }

  @AfterEach
  void stop() {
    System.clearProperty(ModelStore.HOME_PROPERTY);
    System.clearProperty(HubClient.ENDPOINT_PROPERTY);
    hub.close();
  }

  private static String stdout(String... args) {
    return Console.stdout(() -> assertEquals(0, Main.run(args), String.join(" ", args)));
  }

  /** Runs a command that must fail and returns its stderr, checked to be one "error: " line. */
  private static String oneLineError(String... args) {
    String err = Console.stderr(() -> assertEquals(1, Main.run(args), String.join(" ", args)));
    assertTrue(err.startsWith("error: ") && err.strip().lines().count() == 1, err);
    return err.strip();
  }

  /** A pulled wav2vec2 model runs by its id through transcribe, eval, align, streaming and the service. */
  @Test
  void pulledModelRunsByItsIdEverywhere() throws Exception {
    stdout("models", "pull", ONE);
    String audio = MainTest.SAMPLE.toAbsolutePath().toString();
    JsonNode line = new ObjectMapper().readTree(stdout("transcribe", "--model", ONE, audio, "--json"));
    assertTrue(line.get("text").isTextual() && line.get("words").isArray(), line.toString());
    System.setProperty(DefaultModel.PROPERTY, ONE); // the default model may name a pulled id too
    try {
      assertEquals(line, new ObjectMapper().readTree(stdout("transcribe", audio, "--json")));
    } finally {
      System.clearProperty(DefaultModel.PROPERTY);
    }
    Path manifest = dir.resolve("one.jsonl");
    Files.writeString(manifest, "{\"audio\": \"" + audio + "\", \"text\": \"fig\", \"duration\": 2.5}\n");
    JsonNode eval = new ObjectMapper().readTree(stdout("eval", "--model", ONE, "--manifest", manifest.toString(), "--json"));
    assertEquals(1, eval.get("utterances").asInt(), eval.toString());
    // The tiny model's letters are F .. L: the lower-case transcript is normalised to its upper case.
    JsonNode aligned = new ObjectMapper().readTree(stdout("align", "--model", ONE, audio, "fig hjk", "--json"));
    assertEquals(List.of("FIG", "HJK"), StreamSupport.stream(aligned.get("words").spliterator(), false)
        .map(w -> w.get("word").asText()).toList(), aligned.toString());

    float[] pcm = Audio.read(MainTest.SAMPLE);
    try (Transcriber t = Transcriber.builder(ModelStore.open().resolve(ONE)).build()) {
      String offline = t.transcribe(pcm, Audio.SAMPLE_RATE).text();
      try (StreamingRecognizer s = t.newStream(StreamingOptions.defaults())) {
        for (int from = 0; from < pcm.length; from += 4000) {
          s.accept(Arrays.copyOfRange(pcm, from, Math.min(pcm.length, from + 4000)), Audio.SAMPLE_RATE);
        }
        StreamingResult last = s.finish();
        double seconds = pcm.length / (double) Audio.SAMPLE_RATE;
        assertTrue(last.isFinal() && Math.abs(last.end() - seconds) < 0.1, "the final result reaches the audio's end: "
            + last + " for " + seconds + " s");
      }
      try (TranscriptionServer server = TranscriptionServer.start(t, ServerSettings.defaults().withHost("127.0.0.1").withPort(0))) {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri().resolve("/v1/transcribe"))
            .POST(HttpRequest.BodyPublishers.ofFile(MainTest.SAMPLE)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(offline, new ObjectMapper().readTree(r.body()).get("text").asText(), "the service's transcript");
      }
    }
  }

  @Test
  void pullListRemoveAndModelIds() throws IOException {
    String pulled = stdout("models", "pull", ONE);
    Path one = home.resolve("models/acme--one");
    assertEquals("acme/one@main (commit " + COMMIT + ") is in " + one, pulled.substring(0, pulled.indexOf(" (", 40)));
    stdout("models", "pull", TWO + "@" + COMMIT, "--no-progress");
    assertTrue(Files.exists(one.resolve("lm.arpa.gz")) && Files.exists(home.resolve("models/acme--two/model.safetensors")));

    String[] lines = stdout("models", "list").strip().split("\n");
    assertEquals(2, lines.length);
    assertTrue(lines[0].startsWith(ONE + " ") && lines[0].contains(" main ") && lines[0].endsWith(one.toString()), lines[0]);
    assertTrue(lines[1].startsWith(TWO + " ") && lines[1].contains(" " + COMMIT + " "), lines[1]);
    JsonNode json = new ObjectMapper().readTree(stdout("models", "list", "--json"));
    assertEquals(2, json.size());
    assertEquals(one.toString(), json.get(0).get("path").asText());
    assertTrue(json.get(0).get("bytes").asLong() > 100_000, json.toString());

    assertEquals(one, ModelStore.open().resolve(ONE), "a pulled id names its folder");
    assertEquals(dir.resolve("repo"), ModelStore.open().resolve(dir.resolve("repo").toString()), "a directory wins");
    String err = oneLineError("eval", "--model", "acme/three", "--manifest", "x.jsonl");
    assertTrue(err.endsWith("(run: ctc4j models pull acme/three)"), err);

    assertTrue(stdout("models", "rm", ONE).startsWith("removed acme/one"));
    assertFalse(Files.exists(one));
    assertEquals(1, stdout("models", "list").strip().split("\n").length);
    assertTrue(oneLineError("models", "rm", ONE).contains("no stored model acme/one"));
  }

  @Test
  void missingRepositoriesAndUnreachableHubsAreOneLineErrors() throws IOException {
    String err = oneLineError("models", "pull", "acme/missing");
    assertEquals("error: no such repository (or file): " + hub.endpoint() + "/api/models/acme/missing?blobs=true (HTTP 404)", err);
    assertTrue(oneLineError("models", "pull", ONE + "@no-such-branch").startsWith("error: no such repository (or file): "));

    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    System.setProperty(HubClient.ENDPOINT_PROPERTY, "http://127.0.0.1:" + closedPort + "/");
    err = oneLineError("models", "pull", ONE);
    String api = "http://127.0.0.1:" + closedPort + "/api/models/acme/one?blobs=true";
    assertTrue(err.startsWith("error: cannot reach " + api + ": ") && err.toLowerCase().endsWith("connection refused"), err);
    assertFalse(Files.exists(home.resolve("models")));
  }

  @Test
  void pullOfAUrlStoresALanguageModel() throws IOException {
    String url = hub.endpoint() + "/" + ONE + "/resolve/main/language_model/lm.arpa.gz";
    assertEquals("stored " + home.resolve("lm/lm.arpa.gz"), stdout("models", "pull", url).strip());
    assertArrayEquals(Files.readAllBytes(dir.resolve("repo/language_model/lm.arpa.gz")),
        Files.readAllBytes(home.resolve("lm/lm.arpa.gz")));
    assertTrue(oneLineError("models", "pull", hub.endpoint() + "/lm.txt").contains("not an http(s) URL of an .arpa"));
  }
}
