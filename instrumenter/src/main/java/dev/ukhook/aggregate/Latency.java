package dev.ukhook.aggregate;

import dev.ukhook.format.TraceLayout;
import java.util.Arrays;

/**
 * How long a syscall's calls took, in trace ticks, kept as a log-linear histogram: exact below 16 ticks, then 16
 * buckets per power of two, so any quantile is within 1/16 (6.25 %) of the truth and takes bounded memory
 * whatever the number of calls. The maximum and the total are exact. A counting image's histogram is coarser
 * ({@link Scale#GUEST}) and keeps no maximum.
 *
 * @param calls the calls measured (those that returned)
 * @param max the longest call, {@link #UNKNOWN} when the histogram is all there is
 * @param buckets counts by bucket index of {@code scale}
 */
public record Latency(long calls, long total, long max, long[] buckets, Scale scale) {
  static final int SUB_BITS = 4;
  static final int SUB = 1 << SUB_BITS;
  /** Enough buckets for every non-negative long. */
  public static final int BUCKETS = SUB + (63 - SUB_BITS) * SUB;
  public static final long UNKNOWN = -1;
  public static final Latency NONE = new Latency(0, 0, 0, new long[0]);

  /** How durations are put into buckets. */
  public enum Scale {
    /** The host's, of a trace's durations ({@link #bucket}): quantiles within 6.25 %. */
    TRACE("6.25 %"),
    /**
     * A counting image's ({@link TraceLayout#bucket}): two buckets per power of two, so quantiles within 50 %; its
     * last bucket has no upper end.
     */
    GUEST("50 %");

    /** How far above the truth a quantile can be. */
    public final String error;

    Scale(String error) {
      this.error = error;
    }

    /** The smallest duration of bucket {@code b}. */
    public long low(int b) {
      return this == TRACE ? traceLow(b) : TraceLayout.bucketLow(b);
    }

    /** The first duration above bucket {@code b}; {@link Long#MAX_VALUE} for a last bucket. */
    public long high(int b) {
      return b + 1 < (this == TRACE ? BUCKETS : TraceLayout.HIST_BUCKETS) ? low(b + 1) : Long.MAX_VALUE;
    }

    /** Whether a {@link #quantile} of {@code ticks} is the lower end of a guest's last bucket: at least that long. */
    public boolean atLeast(long ticks) {
      return this == GUEST && ticks >= low(TraceLayout.HIST_BUCKETS - 1);
    }
  }

  /** The host's histogram of a trace's durations. */
  public Latency(long calls, long total, long max, long[] buckets) {
    this(calls, total, max, buckets, Scale.TRACE);
  }

  /** A counting image's histogram ({@link Scale#GUEST}); {@code calls} are its sum. */
  public static Latency ofGuest(long total, long[] buckets) {
    return new Latency(Arrays.stream(buckets).sum(), total, UNKNOWN, buckets, Scale.GUEST);
  }

  public boolean maxKnown() {
    return max != UNKNOWN;
  }

  /** The bucket of a duration of {@code ticks} (not negative). */
  static int bucket(long ticks) {
    if (ticks < SUB) {
      return (int) ticks;
    }
    int exp = 63 - Long.numberOfLeadingZeros(ticks); // >= SUB_BITS
    return SUB + (exp - SUB_BITS) * SUB + (int) ((ticks >>> (exp - SUB_BITS)) - SUB);
  }

  private static long traceLow(int b) {
    if (b < SUB) {
      return b;
    }
    int exp = (b - SUB) / SUB + SUB_BITS;
    return (long) (SUB + (b - SUB) % SUB) << (exp - SUB_BITS);
  }

  /**
   * The duration below which a fraction {@code q} of the calls took: the upper end of the bucket the quantile
   * falls in, never above the maximum; in a guest's last bucket, which has no upper end, its lower end; 0 without
   * calls.
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
        long high = scale.high(b);
        return maxKnown() ? Math.min(max, high - 1) : high == Long.MAX_VALUE ? scale.low(b) : high - 1;
      }
    }
    return Math.max(0, max);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Latency l && calls == l.calls && total == l.total && max == l.max
        && Arrays.equals(buckets, l.buckets) && scale == l.scale;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(total) * 31 + Arrays.hashCode(buckets);
  }
}
