package dev.ctc4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.InvalidInputException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * HTTP access to a Hugging Face hub (or a mirror that speaks its API): a repository's file list
 * and resumable, SHA-256-verified downloads of its files or of any http(s) URL.
 *
 * <p>Redirects are followed here rather than by {@link HttpClient}, so that the token
 * ({@code Authorization: Bearer}) goes to the hub's own scheme, host and port only, never to the
 * CDN a large file is redirected to, and so that the hash the hub announces on the redirect
 * ({@code X-Linked-Etag}) is kept. Transient failures (a reset or cut connection, 5xx, 429) are
 * retried with exponential backoff, a bounded number of times; an unreachable host and 4xx
 * answers fail at once.
 *
 * <p>Immutable and thread-safe; concurrent downloads must write different partial files.
 */
public final class HubClient {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  /** Overrides {@code $HF_ENDPOINT} (tests, or {@code -D} on the command line). */
  public static final String ENDPOINT_PROPERTY = "ctc4j.hub.endpoint";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REDIRECTS = 10;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration HEADERS_TIMEOUT = Duration.ofMinutes(2);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** How often to try a request that fails transiently, and the first pause (doubled after each try). */
  public record Retries(int attempts, Duration firstDelay) {
    public static final Retries DEFAULT = new Retries(4, Duration.ofSeconds(1));

    public Retries {
      if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
    }
  }

  /** A file of a repository: its size (-1 when the hub did not say) and, for LFS files, its SHA-256 (else null). */
  public record RepoFile(String name, long size, String sha256) {}

  /** A repository at a revision: the commit it resolved to (null when the hub did not say) and its files. */
  public record RepoInfo(String repo, String commit, List<RepoFile> files) {}

  /** A response, and the SHA-256 that some hop of its redirects announced for the body (else null). */
  record Response<T>(HttpResponse<T> http, String announcedSha256) {}

  private final URI endpoint;
  private final String token;
  private final Retries retries;
  private final HttpClient http;

  /** A client of {@code endpoint} (trailing slashes ignored); {@code token} may be null. */
  public HubClient(String endpoint, String token, Retries retries) {
    this.endpoint = httpUri(endpoint.strip().replaceAll("/+$", ""));
    this.token = token == null || token.isBlank() ? null : token.strip();
    this.retries = retries;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(CONNECT_TIMEOUT).build();
  }

  /**
   * The endpoint from {@value #ENDPOINT_PROPERTY}, else {@code $HF_ENDPOINT}, else the public hub;
   * the token from {@code $HF_TOKEN}.
   */
  public static HubClient fromEnvironment() {
    String endpoint = System.getProperty(ENDPOINT_PROPERTY);
    if (endpoint == null || endpoint.isBlank()) endpoint = System.getenv("HF_ENDPOINT");
    if (endpoint == null || endpoint.isBlank()) endpoint = DEFAULT_ENDPOINT;
    return new HubClient(endpoint, System.getenv("HF_TOKEN"), Retries.DEFAULT);
  }

  private static URI httpUri(String endpoint) {
    try {
      URI uri = new URI(endpoint);
      if (isHttp(uri)) return uri;
    } catch (URISyntaxException e) {
      // said below
    }
    throw new InvalidInputException("the hub endpoint (HF_ENDPOINT) must be an http(s) URL, got " + endpoint);
  }

  static boolean isHttp(URI uri) {
    return uri.getScheme() != null && uri.getHost() != null
        && (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"));
  }

  /** {@code GET /api/models/{repo}[/revision/{revision}]?blobs=true}: the commit and the files with sizes and LFS hashes. */
  public RepoInfo modelInfo(String repo, String revision) {
    URI uri = URI.create(endpoint + "/api/models/" + repo + (revision == null ? "" : "/revision/" + segment(revision))
        + "?blobs=true");
    byte[] body = retrying(uri, () -> get(uri, 0, BodyHandlers.ofByteArray()).http().body());
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw new DownloadException(uri + " did not answer the hub's JSON: " + e.getMessage(), e);
    }
    List<RepoFile> files = new ArrayList<>();
    for (JsonNode sibling : json.path("siblings")) {
      JsonNode lfs = sibling.path("lfs");
      String sha256 = lfs.path("sha256").asText(null);
      files.add(new RepoFile(sibling.path("rfilename").asText(), sibling.path("size").asLong(lfs.path("size").asLong(-1)),
          sha256 != null && SHA256.matcher(sha256).matches() ? sha256 : null));
    }
    return new RepoInfo(repo, json.path("sha").asText(null), files);
  }

  /** {@code {endpoint}/{repo}/resolve/{revision}/{file}}. */
  public URI fileUri(String repo, String revision, String file) {
    StringBuilder path = new StringBuilder();
    for (String part : file.split("/")) path.append('/').append(segment(part));
    return URI.create(endpoint + "/" + repo + "/resolve/" + segment(revision) + path);
  }

