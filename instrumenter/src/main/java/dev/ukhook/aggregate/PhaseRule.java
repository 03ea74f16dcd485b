package dev.ukhook.aggregate;

import dev.ukhook.format.SyscallNames;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where start-up ends in a trace without phase events (docs/analysis.md, "Phases"): by default at the first
 * {@code accept} or {@code accept4} (the syscall table's class accept), or the first wait (class wait: poll,
 * select, epoll_wait...) after a {@code listen}, the moment a server starts serving; or at the first call of a
 * syscall the user names.
 *
 * @param at the syscall numbers that end start-up; empty for the default
 */
public final class PhaseRule {
  static final int LISTEN = SyscallNames.number("listen");
  // By syscall number, from the syscall table's classes: the calls that take a connection, and the waits.
  private static final boolean[] ACCEPT = new boolean[1 << 16];
  private static final boolean[] WAIT = new boolean[1 << 16];

  static {
    SyscallNames.inClass("accept").forEach(nr -> ACCEPT[nr] = true);
    SyscallNames.inClass("wait").forEach(nr -> WAIT[nr] = true);
  }

  public static final PhaseRule SERVING = new PhaseRule(Set.of());

  private final Set<Integer> at;
  // By syscall number: whether a call of it ends start-up, and whether only after a listen (the waits).
  final boolean[] begins = new boolean[1 << 16];
  final boolean[] afterListen = new boolean[1 << 16];

  public PhaseRule(Set<Integer> at) {
    this.at = Set.copyOf(at);
    for (int nr = 0; nr < begins.length; nr++) {
      begins[nr] = begins(nr, true);
      afterListen[nr] = begins[nr] && !begins(nr, false);
    }
  }

  /** The syscall numbers that end start-up; empty for the default rule. */
  public Set<Integer> at() {
    return at;
  }

  /** Whether a call of {@code nr} ends start-up, a {@code listen} having been made before it or not. */
  private boolean begins(int nr, boolean listened) {
    if (!at.isEmpty()) {
      return at.contains(nr);
    }
    return ACCEPT[nr] || (listened && WAIT[nr]);
  }

  /** The two phases' names. */
  public static final String START_UP = "start-up";
  public static final String LATER = "serving";

  /** The rule in words, for reports. */
  public String describe() {
    return at.isEmpty()
        ? "start-up ends at the first accept/accept4, or the first poll/select/epoll_wait after a listen"
        : "start-up ends at the first " + at.stream().sorted().map(SyscallNames::name).collect(Collectors.joining("/"));
  }

  /** The name of the phase after start-up: "serving" for the default rule, else "after-" the syscall. */
  public String laterName() {
    return at.isEmpty() ? LATER : "after-" + at.stream().sorted().map(SyscallNames::name).collect(Collectors.joining("-"));
  }
}
