package dev.ukhook.format;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * ukhook's one system call table, {@code syscalls.tsv} beside this class (strace's {@code syscallent.h} way): one
 * x86-64 Linux call a row with its number, name, argument count and shape, classes and danger tier. The numbers
 * are Linux's arch/x86/entry/syscalls/syscall_64.tbl (0..334 and 424..450; 335..423 are unassigned on x86-64)
 * and, from {@value #UNIKRAFT_BASE} up, Unikraft's own. Names, the listing's shapes, the phase rule's waits, the
 * danger tiers, the policy's always-allowed calls and the hook library's C switches all come from it.
 */
public final class SyscallNames {
  /**
   * System calls Unikraft defines (UK_SYSCALL_R_DEFINE and friends) under a name x86-64 Linux does not have, so
   * native calls of them can be named: numbers from {@value #UNIKRAFT_BASE} up, never used by Linux's table.
   * fstatat is vfscore's (Linux has newfstatat).
   */
  public static final int UNIKRAFT_BASE = 1024;

  /** strace's classes ({@code -e trace=%file}), in the table's order. */
  public static final List<String> STRACE_CLASSES = List.of("desc", "file", "network", "process", "signal",
      "memory", "ipc", "creds", "clock");
  /** ukhook's own classes: the path and buffer copies, the phase rule's waits and accepts, idling, exits. */
  public static final List<String> UKHOOK_CLASSES = List.of("path", "buffer", "wait", "idle", "accept", "exit");
  /** Other names of a class, as strace takes them. */
  public static final Map<String, String> CLASS_ALIASES = Map.of("net", "network");
  /** The danger tiers, most dangerous first (their scores are {@code aggregate.DangerScores}'). */
  public static final List<String> TIERS = List.of("critical", "high", "medium", "low");

  /**
   * One row of the table.
   *
   * @param shape each argument's kind, as {@code report.StraceFormat} prints it ({@code path}: the file path the
   *     hook copies; {@code buf}: the bytes read or written it copies)
   * @param hexReturn whether the call returns an address ({@code => hex})
   * @param classes strace's, then ukhook's ({@link #STRACE_CLASSES}, {@link #UKHOOK_CLASSES})
   * @param sources the keys the tier rests on, comma-separated (docs/security-estimate.md)
   */
  public record Syscall(int nr, String name, List<String> shape, boolean hexReturn, Set<String> classes,
      String tier, String sources, String reason) {
    /** The index of the argument the hook copies as a path ({@code path} or {@code buf}), or -1. */
    public int copiedArg() {
      int i = shape.indexOf("path");
      return i >= 0 ? i : shape.indexOf("buf");
    }
  }

  private static final String RESOURCE = "syscalls.tsv";
  private static final String HEADER = "nr\tname\targs\tshape\tclasses\ttier\tsources\treason";

  private static final class Table {
    static final List<Syscall> ROWS = load();
    static final Syscall[] BY_NR = byNumber(ROWS);
    static final SortedMap<String, Integer> BY_NAME = Collections.unmodifiableSortedMap(new TreeMap<>(
        ROWS.stream().collect(Collectors.toMap(Syscall::name, Syscall::nr))));
  }

  private SyscallNames() {}

  private static List<Syscall> load() {
    try (InputStream in = SyscallNames.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing class resource " + RESOURCE);
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Syscall[] byNumber(List<Syscall> rows) {
    Syscall[] byNr = new Syscall[rows.stream().mapToInt(Syscall::nr).max().orElse(-1) + 1];
    rows.forEach(s -> byNr[s.nr()] = s);
    return byNr;
  }

  /**
   * Parses the table's lines: {@code #} comments, the header, then one row a line, fields separated by tabs.
   * Refuses a number or name given twice, an argument count the shape does not have, an unknown class or tier,
   * a path or buffer class without its argument (and the reverse), and a row without a source or reason.
   */
  static List<Syscall> parse(List<String> lines) {
    List<Syscall> rows = new ArrayList<>();
    Set<Integer> numbers = new TreeSet<>();
    Set<String> names = new TreeSet<>();
    boolean header = false;
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String at = RESOURCE + ":" + lineNo + ": ";
      if (!header) {
        if (!line.equals(HEADER)) {
          throw new IllegalArgumentException(at + "expected the header " + HEADER.replace('\t', ' '));
        }
        header = true;
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 8) {
        throw new IllegalArgumentException(at + "expected " + HEADER.replace('\t', ' ') + ", tab-separated");
      }
      int nr;
      int args;
      try {
        nr = Integer.parseInt(f[0]);
        args = Integer.parseInt(f[2]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(at + "nr and args are numbers");
      }
      if (nr < 0 || nr >= TraceLayout.NR_UNKNOWN || !numbers.add(nr)) {
        throw new IllegalArgumentException(at + "number " + nr + " out of 0.." + (TraceLayout.NR_UNKNOWN - 1)
            + " or given twice");
      }
      if (!f[1].matches("[a-z0-9_]+") || !names.add(f[1])) {
        throw new IllegalArgumentException(at + "name `" + f[1] + "` not [a-z0-9_]+ or given twice");
      }
      String[] sides = f[3].split("=>", -1);
      List<String> shape = words(sides[0]);
      boolean hexReturn = sides.length == 2 && sides[1].strip().equals("hex");
      if (sides.length > 2 || sides.length == 2 && !hexReturn) {
        throw new IllegalArgumentException(at + "a shape ends in `=> hex` or nothing");
      }
      if (shape.size() != args) {
        throw new IllegalArgumentException(at + f[1] + " has " + args + " arguments, its shape " + shape.size());
      }
      Set<String> classes = new LinkedHashSet<>(f[4].isEmpty() ? List.of() : Arrays.asList(f[4].split(",")));
      for (String c : classes) {
        if (!STRACE_CLASSES.contains(c) && !UKHOOK_CLASSES.contains(c)) {
          throw new IllegalArgumentException(at + "unknown class " + c);
        }
      }
      if (classes.contains("path") != (shape.indexOf("path") >= 0 && shape.indexOf("path") == shape.lastIndexOf("path"))
          || classes.contains("buffer") != (shape.indexOf("buf") == 1 && shape.lastIndexOf("buf") == 1)
          || shape.contains("path") && shape.contains("buf")) {
        throw new IllegalArgumentException(at + "class path needs one path argument, class buffer a second "
            + "argument buf (the hook copies that one), and the reverse");
      }
      if (!TIERS.contains(f[5])) {
        throw new IllegalArgumentException(at + "unknown tier " + f[5] + ", not one of " + TIERS);
      }
      if (f[6].isBlank() || f[7].isBlank()) {
        throw new IllegalArgumentException(at + "a tier needs its sources and a reason");
      }
      rows.add(new Syscall(nr, f[1], shape, hexReturn, Collections.unmodifiableSet(classes), f[5], f[6], f[7]));
    }
    if (!header) {
      throw new IllegalArgumentException(RESOURCE + ": no header " + HEADER.replace('\t', ' '));
    }
    return List.copyOf(rows);
  }

  private static List<String> words(String s) {
    String t = s.strip();
    return t.isEmpty() ? List.of() : List.of(t.split(" +"));
  }

  /** Every row, by number. */
  public static List<Syscall> all() {
    return Table.ROWS;
  }

  /** The row of {@code nr}, if the table has one. */
  public static Optional<Syscall> row(int nr) {
    return nr >= 0 && nr < Table.BY_NR.length ? Optional.ofNullable(Table.BY_NR[nr]) : Optional.empty();
  }

  /**
   * The call's name: {@code <unknown native>} for a native call whose name the guest's table lacked
   * ({@link TraceLayout#NR_UNKNOWN}), {@code syscall_<nr>} for another number this table does not know.
   */
  public static String name(int nr) {
    if (nr >= 0 && nr < Table.BY_NR.length && Table.BY_NR[nr] != null) {
      return Table.BY_NR[nr].name();
    }
    if (nr == TraceLayout.NR_UNKNOWN) {
      return "<unknown native>";
    }
    return "syscall_" + Integer.toUnsignedString(nr);
  }

  /** Whether {@link #name(int)} returns a real name rather than a fallback. */
  public static boolean isKnown(int nr) {
    return row(nr).isPresent();
  }

  /** Every known name with its number, sorted by name: the guest's table for naming native calls. */
  public static SortedMap<String, Integer> byName() {
    return Table.BY_NAME;
  }

  /** The number of a call the code names (a missing row is a bug, not bad input). */
  public static int number(String name) {
    Integer nr = Table.BY_NAME.get(name);
    if (nr == null) {
      throw new IllegalStateException(RESOURCE + " has no row " + name);
    }
    return nr;
  }

  /** The numbers of the calls in {@code cls} (a name of {@link #STRACE_CLASSES} or {@link #UKHOOK_CLASSES}). */
  public static SortedSet<Integer> inClass(String cls) {
    if (!STRACE_CLASSES.contains(cls) && !UKHOOK_CLASSES.contains(cls)) {
      throw new IllegalArgumentException("no class " + cls);
    }
    return Table.ROWS.stream().filter(s -> s.classes().contains(cls)).map(Syscall::nr)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> namesInClass(String cls) {
    return inClass(cls).stream().map(SyscallNames::name).collect(Collectors.toUnmodifiableSet());
  }

  /** The calls that wait for descriptors to become ready: a server's wait for work (class wait). */
  public static final Set<String> WAITS = namesInClass("wait");

  /** The calls an idle program keeps making: the waits, sleeps and clock reads (class idle). Anything else is work. */
  public static final Set<String> IDLE = namesInClass("idle");

  private static final boolean[] IDLE_NR = new boolean[Table.BY_NR.length];

  static {
    inClass("idle").forEach(nr -> IDLE_NR[nr] = true);
  }

  /** Whether the call is one an idle program makes ({@link #IDLE}). */
  public static boolean isIdle(int nr) {
    return nr >= 0 && nr < IDLE_NR.length && IDLE_NR[nr];
  }

  /**
   * The calls whose second argument is a buffer they read or write as many bytes of as they return (class
   * buffer): with a path copy in the image, its first bytes are copied into the record at the return
   * (docs/trace-format.md, "Tail").
   */
  public static SortedSet<Integer> bufferCalls() {
    return inClass("buffer");
  }

  /**
   * The calls that take a file path (class path), number to the path argument's index, sorted by number: what an
   * image built with a path copy copies (docs/trace-format.md, "Tail"). One table for the guest (rendered into
   * stream.h) and the host.
   */
  public static SortedMap<Integer, Integer> pathArgs() {
    SortedMap<Integer, Integer> m = new TreeMap<>();
    inClass("path").forEach(nr -> m.put(nr, Table.BY_NR[nr].shape().indexOf("path")));
    return m;
  }
}
