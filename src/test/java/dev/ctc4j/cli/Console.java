package dev.ctc4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** What a CLI run prints, captured from System.out or System.err. */
final class Console {
  private Console() {}

  static String stdout(Runnable body) {
    return capture(body, () -> System.out, System::setOut);
  }

  static String stderr(Runnable body) {
    return capture(body, () -> System.err, System::setErr);
  }

  private static String capture(Runnable body, Supplier<PrintStream> current, Consumer<PrintStream> set) {
    PrintStream old = current.get();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    set.accept(new PrintStream(buf, true));
    try {
      body.run();
    } finally {
      set.accept(old);
    }
    return buf.toString();
  }
}
