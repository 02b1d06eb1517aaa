package dev.ctc4j.decode;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.DecodeNative;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/** The native decoders' output arrays for a batch, and their conversion to hypotheses. */
final class DecodeOutput implements AutoCloseable {
  final IntPointer hypCount;
  final FloatPointer scores;
  final IntPointer lengths;
  final IntPointer tokens;
  final IntPointer starts;
  final IntPointer ends;
  final FloatPointer confidence;
  private final int batch;
  private final int nBest;
  private final long maxFrames;

  DecodeOutput(int batch, int nBest, long maxFrames) {
    this.batch = batch;
    this.nBest = nBest;
    this.maxFrames = maxFrames;
    long slots = Math.max(1, (long) batch * nBest);
    long cells = Math.max(1, slots * maxFrames);
    hypCount = new IntPointer(Math.max(1, batch));
    scores = new FloatPointer(3 * slots);
    lengths = new IntPointer(slots);
    tokens = new IntPointer(cells);
    starts = new IntPointer(cells);
    ends = new IntPointer(cells);
    confidence = new FloatPointer(cells);
  }

  /** The native description of these arrays (ctc4j_decode_hypotheses); close it after the call. */
  DecodeNative.Hypotheses describe() {
    return DecodeNative.ctc4j_decode_default_hypotheses().n_best(nBest).count(hypCount).scores(scores).lengths(lengths)
        .tokens(tokens).starts(starts).ends(ends).confidence(confidence);
  }

  /** The native description of emissions [batch, frames, classes] (ctc4j_decode_emissions); close it after the call. */
  static DecodeNative.Emissions emissions(Tensor emissions, LongPointer lengths, int batch, EmissionKind kind) {
    return DecodeNative.ctc4j_decode_default_emissions().data(new FloatPointer(emissions.data())).lengths(lengths)
        .batch(batch).max_frames(emissions.dim(1)).classes(Math.toIntExact(emissions.dim(2)))
        .log_probs(kind == EmissionKind.LOG_PROBS ? 1 : 0);
  }

  /** Checks emissions [batch, frames, classes] against the labels and lengths. */
  static void check(Tensor emissions, long[] lengths, Labels labels) {
    if (emissions.rank() != 3 || emissions.dtype() != DType.F32) {
      throw new InvalidInputException("emissions must be float32 [batch, frames, classes], got " + emissions);
    }
    if (emissions.dim(2) != labels.size()) {
      throw new InvalidInputException(
          "emissions have " + emissions.dim(2) + " classes but there are " + labels.size() + " labels");
    }
    if (emissions.dim(0) != lengths.length) {
      throw new InvalidInputException(emissions.dim(0) + " utterances but " + lengths.length + " lengths");
    }
  }

  /** One utterance [frames][classes] as a batch of one on the CPU. */
  static Tensor single(float[][] utterance, int classes) {
    float[] flat = new float[Math.multiplyExact(utterance.length, classes)];
    for (int t = 0; t < utterance.length; t++) {
      if (utterance[t].length != classes) {
        throw new InvalidInputException("frame " + t + " has " + utterance[t].length + " values, expected " + classes);
      }
      System.arraycopy(utterance[t], 0, flat, t * classes, classes);
    }
    return Tensor.of(Device.CPU, flat, 1, utterance.length, classes);
  }

  /** The hypotheses of every utterance, best first; `counts` null means one per utterance. */
  List<List<Hypothesis>> read(Labels labels, double frameSeconds, boolean counted) {
    List<List<Hypothesis>> out = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      int count = counted ? hypCount.get(b) : 1;
      List<Hypothesis> found = new ArrayList<>(count);
      for (int r = 0; r < count; r++) found.add(hypothesis((long) b * nBest + r, labels, frameSeconds));
      out.add(List.copyOf(found));
    }
    return List.copyOf(out);
  }

  private Hypothesis hypothesis(long slot, Labels labels, double frameSeconds) {
    int n = lengths.get(slot);
    long base = slot * maxFrames;
    List<TokenSpan> spans = new ArrayList<>(n);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int token = tokens.get(base + i);
      int start = starts.get(base + i);
      int end = ends.get(base + i) + 1; // the native decoders report the last frame
      spans.add(new TokenSpan(token, labels.text(token), start, end, start * frameSeconds, end * frameSeconds,
          confidence.get(base + i)));
      text.append(labels.text(token));
    }
    return new Hypothesis(text.toString(), scores.get(3 * slot), scores.get(3 * slot + 1), scores.get(3 * slot + 2),
        spans, WordSpans.of(spans, labels.space(), frameSeconds));
  }

  @Override
  public void close() {
    hypCount.close();
    scores.close();
    lengths.close();
    tokens.close();
    starts.close();
    ends.close();
    confidence.close();
  }
}
