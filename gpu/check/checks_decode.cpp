// Greedy and prefix beam search, device vs CPU: the same hypotheses, scores within float rounding.
// Beam search runs with a random word 3-gram LM over a random vocabulary, on emissions that spell
// words of it through noise (so the LM changes the outcome), and without an LM over 5,000 classes.
#include <cmath>
#include <memory>
#include <set>

#include "check/harness.h"
#include "ctc4j/decode.h"

namespace harness {
namespace {

constexpr int kBlank = 0, kSpace = 1;

// Labels: blank, space, a-z, apostrophe (as dev.ctc4j's English labels), or `classes` opaque tokens.
std::string packed_labels(int classes, bool english) {
  std::string packed;
  for (int c = 0; c < classes; ++c) {
    if (!english) packed += "t" + std::to_string(c);
    else if (c == kBlank) packed += "_";
    else if (c == kSpace) packed += " ";
    else if (c < 28) packed += static_cast<char>('a' + c - 2);
    else packed += "'";
    packed += '\0';
  }
  return packed;
}

std::vector<std::string> random_words(Random& rng, int count) {
  std::set<std::string> words;
  while (static_cast<int>(words.size()) < count) {
    std::string w;
    for (int64_t i = rng.integer(1, 6); i > 0; --i) w += static_cast<char>('a' + rng.integer(0, 25));
    words.insert(w);
  }
  return {words.begin(), words.end()};
}

// A random backoff 3-gram LM: <s>, </s>, <unk> and `words`; random 2- and 3-grams.
class RandomLm {
 public:
  RandomLm(Random& rng, const std::vector<std::string>& words) {
    std::vector<std::string> vocab = {"<s>", "</s>", "<unk>"};
    vocab.insert(vocab.end(), words.begin(), words.end());
    std::string packed;
    for (const std::string& w : vocab) packed += w + '\0';
    const int v = static_cast<int>(vocab.size());
    std::vector<int32_t> ids[3];
    std::vector<float> probs[3], backoffs[3];
    for (int i = 0; i < v; ++i) add(ids[0], probs[0], backoffs[0], {i}, rng);
    for (int k = 2; k <= 3; ++k) {
      std::set<std::vector<int32_t>> seen;
      while (static_cast<int>(seen.size()) < 4 * v) {
        std::vector<int32_t> row;
        for (int i = 0; i < k; ++i) row.push_back(static_cast<int32_t>(rng.integer(i == 0 ? 0 : 1, v - 1)));
        if (seen.insert(row).second) add(ids[k - 1], probs[k - 1], backoffs[k - 1], row, rng);
      }
    }
    const int64_t counts[3] = {v, static_cast<int64_t>(probs[1].size()), static_cast<int64_t>(probs[2].size())};
    const int32_t* id_rows[3] = {ids[0].data(), ids[1].data(), ids[2].data()};
    const float* prob_rows[3] = {probs[0].data(), probs[1].data(), probs[2].data()};
    const float* backoff_rows[3] = {backoffs[0].data(), backoffs[1].data(), backoffs[2].data()};
    CTC4J_CHECK(ctc4j_lm_create(3, counts, packed.data(), v, id_rows, prob_rows, backoff_rows, &lm_));
  }
  ~RandomLm() { ctc4j_lm_destroy(lm_); }
  const ctc4j_lm* get() const { return lm_; }

