package dev.ctc4j.decode;

/**
 * One token of a hypothesis: its class, text, the first and last frame it occupies in the best
 * alignment (inclusive), the same in seconds (end = the end of the last frame), and its
 * confidence: the mean posterior of the token over those frames.
 */
public record TokenSpan(int token, String text, int startFrame, int endFrame, double startSeconds, double endSeconds,
    float confidence) {}
