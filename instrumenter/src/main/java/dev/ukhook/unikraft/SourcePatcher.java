package dev.ukhook.unikraft;

import dev.ukhook.core.Templates;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.unikraft.PatchMarkers.Marker;
import dev.ukhook.unikraft.PatchMarkers.Scope;
import dev.ukhook.unikraft.Profile.Edit;
import dev.ukhook.unikraft.Profile.HookPoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Inserts a profile's blocks into one source file's text and takes them out again. Pure text in, text out
 * (the file's bytes as ISO-8859-1 characters); {@code where} names the file in errors.
 *
 * <p>Restore trusts nothing it cannot check: every line that mentions a marker must be one, begin and end
 * must alternate, each block's content must match the checksum its begin marker recorded, and the text
 * without the blocks must have the digest of the original file. Otherwise it refuses with one line naming
 * the file, the line and what is wrong. Patching an already patched text first derives the original through
 * that same restore, so patching twice equals patching once.
 */
public final class SourcePatcher {
  /** A restored text: how many blocks came out, and whether the rest differs from the original ukhook recorded. */
  public record Restored(String text, int blocks, boolean differs) {}

  /** One block to insert at a line boundary of the original text. */
  private record Insertion(int offset, Scope scope, String indent, String id, String content) {}

  private SourcePatcher() {}

  /**
   * The text with the blocks of the given hook points (all naming this file), and only those.
   *
   * @param recovery how the user gets Unikraft's original back, for the refusal of a damaged patched text
   */
  public static String patch(String text, Profile profile, Collection<HookPoint> hookPoints, String where,
      String recovery) {
    String original = restore(text, where, recovery, false).text();
    CSource c = new CSource(original);
    String digest = PatchMarkers.digest(original);
    List<Insertion> insertions = new ArrayList<>();
    for (HookPoint hp : hookPoints) {
      for (Edit e : hp.edits()) {
        insertions.add(insertion(c, profile, hp, e, where));
      }
    }
    insertions.sort(Comparator.comparingInt(Insertion::offset)); // stable: profile order at one offset
    StringBuilder out = new StringBuilder(original.length() + 1024);
    int pos = 0;
    for (Insertion i : insertions) {
      out.append(original, pos, i.offset())
          .append(PatchMarkers.begin(i.scope(), i.indent(), i.id(), PatchMarkers.blockSum(i.content()), digest))
          .append(i.content())
          .append(PatchMarkers.end(i.scope(), i.indent(), i.id()));
      pos = i.offset();
    }
    return out.append(original.substring(pos)).toString();
  }

  private static Insertion insertion(CSource c, Profile profile, HookPoint hp, Edit e, String where) {
    String text = c.text();
    int[] scope = {0, text.length()};
    Scope kind = Scope.FILE;
    if (e.macro() != null) {
      List<int[]> defs = c.macroDefinitions(e.macro());
      if (defs.size() != 1) {
        throw anchorError(where, profile, hp, defs.isEmpty() ? "cannot find the definition of macro " + e.macro()
            : "macro " + e.macro() + " is defined " + defs.size() + " times, expected once");
      }
      scope = defs.get(0);
      kind = Scope.MACRO;
    }
    if (e.function() != null) {
      scope = c.functionBody(e.function(), scope[0], scope[1]);
      if (scope == null) {
        throw anchorError(where, profile, hp, "cannot find the definition of " + e.function() + "()"
            + (e.macro() == null ? "" : " in macro " + e.macro()));
      }
    }
    int notBeforeEnd = -1;
    if (e.notBefore() != null) {
      notBeforeEnd = c.statementEnd(e.notBefore(), single(c, e.notBefore(), scope, e, where, profile, hp));
    }
    int offset;
    int lineStart;
    if (e.before() != null || e.after() != null) {
      String stmt = e.before() != null ? e.before() : e.after();
      int at = single(c, stmt, scope, e, where, profile, hp);
      lineStart = text.lastIndexOf('\n', at - 1) + 1;
      int stmtEnd = c.statementEnd(stmt, at);
      int lineEnd = lineEnd(text, stmtEnd);
      if (!c.maskedText().substring(lineStart, at).isBlank() || !c.maskedText().substring(stmtEnd, lineEnd).isBlank()) {
        throw anchorError(where, profile, hp, "in " + e.scope() + " the statement `" + stmt
            + "` shares its line with other code; ukhook only inserts next to a statement on lines of its own");
      }
      offset = e.before() != null ? lineStart : lineEnd;
    } else {
      lineStart = line(c, scope, e, where, profile, hp);
      offset = e.afterLine() != null ? lineEnd(text, lineStart) : lineStart;
    }
    if (offset < notBeforeEnd) {
      throw anchorError(where, profile, hp, "in " + e.scope() + " " + e.anchor() + " comes before `" + e.notBefore()
          + "`; ukhook cannot hook this tree safely");
    }
    if (offset > 0 && text.charAt(offset - 1) != '\n') {
      throw anchorError(where, profile, hp, e.anchor() + " is on the file's last line, which has no newline");
    }
    boolean continued = offset > 0 && c.continues(offset - 1);
    if (kind == Scope.MACRO && !continued) {
      throw anchorError(where, profile, hp, "a block cannot go after the last line of macro " + e.macro()
          + " (" + e.anchor() + ")");
    }
    if (kind == Scope.FILE && continued) {
      throw anchorError(where, profile, hp, e.anchor() + " is inside a multi-line macro; the edit must name it "
          + "(\"macro\") so that the block continues the macro's lines");
    }
    String indent = text.substring(lineStart, lineStart + leadingBlanks(text, lineStart));
    return new Insertion(offset, kind, indent, e.id(hp), render(hp, e, indent, kind));
  }

  private static String render(HookPoint hp, Edit e, String indent, Scope scope) {
    Map<String, Object> model = new HashMap<>(hp.model());
    model.put("indent", indent);
    String content = Templates.render("patch/" + e.template(), model);
    content = content.endsWith("\n") ? content : content + "\n";
    if (scope == Scope.FILE) {
      return content;
    }
    StringBuilder continued = new StringBuilder();
    for (String line : content.split("\n")) {
      if (line.strip().startsWith("#")) {
        throw new UkhookException(Kind.INTERNAL, "template patch/" + e.template() + " renders the directive `"
            + line.strip() + "`, which cannot go inside macro " + e.macro());
      }
      continued.append(line).append(PatchMarkers.CONTINUATION).append('\n');
    }
    return continued.toString();
  }

  /** Start of the one line in the scope that is the edit's line anchor (stripped; a continuation does not count). */
  private static int line(CSource c, int[] scope, Edit e, String where, Profile profile, HookPoint hp) {
    String anchor = e.afterLine() != null ? e.afterLine() : e.beforeLine();
    String text = c.text();
    List<Integer> found = new ArrayList<>();
    for (int start = text.lastIndexOf('\n', scope[0] - 1) + 1; start < scope[1]; start = lineEnd(text, start)) {
      int end = lineEnd(text, start);
      String line = text.substring(start, end).strip();
      line = line.endsWith("\\") ? line.substring(0, line.length() - 1).strip() : line;
      // A line inside a comment is no anchor.
      if (line.equals(anchor) && !c.maskedText().substring(start, end).isBlank()) {
        found.add(start);
      }
    }
    if (found.size() != 1) {
      throw anchorError(where, profile, hp, found.isEmpty() ? "cannot find " + e.anchor() + " in " + e.scope()
          : "in " + e.scope() + " " + e.anchor() + " occurs " + found.size() + " times, expected once");
    }
    return found.get(0);
  }

  private static int single(CSource c, String stmt, int[] scope, Edit e, String where, Profile profile, HookPoint hp) {
    List<Integer> found = c.statement(stmt, scope[0], scope[1]);
    if (found.size() != 1) {
      throw anchorError(where, profile, hp, found.isEmpty() ? "cannot find the statement `" + stmt + "` in " + e.scope()
          : "in " + e.scope() + " the statement `" + stmt + "` occurs " + found.size() + " times, expected once");
    }
    return found.get(0);
  }

  private static UkhookException anchorError(String where, Profile profile, HookPoint hp, String what) {
    return new UkhookException(Kind.FAILURE, where + ": " + what + " (hook point " + hp.name() + " of "
        + profile.source() + "); the tree differs from Unikraft " + profile.name() + ", nothing was changed");
  }

  /** End of the line holding {@code offset}, after its newline (or the text's end). */
  private static int lineEnd(String text, int offset) {
    int nl = text.indexOf('\n', offset);
    return nl < 0 ? text.length() : nl + 1;
  }

  private static int leadingBlanks(String text, int lineStart) {
    int k = lineStart;
    while (k < text.length() && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
      k++;
    }
    return k - lineStart;
  }

  /**
   * The text without ukhook's blocks, verified. A text that mentions no marker comes back as is.
   *
   * @param recovery how the user gets Unikraft's original back, appended to a refusal
   * @param force remove verified blocks even when the rest of the file was edited since ukhook patched it
   */
  public static Restored restore(String text, String where, String recovery, boolean force) {
    if (!PatchMarkers.mentions(text)) {
      return new Restored(text, 0, false);
    }
    StringBuilder out = new StringBuilder(text.length());
    StringBuilder content = new StringBuilder();
    Marker open = null;
    int openLine = 0;
    int lastEnd = 0;
    String original = null;
    int originalLine = 0;
    int blocks = 0;
    int no = 0;
    for (String line : text.split("(?<=\n)")) {
      no++;
      if (!PatchMarkers.mentions(line)) {
        (open == null ? out : content).append(line);
        continue;
      }
      Marker m = PatchMarkers.parse(line);
      if (m == null) {
        String which = line.contains(PatchMarkers.BEGIN) ? PatchMarkers.BEGIN : PatchMarkers.END;
        String expected = open != null && which.equals(PatchMarkers.END) ? " (expected `" + open.endLine().strip() + "`)" : "";
        throw damaged(where, no, "this line mentions " + which + " but is not a ukhook marker in its exact format"
            + expected, recovery);
      }
      if (m.begin()) {
        if (open != null) {
          throw damaged(where, openLine, "a ukhook-begin marker has no ukhook-end before the next begin at line " + no,
              recovery);
        }
        open = m;
        openLine = no;
        content.setLength(0);
        continue;
      }
      if (open == null) {
        throw damaged(where, no, "a ukhook-end marker has no ukhook-begin before it"
            + (lastEnd > 0 ? " (the previous block ends at line " + lastEnd + ")" : ""), recovery);
      }
      if (!open.endLine().equals(line)) {
        throw damaged(where, no, "this ukhook-end does not close the ukhook-begin of " + open.id() + " at line "
            + openLine + " (expected `" + open.endLine().strip() + "`)", recovery);
      }
      String sum = PatchMarkers.blockSum(content.toString());
      if (!sum.equals(open.block())) {
        throw damaged(where, openLine, "the block " + open.id() + " (lines " + openLine + "-" + no
            + ") was changed since ukhook inserted it (its content has checksum " + sum + ", the marker says "
            + open.block() + ")", recovery);
      }
      if (original == null) {
        original = open.original();
        originalLine = openLine;
      } else if (!original.equals(open.original())) {
        throw damaged(where, openLine, "the block " + open.id() + " records original file " + open.original()
            + ", but the block at line " + originalLine + " records " + original
            + ": the blocks come from different patches", recovery);
      }
      blocks++;
      lastEnd = no;
      open = null;
    }
    if (open != null) {
      throw damaged(where, openLine, "a ukhook-begin marker has no ukhook-end", recovery);
    }
    String restored = out.toString();
    boolean differs = blocks > 0 && !PatchMarkers.digest(restored).equals(original);
    if (differs && !force) {
      throw new UkhookException(Kind.FAILURE, where + ": the file was edited outside ukhook's blocks since ukhook "
          + "patched it (without the blocks its digest is " + PatchMarkers.digest(restored) + ", not the original's "
          + original + "); nothing was changed; `ukhook restore --force` removes the blocks and keeps the edits");
    }
    return new Restored(restored, blocks, differs);
  }

  private static UkhookException damaged(String where, int line, String what, String recovery) {
    return new UkhookException(Kind.FAILURE, where + ":" + line + ": " + what + "; nothing was changed; " + recovery);
  }
}
