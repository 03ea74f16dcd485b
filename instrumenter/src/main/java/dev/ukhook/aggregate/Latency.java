package dev.ukhook.aggregate;

import java.util.Arrays;

/**
 * How long a syscall's calls took, in trace ticks, kept as a log-linear histogram: exact below 16 ticks, then 16
 * buckets per power of two, so any quantile is within 1/16 (6.25 %) of the truth and takes bounded memory
 * whatever the number of calls. The maximum and the total are exact.
 *
 * @param calls the calls measured (those that returned)
 * @param buckets counts by {@link #bucket} index
 */
public record Latency(long calls, long total, long max, long[] buckets) {
  static final int SUB_BITS = 4;
  static final int SUB = 1 << SUB_BITS;
  /** Enough buckets for every non-negative long. */
  public static final int BUCKETS = SUB + (63 - SUB_BITS) * SUB;
  public static final Latency NONE = new Latency(0, 0, 0, new long[0]);

  /** The bucket of a duration of {@code ticks} (not negative). */
  static int bucket(long ticks) {
    if (ticks < SUB) {
      return (int) ticks;
    }
    int exp = 63 - Long.numberOfLeadingZeros(ticks); // >= SUB_BITS
    return SUB + (exp - SUB_BITS) * SUB + (int) ((ticks >>> (exp - SUB_BITS)) - SUB);
  }

  /** The smallest duration of bucket {@code b}. */
  public static long low(int b) {
    if (b < SUB) {
      return b;
    }
    int exp = (b - SUB) / SUB + SUB_BITS;
    return (long) (SUB + (b - SUB) % SUB) << (exp - SUB_BITS);
  }

  /** The first duration above bucket {@code b}. */
  public static long high(int b) {
    return b + 1 < BUCKETS ? low(b + 1) : Long.MAX_VALUE;
  }

  /**
   * The duration below which a fraction {@code q} of the calls took: the upper end of the bucket the quantile
   * falls in, never above the maximum; 0 without calls.
   */
  public long quantile(double q) {
    if (calls == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * calls));
    long seen = 0;
    for (int b = 0; b < buckets.length; b++) {
      seen += buckets[b];
      if (seen >= rank) {
        return Math.min(max, high(b) - 1);
      }
    }
    return max;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Latency l && calls == l.calls && total == l.total && max == l.max
        && Arrays.equals(buckets, l.buckets);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(total) * 31 + Arrays.hashCode(buckets);
  }
}
