package dev.ukhook.unikraft;

import java.util.List;

/**
 * Where the hook goes in one family of Unikraft versions (unikraft-patches/*.json). Anchors are
 * statements inside a function, never line numbers or copied blocks.
 */
public record PatchSpec(String name, List<String> releases, boolean main, String file, String include, String function,
    String contextLoaded, String dispatch, String regs, String ret) {

  public boolean appliesTo(UnikraftVersion v) {
    if (v.main()) {
      return main;
    }
    return releases.stream().anyMatch(r -> r.endsWith(".*")
        ? v.release().startsWith(r.substring(0, r.length() - 1))
        : v.release().equals(r));
  }
}
