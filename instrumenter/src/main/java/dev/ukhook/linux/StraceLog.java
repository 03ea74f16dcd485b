package dev.ukhook.linux;

import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The system calls of a Linux program as {@code strace -f -k -ttt -T -qq -o FILE} writes them: one line per call
 * (or an {@code <unfinished ...>} line and its {@code <... NAME resumed>} line, when threads interleave), each
 * followed by its stack, innermost frame first, with the object file and the function of every frame.
 */
public final class StraceLog {
  /** {@code 25045 1796654831.045351 getpid() = 25045 <0.000433>}: pid, time, the rest. */
  private static final Pattern LINE = Pattern.compile("^(\\d+) +(\\d+)\\.(\\d{6}) (.*)$");
  private static final Pattern START = Pattern.compile("^([a-z_0-9]+)\\((.*)$");
  private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. ([a-z_0-9]+) resumed>(.*)$");
  /** {@code ) = -1 ENOENT (No such file or directory) <0.000055>} at the end of a finished call. */
  private static final Pattern END = Pattern.compile("\\) += (-?\\d+|0x\\p{XDigit}+|\\?)(?:<[^>]*>)?"
      + "(?: ([A-Z][A-Z0-9_]*) \\([^)]*\\))?(?: \\([^)]*\\))? <(\\d+)\\.(\\d{6})>$");
  /** {@code  > /usr/lib/x86_64-linux-gnu/libc.so.6(__getpid+0x7) [0xd54e7]}; the function may be missing. */
  /** {@code exit_group(0)     = ?}: a call that did not return (exit_group, an execve that replaced the process). */
  private static final Pattern NO_RETURN = Pattern.compile("\\) += \\?$");
  private static final Pattern FRAME = Pattern.compile("^ > (.*?)\\((?:([^+()]*)(?:\\+0x\\p{XDigit}+)?)?\\) "
      + "\\[0x(\\p{XDigit}+)\\]$");
  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  /** strace's names for calls ukhook's table names otherwise. */
  private static final Map<String, String> ALIASES = Map.of("newfstatat", "fstatat");

  /**
   * One frame of a call's stack.
   *
   * @param object the object file's path as strace printed it
   * @param function the nearest symbol before the address, or null when strace knew none
   */
  public record Frame(String object, String function) {
    /** The object's file name: what a Linux run charges a call to. */
    public String objectName() {
      int slash = object.lastIndexOf('/');
      return slash < 0 ? object : object.substring(slash + 1);
    }
  }

  /**
   * One finished system call.
   *
   * @param seq its place among the log's calls, from 0, by the time it was entered
   * @param pid the thread (strace's pid of it)
   * @param tEnterNs when it was entered, in ns since the epoch
   * @param durationNs how long it took (strace's {@code -T})
   * @param ret its return value as the kernel gave it ({@code -errno} for an error); 0 where strace printed {@code ?}
   * @param pathArg its first string argument, for calls that take a path, else null
   * @param frames its stack, innermost first
   */
  public record Call(long seq, int pid, long tEnterNs, long durationNs, int nr, long ret, String pathArg,
      List<Frame> frames) {}

  /**
   * What the log held.
   *
   * @param calls the finished calls, in order of entry
   * @param unknown the lines of calls ukhook cannot number, by name (a call newer than its table), counted
   * @param unfinished the calls that never finished (the program ended or was killed in them), counted by name
   * @param damage the first line the parser could not read, with its number, or null
   */
  public record Parsed(List<Call> calls, Map<String, Long> unknown, Map<String, Long> unfinished, String damage) {}

  private StraceLog() {}

