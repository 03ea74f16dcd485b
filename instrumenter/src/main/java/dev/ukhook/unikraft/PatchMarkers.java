package dev.ukhook.unikraft;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one definition of the lines that enclose every block ukhook inserts into a Unikraft source file;
 * the patcher writes them with {@link #begin} and {@link #end} and restore reads them with {@link #parse}.
 * Templates never contain them.
 *
 * <p>At file scope a block is guarded, so a patched tree still builds without the hook library:
 * <pre>
 * #if CONFIG_LIBUKHOOK /* ukhook-begin binary/enter block=0123456789ab original=0123456789abcdef *&#47;
 * ...content lines...
 * #endif /* ukhook-end binary/enter *&#47;
 * </pre>
 * Inside a multi-line {@code #define} no directive is possible: the markers are plain comments, and they
 * and every content line end with a line continuation ({@code " \"}); the markers take the indentation of
 * the line they are inserted at.
 *
 * <p>{@code block} is the first 12 hex digits of the SHA-256 of the content lines exactly as written
 * between the markers; {@code original} the first 16 of the SHA-256 of the file before ukhook patched it.
 * Text is the file's bytes read as ISO-8859-1, so digests are those of the bytes on disk.
 */
final class PatchMarkers {
  static final String BEGIN = "ukhook-begin";
  static final String END = "ukhook-end";
  static final String GUARD = "#if CONFIG_LIBUKHOOK ";
  static final String GUARD_END = "#endif ";
  static final String CONTINUATION = " \\";
  /** A block id: hook point / template name. */
  static final String ID = "[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+";
  private static final Pattern FILE_BEGIN = Pattern.compile(Pattern.quote(GUARD) + "/\\* " + BEGIN + " (" + ID
      + ") block=([0-9a-f]{12}) original=([0-9a-f]{16}) \\*/\n");
  private static final Pattern FILE_END = Pattern.compile(Pattern.quote(GUARD_END) + "/\\* " + END + " (" + ID
      + ") \\*/\n");
  private static final Pattern MACRO_BEGIN = Pattern.compile("([ \\t]*)/\\* " + BEGIN + " (" + ID
      + ") block=([0-9a-f]{12}) original=([0-9a-f]{16}) \\*/" + Pattern.quote(CONTINUATION) + "\n");
  private static final Pattern MACRO_END = Pattern.compile("([ \\t]*)/\\* " + END + " (" + ID + ") \\*/"
      + Pattern.quote(CONTINUATION) + "\n");

  /** Where a block sits: at file scope (guarded by {@code #if}) or inside a macro definition. */
  enum Scope { FILE, MACRO }

  /** A parsed marker line; {@code block} and {@code original} are null for an end marker. */
  record Marker(boolean begin, Scope scope, String indent, String id, String block, String original) {
    /** The end marker that closes this begin marker. */
    String endLine() {
      return end(scope, indent, id);
    }
  }

  private PatchMarkers() {}

  static String begin(Scope scope, String indent, String id, String block, String original) {
    String comment = "/* " + BEGIN + " " + id + " block=" + block + " original=" + original + " */";
    return scope == Scope.FILE ? GUARD + comment + "\n" : indent + comment + CONTINUATION + "\n";
  }

  static String end(Scope scope, String indent, String id) {
    String comment = "/* " + END + " " + id + " */";
    return scope == Scope.FILE ? GUARD_END + comment + "\n" : indent + comment + CONTINUATION + "\n";
  }

  /**
   * Whether a line (or a whole text) claims to hold a marker: restore must then be able to parse every such
   * line exactly. A stray end marker counts, so that a damaged file is never taken for an unpatched one.
   */
  static boolean mentions(String text) {
    return text.contains(BEGIN) || text.contains(END);
  }

  /** The marker on this line (with its newline), or null when the line is not exactly one. */
  static Marker parse(String line) {
    Matcher m;
    if ((m = FILE_BEGIN.matcher(line)).matches()) {
      return new Marker(true, Scope.FILE, "", m.group(1), m.group(2), m.group(3));
    }
    if ((m = FILE_END.matcher(line)).matches()) {
      return new Marker(false, Scope.FILE, "", m.group(1), null, null);
    }
    if ((m = MACRO_BEGIN.matcher(line)).matches()) {
      return new Marker(true, Scope.MACRO, m.group(1), m.group(2), m.group(3), m.group(4));
    }
    if ((m = MACRO_END.matcher(line)).matches()) {
      return new Marker(false, Scope.MACRO, m.group(1), m.group(2), null, null);
    }
    return null;
  }

  /** Checksum of a block's content lines as they stand between its markers. */
  static String blockSum(String content) {
    return sha256(content).substring(0, 12);
  }

  /** Digest of a whole unpatched file. */
  static String digest(String text) {
    return sha256(text).substring(0, 16);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
