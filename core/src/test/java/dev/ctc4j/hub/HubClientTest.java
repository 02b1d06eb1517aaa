package dev.ctc4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.Seeds;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HubClient against {@link FakeHub} on loopback: the model API, resumed downloads after a cut
 * connection, SHA-256 checks with one refetch, and the token kept from other hosts.
 */
class HubClientTest {
  static final HubClient.Retries ONCE = new HubClient.Retries(1, Duration.ZERO);
  static final HubClient.Retries FAST = new HubClient.Retries(3, Duration.ofMillis(10));
  private static final String REPO = "acme/blobs", COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String WEIGHTS = "model.safetensors";

  @TempDir Path dir;
  private FakeHub hub;
  private byte[] weights;

  @BeforeEach
  void serve() throws IOException {
    SplittableRandom rng = Seeds.random("HubClientTest");
    weights = new byte[300_000];
    for (int i = 0; i < weights.length; i++) weights[i] = (byte) rng.nextInt();
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.write(repo.resolve(WEIGHTS), weights);
    Files.writeString(repo.resolve("config.json"), "{\"model_type\": \"wav2vec2\"}");
    hub = new FakeHub();
    hub.addRepo(REPO, COMMIT, repo);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private String fetchWeights(HubClient client) {
    HubClient.RepoFile f = client.modelInfo(REPO, null).files().stream().filter(r -> r.name().equals(WEIGHTS))
        .findFirst().orElseThrow();
    return client.download(client.fileUri(REPO, COMMIT, WEIGHTS), partial(), f.size(), f.sha256(), DownloadProgress.NONE);
  }

  private Path partial() {
    return dir.resolve("partial").resolve(WEIGHTS);
  }

  private List<String> rangesAsked() {
    return hub.requests().stream().filter(r -> r.path().startsWith("/cdn/")).map(FakeHub.Request::range).toList();
  }

  @Test
  void modelInfoGivesTheCommitSizesAndLfsHashes() {
    HubClient client = new HubClient(hub.endpoint() + "//", null, ONCE);
    HubClient.RepoInfo info = client.modelInfo(REPO, COMMIT);
    assertEquals(COMMIT, info.commit());
    Map<String, HubClient.RepoFile> files = info.files().stream()
        .collect(Collectors.toMap(HubClient.RepoFile::name, f -> f));
    assertEquals(new HubClient.RepoFile(WEIGHTS, weights.length, FakeHub.sha256(weights)), files.get(WEIGHTS));
    assertNull(files.get("config.json").sha256(), "a git file has no SHA-256");
    assertEquals("/api/models/" + REPO + "/revision/" + COMMIT + "?blobs=true", hub.requests().get(0).path(),
        "the trailing slashes of the endpoint are dropped");
  }

  @Test
  void aCutDownloadResumesWithARangeRequest() throws IOException {
    hub.cutAfter(WEIGHTS, 100_000);
    DownloadException e = assertThrows(DownloadException.class, () -> fetchWeights(new HubClient(hub.endpoint(), null, ONCE)));
    assertTrue(e.getMessage().startsWith("cannot download " + hub.endpoint()), e.getMessage());
    assertEquals(100_000, Files.size(partial()), "the bytes before the cut are kept");

    assertEquals(FakeHub.sha256(weights), fetchWeights(new HubClient(hub.endpoint(), null, ONCE)));
    assertArrayEquals(weights, Files.readAllBytes(partial()));
    assertEquals(java.util.Arrays.asList(null, "bytes=100000-"), rangesAsked());
  }

  /** A server that stops sending mid-body (connection held open) is given up on and resumed, not waited on forever. */
  @Test
  void aStalledDownloadTimesOutAndIsResumed() throws IOException {
    hub.stallAfter(WEIGHTS, 50_000);
    long start = System.nanoTime();
    System.setProperty(FileDownload.IDLE_PROPERTY, "300");
    try {
      assertEquals(FakeHub.sha256(weights), fetchWeights(new HubClient(hub.endpoint(), null, FAST)));
    } finally {
      System.clearProperty(FileDownload.IDLE_PROPERTY);
    }
    assertTrue(System.nanoTime() - start < 25_000_000_000L, "the stall was waited out instead of cut short");
    assertArrayEquals(weights, Files.readAllBytes(partial()));
    assertEquals(java.util.Arrays.asList(null, "bytes=50000-"), rangesAsked());
  }

  @Test
  void aCutDownloadIsResumedByTheRetries() throws IOException {
    hub.cutAfter(WEIGHTS, 123_456);
    assertEquals(FakeHub.sha256(weights), fetchWeights(new HubClient(hub.endpoint(), null, FAST)));
    assertArrayEquals(weights, Files.readAllBytes(partial()));
    assertEquals(java.util.Arrays.asList(null, "bytes=123456-"), rangesAsked());
  }

  @Test
  void wrongBytesAreFetchedAgainOnceThenRejected() throws IOException {
    hub.corrupt(WEIGHTS, 1);
    fetchWeights(new HubClient(hub.endpoint(), null, ONCE));
    assertArrayEquals(weights, Files.readAllBytes(partial()));
    assertEquals(java.util.Arrays.asList(null, null), rangesAsked(), "refetched from scratch");

    Files.delete(partial());
    hub.hideHashesFromApi(); // now the hash comes from X-Linked-Etag: W/"<sha256>"
    hub.corrupt(WEIGHTS, 2);
    DownloadException e = assertThrows(DownloadException.class, () -> fetchWeights(new HubClient(hub.endpoint(), null, ONCE)));
    assertTrue(e.getMessage().contains("has SHA-256 ") && e.getMessage().contains(", not " + FakeHub.sha256(weights))
        && e.getMessage().contains("twice"), e.getMessage());
    assertFalse(Files.exists(partial()), "bad bytes are not kept for a later resume");
  }

  @Test
  void serverErrorsAreRetriedThenReported() throws IOException {
    hub.fail(WEIGHTS, 503, 2);
    assertEquals(FakeHub.sha256(weights), fetchWeights(new HubClient(hub.endpoint(), null, FAST)));
    hub.fail("api", 500, 3);
    DownloadException e = assertThrows(DownloadException.class,
        () -> new HubClient(hub.endpoint(), null, FAST).modelInfo(REPO, null));
    String api = hub.endpoint() + "/api/models/" + REPO + "?blobs=true";
    assertEquals("cannot download " + api + ": HTTP 500 from " + api + " (tried 3 times)", e.getMessage());
  }

  @Test
  void refusedRequestsSayWhatToDoWithHfToken() {
    hub.requireToken("right");
    DownloadException none = assertThrows(DownloadException.class,
        () -> new HubClient(hub.endpoint(), null, FAST).modelInfo(REPO, null));
    assertTrue(none.getMessage().startsWith("HTTP 401 from ") && none.getMessage().contains("set HF_TOKEN"), none.getMessage());
    DownloadException wrong = assertThrows(DownloadException.class,
        () -> new HubClient(hub.endpoint(), "wrong", FAST).modelInfo(REPO, null));
    assertTrue(wrong.getMessage().startsWith("HTTP 403 from ") && wrong.getMessage().contains("check that HF_TOKEN"),
        wrong.getMessage());
    assertEquals(COMMIT, new HubClient(hub.endpoint(), "right", FAST).modelInfo(REPO, null).commit());
    assertEquals(3, hub.requests().size(), "4xx answers are not retried");
  }

  @Test
  void theProgressBarShowsBytesPercentAndRate() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    HubClient client = new HubClient(hub.endpoint(), null, ONCE);
    client.download(client.fileUri(REPO, "main", WEIGHTS), partial(), weights.length, null,
        DownloadProgress.bar(new java.io.PrintStream(bytes, true)));
    String bar = bytes.toString();
    assertTrue(bar.startsWith("\r" + WEIGHTS + "  ") && bar.contains(" / 293.0 KiB  100%  "), bar);
    assertTrue(bar.stripTrailing().endsWith("/s") && bar.endsWith("\n"), "the rate, then the line ends: " + bar);
  }

