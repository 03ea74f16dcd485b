package dev.ukhook.policy;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.policy.PolicySpec.Action;
import dev.ukhook.policy.PolicySpec.Library;
import dev.ukhook.policy.PolicySpec.Sequence;
import dev.ukhook.policy.PolicySpec.Switch;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads and checks a policy file (docs/policy.md, "The policy file"). Every problem is found in one pass and
 * reported together, each as {@code FILE:LINE: problem}; nothing is ever written. The file is read through
 * SnakeYAML's node graph rather than into maps, because only the nodes keep line numbers and both keys of a
 * key given twice.
 */
public final class PolicyFile {
  /** The format version this ukhook reads. */
  public static final int VERSION = 1;
  /** The keys of a policy, in the order docs/policy.md lists them. */
  public static final List<String> KEYS =
      List.of("version", "default", "errno", "phases", "switch", "transparent", "libraries", "inject");
  /** The keys of one library's rules. */
  public static final List<String> LIBRARY_KEYS = List.of("default", "errno", "allow", "sequence");
  /** The keys of a library's sequence. */
  public static final List<String> SEQUENCE_KEYS = List.of("default", "after");
  /** The previous call a sequence's first transitions name: none yet in the thread. */
  public static final String SEQUENCE_START = "start";
  /** The keys of one phase switch. */
  public static final List<String> SWITCH_KEYS = List.of("from", "to", "after", "success");
  /** How many of an image's library names a problem suggests for a name the image does not have. */
  static final int CLOSEST = 3;

  private final String file;
  private final Set<String> imageLibraries;
  private final List<Problem> problems = new ArrayList<>();
  private final SortedMap<String, Integer> syscalls = SyscallNames.byName();

  private record Problem(int line, String text) {}

  private PolicyFile(String file, Set<String> imageLibraries) {
    this.file = file;
    this.imageLibraries = Set.copyOf(imageLibraries);
  }

  /**
   * Reads and checks {@code file}.
   *
   * @param imageLibraries the microlibraries of the image the policy is for; empty: names are not checked
   * @throws UkhookException (USAGE) listing every problem, one per line, then what to do
   */
  public static PolicySpec read(Path file, Set<String> imageLibraries) {
    if (!Files.exists(file)) {
      throw new UkhookException(Kind.USAGE, "no policy file at " + file + ": pass a policy (docs/policy.md), or"
          + " infer one from a run with `ukhook policy infer RUN_DIR -o " + file + "`");
    }
    return parse(file.toString(), TextFiles.readSmall(file, "policy file"), imageLibraries);
  }

  /**
   * Checks {@code text}, the contents of the policy file {@code fileName}.
   *
   * @param imageLibraries the microlibraries of the image the policy is for; empty: names are not checked
   * @throws UkhookException (USAGE) listing every problem, one per line, then what to do
   */
  public static PolicySpec parse(String fileName, String text, Set<String> imageLibraries) {
    PolicyFile f = new PolicyFile(fileName, imageLibraries);
    Optional<PolicySpec> spec = f.policy(text);
    if (!f.problems.isEmpty() || spec.isEmpty()) {
      throw new UkhookException(Kind.USAGE, f.report());
    }
    return spec.get();
  }

  /** The line before the {@code inject:} list that {@link #withInjections} appends. */
  static final String INJECT_MARKER = "# the injection rules of `--inject` (added by ukhook):";
  /** A policy that allows every call: the base of `--inject` without `--policy`. */
  static final String ALLOW_ALL = "version: " + VERSION + "\ndefault: allow\n";

