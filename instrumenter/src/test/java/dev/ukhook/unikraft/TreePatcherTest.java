package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.Profile.HookPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A profile that touches two files (as the native hook point of issue 7 will): planning, all-or-nothing writes, restore. */
class TreePatcherTest {
  @TempDir Path dir;
  ProfileGoldenTest.Case binary;
  ProfileGoldenTest.Case header;
  Profile profile;
  UnikraftTree tree;
  Path handler;
  Path syscallH;

  @BeforeEach
  void twoFileTree() throws IOException {
    binary = SourcePatcherTest.golden("0.17/binary");
    header = SourcePatcherTest.golden("macro-shape/native-shape");
    Map<String, HookPoint> hookPoints = new LinkedHashMap<>();
    hookPoints.put("binary", binary.hookPoint());
    hookPoints.put("native-shape", header.hookPoint());
    profile = new Profile("two", List.of(), false, hookPoints, "two.json");
    tree = new UnikraftTree(dir, new UnikraftVersion(0, 17, 0, false));
    handler = write(binary.hookPoint().file(), binary.beforeText());
    syscallH = write(header.hookPoint().file(), header.beforeText());
  }

  Path write(String file, String text) throws IOException {
    Path p = dir.resolve(file);
    Files.createDirectories(p.getParent());
    Files.write(p, text.getBytes(StandardCharsets.ISO_8859_1));
    return p;
  }

  static String read(Path p) {
    return ProfileGoldenTest.read(p);
  }

  void assertUntouched() {
    assertEquals(binary.beforeText(), read(handler));
    assertEquals(header.beforeText(), read(syscallH));
  }

  @Test
  void planWritesNothingApplyWritesEveryFileRestoreTakesAllBack() {
    PatchPlan plan = TreePatcher.plan(tree, profile, profile.hookPoints().keySet());
    assertUntouched();
    assertEquals(List.of(handler, syscallH), plan.changed());
    TreePatcher.apply(plan);
    assertEquals(binary.afterText(), read(handler));
    assertEquals(header.afterText(), read(syscallH));
    assertEquals(List.of(), TreePatcher.plan(tree, profile, profile.hookPoints().keySet()).changed(),
        "patching twice changes nothing");
    assertEquals(profile.hookPoints().keySet(), TreePatcher.patchedHookPoints(tree, profile));

    RestoreResult r = TreePatcher.restore(tree, profile, false);
    assertEquals(List.of(handler, syscallH), r.restored());
    assertEquals(List.of(), r.forced());
    assertUntouched();
    assertTrue(!TreePatcher.restore(tree, profile, false).changed());
    assertEquals(Set.of(), TreePatcher.patchedHookPoints(tree, profile));
  }

