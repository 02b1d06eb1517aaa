package dev.ctc4j.infer;

import java.util.List;

/**
 * A result of a live stream: the text of the current segment so far (partial) or its final text,
 * its words (times in seconds from the start of the stream), the segment's index (0, 1, ... as
 * endpoints split the stream), and the span of stream time the segment covers so far.
 */
public record StreamingResult(String text, List<Word> words, boolean isFinal, int segment, double start, double end) {
  public StreamingResult {
    words = List.copyOf(words);
  }
}
