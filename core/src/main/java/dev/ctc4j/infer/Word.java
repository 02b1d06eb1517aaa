package dev.ctc4j.infer;

/**
 * One recognised word: its text, start and end in seconds from the start of the audio (the first
 * and last output frames of its tokens in the best alignment), and its confidence in [0, 1]: the
 * lowest, over the word's characters, of the mean posterior of that character over the frames it
 * occupies. A word with one doubtful letter therefore scores low.
 */
public record Word(String text, double start, double end, float confidence) {}
