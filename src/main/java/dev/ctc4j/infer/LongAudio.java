package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Audio of any length as overlapping chunks whose log-probabilities are stitched into one sequence:
 * chunk k covers samples [k S, k S + C) (C the chunk, S = C - O, O the overlap), and keeps the
 * output frames from the middle of its leading overlap to the middle of its trailing one, so every
 * kept frame saw at least O / 2 of context on both sides. The stitched frames are then decoded as
 * one utterance (greedy, or beam search with the LM running across chunk boundaries).
 *
 * <p>Chunk starts are whole output frames apart, so a kept frame is the frame offline inference
 * would produce at the same time, up to the context it could not see (and the front end's
 * per-chunk normalisation). Audio no longer than one chunk is one forward pass, exactly as offline.
 * Memory: the chunks in flight (at most maxInFlight + 1 of C samples) and the stitched
 * log-probabilities (frames x classes floats; for 29 classes at 50 frames a second 21 MB an hour).
 */
final class LongAudio {
  /** Forward-only samples: fills the buffer from its start, returns the count or -1 at the end. */
  @FunctionalInterface
  interface SampleSource {
    int read(float[] buffer, int offset, int length);
  }

  /** The stitched log-probabilities and the audio's length in samples. */
  record Stitched(LogProbFrames frames, long samples) {
    double seconds() {
      return samples / (double) Audio.SAMPLE_RATE;
    }
  }

  private record Pending(CompletableFuture<LogProbFrames> frames, boolean first, boolean last) {}

  private final BatchDispatcher dispatcher;
  private final int classes;
  private final int chunk;
  private final int overlap;
  private final int samplesPerFrame;

  /** Chunk and overlap are rounded down to whole output frames ({@code samplesPerFrame} samples). */
  LongAudio(BatchDispatcher dispatcher, int classes, double chunkSeconds, double overlapSeconds, int samplesPerFrame) {
    this.dispatcher = dispatcher;
    this.classes = classes;
    this.samplesPerFrame = samplesPerFrame;
    this.chunk = alignedSamples(chunkSeconds, samplesPerFrame);
    this.overlap = alignedSamples(overlapSeconds, samplesPerFrame);
    if (chunk < 2 * samplesPerFrame || overlap >= chunk / 2) {
      throw new InvalidInputException("chunk " + chunkSeconds + " s with overlap " + overlapSeconds
          + " s: the overlap must be under half the chunk, and the chunk at least two output frames");
    }
  }

  private static int alignedSamples(double seconds, int samplesPerFrame) {
    if (!(seconds >= 0) || seconds > 3600) throw new InvalidInputException("bad duration " + seconds + " s");
    return (int) (seconds * Audio.SAMPLE_RATE) / samplesPerFrame * samplesPerFrame;
  }

  int chunkSamples() {
    return chunk;
  }

  /** Reads the source to its end, chunk by chunk, with up to maxInFlight chunks queued for the model. */
  Stitched run(int maxInFlight, SampleSource source) {
    LogProbFrames stitched = new LogProbFrames(classes);
    ArrayDeque<Pending> pending = new ArrayDeque<>();
    float[] current = new float[chunk];
    int filled = fill(source, current, 0);
    if (filled == 0) throw new InvalidInputException("empty audio: no samples");
    long samples = filled;
    boolean first = true;
    while (true) {
      float[] next = null;
      int nextFilled = 0;
      if (filled == chunk) {
        next = new float[chunk];
        System.arraycopy(current, chunk - overlap, next, 0, overlap);
        nextFilled = fill(source, next, overlap);
        samples += nextFilled - overlap;
        if (nextFilled == overlap) next = null; // nothing new after the overlap
      }
      boolean last = next == null;
      pending.add(new Pending(dispatcher.submit(filled == chunk ? current : Arrays.copyOf(current, filled)), first,
          last));
      while (pending.size() > maxInFlight || (last && !pending.isEmpty())) stitch(pending.poll(), stitched);
      if (last) return new Stitched(stitched, samples);
      current = next;
      filled = nextFilled;
      first = false;
    }
  }

  /** Appends the frames this chunk owns. */
  private void stitch(Pending p, LogProbFrames stitched) {
    LogProbFrames frames = join(p.frames());
    int overlapFrames = overlap / samplesPerFrame;
    int from = p.first() ? 0 : overlapFrames / 2;
    int to = p.last() ? frames.frames() : (chunk - overlap) / samplesPerFrame + overlapFrames / 2;
    stitched.append(frames, from, to);
  }

  static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error err) throw err;
      throw e;
    }
  }

  /** Reads until {@code buffer} is full from {@code offset} or the source ends; returns the filled length. */
  private static int fill(SampleSource source, float[] buffer, int offset) {
    int at = offset;
    while (at < buffer.length) {
      int n = source.read(buffer, at, buffer.length - at);
      if (n < 0) break;
      at += n;
    }
    return at;
  }
}
