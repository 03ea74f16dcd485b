package dev.ukhook.cli;

import dev.ukhook.core.Terminal;
import dev.ukhook.pipeline.Output;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** A step's output on a command's writers: data to stdout, "ukhook: " lines and the guest console to stderr. */
final class CliOutput implements Output {
  private final PrintWriter out;
  private final PrintWriter err;
  private final PrintStream raw;

  CliOutput(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.err = err;
    this.raw = lineStream(err);
  }

  @Override
  public void data(String text) {
    out.print(text);
    out.flush();
  }

  @Override
  public void line(String text) {
    line(err, text);
    err.flush();
  }

  /**
   * Prints "ukhook: TEXT" on {@code err}, TEXT escaped for the terminal: it may name the guest's files, a link
   * map's objects or a file the user named.
   */
  static void line(PrintWriter err, String text) {
    err.println("ukhook: " + Terminal.escapeLines(text));
  }

  @Override
  public PrintStream raw() {
    return raw;
  }

  @Override
  public boolean terminal() {
    return System.console() != null;
  }

  /** A PrintStream onto a writer, passed on line by line (or at a carriage return, for progress redraws). */
  static PrintStream lineStream(PrintWriter w) {
    return new PrintStream(new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        line.write(b);
        if (b == '\n' || b == '\r') {
          flush();
        }
      }

      @Override
      public synchronized void flush() {
        w.write(line.toString(StandardCharsets.UTF_8));
        line.reset();
        w.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }
}
