package dev.ukhook.core;

import dev.ukhook.core.UkhookException.Kind;
import java.time.Duration;

/**
 * The one rule for a time limit given in seconds (--timeout, --stall): at least zero and at most ten years.
 * The bound keeps every deadline computed from it in nanoseconds ({@code System.nanoTime() + limit.toNanos()})
 * far from overflow, which starts at 292 years.
 */
public final class Timeouts {
  public static final long MAX_SECONDS = 10L * 365 * 24 * 60 * 60;

  private Timeouts() {}

  /**
   * Refuses a limit outside the rule with one line naming {@code option}; returns it unchanged.
   *
   * @param zeroIsNoLimit whether 0 means "no limit" ({@code run --timeout}) or is refused ({@code collect --timeout})
   */
  public static Duration require(String option, Duration limit, boolean zeroIsNoLimit) {
    boolean tooSmall = zeroIsNoLimit ? limit.isNegative() : limit.isNegative() || limit.isZero();
    if (tooSmall || limit.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
      throw new UkhookException(Kind.USAGE, option + " must be " + (zeroIsNoLimit ? "0 (no limit) or " : "")
          + "a positive number of seconds up to " + MAX_SECONDS + " (ten years), not " + limit.toSeconds());
    }
    return limit;
  }
}
