package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.Templates;
import dev.ukhook.core.UkhookException;
import dev.ukhook.guest.HookKconfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The profiles are data: each is listed, valid, and has a golden case for every hook point. */
class ProfilesTest {
  @Test
  void theIndexListsEveryProfileOfTheDirectory() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("..", Profiles.DIR))) {
      assertEquals(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList(),
          Templates.index(Profiles.DIR + "/INDEX").stream().sorted().toList());
    }
  }

  @Test
  void everyHookPointOfEveryProfileHasAGoldenCase() throws IOException {
    Set<String> cases = ProfileGoldenTest.cases().stream().map(ProfileGoldenTest.Case::name).collect(Collectors.toSet());
    for (Profile p : Profiles.all()) {
      for (String hp : p.hookPoints().keySet()) {
        assertTrue(cases.contains(p.name() + "/" + hp), "no golden case src/test/resources/profiles/" + p.name()
            + "/" + hp + "/before.c for " + p.source());
      }
      // Their options agree with the hook library's.
      HookKconfig.required(p.kconfig(p.hookPoints().keySet()), true);
    }
  }

  static UkhookException invalid(String json) {
    return assertThrows(UkhookException.class, () -> Profiles.read(json.getBytes(StandardCharsets.UTF_8), "p.json"));
  }

  @Test
  void aBrokenProfileIsNamedWithWhatIsWrong() {
    String head = "{\"name\": \"t\", \"releases\": [], \"hookPoints\": {\"h\": {\"file\": \"f.c\", \"edits\": [";
    assertTrue(invalid(head + "{\"template\": \"a.ftl\", \"afterLine\": \"x\", \"beforeLine\": \"y\"}]}}}").getMessage()
        .equals("p.json: hook point h, edit 1 needs a template (*.ftl) and exactly one of before, after, afterLine, "
            + "beforeLine"));
    assertEquals("p.json: hook point h, edit 1: a statement anchor (before, after, notBefore) needs a function",
        invalid(head + "{\"template\": \"a.ftl\", \"before\": \"x;\"}]}}}").getMessage());
    assertTrue(invalid(head + "{\"template\": \"a.ftl\", \"afterLine\": \"x\", \"unknown\": 1}]}}}").getMessage()
        .startsWith("p.json: Unrecognized field \"unknown\""));
    assertTrue(invalid(head + "{\"template\": \"d/a.ftl\", \"afterLine\": \"x\"}, {\"template\": \"e/a.ftl\", "
        + "\"afterLine\": \"y\"}]}}}").getMessage().contains("block ids must be unique"));
    assertTrue(invalid(head + "{\"template\": \"d/a b.ftl\", \"afterLine\": \"x\"}]}}}").getMessage()
        .contains("or its template's name) must be letters, digits"));
    assertEquals(UkhookException.Kind.INTERNAL, invalid("{").kind());
  }

  @Test
  void blockIdsNameTheHookPointAndTheTemplate() {
    Profile p = Profiles.all().get(0);
    assertEquals(List.of("binary/include", "binary/enter", "binary/exit"),
        p.hookPoint("binary").edits().stream().map(e -> e.id(p.hookPoint("binary"))).toList());
  }
}
