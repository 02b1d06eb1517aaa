package dev.ctc4j.testing;

import dev.ctc4j.Ctc4j;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;

/**
 * Native memory a test class may hold: ctc4j's host blocks in use ({@link Ctc4j#hostLiveBytes()},
 * which leaves out the idle blocks the host cache keeps on purpose) and JavaCPP's pointers
 * ({@link Pointer#totalBytes()}). JavaCPP counts its pointers only while its GC deallocator runs:
 * with {@code -Dorg.bytedeco.javacpp.nopointergc=true}, as the Maven suite runs, its total stays 0.
 */
public record NativeMemory(long javacppBytes, long ctc4jHostBytes) {
  /** JavaCPP and ctc4j bookkeeping that may stay after a class: a few small pointers, no tensor. */
  public static final long TOLERANCE_BYTES = 64 << 10;

  /** Whether {@link Pointer#totalBytes()} counts anything in this JVM (see the class comment). */
  public static final boolean JAVACPP_COUNTS = !Boolean.parseBoolean(System.getProperty("org.bytedeco.javacpp.nopointergc"));

  public static NativeMemory now() {
    return new NativeMemory(Pointer.totalBytes(), Ctc4j.hostLiveBytes());
  }

  /** What grew from {@code before} to this snapshot by more than {@code tolerance} bytes, in words. */
  public Optional<String> growthSince(NativeMemory before, long tolerance) {
    long javacpp = javacppBytes - before.javacppBytes, host = ctc4jHostBytes - before.ctc4jHostBytes;
    if (javacpp <= tolerance && host <= tolerance) return Optional.empty();
    return Optional.of(String.format("%,d bytes of JavaCPP pointers and %,d bytes of ctc4j host blocks were not freed"
        + " (tolerance %,d bytes each)", javacpp, host, tolerance));
  }
}