  /**
   * The text of a policy file: {@code base} (a policy file's text; null: one that allows every call), without the
   * rules an earlier {@code --inject} added, with {@code rules} (`--inject` syntax) as its {@code inject:} list.
   *
   * @throws UkhookException (USAGE) for a rule that is not one, or a base that has its own {@code inject:} list
   */
  public static String withInjections(String fileName, String base, List<String> rules) {
    String text = base == null ? ALLOW_ALL : withoutInjections(base);
    for (String r : rules) {
      try {
        Injection.parse(r);
      } catch (IllegalArgumentException e) {
        throw new UkhookException(Kind.USAGE, "--inject: " + e.getMessage());
      }
    }
    if (!parse(fileName, text, Set.of()).injections().isEmpty()) {
      throw new UkhookException(Kind.USAGE, fileName + " has its own inject: list; add the rules of --inject to it, "
          + "or drop --inject");
    }
    if (rules.isEmpty()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
    sb.append(INJECT_MARKER).append("\ninject:\n");
    rules.forEach(r -> sb.append("  - '").append(r.strip().replace("'", "''")).append("'\n"));
    return sb.toString();
  }

  /** {@code text} without the rules {@link #withInjections} added to it. */
  static String withoutInjections(String text) {
    int at = text.indexOf("\n" + INJECT_MARKER + "\n");
    return at < 0 ? text : text.substring(0, at + 1);
  }

  private String report() {
    StringBuilder sb = new StringBuilder();
    problems.stream().sorted(Comparator.comparingInt(Problem::line))
        .forEach(p -> sb.append(file).append(':').append(p.line()).append(": ").append(p.text()).append('\n'));
    return sb.append("fix ").append(problems.size() == 1 ? "it" : "these " + problems.size() + " problems")
        .append(" (the format is in docs/policy.md) and check again with `ukhook policy check ").append(file)
        .append("`; nothing was changed").toString();
  }

  private Optional<PolicySpec> policy(String text) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      // "expected a single document in the stream" is the context of "but found another document".
      String what = e.getProblem().startsWith("but ") && e.getContext() != null
          ? e.getContext() + ", " + e.getProblem() : e.getProblem();
      problems.add(new Problem(at == null ? 1 : at.getLine() + 1, "not YAML: " + what));
      return Optional.empty();
    } catch (YAMLException e) {
      problems.add(new Problem(1, "not YAML: " + e.getMessage()));
      return Optional.empty();
    }
    if (root == null) {
      problems.add(new Problem(1, "the file is empty; a policy is a mapping that starts with `version: "
          + VERSION + "`"));
      return Optional.empty();
    }
    if (!(root instanceof MappingNode top)) {
      problem(root, "a policy is a mapping of keys (" + String.join(", ", KEYS) + "), not " + what(root));
      return Optional.empty();
    }
    Map<String, NodeTuple> keys = keys(top, KEYS, "");

    NodeTuple version = keys.get("version");
    if (version == null) {
      problem(top, "missing `version: " + VERSION + "`");
    } else {
      scalar(version.getValueNode(), "the version " + VERSION).filter(v -> !v.equals(String.valueOf(VERSION)))
          .ifPresent(v -> problem(version.getValueNode(), "version `" + v + "` is not supported: this ukhook reads"
              + " version " + VERSION));
    }
    Optional<Action> defaultAction = Optional.ofNullable(keys.get("default")).flatMap(t -> action(t.getValueNode()));
    boolean defaultValid = !keys.containsKey("default") || defaultAction.isPresent();
    Action action = defaultAction.orElse(Action.DENY);
    OptionalInt errno = OptionalInt.empty();
    if (keys.containsKey("errno")) {
      Node n = keys.get("errno").getValueNode();
      errno = errno(n);
      if (defaultValid && action != Action.DENY) {
        problem(n, "errno given, but the default action is `" + action.yamlName() + "`: an errno applies only to"
            + " deny; remove errno or make the default deny (contradictory)");
      }
    }