  @Test
  void theTokenGoesToTheHubButNotToTheHostItRedirectsTo() throws IOException {
    try (FakeHub hubWithCdn = new FakeHub(); FakeHub cdn = new FakeHub()) {
      hubWithCdn.cdn(cdn).addRepo(REPO, COMMIT, dir.resolve("repo"));
      HubClient client = new HubClient(hubWithCdn.endpoint(), "secret", ONCE);
      URI config = client.fileUri(REPO, "main", "config.json"), lfs = client.fileUri(REPO, "main", WEIGHTS);
      client.download(config, dir.resolve("config.json"), -1, null, DownloadProgress.NONE);
      assertEquals(FakeHub.sha256(weights), client.download(lfs, dir.resolve(WEIGHTS), -1, null, DownloadProgress.NONE),
          "the hash announced in X-Linked-Etag checks the CDN's bytes");

      assertEquals(2, hubWithCdn.requests().size());
      hubWithCdn.requests().forEach(r -> assertEquals("Bearer secret", r.authorization(), r.path()));
      assertEquals(1, cdn.requests().size());
      assertNull(cdn.requests().get(0).authorization(), "no token for another host:port");
      assertArrayEquals(weights, Files.readAllBytes(dir.resolve(WEIGHTS)));
    }
  }
}
