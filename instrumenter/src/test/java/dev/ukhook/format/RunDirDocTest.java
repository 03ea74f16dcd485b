package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/usage.md's table of a run directory's files names exactly the files RunDir defines. */
class RunDirDocTest {
  @Test
  void theDocsTableNamesEveryFileOfARunDirectory() throws IOException {
    String doc = Files.readString(Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).resolve(
        "docs/usage.md"));
    Set<String> documented = new TreeSet<>();
    String table = doc.substring(doc.indexOf("| file | what it holds |"));
    Matcher row = Pattern.compile("(?m)^\\| (`[^|]+`) \\|").matcher(table.substring(0, table.indexOf("\n\n")));
    while (row.find()) {
      Matcher name = Pattern.compile("`([^`]+)`").matcher(row.group(1));
      while (name.find()) {
        documented.add(name.group(1));
      }
    }
    Set<String> defined = new TreeSet<>();
    for (Field f : RunDir.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        defined.add((String) get(f));
      }
    }
    defined.add(new RunDir(Path.of("r")).pushedPolicy("<checksum>").getFileName().toString());
    assertEquals(defined, documented);
  }

  private static Object get(Field f) {
    try {
      return f.get(null);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }
}
