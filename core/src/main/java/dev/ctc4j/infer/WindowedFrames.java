package dev.ctc4j.infer;

import dev.ctc4j.audio.Audio;
import java.time.Duration;

/**
 * Streaming for models that need future context (bidirectional layers): every {@code chunk} of new
 * audio, the model runs on a window of left context + the chunk + lookahead, and the frames of the
 * chunk are kept. Windows go through the transcriber's dispatcher, so concurrent streams share
 * batches. Differs from offline inference where a frame's context reaches past the window (and by
 * the front end's per-window normalisation); costs (left + chunk + lookahead) / chunk times the
 * offline compute.
 */
final class WindowedFrames implements FrameSource {
  private final BatchDispatcher dispatcher;
  private final int classes;
  private final int samplesPerFrame;
  private final int chunk;
  private final int lookahead;
  private final int leftContext;
  private final SampleBuffer audio = new SampleBuffer();
  private long committed; // frames are final up to this sample (a multiple of samplesPerFrame)

  WindowedFrames(BatchDispatcher dispatcher, int classes, int samplesPerFrame, StreamingOptions o) {
    this.dispatcher = dispatcher;
    this.classes = classes;
    this.samplesPerFrame = samplesPerFrame;
    this.chunk = Math.max(samplesPerFrame, aligned(o.chunk()));
    this.lookahead = aligned(o.lookahead());
    this.leftContext = aligned(o.leftContext());
  }

  private int aligned(Duration d) {
    return (int) (d.toNanos() * Audio.SAMPLE_RATE / 1_000_000_000L) / samplesPerFrame * samplesPerFrame;
  }

  @Override
  public LogProbFrames accept(float[] samples) {
    audio.append(samples, samples.length);
    LogProbFrames out = new LogProbFrames(classes);
    while (audio.end() - committed >= chunk + lookahead) out.append(window(committed + chunk, false));
    return out;
  }

  @Override
  public LogProbFrames finish() {
    LogProbFrames out = new LogProbFrames(classes);
    if (audio.end() > committed) out.append(window(audio.end(), true));
    return out;
  }

  /** The frames of [committed, to) (to the end of the stream when last) from one window. */
  private LogProbFrames window(long to, boolean last) {
    long from = Math.max(0, committed - leftContext);
    long until = last ? audio.end() : Math.min(audio.end(), to + lookahead);
    LogProbFrames frames = LongAudio.join(dispatcher.submit(audio.copy(from, until)));
    int keepFrom = (int) ((committed - from) / samplesPerFrame);
    int keepTo = last ? frames.frames() : (int) ((to - from) / samplesPerFrame);
    LogProbFrames kept = new LogProbFrames(classes);
    kept.append(frames, keepFrom, keepTo);
    committed = to;
    audio.dropBefore(committed - leftContext);
    return kept;
  }

  @Override
  public void close() {}
}
