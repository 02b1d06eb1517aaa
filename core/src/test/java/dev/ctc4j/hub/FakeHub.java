package dev.ctc4j.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1 (an ephemeral port), speaking its protocol:
 * {@code GET /api/models/{repo}[/revision/{rev}][?blobs=true]} and
 * {@code GET /{repo}/resolve/{rev}/{file}} (rev: "main" or the commit). Large files (.safetensors,
 * .bin, .arpa, .arpa.gz) are LFS files: the hub answers 302 to {@code /cdn/{sha256}} on its CDN
 * (itself, or another FakeHub: another host:port) with the hash in {@code X-Linked-Etag}; other
 * files come with a git-style ETag. {@code Range: bytes=N-} gets 206. Faults can be armed per file
 * (a connection cut after some bytes, wrong bytes), and every request is recorded.
 *
 * <p>Thread-safe: the JDK server's thread serves while the test thread arms faults and reads the log.
 */
public final class FakeHub implements AutoCloseable {
  /** A request as the server saw it: path with query, and its Range and Authorization headers (null when absent). */
  public record Request(String path, String range, String authorization) {}

  private record Repo(String commit, Map<String, byte[]> files) {}

  private record Blob(String name, byte[] bytes) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, Blob> blobs = new ConcurrentHashMap<>();
  private final Map<String, Integer> cuts = new ConcurrentHashMap<>();
  private final Map<String, Integer> stalls = new ConcurrentHashMap<>();
  private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-hub");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Integer> corruptions = new ConcurrentHashMap<>();
  private final Map<String, int[]> failures = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile FakeHub cdn = this;
  private volatile boolean hashesInApi = true;
  private volatile String token;

  public FakeHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(handlers); // a stalled response must not hold up the next request
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Redirects LFS files of repositories added from now on to {@code other}. */
  public FakeHub cdn(FakeHub other) {
    cdn = other;
    return this;
  }

