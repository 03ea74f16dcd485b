package dev.ukhook.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ErrnosTest {
  @Test
  void namesAndNumbersOfTheCommonErrnos() {
    assertEquals(OptionalInt.of(1), Errnos.number("EPERM"));
    assertEquals(OptionalInt.of(2), Errnos.number("ENOENT"));
    assertEquals(OptionalInt.of(13), Errnos.number("EACCES"));
    assertEquals(OptionalInt.of(38), Errnos.number("ENOSYS"));
    assertEquals(OptionalInt.of(95), Errnos.number("EOPNOTSUPP"));
    assertEquals(OptionalInt.of(133), Errnos.number("EHWPOISON"));
    assertEquals("EPERM", Errnos.name(1));
    assertEquals("EAGAIN", Errnos.name(11));
    assertEquals("ENOTEMPTY", Errnos.name(39));
    assertEquals("EHWPOISON", Errnos.name(133));
    assertEquals(133, Errnos.MAX);
  }

  @Test
  void messagesAsStracePrintsThem() {
    assertEquals("Operation not permitted", Errnos.message(1));
    assertEquals("No such file or directory", Errnos.message(2));
    assertEquals("Resource temporarily unavailable", Errnos.message(11));
    assertEquals("Memory page has hardware error", Errnos.message(133));
    assertEquals("Unknown error 41", Errnos.message(41));
    assertEquals("Unknown error 134", Errnos.message(134));
    assertEquals("Unknown error 0", Errnos.message(0));
    for (int nr = 1; nr <= Errnos.MAX; nr++) {
      assertEquals(Errnos.name(nr).equals("E" + nr), Errnos.message(nr).startsWith("Unknown error"), "nr " + nr);
    }
  }

  @Test
  void aliasesNameTheSameNumberAndTheFirstNameWins() {
    assertEquals(OptionalInt.of(11), Errnos.number("EWOULDBLOCK"));
    assertEquals(OptionalInt.of(35), Errnos.number("EDEADLOCK"));
    assertEquals(OptionalInt.of(95), Errnos.number("ENOTSUP"));
    assertEquals("EDEADLK", Errnos.name(35));
    assertEquals("EOPNOTSUPP", Errnos.name(95));
  }

  @Test
  void unknownNamesAndNumbers() {
    assertEquals(OptionalInt.empty(), Errnos.number("EPREM"));
    assertEquals(OptionalInt.empty(), Errnos.number("eperm"), "names are upper case, as in C");
    assertEquals(OptionalInt.empty(), Errnos.number(""));
    assertEquals("E0", Errnos.name(0));
    assertEquals("E41", Errnos.name(41));
    assertEquals("E58", Errnos.name(58));
    assertEquals("E134", Errnos.name(134));
    assertEquals("E-1", Errnos.name(-1));
  }

  @Test
  void everyNameRoundTrips() {
    for (var e : Errnos.byName().entrySet()) {
      assertEquals(OptionalInt.of(e.getValue()), Errnos.number(e.getKey()));
      assertTrue(Errnos.name(e.getValue()).matches("E[A-Z0-9]+"), e.getKey());
    }
    for (int nr = 1; nr <= Errnos.MAX; nr++) {
      String name = Errnos.name(nr);
      assertEquals(nr == 41 || nr == 58, name.equals("E" + nr), "nr " + nr);
      if (!name.equals("E" + nr)) {
        assertEquals(OptionalInt.of(nr), Errnos.number(name));
      }
    }
    assertEquals(133 - 2 + 3, Errnos.byName().size(), "131 numbers with a name, and 3 aliases");
  }

  /** The table equals Linux's own, where the host has the kernel's uapi headers (linux-libc-dev). */
  @Test
  void sameAsTheHostsLinuxHeaders() throws IOException {
    Path base = Path.of("/usr/include/asm-generic/errno-base.h");
    Path more = Path.of("/usr/include/asm-generic/errno.h");
    assumeTrue(Files.isRegularFile(base) && Files.isRegularFile(more),
        "no Linux uapi errno headers in /usr/include/asm-generic (install linux-libc-dev)");
    Pattern define = Pattern.compile("(?m)^#define\\s+(E[A-Z0-9]+)\\s+(\\w+)");
    SortedMap<String, Integer> linux = new TreeMap<>();
    for (Path h : new Path[] {base, more}) {
      Matcher m = define.matcher(Files.readString(h));
      while (m.find()) {
        String value = m.group(2);
        linux.put(m.group(1), value.matches("\\d+") ? Integer.parseInt(value) : linux.get(value));
      }
    }
    SortedMap<String, Integer> ours = new TreeMap<>(Errnos.byName());
    ours.remove("ENOTSUP"); // the C libraries' name; the kernel's headers do not define it
    assertEquals(linux, ours);
  }
}
