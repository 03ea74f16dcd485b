package dev.ukhook.unikraft;

import static dev.ukhook.unikraft.ProfileGoldenTest.dropLine;
import static dev.ukhook.unikraft.ProfileGoldenTest.editLine;
import static dev.ukhook.unikraft.ProfileGoldenTest.firstLineWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.unikraft.PatchMarkers.Marker;
import dev.ukhook.unikraft.PatchMarkers.Scope;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourcePatcherTest {
  static final String R = "RECOVERY";

  static ProfileGoldenTest.Case golden(String name) throws IOException {
    return ProfileGoldenTest.cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  static String patch(ProfileGoldenTest.Case c, String text, String where) {
    return SourcePatcher.patch(text, c.profile(), List.of(c.hookPoint()), where, R);
  }

  static String refusal(String text) {
    UkhookException e = assertThrows(UkhookException.class, () -> SourcePatcher.restore(text, "f.c", R, false));
    assertEquals(Kind.FAILURE, e.kind());
    return e.getMessage();
  }

  @Test
  void markersAreWrittenAndParsedByOneDefinition() {
    for (Scope scope : Scope.values()) {
      String begin = PatchMarkers.begin(scope, "\t", "hp/edit", "0123456789ab", "0123456789abcdef");
      assertEquals(new Marker(true, scope, scope == Scope.MACRO ? "\t" : "", "hp/edit", "0123456789ab",
          "0123456789abcdef"), PatchMarkers.parse(begin));
      assertEquals(PatchMarkers.parse(begin).endLine(), PatchMarkers.end(scope, "\t", "hp/edit"));
      assertEquals(new Marker(false, scope, scope == Scope.MACRO ? "\t" : "", "hp/edit", null, null),
          PatchMarkers.parse(PatchMarkers.end(scope, "\t", "hp/edit")));
      assertNull(PatchMarkers.parse(begin.replace("ukhook-begin ", "ukhook-begin  ")));
      assertNull(PatchMarkers.parse(begin.replace("\n", "")), "a marker is a whole line");
    }
    assertEquals("#if CONFIG_LIBUKHOOK /* ukhook-begin binary/enter block=0123456789ab original=0123456789abcdef */\n",
        PatchMarkers.begin(Scope.FILE, "", "binary/enter", "0123456789ab", "0123456789abcdef"));
    assertEquals("#endif /* ukhook-end binary/enter */\n", PatchMarkers.end(Scope.FILE, "", "binary/enter"));
    assertEquals("\t/* ukhook-end native/enter */ \\\n", PatchMarkers.end(Scope.MACRO, "\t", "native/enter"));
  }

  /** Issue 6, defect 1: a deleted or altered end marker made restore delete Unikraft's code up to the next block's end. */
  @Test
  void missingOrAlteredEndMarkerIsRefusedNamingItsLine() throws IOException {
    String after = golden("0.17/binary").afterText();
    assertEquals("f.c:3: a ukhook-begin marker has no ukhook-end before the next begin at line 20; nothing was "
        + "changed; RECOVERY", refusal(dropLine(after, firstLineWith(after, "ukhook-end"))));
    assertEquals("f.c:5: this line mentions ukhook-end but is not a ukhook marker in its exact format (expected "
        + "`#endif /* ukhook-end binary/include */`); nothing was changed; RECOVERY",
        refusal(editLine(after, firstLineWith(after, "ukhook-end"), l -> l.replace("ukhook-end ", "ukhook-end  "))));
    assertEquals("f.c:5: this ukhook-end does not close the ukhook-begin of binary/include at line 3 (expected "
        + "`#endif /* ukhook-end binary/include */`); nothing was changed; RECOVERY",
        refusal(editLine(after, firstLineWith(after, "ukhook-end"), l -> l.replace("include", "exit"))));
    String cut = after.substring(0, after.lastIndexOf("#endif /* ukhook-end"));
    assertEquals("f.c:27: a ukhook-begin marker has no ukhook-end; nothing was changed; RECOVERY", refusal(cut));
  }

  /** Issue 6, defect 2: a deleted begin marker left the include and a stray #endif behind, and restore said "restored". */
  @Test
  void missingBeginMarkerIsRefused() throws IOException {
    String after = golden("0.17/binary").afterText();
    assertEquals("f.c:4: a ukhook-end marker has no ukhook-begin before it; nothing was changed; RECOVERY",
        refusal(dropLine(after, firstLineWith(after, "ukhook-begin"))));
    String second = dropLine(after, firstLineWith(after, "ukhook-begin binary/enter"));
    assertEquals("f.c:24: a ukhook-end marker has no ukhook-begin before it (the previous block ends at line 5); "
        + "nothing was changed; RECOVERY", refusal(second));
    // Even a file whose only trace of ukhook is a stray end marker is not taken for an unpatched one.
    assertEquals("f.c:2: a ukhook-end marker has no ukhook-begin before it; nothing was changed; RECOVERY",
        refusal("int a;\n#endif /* ukhook-end binary/exit */\n"));
  }

  @Test
  void changedBlockAndMixedPatchesAreRefused() throws IOException {
    String after = golden("0.17/binary").afterText();
    String changed = after.replace("ukhook_syscall_exit(ukhook_rec,", "ukhook_syscall_exit(ukhook_rec ,");
    String msg = refusal(changed);
    assertTrue(msg.startsWith("f.c:27: the block binary/exit (lines 27-29) was changed since ukhook inserted it "
        + "(its content has checksum "), msg);
    String mixed = after.replaceFirst("original=([0-9a-f]{16}) \\*/\n\tukhook_syscall_exit",
        "original=0000000000000000 */\n\tukhook_syscall_exit");
    assertTrue(refusal(mixed).startsWith("f.c:27: the block binary/exit records original file 0000000000000000, but "
        + "the block at line 3 records "), refusal(mixed));
  }

  @Test
  void editOutsideTheBlocksIsRefusedUnlessForced() throws IOException {
    ProfileGoldenTest.Case c = golden("0.17/binary");
    String edited = c.afterText().replace("print(execenv", "printf(execenv");
    UkhookException e = assertThrows(UkhookException.class, () -> SourcePatcher.restore(edited, "f.c", R, false));
    assertTrue(e.getMessage().startsWith("f.c: the file was edited outside ukhook's blocks since ukhook patched it"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("nothing was changed; `ukhook restore --force` removes the blocks and keeps "
        + "the edits"), e.getMessage());
    assertThrows(UkhookException.class, () -> patch(c, edited, "f.c"), "instrumenting again must refuse too");
    SourcePatcher.Restored forced = SourcePatcher.restore(edited, "f.c", R, true);
    assertTrue(forced.differs());
    assertEquals(c.beforeText().replace("print(execenv", "printf(execenv"), forced.text());
  }

  @Test
  void missingAnchorNamesFileScopeAnchorAndProfile() throws IOException {
    ProfileGoldenTest.Case c = golden("0.17/binary");
    String src = c.beforeText().replace("uk_syscall6_r_e(execenv);", "other(execenv);");
    UkhookException e = assertThrows(UkhookException.class, () -> patch(c, src, "x/uk_syscall_binary.c"));
    assertEquals("x/uk_syscall_binary.c: cannot find the statement `execenv->regs.__syscall_rret0 = "
        + "uk_syscall6_r_e(execenv);` in function ukplat_syscall_handler() (hook point binary of "
        + "unikraft-patches/0.17.json); the tree differs from Unikraft 0.17, nothing was changed", e.getMessage());
    assertEquals(Kind.FAILURE, e.kind());
  }

  @Test
  void missingFunctionRepeatedAnchorWrongOrderAndSharedLineAreRefused() throws IOException {
    ProfileGoldenTest.Case c = golden("0.17/binary");
    String src = c.beforeText();
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, src.replace("ukplat_syscall_handler", "renamed"), "f.c"))
        .getMessage().startsWith("f.c: cannot find the definition of ukplat_syscall_handler() (hook point binary"));
    String dispatch = "\texecenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);\n";
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, src.replace(dispatch, dispatch + dispatch), "f.c"))
        .getMessage().contains("the statement `execenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);` occurs 2 "
            + "times, expected once"));
    String swapped = src.replace("\tukarch_sysctx_load( &auxspcb->uksysctx );\n", "")
        .replace("#if CONFIG_LIBSYSCALL_SHIM_STRACE", "\tukarch_sysctx_load(&auxspcb->uksysctx);\n#if CONFIG_LIBSYSCALL_SHIM_STRACE");
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, swapped, "f.c")).getMessage()
        .contains("in function ukplat_syscall_handler() the statement `execenv->regs.__syscall_rret0 = "
            + "uk_syscall6_r_e(execenv);` comes before `ukarch_sysctx_load(&auxspcb->uksysctx);`"));
    String shared = src.replace(dispatch, "\tx = 1;" + dispatch);
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, shared, "f.c")).getMessage()
        .contains("shares its line with other code"));
    String twoIncludes = src.replace("#include <uk/syscall.h>\n", "#include <uk/syscall.h>\n#include <uk/syscall.h>\n");
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, twoIncludes, "f.c")).getMessage()
        .startsWith("f.c: in the file the line `#include <uk/syscall.h>` occurs 2 times, expected once"));
    String commented = src.replace("#include <uk/syscall.h>\n", "/*\n#include <uk/syscall.h>\n*/\n");
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, commented, "f.c")).getMessage()
        .startsWith("f.c: cannot find the line `#include <uk/syscall.h>` in the file"));
  }

  @Test
  void macroScopeIsTheDefinitionThroughItsLastContinuationLine() throws IOException {
    ProfileGoldenTest.Case c = golden("macro-shape/native-shape");
    String src = c.beforeText();
    for (String line : c.afterText().split("\n")) {
      if (line.startsWith("\t") && line.contains("ukhook")) {
        assertTrue(line.endsWith(" \\"), "every line inserted into a macro continues it: " + line);
      }
    }
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, src.replace("#define __UK_LLSYSCALL_R_DEFINE(",
        "#define __UK_OTHER_DEFINE("), "f.h")).getMessage()
        .startsWith("f.h: cannot find the definition of macro __UK_LLSYSCALL_R_DEFINE (hook point native-shape of "
            + "src/test/resources/profiles/macro-shape/profile.json)"));
    // The macro ends one line earlier: rname's body is no longer in it.
    String cut = src.replace("\t\t\ta, b);\t\t\t\t\t\t\\\n", "\t\t\ta, b);\n");
    assertTrue(assertThrows(UkhookException.class, () -> patch(c, cut, "f.h")).getMessage()
        .startsWith("f.h: cannot find the definition of rname() in macro __UK_LLSYSCALL_R_DEFINE"));
  }

  /** A one-edit profile for the shape, to try anchors the real profiles do not use. */
  static Profile oneEdit(String editJson) {
    return Profiles.read(("{\"name\": \"t\", \"releases\": [], \"hookPoints\": {\"h\": {\"file\": \"f.h\", "
        + "\"edits\": [" + editJson + "]}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "t.json");
  }

  static String patchWith(Profile p, String text) {
    return SourcePatcher.patch(text, p, List.of(p.hookPoint("h")), "f.h", R);
  }

  @Test
  void aBlockNeverEndsAMacroOrLandsInOneAtFileScope() throws IOException {
    String src = golden("macro-shape/native-shape").beforeText();
    Profile last = oneEdit("{\"template\": \"native-shape/exit.ftl\", \"macro\": \"__UK_LLSYSCALL_R_DEFINE\", "
        + "\"afterLine\": \"static inline rtype __##rname(long a, long b)\"}");
    UkhookException e = assertThrows(UkhookException.class, () -> patchWith(last, src));
    assertTrue(e.getMessage().startsWith("f.h: a block cannot go after the last line of macro __UK_LLSYSCALL_R_DEFINE"),
        e.getMessage());
    Profile fileScope = oneEdit("{\"template\": \"native-shape/exit.ftl\", \"afterLine\": \"long ename(long a, long b)\"}");
    e = assertThrows(UkhookException.class, () -> patchWith(fileScope, src));
    assertTrue(e.getMessage().contains("is inside a multi-line macro; the edit must name it"), e.getMessage());
  }

  @Test
  void aDirectiveCannotGoInsideAMacro() throws IOException {
    ProfileGoldenTest.Case c = golden("macro-shape/native-shape");
    Profile p = oneEdit("{\"template\": \"native-shape/include.ftl\", \"macro\": \"__UK_LLSYSCALL_R_DEFINE\", "
        + "\"function\": \"rname\", \"afterLine\": \"long ret;\"}");
    UkhookException e = assertThrows(UkhookException.class, () -> patchWith(p, c.beforeText()));
    assertEquals(Kind.INTERNAL, e.kind());
    assertTrue(e.getMessage().contains("renders the directive `#include <ukhook/hook.h>`, which cannot go inside macro"));
  }

  @Test
  void commentsStringsAndPastedNamesNeverMatch() {
    CSource c = new CSource("/* f( */ int g(void) { return 1; } // f(\nchar *s = \"f(\";\nint __##f(int a) { y; }\n"
        + "void f(int a) \\\n{ x; }\n");
    int[] body = c.functionBody("f", 0, c.text().length());
    assertEquals(" x; ", c.text().substring(body[0], body[1]));
    assertEquals(List.of(), c.macroDefinitions("f"));
  }
}