  /** Serves every file under {@code folder} (names relative to it, with '/') as {@code repo} at {@code commit}. */
  public void addRepo(String repo, String commit, Path folder) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path p : paths.filter(Files::isRegularFile).sorted().toList()) {
        files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    repos.put(repo, new Repo(commit, files));
    files.forEach((name, bytes) -> {
      if (isLfs(name)) cdn.blobs.put(sha256(bytes), new Blob(name, bytes));
    });
  }

  /** The next response carrying {@code file}'s bytes stops after {@code bytes} of them and drops the connection. */
  /** The next response for {@code file} sends {@code bytes} of its body, then nothing more, holding the connection. */
  public void stallAfter(String file, int bytes) {
    stalls.put(file, bytes);
  }

  public void cutAfter(String file, int bytes) {
    cuts.put(file, bytes);
  }

  /** The next {@code responses} responses carrying {@code file}'s bytes send one byte wrong. */
  public void corrupt(String file, int responses) {
    corruptions.put(file, responses);
  }

  /** The next {@code responses} requests for {@code file} (a name, or "api") get HTTP {@code status}. */
  public void fail(String file, int status, int responses) {
    failures.put(file, new int[] {status, responses});
  }

  /** From now on the hub (not its CDN) answers 401 without {@code Authorization: Bearer token}, 403 with another. */
  public void requireToken(String token) {
    this.token = token;
  }

  /** The API leaves out lfs.sha256, so the only hash is the redirect's {@code X-Linked-Etag} (sent as a weak tag). */
  public void hideHashesFromApi() {
    hashesInApi = false;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }

  static boolean isLfs(String name) {
    return name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".arpa") || name.endsWith(".arpa.gz");
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- serving -----------------------------------------------------------------------------------

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getRawPath(), query = x.getRequestURI().getRawQuery();
    requests.add(new Request(path + (query != null ? "?" + query : ""), x.getRequestHeaders().getFirst("Range"),
        x.getRequestHeaders().getFirst("Authorization")));
    String auth = x.getRequestHeaders().getFirst("Authorization");
    String file = path.startsWith("/api/") ? "api" : decode(path.substring(path.lastIndexOf('/') + 1));
    int[] failure = failures.get(file);
    if (token != null && !path.startsWith("/cdn/") && !("Bearer " + token).equals(auth)) {
      send(x, auth == null ? 401 : 403, "{\"error\": \"Invalid credentials\"}");
    } else if (failure != null && failure[1]-- > 0) {
      send(x, failure[0], "{\"error\": \"failing on purpose\"}");
    } else if (path.startsWith("/api/models/")) {
      api(x, path.substring("/api/models/".length()), "blobs=true".equals(query));
    } else if (path.startsWith("/cdn/") && blobs.containsKey(path.substring(5))) {
      Blob blob = blobs.get(path.substring(5));
      sendBytes(x, blob.name(), blob.bytes(), null);
    } else if (path.contains("/resolve/")) {
      resolve(x, path);
    } else {
      send(x, 404, "{\"error\": \"not found\"}");
    }
  }

  private void api(HttpExchange x, String rest, boolean withBlobs) throws IOException {
    String[] parts = rest.split("/revision/", 2);
    Repo repo = repos.get(parts[0]);
    if (repo == null || parts.length == 2 && !knownRevision(repo, decode(parts[1]))) {
      send(x, 404, "{\"error\": \"Repository not found\"}");
      return;
    }
    ObjectNode json = JSON.createObjectNode().put("id", parts[0]).put("sha", repo.commit());
    var siblings = json.putArray("siblings");
    repo.files().forEach((name, bytes) -> {
      ObjectNode sibling = siblings.addObject().put("rfilename", name);
      if (!withBlobs) return;
      sibling.put("size", bytes.length);
      if (isLfs(name) && hashesInApi) sibling.putObject("lfs").put("sha256", sha256(bytes)).put("size", bytes.length);
    });
    send(x, 200, JSON.writeValueAsString(json));
  }

  private void resolve(HttpExchange x, String path) throws IOException {
    String[] parts = path.split("/resolve/", 2);
    Repo repo = repos.get(parts[0].substring(1));
    int slash = parts[1].indexOf('/');
    String revision = slash < 0 ? "" : decode(parts[1].substring(0, slash)), file = decode(parts[1].substring(slash + 1));
    byte[] bytes = repo == null || !knownRevision(repo, revision) ? null : repo.files().get(file);
    if (bytes == null) {
      send(x, 404, "{\"error\": \"Entry not found\"}");
    } else if (isLfs(file)) {
      String sha = sha256(bytes);
      x.getResponseHeaders().set("X-Linked-Etag", (hashesInApi ? "" : "W/") + "\"" + sha + "\"");
      x.getResponseHeaders().set("X-Linked-Size", String.valueOf(bytes.length));
      x.getResponseHeaders().set("Location", cdn.endpoint() + "/cdn/" + sha);
      x.sendResponseHeaders(302, -1);
      x.close();
    } else {
      sendBytes(x, file, bytes, "\"" + sha256(bytes).substring(0, 40) + "\""); // a git blob id, not a SHA-256
    }
  }

  private static boolean knownRevision(Repo repo, String revision) {
    return revision.equals("main") || revision.equals(repo.commit());
  }

  /** The bytes from the requested offset, with the armed faults applied. */
  private void sendBytes(HttpExchange x, String name, byte[] bytes, String etag) throws IOException {
    byte[] body = bytes;
    if (takeCorruption(name)) {
      body = bytes.clone();
      body[body.length / 2] ^= 0x5a;
    }
    String range = x.getRequestHeaders().getFirst("Range");
    int from = range != null && range.startsWith("bytes=") && range.endsWith("-")
        ? Integer.parseInt(range.substring(6, range.length() - 1)) : 0;
    if (from >= body.length) {
      x.sendResponseHeaders(416, -1);
      x.close();
      return;
    }
    if (etag != null) x.getResponseHeaders().set("ETag", etag);
    x.getResponseHeaders().set("Accept-Ranges", "bytes");
    if (from > 0) x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
    x.sendResponseHeaders(from > 0 ? 206 : 200, body.length - from);
    OutputStream out = x.getResponseBody();
    Integer stall = stalls.remove(name);
    if (stall != null && stall < body.length - from) {
      out.write(body, from, stall);
      out.flush();
      try {
        Thread.sleep(30_000); // a server that stops sending; the client must give up first
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("FakeHub stalled on purpose");
    }
    Integer cut = cuts.remove(name);
    if (cut != null && cut < body.length - from) {
      out.write(body, from, cut);
      out.flush();
      throw new IOException("FakeHub cuts the connection on purpose"); // the server then drops the connection
    }
    out.write(body, from, body.length - from);
    x.close();
  }

  private boolean takeCorruption(String name) {
    int left = corruptions.getOrDefault(name, 0);
    if (left > 0) corruptions.put(name, left - 1);
    return left > 0;
  }

  private static void send(HttpExchange x, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
