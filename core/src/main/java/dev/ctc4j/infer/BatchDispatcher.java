package dev.ctc4j.infer;

import dev.ctc4j.tensor.Device;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dynamic batching: one thread takes the oldest waiting request, gathers more for up to the gather
 * window (or until the batch is full), runs one batched forward pass for all of them and completes
 * each request with its own log-probabilities. Requests of different lengths share a batch (the
 * model masks each past its length). Closing stops taking requests and finishes the queued ones.
 */
final class BatchDispatcher implements AutoCloseable {
  private record Request(float[] audio, CompletableFuture<LogProbFrames> result) {}

  private static final Request STOP = new Request(new float[0], null);

  private final SpeechModel model;
  private final int maxBatch;
  private final long gatherNanos;
  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private volatile int largestBatch;
  private volatile boolean closed;

  BatchDispatcher(SpeechModel model, int maxBatch, Duration gatherWindow) {
    this.model = model;
    this.maxBatch = maxBatch;
    this.gatherNanos = gatherWindow.toNanos();
    this.thread = new Thread(this::run, "ctc4j-batcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** The log-probabilities of 16 kHz mono audio, computed in the next batch. */
  CompletableFuture<LogProbFrames> submit(float[] audio) {
    CompletableFuture<LogProbFrames> result = new CompletableFuture<>();
    if (closed) throw new IllegalStateException("the transcriber is closed");
    queue.add(new Request(audio, result));
    return result;
  }

  /** Requests waiting for a batch. */
  int queueDepth() {
    return queue.size();
  }

  BatchStats stats() {
    return new BatchStats(requests.get(), batches.get(), largestBatch);
  }

  private void run() {
    List<Request> batch = new ArrayList<>(maxBatch);
    while (true) {
      Request first = takeUninterruptibly();
      if (first == STOP) return;
      batch.add(first);
      boolean stop = gather(batch);
      compute(batch);
      batch.clear();
      if (stop) return;
    }
  }

  /** Adds requests to the batch until it is full or the gather window has passed; true if STOP was met. */
  private boolean gather(List<Request> batch) {
    long deadline = System.nanoTime() + gatherNanos;
    while (batch.size() < maxBatch) {
      Request next = queue.poll();
      if (next == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) break;
        try {
          next = queue.poll(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        if (next == null) break;
      }
      if (next == STOP) return true;
      batch.add(next);
    }
    return false;
  }

  private void compute(List<Request> batch) {
    try (SpeechModel.Emissions e = model.emissions(batch.stream().map(Request::audio).toList())) {
      float[] all = e.logProbs().device().isCuda() ? copyToHost(e) : e.logProbs().toFloatArray();
      int frames = (int) e.logProbs().dim(1);
      int classes = (int) e.logProbs().dim(2);
      // Count before completing: a caller who has all its results must see them in the stats.
      requests.addAndGet(batch.size());
      batches.incrementAndGet();
      largestBatch = Math.max(largestBatch, batch.size());
      for (int b = 0; b < batch.size(); b++) {
        batch.get(b).result().complete(
            LogProbFrames.copyOf(all, classes, b * frames, b * frames + (int) e.lengths()[b]));
      }
    } catch (RuntimeException | Error failure) {
      for (Request r : batch) r.result().completeExceptionally(failure);
    }
  }

  private static float[] copyToHost(SpeechModel.Emissions e) {
    try (var host = e.logProbs().to(Device.CPU)) {
      return host.toFloatArray();
    }
  }

  private Request takeUninterruptibly() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // Only close() ends the dispatcher, through STOP, so queued requests are never dropped.
      }
    }
  }

  /** Finishes every queued request, then stops the thread. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    queue.add(STOP);
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    for (Request late; (late = queue.poll()) != null; ) { // submitted while closing
      if (late != STOP) late.result().completeExceptionally(new IllegalStateException("the transcriber is closed"));
    }
  }
}
