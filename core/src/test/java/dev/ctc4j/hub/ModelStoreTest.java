package dev.ctc4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.wav2vec2.TinyHubModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelStore#pull} of a tiny random-weight Hugging Face wav2vec2 repository served by
 * {@link FakeHub}: the stored model holds the served weights and matches libtorch's logits; a cut
 * pull leaves no model and the next one resumes; corrupt weights are refetched once, then refused.
 */
class ModelStoreTest {
  static final String REPO = "acme/tiny-ctc", COMMIT = "feedc0de00000000000000000000000000000001";
  static final String WEIGHTS = "model.safetensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private FakeHub hub;
  private SplittableRandom rng;
  private TinyHubModel model;
  private ModelStore store;

  @BeforeEach
  void serve() throws IOException {
    rng = Seeds.random("ModelStoreTest");
    Path repo = dir.resolve("repo");
    model = TinyHubModel.write(repo, rng);
    Files.createDirectories(repo.resolve("language_model"));
    Files.writeString(repo.resolve("language_model/3gram.arpa"), "\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\t<unk>\n\n\\end\\\n");
    Files.writeString(repo.resolve("special_tokens_map.json"), "{\"pad_token\": \"<pad>\"}");
    Files.writeString(repo.resolve("README.md"), "not fetched");
    hub = new FakeHub();
    hub.addRepo(REPO, COMMIT, repo);
    store = new ModelStore(dir.resolve("home"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private ModelStore.StoredModel pull(HubClient.Retries retries) throws IOException {
    return store.pull(new HubClient(hub.endpoint(), null, retries), REPO, null, DownloadProgress.NONE);
  }

  private byte[] served(String file) throws IOException {
    return Files.readAllBytes(dir.resolve("repo").resolve(file));
  }

  @Test
  void pullImportsTheServedModelAndItsLanguageModel() throws IOException {
    ModelStore.StoredModel stored = pull(HubClientTest.ONCE);
    Path folder = dir.resolve("home/models/acme--tiny-ctc");
    assertEquals(new ModelStore.StoredModel(REPO, "main", COMMIT, stored.bytes(), folder), stored);
    model.assertImported(folder, rng);
    assertEquals(Files.readString(dir.resolve("repo/language_model/3gram.arpa")), Files.readString(folder.resolve("lm.arpa")));

    JsonNode source = JSON.readTree(folder.resolve(ModelStore.SOURCE).toFile());
    assertEquals(COMMIT, source.get("commit").asText());
    assertEquals("lm.arpa", source.get("language_model").asText());
    assertTrue(source.get("pulled_at").asText().endsWith("Z"), source.toString());
    JsonNode weights = null;
    for (JsonNode f : source.get("files")) if (f.get("name").asText().equals(WEIGHTS)) weights = f;
    assertEquals(FakeHub.sha256(served(WEIGHTS)), weights.get("sha256").asText());
    assertEquals(served(WEIGHTS).length, weights.get("size").asLong());
    assertEquals(7, source.get("files").size(), "config, vocab, tokenizer, special tokens, preprocessor, weights, LM: " + source);
    assertTrue(hub.requests().stream().noneMatch(r -> r.path().endsWith("README.md")));
    assertTrue(hub.requests().stream().filter(r -> r.path().contains("/resolve/"))
        .allMatch(r -> r.path().contains("/resolve/" + COMMIT + "/")), "files come from the resolved commit");
    assertFalse(Files.exists(dir.resolve("home/.partial/models/acme--tiny-ctc@" + COMMIT)), "the downloads are cleaned up");

    int requests = hub.requests().size();
    assertEquals(stored, pull(HubClientTest.ONCE));
    assertEquals(requests + 1, hub.requests().size(), "a stored commit is not fetched again, only the API is asked");

    String newer = COMMIT.replace('1', '2');
    hub.addRepo(REPO, newer, dir.resolve("repo"));
    assertEquals(newer, pull(HubClientTest.ONCE).commit());
    model.assertImported(folder, rng);
    try (var left = Files.list(dir.resolve("home/.partial"))) {
      assertEquals(List.of("models"), left.map(p -> p.getFileName().toString()).toList(), "the replaced copy is deleted");
    }
  }

  @Test
  void aCutPullLeavesNoModelAndTheNextPullResumes() throws IOException {
    int cut = served(WEIGHTS).length / 3;
    hub.cutAfter(WEIGHTS, cut);
    assertThrows(DownloadException.class, () -> pull(HubClientTest.ONCE));
    assertFalse(Files.exists(store.folder(REPO)), "no half model");

    pull(HubClientTest.ONCE);
    assertTrue(hub.requests().stream().anyMatch(r -> ("bytes=" + cut + "-").equals(r.range())), hub.requests().toString());
    model.assertImported(store.folder(REPO), rng);
  }

  @Test
  void corruptWeightsAreRefetchedOnceThenTheModelNeverAppears() throws IOException {
    hub.corrupt(WEIGHTS, 1);
    pull(HubClientTest.ONCE);
    model.assertImported(store.folder(REPO), rng);

    store = new ModelStore(dir.resolve("other-home"));
    hub.corrupt(WEIGHTS, 2);
    DownloadException e = assertThrows(DownloadException.class, () -> pull(HubClientTest.ONCE));
    assertTrue(e.getMessage().startsWith(WEIGHTS + " from " + hub.endpoint()) && e.getMessage().contains("SHA-256"),
        e.getMessage());
    assertFalse(Files.exists(store.folder(REPO)));
  }

  /** A repository that ships only pytorch_model.bin (torch.save's format, written by libtorch) pulls and imports. */
  @Test
  void aRepositoryWithOnlyPytorchWeightsPullsAndGivesLibtorchsLogits() throws IOException {
    Path repo = dir.resolve("bin-repo");
    TinyHubModel served = TinyHubModel.write(repo, rng, true);
    assertFalse(Files.exists(repo.resolve(WEIGHTS)));
    hub.addRepo("acme/bin-only", COMMIT, repo);
    store.pull(new HubClient(hub.endpoint(), null, HubClientTest.ONCE), "acme/bin-only", null, DownloadProgress.NONE);
    served.assertImported(store.folder("acme/bin-only"), rng);
  }
}
