package dev.ctc4j.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.infer.Alternative;
import dev.ctc4j.infer.StreamingResult;
import dev.ctc4j.infer.Transcript;
import dev.ctc4j.infer.Word;
import java.util.List;

/** The JSON the service answers with; words carry start/end seconds, as {@code ctc4j transcribe --json}. */
final class TranscriptJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private TranscriptJson() {}

  /** {@code {"text", "words", "audio_seconds", "alternatives"?}} for a finished transcription. */
  static ObjectNode of(Transcript t) {
    ObjectNode node = JSON.objectNode().put("text", t.text());
    addWords(node, t.words());
    node.put("audio_seconds", t.audioSeconds());
    if (t.alternatives().size() > 1) {
      var alternatives = node.putArray("alternatives");
      for (Alternative a : t.alternatives()) alternatives.addObject().put("text", a.text()).put("score", a.score());
    }
    return node;
  }

  /** {@code {"type": "partial"|"final", "segment", "start", "end", "text", "words"}} for a streaming result. */
  static ObjectNode of(StreamingResult r) {
    ObjectNode node = JSON.objectNode().put("type", r.isFinal() ? "final" : "partial")
        .put("segment", r.segment()).put("start", r.start()).put("end", r.end()).put("text", r.text());
    addWords(node, r.words());
    return node;
  }

  static ObjectNode error(String message) {
    return JSON.objectNode().put("error", message);
  }

  private static void addWords(ObjectNode node, List<Word> words) {
    var array = node.putArray("words");
    for (Word w : words) {
      array.addObject().put("word", w.text()).put("start", w.start()).put("end", w.end()).put("confidence", w.confidence());
    }
  }
}