    List<String> phases = keys.containsKey("phases") ? phases(keys.get("phases").getValueNode())
        : List.of(PolicySpec.ALL_PHASES);
    List<Switch> switches = keys.containsKey("switch") ? switches(keys.get("switch").getValueNode(), phases)
        : List.of();
    Map<String, Node> transparent = new LinkedHashMap<>();
    if (keys.containsKey("transparent")) {
      Node n = keys.get("transparent").getValueNode();
      for (Node name : names(n, "library names")) {
        scalar(name, "a library name").ifPresent(lib -> {
          Node first = transparent.putIfAbsent(lib, name);
          if (first != null) {
            problem(name, "library `" + lib + "` listed twice in transparent (first at line " + line(first)
                + ")");
          } else {
            inImage(lib, name);
          }
        });
      }
    }
    Map<String, Library> libraries = keys.containsKey("libraries")
        ? libraries(keys.get("libraries"), phases, action, defaultValid) : Map.of();
    int transitions = libraries.values().stream().flatMap(l -> l.sequence().stream())
        .mapToInt(Sequence::transitions).sum();
    if (transitions > PolicyLayout.SEQ_MAX) {
      problem(keys.get("libraries").getKeyNode(), "the sequences allow " + transitions + " transitions, more than the "
          + PolicyLayout.SEQ_MAX + " the guest holds: give fewer libraries a sequence");
    }

    List<Injection> injections = keys.containsKey("inject") ? injections(keys.get("inject").getValueNode(), phases)
        : List.of();

