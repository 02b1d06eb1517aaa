package dev.ctc4j.hub;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One file downloaded into a partial file that outlives interruptions: a later try asks for the
 * rest ({@code Range: bytes=N-}) and appends a 206 answer, or starts over on a 200. The complete
 * file's size and SHA-256 are checked; on a mismatch it is fetched once more from scratch, then
 * the download fails and the partial file is deleted (a later try would only resume bad bytes).
 *
 * <p>Stateless; {@link HubClient#download} is the way in.
 */
final class FileDownload {
  /**
   * A body that sends nothing for this long (60 s; the property {@value #IDLE_PROPERTY} in ms) is
   * abandoned and the try fails as a timeout, which is retried and resumed: the HTTP client's own
   * timeout covers only the wait for the headers.
   */
  static final String IDLE_PROPERTY = "ctc4j.hub.idleMillis";
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ctc4j-download-watchdog");
    t.setDaemon(true);
    return t;
  });

  private FileDownload() {}

  static String fetch(HubClient hub, URI uri, Path partial, long size, String sha256, DownloadProgress progress) {
    String name = partial.getFileName().toString();
    try {
      Files.createDirectories(partial.getParent());
      String expected = sha256;
      for (int round = 1; ; round++) {
        String announced = hub.retrying(uri, () -> transfer(hub, uri, partial, size, progress));
        if (expected == null) expected = announced;
        String actual = sha256(partial);
        String problem = mismatch(partial, size, expected, actual);
        if (problem == null) return actual;
        Files.delete(partial);
        if (round == 2) {
          throw new DownloadException(name + " from " + uri + " " + problem + ", twice: corrupt on the server or in transit");
        }
      }
    } catch (IOException e) {
      throw new DownloadException("cannot write " + partial + ": " + e.getMessage(), e);
    }
  }

  /** One try: requests what {@code partial} lacks and writes it; returns the SHA-256 the server announced, if any. */
  private static String transfer(HubClient hub, URI uri, Path partial, long size, DownloadProgress progress)
      throws IOException, InterruptedException {
    long have = Files.exists(partial) ? Files.size(partial) : 0;
    if (size >= 0 && have > size) {
      Files.delete(partial);
      have = 0;
    }
    if (size >= 0 && have == size && Files.exists(partial)) return null; // complete from an earlier try; the caller checks it
    long offset = have;
    progress.start(partial.getFileName().toString(), offset, size);
    try {
      HubClient.Response<Long> response = hub.get(uri, offset, info -> {
        boolean resumed = info.statusCode() == 206 && rangeStart(info) == offset;
        boolean whole = info.statusCode() == 200;
        return resumed || whole ? new PartialFileWriter(partial, resumed ? offset : 0, progress)
            : HttpResponse.BodySubscribers.replacing(null);
      });
      if (response.http().body() == null) {
        // 416, or a 206 for another range than asked: the partial file is of no use
        Files.deleteIfExists(partial);
        throw new IOException("HTTP " + response.http().statusCode() + " to a request from byte " + offset);
      }
      return response.announcedSha256();
    } finally {
      progress.finish();
    }
  }

  /** The first byte of a 206 answer's {@code Content-Range: bytes FIRST-LAST/TOTAL}, or -1. */
  private static long rangeStart(HttpResponse.ResponseInfo info) {
    String range = info.headers().firstValue("Content-Range").orElse("");
    int dash = range.indexOf('-');
    try {
      return range.startsWith("bytes ") && dash > 6 ? Long.parseLong(range.substring(6, dash).strip()) : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String mismatch(Path file, long size, String expected, String actual) throws IOException {
    if (size >= 0 && Files.size(file) != size) return "has " + Files.size(file) + " bytes, not " + size;
    if (expected != null && !expected.equals(actual)) return "has SHA-256 " + actual + ", not " + expected;
    return null;
  }

  static String sha256(Path file) throws IOException {
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), newSha256())) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    }
  }

  /** SHA-256 of bytes, in hex. */
  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newSha256().digest(bytes));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Writes a body to the partial file as it arrives, so the bytes received before a connection is
   * cut are kept for the next try. Called by the HTTP client, one signal at a time.
   */
  private static final class PartialFileWriter implements HttpResponse.BodySubscriber<Long> {
    private final Path file;
    private final DownloadProgress progress;
    private final CompletableFuture<Long> written = new CompletableFuture<>();
    private long position;
    private FileChannel channel;
    private Flow.Subscription subscription;
    private ScheduledFuture<?> watchdog;
    private final long idleMillis = Long.getLong(IDLE_PROPERTY, 60_000);
    private volatile long lastData = System.nanoTime(); // written per chunk; the watchdog reads it

    /** Appends when {@code offset} is positive, else replaces the file. */
    PartialFileWriter(Path file, long offset, DownloadProgress progress) {
      this.file = file;
      this.position = offset;
      this.progress = progress;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      try {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            position > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
      } catch (IOException e) {
        s.cancel();
        written.completeExceptionally(e);
        return;
      }
      subscription = s;
      long period = Math.max(1, idleMillis / 4);
      watchdog = WATCHDOG.scheduleAtFixedRate(this::cutIfIdle, period, period, TimeUnit.MILLISECONDS);
      s.request(1);
    }

    /** The watchdog: no bytes for idleMillis, and the body is cancelled as a timeout. */
    private void cutIfIdle() {
      if (System.nanoTime() - lastData < TimeUnit.MILLISECONDS.toNanos(idleMillis)) return;
      subscription.cancel();
      finish(new HttpTimeoutException("no data for " + idleMillis + " ms from the server"));
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      try {
        for (ByteBuffer b : buffers) {
          while (b.hasRemaining()) position += channel.write(b);
        }
      } catch (IOException e) {
        subscription.cancel();
        finish(e);
        return;
      }
      progress.advance(position);
      lastData = System.nanoTime();
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      finish(t);
    }

    @Override
    public void onComplete() {
      finish(null);
    }

    /** Once: the watchdog or the client may both end the body. The bytes are on disk before it completes. */
    private synchronized void finish(Throwable failure) {
      if (written.isDone()) return;
      if (watchdog != null) watchdog.cancel(false);
      try {
        if (channel != null) {
          if (failure == null) channel.force(true); // renamed into the store next: durable first
          channel.close();
        }
      } catch (IOException e) {
        if (failure == null) failure = e;
      }
      if (failure == null) written.complete(position);
      else written.completeExceptionally(failure);
    }

    @Override
    public CompletionStage<Long> getBody() {
      return written;
    }
  }
}
