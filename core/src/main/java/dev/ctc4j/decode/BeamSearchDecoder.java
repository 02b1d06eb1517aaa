package dev.ctc4j.decode;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.DecodeNative;
import dev.ctc4j.bridge.DecodeNative.BeamDecoder;
import dev.ctc4j.bridge.DecodeNative.LmTable;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * CTC prefix beam search in native code: per-prefix blank / non-blank probabilities, token pruning,
 * blank-frame skipping, an n-gram LM (word or character level), a lexicon and hotwords (see
 * {@link BeamSearchOptions}); batched over utterances on the CPU's threads, or on a CUDA device
 * when the emissions are there. Token and word frames
 * come from the best alignment (Viterbi) of each hypothesis.
 *
 * <p>Immutable and thread-safe: the configuration (labels, lexicon and hotword tries, a reference
 * to the shared LM) is fixed at construction, and every call keeps its search state to itself, so
 * one decoder may serve many threads. The LM must stay open while the decoder is used. Close the
 * decoder to free its native tries.
 */
public final class BeamSearchDecoder implements AutoCloseable {
  private final Labels labels;
  private final BeamSearchOptions options;
  private final double frameSeconds;
  private BeamDecoder decoder;

  public BeamSearchDecoder(Labels labels, BeamSearchOptions options, double frameSeconds) {
    if (!(frameSeconds > 0) || Double.isInfinite(frameSeconds)) {
      throw new InvalidInputException("frame duration must be positive, got " + frameSeconds);
    }
    this.labels = labels;
    this.options = options;
    this.frameSeconds = frameSeconds;
    List<String> phrases = new ArrayList<>(options.hotwords().keySet());
    float[] bonus = new float[Math.max(1, phrases.size())];
    for (int i = 0; i < phrases.size(); i++) bonus[i] = options.hotwords().get(phrases.get(i)).floatValue();
    BeamDecoder created = new BeamDecoder();
    LmTable lm = options.lm() == null ? null : options.lm().table();
    try (BytePointer labelText = packed(labels.tokens()); BytePointer lexicon = packed(options.lexicon());
        BytePointer hotwords = packed(phrases); FloatPointer bonuses = new FloatPointer(bonus)) {
      try (DecodeNative.BeamDecoderConfig config = DecodeNative.ctc4j_beam_decoder_default_config().labels(labelText)
          .classes(labels.size()).blank(labels.blank()).space(labels.space()).lm(lm)
          .lm_unit(options.lmUnit() == LmUnit.WORD ? DecodeNative.LM_WORD : DecodeNative.LM_CHAR)
          .alpha((float) options.alpha()).beta((float) options.beta()).oov_log10((float) options.oovLog10())
          .lexicon(lexicon).n_lexicon(options.lexicon().size()).hotwords(hotwords).hotword_bonus(bonuses)
          .n_hotwords(phrases.size())) {
        NativeStatus.check(DecodeNative.ctc4j_beam_decoder_create(config, created), "beam search settings");
      }
    }
    this.decoder = created;
  }

  public BeamSearchOptions options() {
    return options;
  }

  /** One utterance [frames][classes]: its n-best hypotheses, best first. */
  public List<Hypothesis> decode(float[][] utterance, EmissionKind kind) {
    try (Tensor t = DecodeOutput.single(utterance, labels.size())) {
      return decode(t, new long[] {utterance.length}, kind).get(0);
    }
  }

  /**
   * A batch [batch, max frames, classes]; utterance b's first lengths[b] frames count. Per
   * utterance, the n-best hypotheses, best first (fewer when the lexicon leaves fewer complete
   * ones). Emissions on a CUDA device are searched there, one thread block per utterance, with the
   * same results as on the CPU up to float rounding; hotwords are CPU-only (an {@link
   * InvalidInputException} on a CUDA device), and the beam width is at most 2048 there.
   */
  public List<List<Hypothesis>> decode(Tensor emissions, long[] lengths, EmissionKind kind) {
    DecodeOutput.check(emissions, lengths, labels);
    if (emissions.device().isCuda() && !options.hotwords().isEmpty()) {
      throw new InvalidInputException("hotword boosting runs on the CPU only; decode emissions on "
          + emissions.device() + " with no hotwords, or copy them to the CPU");
    }
    int batch = lengths.length;
    if (batch == 0) return List.of();
    long frames = emissions.dim(1);
    try (DecodeOutput out = new DecodeOutput(batch, options.nBest(), frames); LongPointer lens = new LongPointer(lengths);
        DecodeNative.Emissions in = DecodeOutput.emissions(emissions, lens, batch, kind);
        DecodeNative.BeamOptions search = DecodeNative.ctc4j_decode_default_beam_options().beam(options.beamWidth())
            .top_k(options.tokenTopK()).token_min_log_prob((float) options.tokenMinLogProb())
            .blank_skip_log_prob((float) options.blankSkipLogProb());
        DecodeNative.Hypotheses hypotheses = out.describe()) {
      NativeStatus.check(DecodeNative.ctc4j_decode_beam(decoder(), emissions.device().nativeId(), in, search,
          hypotheses), "beam search");
      return out.read(labels, frameSeconds, true);
    }
  }

  private BeamDecoder decoder() {
    if (decoder == null) throw new IllegalStateException("the decoder is closed");
    return decoder;
  }

  private static BytePointer packed(Collection<String> strings) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String s : strings) {
      if (s.indexOf('\0') >= 0) throw new InvalidInputException("NUL character in '" + s + "'");
      bytes.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
    }
    bytes.write(0);
    return new BytePointer(bytes.toByteArray());
  }

  @Override
  public void close() {
    if (decoder != null) {
      NativeStatus.check(DecodeNative.ctc4j_beam_decoder_destroy(decoder), "destroy beam decoder");
      decoder = null;
    }
  }
}
