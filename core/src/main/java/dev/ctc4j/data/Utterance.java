package dev.ctc4j.data;

import java.nio.file.Path;

/** One manifest entry: an audio file (absolute path), its normalised transcript, its duration in seconds. */
public record Utterance(Path audio, String text, double duration) {}
