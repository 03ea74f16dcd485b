package dev.ukhook.unikraft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.Templates;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.Profile.Edit;
import dev.ukhook.unikraft.Profile.HookPoint;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** The version profiles the jar carries under unikraft-patches/ (listed in its INDEX). */
public final class Profiles {
  static final String DIR = "unikraft-patches";

  private Profiles() {}

  /** The profile JSON as written; {@link #read} turns it into a checked {@link Profile}. */
  record ProfileJson(String name, List<String> releases, boolean main, LinkedHashMap<String, HookPointJson> hookPoints) {}

  record HookPointJson(boolean fix, String when, String file, LinkedHashMap<String, String> kconfig,
      LinkedHashMap<String, String> model, List<Edit> edits) {}

  public static List<Profile> all() {
    List<Profile> profiles = new ArrayList<>();
    for (String name : Templates.index(DIR + "/INDEX")) {
      try (InputStream in = Profiles.class.getResourceAsStream("/" + DIR + "/" + name)) {
        if (in == null) {
          throw new IllegalStateException(DIR + "/" + name + " is listed in its INDEX but missing from the jar");
        }
        profiles.add(read(in.readAllBytes(), DIR + "/" + name));
      } catch (IOException e) {
        throw new IllegalStateException(DIR + "/" + name + " is unreadable", e);
      }
    }
    return profiles;
  }

  /** The profile for a tree's version, or one line naming the version found and those supported. */
  public static Profile forVersion(UnikraftVersion version) {
    return all().stream().filter(p -> p.appliesTo(version)).findFirst()
        .orElseThrow(() -> new UkhookException(Kind.ENVIRONMENT,
            "Unikraft " + version + " is not supported: ukhook supports " + UnikraftTree.SUPPORTED
                + "; check out one of those releases (e.g. git checkout RELEASE-0.17.0)"));
  }

  /** Parses and checks one profile; {@code source} names it in every error. */
  public static Profile read(byte[] json, String source) {
    ProfileJson p;
    try {
      p = new ObjectMapper().readValue(json, ProfileJson.class);
    } catch (JsonProcessingException e) {
      throw invalid(source, e.getOriginalMessage().lines().findFirst().orElse("not a profile"));
    } catch (IOException e) {
      throw invalid(source, e.getMessage());
    }
    if (p.name() == null || p.releases() == null || p.hookPoints() == null || p.hookPoints().isEmpty()) {
      throw invalid(source, "needs name, releases and at least one hook point");
    }
    Map<String, HookPoint> hookPoints = new LinkedHashMap<>();
    p.hookPoints().forEach((name, h) -> hookPoints.put(name, hookPoint(source, name, h)));
    return new Profile(p.name(), List.copyOf(p.releases()), p.main(), hookPoints, source);
  }

  private static HookPoint hookPoint(String source, String name, HookPointJson h) {
    String where = "hook point " + name;
    if (!name.matches("[A-Za-z0-9_.-]+") || h.file() == null || h.edits() == null || h.edits().isEmpty()) {
      throw invalid(source, where + " needs a name of letters, digits, '_', '.' or '-', a file and at least one edit");
    }
    if (h.fix() != (h.when() != null) || h.when() != null && !h.when().matches("CONFIG_[A-Za-z0-9_]+")) {
      throw invalid(source, where + ": a fix (\"fix\": true) needs \"when\", the Kconfig option (CONFIG_...) of the "
          + "images it is for, and only a fix has one");
    }
    HookPoint hp = new HookPoint(name, h.fix() ? h.when() : null, h.file(),
        h.kconfig() == null ? Map.of() : h.kconfig(), h.model() == null ? Map.of() : h.model(), List.copyOf(h.edits()));
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < hp.edits().size(); i++) {
      Edit e = hp.edits().get(i);
      String at = where + ", edit " + (i + 1);
      long anchors = Stream.of(e.before(), e.after(), e.afterLine(), e.beforeLine()).filter(a -> a != null).count();
      if (e.template() == null || !e.template().endsWith(".ftl") || anchors != 1) {
        throw invalid(source, at + " needs a template (*.ftl) and exactly one of before, after, afterLine, beforeLine");
      }
      if (e.function() == null && (e.before() != null || e.after() != null || e.notBefore() != null)) {
        throw invalid(source, at + ": a statement anchor (before, after, notBefore) needs a function");
      }
      if (!e.id(hp).matches(PatchMarkers.ID)) {
        throw invalid(source, at + ": the edit's id (or its template's name) must be letters, digits, '_', '.' or '-'"
            + " (it names the block in its markers)");
      }
      if (!ids.add(e.id(hp))) {
        throw invalid(source, at + ": another edit of " + name + " has the block id " + e.id(hp)
            + "; give one of them an \"id\" (block ids must be unique)");
      }
    }
    return hp;
  }

  private static UkhookException invalid(String source, String what) {
    return new UkhookException(Kind.INTERNAL, source + ": " + what);
  }
}
