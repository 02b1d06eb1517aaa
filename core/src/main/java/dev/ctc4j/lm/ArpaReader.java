package dev.ctc4j.lm;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Parses an ARPA file (plain or gzip) of any order into native row buffers: the vocabulary (the
 * unigrams, in file order), and per order the word ids, log10 probabilities and backoffs. Strict:
 * counts must match the header, every section must be present, every field numeric, and every
 * word of a higher-order n-gram a unigram; the first problem throws {@link ArpaFormatException}.
 */
final class ArpaReader implements AutoCloseable {
  final String source;
  final Vocabulary vocabulary = new Vocabulary();
  final List<Long> counts = new ArrayList<>();
  final List<IntPointer> ids = new ArrayList<>();
  final List<FloatPointer> probs = new ArrayList<>();
  final List<FloatPointer> backoffs = new ArrayList<>();
  /** Rows a section's buffers start with; they double up to the header's count as rows arrive. */
  private static final int INITIAL_ROWS = 1 << 16;
  private ArpaLines lines;
  private int fieldStart;

  private ArpaReader(String source) {
    this.source = source;
  }

  static ArpaReader read(Path path) throws IOException {
    ArpaReader r = new ArpaReader(path.toString());
    try (InputStream in = open(path)) {
      r.lines = new ArpaLines(in);
      r.parse();
      return r;
    } catch (ZipException | EOFException corrupt) { // only a gzip stream's data raises these
      r.close();
      throw r.error("not a valid gzip stream: " + corrupt.getMessage());
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
  }

  int order() {
    return counts.size();
  }

  private static InputStream open(Path path) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    in.mark(2);
    boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
    in.reset();
    return gzip ? new GZIPInputStream(in, 1 << 16) : in;
  }

  private void parse() throws IOException {
    while (true) {
      if (!lines.advance()) throw error("no \\data\\ section");
      if (lines.equalsText("\\data\\")) break;
    }
    readHeader();
    for (int k = 1; k <= order(); k++) {
      skipEmptyLines("the \\" + k + "-grams: section");
      if (!lines.equalsText("\\" + k + "-grams:")) throw error("expected \\" + k + "-grams:, found '" + lines.text() + "'");
      readSection(k);
    }
    skipEmptyLines("\\end\\");
    if (!lines.equalsText("\\end\\")) throw error("expected \\end\\, found '" + lines.text() + "'");
  }

  private void readHeader() throws IOException {
    while (lines.advance() && !lines.isEmpty()) {
      String line = lines.text();
      int eq = line.indexOf('=');
      if (!line.startsWith("ngram ") || eq < 0) throw error("expected 'ngram N=count', found '" + line + "'");
      try {
        int k = Integer.parseInt(line.substring(6, eq).trim());
        long count = Long.parseLong(line.substring(eq + 1).trim());
        if (k != order() + 1) throw error("n-gram orders must be listed 1, 2, ...; found order " + k);
        if (count < 0 || count > Integer.MAX_VALUE / (k + 1)) throw error("bad " + k + "-gram count " + count);
        if (k == 1 && count == 0) throw error("no unigrams");
        counts.add(count);
      } catch (NumberFormatException e) {
        throw error("non-numeric order or count in '" + line + "'");
      }
    }
    if (counts.isEmpty()) throw error("the \\data\\ section lists no n-gram counts");
  }

  private void skipEmptyLines(String expected) throws IOException {
    do {
      if (!lines.advance()) throw error("file ends before " + expected);
    } while (lines.isEmpty());
  }

  // The rows go to native buffers that grow as rows arrive, not sized from the header's count up
  // front: a corrupt count in a tiny file must not allocate gigabytes.
  private void readSection(int k) throws IOException {
    int count = Math.toIntExact(counts.get(k - 1));
    int capacity = Math.max(1, Math.min(count, INITIAL_ROWS));
    ids.add(new IntPointer((long) capacity * k));
    probs.add(new FloatPointer(capacity));
    backoffs.add(new FloatPointer(capacity));
    IntBuffer idBuffer = ids.get(k - 1).asBuffer();
    FloatBuffer probBuffer = probs.get(k - 1).asBuffer();
    FloatBuffer backoffBuffer = backoffs.get(k - 1).asBuffer();
    int row = 0;
    while (lines.advance() && !lines.isEmpty()) {
      if (row == count) throw error("more " + k + "-grams than the header's count " + count);
      if (row == capacity) {
        capacity = (int) Math.min(count, 2L * capacity);
        grow(k, capacity);
        idBuffer = ids.get(k - 1).asBuffer();
        probBuffer = probs.get(k - 1).asBuffer();
        backoffBuffer = backoffs.get(k - 1).asBuffer();
      }
      readRow(k, row++, idBuffer, probBuffer, backoffBuffer);
    }
    if (row != count) throw error("the header promises " + count + " " + k + "-grams, the section has " + row);
  }

