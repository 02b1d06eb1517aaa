package dev.ctc4j.spark;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioException;
import dev.ctc4j.audio.AudioException.Problem;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A row's audio as 16 kHz mono samples: the encoded bytes of a binary column (what
 * {@code spark.read.format("binaryFile")} gives, from any file system Spark reads), or a local
 * path or {@code file:} URI in a string column (a path every executor can read). Bad audio is an
 * {@link InvalidInputException} naming the row's file.
 */
final class AudioInput {
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");

  private AudioInput() {}

  /** @param name the row's file, for messages */
  static float[] decode(Object value, String name) {
    if (value == null) throw new InvalidInputException(name + ": no audio (null)");
    if (value instanceof byte[] bytes) {
      if (bytes.length == 0) throw new AudioException(Problem.EMPTY, name, "0 bytes");
      return Audio.read(bytes, name);
    }
    return Audio.read(localFile((String) value));
  }

  /** A plain path, or a file: URI as Hadoop writes them (unescaped: "file:/a b.flac"). */
  static Path localFile(String location) {
    try {
      if (!SCHEME.matcher(location).matches()) return Path.of(location);
      if (!location.startsWith("file:")) {
        throw new InvalidInputException(location + ": only local paths can be read from a path column;"
            + " read other file systems with spark.read.format(\"binaryFile\") and transcribe its content column");
      }
      return Path.of(new org.apache.hadoop.fs.Path(location).toUri().getPath());
    } catch (IllegalArgumentException e) { // InvalidPathException, or a URI Hadoop cannot parse
      throw new InvalidInputException(location + ": not a usable path: " + e.getMessage());
    }
  }
}
