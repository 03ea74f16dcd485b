package dev.ukhook.report;

import static dev.ukhook.report.StraceValues.hex;
import static dev.ukhook.report.StraceValues.pointer;
import static dev.ukhook.report.StraceValues.xlat;

import java.util.Arrays;
import java.util.Map;

/**
 * futex in the strace-style listing: the shape kind {@code futexarg}, futex's arguments after the operation,
 * as many and as strace's src/futex.c prints them for the command ({@code op} masked as xlat/futexop.in says):
 * {@code val} as an int, {@code val2} as an unsigned int for the requeues and wake_op, {@code val3} in hex for
 * wake_op and the bitsets, the rest as pointers.
 */
final class StraceFutex {
  private StraceFutex() {}

  private static final Xlat FUTEXOP = xlat("futexop");
  /** The command's part of the operation (the rest are FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME). */
  private static final int CMD_MASK = (int) FUTEXOP.enumMask();

  /** The arguments strace prints, by command; 6 for a command not named here. */
  private static final int[] ARGS_SHOWN = new int[CMD_MASK + 1];

  static {
    Arrays.fill(ARGS_SHOWN, 6);
    Map.ofEntries(Map.entry("FUTEX_WAIT", 4), Map.entry("FUTEX_WAKE", 3), Map.entry("FUTEX_FD", 3),
        Map.entry("FUTEX_REQUEUE", 5), Map.entry("FUTEX_CMP_REQUEUE", 6), Map.entry("FUTEX_WAKE_OP", 6),
        Map.entry("FUTEX_LOCK_PI", 4), Map.entry("FUTEX_UNLOCK_PI", 3), Map.entry("FUTEX_TRYLOCK_PI", 3),
        Map.entry("FUTEX_WAIT_BITSET", 6), Map.entry("FUTEX_WAKE_BITSET", 6),
        Map.entry("FUTEX_WAIT_REQUEUE_PI", 5), Map.entry("FUTEX_CMP_REQUEUE_PI", 6), Map.entry("FUTEX_LOCK_PI2", 4))
        .forEach((name, shown) -> ARGS_SHOWN[command(name)] = shown);
  }

  private static final int REQUEUE = command("FUTEX_REQUEUE");
  private static final int CMP_REQUEUE = command("FUTEX_CMP_REQUEUE");
  private static final int WAKE_OP = command("FUTEX_WAKE_OP");
  private static final int CMP_REQUEUE_PI = command("FUTEX_CMP_REQUEUE_PI");
  private static final int WAIT_BITSET = command("FUTEX_WAIT_BITSET");
  private static final int WAKE_BITSET = command("FUTEX_WAKE_BITSET");

  private static int command(String name) {
    return (int) FUTEXOP.value(name);
  }

  /** Whether futex's argument {@code i} prints, given the operation {@code op}. */
  static boolean shown(long op, int i) {
    return i < ARGS_SHOWN[(int) op & CMD_MASK];
  }

  /** futex's argument {@code i} (2 to 5), {@code v}, given the operation {@code op}. */
  static void arg(StringBuilder sb, long op, int i, long v) {
    int cmd = (int) op & CMD_MASK;
    if (i == 2) {
      sb.append((int) v);
    } else if (i == 3 && (cmd == REQUEUE || cmd == CMP_REQUEUE || cmd == WAKE_OP || cmd == CMP_REQUEUE_PI)) {
      sb.append(v & 0xffffffffL); // val2 of the requeues and wake_op
    } else if (i == 5 && (cmd == WAKE_OP || cmd == WAIT_BITSET || cmd == WAKE_BITSET)) {
      hex(sb, v & 0xffffffffL); // wake_op's op, the bitset
    } else if (i == 5) {
      sb.append((int) v);
    } else {
      pointer(sb, v);
    }
  }
}
