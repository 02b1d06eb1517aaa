package dev.ctc4j.testing;

import dev.ctc4j.Ctc4j;

/** Runs test code with the native pool at a given thread count, restoring the previous count after. */
public final class NativeThreads {
  private NativeThreads() {}

  public interface Body {
    void run() throws Exception;
  }

  public static void with(int threads, Body body) throws Exception {
    int previous = Ctc4j.threads();
    Ctc4j.setThreads(threads);
    try {
      body.run();
    } finally {
      Ctc4j.setThreads(previous);
    }
  }
}