 private:
  static void add(std::vector<int32_t>& ids, std::vector<float>& probs, std::vector<float>& backoffs,
                  const std::vector<int32_t>& row, Random& rng) {
    ids.insert(ids.end(), row.begin(), row.end());
    probs.push_back(rng.uniform(-4.0f, -0.3f));
    backoffs.push_back(rng.uniform(-1.0f, 0.0f));
  }
  ctc4j_lm* lm_ = nullptr;
};

// Log-probabilities [batch, frames, classes] that spell `words` (or random tokens) through noise;
// utterance lengths uneven, one of them empty when there are several.
struct Emissions {
  int batch, classes;
  int64_t frames;
  std::vector<float> values;
  std::vector<int64_t> lengths;
};

Emissions spelled(Random& rng, int batch, int64_t frames, int classes, const std::vector<std::string>& words) {
  Emissions e{batch, classes, frames, rng.normals(static_cast<size_t>(batch) * frames * classes), {}};
  for (int b = 0; b < batch; ++b) {
    e.lengths.push_back(b == 0 ? frames : (b == 1 && batch > 2) ? 0 : rng.integer(1, frames));
    std::vector<int32_t> tokens;  // the intended path: tokens with blanks between
    while (static_cast<int64_t>(tokens.size()) < e.lengths[b]) {
      if (words.empty()) {
        tokens.push_back(static_cast<int32_t>(rng.integer(1, classes - 1)));
      } else {
        for (char ch : words[rng.integer(0, words.size() - 1)]) tokens.push_back(2 + (ch - 'a'));
        tokens.push_back(kSpace);
      }
      tokens.push_back(kBlank);
    }
    for (int64_t t = 0; t < e.lengths[b]; ++t) e.values[(b * frames + t) * classes + tokens[t]] += 4.0f;
  }
  log_softmax_rows(e.values, classes);
  return e;
}

struct Hypotheses {
  std::vector<int32_t> count, lengths, tokens, starts, ends;
  std::vector<float> scores, confidence;
  Hypotheses(int batch, int n_best, int64_t frames)
      : count(batch), lengths(static_cast<size_t>(batch) * n_best), tokens(lengths.size() * frames),
        starts(tokens.size()), ends(tokens.size()), scores(lengths.size() * 3), confidence(tokens.size()) {}
};

// Compares what the two devices found; the token arrays are compared up to each hypothesis' length.
void compare_hypotheses(Result& r, const Hypotheses& dev, const Hypotheses& cpu, int n_best, int64_t frames) {
  r.add("hypothesis counts", compare_exact(dev.count, cpu.count));
  r.add("hypothesis lengths", compare_exact(dev.lengths, cpu.lengths));
  auto prefix = [&](const std::vector<int32_t>& x, const std::vector<int32_t>& lengths) {
    std::vector<int32_t> out;
    for (size_t slot = 0; slot < lengths.size(); ++slot) {
      out.insert(out.end(), x.begin() + slot * frames, x.begin() + slot * frames + std::max(0, lengths[slot]));
    }
    return out;
  };
  if (dev.lengths != cpu.lengths) return;
  r.add("tokens", compare_exact(prefix(dev.tokens, dev.lengths), prefix(cpu.tokens, cpu.lengths)));
  r.add("token starts", compare_exact(prefix(dev.starts, dev.lengths), prefix(cpu.starts, cpu.lengths)));
  r.add("token ends", compare_exact(prefix(dev.ends, dev.lengths), prefix(cpu.ends, cpu.lengths)));
  std::vector<float> dev_scores, cpu_scores;
  for (size_t b = 0; b < dev.count.size(); ++b) {
    for (int k = 0; k < std::min(dev.count[b], n_best) * 3; ++k) {
      dev_scores.push_back(dev.scores[b * n_best * 3 + k]);
      cpu_scores.push_back(cpu.scores[b * n_best * 3 + k]);
    }
  }
  r.add("scores", compare(dev_scores, cpu_scores, 1e-2, 1e-4));
}

// The C API's descriptions of emissions on a device and of h's arrays.
ctc4j_decode_emissions emissions_of(const Emissions& e, const float* values) {
  ctc4j_decode_emissions d = ctc4j_decode_default_emissions();
  d.data = values, d.lengths = e.lengths.data(), d.batch = e.batch, d.max_frames = e.frames, d.classes = e.classes;
  return d;
}

ctc4j_decode_hypotheses arrays_of(Hypotheses& h, int n_best) {
  ctc4j_decode_hypotheses d = ctc4j_decode_default_hypotheses();
  d.n_best = n_best, d.count = h.count.data(), d.scores = h.scores.data(), d.lengths = h.lengths.data();
  d.tokens = h.tokens.data(), d.starts = h.starts.data(), d.ends = h.ends.data(), d.confidence = h.confidence.data();
  return d;
}

Hypotheses run_greedy(const Emissions& e, int device, double* ms) {
  Buffer<float> values(device, e.values);
  Hypotheses h(e.batch, 1, e.frames);
  const ctc4j_decode_emissions in = emissions_of(e, values.get());
  const ctc4j_decode_hypotheses out = arrays_of(h, 1);
  *ms = time_ms([&] { CTC4J_CHECK(ctc4j_decode_greedy(device, &in, kBlank, &out)); });
  return h;
}

Result check_greedy(const Context& c, Random& rng, int batch, int64_t frames, int classes) {
  const Emissions e = spelled(rng, batch, frames, classes, {});
  Result r;
  r.tolerance = "tokens and frames exact; scores abs 1e-2 + rel 1e-4";
  const Hypotheses cpu = run_greedy(e, CTC4J_CPU, &r.cpu_ms), dev = run_greedy(e, c.device, &r.device_ms);
  compare_hypotheses(r, dev, cpu, 1, frames);
  return r;
}

struct BeamCase {
  int batch;
  int64_t frames;
  int classes, beam, top_k, n_best;
  bool lm;
};

using Decoder = std::unique_ptr<ctc4j_beam_decoder, int (*)(ctc4j_beam_decoder*)>;

// English labels with a word separator, or `classes` opaque tokens without; lm may be null.
Decoder make_decoder(int classes, bool english, const ctc4j_lm* lm) {
  const std::string labels = packed_labels(classes, english);
  ctc4j_beam_decoder* decoder = nullptr;
  ctc4j_beam_decoder_config config = ctc4j_beam_decoder_default_config();
  config.labels = labels.data(), config.classes = classes, config.blank = kBlank, config.space = english ? kSpace : -1;
  config.lm = lm, config.lm_unit = CTC4J_LM_WORD, config.alpha = 0.5f, config.beta = 1.0f, config.oov_log10 = -10.0f;
  CTC4J_CHECK(ctc4j_beam_decoder_create(&config, &decoder));
  return Decoder(decoder, ctc4j_beam_decoder_destroy);
}

// Beam search over `e` on `device` (no pruning beyond beam and top_k).
Hypotheses run_beam(const ctc4j_beam_decoder* decoder, int device, const Emissions& e, int beam, int top_k, int n_best,
                    double* ms) {
  Buffer<float> values(device, e.values);
  Hypotheses h(e.batch, n_best, e.frames);
  const ctc4j_decode_emissions in = emissions_of(e, values.get());
  const ctc4j_decode_hypotheses out = arrays_of(h, n_best);
  ctc4j_decode_beam_options options = ctc4j_decode_default_beam_options();
  options.beam = beam, options.top_k = top_k, options.token_min_log_prob = -INFINITY;
  options.blank_skip_log_prob = INFINITY;
  *ms = time_ms([&] { CTC4J_CHECK(ctc4j_decode_beam(decoder, device, &in, &options, &out)); });
  return h;
}

Result check_beam(const BeamCase& k, const Context& c, Random& rng) {
  const bool english = k.classes == 29;
  const std::vector<std::string> words = english ? random_words(rng, 400) : std::vector<std::string>{};
  std::unique_ptr<RandomLm> lm = k.lm ? std::make_unique<RandomLm>(rng, words) : nullptr;
  const Decoder decoder = make_decoder(k.classes, english, lm ? lm->get() : nullptr);
  const Emissions e = spelled(rng, k.batch, k.frames, k.classes, words);
  Result r;
  r.tolerance = "hypotheses and token frames exact; scores abs 1e-2 + rel 1e-4";
  // The device first: it uploads the LM and trie once.
  const Hypotheses dev = run_beam(decoder.get(), c.device, e, k.beam, k.top_k, k.n_best, &r.device_ms);
  const Hypotheses cpu = run_beam(decoder.get(), CTC4J_CPU, e, k.beam, k.top_k, k.n_best, &r.cpu_ms);
  compare_hypotheses(r, dev, cpu, k.n_best, k.frames);
  return r;
}

// Bad emissions are refused on every device with the CPU's message (utterance, frame, class).
Result check_rejects_nan(const Context& c, Random& rng, bool beam) {
  Emissions e = spelled(rng, 3, 20, 29, {});
  e.lengths = {20, 20, 20};
  e.values[(1 * 20 + 3) * 29 + 2] = NAN;  // utterance 1, frame 3, class 2
  Result r;
  r.tolerance = "status INVALID_ARGUMENT naming utterance 1, frame 3, class 2";
  try {
    double ms;
    if (beam) run_beam(make_decoder(29, true, nullptr).get(), c.device, e, 8, 0, 1, &ms);
    else run_greedy(e, c.device, &ms);
    r.require(false, "a NaN emission was accepted");
  } catch (const ApiError& err) {
    const std::string m = err.what();
    r.detail = m;
    r.require(err.status == CTC4J_INVALID_ARGUMENT && m.find("utterance 1, frame 3, class 2") != std::string::npos,
              "wrong error");
  }
  return r;
}

}  // namespace

void add_decode_checks(std::vector<Check>& out) {
  out.push_back({"greedy.small", false, [](const Context& c, Random& rng) { return check_greedy(c, rng, 5, 60, 12); }});
  out.push_back({"greedy.B128x1000x5000", true, [](const Context& c, Random& rng) {
                   return check_greedy(c, rng, c.shrink(128, 8), c.shrink(1000, 200), c.shrink(5000, 500));
                 }});
  out.push_back({"greedy.rejects_nan", false, [](const Context& c, Random& rng) { return check_rejects_nan(c, rng, false); }});
  out.push_back({"beam.rejects_nan", false, [](const Context& c, Random& rng) { return check_rejects_nan(c, rng, true); }});
  auto add = [&](const std::string& name, bool large, auto make_case) {
    out.push_back({name, large, [make_case](const Context& c, Random& rng) { return check_beam(make_case(c), c, rng); }});
  };
  add("beam.small.lm", false, [](const Context&) { return BeamCase{4, 60, 29, 8, 0, 3, true}; });
  add("beam.small.top_k", false, [](const Context&) { return BeamCase{4, 60, 29, 8, 5, 1, false}; });
  add("beam.B32x500.lm.beam32", true, [](const Context& c) {
    return BeamCase{c.shrink(32, 4), c.shrink(500, 100), 29, 32, 0, 1, true};
  });
  add("beam.B128x1000.lm.beam64", true, [](const Context& c) {
    return BeamCase{c.shrink(128, 4), c.shrink(1000, 100), 29, 64, 0, 1, true};
  });
  add("beam.C5000.beam16", true, [](const Context& c) {
    return BeamCase{c.shrink(8, 2), c.shrink(200, 50), c.shrink(5000, 300), 16, 0, 1, false};
  });
}

}  // namespace harness