  private void grow(int k, int rows) {
    ids.set(k - 1, moveInto(ids.get(k - 1), new IntPointer((long) rows * k)));
    probs.set(k - 1, moveInto(probs.get(k - 1), new FloatPointer(rows)));
    backoffs.set(k - 1, moveInto(backoffs.get(k - 1), new FloatPointer(rows)));
  }

  private static <P extends Pointer> P moveInto(P from, P to) {
    Pointer.memcpy(to, from, from.capacity() * from.sizeof());
    from.close();
    return to;
  }

  // One "prob w1 .. wk [backoff]" line (a method of its own so that the JIT compiles it early).
  private void readRow(int k, int row, IntBuffer ids, FloatBuffer probs, FloatBuffer backoffs) {
    byte[] b = lines.bytes();
    int end = lines.end;
    int at = nextField(b, lines.start, end, k);
    probs.put(row, parseFloat(b, fieldStart, at));
    for (int i = 0; i < k; i++) {
      at = nextField(b, at, end, k);
      int id = vocabulary.find(b, fieldStart, at);
      if (k == 1) {
        if (id >= 0) throw error("duplicate unigram '" + new String(b, fieldStart, at - fieldStart) + "'");
        id = vocabulary.add(b, fieldStart, at);
      } else if (id < 0) {
        throw error("word '" + new String(b, fieldStart, at - fieldStart) + "' is not a unigram");
      }
      ids.put(row * k + i, id);
    }
    float backoff = 0f;
    if (at < end) {
      at = nextField(b, at, end, k);
      backoff = parseFloat(b, fieldStart, at);
    }
    if (at < end) throw error("too many fields for a " + k + "-gram");
    backoffs.put(row, backoff);
  }

  // Finds the next whitespace-separated field after `at`: it starts at fieldStart; returns its end.
  private int nextField(byte[] b, int at, int end, int k) {
    while (at < end && ArpaLines.isBlank(b[at])) at++;
    if (at == end) throw error("too few fields for a " + k + "-gram");
    fieldStart = at;
    while (at < end && !ArpaLines.isBlank(b[at])) at++;
    return at;
  }

  // Plain decimals (-1.2345) parsed directly; anything else through Float.parseFloat.
  private float parseFloat(byte[] b, int from, int to) {
    int i = from;
    boolean negative = i < to && b[i] == '-';
    if (negative) i++;
    long mantissa = 0;
    int scale = 0, digits = 0;
    boolean dot = false;
    for (; i < to; i++) {
      byte c = b[i];
      if (c >= '0' && c <= '9' && digits < 17) {
        mantissa = mantissa * 10 + (c - '0');
        digits++;
        if (dot) scale++;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        return parseSlow(b, from, to);
      }
    }
    if (digits == 0) return parseSlow(b, from, to);
    double v = mantissa / POWERS_OF_TEN[scale];
    return (float) (negative ? -v : v);
  }

  private float parseSlow(byte[] b, int from, int to) {
    String text = new String(b, from, to - from, java.nio.charset.StandardCharsets.US_ASCII);
    try {
      float v = Float.parseFloat(text);
      if (Float.isNaN(v)) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw error("'" + text + "' is not a number");
    }
  }

  private static final double[] POWERS_OF_TEN = new double[18];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
  }

  private ArpaFormatException error(String problem) {
    return new ArpaFormatException(source, lines == null ? 0 : lines.number(), problem);
  }

  @Override
  public void close() {
    for (List<? extends Pointer> list : List.of(ids, probs, backoffs)) {
      list.forEach(Pointer::close);
      list.clear();
    }
  }
}
