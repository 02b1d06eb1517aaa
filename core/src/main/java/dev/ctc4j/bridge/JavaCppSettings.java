package dev.ctc4j.bridge;

import org.bytedeco.javacpp.Pointer;

/**
 * JavaCPP settings ctc4j applies before JavaCPP first loads. With {@code maxPhysicalBytes} above 0
 * (its default: twice the heap), JavaCPP reads {@code /proc/self/statm} on every native allocation
 * it tracks, to call the garbage collector when the process grows; ctc4j frees its native memory
 * deterministically, and its per-call structs made those reads 10–15 % of a 32-frame streaming step
 * (AN4 chunk 1.18 against 1.06 ms, ResCNN+BiGRU 1.90 against 1.63). So ctc4j sets it to 0 unless the
 * application already set {@code org.bytedeco.javacpp.maxPhysicalBytes} itself. A process whose
 * JavaCPP started before ctc4j keeps what it started with: {@link #physicalMemoryCheck()} says which.
 */
public final class JavaCppSettings {
  static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

  private JavaCppSettings() {}

  /** Idempotent; call before anything touches a JavaCPP {@link Pointer} class. */
  public static void apply() {
    if (System.getProperty(MAX_PHYSICAL_BYTES) == null) System.setProperty(MAX_PHYSICAL_BYTES, "0");
  }

  /** JavaCPP's physical-memory check in one line, for {@code ctc4j info}. */
  public static String physicalMemoryCheck() {
    long max = Pointer.maxPhysicalBytes();
    return max == 0 ? "off (maxPhysicalBytes 0: no /proc read per native allocation)"
        : "on, at " + max + " bytes (" + MAX_PHYSICAL_BYTES + ": every native allocation reads /proc/self/statm)";
  }
}
