package dev.ctc4j.hub;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line download progress bar (file, bytes, percent, rate), redrawn in place at most ten
 * times a second; {@link #NONE} draws nothing, for output that goes to a log.
 *
 * <p>A bar is not thread-safe: one download reports to it at a time (the HTTP client's thread
 * that delivers the body, one chunk after another). {@link #NONE} keeps no state and is shared.
 */
public final class DownloadProgress {
  /** Draws nothing. */
  public static final DownloadProgress NONE = new DownloadProgress(null);
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private String name;
  private long total, first, done, startNanos, drawnNanos;
  private int drawnLength;

  private DownloadProgress(PrintStream out) {
    this.out = out;
  }

  /** A bar drawn on {@code out} (carriage returns: meant for a terminal). */
  public static DownloadProgress bar(PrintStream out) {
    return new DownloadProgress(out);
  }

  /**
   * Whether stderr is a terminal. Java can only ask that of stdin and stdout together
   * ({@link System#console()}), which misjudges {@code 2>log}; Linux says it through /proc.
   */
  public static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (Exception e) {
      return System.console() != null;
    }
  }

  /** A download of {@code name} starts (or resumes) at {@code done} of {@code total} bytes (-1: unknown). */
  void start(String name, long done, long total) {
    if (out == null) return; // NONE is shared, so it keeps no state
    this.name = name;
    this.total = total;
    this.first = this.done = done;
    this.startNanos = System.nanoTime();
    drawnNanos = 0;
    drawnLength = 0;
  }

  void advance(long done) {
    if (out == null) return;
    this.done = done;
    long now = System.nanoTime();
    if (now - drawnNanos >= REDRAW_NANOS) {
      drawnNanos = now;
      draw(now);
    }
  }

  /** Ends the line (the download completed or failed), so that what follows starts on its own. */
  void finish() {
    if (out == null || name == null) return;
    draw(System.nanoTime());
    out.println();
    name = null;
  }

  private void draw(long now) {
    double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
    String line = String.format(Locale.ROOT, "%s  %s%s  %s/s", name, humanSize(done),
        total > 0 ? String.format(Locale.ROOT, " / %s  %3d%%", humanSize(total), 100 * done / total) : "",
        humanSize((long) ((done - first) / seconds)));
    out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
    out.flush();
    drawnLength = line.length();
  }

  /** 1536 → "1.5 KiB" (also the sizes {@code models list} prints). */
  public static String humanSize(long bytes) {
    if (bytes < 1024) return bytes + " B";
    String units = "KMGTPE";
    int unit = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format(Locale.ROOT, "%.1f %siB", bytes / Math.pow(1024, unit), units.charAt(unit - 1));
  }
}
