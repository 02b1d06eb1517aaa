package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.PcmResampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Recognises one live stream: feed PCM chunks as they arrive with {@link #accept} (any size, any
 * sample rate, the same rate for the whole stream) and call {@link #finish} at the end of input.
 *
 * <p>{@code accept} returns what the chunk produced: partial results of the current segment when its
 * text changed, and a final result when the segment ended at an endpoint (speech followed by
 * {@link StreamingOptions#endpointSilence()} of non-speech, or {@link StreamingOptions#maxSegment()}
 * reached). Partials are best-path (greedy) decodes; finals use the transcriber's decoder (beam
 * search, LM, lexicon, hotwords as configured). Word times count from the start of the stream.
 *
 * <p>Models without future context (a unidirectional RNN or a DNN, optionally behind a Conv1d front
 * end) run incrementally, carrying their state across chunks; other models run on overlapping
 * windows ({@link WindowedFrames}).
 *
 * <p>One stream, one thread at a time; the transcriber it came from is shared. Close it (after
 * {@code finish}, or to abandon the stream) to free its state.
 */
public final class StreamingRecognizer implements AutoCloseable {
  private final TranscriptDecoder decoder;
  private final StreamingOptions options;
  private final FrameSource source;
  private final double frameSeconds;
  private final int blank;
  private final int space;
  private final LogProbFrames segment;
  private PcmResampler resampler;
  private long segmentStart; // stream frame index of the segment's first frame
  private int segmentIndex;
  private int trailingSilence; // frames since the last speech frame of the segment
  private boolean speech;
  private String lastPartial = "";
  private boolean finished;
  private boolean closed;

  StreamingRecognizer(Transcriber transcriber, StreamingOptions options) {
    this(transcriber.decoder(), options, frameSource(transcriber, options), transcriber.model().frameSeconds());
  }

  StreamingRecognizer(TranscriptDecoder decoder, StreamingOptions options, FrameSource source, double frameSeconds) {
    this.decoder = decoder;
    this.options = options;
    this.source = source;
    this.frameSeconds = frameSeconds;
    this.blank = decoder.labels().blank();
    this.space = decoder.labels().space();
    this.segment = new LogProbFrames(decoder.labels().size());
  }

  private static FrameSource frameSource(Transcriber transcriber, StreamingOptions options) {
    SpeechModel model = transcriber.model();
    return model.streamsIncrementally()
        ? new CausalFrames(model.logMel(), model.labels().size(), options)
        : new WindowedFrames(transcriber.dispatcher(), model.labels().size(), model.input().samplesPerFrame(), options);
  }

  /** Mono PCM in [-1, 1]; returns the partial and final results this chunk produced, oldest first. */
  public List<StreamingResult> accept(float[] pcm, int sampleRate) {
    Objects.requireNonNull(pcm, "pcm");
    Pcm.requireFinite(pcm);
    return consume(source.accept(resampler(sampleRate).convert(pcm)));
  }

  /** Mono 16-bit PCM. */
  public List<StreamingResult> accept(short[] pcm, int sampleRate) {
    Objects.requireNonNull(pcm, "pcm");
    return consume(source.accept(resampler(sampleRate).convert(pcm)));
  }

  /** Ends the input: the final result of the last segment (empty text when it held no speech). */
  public StreamingResult finish() {
    requireOpen();
    finished = true;
    if (resampler != null) segment.append(source.accept(resampler.flush()));
    segment.append(source.finish());
    return finalResult();
  }

  private PcmResampler resampler(int sampleRate) {
    requireOpen();
    if (resampler == null) {
      resampler = new PcmResampler(sampleRate);
    } else if (resampler.sampleRate() != sampleRate) {
      throw new InvalidInputException("the stream started at " + resampler.sampleRate() + " Hz, this chunk is at "
          + sampleRate + " Hz");
    }
    return resampler;
  }

  private void requireOpen() {
    if (closed) throw new IllegalStateException("the stream is closed");
    if (finished) throw new IllegalStateException("the stream is finished");
  }

  /** Appends frames one by one, ending segments at endpoints; then reports a changed partial. */
  private List<StreamingResult> consume(LogProbFrames fresh) {
    List<StreamingResult> results = new ArrayList<>();
    for (int t = 0; t < fresh.frames(); t++) {
      int top = fresh.argmax(t);
      boolean silent = top == blank || top == space;
      if (!speech && silent) { // nothing said yet in this segment: keep no frames
        segmentStart++;
        continue;
      }
      segment.append(fresh, t, t + 1);
      speech = true;
      trailingSilence = silent ? trailingSilence + 1 : 0;
      if (endpoint()) results.add(finalResult());
    }
    if (options.partials() && speech) {
      StreamingResult partial = result(decoder.greedy(segment, segmentSeconds(), 0), false);
      if (!partial.text().equals(lastPartial)) {
        lastPartial = partial.text();
        results.add(partial);
      }
    }
    return results;
  }

  private boolean endpoint() {
    double silence = trailingSilence * frameSeconds;
    return (!options.endpointSilence().isZero() && silence >= options.endpointSilence().toNanos() / 1e9)
        || segment.frames() * frameSeconds >= options.maxSegment().toNanos() / 1e9;
  }

  /** The segment's final result with the full decoder; starts the next segment. */
  private StreamingResult finalResult() {
    StreamingResult r = result(decoder.decode(segment, segmentSeconds(), 0), true);
    segmentStart += segment.frames();
    segment.clear();
    segmentIndex++;
    trailingSilence = 0;
    speech = false;
    lastPartial = "";
    return r;
  }

  private double segmentSeconds() {
    return segmentStart * frameSeconds;
  }

  private StreamingResult result(Transcript t, boolean isFinal) {
    double start = segmentSeconds();
    return new StreamingResult(t.text(), t.words(), isFinal, segmentIndex, start, start + segment.frames() * frameSeconds);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    source.close();
    if (resampler != null) resampler.close();
  }
}
