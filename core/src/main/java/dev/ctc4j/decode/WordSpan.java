package dev.ctc4j.decode;

/**
 * One word (the tokens between word separators): frames {@code [startFrame, endFrame)} from its
 * first token's start to its last token's end (end exclusive), the same in seconds, and its
 * confidence: the lowest confidence of its tokens.
 */
public record WordSpan(String word, int startFrame, int endFrame, double startSeconds, double endSeconds,
    float confidence) {}
