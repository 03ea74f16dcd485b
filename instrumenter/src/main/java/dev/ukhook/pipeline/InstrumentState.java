package dev.ukhook.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ukhook.core.JsonFiles;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.guest.HookLibrarySpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** What `ukhook instrument` decided, kept in .ukhook/instrument.json for build, run and restore. */
public record InstrumentState(String unikraft, String version, String spec, String imageId, String accel,
    int frames, int ringRecords, int batchRecords, String overflow, List<String> libraries,
    List<String> transparent, List<String> hookPoints, int pathCopy, int stackSnapshot, String mode, String policy,
    Instrumenter.Options.Counting counting, boolean args, List<String> fixes) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public InstrumentState {
    // A workspace instrumented before hook points were recorded names none: build then says to instrument again.
    hookPoints = hookPoints == null ? List.of() : List.copyOf(hookPoints);
    fixes = fixes == null ? List.of() : List.copyOf(fixes);
  }

  /** Every hook point and fix the tree carries for this app: what its blocks must be. */
  public List<String> patched() {
    return Stream.concat(hookPoints.stream(), fixes.stream()).toList();
  }

  public static InstrumentState read(Workspace ws) {
    if (!Files.isRegularFile(ws.state())) {
      throw new UkhookException(Kind.USAGE, "no " + ws.state() + ": run `ukhook instrument --unikraft DIR --app "
          + ws.root().getParent() + "` first");
    }
    return JsonFiles.read(ws.state(), "instrument.json", JSON, InstrumentState.class, Kind.FAILURE,
        "the workspace's record is damaged: run `ukhook instrument` again");
  }

  public static Optional<InstrumentState> readIfPresent(Workspace ws) {
    return Files.isRegularFile(ws.state()) ? Optional.of(read(ws)) : Optional.empty();
  }

  public void write(Workspace ws) {
    try {
      TextFiles.write(ws.state(), JSON.writeValueAsString(this) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + ws.state(), e);
    }
  }

  /** What the hooks do; an image instrumented before filtering existed only records. */
  public HookLibrarySpec.Mode hookMode() {
    return mode == null ? HookLibrarySpec.Mode.TRACE : HookLibrarySpec.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
  }

  /** The policy the image enforces, written into it after each build. */
  public Optional<Path> policyFile() {
    return Optional.ofNullable(policy).map(Path::of);
  }

  public Path unikraftRoot() {
    return Path.of(unikraft);
  }
}
