package dev.ctc4j.serve;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /v1/transcribe}: the audio is the raw body or the first file of a multipart form (field
 * "audio" preferred), in any format FFmpeg decodes. A bounded number of jobs run at once; a job
 * holds its slot from reading the body until the transcriber finishes it, even when the client
 * has stopped waiting, so the limit bounds the real work.
 */
final class TranscribeEndpoint {
  private final Transcriber transcriber;
  private final ServerSettings settings;
  private final ServiceMetrics metrics;
  private final Semaphore slots;
  private volatile boolean closing;

  TranscribeEndpoint(Transcriber transcriber, ServerSettings settings, ServiceMetrics metrics) {
    this.transcriber = transcriber;
    this.settings = settings;
    this.metrics = metrics;
    this.slots = new Semaphore(settings.maxConcurrentJobs());
  }

  int jobsInFlight() {
    return settings.maxConcurrentJobs() - slots.availablePermits();
  }

  /** Refuses new jobs (503) from now on. */
  void stopAccepting() {
    closing = true;
  }

  /** Waits up to {@code timeoutNanos} for every admitted job to finish; true if they all did. */
  boolean awaitIdle(long timeoutNanos) throws InterruptedException {
    int all = settings.maxConcurrentJobs();
    if (!slots.tryAcquire(all, timeoutNanos, TimeUnit.NANOSECONDS)) return false;
    slots.release(all);
    return true;
  }

  void handle(Context ctx) throws Exception {
    long start = System.nanoTime();
    if (closing) throw ApiError.unavailable("the server is shutting down");
    if (ctx.contentLength() > settings.maxBodyBytes()) throw ApiError.tooLarge(settings.maxBodyBytes());
    if (!slots.tryAcquire()) {
      throw ApiError.unavailable("all " + settings.maxConcurrentJobs() + " transcription slots are busy");
    }
    CompletableFuture<Transcript> job;
    try {
      // Awaiting the stage that releases the slot (not the transcription itself) frees the slot
      // before the response goes out, so a client's next request never finds its own slot taken.
      job = transcriber.submit(readAudio(ctx), Audio.SAMPLE_RATE).whenComplete((result, failure) -> slots.release());
    } catch (RuntimeException | IOException e) {
      slots.release();
      throw e;
    }
    Transcript transcript = await(job, start);
    double seconds = (System.nanoTime() - start) / 1e9;
    metrics.transcribed("batch", transcript.audioSeconds(), seconds);
    ctx.json(TranscriptJson.of(transcript).put("processing_seconds", seconds));
  }

  /** The upload decoded to 16 kHz mono samples; 400 naming the problem if it is not usable audio. */
  private float[] readAudio(Context ctx) throws IOException {
    if (ctx.isMultipartFormData()) {
      UploadedFile file = uploadedAudio(ctx);
      try (InputStream in = file.content()) {
        return decode(in.readAllBytes(), "upload '" + file.filename() + "'");
      }
    }
    return decode(readBounded(ctx.bodyInputStream()), "request body");
  }

  /** The whole body, also when chunked (no Content-Length): 413 as soon as it passes the limit. */
  private byte[] readBounded(InputStream in) throws IOException {
    long max = settings.maxBodyBytes();
    byte[] data = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
    if (data.length > max) throw ApiError.tooLarge(max);
    return data;
  }

  private UploadedFile uploadedAudio(Context ctx) {
    List<UploadedFile> files;
    try {
      files = ctx.uploadedFiles();
    } catch (IllegalStateException e) {
      throw ApiError.tooLarge(settings.maxBodyBytes()); // Jetty's multipart size limits
    }
    if (files.isEmpty()) throw ApiError.badRequest("multipart form has no file: send the audio as field 'audio'");
    UploadedFile named = ctx.uploadedFile("audio");
    return named != null ? named : files.get(0);
  }

  /** An upload's bytes decoded; a 400 {@link ApiError} naming the problem when they are not usable audio. */
  static float[] decode(byte[] data, String name) {
    try {
      return Audio.read(data, name);
    } catch (InvalidInputException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  private Transcript await(CompletableFuture<Transcript> job, long start) throws InterruptedException {
    long left = settings.requestTimeout().toNanos() - (System.nanoTime() - start);
    try {
      return job.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw ApiError.timedOut("transcription did not finish within " + settings.requestTimeout().toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof InvalidInputException bad) throw ApiError.badRequest(bad.getMessage());
      throw new IllegalStateException("transcription failed: " + e.getCause(), e.getCause());
    }
  }
}
