package dev.ukhook.report;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.query.CsvRowWriter;
import dev.ukhook.query.Duck;
import dev.ukhook.query.JsonLinesRowWriter;
import dev.ukhook.query.RowWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Writes a report in the form asked for: to the terminal, or to a file that appears whole or not at all. */
public final class ReportOutput {
  public enum Format { TEXT, JSON, CSV, PARQUET }

  /**
   * @param calls one row (or line) per call instead of one per library and syscall
   * @param output the file to write, else the terminal (Parquet needs a file)
   */
  public record Request(Format format, boolean calls, Calls.Selection selection, Optional<Path> output) {}

  private ReportOutput() {}

  public static void write(RunReport r, Request q, PrintWriter terminal) {
    if (q.format() == Format.PARQUET) {
      Path file = q.output().orElseThrow(() -> new UkhookException(Kind.USAGE,
          "--format parquet writes a file: add -o FILE.parquet"));
      try (Duck duck = new Duck()) {
        String table = q.calls() ? "calls" : "syscalls";
        RowWriter w = duck.table(table, q.calls() ? ReportTables.CALLS : ReportTables.SYSCALLS);
        rows(r, q, w);
        duck.copyToParquet(table, file);
      }
      return;
    }
    if (q.output().isEmpty()) {
      text(r, q, terminal);
      terminal.flush();
      return;
    }
    toFile(q.output().get(), out -> text(r, q, out));
  }

  private static void rows(RunReport r, Request q, RowWriter w) {
    if (q.calls()) {
      ReportTables.calls(r, q.selection(), w);
    } else {
      ReportTables.syscalls(r, w);
    }
  }

  private static void text(RunReport r, Request q, Appendable out) {
    try {
      switch (q.format()) {
        case TEXT -> {
          if (q.calls()) {
            ReportTables.listing(r, q.selection(), out);
          } else {
            ReportText.write(r, out);
          }
        }
        case JSON -> {
          if (q.calls()) {
            rows(r, q, new JsonLinesRowWriter(out));
          } else {
            out.append(ReportJson.toText(r));
          }
        }
        case CSV -> rows(r, q, new CsvRowWriter(out));
        default -> throw new IllegalStateException(q.format().name());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Something an {@link Appendable} writes. */
  public interface Content {
    void writeTo(Appendable out) throws IOException;
  }

  /**
   * Writes {@code file} through a temporary file beside it, renamed at the end: whole or not at all. A target
   * that is a stream (/dev/null, /dev/stdout, a pipe: {@link TextFiles#writtenInPlace}) is written to as it is,
   * never replaced. A file the user named is checked first, before any work: {@link TextFiles#checkOutput}.
   */
  public static void toFile(Path file, Content content) {
    if (Files.isDirectory(file)) {
      throw new UkhookException(Kind.USAGE, file + " is a directory: name the file to write");
    }
    if (TextFiles.writtenInPlace(file)) {
      try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16)) {
        content.writeTo(w);
      } catch (IOException | UncheckedIOException e) {
        throw new UkhookException(Kind.FAILURE, "cannot write " + file + ": " + e.getMessage(), e);
      }
      return;
    }
    Path dir = file.toAbsolutePath().getParent();
    TextFiles.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    boolean done = false;
    try {
      try (Writer w = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16)) {
        content.writeTo(w);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } catch (IOException | UncheckedIOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        TextFiles.deleteQuietly(tmp); // whatever went wrong, even running out of memory
      }
    }
  }
}
