package dev.ukhook.aggregate;

import dev.ukhook.format.SyscallNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * A coarse danger score per system call, read from {@code danger-tiers.tsv} beside this class: each known x86-64
 * call has a tier (critical 10, high 5, medium 2, low 1) and the sources the tier rests on. A number the file does
 * not name scores {@link #DEFAULT_SCORE} under the tier {@value #UNKNOWN}. The tiers, their sources and what the
 * score is not are in docs/security-estimate.md.
 */
public final class DangerScores {
  /** The tiers and their scores. */
  public static final Map<String, Integer> TIERS = Map.of("critical", 10, "high", 5, "medium", 2, "low", 1);
  /** The tier of a number the file does not name. */
  public static final String UNKNOWN = "unknown";
  /** The score of a number the file does not name: as high, since nothing shows it harmless. */
  public static final int DEFAULT_SCORE = 5;

  private static final String RESOURCE = "danger-tiers.tsv";
  private static final String HEADER = "name\ttier\tsources\treason";

  private final Map<Integer, String> tierByNr;
  private final Map<Integer, String> sourcesByNr;

  private DangerScores(Map<Integer, String> tierByNr, Map<Integer, String> sourcesByNr) {
    this.tierByNr = tierByNr;
    this.sourcesByNr = sourcesByNr;
  }

  private static final class Holder {
    static final DangerScores INSTANCE = load();
  }

  /** The scores of the class resource, read once. */
  public static DangerScores get() {
    return Holder.INSTANCE;
  }

  private static DangerScores load() {
    try (InputStream in = DangerScores.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing class resource " + RESOURCE);
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses the file's lines: {@code #} comments, the header, then {@code name, tier, sources, reason} separated
   * by tabs. Refuses a name {@link SyscallNames} does not know, a name given twice, an unknown tier and a line
   * without a source.
   */
  static DangerScores parse(List<String> lines) {
    SortedMap<String, Integer> numbers = SyscallNames.byName();
    Map<Integer, String> tiers = new HashMap<>();
    Map<Integer, String> sources = new HashMap<>();
    boolean header = false;
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (!header) {
        if (!line.equals(HEADER)) {
          throw new IllegalArgumentException(RESOURCE + ":" + lineNo + ": expected the header " + HEADER);
        }
        header = true;
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 4 || f[2].isBlank()) {
        throw new IllegalArgumentException(RESOURCE + ":" + lineNo + ": expected name, tier, sources, reason");
      }
      Integer nr = numbers.get(f[0]);
      if (nr == null) {
        throw new IllegalArgumentException(RESOURCE + ":" + lineNo + ": unknown system call " + f[0]);
      }
      String tier = f[1].toLowerCase(Locale.ROOT);
      if (!TIERS.containsKey(tier)) {
        throw new IllegalArgumentException(RESOURCE + ":" + lineNo + ": unknown tier " + f[1]);
      }
      if (tiers.put(nr, tier) != null) {
        throw new IllegalArgumentException(RESOURCE + ":" + lineNo + ": " + f[0] + " given twice");
      }
      sources.put(nr, f[2]);
    }
    return new DangerScores(Collections.unmodifiableMap(tiers), Collections.unmodifiableMap(sources));
  }

  /** The call's tier: critical, high, medium, low, or {@value #UNKNOWN}. */
  public String tier(int nr) {
    return tierByNr.getOrDefault(nr, UNKNOWN);
  }

  /** The call's score: its tier's, or {@link #DEFAULT_SCORE}. */
  public int score(int nr) {
    String tier = tierByNr.get(nr);
    return tier == null ? DEFAULT_SCORE : TIERS.get(tier);
  }

  /** The sources the call's tier rests on, comma-separated keys (docs/security-estimate.md), or empty. */
  public String sources(int nr) {
    return sourcesByNr.getOrDefault(nr, "");
  }

  /** Whether the file names the call. */
  public boolean isListed(int nr) {
    return tierByNr.containsKey(nr);
  }
}
