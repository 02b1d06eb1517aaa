package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.decode.Labels;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Audio of any length, cut into stretches that fit the model and stitched back into one sequence
 * of log-probabilities, which is then decoded as one utterance (greedy, or beam search with the LM
 * running across the cuts). Audio no longer than one chunk is one forward pass, exactly as offline.
 * Longer audio is read a chunk (C samples) at a time:
 * <ul>
 *   <li>Where the chunk has a pause (see {@link Pauses}) after some speech, it is cut there, keeping
 *       {@link #MARGIN_SECONDS} of the pause on either side of the cut, and the rest of the pause
 *       becomes frames of certain blank. Each stretch between pauses is a forward pass of its own,
 *       like the utterances the model was trained on: with their own normalisation statistics and
 *       a recurrent state that starts from zero. (Run on, a model trained on single utterances
 *       misreads the start of each new sentence: measured on AN4 with 1 s pauses, WER 0.21 stitched
 *       in overlapping chunks against 0.14 utterance by utterance.)</li>
 *   <li>Without a pause, chunk k covers [k S, k S + C) (S = C - O, O the overlap) and keeps the
 *       output frames from the middle of its leading overlap to the middle of its trailing one, so
 *       every kept frame saw at least O / 2 of context on both sides.</li>
 * </ul>
 * Cuts fall on whole output frames, so frame t of the stitched sequence is the model's frame at
 * t x frame seconds. Memory: the chunks in flight (at most maxInFlight + 1 of C samples) and the
 * stitched log-probabilities (frames x classes floats; for 29 classes at 50 frames a second 21 MB
 * an hour).
 */
final class LongAudio {
  /**
   * Pause kept on each side of a cut, about the silence around a training utterance. Measured on ten
   * minutes of AN4 test utterances with 1 s pauses (WER 0.119 one by one), stitched WER with room-noise
   * pauses / digital-silence pauses: margin 0.1 s 0.124 / 0.134, 0.16 s 0.117 / 0.152, 0.2 s 0.112 /
   * 0.175 (digital zeros pull the per-utterance normalisation down).
   */
  static final double MARGIN_SECONDS = 0.16;
  /** Log-probability of the other classes in a frame of certain blank. */
  private static final float NOT_BLANK = -30f;

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

  /**
   * Output frames [from, to) of a forward pass (to = -1: all), then {@code blanks} frames of
   * blank, the first of them a word break when {@code wordBreak} and the model has a space.
   */
  private record Pending(CompletableFuture<LogProbFrames> frames, int from, int to, int blanks, boolean wordBreak) {
    static Pending blanks(int count, boolean wordBreak) {
      return new Pending(null, 0, 0, count, wordBreak);
    }
  }

  private final BatchDispatcher dispatcher;
  private final int classes;
  private final int blank;
  private final int space;
  private final int chunk;
  private final int overlap;
  private final int samplesPerFrame;
  private final int pauseFrames; // 0: never cut at pauses
  private final int marginFrames;

  /**
   * Chunk and overlap are rounded down to whole output frames ({@code samplesPerFrame} samples);
   * pauses shorter than {@code pauseSeconds} are not cut (0: never cut at pauses).
   */
  LongAudio(BatchDispatcher dispatcher, Labels labels, double chunkSeconds, double overlapSeconds,
      double pauseSeconds, int samplesPerFrame) {
    this.dispatcher = dispatcher;
    this.classes = labels.tokens().size();
    this.blank = labels.blank();
    this.space = labels.space();
    this.samplesPerFrame = samplesPerFrame;
    this.chunk = alignedSamples(chunkSeconds, samplesPerFrame);
    this.overlap = alignedSamples(overlapSeconds, samplesPerFrame);
    if (chunk < 2 * samplesPerFrame || overlap >= chunk / 2) {
      throw new InvalidInputException("chunk " + chunkSeconds + " s with overlap " + overlapSeconds
          + " s: the overlap must be under half the chunk, and the chunk at least two output frames");
    }
    if (pauseSeconds != 0 && !(pauseSeconds >= 2 * MARGIN_SECONDS && pauseSeconds < chunkSeconds / 2)) {
      throw new InvalidInputException("pause " + pauseSeconds + " s: 0 (never cut at pauses), or from "
          + 2 * MARGIN_SECONDS + " s up to half the chunk");
    }
    this.marginFrames = alignedSamples(MARGIN_SECONDS, samplesPerFrame) / samplesPerFrame;
    this.pauseFrames = alignedSamples(pauseSeconds, samplesPerFrame) / samplesPerFrame;
    if (pauseSeconds != 0 && pauseFrames <= 2 * marginFrames) {
      throw new InvalidInputException("pause " + pauseSeconds + " s: too short for output frames of "
          + samplesPerFrame + " samples");
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
    Stitcher out = new Stitcher(maxInFlight);
    float[] buffer = new float[chunk];
    int filled = fill(source, buffer, 0);
    if (filled == 0) throw new InvalidInputException("empty audio: no samples");
    long samples = filled;
    if (filled < chunk) { // one pass, as offline
      out.add(new Pending(submit(buffer, filled), 0, -1, 0, false));
      return new Stitched(out.finish(), samples);
    }
    Pauses pauses = pauseFrames == 0 ? null : new Pauses(samplesPerFrame, pauseFrames);
    long bufferFrame = 0;    // the stream's output frame at the buffer's start
    int keepFrom = 0;        // output frames at the buffer's start that an earlier chunk already gave
    boolean afterCut = true; // the buffer starts at the start of the audio or inside a pause
    while (filled > 0) {
      boolean end = filled < chunk;
      boolean[] quiet = pauses == null ? new boolean[0] : pauses.quietFrames(buffer, filled, bufferFrame);
      int lead = Pauses.leadingQuiet(quiet);
      Pauses.Run pause = pauses == null ? null : pauses.first(quiet, keepFrom);
      boolean quietToEnd = end && lead > 0 && lead == quiet.length;
      int advance; // samples done with at the buffer's start
      if (afterCut && (lead > marginFrames || quietToEnd)) { // inside a pause
        int frames = quietToEnd ? lead : lead - marginFrames;
        out.add(Pending.blanks(frames, false));
        advance = quietToEnd ? filled : frames * samplesPerFrame;
      } else if (pause != null) { // a pass up to just into the pause, blanks for the middle of the pause
        int cut = pause.start() + marginFrames;
        int resume = pause.end() - marginFrames; // a pause running on past the buffer goes on next time
        out.add(new Pending(submit(buffer, cut * samplesPerFrame), keepFrom, cut, resume - cut, true));
        advance = resume * samplesPerFrame;
        keepFrom = 0;
        afterCut = true;
      } else if (end) {
        out.add(new Pending(submit(buffer, filled), keepFrom, -1, 0, false));
        advance = filled;
      } else { // a full chunk without a pause: overlap with the next
        int overlapFrames = overlap / samplesPerFrame;
        int to = (chunk - overlap) / samplesPerFrame + overlapFrames / 2;
        out.add(new Pending(submit(buffer, chunk), keepFrom, to, 0, false));
        advance = chunk - overlap;
        keepFrom = overlapFrames / 2;
        afterCut = false;
      }
      System.arraycopy(buffer, advance, buffer, 0, filled - advance);
      bufferFrame += advance / samplesPerFrame;
      int kept = filled - advance;
      filled = end ? kept : fill(source, buffer, kept);
      samples += filled - kept;
    }
    return new Stitched(out.finish(), samples);
  }

  private CompletableFuture<LogProbFrames> submit(float[] buffer, int length) {
    return dispatcher.submit(Arrays.copyOf(buffer, length));
  }

  /** Appends pending stretches in order, keeping at most maxInFlight forward passes queued. */
  private final class Stitcher {
    private final int maxInFlight;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final LogProbFrames stitched = new LogProbFrames(classes);

    Stitcher(int maxInFlight) {
      this.maxInFlight = maxInFlight;
    }

    void add(Pending p) {
      pending.add(p);
      while (pending.size() > maxInFlight) stitch(pending.poll());
    }

    LogProbFrames finish() {
      while (!pending.isEmpty()) stitch(pending.poll());
      return stitched;
    }

    private void stitch(Pending p) {
      if (p.frames() != null) {
        LogProbFrames frames = join(p.frames());
        int to = p.to() < 0 ? frames.frames() : p.to();
        stitched.append(frames, p.from(), to);
        appendBlanks(to - Math.max(p.from(), Math.min(to, frames.frames())), false); // a model that gave fewer
      }
      appendBlanks(p.blanks(), p.wordBreak());
    }

    private void appendBlanks(int count, boolean wordBreak) {
      if (count <= 0) return;
      float[] values = new float[count * classes];
      Arrays.fill(values, NOT_BLANK);
      for (int t = 0; t < count; t++) values[t * classes + blank] = 0;
      if (wordBreak && space >= 0) {
        values[blank] = NOT_BLANK;
        values[space] = 0;
      }
      stitched.append(LogProbFrames.copyOf(values, classes, 0, count));
    }
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
