package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.Profile.HookPoint;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every golden case under src/test/resources/profiles/PROFILE/HOOKPOINT/ (before.*, after.*), found by
 * scanning: patching gives the after text, patching that again changes nothing, restoring gives the before
 * bytes back, and each kind of damage to the after text is refused with the file left as it was. PROFILE is
 * a profile the jar carries, or one beside its cases (profile.json) for shapes no Unikraft version has yet.
 * Run with -Dukhook.updateGolden=true to rewrite the after files (then read the diff).
 */
class ProfileGoldenTest {
  static final String RECOVERY = "`git checkout` restores it";

  @TempDir Path tmp;

  /** A golden case: one hook point of one profile on one hand-written shape. */
  record Case(Profile profile, HookPoint hookPoint, Path before, Path after) {
    String name() {
      return profile.name() + "/" + hookPoint.name();
    }

    String beforeText() {
      return read(before);
    }

    String afterText() {
      return read(after);
    }

    String patch(String text) {
      return SourcePatcher.patch(text, profile, List.of(hookPoint), hookPoint.file(), RECOVERY);
    }
  }

  static Path root() {
    try {
      return Path.of(ProfileGoldenTest.class.getResource("/profiles").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root())) {
      for (Path profileDir : dirs.sorted().toList()) {
        Path own = profileDir.resolve("profile.json");
        Profile profile = Files.isRegularFile(own)
            ? Profiles.read(Files.readAllBytes(own), "src/test/resources/profiles/" + profileDir.getFileName() + "/profile.json")
            : Profiles.all().stream().filter(p -> p.name().equals(profileDir.getFileName().toString())).findFirst()
                .orElseThrow(() -> new AssertionError(profileDir + " names no profile of unikraft-patches/"));
        try (Stream<Path> hps = Files.list(profileDir)) {
          for (Path hpDir : hps.filter(Files::isDirectory).sorted().toList()) {
            Path before = only(hpDir, "before.");
            String ext = before.getFileName().toString().substring("before".length());
            cases.add(new Case(profile, profile.hookPoint(hpDir.getFileName().toString()), before,
                hpDir.resolve("after" + ext)));
          }
        }
      }
    }
    return cases;
  }

  private static Path only(Path dir, String prefix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
      assertEquals(1, found.size(), dir + " needs exactly one " + prefix + "* file");
      return found.get(0);
    }
  }

  static String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @TestFactory
  Stream<DynamicNode> everyGoldenCase() throws IOException {
    List<Case> cases = cases();
    assertTrue(cases.size() >= 3, "golden cases found: " + cases);
    return cases.stream().map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.concat(Stream.of(
        DynamicTest.dynamicTest("patch(before) == after", () -> patchGivesAfter(c)),
        DynamicTest.dynamicTest("patch(after) == after", () -> assertEquals(c.afterText(), c.patch(c.afterText()))),
        DynamicTest.dynamicTest("restore(after) == before", () -> restoreGivesBefore(c))),
        damages().entrySet().stream().map(d ->
            DynamicTest.dynamicTest("refuses: " + d.getKey(), () -> damageIsRefused(c, d.getValue()))))));
  }

  private static void patchGivesAfter(Case c) throws IOException {
    String patched = c.patch(c.beforeText());
    if (Boolean.getBoolean("ukhook.updateGolden")) {
      for (Path p : List.of(Path.of("src/test/resources/profiles").resolve(root().relativize(c.after()).toString()),
          c.after())) {
        Files.write(p, patched.getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    assertNotEquals(c.beforeText(), patched);
    assertEquals(c.afterText(), patched, "golden " + c.after());
  }

  private static void restoreGivesBefore(Case c) {
    SourcePatcher.Restored r = SourcePatcher.restore(c.afterText(), "f", RECOVERY, false);
    assertEquals(c.beforeText(), r.text());
    assertEquals(c.hookPoint().edits().size(), r.blocks());
    assertFalse(r.differs());
    assertEquals(c.beforeText(), SourcePatcher.restore(c.beforeText(), "f", RECOVERY, false).text());
  }

  /** Damage done to a patched file, as the issue reproduced it; each must be refused. */
  static Map<String, UnaryOperator<String>> damages() {
    return Map.of(
        "first ukhook-end line deleted", t -> dropLine(t, firstLineWith(t, "ukhook-end")),
        "a space added inside the first ukhook-end", t -> editLine(t, firstLineWith(t, "ukhook-end"),
            l -> l.replace("ukhook-end ", "ukhook-end  ")),
        "first ukhook-begin line deleted", t -> dropLine(t, firstLineWith(t, "ukhook-begin")),
        "a byte changed inside a block", t -> editLine(t, firstLineWith(t, "ukhook-begin") + 1,
            l -> l.replaceFirst("[a-z]", "Q")),
        "a line outside the blocks edited", t -> editLine(t, 0, l -> l.replaceFirst("\n$", " edited\n")));
  }

  /** The damaged file is refused with one line naming it, by restore and by patching again; it is not touched. */
  private void damageIsRefused(Case c, UnaryOperator<String> damage) throws IOException {
    String damaged = damage.apply(c.afterText());
    assertNotEquals(c.afterText(), damaged);
    // A tree of its own: the dynamic tests of one factory share the @TempDir.
    Path root = Files.createTempDirectory(tmp, "tree");
    Path file = root.resolve(c.hookPoint().file());
    Files.createDirectories(file.getParent());
    Files.write(file, damaged.getBytes(StandardCharsets.ISO_8859_1));
    UnikraftTree tree = new UnikraftTree(root, new UnikraftVersion(0, 0, 0, false));
    UkhookException e = assertThrows(UkhookException.class, () -> TreePatcher.restore(tree, c.profile(), false));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(file + ":"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    assertThrows(UkhookException.class, () -> TreePatcher.plan(tree, c.profile(), c.profile().hookPoints().keySet()));
    assertEquals(damaged, read(file), "a refused restore must leave the file as it was");
  }

  static int firstLineWith(String text, String s) {
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(s)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + s);
  }

  static String dropLine(String text, int index) {
    return editLine(text, index, l -> "");
  }

  static String editLine(String text, int index, UnaryOperator<String> edit) {
    List<String> lines = new ArrayList<>(List.of(text.split("(?<=\n)")));
    lines.set(index, edit.apply(lines.get(index)));
    return String.join("", lines);
  }
}