    if (!problems.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PolicySpec(action, errno.orElse(Errnos.number("EPERM").getAsInt()), phases, switches,
        libraries, keys.containsKey("transparent") ? Optional.of(List.copyOf(transparent.keySet()))
            : Optional.empty(), injections));
  }

  /** {@code inject:}, a list of rules in `--inject` syntax ({@link Injection}). */
  private List<Injection> injections(Node n, List<String> phases) {
    List<Injection> rules = new ArrayList<>();
    for (Node rule : names(n, "injection rules (SYSCALL:error=ERRNO:when=N, as --inject takes)")) {
      scalar(rule, "an injection rule").ifPresent(text -> {
        try {
          Injection i = Injection.parse(text);
          i.library().ifPresent(lib -> inImage(lib, rule));
          if (i.phase().isPresent() && !phases.contains(i.phase().get())) {
            problem(rule, "injection `" + text + "` names phase " + i.phase().get() + ", not one of " + phases);
          }
          rules.add(i);
        } catch (IllegalArgumentException e) {
          problem(rule, e.getMessage());
        }
      });
    }
    if (rules.size() > PolicyLayout.MAX_INJECT) {
      problem(n, rules.size() + " injection rules, more than the " + PolicyLayout.MAX_INJECT + " a policy holds");
    }
    return rules;
  }

  private List<String> phases(Node n) {
    List<String> phases = new ArrayList<>();
    Map<String, Node> seen = new HashMap<>();
    List<Node> names = names(n, "phase names");
    if (names.isEmpty() && (n instanceof SequenceNode || isNull(n))) {
      problem(n, "phases is empty: name at least one, or leave phases out for the one phase `"
          + PolicySpec.ALL_PHASES + "`");
    }
    for (Node name : names) {
      scalar(name, "a phase name").ifPresent(p -> {
        Node first = seen.putIfAbsent(p, name);
        if (first != null) {
          problem(name, "phase `" + p + "` listed twice (first at line " + line(first) + ")");
        } else {
          phases.add(p);
        }
      });
    }
    if (phases.size() > PolicySpec.MAX_PHASES) {
      problem(n, phases.size() + " phases, more than the guest's limit of " + PolicySpec.MAX_PHASES);
    }
    return phases;
  }

  private List<Switch> switches(Node n, List<String> phases) {
    List<Switch> switches = new ArrayList<>();
    if (!(n instanceof SequenceNode seq)) {
      problem(n, "switch takes a list of {from: PHASE, to: PHASE, after: SYSCALL}, not " + what(n));
      return switches;
    }
    Map<String, Node> leaving = new HashMap<>();
    for (Node item : seq.getValue()) {
      if (!(item instanceof MappingNode m)) {
        problem(item, "a switch is a mapping {from: PHASE, to: PHASE, after: SYSCALL}, not " + what(item));
        continue;
      }
      Map<String, NodeTuple> k = keys(m, SWITCH_KEYS, " in a switch");
      for (String required : List.of("from", "to", "after")) {
        if (!k.containsKey(required)) {
          problem(m, "the switch has no `" + required + "`");
        }
      }
      Optional<String> from = Optional.ofNullable(k.get("from")).flatMap(t -> phase(t.getValueNode(), phases));
      Optional<String> to = Optional.ofNullable(k.get("to")).flatMap(t -> phase(t.getValueNode(), phases));
      OptionalInt nr = k.containsKey("after") ? syscall(k.get("after").getValueNode()) : OptionalInt.empty();
      Optional<Boolean> success = Optional.of(true);
      if (k.containsKey("success")) {
        Node s = k.get("success").getValueNode();
        // YAML 1.1, which SnakeYAML reads, also spells booleans yes/no and on/off.
        success = s instanceof ScalarNode sc && sc.getTag().equals(Tag.BOOL)
            ? Optional.of(List.of("true", "yes", "on", "y").contains(sc.getValue().toLowerCase(Locale.ROOT)))
            : Optional.empty();
        if (success.isEmpty()) {
          problem(s, "success takes true or false, not " + what(s));
        }
      }
      if (from.isPresent() && to.isPresent() && from.get().equals(to.get())) {
        problem(m, "a switch from phase `" + from.get() + "` to itself: remove it or name another phase");
        continue;
      }
      if (from.isPresent()) {
        Node first = leaving.putIfAbsent(from.get(), m);
        if (first != null) {
          problem(m, "a second switch from phase `" + from.get() + "` (the first at line " + line(first)
              + "): a phase is left by one rule (contradictory)");
          continue;
        }
      }
      if (from.isPresent() && to.isPresent() && nr.isPresent() && success.isPresent()) {
        switches.add(new Switch(from.get(), to.get(), nr.getAsInt(), success.get()));
      }
    }
    return switches;
  }

  private Map<String, Library> libraries(NodeTuple tuple, List<String> phases, Action defaultAction,
      boolean defaultValid) {
    Map<String, Library> libraries = new LinkedHashMap<>();
    Node n = tuple.getValueNode();
    if (isNull(n)) {
      return libraries;
    }
    if (!(n instanceof MappingNode m)) {
      problem(n, "libraries takes a mapping of library name to its rules, not " + what(n));
      return libraries;
    }
    Map<String, Node> seen = new HashMap<>();
    for (NodeTuple t : m.getValue()) {
      Optional<String> name = scalar(t.getKeyNode(), "a library name");
      if (name.isEmpty()) {
        continue;
      }
      String lib = name.get();
      Node first = seen.putIfAbsent(lib, t.getKeyNode());
      if (first != null) {
        problem(t.getKeyNode(), "library `" + lib + "` given twice (first at line " + line(first) + ")");
        continue;
      }
      inImage(lib, t.getKeyNode());
      library(lib, t.getValueNode(), phases, defaultAction, defaultValid).ifPresent(l -> libraries.put(lib, l));
    }
    if (seen.size() > PolicySpec.MAX_LIBRARIES) {
      problem(tuple.getKeyNode(), seen.size() + " libraries, more than the guest's limit of "
          + PolicySpec.MAX_LIBRARIES);
    }
    return libraries;
  }

  private Optional<Library> library(String lib, Node n, List<String> phases, Action defaultAction,
      boolean defaultValid) {
    Map<String, SortedSet<Integer>> allow = new LinkedHashMap<>();
    phases.forEach(p -> allow.put(p, new TreeSet<>()));
    if (isNull(n)) {
      // `libfoo:` alone: no call allowed, the default applies to all.
      return Optional.of(new Library(lib, Optional.empty(), OptionalInt.empty(), allow));
    }
    if (!(n instanceof MappingNode m)) {
      problem(n, "the rules of `" + lib + "` are a mapping (" + String.join(", ", LIBRARY_KEYS) + "), not "
          + what(n));
      return Optional.empty();
    }
    Map<String, NodeTuple> k = keys(m, LIBRARY_KEYS, " in the rules of `" + lib + "`");
    Optional<Action> action = Optional.ofNullable(k.get("default")).flatMap(t -> action(t.getValueNode()));
    boolean actionValid = k.containsKey("default") ? action.isPresent() : defaultValid;
    OptionalInt errno = OptionalInt.empty();
    if (k.containsKey("errno")) {
      Node e = k.get("errno").getValueNode();
      errno = errno(e);
      Action effective = action.orElse(defaultAction);
      if (actionValid && effective != Action.DENY) {
        problem(e, "errno given for `" + lib + "`, but its action is `" + effective.yamlName() + "`"
            + (action.isPresent() ? "" : " (the policy's default)") + ": an errno applies only to deny; remove"
            + " errno or set `default: deny` (contradictory)");
      }
    }
    if (k.containsKey("allow")) {
      Node a = k.get("allow").getValueNode();
      if (a instanceof MappingNode byPhase) {
        Map<String, NodeTuple> named = keys(byPhase, phases, "", false);
        named.forEach((phase, t) -> {
          if (!phases.contains(phase)) {
            problem(t.getKeyNode(), "phase `" + phase + "` is not in phases " + phases);
          } else {
            allow.put(phase, syscalls(t.getValueNode(), lib, "in phase `" + phase + "`"));
          }
        });
      } else if (isNull(a) || a instanceof SequenceNode) {
        SortedSet<Integer> nrs = syscalls(a, lib, phases.size() == 1 ? "" : "in every phase");
        phases.forEach(p -> allow.put(p, nrs));
      } else {
        problem(a, "allow takes a list of system calls, or a mapping of phase to list, not " + what(a));
      }
    }
    Optional<Sequence> sequence = Optional.empty();
    if (k.containsKey("sequence")) {
      sequence = sequence(lib, k.get("sequence"), actionValid ? Optional.of(action.orElse(defaultAction))
          : Optional.empty());
    }
    return Optional.of(new Library(lib, action, errno, allow, sequence));
  }

  /**
   * A library's sequence: {@code default} (its action), {@code after} (call or {@value #SEQUENCE_START} -> the
   * calls allowed next). {@code libraryAction} is the library's action when known.
   */
  private Optional<Sequence> sequence(String lib, NodeTuple tuple, Optional<Action> libraryAction) {
    Node n = tuple.getValueNode();
    if (!(n instanceof MappingNode m)) {
      problem(n, "the sequence of `" + lib + "` is a mapping (" + String.join(", ", SEQUENCE_KEYS) + "), not "
          + what(n));
      return Optional.empty();
    }
    Map<String, NodeTuple> k = keys(m, SEQUENCE_KEYS, " in the sequence of `" + lib + "`");
    Optional<Action> action = Optional.ofNullable(k.get("default")).flatMap(t -> action(t.getValueNode()));
    Optional<Action> effective = k.containsKey("default") ? action : libraryAction;
    if (effective.filter(a -> a == Action.ALLOW).isPresent()) {
      problem(k.containsKey("default") ? k.get("default").getValueNode() : tuple.getKeyNode(), "the sequence of `"
          + lib + "` would check nothing: its action is allow" + (k.containsKey("default") ? "" : " (the library's)")
          + "; give it `default: log`, `deny` or `kill`");
    }
    SortedMap<Integer, SortedSet<Integer>> after = new TreeMap<>();
    if (!k.containsKey("after") || !(k.get("after").getValueNode() instanceof MappingNode a)) {
      problem(k.containsKey("after") ? k.get("after").getValueNode() : tuple.getKeyNode(), "the sequence of `" + lib
          + "` needs `after`: a mapping of each call (or `" + SEQUENCE_START + "`, none yet in the thread) to the"
          + " list of calls allowed next");
      return Optional.empty();
    }
    for (Map.Entry<String, NodeTuple> e : keys(a, List.of(), "", false).entrySet()) {
      OptionalInt prev = e.getKey().equals(SEQUENCE_START) ? OptionalInt.of(PolicyLayout.SEQ_START)
          : sequenceCall(e.getValue().getKeyNode());
      SortedSet<Integer> next = new TreeSet<>();
      syscalls(e.getValue().getValueNode(), lib, "after `" + e.getKey() + "`").forEach(nr -> {
        if (nr >= PolicyLayout.BITMAP_BITS) {
          problem(e.getValue().getValueNode(), tooHigh(SyscallNames.name(nr), nr));
        }
        next.add(nr);
      });
      prev.ifPresent(p -> after.put(p, next));
    }
    return Optional.of(new Sequence(action, after));
  }

  private OptionalInt sequenceCall(Node n) {
    OptionalInt nr = syscall(n);
    if (nr.isPresent() && nr.getAsInt() >= PolicyLayout.BITMAP_BITS) {
      problem(n, tooHigh(SyscallNames.name(nr.getAsInt()), nr.getAsInt()));
    }
    return nr;
  }

  private static String tooHigh(String name, int nr) {
    return "`" + name + "` (" + nr + ") is above the " + PolicyLayout.BITMAP_BITS + " system call numbers the guest's"
        + " filter tells apart";
  }

  /** The numbers of a list of syscall names; a name given twice, or unknown, is a problem. */
  private SortedSet<Integer> syscalls(Node n, String lib, String where) {
    SortedSet<Integer> nrs = new TreeSet<>();
    Map<String, Node> seen = new HashMap<>();
    for (Node item : names(n, "system call names")) {
      Optional<String> name = scalar(item, "a system call name");
      if (name.isEmpty()) {
        continue;
      }
      Node first = seen.putIfAbsent(name.get(), item);
      if (first != null) {
        problem(item, "`" + name.get() + "` listed twice for `" + lib + "`" + (where.isEmpty() ? "" : " " + where)
            + " (first at line " + line(first) + ")");
        continue;
      }
      syscall(item).ifPresent(nrs::add);
    }
    return nrs;
  }

  /** The elements of a list of names: a sequence, or nothing for a key without a value. */
  private List<Node> names(Node n, String what) {
    if (n instanceof SequenceNode seq) {
      return seq.getValue();
    }
    if (!isNull(n)) {
      problem(n, "expected a list of " + what + " ([a, b] or one `- a` per line), not " + what(n));
    }
    return List.of();
  }

  private OptionalInt syscall(Node n) {
    Optional<String> name = scalar(n, "a system call name");
    if (name.isEmpty()) {
      return OptionalInt.empty();
    }
    Integer nr = syscalls.get(name.get());
    if (nr == null) {
      problem(n, "unknown system call `" + name.get() + "`" + closest(name.get(), syscalls.keySet(), 1, 2)
          .stream().map(c -> " (did you mean " + c + "?)").findFirst().orElse("")
          + ": use the x86-64 Linux name, as in syscall_64.tbl");
      return OptionalInt.empty();
    }
    return OptionalInt.of(nr);
  }

  private Optional<Action> action(Node n) {
    List<String> names = Arrays.stream(Action.values()).map(Action::yamlName).toList();
    Optional<String> v = scalar(n, "an action (" + String.join(", ", names) + ")");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!names.contains(v.get())) {
      problem(n, "unknown action `" + v.get() + "`: use allow, log, deny or kill");
      return Optional.empty();
    }
    return Optional.of(Action.valueOf(v.get().toUpperCase(Locale.ROOT)));
  }

  private OptionalInt errno(Node n) {
    Optional<String> v = scalar(n, "an errno name such as EPERM");
    if (v.isEmpty()) {
      return OptionalInt.empty();
    }
    OptionalInt nr = Errnos.number(v.get());
    if (nr.isEmpty()) {
      problem(n, "unknown errno `" + v.get() + "`" + closest(v.get().toUpperCase(Locale.ROOT),
          Errnos.byName().keySet(), 1, 2).stream().map(c -> " (did you mean " + c + "?)").findFirst().orElse("")
          + ": use an x86-64 Linux errno name such as EPERM or EACCES");
    }
    return nr;
  }

  private Optional<String> phase(Node n, List<String> phases) {
    Optional<String> p = scalar(n, "a phase name");
    if (p.isPresent() && !phases.contains(p.get())) {
      problem(n, "phase `" + p.get() + "` is not in phases " + phases);
      return Optional.empty();
    }
    return p;
  }

  private void inImage(String lib, Node at) {
    if (imageLibraries.isEmpty() || imageLibraries.contains(lib)) {
      return;
    }
    problem(at, "library `" + lib + "` is not in this image; the closest it has: "
        + String.join(", ", closest(lib, imageLibraries, CLOSEST, Integer.MAX_VALUE)));
  }

  /**
   * The keys of a mapping, each once: a key given twice, or one not in {@code valid}, is a problem.
   *
   * @param where where the mapping is, for the problem of an unknown key: "" or " in ..."
   */
  private Map<String, NodeTuple> keys(MappingNode m, List<String> valid, String where) {
    return keys(m, valid, where, true);
  }

  private Map<String, NodeTuple> keys(MappingNode m, List<String> valid, String where, boolean onlyValid) {
    Map<String, NodeTuple> keys = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Optional<String> key = scalar(t.getKeyNode(), "a key");
      if (key.isEmpty()) {
        continue;
      }
      NodeTuple first = keys.putIfAbsent(key.get(), t);
      if (first != null) {
        problem(t.getKeyNode(), "`" + key.get() + "` given twice (first at line " + line(first.getKeyNode()) + ")");
      } else if (onlyValid && !valid.contains(key.get())) {
        keys.remove(key.get());
        problem(t.getKeyNode(), "unknown key `" + key.get() + "`" + where + "; valid keys: "
            + String.join(", ", valid));
      }
    }
    return keys;
  }

  /** A scalar's text; anything else (or no value) is a problem that says {@code expected} was. */
  private Optional<String> scalar(Node n, String expected) {
    if (n instanceof ScalarNode s && !isNull(s) && !s.getValue().isEmpty()) {
      return Optional.of(s.getValue());
    }
    problem(n, "expected " + expected + ", not " + what(n));
    return Optional.empty();
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  private static String what(Node n) {
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (isNull(n) || (n instanceof ScalarNode s && s.getValue().isEmpty())) {
      return "nothing";
    }
    return n instanceof ScalarNode s ? "`" + s.getValue() + "`" : "a " + n.getNodeId();
  }

  private void problem(Node at, String text) {
    problems.add(new Problem(line(at), text));
  }

  private static int line(Node n) {
    return n.getStartMark().getLine() + 1;
  }

  /** The phase names of the run in {@code runDir}: those of its policy.yaml, or none (phase0, phase1...). */
  public static List<String> phaseNames(Path runDir) {
    Path policy = runDir.resolve(RunDir.POLICY_YAML);
    return Files.isRegularFile(policy) ? read(policy, Set.of()).phases() : List.of();
  }

  /**
   * Up to {@code count} of {@code candidates} nearest to {@code name}: by edit distance (at most {@code max}),
   * then by the longest common prefix, since library names share theirs by family (libsm*, libposix_*).
   */
  public static List<String> closest(String name, Set<String> candidates, int count, int max) {
    return candidates.stream().filter(c -> distance(name, c) <= max)
        .sorted(Comparator.<String>comparingInt(c -> distance(name, c))
            .thenComparing(Comparator.<String>comparingInt(c -> commonPrefix(name, c)).reversed())
            .thenComparing(Comparator.naturalOrder()))
        .limit(count).collect(Collectors.toList());
  }

  private static int commonPrefix(String a, String b) {
    int n = 0;
    while (n < a.length() && n < b.length() && a.charAt(n) == b.charAt(n)) {
      n++;
    }
    return n;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
