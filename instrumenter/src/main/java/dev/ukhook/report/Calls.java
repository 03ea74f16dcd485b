package dev.ukhook.report;

import dev.ukhook.aggregate.Analysis;
import dev.ukhook.aggregate.Analyzer;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.format.Call;
import dev.ukhook.format.CallSink;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.LoadRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.linux.LinuxRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * A report's calls read again one by one, each charged to its library and phase exactly as the report charged
 * it: for the strace-style listing, the per-call tables and the Perfetto trace. Nothing is kept per call.
 */
public final class Calls {
  /** Receives each selected call; {@code call} is valid only during the visit. */
  public interface Visitor {
    void visit(Call call, String library, String phase) throws IOException;

    /** The phase began at tick {@code t} (for drawing; the calls already carry it). */
    default void phase(String phase, long t) throws IOException {}
  }

  /**
   * Which calls: by syscall number and by library name; an empty set selects all.
   */
  public record Selection(Set<Integer> syscalls, Set<String> libraries) {
    public static final Selection ALL = new Selection(Set.of(), Set.of());

    public Selection {
      syscalls = Set.copyOf(syscalls);
      libraries = Set.copyOf(libraries);
    }

    boolean test(int nr, String library) {
      return (syscalls.isEmpty() || syscalls.contains(nr)) && (libraries.isEmpty() || libraries.contains(library));
    }
  }

  private Calls() {}

  /** Visits the selected calls of {@code r}'s trace in stream order, up to the damage if the trace has one. */
  public static void scan(RunReport r, Selection selection, Visitor visitor) {
    LinuxRun linux = r.source().linux();
    Attributor attributor = linux == null ? r.source().attributor(r.map()) : null;
    Analysis.Phases phases = r.analysis().phases();
    List<String> names = phases.names();
    long ruleSeq = !phases.fromEvents() && !phases.boundaries().isEmpty() ? phases.boundaries().get(0).seq() : -1;
    CallSink sink = new CallSink() {
      int phase;

      @Override
      public void call(Call c) {
        if (c.seq() == ruleSeq) {
          phase = 1;
          at(names.get(1), c.tEnter());
        }
        String library = (linux != null ? linux.attribution(c) : attributor.attributeAndFollow(c)).library();
        if (selection.test(c.nr(), library)) {
          try {
            visitor.visit(c, library, names.get(Math.min(phase, names.size() - 1)));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }

      @Override
      public void event(EventRecord e) {
        int after = phases.fromEvents() ? Analyzer.phaseAfter(e, phase) : phase;
        if (after != phase) {
          phase = after;
          at(names.get(Math.min(phase, names.size() - 1)), e.t());
        }
      }

      @Override
      public void load(LoadRecord l) {
        attributor.load(l);
      }

      private void at(String name, long t) {
        try {
          visitor.phase(name, t);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    if (linux != null) {
      linux.replay((c, a) -> sink.call(c));
    } else {
      TraceDecoder.readCalls(r.source().trace(), sink);
    }
  }
}