  /** Reads a whole log. A line it cannot read ends the calls there: the rest is reported as {@code damage}. */
  public static Parsed parse(BufferedReader in) throws IOException {
    List<Call> calls = new ArrayList<>();
    Map<Integer, String[]> pending = new HashMap<>(); // pid -> {name, seconds, micros, args so far}
    Map<String, Long> unknown = new TreeMap<>();
    Map<String, Long> unfinished = new TreeMap<>();
    List<Frame> frames = null; // the stack of the last finished call, while its frame lines come
    String damage = null;
    int lineNo = 0;
    for (String line; (line = in.readLine()) != null; ) {
      lineNo++;
      if (line.startsWith(" > ")) {
        Matcher f = FRAME.matcher(line);
        if (f.matches() && frames != null) {
          frames.add(new Frame(f.group(1), f.group(2) == null || f.group(2).isEmpty() ? null : f.group(2)));
        } else if (!line.startsWith(" > unexpected_backtracing_error") && frames != null) {
          damage = "line " + lineNo + ": " + line;
          break;
        }
        continue;
      }
      frames = null;
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        damage = "line " + lineNo + ": " + line;
        break;
      }
      int pid = Integer.parseInt(m.group(1));
      String rest = m.group(4);
      if (rest.startsWith("+++ ") || rest.startsWith("--- ")) {
        continue; // an exit or a signal
      }
      String name;
      String text;
      String secs = m.group(2);
      String micros = m.group(3);
      Matcher r = RESUMED.matcher(rest);
      if (r.matches()) {
        String[] p = pending.remove(pid);
        if (p == null || !p[0].equals(r.group(1))) {
          damage = "line " + lineNo + ": a resumed " + r.group(1) + " that thread " + pid + " did not start";
          break;
        }
        name = p[0];
        secs = p[1];
        micros = p[2];
        text = p[3] + r.group(2);
      } else {
        Matcher s = START.matcher(rest);
        if (!s.matches()) {
          damage = "line " + lineNo + ": " + line;
          break;
        }
        name = s.group(1);
        text = s.group(2);
        if (text.endsWith(" <unfinished ...>")) {
          pending.put(pid, new String[] {name, secs, micros, text.substring(0, text.length() - 17)});
          continue;
        }
      }
      Matcher e = END.matcher(text);
      if (!e.find()) {
        if (NO_RETURN.matcher(text).find()) { // exit_group, or an execve the process did not return from: no duration
          e = null;
        } else {
          damage = "line " + lineNo + ": " + line;
          break;
        }
      }
      OptionalInt nr = number(name);
      if (nr.isEmpty()) {
        unknown.merge(name, 1L, Long::sum);
        continue;
      }
      long t = Long.parseLong(secs) * 1_000_000_000L + Long.parseLong(micros) * 1000;
      long duration = e == null ? 0 : Long.parseLong(e.group(3)) * 1_000_000_000L + Long.parseLong(e.group(4)) * 1000;
      frames = new ArrayList<>();
      calls.add(new Call(0, pid, t, duration, nr.getAsInt(), e == null ? 0 : ret(e.group(1), e.group(2)),
          pathArg(nr.getAsInt(), text), frames));
    }
    pending.values().forEach(p -> unfinished.merge(p[0], 1L, Long::sum));
    // Threads print their calls as they finish; ukhook numbers them as they began.
    List<Call> ordered = new ArrayList<>(calls.size());
    calls.stream().sorted(java.util.Comparator.comparingLong(Call::tEnterNs)).forEach(c -> ordered.add(
        new Call(ordered.size(), c.pid(), c.tEnterNs(), c.durationNs(), c.nr(), c.ret(), c.pathArg(),
            List.copyOf(c.frames()))));
    return new Parsed(List.copyOf(ordered), unknown, unfinished, damage);
  }

  static OptionalInt number(String name) {
    Integer nr = SyscallNames.byName().get(ALIASES.getOrDefault(name, name));
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  /** The kernel's return value: {@code -1 ENOENT} is -2; a value in hex is an address. */
  private static long ret(String value, String errno) {
    if (value.equals("?")) {
      return errno == null ? 0 : -Errnos.number(errno).orElse(0);
    }
    if (errno != null) {
      OptionalInt n = Errnos.number(errno);
      return n.isPresent() ? -n.getAsInt() : Long.parseLong(value);
    }
    return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseLong(value);
  }

  /** The first quoted argument of a call whose shape has a path, as strace printed it (escapes kept). */
  private static String pathArg(int nr, String args) {
    boolean takesPath = SyscallNames.row(nr).map(s -> s.shape().contains("path")).orElse(false);
    if (!takesPath) {
      return null;
    }
    Matcher q = QUOTED.matcher(args);
    return q.find() ? q.group(1) : null;
  }
}
