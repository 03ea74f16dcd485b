package dev.ukhook.cli;

import dev.ukhook.aggregate.PhaseRule;
import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.pipeline.Instrumenter;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.report.RunReader;
import dev.ukhook.report.RunReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/** How a stored trace is read and attributed, shared by report, query and diff. */
final class AnalysisOptions {
  @Option(names = "--transparent", paramLabel = "LIB", description = "Library to look through (repeatable); "
      + "default: the run's own (run.json), else every Unikraft libc and libsyscall_shim.")
  List<String> transparent = new ArrayList<>();

  @Option(names = "--rootfs", paramLabel = "DIR", description = "The files the Linux programs of an app-elfloader "
      + "image ran from (the initrd's directory), to charge their calls to objects and functions; default: the "
      + "run's own (run.json).")
  Path rootfs;

  @Option(names = "--phase-at", paramLabel = "SYSCALL", split = ",", description = "Without phase events in the "
      + "trace, start-up ends at the first call of SYSCALL (default: the first accept, or poll/select/epoll_wait "
      + "after a listen).")
  Set<String> phaseAt = new LinkedHashSet<>();

  @Option(names = "--force", description = "Attribute even with a map of another image or one that does not "
      + "cover the image's code (each mismatch becomes a warning).")
  boolean force;

  /** The report of a run directory, or of {@code trace} and {@code map} when {@code runDir} is null. */
  RunReport report(Path runDir, Path trace, Path map) {
    return report(runDir, trace, map, true);
  }

  /** @param sequences whether the output shows each library's 2- and 3-grams (they cost the most to count) */
  RunReport report(Path runDir, Path trace, Path map, boolean sequences) {
    if (runDir != null && (trace != null || map != null)) {
      throw new UkhookException(Kind.USAGE, "pass a run directory or --trace and --map, not both");
    }
    if (runDir == null && (trace == null || map == null)) {
      throw new UkhookException(Kind.USAGE, "pass a run directory (APP/.ukhook/runs/<time>), or both --trace FILE"
          + " and --map FILE");
    }
    RunReport.Options options = RunReport.Options.DEFAULT.withForce(force).withRootfs(Optional.ofNullable(rootfs))
        .withRule(phaseAt.isEmpty() ? PhaseRule.SERVING : new PhaseRule(syscalls(phaseAt, "--phase-at")));
    if (!sequences) {
      options = options.withoutSequences();
    }
    RunReport r = runDir != null
        ? RunReader.ofRunDir(runDir, transparent(new RunDir(runDir).require().json().transparentLibraries()),
            options.withPhaseNames(PolicyFile.phaseNames(runDir)))
        : RunReader.of(trace, map, transparent(Optional.empty()), options);
    if (!phaseAt.isEmpty()) {
      r.requireCalls("--phase-at"); // the start-up rule needs the calls' order; a counting image's phases are its own
    }
    return r;
  }

  /** The numbers of syscall {@code names}; an unknown name is refused with the closest ones. */
  static Set<Integer> syscalls(Collection<String> names, String option) {
    Set<Integer> nrs = new LinkedHashSet<>();
    for (String name : names) {
      Integer nr = SyscallNames.byName().get(name.strip());
      if (nr == null) {
        throw new UkhookException(Kind.USAGE, option + ": unknown system call `" + name + "`; the closest: "
            + String.join(", ", PolicyFile.closest(name, SyscallNames.byName().keySet(), 3, Integer.MAX_VALUE)));
      }
      nrs.add(nr);
    }
    return nrs;
  }

  /**
   * The numbers of a class of the syscall table ({@code file} for {@code %file}, {@code net} for {@code network},
   * as strace takes them); an unknown class is refused with the known ones.
   */
  static Set<Integer> syscallClass(String name, String option) {
    String cls = SyscallNames.CLASS_ALIASES.getOrDefault(name, name);
    if (!SyscallNames.STRACE_CLASSES.contains(cls) && !SyscallNames.UKHOOK_CLASSES.contains(cls)) {
      List<String> known = new ArrayList<>();
      SyscallNames.STRACE_CLASSES.forEach(c -> known.add("%" + c));
      SyscallNames.CLASS_ALIASES.forEach((alias, c) -> known.add("%" + alias));
      SyscallNames.UKHOOK_CLASSES.forEach(c -> known.add("%" + c));
      throw new UkhookException(Kind.USAGE, option + ": unknown class `%" + name + "`; the classes: "
          + String.join(", ", known));
    }
    return SyscallNames.inClass(cls);
  }

  private Set<String> transparent(Optional<Set<String>> run) {
    if (!transparent.isEmpty()) {
      return new LinkedHashSet<>(transparent);
    }
    return run.orElseGet(AnalysisOptions::defaultTransparent);
  }

  /** What a run that names none looks through: every Unikraft libc, libsyscall_shim, and glibc. */
  static Set<String> defaultTransparent() {
    Set<String> t = new LinkedHashSet<>();
    Instrumenter.LIBCS.forEach(libc -> t.add(libc.getValue()));
    t.add(Instrumenter.SYSCALL_SHIM);
    t.add(LoadedPrograms.GLIBC);
    return t;
  }
}
