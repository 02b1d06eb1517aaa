package dev.ctc4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Manifests in JSON lines: {@code {"audio": path relative to the manifest, "text": transcript,
 * "duration": seconds}} per line, as DESIGN.md fixes.
 */
public final class Manifest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Manifest() {}

  public static List<Utterance> read(Path manifest) throws IOException {
    Path dir = manifest.toAbsolutePath().getParent();
    List<Utterance> out = new ArrayList<>();
    List<String> lines = readLines(manifest);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) continue;
      out.add(parse(line, dir, manifest + ":" + (i + 1)));
    }
    return out;
  }

  private static Utterance parse(String line, Path dir, String where) {
    try {
      JsonNode node = JSON.readTree(line);
      JsonNode audio = node.get("audio"), text = node.get("text"), duration = node.get("duration");
      if (audio == null || !audio.isTextual() || text == null || !text.isTextual() || duration == null
          || !duration.isNumber() || !(duration.asDouble() >= 0)) {
        throw new InvalidInputException(where + ": needs \"audio\" (string), \"text\" (string), \"duration\" (seconds >= 0)");
      }
      return new Utterance(dir.resolve(audio.asText()).normalize(), text.asText(), duration.asDouble());
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(where + ": not JSON: " + e.getOriginalMessage(), e);
    } catch (InvalidPathException e) {
      throw new InvalidInputException(where + ": \"audio\" is not a usable path: " + e.getMessage());
    }
  }

  /** The lines of a UTF-8 text file from outside; a typed error when its bytes are not UTF-8. */
  static List<String> readLines(Path file) throws IOException {
    try {
      return Files.readAllLines(file);
    } catch (MalformedInputException | UnmappableCharacterException e) {
      throw new InvalidInputException(file + " is not UTF-8 text: " + e.getMessage());
    }
  }

  /** Writes atomically (temporary file, then rename), with audio paths relative to the manifest. */
  public static void write(Path manifest, List<Utterance> utterances) throws IOException {
    Path dir = manifest.toAbsolutePath().getParent();
    AtomicFiles.write(manifest, out -> {
      BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      for (Utterance u : utterances) {
        ObjectNode node = JSON.createObjectNode();
        node.put("audio", dir.relativize(u.audio().toAbsolutePath()).toString());
        node.put("text", u.text());
        node.put("duration", Math.round(u.duration() * 1000) / 1000.0);
        writer.write(JSON.writeValueAsString(node));
        writer.newLine();
      }
      writer.flush();
    });
  }
}
