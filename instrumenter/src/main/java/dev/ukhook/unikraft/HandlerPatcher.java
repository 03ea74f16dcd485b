package dev.ukhook.unikraft;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.guest.Templates;
import java.util.List;
import java.util.Map;

/**
 * Inserts the hook calls around the binary syscall dispatch of {@code ukplat_syscall_handler} and
 * removes them again. Pure text in, text out: patching twice equals patching once, and restoring a
 * patched text gives back the original bytes, because every inserted line sits between ukhook-begin
 * and ukhook-end markers.
 */
public final class HandlerPatcher {
  static final String BEGIN = "/* ukhook-begin";
  static final String END = "/* ukhook-end */";

  private HandlerPatcher() {}

  public static boolean isPatched(String src) {
    return src.contains(BEGIN);
  }

  /** The patched text; {@code where} names the file in errors. Already patched text comes back as is. */
  public static String patch(String src, PatchSpec spec, String where) {
    if (isPatched(src)) {
      String original = restore(src, where);
      String fresh = patchClean(original, spec, where);
      return fresh.equals(src) ? src : fresh;
    }
    return patchClean(src, spec, where);
  }

  private static String patchClean(String src, PatchSpec spec, String where) {
    CSource c = new CSource(src);
    int[] body = c.functionBody(spec.function());
    if (body == null) {
      throw anchorMissing(where, spec, "the definition of " + spec.function() + "()");
    }
    int loaded = single(c, spec.contextLoaded(), body, where, spec);
    int dispatch = single(c, spec.dispatch(), body, where, spec);
    if (loaded > dispatch) {
      throw new UkhookException(Kind.FAILURE, where + ": in " + spec.function() + "() the dispatch `"
          + spec.dispatch() + "` comes before `" + spec.contextLoaded() + "`; ukhook cannot hook this tree safely "
          + "(spec unikraft-patches/" + spec.name() + ".json)");
    }
    int lineStart = src.lastIndexOf('\n', dispatch - 1) + 1;
    int stmtEnd = c.statementEnd(spec.dispatch(), dispatch);
    int lineEnd = src.indexOf('\n', stmtEnd);
    lineEnd = lineEnd < 0 ? src.length() : lineEnd + 1;
    String indent = src.substring(lineStart, dispatch);
    if (!indent.isBlank() || !c.maskedText().substring(stmtEnd, lineEnd).isBlank()) {
      throw new UkhookException(Kind.FAILURE, where + ": in " + spec.function() + "() the statement `"
          + spec.dispatch() + "` shares its line with other code; ukhook only wraps a statement on a line of its own");
    }
    int includeEnd = includeLineEnd(c, spec, where);
    Map<String, String> model = Map.of("indent", indent, "regs", spec.regs(), "ret", spec.ret());
    String tail = lineEnd == src.length() && !src.endsWith("\n") ? "\n" : "";
    return src.substring(0, includeEnd)
        + Templates.render("patch/include.ftl", model)
        + src.substring(includeEnd, lineStart)
        + Templates.render("patch/before-dispatch.ftl", model)
        + src.substring(lineStart, lineEnd) + tail
        + Templates.render("patch/after-dispatch.ftl", model)
        + src.substring(lineEnd);
  }

  /** End (after its newline) of the one line that is exactly the spec's include anchor. */
  private static int includeLineEnd(CSource c, PatchSpec spec, String where) {
    List<Integer> found = new java.util.ArrayList<>();
    int start = 0;
    for (String line : c.maskedText().split("(?<=\n)")) {
      if (line.strip().equals(spec.include())) {
        found.add(start + line.length());
      }
      start += line.length();
    }
    if (found.size() != 1) {
      throw new UkhookException(Kind.FAILURE, where + ": the line `" + spec.include() + "` occurs " + found.size()
          + " times, expected once (include anchor of unikraft-patches/" + spec.name() + ".json); nothing was changed");
    }
    return found.get(0);
  }

  private static int single(CSource c, String stmt, int[] body, String where, PatchSpec spec) {
    List<Integer> found = c.statement(stmt, body[0], body[1]);
    if (found.isEmpty()) {
      throw anchorMissing(where, spec, "the statement `" + stmt + "`");
    }
    if (found.size() > 1) {
      throw new UkhookException(Kind.FAILURE, where + ": in " + spec.function() + "() the anchor `" + stmt
          + "` occurs " + found.size() + " times, expected once; nothing was changed");
    }
    return found.get(0);
  }

  private static UkhookException anchorMissing(String where, PatchSpec spec, String what) {
    return new UkhookException(Kind.FAILURE, where + ": cannot find " + what + " in function "
        + spec.function() + "() (anchor of unikraft-patches/" + spec.name()
        + ".json); the tree differs from Unikraft " + spec.name() + ", nothing was changed");
  }

  /** Removes every ukhook block. */
  public static String restore(String src, String where) {
    StringBuilder out = new StringBuilder(src.length());
    int lineNo = 0;
    int beganAt = -1;
    for (String line : src.split("(?<=\n)")) {
      lineNo++;
      if (beganAt < 0 && line.contains(BEGIN)) {
        beganAt = lineNo;
      }
      if (beganAt < 0) {
        out.append(line);
      } else if (line.contains(END)) {
        beganAt = -1;
      }
    }
    if (beganAt >= 0) {
      throw new UkhookException(Kind.FAILURE, where + ":" + beganAt
          + ": a ukhook block has no end marker; restore the file by hand (e.g. git checkout -- it)");
    }
    return out.toString();
  }
}
