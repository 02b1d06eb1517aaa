package dev.ctc4j.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ctc4j.features.MelConfig;
import dev.ctc4j.features.Normalization;
import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model's metadata_props: what a runtime needs besides the graph to turn audio into text (the
 * labels with the blank, the front end's settings, the frame rate), under sherpa-onnx's key names
 * where it has one (vocab_size, feature_dim, normalize_type, subsampling_factor), plus the model's
 * config.json and features.json verbatim.
 */
final class Metadata {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper SNAKE_CASE =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private Metadata() {}

  static Map<String, String> logMel(AcousticModel model, MelConfig features) {
    Map<String, String> m = common(model.config().architecture(), "log_mel", model.config().labels(), 0,
        features.sampleRate(), (long) model.inputFramesPerOutputFrame() * features.hopLength(), json(JSON, model.config()));
    m.put("subsampling_factor", Integer.toString(model.inputFramesPerOutputFrame()));
    m.put("feature_dim", Integer.toString(features.nMels()));
    m.put("normalize_type", features.normalization() == Normalization.NONE ? ""
        : features.normalization().name().toLowerCase(Locale.ROOT));
    m.put("features", json(SNAKE_CASE, features));
    return m;
  }

  static Map<String, String> waveform(Wav2Vec2Config c) {
    Map<String, String> m = common(c.architecture(), "waveform", c.labels(), c.blank(), c.sampleRate(), c.hopSamples(),
        json(JSON, c));
    m.put("subsampling_factor", Integer.toString(c.hopSamples()));
    m.put("normalize_waveform", Boolean.toString(c.normalizeWaveform()));
    return m;
  }

  private static Map<String, String> common(String architecture, String input, List<String> labels, int blank,
      int sampleRate, long samplesPerFrame, String config) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model_type", "ctc4j_ctc");
    m.put("architecture", architecture);
    m.put("input", input);
    m.put("labels", json(JSON, labels));
    m.put("blank", Integer.toString(blank));
    m.put("vocab_size", Integer.toString(labels.size()));
    m.put("sample_rate", Integer.toString(sampleRate));
    m.put("frame_seconds", Double.toString(samplesPerFrame / (double) sampleRate));
    m.put("config", config);
    return m;
  }

  private static String json(ObjectMapper mapper, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
