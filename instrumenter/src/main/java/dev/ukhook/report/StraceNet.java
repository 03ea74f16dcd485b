package dev.ukhook.report;

import static dev.ukhook.report.StraceValues.table;
import static dev.ukhook.report.StraceValues.value;
import static dev.ukhook.report.StraceValues.xlat;

import java.util.Map;

/**
 * Sockets in the strace-style listing: the shape kind {@code sockopt}, setsockopt's and getsockopt's option
 * named by the table of its level (xlat/socklevel.in): SOL_SOCKET's SO_*, SOL_IP's, SOL_IPV6's and SOL_TCP's
 * options; an option of another level prints as a number. Socket domains, types, flags and shutdown's how are
 * plain flag tables named in syscalls.tsv.
 */
final class StraceNet {
  private StraceNet() {}

  /** The option table by level. */
  private static final Map<Integer, Xlat> OPTIONS = Map.of(
      value("socklevel", "SOL_IP"), xlat("ipopt"),
      value("socklevel", "SOL_SOCKET"), xlat("so"),
      value("socklevel", "SOL_TCP"), xlat("tcpopt"),
      value("socklevel", "SOL_IPV6"), xlat("ipv6opt"));

  /** The option {@code v} of the level {@code level}. */
  static void sockopt(StringBuilder sb, long level, long v) {
    Xlat t = OPTIONS.get((int) level);
    if (t == null) {
      sb.append((int) v);
    } else {
      table(sb, t, v);
    }
  }
}
