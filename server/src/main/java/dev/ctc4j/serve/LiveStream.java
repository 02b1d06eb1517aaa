package dev.ctc4j.serve;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.infer.StreamingRecognizer;
import dev.ctc4j.infer.StreamingResult;
import io.javalin.websocket.WsContext;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One WebSocket stream: its recognizer, and the JSON results it pushes back. Audio may arrive on a
 * Jetty thread (PCM frames) or the stream's decoder thread (encoded chunks) while shutdown may
 * finish it from a third, so every method holds the stream's lock; after the first finish or
 * failure the stream ignores further audio. A client that has gone (its connection closed without
 * the end message) ends the stream too: sending to it never throws, and the socket's close callback
 * releases the recognizer.
 */
final class LiveStream {
  private final WsContext ws;
  private final StreamingRecognizer recognizer;
  private final ServiceMetrics metrics;
  private double audioSeconds;
  private long computeNanos;
  private boolean done;

  LiveStream(WsContext ws, StreamingRecognizer recognizer, ServiceMetrics metrics) {
    this.ws = ws;
    this.recognizer = recognizer;
    this.metrics = metrics;
  }

  synchronized void accept(short[] pcm, int sampleRate) {
    if (done) return;
    audioSeconds += pcm.length / (double) sampleRate;
    send(timed(() -> recognizer.accept(pcm, sampleRate)));
  }

  synchronized void accept(float[] pcm, int sampleRate) {
    if (done) return;
    audioSeconds += pcm.length / (double) sampleRate;
    send(timed(() -> recognizer.accept(pcm, sampleRate)));
  }

  /** Sends the final result of the audio so far and closes the socket with {@code code}. */
  synchronized void finish(int code, String reason) {
    if (done) return;
    send(List.of(timed(recognizer::finish)));
    done = true;
    metrics.transcribed("stream", audioSeconds, computeNanos / 1e9);
    ws.closeSession(code, reason);
  }

  /** Sends {@code {"error": ...}} and closes the socket: 1003 for bad input, 1011 for a server fault. */
  synchronized void fail(Exception e) {
    if (done) return;
    done = true;
    boolean badInput = e instanceof InvalidInputException;
    String message = badInput ? e.getMessage() : "internal error: " + e;
    send(TranscriptJson.error(message).put("type", "error").toString());
    ws.closeSession(badInput ? StatusCode.BAD_DATA : StatusCode.SERVER_ERROR, truncate(message));
  }

  /** Frees the recognizer once the socket has closed. */
  synchronized void release() {
    done = true;
    recognizer.close();
  }

  private <T> T timed(Supplier<T> work) {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      computeNanos += System.nanoTime() - start;
    }
  }

  private void send(List<StreamingResult> results) {
    for (StreamingResult r : results) send(TranscriptJson.of(r).toString());
  }

  /** Sends a message unless the client has gone; then the stream is done. */
  private void send(String message) {
    try {
      ws.send(message);
    } catch (Exception gone) { // Jetty's IOException (undeclared through Javalin's Kotlin): closed meanwhile
      done = true;
    }
  }

  /** A close reason must fit in a control frame (123 bytes of UTF-8). */
  private static String truncate(String reason) {
    return reason.length() <= 100 ? reason : reason.substring(0, 100);
  }
}
