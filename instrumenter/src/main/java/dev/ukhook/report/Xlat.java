package dev.ukhook.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One table of named flag or enum values, read from {@code xlat/NAME.in} beside this class (strace's
 * {@code src/xlat/*.in} way): the first line {@code #From} and the Linux header the values come from, then
 * {@code NAME VALUE} lines (values as Java's {@link Long#decode} reads them: 0644 octal, 0x1f hex). Plain entries
 * are an enum (the value is one of them); entries after {@code #bits} are bits, printed in the order given, ORed,
 * and a bit of value 0 names the value 0 ({@code PROT_NONE}). {@code #mask N} before the entries: the enum is the
 * value's masked part, the bits the rest. {@code #hex}: an unnamed enum value prints in hex rather than decimal.
 * Lines {@code # ...} are comments.
 *
 * @param enumMask the part of the value the enum names; 0 for a table of bits only
 */
record Xlat(String source, long enumMask, boolean hexFallback, String[] enumNames, long[] enumValues,
    String[] bitNames, long[] bitValues) {

  /** The table {@code xlat/NAME.in}, or empty when there is no such file. */
  static Optional<Xlat> load(String name) {
    String resource = "xlat/" + name + ".in";
    try (InputStream in = Xlat.class.getResourceAsStream(resource)) {
      return in == null ? Optional.empty()
          : Optional.of(parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value of the entry named {@code name} (enum or bit); the code names only entries the table has. */
  long value(String name) {
    for (int i = 0; i < enumNames.length; i++) {
      if (enumNames[i].equals(name)) {
        return enumValues[i];
      }
    }
    for (int i = 0; i < bitNames.length; i++) {
      if (bitNames[i].equals(name)) {
        return bitValues[i];
      }
    }
    throw new IllegalStateException("no " + name + " in the flag table from " + source);
  }

  /** Parses a table's lines; {@code where} names the file in errors. */
  static Xlat parse(String where, List<String> lines) {
    if (lines.isEmpty() || !lines.get(0).startsWith("#From ") || lines.get(0).substring(6).isBlank()) {
      throw new IllegalArgumentException(where + ":1: the first line names the source: #From <header>");
    }
    long mask = 0xffffffffL;
    boolean hex = false;
    boolean bits = false;
    List<String> en = new ArrayList<>();
    List<Long> ev = new ArrayList<>();
    List<String> bn = new ArrayList<>();
    List<Long> bv = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      String at = where + ":" + (i + 1) + ": ";
      if (line.isEmpty() || line.equals("#") || line.startsWith("# ")) {
        continue;
      }
      String[] f = line.split("\\s+");
      try {
        if (f[0].equals("#mask") && f.length == 2 && en.isEmpty() && !bits) {
          mask = Long.decode(f[1]);
        } else if (f[0].equals("#hex") && f.length == 1) {
          hex = true;
        } else if (f[0].equals("#bits") && f.length == 1 && !bits) {
          bits = true;
          mask = en.isEmpty() ? 0 : mask;
        } else if (!f[0].startsWith("#") && f.length == 2) {
          (bits ? bv : ev).add(Long.decode(f[1]));
          (bits ? bn : en).add(f[0]);
        } else {
          throw new IllegalArgumentException(at + "expected NAME VALUE, #mask N (first), #hex or #bits (once), not `"
              + line + "`");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(at + "not a number in `" + line + "`");
      }
    }
    return new Xlat(lines.get(0).substring("#From ".length()).strip(), mask, hex, en.toArray(String[]::new),
        ev.stream().mapToLong(Long::longValue).toArray(), bn.toArray(String[]::new),
        bv.stream().mapToLong(Long::longValue).toArray());
  }
}
