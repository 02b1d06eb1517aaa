package dev.ctc4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What a CLI run prints, captured from System.out or System.err. The Jazzer agent in the test JVM
 * (the fuzz targets' replay) logs every class it instruments as it loads, to the process's streams:
 * a class first loaded inside a capture would put its line among the CLI's, so the agent's lines
 * are left out. Everything the CLI prints is kept.
 */
final class Console {
  private static final Pattern AGENT_LINE = Pattern.compile("(?m)^(INFO: Instrumented |WARN: Failed to instrument ).*\\R");

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
    return AGENT_LINE.matcher(buf.toString()).replaceAll("");
  }
}
