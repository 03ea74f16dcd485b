package dev.ukhook.analysis;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.analysis.Attributor;
import dev.ukhook.analysis.LinkMap;
import dev.ukhook.analysis.SyscallTable;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.TraceDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Attributes a trace with the link map of the image that made it and writes the per-microlibrary
 * table as {@code table.txt} and {@code results.json} beside the trace.
 */
public record RunReport(DecodedTrace trace, SyscallTable table, Optional<String> identityWarning) {

  public static RunReport of(Path traceFile, Path linkMap, Set<String> transparent, Optional<String> expectedImageId) {
    if (!Files.isRegularFile(linkMap)) {
      throw new UkhookException(Kind.USAGE, "no link map at " + linkMap
          + ": build the image with `ukhook build`, which asks the linker for one");
    }
    SyscallTable.Builder builder = new SyscallTable.Builder(new Attributor(LinkMap.read(linkMap), transparent));
    DecodedTrace trace = TraceDecoder.read(traceFile, builder);
    Optional<String> warning = expectedImageId
        .filter(id -> trace.header() != null && !id.equals(trace.header().imageId()))
        .map(id -> "warning: " + traceFile + " was made by image " + trace.header().imageId()
            + " but the link map belongs to image " + id + ": attribution is wrong unless they are the same build");
    return new RunReport(trace, builder.build(trace.header(), trace.stats()), warning);
  }

  /** Writes table.txt and results.json into {@code dir}. */
  public void write(Path dir) {
    try {
      Files.writeString(dir.resolve("table.txt"), table.toText());
      Files.writeString(dir.resolve("results.json"), table.toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
