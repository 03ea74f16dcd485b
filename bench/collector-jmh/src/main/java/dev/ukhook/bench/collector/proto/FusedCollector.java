package dev.ukhook.bench.collector.proto;

import dev.ukhook.analysis.SyscallTable.LibraryCounts;
import dev.ukhook.format.TraceFormat;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Not a proposal: the ceiling of this approach in Java. One loop over a whole trace in a {@code byte[]},
 * everything the per-library table needs fused into it (no buffer objects, no sink call, no view), whole
 * call paths looked up in an open-addressing table that never evicts. It reads a well-formed trace only: it
 * stops at the first record that is not a syscall, with no damage report.
 *
 * <p>{@link Until} stops each record's work early, so the benchmark can tell what each step costs.
 */
public final class FusedCollector {
  /** The last step done for each record. */
  public enum Until {
    /** kind, depth and seq checked, the sequence accounted for. */
    DECODE,
    /** and rip and every frame slot loaded and hashed. */
    HASH,
    /** and the call path looked up: the library it is charged to. */
    ATTRIBUTE,
    /** and counted per library and syscall: the whole table. */
    AGGREGATE
  }

  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long M0 = 0x9E3779B97F4A7C15L;
  private static final long M1 = 0xC2B2AE3D27D4EB4FL;
  private static final int NR_SLOTS = 512;

  private final IndexedAttributor attributor;
  private final SyscallView view = new SyscallView();
  private final ArraySyscallTable table;
  private long[] keys;
  private int[] values;
  private int stride;
  private int used;
  private long received;
  private long next;
  private long gaps;
  private long outOfOrder;
  private long check;

  /** @param attributor answers the paths not seen before; its own cache is not used */
  public FusedCollector(IndexedAttributor attributor) {
    this.attributor = attributor;
    this.table = new ArraySyscallTable(attributor);
  }

  /**
   * Decodes every syscall record after the header and adds them to the table; returns the records received
   * so far. Calling it again decodes the trace again, with the paths already known.
   */
  public long run(byte[] a, Until until) {
    int size = Short.toUnsignedInt((short) (a[12] & 0xff | a[13] << 8));
    int n = a[14] & 0xff;
    if (stride != 2 + n) {
      stride = 2 + n;
      // Small on purpose: with 4096 slots (196 KB of keys) the lookup step cost 1.3 times as much, the hot
      // keys no longer staying in the first-level cache while the trace streams through.
      resize(1 << 10);
    }
    long[][] rows = table.rows();
    long acc = 0;
    for (int at = TraceFormat.HEADER_SIZE; at + size <= a.length; at += size) {
      int kind = a[at + SyscallView.R_KIND] & 0xff;
      int depth = a[at + SyscallView.R_DEPTH] & 0xff;
      if (kind != TraceFormat.KIND_SYSCALL || depth > n) {
        break;
      }
      long seq = (long) LONG.get(a, at + SyscallView.R_SEQ);
      received++;
      if (Long.compareUnsigned(seq, next) >= 0) {
        gaps += seq - next;
        next = seq + 1;
      } else {
        outOfOrder++;
      }
      if (until == Until.DECODE) {
        continue;
      }
      long rip = (long) LONG.get(a, at + SyscallView.R_RIP);
      long f0 = 0;
      long f1 = 0;
      long f2 = 0;
      long f3 = 0;
      // Products summed, not chained, so the multiplies run in parallel.
      long h = rip * M0 + depth;
      if (n == 4) {
        // The default --frames, unrolled: the generic loop below costs about twice as much per record.
        f0 = (long) LONG.get(a, at + SyscallView.R_FRAMES);
        f1 = (long) LONG.get(a, at + SyscallView.R_FRAMES + 8);
        f2 = (long) LONG.get(a, at + SyscallView.R_FRAMES + 16);
        f3 = (long) LONG.get(a, at + SyscallView.R_FRAMES + 24);
        h += f0 * M1 + f1 * (M1 + 2) + f2 * (M1 + 4) + f3 * (M1 + 6);
      } else {
        for (int i = 0; i < n; i++) {
          h += (long) LONG.get(a, at + SyscallView.R_FRAMES + 8 * i) * (M1 + 2 * i);
        }
      }
      h ^= h >>> 29;
      h *= M0;
      if (until == Until.HASH) {
        acc += h;
        continue;
      }
      long[] k = keys;
      int mask = values.length - 1;
      int e = (int) (h >>> 40) & mask;
      int ki = e * stride;
      long diff = (k[ki] ^ rip) | (k[ki + 1] ^ depth);
      if (n == 4) {
        diff |= (k[ki + 2] ^ f0) | (k[ki + 3] ^ f1) | (k[ki + 4] ^ f2) | (k[ki + 5] ^ f3);
      } else {
        for (int i = 0; i < n; i++) {
          diff |= k[ki + 2 + i] ^ (long) LONG.get(a, at + SyscallView.R_FRAMES + 8 * i);
        }
      }
      int library = diff == 0 ? values[e] : probe(a, at, depth, rip, e, n);
      if (until == Until.ATTRIBUTE) {
        acc += library;
        continue;
      }
      int nr = (int) INT.get(a, at + SyscallView.R_NR);
      long[] row = rows[library];
      if (row == null || nr < 0 || nr >= NR_SLOTS) {
        // Rare: a library's first syscall, or a number outside the table.
        view.moveTo(ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN), at, seq, depth, n);
        table.add(library, view);
        continue;
      }
      int c = nr * 3;
      row[c]++;
      row[c + 1] += a[at + SyscallView.R_FLAGS] & 1;
      row[c + 2] += Math.max(0, (long) LONG.get(a, at + 16) - (long) LONG.get(a, at + 8));
    }
    check += acc;
    return received;
  }

  // Linear probing from e; on an empty slot the path is new: attribute it and remember it.
  private int probe(byte[] a, int at, int depth, long rip, int e, int n) {
    int mask = values.length - 1;
    for (int slot = e; ; slot = (slot + 1) & mask) {
      int ki = slot * stride;
      if (keys[ki + 1] == -1) {
        view.moveTo(ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN), at, 0, depth, n);
        int library = attributor.attribute(view);
        keys[ki] = rip;
        keys[ki + 1] = depth;
        for (int i = 0; i < n; i++) {
          keys[ki + 2 + i] = (long) LONG.get(a, at + SyscallView.R_FRAMES + 8 * i);
        }
        values[slot] = library;
        if (++used * 2 > values.length) {
          resize(values.length * 2);
        }
        return library;
      }
      long diff = (keys[ki] ^ rip) | (keys[ki + 1] ^ depth);
      for (int i = 0; i < n; i++) {
        diff |= keys[ki + 2 + i] ^ (long) LONG.get(a, at + SyscallView.R_FRAMES + 8 * i);
      }
      if (diff == 0) {
        return values[slot];
      }
    }
  }

  // Starts an empty table: the paths are found again on the way, which is cheaper to write than a rehash.
  private void resize(int capacity) {
    keys = new long[capacity * stride];
    values = new int[capacity];
    used = 0;
    for (int i = 1; i < keys.length; i += stride) {
      keys[i] = -1;
    }
  }

  /** The table after {@link Until#AGGREGATE}, in {@code SyscallTable}'s order. */
  public List<LibraryCounts> libraries() {
    return table.libraries();
  }

  /** Sequence numbers skipped, as SequenceCheck counts them; meaningful after one run. */
  public long gaps() {
    return gaps;
  }

  public long outOfOrder() {
    return outOfOrder;
  }

  /** What the early stops computed, so that no step is optimised away. */
  public long check() {
    return check;
  }
}
