package dev.ctc4j.infer;

import dev.ctc4j.audio.Audio;
import dev.ctc4j.model.AcousticStream;
import java.util.Arrays;

/**
 * Streaming for models without future context: the streaming front end and the model's
 * incremental forward pass ({@link AcousticStream}) carry their state from chunk to chunk, so the
 * frames equal offline inference's (exactly up to float rounding when the front end does not
 * normalise; see {@link RunningNormalization} otherwise). Audio is gathered until a chunk's worth
 * has arrived, then run in the caller's thread.
 */
final class CausalFrames implements FrameSource {
  private final int classes;
  private final int chunk;
  private final StreamingFeatures features;
  private final AcousticStream model;
  private float[] pending = new float[0];

  CausalFrames(LogMelNetwork network, int classes, StreamingOptions options) {
    this.classes = classes;
    this.chunk = (int) Math.max(1, options.chunk().toNanos() * Audio.SAMPLE_RATE / 1_000_000_000L);
    this.features = new StreamingFeatures(network.frontEnd().config());
    try {
      this.model = network.acoustic().openStream();
    } catch (RuntimeException e) {
      features.close();
      throw e;
    }
  }

  @Override
  public LogProbFrames accept(float[] samples) {
    int had = pending.length;
    pending = Arrays.copyOf(pending, had + samples.length);
    System.arraycopy(samples, 0, pending, had, samples.length);
    if (pending.length < chunk) return new LogProbFrames(classes);
    float[] ready = pending;
    pending = new float[0];
    StreamingFeatures.Frames f = features.accept(ready);
    return frames(model.accept(f.values(), f.count()));
  }

  @Override
  public LogProbFrames finish() {
    StreamingFeatures.Frames last = features.accept(pending);
    pending = new float[0];
    StreamingFeatures.Frames tail = features.finish();
    LogProbFrames out = frames(model.accept(last.values(), last.count()));
    out.append(frames(model.accept(tail.values(), tail.count())));
    out.append(frames(model.finish()));
    return out;
  }

  private LogProbFrames frames(float[] logProbs) {
    return LogProbFrames.copyOf(logProbs, classes, 0, logProbs.length / classes);
  }

  @Override
  public void close() {
    model.close();
    features.close();
  }
}
