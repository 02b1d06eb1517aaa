package dev.ctc4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.infer.DefaultModel;
import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.wav2vec2.Wav2Vec2Import;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The local store of models pulled from a Hugging Face hub, under {@code $CTC4J_HOME}
 * (default {@code ~/.cache/ctc4j}):
 * <pre>
 *   models/OWNER--NAME/   ready checkpoint folders: config.json, model.safetensors (ours, imported),
 *                         source.json (repo, revision, commit, files with sizes and SHA-256, pull
 *                         time), and lm.arpa or lm.arpa.gz when the repository ships an n-gram LM
 *   lm/                   n-gram LMs pulled by URL
 *   .partial/             downloads in progress (the next pull resumes them), folders being built
 *                         or removed, and one lock file per repository
 * </pre>
 * A model folder appears by one rename after its download and import succeeded, and leaves by one
 * rename before it is deleted, so readers never see half of one.
 *
 * <p>Instances are immutable and thread-safe. A pull holds a file lock on its repository, so a
 * second pull of it (in any process) fails at once rather than writing the same partial files.
 */
public final class ModelStore {
  public static final String HOME_PROPERTY = "ctc4j.home";
  public static final String HOME_ENVIRONMENT = "CTC4J_HOME";
  public static final String SOURCE = "source.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Hub repository ids: NAME or OWNER/NAME; the hub forbids "--" and "..", which keeps folder names reversible. */
  private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final List<String> SIDE_FILES = List.of("config.json", "vocab.json", "tokenizer_config.json",
      "special_tokens_map.json", "preprocessor_config.json");
  /** In order of preference. */
  private static final List<String> WEIGHTS = List.of("model.safetensors", "pytorch_model.bin");
  /** An ARPA file directly in language_model/ (a plain name: nothing a mirror sends can point outside the folder). */
  private static final Pattern LANGUAGE_MODEL = Pattern.compile("language_model/[A-Za-z0-9][A-Za-z0-9._-]*\\.arpa(\\.gz)?");

  /** A model in the store: repository id, the revision asked for and the commit it was, bytes on disk, folder. */
  public record StoredModel(String id, String revision, String commit, long bytes, Path path) {}

  private final Path home, models, languageModels, partial;

  public ModelStore(Path home) {
    this.home = home;
    this.models = home.resolve("models");
    this.languageModels = home.resolve("lm");
    this.partial = home.resolve(".partial");
  }

  /** The store at {@value #HOME_PROPERTY}, else {@code $CTC4J_HOME}, else {@code ~/.cache/ctc4j}. */
  public static ModelStore open() {
    String home = System.getProperty(HOME_PROPERTY);
    if (home == null || home.isBlank()) home = System.getenv(HOME_ENVIRONMENT);
    return new ModelStore(home == null || home.isBlank()
        ? Path.of(System.getProperty("user.home"), ".cache", "ctc4j") : Path.of(home));
  }

  public Path home() {
    return home;
  }

  /** The folder that holds (or would hold) {@code repo}: "facebook/wav2vec2-base-960h" → models/facebook--wav2vec2-base-960h. */
  public Path folder(String repo) {
    return models.resolve(checkRepoId(repo).replace("/", "--"));
  }

  // ---- pull --------------------------------------------------------------------------------------

  /**
   * Downloads {@code repo} at {@code revision} (null: the default branch), imports it, and puts
   * the model folder in place, replacing an older pull; returns at once when the store holds that
   * commit already. Interrupted downloads are resumed by the next pull of the same commit.
   */
  @SuppressWarnings("try") // the lock is held for the try block, not used in it
  public StoredModel pull(HubClient hub, String repo, String revision, DownloadProgress progress) throws IOException {
    Path target = folder(repo);
    HubClient.RepoInfo info = hub.modelInfo(repo, revision);
    if (info.commit() != null && Files.isDirectory(target) && info.commit().equals(describe(target).commit())) {
      return describe(target);
    }
    String at = info.commit() != null ? info.commit() : revision != null ? revision : "main";
    List<HubClient.RepoFile> wanted = filesToFetch(info);
    Path work = partial.resolve("models").resolve(target.getFileName() + "@" + at.replaceAll("[^A-Za-z0-9._-]", "_"));
    try (FileChannel lock = lock(repoLock(target), repo)) {
      ObjectNode source = JSON.createObjectNode().put("repo", repo).put("revision", revision != null ? revision : "main")
          .put("commit", info.commit());
      ArrayNode files = source.putArray("files");
      Path downloads = work.resolve("files");
      for (HubClient.RepoFile f : wanted) {
        Path local = downloads.resolve(f.name());
        String sha256 = hub.download(hub.fileUri(repo, at, f.name()), local, f.size(), f.sha256(), progress);
        files.addObject().put("name", f.name()).put("size", Files.size(local)).put("sha256", sha256);
      }
      install(build(downloads, work.resolve("build"), source), target);
      deleteTree(work);
    }
    return describe(target);
  }

