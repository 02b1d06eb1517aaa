package dev.ctc4j.cli;

import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.serve.ServerSettings;
import dev.ctc4j.serve.TranscriptionServer;
import dev.ctc4j.tensor.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ctc4j serve [--model DIR] [--port P] [--host H]}: the HTTP + WebSocket service and its page. */
@Command(name = "serve", description = "Serve transcription over HTTP and WebSocket, with a recording page at /.")
final class ServeCommand implements Callable<Integer> {
  private static final ServerSettings DEFAULTS = ServerSettings.defaults();

  @Option(names = "--model", paramLabel = "DIR|ID",
      description = "Model directory or pulled repository id (default: $CTC4J_MODEL, else models/an4 of the checkout).")
  String model;
  @Option(names = "--host", paramLabel = "H", description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for all interfaces).")
  String host = DEFAULTS.host();
  @Option(names = "--port", paramLabel = "P", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port = DEFAULTS.port();
  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N].")
  String device;
  @Mixin DecoderOptions decoding;
  @Option(names = "--max-body-mb", description = "Largest upload in MiB; bigger ones get 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyMb = DEFAULTS.maxBodyBytes() >> 20;
  @Option(names = "--max-jobs", description = "Transcriptions at once; beyond it 503 + Retry-After (default: ${DEFAULT-VALUE}).")
  int maxJobs = DEFAULTS.maxConcurrentJobs();
  @Option(names = "--max-streams", description = "Live WebSocket streams at once (default: ${DEFAULT-VALUE}).")
  int maxStreams = DEFAULTS.maxStreams();
  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Request timeout (504) and idle timeout (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds = DEFAULTS.requestTimeout().toSeconds();
  @Option(names = "--grace", paramLabel = "SECONDS", description = "Time to finish in-flight work at shutdown (default: ${DEFAULT-VALUE}).")
  long graceSeconds = DEFAULTS.shutdownGrace().toSeconds();

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings = new ServerSettings(host, port, maxBodyMb << 20, maxJobs, maxStreams,
        Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(graceSeconds));
    Path dir = ModelStore.open().resolveOrDefault(model);
    Transcriber transcriber = Transcriber.builder(dir).device(Device.parse(device)).decoding(decoding.config()).build();
    TranscriptionServer server;
    try {
      server = TranscriptionServer.start(transcriber, settings);
    } catch (RuntimeException e) {
      transcriber.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { // SIGINT/SIGTERM: finish in-flight work first
      System.err.println("ctc4j: shutting down, finishing in-flight requests ...");
      server.close();
      transcriber.close();
      stopped.countDown();
    }, "ctc4j-serve-shutdown"));
    System.err.println("ctc4j: serving " + dir + " at " + server.uri() + " (Ctrl-C stops) with " + transcriber.config());
    stopped.await();
    return 0;
  }
}