  /**
   * Downloads {@code uri} into {@code partial}, resuming what an earlier try left there, and
   * returns the complete file's SHA-256, checked against {@code sha256} (null: the one the server
   * announces, if any); {@code size} is -1 when unknown. See {@link FileDownload}.
   */
  public String download(URI uri, Path partial, long size, String sha256, DownloadProgress progress) {
    return FileDownload.fetch(this, uri, partial, size, sha256, progress);
  }

  // ---- requests ----------------------------------------------------------------------------------

  /** One attempt of a request, which may fail transiently by throwing an IOException. */
  interface Attempt<T> {
    T run() throws IOException, InterruptedException;
  }

  /** Runs {@code attempt} until it succeeds, it fails for good, or the tries are used up. */
  <T> T retrying(URI uri, Attempt<T> attempt) {
    Duration delay = retries.firstDelay();
    for (int tried = 1; ; tried++) {
      try {
        return attempt.run();
      } catch (IOException e) {
        if (unreachable(e)) throw new DownloadException("cannot reach " + uri + ": " + reason(e), e);
        if (tried == retries.attempts()) {
          throw new DownloadException("cannot download " + uri + ": " + reason(e)
              + (tried > 1 ? " (tried " + tried + " times)" : ""), e);
        }
        pause(delay);
        delay = delay.multipliedBy(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DownloadException("interrupted while downloading " + uri, e);
      }
    }
  }

  /**
   * One GET from {@code offset} (0: the whole body), redirects followed; {@code body} receives
   * only a 2xx body. Returns 2xx and 416 answers; throws {@link DownloadException} for other
   * 4xx and an IOException (transient) for 5xx and 429.
   */
  <T> Response<T> get(URI uri, long offset, BodyHandler<T> body) throws IOException, InterruptedException {
    URI at = uri;
    String announced = null;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpResponse<T> response = http.send(request(at, offset),
          info -> info.statusCode() / 100 == 2 ? body.apply(info) : BodySubscribers.replacing(null));
      if (announced == null) announced = announcedSha256(response.headers());
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if (status / 100 == 3 && location.isPresent()) {
        at = redirect(at, location.get());
      } else if (status / 100 == 2 || status == 416) {
        return new Response<>(response, announced);
      } else if (status >= 500 || status == 429) {
        throw new IOException("HTTP " + status + " from " + at);
      } else {
        throw refused(status, uri);
      }
    }
    throw new DownloadException("more than " + MAX_REDIRECTS + " redirects from " + uri);
  }

  private static URI redirect(URI from, String location) {
    try {
      URI to = from.resolve(new URI(location));
      if (isHttp(to)) return to;
    } catch (URISyntaxException e) {
      // said below
    }
    throw new DownloadException(from + " redirects to a bad location: " + location);
  }

  private HttpRequest request(URI uri, long offset) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HEADERS_TIMEOUT).GET();
    if (offset > 0) request.header("Range", "bytes=" + offset + "-");
    if (token != null && sameOrigin(uri, endpoint)) request.header("Authorization", "Bearer " + token);
    return request.build();
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /**
   * The body's SHA-256 from {@code X-Linked-Etag} (LFS files, on the hub's redirect) or
   * {@code ETag}, unquoted and without {@code W/}; null when it is no SHA-256 (a git blob id, an
   * S3 MD5).
   */
  static String announcedSha256(HttpHeaders headers) {
    String tag = headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag")).orElse("").strip();
    if (tag.startsWith("W/")) tag = tag.substring(2);
    tag = tag.replace("\"", "").toLowerCase(Locale.ROOT);
    return SHA256.matcher(tag).matches() ? tag : null;
  }

  private DownloadException refused(int status, URI uri) {
    String tokenHint = token == null ? "set HF_TOKEN to an access token that can read it" : "check that HF_TOKEN can read it";
    return new DownloadException(switch (status) {
      case 404 -> "no such repository (or file): " + uri + " (HTTP 404)";
      case 401 -> "HTTP 401 from " + uri + ": the repository is private or gated, or does not exist; " + tokenHint;
      case 403 -> "HTTP 403 from " + uri + ": access denied; " + tokenHint
          + " (for a gated repository, accept its terms on the hub first)";
      default -> "HTTP " + status + " from " + uri;
    });
  }

  /** No connection at all (refused, unknown host): not worth retrying, and most likely no network. */
  private static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnresolvedAddressException) return true;
    }
    return false;
  }

  /** The most telling message in a chain of causes (HttpClient often wraps a message-less one). */
  private static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) return "unknown host";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
    }
    return unreachable(e) ? "connection refused" : e.getClass().getSimpleName();
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void pause(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DownloadException("interrupted while waiting to retry", e);
    }
  }
}
