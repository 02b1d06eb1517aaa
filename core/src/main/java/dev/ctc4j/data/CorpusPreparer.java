package dev.ctc4j.data;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns corpora in their standard layouts into manifests: transcripts normalised by
 * {@link TextNormalizer}, durations measured by decoding each file (so unreadable files are found
 * here, reported and left out, not mid-training).
 */
public final class CorpusPreparer {
  private static final Pattern AN4_LINE = Pattern.compile("^(?:<s>)?\\s*(.*?)\\s*(?:</s>)?\\s*\\(([^()\\s]+)\\)\\s*$");
  private static final List<String> AUDIO_EXTENSIONS = List.of(".flac", ".wav", ".sph", ".mp3", ".ogg", ".opus");

  private final Consumer<String> log;
  private int skipped;

  /** {@code log} receives one line per skipped file. */
  public CorpusPreparer(Consumer<String> log) {
    this.log = log;
  }

  /** Files left out so far because they could not be decoded or had no usable transcript. */
  public int skipped() {
    return skipped;
  }

  /**
   * AN4 (CMU): {@code etc/an4_train.transcription} and {@code etc/an4_test.transcription} lines
   * "TEXT (id)", audio {@code id.sph|flac|wav} anywhere below {@code root}. Writes train.jsonl and
   * test.jsonl; returns the utterances per split.
   */
  public Map<String, List<Utterance>> prepareAn4(Path root, Path outDir) throws IOException {
    Map<String, Path> audio = indexAudio(root);
    Map<String, List<Utterance>> splits = new LinkedHashMap<>();
    for (String split : List.of("train", "test")) {
      Path transcription = root.resolve("etc/an4_" + split + ".transcription");
      if (!Files.exists(transcription)) throw new InvalidInputException("not an AN4 directory: " + transcription + " is missing");
      List<Utterance> utterances = new ArrayList<>();
      for (String line : Files.readAllLines(transcription)) {
        Matcher m = AN4_LINE.matcher(line.trim());
        if (line.isBlank()) continue;
        if (!m.matches()) {
          skip(transcription + ": unreadable line '" + line + "'");
          continue;
        }
        add(utterances, audio.get(m.group(2)), m.group(1), m.group(2));
      }
      Manifest.write(outDir.resolve(split + ".jsonl"), utterances);
      splits.put(split, utterances);
    }
    return splits;
  }

  /** LibriSpeech: every {@code *.trans.txt} below {@code root} ("ID TEXT" lines, audio ID.flac beside it). */
  public List<Utterance> prepareLibriSpeech(Path root, Path manifest) throws IOException {
    List<Utterance> utterances = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path trans : files.filter(p -> p.toString().endsWith(".trans.txt")).sorted().toList()) {
        for (String line : Files.readAllLines(trans)) {
          if (line.isBlank()) continue;
          String[] parts = line.trim().split("\\s+", 2);
          Path flac = trans.resolveSibling(parts[0] + ".flac");
          add(utterances, Files.exists(flac) ? flac : null, parts.length > 1 ? parts[1] : "", parts[0]);
        }
      }
    }
    if (utterances.isEmpty() && skipped == 0) throw new InvalidInputException("no *.trans.txt below " + root);
    Manifest.write(manifest, utterances);
    return utterances;
  }

  /**
   * A CSV or TSV table with a header naming the columns {@code audio} and {@code text} (and
   * optionally {@code duration}); audio paths are relative to the table. No quoting: the separator
   * must not occur inside fields.
   */
  public List<Utterance> prepareTable(Path table, Path manifest) throws IOException {
    List<String> lines = Manifest.readLines(table);
    if (lines.isEmpty()) throw new InvalidInputException(table + " is empty");
    String separator = table.toString().endsWith(".tsv") ? "\t" : ",";
    List<String> header = List.of(lines.get(0).trim().toLowerCase(java.util.Locale.ROOT).split(separator));
    int audioCol = header.indexOf("audio"), textCol = header.indexOf("text");
    if (audioCol < 0 || textCol < 0) throw new InvalidInputException(table + ": header needs 'audio' and 'text' columns, got " + header);
    List<Utterance> utterances = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      String[] f = lines.get(i).split(separator, -1);
      if (f.length != header.size()) {
        skip(table + ":" + (i + 1) + ": " + f.length + " fields, expected " + header.size());
        continue;
      }
      Path audio = resolveAudio(table, f[audioCol].trim());
      add(utterances, audio != null && Files.exists(audio) ? audio : null, f[textCol], f[audioCol]);
    }
    Manifest.write(manifest, utterances);
    return utterances;
  }

  /** The audio path of a table row, relative to the table; null when the text is no path (e.g. holds a NUL). */
  private static Path resolveAudio(Path table, String relative) {
    try {
      return table.toAbsolutePath().resolveSibling(relative);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  private void add(List<Utterance> out, Path audio, String rawText, String id) {
    if (audio == null) {
      skip(id + ": audio file not found");
      return;
    }
    String text = TextNormalizer.normalize(rawText);
    if (text.isEmpty()) {
      skip(id + ": empty transcript");
      return;
    }
    try {
      out.add(new Utterance(audio.toAbsolutePath(), text, decodedSeconds(audio)));
    } catch (InvalidInputException e) {
      skip(id + ": " + e.getMessage());
    }
  }

  private void skip(String why) {
    skipped++;
    log.accept("skipped " + why);
  }

  /** Exact duration: the number of 16 kHz samples the decoder produces. */
  static double decodedSeconds(Path audio) {
    long samples = 0;
    float[] buf = new float[1 << 15];
    try (AudioReader reader = AudioReader.open(audio)) {
      for (int n; (n = reader.read(buf)) >= 0; ) samples += n;
    }
    return samples / (double) Audio.SAMPLE_RATE;
  }

  /** File name without extension → path, for the audio extensions FFmpeg reads. */
  private static Map<String, Path> indexAudio(Path root) throws IOException {
    Map<String, Path> index = new HashMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile).forEach(p -> {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot > 0 && AUDIO_EXTENSIONS.contains(name.substring(dot).toLowerCase(java.util.Locale.ROOT))) {
          index.putIfAbsent(name.substring(0, dot), p);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return index;
  }
}
