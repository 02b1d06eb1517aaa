package dev.ctc4j.infer;

/**
 * Counters of a {@link Transcriber}'s dynamic batching: forward requests served (an utterance, a
 * chunk of long audio, or a streaming window), batched forward passes run, and the largest batch.
 */
public record BatchStats(long requests, long batches, int largestBatch) {}
