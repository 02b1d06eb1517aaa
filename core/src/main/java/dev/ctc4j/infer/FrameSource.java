package dev.ctc4j.infer;

/**
 * A live stream's model: 16 kHz samples in, the log-probability frames that have become final out.
 * One stream, one thread at a time.
 */
interface FrameSource extends AutoCloseable {
  /** Takes more samples; returns the frames they complete (possibly none). */
  LogProbFrames accept(float[] samples);

  /** At the end of the stream: the remaining frames. */
  LogProbFrames finish();

  @Override
  void close();
}
