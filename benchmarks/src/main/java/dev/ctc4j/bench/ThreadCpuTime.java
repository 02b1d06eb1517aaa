package dev.ctc4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmark thread's CPU time per call, printed after each iteration ("[cpu X ms/op over N
 * calls]") beside JMH's wall time. At one thread every call runs on that thread, so on a machine shared
 * with other work this is the cost of the call itself: wall time also counts the time the thread
 * waited for a core. Take it as a benchmark method argument and run the call through {@link #time}.
 */
@State(Scope.Thread)
public class ThreadCpuTime {
  private final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
  private long nanos, calls;

  @Setup(Level.Iteration)
  public void reset() {
    nanos = 0;
    calls = 0;
  }

  @TearDown(Level.Iteration)
  public void print() {
    System.out.printf(" [cpu %.3f ms/op over %d calls]", nanos / 1e6 / Math.max(1, calls), calls);
  }

  /** Runs call on this thread, counting its CPU time; returns its result. */
  public long time(LongSupplier call) {
    long start = bean.getCurrentThreadCpuTime();
    try {
      return call.getAsLong();
    } finally {
      nanos += bean.getCurrentThreadCpuTime() - start;
      calls++;
    }
  }
}
