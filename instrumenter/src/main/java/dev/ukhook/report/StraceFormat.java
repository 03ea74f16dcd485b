package dev.ukhook.report;

import static dev.ukhook.report.StraceValues.DIGITS;
import static dev.ukhook.report.StraceValues.hex;
import static dev.ukhook.report.StraceValues.mode;
import static dev.ukhook.report.StraceValues.pointer;
import static dev.ukhook.report.StraceValues.table;
import static dev.ukhook.report.StraceValues.unsigned;
import static dev.ukhook.report.StraceValues.xlat;

import dev.ukhook.core.Terminal;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One system call as strace prints it: {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}, with
 * flags, descriptors and errno names decoded on the host (x86-64 Linux values). Two kinds of tables, both data:
 * the flag and enum names ({@link Xlat}, one file each under xlat/) and the syscall table's shapes ({@link SyscallNames}: each
 * call's arguments by kind: fd and int (decimal int), dirfd (and AT_FDCWD), uint, ulong, long (decimal), ptr (hex,
 * NULL), hex, mode (octal), - (not printed), a table's name, path and buf (a ptr, or the guest's copy of it), and
 * four that look at another argument: omode (open's mode, printed with O_CREAT or O_TMPFILE), fcntlarg, futexarg
 * and sockopt). Errno names come from {@link Errnos}.
 *
 * <p>This class assembles the line and dispatches by shape kind; the values print in {@link StraceValues}, and
 * the kinds that look at another argument are by family: files and descriptors ({@link StraceFiles}: dirfd,
 * omode, fcntlarg and fcntl's flags result), futex ({@link StraceFutex}: futexarg) and sockets
 * ({@link StraceNet}: sockopt).
 *
 * <p>Where this differs from strace: pointed-to data (buffers, structs, sets) prints as the pointer, apart from
 * the path argument the guest copied; futex operations print as {@code FUTEX_WAIT|FUTEX_PRIVATE_FLAG}; a call
 * that did not return ({@link TraceLayout#FLAG_AT_ENTRY}) prints {@code = ?} and no duration.
 */
public final class StraceFormat {
  private StraceFormat() {}

  private enum Kind { FD, DIRFD, INT, UINT, ULONG, LONG, PTR, HEX, MODE, SKIP, OMODE, FCNTLARG, FUTEXARG, SOCKOPT,
    TABLE }

  private record Arg(Kind kind, Xlat table) {}

  private record Shape(Arg[] args, boolean hexReturn) {}

  /** By number; null for a number without a name. */
  private static final Shape[] SHAPE_BY_NR;
  /** By number: the path argument's index, or -1. */
  private static final int[] PATH_ARG_BY_NR;
  private static final boolean[] BUFFER_CALL = new boolean[1 << 16];

  static {
    int size = SyscallNames.all().stream().mapToInt(SyscallNames.Syscall::nr).max().orElseThrow() + 1;
    SHAPE_BY_NR = new Shape[size];
    PATH_ARG_BY_NR = new int[size];
    Arrays.fill(PATH_ARG_BY_NR, -1);
    for (SyscallNames.Syscall s : SyscallNames.all()) {
      SHAPE_BY_NR[s.nr()] = new Shape(s.shape().stream().map(StraceFormat::arg).toArray(Arg[]::new), s.hexReturn());
      // The path the guest copied, or a read's or write's buffer, where it copied its first bytes.
      PATH_ARG_BY_NR[s.nr()] = s.copiedArg();
      BUFFER_CALL[s.nr()] = s.classes().contains("buffer");
    }
  }

  private static Arg arg(String token) {
    if (token.equals("path") || token.equals("buf")) {
      return new Arg(Kind.PTR, null); // the copy, when there is one, prints instead
    }
    for (Kind k : Kind.values()) {
      if (k != Kind.TABLE && token.equals(k == Kind.SKIP ? "-" : k.name().toLowerCase(Locale.ROOT))) {
        return new Arg(k, null);
      }
    }
    return new Arg(Kind.TABLE, xlat(token));
  }

  /**
   * One call as strace prints it, e.g. {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}.
   *
   * @param library the microlibrary the call is attributed to
   * @param nr x86-64 Linux syscall number ({@link SyscallNames})
   * @param args the six argument registers (fewer are taken as 0), or null where the image did not record them
   *     (printed as {@code ...}, with the path or buffer copy if there is one)
   * @param ret the raw return value; -4095..-1 is {@code -errno}
   * @param pathArg the call's path argument as the guest copied it (may be cut), or for a read or write the first
   *     bytes it moved (one char a byte), or null when nothing was copied
   * @param seconds the call's duration in seconds, or NaN when unknown (then print "<N ticks>" using {@code ticks})
   * @param ticks the call's duration in the trace's timestamp ticks
   * @param flags the record's {@code TraceLayout.FLAG_*} bits
   */
  public static String line(String library, int nr, long[] args, long ret, String pathArg, double seconds,
      long ticks, int flags) {
    return append(new StringBuilder(96), library, nr, args, ret, pathArg, seconds, ticks, flags).toString();
  }

  /** {@link #line} appended to {@code out}, without a newline. */
  public static void append(Appendable out, String library, int nr, long[] args, long ret, String pathArg,
      double seconds, long ticks, int flags) throws IOException {
    if (out instanceof StringBuilder sb) {
      append(sb, library, nr, args, ret, pathArg, seconds, ticks, flags);
    } else {
      out.append(append(new StringBuilder(96), library, nr, args, ret, pathArg, seconds, ticks, flags));
    }
  }

  /** {@link #line} appended to {@code sb}, without a newline; returns {@code sb}. */
  public static StringBuilder append(StringBuilder sb, String library, int nr, long[] args, long ret,
      String pathArg, double seconds, long ticks, int flags) {
    boolean unknown = args == null;
    args = unknown ? new long[6] : args.length < 6 ? Arrays.copyOf(args, 6) : args;
    sb.append('[').append(Terminal.escape(library)).append("] ").append(SyscallNames.name(nr)).append('(');
    Shape shape = nr >= 0 && nr < SHAPE_BY_NR.length ? SHAPE_BY_NR[nr] : null;
    if (unknown) {
      // Arguments not recorded: "..." for each run of them, the copied path or buffer in its place.
      int copied = pathArg == null || shape == null ? -1 : PATH_ARG_BY_NR[nr];
      int n = shape == null ? 6 : shape.args().length;
      for (int i = 0; i < n; i++) {
        if (i == copied) {
          quoted(i == 0 ? sb : sb.append(", "), pathArg);
        } else if (i == 0 || i - 1 == copied) {
          sb.append(i == 0 ? "..." : ", ...");
        }
      }
    } else if (shape == null) {
      for (int i = 0; i < 6; i++) {
        hex(i == 0 ? sb : sb.append(", "), args[i]);
      }
    } else {
      int pathIndex = pathArg == null ? -1 : PATH_ARG_BY_NR[nr];
      boolean first = true;
      for (int i = 0; i < shape.args().length; i++) {
        Arg a = shape.args()[i];
        if (!shown(a.kind(), args, i)) {
          continue;
        }
        if (!first) {
          sb.append(", ");
        }
        first = false;
        if (i == pathIndex) {
          quoted(sb, pathArg);
          if (BUFFER_CALL[nr] && ret > pathArg.length()) {
            sb.append("..."); // strace's mark of a buffer cut to its -s
          }
        } else {
          arg(sb, a, args, i);
        }
      }
    }
    sb.append(')');
    boolean atEntry = (flags & TraceLayout.FLAG_AT_ENTRY) != 0;
    if (atEntry) {
      sb.append(" = ?");
    } else {
      sb.append(" = ");
      result(sb, nr, shape, args, ret);
    }
    if ((flags & TraceLayout.FLAG_INJECTED) == TraceLayout.FLAG_INJECTED) {
      sb.append(" (INJECTED)"); // strace's word for it
    } else if ((flags & TraceLayout.FLAG_KILLED) != 0) {
      sb.append(" (killed by policy)");
    } else if ((flags & TraceLayout.FLAG_REFUSED) != 0) {
      sb.append(" (refused by policy)");
    } else if ((flags & TraceLayout.FLAG_LOGGED) != 0) {
      sb.append(" (logged by policy)");
    }
    if (!atEntry) {
      duration(sb.append(' '), seconds, ticks);
    }
    return sb;
  }

  private static boolean shown(Kind kind, long[] args, int i) {
    return switch (kind) {
      case SKIP -> false;
      case OMODE -> StraceFiles.modeShown(args[i - 1]);
      case FCNTLARG -> StraceFiles.fcntlArgShown(args[i - 1]);
      case FUTEXARG -> StraceFutex.shown(args[1], i);
      default -> true;
    };
  }

  private static void arg(StringBuilder sb, Arg a, long[] args, int i) {
    long v = args[i];
    switch (a.kind()) {
      case FD, INT -> sb.append((int) v);
      case DIRFD -> StraceFiles.dirfd(sb, v);
      case UINT -> sb.append(v & 0xffffffffL);
      case ULONG -> unsigned(sb, v);
      case LONG -> sb.append(v);
      case PTR -> pointer(sb, v);
      case HEX -> hex(sb, v);
      case MODE, OMODE -> mode(sb, v);
      case TABLE -> table(sb, a.table(), v);
      case FCNTLARG -> StraceFiles.fcntlArg(sb, args[i - 1], v);
      case FUTEXARG -> StraceFutex.arg(sb, args[1], i, v);
      case SOCKOPT -> StraceNet.sockopt(sb, args[1], v);
      default -> throw new IllegalStateException(a.kind().name());
    }
  }

  private static void result(StringBuilder sb, int nr, Shape shape, long[] args, long ret) {
    if (ret >= -4095 && ret <= -1) {
      int errno = (int) -ret;
      sb.append("-1 ").append(Errnos.name(errno)).append(" (").append(Errnos.message(errno)).append(')');
    } else if (shape != null && shape.hexReturn()) {
      hex(sb, ret);
    } else if (!StraceFiles.flagsResult(sb, nr, args, ret)) {
      sb.append(ret);
    }
  }

  /** strace's {@code -T}: {@code <0.000012>}, or {@code <N ticks>} when the seconds are unknown. */
  private static void duration(StringBuilder sb, double seconds, long ticks) {
    sb.append('<');
    if (Double.isFinite(seconds)) {
      long micros = Math.round(seconds * 1e6);
      if (micros < 0) {
        sb.append('-');
        micros = -micros;
      }
      sb.append(micros / 1_000_000).append('.');
      long frac = micros % 1_000_000;
      for (long p = 100_000; p > frac && p > 1; p /= 10) {
        sb.append('0');
      }
      sb.append(frac);
    } else {
      sb.append(ticks).append(" ticks");
    }
    sb.append('>');
  }

  /**
   * {@code s} in double quotes as strace escapes it: {@code \" \\ \t \n \v \f \r}, other bytes outside printable
   * ASCII as {@code \xNN}. The trace decodes the guest's bytes as ISO-8859-1, one char a byte; a char above 0xff
   * prints as its UTF-8 bytes.
   */
  static void quoted(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      int c = s.codePointAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case 0x0b -> sb.append("\\v");
        case '\f' -> sb.append("\\f");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c >= 0x20 && c < 0x7f) {
            sb.append((char) c);
          } else if (c <= 0xff) {
            sb.append("\\x").append(DIGITS[c >> 4]).append(DIGITS[c & 15]);
          } else {
            i += Character.charCount(c) - 1;
            for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
              sb.append("\\x").append(DIGITS[(b >> 4) & 15]).append(DIGITS[b & 15]);
            }
          }
        }
      }
    }
    sb.append('"');
  }
}
