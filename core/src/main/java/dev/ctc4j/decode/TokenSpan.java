package dev.ctc4j.decode;

/**
 * One token of a decoded hypothesis or a forced alignment: its class and text, the frames it
 * occupies, {@code [startFrame, endFrame)} (end exclusive, as every span in ctc4j), the same in
 * seconds, and its confidence: the mean posterior of the token over those frames (NaN for a forced
 * alignment, which has no posterior of its own).
 */
public record TokenSpan(int token, String text, int startFrame, int endFrame, double startSeconds, double endSeconds,
    float confidence) {}
