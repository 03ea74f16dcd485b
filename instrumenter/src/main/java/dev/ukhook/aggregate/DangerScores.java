package dev.ukhook.aggregate;

import dev.ukhook.format.SyscallNames;
import java.util.Map;
import java.util.Set;

/**
 * A coarse danger score per system call, from the tier column of the syscall table ({@link SyscallNames}): each
 * known x86-64 call has a tier (critical 10, high 5, medium 2, low 1) and the sources the tier rests on. A number
 * the table does not name scores {@link #DEFAULT_SCORE} under the tier {@value #UNKNOWN}. The tiers, their sources
 * and what the score is not are in docs/security-estimate.md.
 */
public final class DangerScores {
  /** The tiers and their scores. */
  public static final Map<String, Integer> TIERS = Map.of("critical", 10, "high", 5, "medium", 2, "low", 1);
  /** The tier of a number the table does not name. */
  public static final String UNKNOWN = "unknown";
  /** The score of a number the table does not name: as high, since nothing shows it harmless. */
  public static final int DEFAULT_SCORE = 5;

  static {
    if (!TIERS.keySet().equals(Set.copyOf(SyscallNames.TIERS))) {
      throw new IllegalStateException("the scores' tiers " + TIERS.keySet() + " are not the table's "
          + SyscallNames.TIERS);
    }
  }

  private static final DangerScores INSTANCE = new DangerScores();

  private DangerScores() {}

  /** The scores of the syscall table. */
  public static DangerScores get() {
    return INSTANCE;
  }

  /** The call's tier: critical, high, medium, low, or {@value #UNKNOWN}. */
  public String tier(int nr) {
    return SyscallNames.row(nr).map(SyscallNames.Syscall::tier).orElse(UNKNOWN);
  }

  /** The call's score: its tier's, or {@link #DEFAULT_SCORE}. */
  public int score(int nr) {
    return SyscallNames.row(nr).map(s -> TIERS.get(s.tier())).orElse(DEFAULT_SCORE);
  }

  /** The sources the call's tier rests on, comma-separated keys (docs/security-estimate.md), or empty. */
  public String sources(int nr) {
    return SyscallNames.row(nr).map(SyscallNames.Syscall::sources).orElse("");
  }

  /** Whether the table names the call. */
  public boolean isListed(int nr) {
    return SyscallNames.isKnown(nr);
  }
}
