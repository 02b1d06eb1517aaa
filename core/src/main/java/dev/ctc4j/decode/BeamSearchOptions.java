package dev.ctc4j.decode;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.lm.NgramLanguageModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the prefix beam search.
 *
 * @param beamWidth prefixes kept per frame
 * @param nBest hypotheses returned per utterance
 * @param tokenTopK tokens considered per frame (0: all)
 * @param tokenMinLogProb tokens less probable than this (natural log) are not extended
 * @param blankSkipLogProb frames whose blank log-probability exceeds this create no new prefixes
 *     (positive infinity: off)
 * @param lm an n-gram model (null: none); shared, not owned
 * @param lmUnit what the LM's words are
 * @param alpha LM weight; @param beta bonus per word (per token in CHARACTER mode)
 * @param oovLog10 log10 probability of a word outside the vocabulary of an LM without &lt;unk&gt;
 * @param lexicon when not empty, the only words that may be produced
 * @param hotwords words or phrases (single spaces between words) and their bonus (natural log),
 *     earned when a phrase is complete; a partial match carries the matched fraction meanwhile
 */
public record BeamSearchOptions(int beamWidth, int nBest, int tokenTopK, double tokenMinLogProb,
    double blankSkipLogProb, NgramLanguageModel lm, LmUnit lmUnit, double alpha, double beta, double oovLog10,
    List<String> lexicon, Map<String, Double> hotwords) {
  /** Defaults of beam search, written once: the width, the LM weight and the word bonus. */
  public static final int DEFAULT_BEAM_WIDTH = 32;
  public static final double DEFAULT_ALPHA = 0.5;
  public static final double DEFAULT_BETA = 1.0;

  public BeamSearchOptions {
    if (beamWidth < 1) throw new InvalidInputException("beam width must be at least 1, got " + beamWidth);
    if (nBest < 1 || nBest > beamWidth) throw new InvalidInputException("n-best must be in [1, beam width], got " + nBest);
    if (tokenTopK < 0) throw new InvalidInputException("token top-k must be >= 0, got " + tokenTopK);
    if (Double.isNaN(tokenMinLogProb) || Double.isNaN(blankSkipLogProb)) throw new InvalidInputException("NaN threshold");
    if (!Double.isFinite(alpha) || !Double.isFinite(beta) || !Double.isFinite(oovLog10)) {
      throw new InvalidInputException("alpha, beta and oovLog10 must be finite");
    }
    lexicon = List.copyOf(lexicon);
    hotwords = Map.copyOf(hotwords);
    hotwords.forEach((phrase, bonus) -> {
      if (phrase.isBlank() || !(bonus >= 0) || bonus.isInfinite()) {
        throw new InvalidInputException("bad hotword '" + phrase + "' with bonus " + bonus);
      }
    });
  }

  /** These settings with another LM weight and word bonus (there must be an LM). */
  public BeamSearchOptions withLmWeights(double alpha, double beta) {
    if (lm == null) throw new InvalidInputException("LM weights need an LM");
    return new BeamSearchOptions(beamWidth, nBest, tokenTopK, tokenMinLogProb, blankSkipLogProb, lm, lmUnit, alpha,
        beta, oovLog10, lexicon, hotwords);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: beam 32, 1-best, all tokens, no pruning or skipping, no LM, alpha 0.5, beta 1. */
  public static final class Builder {
    private int beamWidth = DEFAULT_BEAM_WIDTH;
    private int nBest = 1;
    private int tokenTopK;
    private double tokenMinLogProb = Double.NEGATIVE_INFINITY;
    private double blankSkipLogProb = Double.POSITIVE_INFINITY;
    private NgramLanguageModel lm;
    private LmUnit lmUnit = LmUnit.WORD;
    private double alpha = DEFAULT_ALPHA;
    private double beta = DEFAULT_BETA;
    private double oovLog10 = -10;
    private List<String> lexicon = List.of();
    private final Map<String, Double> hotwords = new LinkedHashMap<>();

    public Builder beamWidth(int v) { beamWidth = v; return this; }
    public Builder nBest(int v) { nBest = v; return this; }
    public Builder tokenTopK(int v) { tokenTopK = v; return this; }
    public Builder tokenMinLogProb(double v) { tokenMinLogProb = v; return this; }
    public Builder blankSkipLogProb(double v) { blankSkipLogProb = v; return this; }
    public Builder lm(NgramLanguageModel v, double alpha, double beta) {
      lm = v;
      this.alpha = alpha;
      this.beta = beta;
      return this;
    }
    public Builder lmUnit(LmUnit v) { lmUnit = v; return this; }
    public Builder oovLog10(double v) { oovLog10 = v; return this; }
    public Builder lexicon(List<String> v) { lexicon = v; return this; }
    public Builder hotword(String phrase, double bonus) { hotwords.put(phrase, bonus); return this; }

    public BeamSearchOptions build() {
      return new BeamSearchOptions(beamWidth, nBest, tokenTopK, tokenMinLogProb, blankSkipLogProb, lm, lmUnit,
          lm == null ? 0 : alpha, lm == null ? 0 : beta, oovLog10, lexicon, hotwords);
    }
  }
}
