package dev.ukhook.policy;

import static dev.ukhook.format.PolicyLayout.BITMAP_BITS;

import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A fault injection rule (docs/policy.md, "Fault injection"), in strace's {@code -e inject=} syntax where it fits:
 * {@code SET[:error=ERRNO|:retval=N][:when=EXPR][:lib=LIBRARY][:phase=PHASE][:prob=P[:seed=N]]}. SET is a syscall, a
 * comma-separated list of them, or a class ({@code %file}, {@code %network}, ...). The guest fails the chosen calls
 * of SET (those the policy in force allows) without running them: the caller gets {@code -ERRNO}, or N.
 *
 * <p>{@code when} counts the calls the rule matches, from 1: {@code 3} the third only, {@code 3+} the third and
 * every later one, {@code 3+2} the third, fifth, seventh..., {@code 3..5} the third to the fifth, {@code 3..9+3} the
 * third, sixth and ninth; without it, every call. {@code prob=P} then fails each chosen call with probability P, by
 * a random sequence that {@code seed} (default 1) fixes, so a run can be repeated.
 *
 * @param text the rule as given
 * @param syscalls the syscall numbers it matches (each below the 512 an allowlist covers)
 * @param library the library whose calls it matches; empty: any
 * @param phase the phase it matches; empty: any
 * @param ret what the caller gets: {@code -errno} or a faked result (0 to 32767)
 * @param first the first call it fails (from 1)
 * @param last the last call it may fail; {@link #NO_LAST} none
 * @param step from {@code first} on, every step-th call; 0 the first alone
 * @param chance of 2^32, the share of the chosen calls that fail; 0 all of them
 * @param seed the random sequence's start, never 0
 */
public record Injection(String text, SortedSet<Integer> syscalls, Optional<String> library, Optional<String> phase,
    int ret, long first, long last, long step, long chance, long seed) {

  public static final long NO_LAST = 0xffffffffL;
  /** The keys after SET, in the order the syntax lists them. */
  public static final List<String> KEYS = List.of("error", "retval", "when", "lib", "phase", "prob", "seed");
  /** The largest count or faked result the guest holds (a 32-bit counter, a 16-bit signed result). */
  static final long MAX_COUNT = 0xfffffffeL;
  static final int MAX_RETVAL = 32767;
  private static final int MAX_ERRNO = 4095;

  public Injection {
    syscalls = Collections.unmodifiableSortedSet(new TreeSet<>(syscalls));
  }

  /**
   * Reads a rule.
   *
   * @throws IllegalArgumentException saying what is wrong and what the syntax is
   */
  public static Injection parse(String text) {
    String spec = text.strip();
    if (spec.startsWith("inject=")) {
      spec = spec.substring("inject=".length());
    }
    String[] parts = spec.split(":", -1);
    if (parts[0].isEmpty()) {
      throw bad(text, "no syscall: start with one, a list (open,openat) or a class (%file)");
    }
    SortedSet<Integer> set = syscalls(text, parts[0]);
    Map<String, String> keys = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String key = eq < 0 ? parts[i] : parts[i].substring(0, eq);
      if (eq < 0 || !KEYS.contains(key)) {
        throw bad(text, "`" + parts[i] + "` is not KEY=VALUE with KEY one of " + String.join(", ", KEYS));
      }
      if (keys.put(key, parts[i].substring(eq + 1)) != null) {
        throw bad(text, key + " is given twice");
      }
    }
    if (keys.containsKey("error") == keys.containsKey("retval")) {
      throw bad(text, "give what the call returns instead: error=ERRNO (a name such as EIO, or a number) or "
          + "retval=N (0 to " + MAX_RETVAL + "), one of them");
    }
    int ret = keys.containsKey("error") ? -errno(text, keys.get("error"))
        : (int) number(text, "retval", keys.get("retval"), 0, MAX_RETVAL);
    long[] when = keys.containsKey("when") ? when(text, keys.get("when")) : new long[] {1, NO_LAST, 1};
    long chance = 0;
    if (keys.containsKey("prob")) {
      double p;
      try {
        p = Double.parseDouble(keys.get("prob"));
      } catch (NumberFormatException e) {
        p = Double.NaN;
      }
      if (!(p > 0 && p <= 1)) {
        throw bad(text, "prob=" + keys.get("prob") + " is not a probability above 0 and at most 1 (such as 0.1)");
      }
      chance = p == 1 ? 0 : Math.max(1, Math.round(p * 0x1p32));
    }
    if (keys.containsKey("seed") && !keys.containsKey("prob")) {
      throw bad(text, "seed applies to prob: add prob=P, or drop seed");
    }
    long seed = keys.containsKey("seed") ? number(text, "seed", keys.get("seed"), 1, Long.MAX_VALUE) : 1;
    return new Injection(text.strip(), set, Optional.ofNullable(keys.get("lib")).filter(s -> !s.isEmpty()),
        Optional.ofNullable(keys.get("phase")).filter(s -> !s.isEmpty()), ret, when[0], when[1], when[2], chance,
        seed);
  }

  /** Whether the {@code n}-th call the rule matches (from 1) is chosen by its count (before any {@code prob}). */
  public boolean chosen(long n) {
    return n >= first && n <= last && (step == 0 ? n == first : (n - first) % step == 0);
  }

  private static SortedSet<Integer> syscalls(String text, String set) {
    SortedSet<Integer> nrs = new TreeSet<>();
    if (set.startsWith("%")) {
      String cls = SyscallNames.CLASS_ALIASES.getOrDefault(set.substring(1), set.substring(1));
      if (!SyscallNames.STRACE_CLASSES.contains(cls) && !SyscallNames.UKHOOK_CLASSES.contains(cls)) {
        throw bad(text, "no class " + set + ": the classes are %" + String.join(", %", SyscallNames.STRACE_CLASSES)
            + ", %" + String.join(", %", SyscallNames.UKHOOK_CLASSES));
      }
      SyscallNames.inClass(cls).stream().filter(nr -> nr < BITMAP_BITS).forEach(nrs::add);
      return nrs;
    }
    for (String name : set.split(",", -1)) {
      Integer nr = SyscallNames.byName().get(name);
      if (nr == null) {
        throw bad(text, "no syscall `" + name + "`" + PolicyFile.closest(name, SyscallNames.byName().keySet(), 1, 2)
            .stream().map(c -> " (did you mean " + c + "?)").findFirst().orElse(""));
      }
      if (nr >= BITMAP_BITS) {
        throw bad(text, name + " (" + nr + ") is above the " + BITMAP_BITS + " syscall numbers a rule covers");
      }
      nrs.add(nr);
    }
    return nrs;
  }

  private static int errno(String text, String v) {
    OptionalInt nr = Errnos.number(v);
    if (nr.isPresent()) {
      return nr.getAsInt();
    }
    if (v.matches("[0-9]{1,4}")) {
      return (int) number(text, "error", v, 1, MAX_ERRNO);
    }
    throw bad(text, "error=" + v + " is not an errno name (EIO, ENOSPC...) or a number from 1 to " + MAX_ERRNO);
  }

  /** {first, last, step} of FIRST[..LAST][+[STEP]]. */
  private static long[] when(String text, String v) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)(?:\\.\\.([0-9]+))?(\\+([0-9]*))?")
        .matcher(v);
    if (!m.matches()) {
      throw bad(text, "when=" + v + " is not FIRST, FIRST+, FIRST+STEP, FIRST..LAST or FIRST..LAST+STEP "
          + "(calls counted from 1)");
    }
    long first = number(text, "when", m.group(1), 1, MAX_COUNT);
    long last = m.group(2) == null ? (m.group(3) == null ? first : NO_LAST)
        : number(text, "when", m.group(2), first, MAX_COUNT);
    long step = m.group(3) == null ? (m.group(2) == null ? 0 : 1)
        : m.group(4).isEmpty() ? 1 : number(text, "when", m.group(4), 1, MAX_COUNT);
    return new long[] {first, last, step};
  }

  private static long number(String text, String key, String v, long min, long max) {
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw bad(text, key + "=" + v + " is not a whole number from " + min + " to " + max);
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("injection `" + text.strip() + "`: " + why
        + "; the syntax is SYSCALL[,SYSCALL...]|%CLASS[:error=ERRNO|:retval=N][:when=EXPR][:lib=LIBRARY]"
        + "[:phase=PHASE][:prob=P[:seed=N]]");
  }
}
