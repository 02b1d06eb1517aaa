package dev.ctc4j.spark;

import dev.ctc4j.infer.Transcriber;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transcribers of this JVM (a Spark executor, or the driver in local mode), one per
 * {@link TranscriberSettings}: the model and its LM load once, on the first task that needs them,
 * and every later task of any job shares that instance (a Transcriber is thread-safe, and its
 * batcher merges the concurrent tasks' utterances into batches). Closed at JVM shutdown.
 */
final class ExecutorTranscribers {
  private static final ConcurrentHashMap<TranscriberSettings, Loading> LOADED = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorTranscribers::closeAll, "ctc4j-spark-close"));
  }

  private ExecutorTranscribers() {}

  /** The shared transcriber for these settings, loading it on first use (other tasks wait for it). */
  static Transcriber get(TranscriberSettings settings) {
    return LOADED.computeIfAbsent(settings, Loading::new).transcriber();
  }

  /** Closes every transcriber; a later {@link #get} loads afresh. */
  static void closeAll() {
    List<Loading> all = new ArrayList<>(LOADED.values());
    LOADED.clear();
    for (Loading loading : all) loading.close();
  }

  /**
   * Loads outside the map's lock, so a slow model load blocks only the tasks that need that model;
   * a load that fails is tried again by the next task.
   */
  private static final class Loading {
    private final TranscriberSettings settings;
    private Transcriber transcriber;
    private boolean closed;

    Loading(TranscriberSettings settings) {
      this.settings = settings;
    }

    synchronized Transcriber transcriber() {
      if (closed) throw new IllegalStateException("the executor's transcribers are closed");
      if (transcriber == null) transcriber = settings.open();
      return transcriber;
    }

    synchronized void close() {
      closed = true;
      if (transcriber != null) transcriber.close();
    }
  }
}
