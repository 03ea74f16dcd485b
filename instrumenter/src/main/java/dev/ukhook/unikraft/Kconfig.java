package dev.ukhook.unikraft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kconfig .config text: read symbols, and override some while keeping every other line. */
public final class Kconfig {
  private static final Pattern SET = Pattern.compile("^(CONFIG_[A-Za-z0-9_]+)=(.*)$");
  private static final Pattern UNSET = Pattern.compile("^# (CONFIG_[A-Za-z0-9_]+) is not set$");

  private Kconfig() {}

  /** Symbol to value; an unset symbol maps to "n". */
  public static Map<String, String> parse(String config) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : config.split("\n")) {
      Matcher set = SET.matcher(line.strip());
      Matcher unset = UNSET.matcher(line.strip());
      if (set.matches()) {
        values.put(set.group(1), set.group(2));
      } else if (unset.matches()) {
        values.put(unset.group(1), "n");
      }
    }
    return values;
  }

  /**
   * The user's configuration with each overridden symbol's lines removed and the overrides appended
   * ("n" renders as "is not set"), so `make defconfig` resolves everything else as the user had it.
   */
  public static String override(String userConfig, Map<String, String> overrides, String why) {
    StringBuilder out = new StringBuilder();
    for (String line : userConfig.split("\n", -1)) {
      Matcher set = SET.matcher(line.strip());
      Matcher unset = UNSET.matcher(line.strip());
      String symbol = set.matches() ? set.group(1) : unset.matches() ? unset.group(1) : null;
      if (symbol == null || !overrides.containsKey(symbol)) {
        out.append(line).append('\n');
      }
    }
    String text = out.toString().replaceAll("\n+$", "\n");
    StringBuilder tail = new StringBuilder(text.isBlank() ? "" : text).append("# ").append(why).append('\n');
    overrides.forEach((k, v) -> tail.append(v.equals("n") ? "# " + k + " is not set" : k + "=" + v).append('\n'));
    return tail.toString();
  }

  /** Symbols whose resolved value differs from the wanted one, as "SYMBOL=wanted (got x)". */
  public static List<String> unmet(Map<String, String> resolved, Map<String, String> wanted) {
    return wanted.entrySet().stream()
        .filter(e -> !e.getValue().equals(resolved.getOrDefault(e.getKey(), "n")))
        .map(e -> e.getKey() + "=" + e.getValue() + " (got " + resolved.getOrDefault(e.getKey(), "n") + ")")
        .toList();
  }
}
