package dev.ukhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' layers, top to bottom: a package may use only packages of lower layers, never one of its own
 * layer or above, so the data path reads in one direction and no two packages import each other (shared/STYLE.md,
 * "A layout that can grow"). A new package must be placed here.
 */
class LayeringTest {
  static final List<List<String>> LAYERS = List.of(
      List.of("cli"),
      List.of("explore"),
      List.of("pipeline"),
      List.of("policy", "guest", "unikraft", "host"),
      List.of("report"),
      List.of("aggregate", "query", "linux"),
      List.of("attribution"),
      List.of("elf", "format"),
      List.of("core"));

  private static final Path MAIN = Path.of("src/main/java/dev/ukhook");
  private static final Pattern USE = Pattern.compile("\\bdev\\.ukhook\\.([a-z]+)\\.[A-Z]");

  @Test
  void everyPackageUsesOnlyLowerLayers() {
    Map<String, TreeSet<String>> uses = uses();
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, TreeSet<String>> e : uses.entrySet()) {
      for (String used : e.getValue()) {
        if (layer(used) <= layer(e.getKey())) {
          wrong.add(e.getKey() + " -> " + used);
        }
      }
    }
    assertEquals(List.of(), wrong, "imports from a package to one of its own layer or above; layers: " + LAYERS);
  }

  @Test
  void everyPackageHasALayer() {
    List<String> placed = LAYERS.stream().flatMap(List::stream).toList();
    assertEquals(new TreeSet<>(placed), new TreeSet<>(uses().keySet()), "packages under " + MAIN);
  }

  @Test
  void noPackageHoldsMoreThanAFifthOfTheCode() {
    Map<String, Long> lines = new TreeMap<>();
    forEachSource((pkg, text) -> lines.merge(pkg, text.lines().count(), Long::sum));
    long total = lines.values().stream().mapToLong(Long::longValue).sum();
    assertTrue(total > 10_000, "only " + total + " lines under " + MAIN);
    lines.forEach((pkg, n) -> assertTrue(n * 5 <= total, pkg + " holds " + n + " of " + total + " lines"));
  }

  private static int layer(String pkg) {
    for (int i = 0; i < LAYERS.size(); i++) {
      if (LAYERS.get(i).contains(pkg)) {
        return i;
      }
    }
    throw new AssertionError("package dev.ukhook." + pkg + " has no layer in LayeringTest.LAYERS");
  }

  /** Package -> the other packages its sources name (imports and qualified names, comments included). */
  private static Map<String, TreeSet<String>> uses() {
    Map<String, TreeSet<String>> uses = new TreeMap<>();
    forEachSource((pkg, text) -> {
      TreeSet<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
      Matcher m = USE.matcher(text);
      while (m.find()) {
        if (!m.group(1).equals(pkg)) {
          used.add(m.group(1));
        }
      }
    });
    return uses;
  }

  private interface SourceVisitor {
    void visit(String pkg, String text);
  }

  private static void forEachSource(SourceVisitor visitor) {
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        visitor.visit(MAIN.relativize(f).getName(0).toString(), Files.readString(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