  /** Imports the downloads into {@code build}, moves the LM beside the model and writes source.json last. */
  private static Path build(Path downloads, Path build, ObjectNode source) throws IOException {
    emptyFolder(build);
    Wav2Vec2Import.run(downloads, build, Wav2Vec2Import.Options.DEFAULTS);
    for (JsonNode f : source.get("files")) {
      String name = f.get("name").asText();
      if (isLanguageModel(name)) source.put("language_model", moveLanguageModel(downloads.resolve(name), build));
    }
    source.put("pulled_at", Instant.now().toString());
    AtomicFiles.write(build.resolve(SOURCE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(source));
    return build;
  }

  /** The repository's configuration files, its weights (safetensors preferred) and its first ARPA LM, if any. */
  private static List<HubClient.RepoFile> filesToFetch(HubClient.RepoInfo info) {
    Map<String, HubClient.RepoFile> byName = info.files().stream()
        .collect(Collectors.toMap(HubClient.RepoFile::name, Function.identity(), (a, b) -> a));
    if (!byName.containsKey("config.json")) {
      throw new InvalidInputException(info.repo() + " has no config.json: not a Hugging Face model repository");
    }
    List<HubClient.RepoFile> out = new ArrayList<>();
    SIDE_FILES.stream().filter(byName::containsKey).forEach(name -> out.add(byName.get(name)));
    out.add(WEIGHTS.stream().filter(byName::containsKey).map(byName::get).findFirst().orElseThrow(() ->
        new InvalidInputException(info.repo() + " has neither " + String.join(" nor ", WEIGHTS))));
    info.files().stream().filter(f -> isLanguageModel(f.name())).findFirst().ifPresent(out::add);
    return out;
  }

  private static boolean isLanguageModel(String name) {
    return LANGUAGE_MODEL.matcher(name).matches();
  }

  /** Moves the repository's LM into the model folder as lm.arpa or lm.arpa.gz; returns that name. */
  private static String moveLanguageModel(Path lm, Path folder) throws IOException {
    String name = lm.getFileName().toString().endsWith(".gz") ? "lm.arpa.gz" : "lm.arpa";
    Files.move(lm, folder.resolve(name));
    return name;
  }

  /** Downloads an .arpa or .arpa.gz file from any http(s) URL into lm/ (resumable, like model files). */
  @SuppressWarnings("try") // the lock is held for the try block, not used in it
  public Path pullLanguageModel(HubClient hub, URI url, DownloadProgress progress) throws IOException {
    String path = url.getPath() == null ? "" : url.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (!HubClient.isHttp(url) || !(name.endsWith(".arpa") || name.endsWith(".arpa.gz"))
        || !FILE_NAME.matcher(name).matches()) {
      throw new InvalidInputException("not an http(s) URL of an .arpa or .arpa.gz file: " + url);
    }
    // The partial file is the URL's own (keyed by its hash): a resume never joins the bytes of two URLs.
    String key = urlKey(url) + "-" + name;
    Path download = partial.resolve("lm").resolve(key), target = languageModels.resolve(name);
    try (FileChannel lock = lock(partial.resolve("lm").resolve(key + ".lock"), url.toString())) {
      hub.download(url, download, -1, null, progress);
      Files.createDirectories(languageModels);
      AtomicFiles.move(download, target);
    }
    return target;
  }

  // ---- list, remove, resolve ---------------------------------------------------------------------

  /** The stored models, by id. */
  public List<StoredModel> list() throws IOException {
    if (!Files.isDirectory(models)) return List.of();
    try (Stream<Path> folders = Files.list(models)) {
      List<StoredModel> out = new ArrayList<>();
      for (Path f : folders.filter(Files::isDirectory).sorted().toList()) out.add(describe(f));
      return out;
    }
  }

  /** Removes a stored model: renamed out of models/ first, so it vanishes at once, then deleted. */
  @SuppressWarnings("try") // the lock is held for the try block, not used in it
  public StoredModel remove(String repo) throws IOException {
    Path folder = folder(repo);
    try (FileChannel lock = lock(repoLock(folder), repo)) { // not while a pull installs it
      if (!Files.isDirectory(folder)) throw new InvalidInputException("no stored model " + repo + " (see: ctc4j models list)");
      StoredModel removed = describe(folder);
      Path away = aside(folder);
      AtomicFiles.move(folder, away);
      deleteTree(away);
      return removed;
    }
  }

  /**
   * The model folder a {@code --model} value names: an existing directory wins, else a pulled
   * repository id; anything else is an {@link InvalidInputException} saying how to pull it.
   */
  public Path resolve(String model) {
    try {
      Path dir = Path.of(model);
      if (Files.isDirectory(dir)) return dir;
    } catch (InvalidPathException e) {
      // not a path: perhaps a repository id
    }
    if (!isRepoId(model)) throw new InvalidInputException("no such model directory: " + model);
    Path stored = folder(model);
    if (Files.isDirectory(stored)) return stored;
    throw new InvalidInputException("no model " + model + ": neither a directory nor pulled into " + models
        + " (run: ctc4j models pull " + model + ")");
  }

  /**
   * {@link #resolve}; when no model is given, what {@code ctc4j.model}/{@code CTC4J_MODEL} names (a
   * directory or a pulled id), else the checkout's bundled model ({@link DefaultModel#locate()}).
   */
  public Path resolveOrDefault(String model) {
    if (model != null) return resolve(model);
    String named = DefaultModel.named();
    if (named == null) return DefaultModel.locate();
    try {
      return resolve(named);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(e.getMessage() + " (named by -D" + DefaultModel.PROPERTY + " or $"
          + DefaultModel.ENVIRONMENT + ")");
    }
  }

  // ---- folders -----------------------------------------------------------------------------------

  private StoredModel describe(Path folder) throws IOException {
    JsonNode source = Files.exists(folder.resolve(SOURCE)) ? JSON.readTree(folder.resolve(SOURCE).toFile())
        : JSON.createObjectNode();
    String id = source.path("repo").asText(folder.getFileName().toString().replace("--", "/"));
    long bytes;
    try (Stream<Path> files = Files.walk(folder)) {
      bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
    return new StoredModel(id, source.path("revision").asText(null), source.path("commit").asText(null), bytes, folder);
  }

  /**
   * Puts a finished folder in place with one rename; an older copy is renamed aside first (and back
   * if the new one cannot be moved in), then deleted.
   */
  private void install(Path build, Path target) throws IOException {
    Files.createDirectories(models);
    Path old = Files.exists(target) ? aside(target) : null;
    if (old != null) AtomicFiles.move(target, old);
    try {
      AtomicFiles.move(build, target);
    } catch (IOException | RuntimeException e) {
      if (old != null) AtomicFiles.move(old, target);
      throw e;
    }
    if (old != null) deleteTree(old);
  }

  /** The lock a pull and a removal of the model stored in {@code folder} take. */
  private Path repoLock(Path folder) {
    return partial.resolve("models").resolve(folder.getFileName() + ".lock");
  }

  /** A short stable key of a URL for file names (the first 16 hex digits of its SHA-256). */
  private static String urlKey(URI url) {
    return FileDownload.sha256(url.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
  }

  /** A fresh name under .partial/ (same file system as models/, so renames stay atomic). */
  private Path aside(Path folder) throws IOException {
    Files.createDirectories(partial);
    return partial.resolve("removed-" + folder.getFileName() + "-" + System.nanoTime());
  }

  private static void emptyFolder(Path dir) throws IOException {
    deleteTree(dir);
    Files.createDirectories(dir);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  /** A channel holding an exclusive lock on {@code file} until it is closed; fails at once if another pull holds it. */
  private static FileChannel lock(Path file, String what) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    boolean locked;
    try {
      locked = channel.tryLock() != null;
    } catch (OverlappingFileLockException e) { // held by this process
      locked = false;
    }
    if (!locked) {
      channel.close();
      throw new InvalidInputException("another pull of " + what + " is in progress (lock: " + file + ")");
    }
    return channel;
  }

  private static boolean isRepoId(String id) {
    return REPO_ID.matcher(id).matches() && !id.contains("--") && !id.contains("..");
  }

  private static String checkRepoId(String id) {
    if (!isRepoId(id)) throw new InvalidInputException("not a hub repository id (NAME or OWNER/NAME): " + id);
    return id;
  }
}
