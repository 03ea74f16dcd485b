package dev.ukhook.policy;

import dev.ukhook.format.PolicyLayout;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A syscall policy (docs/policy.md, "The policy file"): per microlibrary and per phase, the system calls the
 * library may make, and what happens to any other. Read and checked by {@link PolicyFile}; a spec that breaks
 * the structure below cannot be made (the constructor throws {@link IllegalArgumentException}).
 *
 * @param defaultAction what happens to a call no rule allows, for a library without its own action
 * @param defaultErrno the errno {@code deny} returns (negated) for a library without its own
 * @param phases the phases, distinct, at most {@link #MAX_PHASES}; the first is where the program starts
 * @param switches the rule-based phase switches, at most one from each phase
 * @param libraries by name, in file order, at most {@link #MAX_LIBRARIES}
 * @param transparent the libraries looked through for attribution; empty: the image's own set
 * @param injections the fault injection rules, at most {@link PolicyLayout#MAX_INJECT}, each naming a phase of
 *     {@code phases} if any
 */
public record PolicySpec(Action defaultAction, int defaultErrno, List<String> phases, List<Switch> switches,
    Map<String, Library> libraries, Optional<List<String>> transparent, List<Injection> injections) {

  /** A policy without injection rules. */
  public PolicySpec(Action defaultAction, int defaultErrno, List<String> phases, List<Switch> switches,
      Map<String, Library> libraries, Optional<List<String>> transparent) {
    this(defaultAction, defaultErrno, phases, switches, libraries, transparent, List.of());
  }

  /** This policy with {@code more} injection rules after its own. */
  public PolicySpec withInjections(List<Injection> more) {
    List<Injection> all = new java.util.ArrayList<>(injections);
    all.addAll(more);
    return new PolicySpec(defaultAction, defaultErrno, phases, switches, libraries, transparent, all);
  }

  /** The guest's fixed limit on phases: a phase is an index into a table of that many bitmaps per library. */
  public static final int MAX_PHASES = 8;
  /** The guest's fixed limit on libraries with rules. */
  public static final int MAX_LIBRARIES = 120;
  /** The one phase of a policy that names none. */
  public static final String ALL_PHASES = "all";

  /** The policy that allows every call, in one phase: what `--inject` without `--policy` puts in force. */
  public static final PolicySpec ALLOW_ALL = new PolicySpec(Action.ALLOW, 1, List.of(ALL_PHASES), List.of(), Map.of(),
      Optional.empty());

  /** What happens to a call; in YAML the lower-case name. */
  public enum Action {
    ALLOW, LOG, DENY, KILL;

    /** The name a policy file uses: {@code allow}, {@code log}, {@code deny}, {@code kill}. */
    public String yamlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Switch to phase {@code to} when, in phase {@code from}, syscall {@code nr} returns (>= 0 only when success). */
  public record Switch(String from, String to, int nr, boolean success) {
    public Switch {
      Objects.requireNonNull(from);
      Objects.requireNonNull(to);
      if (from.equals(to)) {
        throw new IllegalArgumentException("a switch from phase " + from + " to itself");
      }
    }
  }

  /**
   * A library's rules.
   *
   * @param action its action for a call not allowed; empty: the policy's default
   * @param errno its errno for {@code deny}; empty: the policy's default
   * @param allow phase name -> allowed syscall numbers, every phase present, in the policy's phase order
   * @param sequence the order its calls must keep, if any
   */
  public record Library(String name, Optional<Action> action, OptionalInt errno,
      Map<String, SortedSet<Integer>> allow, Optional<Sequence> sequence) {
    public Library {
      Objects.requireNonNull(name);
      Objects.requireNonNull(action);
      Objects.requireNonNull(errno);
      Objects.requireNonNull(sequence);
      Map<String, SortedSet<Integer>> copy = new LinkedHashMap<>();
      allow.forEach((phase, nrs) -> copy.put(phase, Collections.unmodifiableSortedSet(new TreeSet<>(nrs))));
      allow = Collections.unmodifiableMap(copy);
    }

    /** A library without a sequence. */
    public Library(String name, Optional<Action> action, OptionalInt errno, Map<String, SortedSet<Integer>> allow) {
      this(name, action, errno, allow, Optional.empty());
    }

    /** The syscalls allowed in {@code phase}. */
    public SortedSet<Integer> allowed(String phase) {
      SortedSet<Integer> nrs = allow.get(phase);
      if (nrs == null) {
        throw new IllegalArgumentException("no phase " + phase + " in the rules of " + name);
      }
      return nrs;
    }
  }

  /**
   * The order a library's calls must keep in each thread (docs/policy.md, "Sequences"): after each of its calls,
   * which of its calls may come next, and, with {@link PolicyLayout#SEQ_START}, which may come first.
   *
   * @param action for a call that breaks it; empty: the library's action
   * @param after previous call -> the calls allowed next
   */
  public record Sequence(Optional<Action> action, SortedMap<Integer, SortedSet<Integer>> after) {
    public Sequence {
      Objects.requireNonNull(action);
      SortedMap<Integer, SortedSet<Integer>> copy = new TreeMap<>();
      after.forEach((prev, next) -> copy.put(prev, Collections.unmodifiableSortedSet(new TreeSet<>(next))));
      after = Collections.unmodifiableSortedMap(copy);
    }

    /** The allowed transitions, as the guest keys them for the library at {@code lib} ({@link PolicyLayout#seqKey}). */
    public Set<Integer> keys(int lib) {
      Set<Integer> keys = new TreeSet<>();
      after.forEach((prev, next) -> next.forEach(nr -> keys.add(PolicyLayout.seqKey(lib, prev, nr))));
      return keys;
    }

    /** How many transitions it allows. */
    public int transitions() {
      return after.values().stream().mapToInt(Set::size).sum();
    }
  }

  public PolicySpec {
    Objects.requireNonNull(defaultAction);
    phases = List.copyOf(phases);
    switches = List.copyOf(switches);
    transparent = transparent.map(List::copyOf);
    injections = List.copyOf(injections);
    if (injections.size() > PolicyLayout.MAX_INJECT) {
      throw new IllegalArgumentException(injections.size() + " injection rules, more than the "
          + PolicyLayout.MAX_INJECT + " a policy holds");
    }
    for (Injection i : injections) {
      if (i.phase().isPresent() && !phases.contains(i.phase().get())) {
        throw new IllegalArgumentException("injection `" + i.text() + "` names phase " + i.phase().get()
            + ", which is not one of the policy's phases " + phases);
      }
    }
    if (phases.isEmpty() || phases.size() > MAX_PHASES || new HashSet<>(phases).size() != phases.size()) {
      throw new IllegalArgumentException("phases must be 1 to " + MAX_PHASES + " distinct names: " + phases);
    }
    if (libraries.size() > MAX_LIBRARIES) {
      throw new IllegalArgumentException(libraries.size() + " libraries, more than " + MAX_LIBRARIES);
    }
    Set<String> froms = new HashSet<>();
    for (Switch s : switches) {
      if (!phases.contains(s.from()) || !phases.contains(s.to()) || !froms.add(s.from())) {
        throw new IllegalArgumentException("switch " + s + " names a phase not in " + phases
            + " or leaves a phase a second time");
      }
    }
    Map<String, Library> libs = new LinkedHashMap<>();
    for (Map.Entry<String, Library> e : libraries.entrySet()) {
      Library lib = e.getValue();
      if (!e.getKey().equals(lib.name()) || !lib.allow().keySet().equals(new HashSet<>(phases))) {
        throw new IllegalArgumentException("library " + e.getKey() + " must be named so and have rules for exactly"
            + " the phases " + phases + ": " + lib);
      }
      // Rules in the policy's phase order, whatever order they came in.
      Map<String, SortedSet<Integer>> ordered = new LinkedHashMap<>();
      for (String p : phases) {
        ordered.put(p, lib.allow().get(p));
      }
      libs.put(e.getKey(), new Library(lib.name(), lib.action(), lib.errno(), ordered, lib.sequence()));
    }
    libraries = Collections.unmodifiableMap(libs);
  }

  /** The action for a call of {@code library} that no rule allows: the library's, else the default. */
  public Action action(String library) {
    Library l = libraries.get(library);
    return l == null ? defaultAction : l.action().orElse(defaultAction);
  }

  /**
   * What happens to a call of {@code library} that breaks its sequence: its sequence's action, else the library's;
   * {@link Action#ALLOW} (nothing is checked) for a library without a sequence.
   */
  public Action sequenceAction(String library) {
    Library l = libraries.get(library);
    if (l == null || l.sequence().isEmpty()) {
      return Action.ALLOW;
    }
    return l.sequence().get().action().orElse(action(library));
  }

  /** The errno {@code deny} returns for {@code library}: the library's, else the default. */
  public int errno(String library) {
    Library l = libraries.get(library);
    return l == null || l.errno().isEmpty() ? defaultErrno : l.errno().getAsInt();
  }

  /** The libraries' sequences, in file order. */
  public List<Sequence> sequences() {
    return libraries.values().stream().flatMap(l -> l.sequence().stream()).toList();
  }

  /** How many transitions the sequences allow, over every library. */
  public int transitions() {
    return sequences().stream().mapToInt(Sequence::transitions).sum();
  }

  /** How many (library, phase, syscall) allowances there are, over every library and phase. */
  public int allowances() {
    return libraries.values().stream().flatMap(l -> l.allow().values().stream()).mapToInt(Set::size).sum();
  }
}
