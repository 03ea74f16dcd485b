package dev.ukhook.linux;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.LoadedPrograms;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.format.Call;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A Linux program's run ({@code ukhook linux}): strace's log, its calls as records, and each call charged to an
 * object file by the unikernel's rule: the first frame, innermost first, whose object is not transparent; else the
 * outermost transparent one, marked so; else none. Threads are numbered from 1 in the order they first called.
 */
public final class LinuxRun {
  private final List<SyscallRecord> calls;
  private final List<Attribution> charged;
  private final StraceLog.Parsed parsed;
  private final String program;

  private LinuxRun(StraceLog.Parsed parsed, Set<String> transparent) {
    this.parsed = parsed;
    Map<Integer, Integer> threads = new HashMap<>();
    List<SyscallRecord> records = new ArrayList<>(parsed.calls().size());
    List<Attribution> attributions = new ArrayList<>(parsed.calls().size());
    for (StraceLog.Call c : parsed.calls()) {
      int thread = threads.computeIfAbsent(c.pid(), p -> Math.min(threads.size() + 1, 0xffff));
      records.add(new SyscallRecord(c.seq(), c.tEnterNs(), c.tEnterNs() + c.durationNs(), c.nr(),
          TraceLayout.PATH_BINARY, 0, 0, new long[0], c.ret(), 0, new long[0],
          c.pathArg() == null ? SyscallRecord.Tail.NONE : new SyscallRecord.Tail(c.pathArg(), 0, 0, null), 0, thread));
      attributions.add(charge(c.frames(), transparent));
    }
    this.calls = List.copyOf(records);
    this.charged = List.copyOf(attributions);
    this.program = parsed.calls().stream().flatMap(c -> c.frames().stream())
        .filter(f -> "main".equals(f.function())).map(StraceLog.Frame::objectName).findFirst().orElse(null);
  }

  /**
   * The program's object: the first whose {@code main} is on a call's stack (Debian's redis-server is a link to
   * redis-check-rdb, which strace names), or null when no stack shows one.
   */
  public String program() {
    return program;
  }

  /** Reads the run's strace log, charging with {@code transparent} (object names, or "glibc" for glibc's own). */
  public static LinuxRun read(Path runDir, Set<String> transparent) {
    Path log = runDir.resolve(RunDir.STRACE_LOG);
    try (BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
      return new LinuxRun(StraceLog.parse(in), transparent);
    } catch (IOException e) {
      throw new UkhookException(Kind.FAILURE, "cannot read " + log + ": " + e.getMessage()
          + "; a Linux run (`ukhook linux`) keeps strace's log there", e);
    }
  }

  /** The object a call with {@code frames} is charged to, with the function of the deciding frame. */
  public static Attribution charge(List<StraceLog.Frame> frames, Set<String> transparent) {
    Attribution outermost = null;
    for (StraceLog.Frame f : frames) {
      String owner = f.objectName();
      if (!LoadedPrograms.isTransparent(owner, transparent)) {
        return new Attribution(owner, false, f.function());
      }
      outermost = new Attribution(owner, true, f.function());
    }
    return outermost != null ? outermost : Attribution.UNATTRIBUTED;
  }

  /** The calls in order of entry, with what each was charged to. */
  public void replay(BiConsumer<Call, Attribution> sink) {
    for (int i = 0; i < calls.size(); i++) {
      sink.accept(calls.get(i), charged.get(i));
    }
  }

  /** What {@code c}, one of {@link #replay}'s calls, was charged to. */
  public Attribution attribution(Call c) {
    return charged.get((int) c.seq());
  }

  /** The objects calls were charged to, in order of first charge. */
  public Set<String> libraries() {
    Set<String> s = new LinkedHashSet<>();
    charged.forEach(a -> s.add(a.library()));
    return s;
  }

  /** How many calls the log holds. */
  public int size() {
    return calls.size();
  }

  /** When the last call returned, in ns since the epoch; 0 without calls. */
  public long tEnd() {
    return calls.isEmpty() ? 0 : calls.get(calls.size() - 1).tExit();
  }

  /** What makes the counts untrustworthy: a log damaged part way, calls strace named that ukhook cannot number. */
  public List<String> problems(Path log) {
    List<String> problems = new ArrayList<>();
    if (parsed.damage() != null) {
      problems.add("strace's log " + log + " cannot be read past " + parsed.damage() + ": the calls after it are "
          + "missing");
    }
    if (!parsed.unknown().isEmpty()) {
      problems.add("strace named calls ukhook cannot number, left out: " + parsed.unknown());
    }
    return problems;
  }

  /** The calls that never returned (the program ended in them), which no count includes. */
  public List<String> warnings() {
    return parsed.unfinished().isEmpty() ? List.of() : List.of("warning: calls that never returned (the program "
        + "ended in them), not counted: " + parsed.unfinished());
  }
}
