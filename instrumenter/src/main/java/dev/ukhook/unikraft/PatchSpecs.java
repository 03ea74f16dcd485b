package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException.Kind;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.UkhookException;
import dev.ukhook.guest.Templates;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The patch specs the jar carries under unikraft-patches/. */
public final class PatchSpecs {
  private PatchSpecs() {}

  public static List<PatchSpec> all() {
    ObjectMapper json = new ObjectMapper();
    List<PatchSpec> specs = new ArrayList<>();
    for (String name : Templates.index("unikraft-patches/INDEX")) {
      try (InputStream in = PatchSpecs.class.getResourceAsStream("/unikraft-patches/" + name)) {
        specs.add(json.readValue(in, PatchSpec.class));
      } catch (IOException e) {
        throw new UncheckedIOException("unikraft-patches/" + name + " is unreadable", e);
      }
    }
    return specs;
  }

  /** The spec for a tree's version, or one line naming the version found and those supported. */
  public static PatchSpec forVersion(UnikraftVersion version) {
    return all().stream().filter(s -> s.appliesTo(version)).findFirst()
        .orElseThrow(() -> new UkhookException(Kind.ENVIRONMENT,
            "Unikraft " + version + " is not supported: ukhook supports " + UnikraftTree.SUPPORTED
                + "; check out one of those releases (e.g. git checkout RELEASE-0.17.0)"));
  }
}
