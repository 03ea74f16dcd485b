package dev.ukhook.report;

import static dev.ukhook.report.StraceValues.hex;
import static dev.ukhook.report.StraceValues.pointer;
import static dev.ukhook.report.StraceValues.table;
import static dev.ukhook.report.StraceValues.value;
import static dev.ukhook.report.StraceValues.xlat;

import dev.ukhook.format.SyscallNames;
import java.util.Arrays;

/**
 * Files and descriptors in the strace-style listing: the shape kinds {@code dirfd} ({@code AT_FDCWD}),
 * {@code omode} (open's mode, printed only with {@code O_CREAT} or {@code O_TMPFILE}) and {@code fcntlarg}
 * (fcntl's third argument, by command), and fcntl's {@code F_GETFL}/{@code F_GETFD} result with its flag names.
 * The values come from xlat/oflags.in, fdflags.in and fcntlcmd.in, as strace's src/fcntl.c and open.c print them.
 */
final class StraceFiles {
  private StraceFiles() {}

  private static final Xlat OFLAGS = xlat("oflags");
  private static final Xlat FDFLAGS = xlat("fdflags");

  /** include/uapi/linux/fcntl.h: the dirfd that means the working directory. */
  private static final int AT_FDCWD = -100;
  /** O_CREAT and __O_TMPFILE (O_TMPFILE without O_DIRECTORY): the open flags that make open take a mode. */
  private static final long TAKES_MODE = OFLAGS.value("O_CREAT")
      | (OFLAGS.value("O_TMPFILE") & ~OFLAGS.value("O_DIRECTORY"));

  private static final int NR_FCNTL = SyscallNames.number("fcntl");
  private static final int F_GETFD = command("F_GETFD");
  private static final int F_SETFD = command("F_SETFD");
  private static final int F_GETFL = command("F_GETFL");
  private static final int F_SETFL = command("F_SETFL");
  private static final int F_ADD_SEALS = command("F_ADD_SEALS");
  /** The commands without a third argument (strace prints none), sorted. */
  private static final int[] NO_ARG = commands("F_GETFD", "F_GETFL", "F_GETOWN", "F_GETSIG", "F_GETLEASE",
      "F_GETPIPE_SZ", "F_GET_SEALS");
  /** The commands whose third argument points to a struct (the locks, F_[GS]ETOWN_EX), sorted. */
  private static final int[] POINTER_ARG = commands("F_GETLK", "F_SETLK", "F_SETLKW", "F_SETOWN_EX",
      "F_GETOWN_EX", "F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW");

  private static int command(String name) {
    return value("fcntlcmd", name);
  }

  private static int[] commands(String... names) {
    return Arrays.stream(names).mapToInt(StraceFiles::command).sorted().toArray();
  }

  private static boolean in(int[] sorted, int v) {
    return Arrays.binarySearch(sorted, v) >= 0;
  }

  /** A {@code dirfd} argument: {@code AT_FDCWD} or the descriptor. */
  static void dirfd(StringBuilder sb, long v) {
    if ((int) v == AT_FDCWD) {
      sb.append("AT_FDCWD");
    } else {
      sb.append((int) v);
    }
  }

  /** Whether open's mode prints, given the open flags before it. */
  static boolean modeShown(long oflags) {
    return (oflags & TAKES_MODE) != 0;
  }

  /** Whether fcntl's third argument prints, given the command before it. */
  static boolean fcntlArgShown(long cmd) {
    return !in(NO_ARG, (int) cmd);
  }

  /** fcntl's third argument {@code v} as the command {@code cmd} takes it. */
  static void fcntlArg(StringBuilder sb, long cmd, long v) {
    int c = (int) cmd;
    if (c == F_SETFL) {
      table(sb, OFLAGS, v);
    } else if (c == F_SETFD) {
      table(sb, FDFLAGS, v);
    } else if (in(POINTER_ARG, c)) {
      pointer(sb, v);
    } else if (c == F_ADD_SEALS) {
      hex(sb, v);
    } else {
      sb.append((int) v);
    }
  }

  /**
   * fcntl's {@code F_GETFL} result, or {@code F_GETFD}'s when not 0, in hex with its flag names:
   * {@code 0x802 (flags O_RDWR|O_NONBLOCK)}; false (and nothing appended) for any other call or result.
   */
  static boolean flagsResult(StringBuilder sb, int nr, long[] args, long ret) {
    int cmd = (int) args[1];
    if (nr != NR_FCNTL || ret < 0 || !(cmd == F_GETFL || cmd == F_GETFD && ret > 0)) {
      return false;
    }
    hex(sb, ret);
    table(sb.append(" (flags "), cmd == F_GETFL ? OFLAGS : FDFLAGS, ret).append(')');
    return true;
  }
}
