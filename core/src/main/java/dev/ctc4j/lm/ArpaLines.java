package dev.ctc4j.lm;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Lines of an ARPA file as byte ranges of a reused buffer, without creating strings. */
final class ArpaLines {
  private final InputStream in;
  private byte[] buffer = new byte[1 << 20];
  private int limit;
  private int next;
  private boolean eof;
  private long number;
  int start;
  int end;

  ArpaLines(InputStream in) {
    this.in = in;
  }

  byte[] bytes() {
    return buffer;
  }

  long number() {
    return number;
  }

  /** Advances to the next line, its trailing '\r' and blanks trimmed; false at the end. */
  boolean advance() throws IOException {
    while (true) {
      for (int i = next; i < limit; i++) {
        if (buffer[i] == '\n') {
          setLine(next, i);
          next = i + 1;
          return true;
        }
      }
      if (eof) {
        if (next >= limit) return false;
        setLine(next, limit);
        next = limit;
        return true;
      }
      fill();
    }
  }

  private void setLine(int from, int to) {
    number++;
    while (to > from && isBlank(buffer[to - 1])) to--;
    while (from < to && isBlank(buffer[from])) from++;
    start = from;
    end = to;
  }

  private void fill() throws IOException {
    int kept = limit - next;
    if (kept == buffer.length) buffer = Arrays.copyOf(buffer, buffer.length * 2);
    System.arraycopy(buffer, next, buffer, 0, kept);
    limit = kept;
    next = 0;
    int n = in.read(buffer, limit, buffer.length - limit);
    if (n < 0) eof = true;
    else limit += n;
  }

  boolean isEmpty() {
    return start == end;
  }

  boolean equalsText(String text) {
    if (end - start != text.length()) return false;
    for (int i = 0; i < text.length(); i++) {
      if (buffer[start + i] != text.charAt(i)) return false;
    }
    return true;
  }

  String text() {
    return new String(buffer, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
  }

  static boolean isBlank(byte b) {
    return b == ' ' || b == '\t' || b == '\r';
  }
}
