package dev.ctc4j.serve;

import dev.ctc4j.infer.Transcriber;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.util.JavalinException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speech service on Javalin (Jetty): {@code POST /v1/transcribe}, the {@code /v1/stream}
 * WebSocket, the recording page at {@code /}, {@code /healthz} and {@code /metrics} (Prometheus
 * text). Thread-safe. {@link #close} shuts down gracefully: new work is refused with 503, live
 * streams get their final result, in-flight requests finish. The transcriber stays the caller's.
 */
public final class TranscriptionServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TranscriptionServer.class);

  private final ServerSettings settings;
  private final ServiceMetrics metrics = new ServiceMetrics();
  private final TranscribeEndpoint transcribe;
  private final StreamEndpoint streams;
  private final Javalin app;
  private volatile boolean closing;

  private TranscriptionServer(Transcriber transcriber, ServerSettings settings) {
    this.settings = settings;
    this.transcribe = new TranscribeEndpoint(transcriber, settings, metrics);
    this.streams = new StreamEndpoint(transcriber, settings, metrics);
    metrics.watch(transcriber::queueDepth, transcribe::jobsInFlight, streams::liveStreams);
    this.app = Javalin.create(this::configure)
        .post("/v1/transcribe", transcribe::handle)
        .ws("/v1/stream", streams::configure)
        .get("/healthz", this::health)
        .get("/metrics", this::scrape)
        .exception(ApiError.class, TranscriptionServer::answer)
        .exception(Exception.class, TranscriptionServer::internalError);
  }

  /** Binds {@code settings.host():settings.port()} and serves until {@link #close}. */
  public static TranscriptionServer start(Transcriber transcriber, ServerSettings settings) {
    TranscriptionServer server = new TranscriptionServer(transcriber, settings);
    server.app.start(settings.host(), settings.port());
    return server;
  }

  /** The bound port (the chosen one when the settings asked for 0). */
  public int port() {
    return app.port();
  }

  public URI uri() {
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    return URI.create("http://" + host + ":" + port() + "/");
  }

  private void configure(JavalinConfig config) {
    long maxBody = settings.maxBodyBytes();
    long timeoutMs = settings.requestTimeout().toMillis();
    config.showJavalinBanner = false;
    config.http.maxRequestSize = maxBody;
    config.jetty.clientAbortStatus = HttpStatus.CLIENT_CLOSED_REQUEST.getCode(); // 499, not Javalin's 500: no server fault
    config.jetty.multipartConfig.maxTotalRequestSize(maxBody, SizeUnit.BYTES);
    config.jetty.multipartConfig.maxFileSize(maxBody, SizeUnit.BYTES);
    config.jetty.modifyHttpConfiguration(http -> {
      http.setIdleTimeout(timeoutMs);
      http.setDelayDispatchUntilContent(false); // so a declared oversized body gets 413 before it is sent
    });
    config.jetty.modifyServer(server -> server.setStopTimeout(settings.shutdownGrace().toMillis()));
    config.jetty.modifyWebSocketServletFactory(ws -> {
      ws.setIdleTimeout(settings.requestTimeout());
      ws.setMaxBinaryMessageSize(1 << 20);
      ws.setMaxTextMessageSize(1 << 12);
    });
    config.staticFiles.add(files -> {
      files.hostedPath = "/";
      files.directory = "/dev/ctc4j/serve/page";
      files.location = Location.CLASSPATH;
    });
    config.requestLogger.http((ctx, ms) -> metrics.request(endpoint(ctx), ctx.statusCode(), ms / 1000.0));
  }

  /** The route that answered, so metric labels stay few whatever paths clients ask for. */
  private static String endpoint(Context ctx) {
    String path = ctx.path();
    return path.equals("/v1/transcribe") || path.equals("/healthz") || path.equals("/metrics") ? path : "other";
  }

  private void health(Context ctx) {
    ctx.status(closing ? 503 : 200).json(Map.of("status", closing ? "shutting down" : "ok",
        "jobs_in_flight", transcribe.jobsInFlight(), "live_streams", streams.liveStreams()));
  }

  private void scrape(Context ctx) throws Exception {
    ctx.contentType(ServiceMetrics.CONTENT_TYPE);
    metrics.write(ctx.outputStream());
  }

  private static void answer(ApiError e, Context ctx) {
    if (e.retryLater()) ctx.header("Retry-After", Integer.toString(ApiError.RETRY_AFTER_SECONDS));
    ctx.status(e.status()).json(TranscriptJson.error(e.getMessage()));
  }

  private static void internalError(Exception e, Context ctx) {
    LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
    ctx.status(500).json(TranscriptJson.error("internal error: " + e.getMessage()));
  }

  /**
   * Graceful shutdown within the settings' grace period: refuses new uploads (503) and streams,
   * finishes live streams with their final result, waits for admitted jobs, then stops Jetty,
   * which lets in-flight responses complete.
   */
  @Override
  public void close() {
    if (closing) return;
    closing = true;
    long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
    transcribe.stopAccepting();
    try {
      streams.shutdown(deadline - System.nanoTime());
      if (!transcribe.awaitIdle(deadline - System.nanoTime())) {
        LOG.warn("{} transcriptions still running after {} s; stopping anyway", transcribe.jobsInFlight(),
            settings.shutdownGrace().toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      app.stop();
    } catch (JavalinException e) {
      // Jetty has stopped all the same: only its graceful wait for open connections (a request still
      // being read, a client's keep-alive connection) ran out, which close reports as the wait above does.
      if (!(e.getCause() instanceof TimeoutException)) throw e;
      LOG.warn("connections still open after the {} s grace; stopped anyway", settings.shutdownGrace().toSeconds());
    }
  }
}
