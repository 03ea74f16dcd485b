package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ukhook inserts into one family of Unikraft versions (unikraft-patches/*.json): per hook point, the
 * file, the anchors of each edit, the template it renders and the Kconfig options the hook point needs.
 * Anchors are statements or whole lines inside a scope, never line numbers or copied code.
 *
 * @param source where the profile came from, for error messages (e.g. {@code unikraft-patches/0.17.json})
 */
public record Profile(String name, List<String> releases, boolean main, Map<String, HookPoint> hookPoints,
    String source) {

  /**
   * A place where ukhook hooks into Unikraft, or a fix of Unikraft that ukhook carries (patched and restored
   * the same way, chosen by {@code --fixes} instead of {@code --hook-points}).
   *
   * @param fixFor null for a hook point; for a fix, the Kconfig option of the images it is on for by default
   * @param kconfig options this hook point needs, set in the defconfig ukhook resolves and checked after
   * @param model values the templates use besides {@code indent}
   */
  public record HookPoint(String name, String fixFor, String file, Map<String, String> kconfig,
      Map<String, String> model, List<Edit> edits) {

    public boolean fix() {
      return fixFor != null;
    }
  }

  /**
   * One inserted block: the template it renders (relative to templates/patch/), its scope ({@code macro},
   * then {@code function} inside it; neither means the whole file) and exactly one anchor: before or after
   * a statement, or after or before a whole line. {@code notBefore} is a statement the block must follow.
   * {@code id} names the block when one template serves several anchors; it defaults to the template's name.
   */
  public record Edit(String id, String template, String macro, String function, String before, String after,
      String notBefore, String afterLine, String beforeLine) {

    /** The id its markers carry: the hook point and the edit's id, e.g. {@code binary/enter}. */
    public String id(HookPoint hookPoint) {
      String base = id != null ? id : template.substring(template.lastIndexOf('/') + 1).replaceFirst("\\.ftl$", "");
      return hookPoint.name() + "/" + base;
    }

    /** The anchor, for messages: {@code the statement `x;`} or {@code the line `#include <y>`}. */
    String anchor() {
      if (before != null || after != null) {
        return "the statement `" + (before != null ? before : after) + "`";
      }
      return "the line `" + (afterLine != null ? afterLine : beforeLine) + "`";
    }

    /** Where the scope is, for messages: {@code function f()}, {@code function f() in macro M}, ... */
    String scope() {
      String in = macro == null ? "" : "macro " + macro;
      if (function == null) {
        return in.isEmpty() ? "the file" : in;
      }
      return "function " + function + "()" + (in.isEmpty() ? "" : " in " + in);
    }
  }

  public boolean appliesTo(UnikraftVersion v) {
    if (v.main()) {
      return main;
    }
    return releases.stream().anyMatch(r -> r.endsWith(".*")
        ? v.release().startsWith(r.substring(0, r.length() - 1))
        : v.release().equals(r));
  }

  /** The named hook point; a name the profile lacks is a bug in the caller. */
  public HookPoint hookPoint(String name) {
    HookPoint h = hookPoints.get(name);
    if (h == null) {
      throw new UkhookException(Kind.INTERNAL, source + " has no hook point `" + name + "` (it has "
          + String.join(", ", hookPoints.keySet()) + ")");
    }
    return h;
  }

  /** The names of its hook points ({@code fix} false) or of its fixes, in profile order. */
  public List<String> names(boolean fixes) {
    return hookPoints.values().stream().filter(h -> h.fix() == fixes).map(HookPoint::name).toList();
  }

  /** Every file any hook point names, in the profile's order. */
  public List<String> files() {
    return hookPoints.values().stream().map(HookPoint::file).distinct().toList();
  }

  /** The Kconfig options the given hook points need, in profile order. */
  public Map<String, String> kconfig(Collection<String> names) {
    Map<String, String> k = new LinkedHashMap<>();
    hookPoints.values().stream().filter(h -> names.contains(h.name())).forEach(h -> k.putAll(h.kconfig()));
    return k;
  }
}
