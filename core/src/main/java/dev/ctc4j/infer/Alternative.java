package dev.ctc4j.infer;

/**
 * One of the N best transcripts and the score the decoder ranked it by (natural log: acoustic
 * log-probability, plus alpha times the LM log-probability, beta per word and hotword bonuses).
 */
public record Alternative(String text, double score) {}
