package dev.ukhook.report;

import dev.ukhook.core.Terminal;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One system call as strace prints it: {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}, with
 * flags, descriptors and errno names decoded on the host (x86-64 Linux values). Two kinds of tables, both data:
 * the flag and enum names ({@link Xlat}, one file each under xlat/) and the syscall table's shapes ({@link SyscallNames}: each
 * call's arguments by kind: fd and int (decimal int), dirfd (and AT_FDCWD), uint, ulong, long (decimal), ptr (hex,
 * NULL), hex, mode (octal), - (not printed), a table's name, path and buf (a ptr, or the guest's copy of it), and
 * four that look at another argument: omode (open's mode, printed with O_CREAT or O_TMPFILE), fcntlarg, futexarg
 * and sockopt). Errno names come from {@link Errnos}.
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

  /** The flag tables read so far, by name (xlat/NAME.in). */
  private static final Map<String, Xlat> XLATS = new HashMap<>();
  private static final Xlat OFLAGS = xlat("oflags");
  private static final Xlat FDFLAGS = xlat("fdflags");
  private static final Xlat SO = xlat("so");
  private static final Xlat TCPOPT = xlat("tcpopt");
  private static final Xlat IPOPT = xlat("ipopt");
  private static final Xlat IPV6OPT = xlat("ipv6opt");

  private static final int NR_FCNTL = SyscallNames.number("fcntl");
  private static final int F_GETFD = 1;
  private static final int F_GETFL = 3;
  private static final long O_CREAT = 0100;
  private static final long O_TMPFILE = 020000000;
  /** futex's arguments printed, by command (op & 127), as strace prints them. */
  private static final int[] FUTEX_ARGS = {4, 3, 3, 5, 6, 6, 4, 3, 3, 6, 6, 5, 6, 4};

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

  private static Xlat xlat(String name) {
    return XLATS.computeIfAbsent(name, n -> Xlat.load(n)
        .orElseThrow(() -> new IllegalStateException("syscalls.tsv: no kind or flag table xlat/" + n + ".in")));
  }

  /**
   * One call as strace prints it, e.g. {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}.
   *
   * @param library the microlibrary the call is attributed to
   * @param nr x86-64 Linux syscall number ({@link SyscallNames})
   * @param args the six argument registers (fewer are taken as 0)
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
    if (args.length < 6) {
      args = Arrays.copyOf(args, 6);
    }
    sb.append('[').append(Terminal.escape(library)).append("] ").append(SyscallNames.name(nr)).append('(');
    Shape shape = nr >= 0 && nr < SHAPE_BY_NR.length ? SHAPE_BY_NR[nr] : null;
    if (shape == null) {
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
    if ((flags & TraceLayout.FLAG_KILLED) != 0) {
      sb.append(" (killed by policy)");
    } else if ((flags & TraceLayout.FLAG_REFUSED) != 0) {
      sb.append(" (refused by policy)");
    }
    if ((flags & TraceLayout.FLAG_LOGGED) != 0) {
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
      case OMODE -> (args[i - 1] & (O_CREAT | O_TMPFILE)) != 0;
      case FCNTLARG -> switch ((int) args[i - 1]) {
        case 1, 3, 9, 11, 1025, 1032, 1034 -> false; // F_GETFD F_GETFL F_GETOWN F_GETSIG F_GETLEASE F_GETPIPE_SZ ..
        default -> true;
      };
      case FUTEXARG -> i < futexArgs(args[1]);
      default -> true;
    };
  }

  private static int futexArgs(long op) {
    int cmd = (int) op & 127;
    return cmd < FUTEX_ARGS.length ? FUTEX_ARGS[cmd] : 6;
  }

  private static void arg(StringBuilder sb, Arg a, long[] args, int i) {
    long v = args[i];
    switch (a.kind()) {
      case FD, INT -> sb.append((int) v);
      case DIRFD -> {
        if ((int) v == -100) {
          sb.append("AT_FDCWD");
        } else {
          sb.append((int) v);
        }
      }
      case UINT -> sb.append(v & 0xffffffffL);
      case ULONG -> unsigned(sb, v);
      case LONG -> sb.append(v);
      case PTR -> pointer(sb, v);
      case HEX -> hex(sb, v);
      case MODE, OMODE -> mode(sb, v);
      case TABLE -> table(sb, a.table(), v);
      case FCNTLARG -> {
        switch ((int) args[i - 1]) {
          case 4 -> table(sb, OFLAGS, v); // F_SETFL
          case 2 -> table(sb, FDFLAGS, v); // F_SETFD
          case 5, 6, 7, 15, 16, 36, 37, 38 -> pointer(sb, v); // locks, F_[GS]ETOWN_EX
          case 1033 -> hex(sb, v); // F_ADD_SEALS
          default -> sb.append((int) v);
        }
      }
      case FUTEXARG -> {
        int cmd = (int) args[1] & 127;
        if (i == 2) {
          sb.append((int) v);
        } else if (i == 3 && (cmd == 3 || cmd == 4 || cmd == 5 || cmd == 12)) {
          sb.append(v & 0xffffffffL); // val2 of the requeues and wake_op
        } else if (i == 5 && (cmd == 5 || cmd == 9 || cmd == 10)) {
          hex(sb, v & 0xffffffffL); // wake_op's op, the bitset
        } else if (i == 5) {
          sb.append((int) v);
        } else {
          pointer(sb, v);
        }
      }
      case SOCKOPT -> {
        Xlat t = switch ((int) args[1]) {
          case 0 -> IPOPT;
          case 1 -> SO;
          case 6 -> TCPOPT;
          case 41 -> IPV6OPT;
          default -> null;
        };
        if (t == null) {
          sb.append((int) v);
        } else {
          table(sb, t, v);
        }
      }
      default -> throw new IllegalStateException(a.kind().name());
    }
  }

  private static void result(StringBuilder sb, int nr, Shape shape, long[] args, long ret) {
    if (ret >= -4095 && ret <= -1) {
      int errno = (int) -ret;
      sb.append("-1 ").append(Errnos.name(errno)).append(" (").append(Errnos.message(errno)).append(')');
    } else if (shape != null && shape.hexReturn()) {
      hex(sb, ret);
    } else if (nr == NR_FCNTL && ret >= 0 && ((int) args[1] == F_GETFL || (int) args[1] == F_GETFD && ret > 0)) {
      hex(sb, ret);
      table(sb.append(" (flags "), (int) args[1] == F_GETFL ? OFLAGS : FDFLAGS, ret).append(')');
    } else {
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

  private static StringBuilder table(StringBuilder sb, Xlat t, long arg) {
    long v = arg & 0xffffffffL;
    int start = sb.length();
    if (t.enumMask() != 0) {
      long e = v & t.enumMask();
      String name = null;
      for (int i = 0; i < t.enumValues().length && name == null; i++) {
        name = t.enumValues()[i] == e ? t.enumNames()[i] : null;
      }
      if (name != null) {
        sb.append(name);
      } else if (t.hexFallback()) {
        hex(sb, e);
      } else {
        sb.append(t.enumMask() == 0xffffffffL ? (int) e : e);
      }
    }
    long rest = v & ~t.enumMask();
    String zero = null;
    for (int i = 0; i < t.bitValues().length; i++) {
      long b = t.bitValues()[i];
      if (b == 0) {
        zero = t.bitNames()[i];
      } else if ((rest & b) == b) {
        (sb.length() > start ? sb.append('|') : sb).append(t.bitNames()[i]);
        rest &= ~b;
      }
    }
    if (rest != 0) {
      hex(sb.length() > start ? sb.append('|') : sb, rest);
    }
    if (sb.length() == start) {
      sb.append(zero != null ? zero : "0");
    }
    return sb;
  }

  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  /** C's {@code %#lx}: 0, or 0x and the hex digits. */
  private static void hex(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append('0');
      return;
    }
    sb.append("0x");
    for (int shift = (63 - Long.numberOfLeadingZeros(v)) & ~3; shift >= 0; shift -= 4) {
      sb.append(DIGITS[(int) (v >>> shift) & 15]);
    }
  }

  private static void pointer(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append("NULL");
    } else {
      hex(sb, v);
    }
  }

  private static void unsigned(StringBuilder sb, long v) {
    if (v >= 0) {
      sb.append(v);
    } else {
      sb.append(Long.toUnsignedString(v));
    }
  }

  /** strace's mode: C's {@code %#03o} of the low 32 bits, so 0644 and 000. */
  private static void mode(StringBuilder sb, long arg) {
    long v = arg & 0xffffffffL;
    int digits = Math.max(1, (66 - Long.numberOfLeadingZeros(v)) / 3);
    sb.append('0');
    for (int i = digits; i < 2; i++) {
      sb.append('0');
    }
    for (int shift = (digits - 1) * 3; shift >= 0; shift -= 3) {
      sb.append(DIGITS[(int) (v >>> shift) & 7]);
    }
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