  @Test
  void aHookPointLeftOutGoesBackToTheOriginal() {
    TreePatcher.apply(TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    TreePatcher.apply(TreePatcher.plan(tree, profile, Set.of("binary")));
    assertEquals(binary.afterText(), read(handler));
    assertEquals(header.beforeText(), read(syscallH));
  }

  @Test
  void aMissingAnchorInTheSecondFileStopsThePlan() throws IOException {
    write(header.hookPoint().file(), header.beforeText().replace("long ret;", "long r;"));
    UkhookException e = assertThrows(UkhookException.class,
        () -> TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    assertTrue(e.getMessage().startsWith(syscallH + ": cannot find the statement `long ret;` in function rname() in "
        + "macro __UK_LLSYSCALL_R_DEFINE (hook point native-shape of two.json)"), e.getMessage());
    assertEquals(binary.beforeText(), read(handler));
  }

  @Test
  void aFailedRenameLeavesEveryFileAsItWas() throws IOException {
    PatchPlan plan = TreePatcher.plan(tree, profile, profile.hookPoints().keySet());
    TreePatcher.Mover failOnHeader = (from, to) -> {
      if (to.equals(syscallH)) {
        throw new java.nio.file.AccessDeniedException(to.toString());
      }
      TreePatcher.RENAME.move(from, to);
    };
    UkhookException e = assertThrows(UkhookException.class, () -> TreePatcher.write(plan.files(), failOnHeader));
    assertEquals("cannot write " + syscallH + ": permission denied; none of the files was changed", e.getMessage());
    assertUntouched();
    try (Stream<Path> s = Files.walk(dir)) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".ukhook-")).toList(),
          "no temporary file is left behind");
    }
  }

  @Test
  void aFileChangedAfterPlanningIsNotOverwritten() throws IOException {
    PatchPlan plan = TreePatcher.plan(tree, profile, profile.hookPoints().keySet());
    write(header.hookPoint().file(), header.beforeText() + "/* the user's edit */\n");
    UkhookException e = assertThrows(UkhookException.class, () -> TreePatcher.apply(plan));
    assertTrue(e.getMessage().startsWith(syscallH + " changed while ukhook was working on it"), e.getMessage());
    assertEquals(binary.beforeText(), read(handler));
  }

  @Test
  void restoreChecksEveryFileBeforeWritingAny() throws IOException {
    TreePatcher.apply(TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    String damaged = read(syscallH).replace("/* ukhook-end native-shape/exit */", "/* ukhook-end native-shape/exit  */");
    write(header.hookPoint().file(), damaged);
    UkhookException e = assertThrows(UkhookException.class, () -> TreePatcher.restore(tree, profile, false));
    assertTrue(e.getMessage().startsWith(syscallH + ":"), e.getMessage());
    assertTrue(e.getMessage().endsWith("nothing was changed; `git -C " + dir + " checkout -- "
        + header.hookPoint().file() + "` restores Unikraft's original"), e.getMessage());
    assertEquals(binary.afterText(), read(handler), "the intact file is not restored alone");
    assertEquals(damaged, read(syscallH));
  }

  @Test
  void forcedRestoreKeepsTheEditsAndSaysSo() throws IOException {
    TreePatcher.apply(TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    write(binary.hookPoint().file(), read(handler) + "/* the user's edit */\n");
    assertThrows(UkhookException.class, () -> TreePatcher.restore(tree, profile, false));
    RestoreResult r = TreePatcher.restore(tree, profile, true);
    assertEquals(List.of(handler), r.forced());
    assertEquals(List.of(syscallH), r.restored());
    assertEquals(binary.beforeText() + "/* the user's edit */\n", read(handler));
    assertEquals(header.beforeText(), read(syscallH));
  }

  @Test
  void permissionsSurviveTheRewrite() throws IOException {
    Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rw-r-----"));
    TreePatcher.apply(TreePatcher.plan(tree, profile, Set.of("binary")));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(handler)));
  }

  @Test
  void aMissingFileIsNamedWithItsHookPointAndProfile() throws IOException {
    Files.delete(syscallH);
    UkhookException e = assertThrows(UkhookException.class,
        () -> TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    assertEquals(syscallH + " does not exist, but hook point native-shape of two.json expects it; the tree differs "
        + "from Unikraft two, nothing was changed", e.getMessage());
  }
  // Issue 18, defect 17: a read-only file (root's 0444 process.c in a directory the user may write) was replaced
  // by the rename, which needs no write permission on the file, and it changed owner. Root may write any file,
  // so the refusal goes by the file's mode, not by access().
  @Test
  void aReadOnlyFileIsRefusedAndKeepsItsBytesAndMode() throws IOException {
    Files.setPosixFilePermissions(syscallH, PosixFilePermissions.fromString("r--r--r--"));
    PatchPlan plan = TreePatcher.plan(tree, profile, profile.hookPoints().keySet());
    UkhookException e = assertThrows(UkhookException.class, () -> TreePatcher.apply(plan));
    assertEquals(syscallH + " is read-only (mode r--r--r--, owner " + Files.getOwner(syscallH).getName()
        + "), and ukhook patches and restores it by replacing it: make it writable (chmod u+w) as its owner, or use "
        + "a copy of the tree you own; nothing was changed", e.getMessage());
    assertUntouched();
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(syscallH)));
  }

  // Issue 18, defect 17: a patched and a restored file keep their owner, group and mode.
  @Test
  void aReplacedFileKeepsItsOwnerGroupAndMode() throws IOException {
    UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      Files.setOwner(handler, users.lookupPrincipalByName("nobody"));
      Files.getFileAttributeView(handler, PosixFileAttributeView.class)
          .setGroup(users.lookupPrincipalByGroupName("nogroup"));
    }
    Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rw-r-----"));
    PosixFileAttributes before = Files.readAttributes(handler, PosixFileAttributes.class);
    TreePatcher.apply(TreePatcher.plan(tree, profile, profile.hookPoints().keySet()));
    assertEquals(binary.afterText(), read(handler));
    assertSameOwnerGroupMode(before, Files.readAttributes(handler, PosixFileAttributes.class));
    TreePatcher.restore(tree, profile, false);
    assertEquals(binary.beforeText(), read(handler));
    assertSameOwnerGroupMode(before, Files.readAttributes(handler, PosixFileAttributes.class));
  }

  static void assertSameOwnerGroupMode(PosixFileAttributes want, PosixFileAttributes got) {
    assertEquals(want.owner(), got.owner());
    assertEquals(want.group(), got.group());
    assertEquals(want.permissions(), got.permissions());
  }
}
