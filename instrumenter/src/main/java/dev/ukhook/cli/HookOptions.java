package dev.ukhook.cli;

import dev.ukhook.format.TraceHeader;
import dev.ukhook.guest.HookLibrarySpec;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.pipeline.Instrumenter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What `instrument` (and `trace`) take about the app and the hook library. */
final class HookOptions {
  @Option(names = "--transparent", paramLabel = "LIB",
      description = "Library to look through when attributing, besides the libc and syscall_shim (repeatable).")
  List<String> transparent = new ArrayList<>();

  @Option(names = "--frames", paramLabel = "N", description = "Frame-pointer return addresses kept per record "
      + "(default: " + HookLibrarySpec.DEFAULT_FRAMES + ", or " + HookLibrarySpec.DEFAULT_FRAMES_DEEP_LIBC
      + " in an image with musl or newlib).")
  Integer frames;

  @Option(names = "--ring", defaultValue = "" + HookLibrarySpec.DEFAULT_RING, paramLabel = "N",
      description = "Guest ring capacity in records, a power of two (default: ${DEFAULT-VALUE}).")
  int ring;

  @Option(names = "--batch", defaultValue = "" + HookLibrarySpec.DEFAULT_BATCH, paramLabel = "N",
      description = "Records per virtio buffer (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--overflow", defaultValue = "block", paramLabel = "block|drop", completionCandidates = Names.class,
      description = "When the ring is full: block (lose nothing) or drop (count each dropped record). Default: ${DEFAULT-VALUE}.")
  Overflow overflow;

  @Option(names = "--hook-points", split = ",", paramLabel = "NAME[,NAME]", completionCandidates = HookPointNames.class,
      description = "Hook points to patch "
      + "(default: all of the tree's version profile: binary, native, process). binary alone keeps the binary path as cheap as "
      + "it can be, and native calls unseen.")
  List<String> hookPoints = new ArrayList<>();

  @Option(names = "--path-copy", paramLabel = "BYTES", description = "Bytes of a call's path argument, or of what "
      + "a read or write moved, copied into its record, a multiple of 8 (default: 0, or "
      + HookLibrarySpec.DEFAULT_LOADER_PATH_COPY
      + " in an app-elfloader image, where shared objects are named by the path they were opened by).")
  Integer pathCopy;

  @Option(names = "--stack-snapshot", paramLabel = "BYTES", description = "Bytes of a binary caller's stack kept in "
      + "its record, with sp and bp, for unwinding without frame pointers on the host (default: 0, or "
      + HookLibrarySpec.DEFAULT_LOADER_STACK + " in an app-elfloader image).")
  Integer stackSnapshot;

  @Option(names = "--policy", paramLabel = "FILE", description = "Enforce this policy in the guest (docs/policy.md): "
      + "per microlibrary and phase, the system calls it may make. Written into the image after each build; "
      + "`ukhook policy push` changes it while the image runs.")
  Path policy;

  @Option(names = "--no-trace", description = "With --policy: a filter-only image, which records only the calls "
      + "the policy does not allow and the filter's events, so a deployment pays only the check.")
  boolean noTrace;

  Instrumenter.Options options(Path unikraft, AppArgs app, AccelChoice accel) {
    return new Instrumenter.Options(unikraft, app.appDir(), app.libraries, transparent, accel, frames, ring, batch,
        overflow, hookPoints, pathCopy, stackSnapshot, policy, noTrace);
  }

  /** The hook points the trace format knows; which of them a tree has is its profile's business. */
  static final class HookPointNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return HookLibrarySpec.HOOK_POINTS.stream().sorted().iterator();
    }
  }

  static final class Names extends LowerCaseNames<Overflow> {
    Names() {
      super(Overflow.class);
    }
  }
}
