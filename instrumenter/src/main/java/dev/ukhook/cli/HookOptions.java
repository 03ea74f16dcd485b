package dev.ukhook.cli;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.policy.PolicyFile;
import java.nio.charset.StandardCharsets;
import dev.ukhook.core.UkhookException.Kind;
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

  @Option(names = "--frames", paramLabel = "N", description = "Return addresses kept per record: the walk from the "
      + "call, the caller's own first (default: 0, only the one that decided the guest's charge; in an app-elfloader "
      + "image the charge's walk, " + HookLibrarySpec.DEFAULT_WALK + ", or " + HookLibrarySpec.DEFAULT_WALK_DEEP_LIBC
      + " with musl or newlib). The charge reads at least that many.")
  Integer frames;

  @Option(names = "--args", description = "Keep the six arguments of every call in its record (48 bytes more; "
      + "always in an app-elfloader image). Without them `report --calls` shows only the path or buffer copy.")
  boolean args;

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

  @Option(names = "--fixes", split = ",", paramLabel = "auto|none|NAME[,NAME]",
      description = "Fixes of Unikraft bugs that ukhook patches in with its hooks and takes out on restore "
      + "(default: auto, each fix the image's configuration needs: virtio-notify, the virtio-net receive stall, for "
      + "images with virtio-net; see docs/virtio-net-stall.md).")
  List<String> fixes = new ArrayList<>(List.of("auto"));

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

  @Option(names = "--inject", paramLabel = "SPEC", description = "Fail chosen calls on purpose, in the guest "
      + "(repeatable; docs/policy.md, \"Fault injection\"): SYSCALL[,SYSCALL...]|%%CLASS[:error=ERRNO|:retval=N]"
      + "[:when=N|N+|N+STEP|N..M][:lib=LIBRARY][:phase=PHASE][:prob=P[:seed=N]], as strace's -e inject=. The rules "
      + "join the --policy (or one that allows every call); `ukhook policy push --inject` changes them while the "
      + "image runs.")
  List<String> inject = new ArrayList<>();

  @Option(names = "--no-trace", description = "With --policy: a filter-only image, which records only the calls "
      + "the policy does not allow and the filter's events, so a deployment pays only the check.")
  boolean noTrace;

  /** How calls reach the host: one record each, or counted in the guest. */
  enum Recording { TRACE, COUNT }

  @Option(names = "--mode", defaultValue = "trace", paramLabel = "trace|count", completionCandidates = Modes.class,
      description = "trace: a record per call (the default). count: calls counted per microlibrary, phase and "
      + "syscall in the guest, with errors and a latency histogram, sent every --snapshot-every and at the end; "
      + "no per-call listing or sequences, much cheaper.")
  Recording mode;

  @Option(names = "--snapshot-every", paramLabel = "MS", defaultValue = "" + HookLibrarySpec.DEFAULT_SNAPSHOT_MS,
      description = "With --mode count: how often the guest sends its counters, in milliseconds (default: "
      + "${DEFAULT-VALUE}); a crash loses at most this much.")
  int snapshotEvery;

  @Option(names = "--no-latency", description = "With --mode count: do not time calls (no latency histograms; "
      + "one timestamp pair less per call).")
  boolean noLatency;

  Instrumenter.Options options(Path unikraft, AppArgs app, AccelChoice accel) {
    return options(unikraft, app, accel, false);
  }

  /** @param filter whether the image must filter (explore): without a policy, one that allows every call */
  Instrumenter.Options options(Path unikraft, AppArgs app, AccelChoice accel, boolean filter) {
    if (mode != Recording.COUNT && (noLatency || snapshotEvery != HookLibrarySpec.DEFAULT_SNAPSHOT_MS)) {
      throw new UkhookException(Kind.USAGE, (noLatency ? "--no-latency" : "--snapshot-every")
          + " applies to a counting image: add --mode count");
    }
    if (mode == Recording.COUNT && args) {
      throw new UkhookException(Kind.USAGE, "--args keeps arguments in records, and a counting image (--mode count) "
          + "makes none: drop one of them");
    }
    List<String> chosenFixes = fixes.equals(List.of("auto")) ? null : fixes.equals(List.of("none")) ? List.of() : fixes;
    if (chosenFixes != null && (chosenFixes.contains("auto") || chosenFixes.contains("none"))) {
      throw new UkhookException(Kind.USAGE, "--fixes takes auto, none, or the names of fixes, not a mix: "
          + String.join(",", fixes));
    }
    Instrumenter.Options.Counting counting = mode == Recording.COUNT
        ? new Instrumenter.Options.Counting(!noLatency, snapshotEvery) : null;
    return new Instrumenter.Options(unikraft, app.appDir(), app.libraries, transparent, accel, frames, ring, batch,
        overflow, hookPoints, pathCopy, stackSnapshot, inject.isEmpty() && !(filter && policy == null) ? policy : injecting(app.appDir()), noTrace,
        counting, args, chosenFixes);
  }

  /**
   * The policy with the --inject rules, written beside the app's other ukhook files under a name of its content
   * (two commands with different rules do not overwrite each other's).
   */
  private Path injecting(Path appDir) {
    String text = PolicyFile.withInjections(policy == null ? "--inject" : policy.toString(),
        policy == null ? null : TextFiles.readSmall(policy, "policy file"), inject);
    Path file = appDir.toAbsolutePath().resolve(".ukhook").resolve("inject-"
        + Long.toHexString(PolicyLayout.hash(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))))
        + ".yaml");
    TextFiles.createDirectories(file.getParent());
    TextFiles.write(file, text);
    TextFiles.ownerOnly(file);
    return file;
  }

  static final class Modes extends LowerCaseNames<Recording> {
    Modes() {
      super(Recording.class);
    }
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
