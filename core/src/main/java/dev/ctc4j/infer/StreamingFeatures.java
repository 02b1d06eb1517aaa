package dev.ctc4j.infer;

import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.Normalization;

/**
 * The log-mel front end over a live stream: 16 kHz samples in, completed feature frames out
 * (frame-major [n][n_mels]). Frame t covers samples [t hop - n_fft/2, t hop + n_fft/2) of the
 * stream reflect-padded at both ends, as the offline front end centres its frames; so the frames
 * equal offline ones up to float rounding, the last few arriving at {@link #finish} (when the end
 * padding is known).
 *
 * <p>Normalisation cannot use the whole utterance: PER_FEATURE and PER_UTTERANCE use running
 * statistics instead ({@link RunningNormalization}), so normalised streaming features differ from
 * offline ones, most at the start of the stream.
 */
final class StreamingFeatures implements AutoCloseable {
  private final MelConfig config;
  private final LogMelSpectrogram frames; // uncentred, unnormalised: exactly the samples it is given
  private final int nFft, hop, pad;
  private final RunningNormalization normalization;
  private SampleBuffer padded = new SampleBuffer(); // raw samples until started, then the padded stream
  private long samples; // raw samples received
  private boolean started; // the leading reflection is in place
  private long nextFrame;

  StreamingFeatures(MelConfig config) {
    this.config = config;
    this.frames = new LogMelSpectrogram(config.toBuilder().center(false).normalization(Normalization.NONE).build());
    this.nFft = config.nFft();
    this.hop = config.hopLength();
    this.pad = config.center() ? nFft / 2 : 0;
    this.normalization = new RunningNormalization(config.normalization(), config.nMels());
  }

  record Frames(float[] values, int count) {
    static final Frames NONE = new Frames(new float[0], 0);
  }

  Frames accept(float[] x) {
    padded.append(x, x.length);
    samples += x.length;
    if (!started && samples > pad) start();
    return started ? normalization.apply(computeReady()) : Frames.NONE;
  }

  /** The last frames, with the end reflect-padded (or, for a stream shorter than the padding, all of them at once). */
  Frames finish() {
    if (samples == 0) return normalization.finish(Frames.NONE);
    if (!started) return normalization.finish(normalization.apply(whole(padded.copy(0, samples))));
    long needed = (totalFrames() - 1) * hop + nFft; // padded samples the last frame reads
    int tail = (int) Math.max(0, needed - padded.end());
    float[] reflected = new float[tail];
    for (int j = 0; j < tail; j++) reflected[j] = padded.get(reflect(samples + j, samples) + pad);
    padded.append(reflected, tail);
    return normalization.finish(normalization.apply(computeReady()));
  }

  private long totalFrames() {
    long reach = samples + 2L * pad; // as the front end counts: frames that fit in the padded stream
    return reach < nFft ? 0 : (reach - nFft) / hop + 1;
  }

  /** Offline frames of a whole (short) stream. */
  private Frames whole(float[] x) {
    try (LogMelSpectrogram centred = new LogMelSpectrogram(config.toBuilder().normalization(Normalization.NONE).build())) {
      float[][] f = centred.compute(x); // [mels][frames]
      int count = f.length == 0 ? 0 : f[0].length;
      nextFrame = count;
      return frameMajor(f, count);
    }
  }

  /** Puts the leading reflection before the raw samples so far: padded sample q < pad is raw sample pad - q. */
  private void start() {
    float[] raw = padded.copy(0, samples);
    float[] lead = new float[pad];
    for (int q = 0; q < pad; q++) lead[q] = raw[(int) reflect(q - pad, raw.length)];
    SampleBuffer restarted = new SampleBuffer();
    restarted.append(lead, pad);
    restarted.append(raw, raw.length);
    padded = restarted;
    started = true;
  }

  /** torch's reflect padding: index i of a signal of length n, mirrored at both ends. */
  private static long reflect(long i, long n) {
    if (n == 1) return 0;
    long period = 2 * (n - 1);
    long m = Math.floorMod(i, period);
    return m < n ? m : period - m;
  }

  /** Frames whose samples have all arrived; keeps what later frames (and the end reflection) need. */
  private Frames computeReady() {
    long end = padded.end();
    long ready = end < nFft ? 0 : (end - nFft) / hop + 1;
    if (ready <= nextFrame) return Frames.NONE;
    float[][] f = frames.compute(padded.copy(nextFrame * hop, (ready - 1) * hop + nFft));
    int count = (int) (ready - nextFrame);
    nextFrame = ready;
    padded.dropBefore(Math.min(nextFrame * hop, end - pad - 1)); // the end reflection reads pad + 1 back
    return frameMajor(f, count);
  }

  private static Frames frameMajor(float[][] melMajor, int count) {
    int mels = melMajor.length;
    float[] out = new float[count * mels];
    for (int m = 0; m < mels; m++) {
      for (int t = 0; t < count; t++) out[t * mels + m] = melMajor[m][t];
    }
    return new Frames(out, count);
  }

  @Override
  public void close() {
    frames.close();
  }
}
