package dev.ctc4j.testing;

import java.lang.management.ManagementFactory;

/** Bytes this thread has allocated on the Java heap so far (HotSpot's per-thread counter), to show a call allocated nothing big. */
public final class HeapAllocation {
  private HeapAllocation() {}

  public static long ofThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }
}
