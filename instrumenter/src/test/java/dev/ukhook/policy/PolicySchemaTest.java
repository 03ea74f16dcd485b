package dev.ukhook.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.Errnos;
import dev.ukhook.policy.PolicySpec.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/policy.schema.json and docs/policy.md against {@link PolicyFile}: the keys, actions, errno names and limits
 * of the schema, the key tables and the examples of the document, so neither can drift from the reader.
 */
class PolicySchemaTest {
  /** The libraries of an examples/syscall-mix image, for the document's example of a bad file. */
  static final Set<String> SYSCALL_MIX = Set.of("appsyscallmix", "libsmnet", "libsmstore", "libsmsys",
      "libkvmplat", "libnolibc", "libposix_process", "libsyscall_shim", "libukalloc", "libukboot", "libukdebug",
      "libukhook");

  static JsonNode schema;
  static String section;

  static Path repo() {
    return Path.of(System.getenv().getOrDefault("UKHOOK_HOME", "..")).toAbsolutePath().normalize();
  }

  @BeforeAll
  static void read() throws IOException {
    schema = new ObjectMapper().readTree(repo().resolve("docs/policy.schema.json").toFile());
    String doc = Files.readString(repo().resolve("docs/policy.md"));
    int start = doc.indexOf("\n## The policy file\n");
    assertTrue(start >= 0, "docs/policy.md has no section \"The policy file\"");
    int end = doc.indexOf("\n## ", start + 1);
    section = doc.substring(start, end < 0 ? doc.length() : end);
  }

  static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static List<String> strings(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void theSchemasKeysAreTheReadersKeys() {
    assertEquals(PolicyFile.KEYS, names(schema.get("properties")));
    assertEquals(PolicyFile.LIBRARY_KEYS, names(schema.at("/$defs/library/properties")));
    assertEquals(PolicyFile.SWITCH_KEYS, names(schema.at("/$defs/switch/properties")));
    assertEquals(PolicyFile.SEQUENCE_KEYS, names(schema.at("/$defs/sequence/properties")));
    assertEquals("#/$defs/library", schema.at("/properties/libraries/additionalProperties/$ref").asText());
    assertEquals("#/$defs/switch", schema.at("/properties/switch/items/$ref").asText());
    assertEquals(List.of("version"), strings(schema.get("required")));
    assertTrue(schema.at("/$defs/library/additionalProperties").isBoolean()
        && !schema.at("/$defs/library/additionalProperties").asBoolean(), "unknown library keys are refused");
    assertTrue(!schema.get("additionalProperties").asBoolean(true), "unknown keys are refused");
  }

  @Test
  void theSchemasValuesAndLimitsAreTheReaders() {
    assertEquals(PolicyFile.VERSION, schema.at("/properties/version/const").asInt());
    assertEquals(Arrays.stream(Action.values()).map(Action::yamlName).toList(),
        strings(schema.at("/$defs/action/enum")));
    assertEquals(List.copyOf(Errnos.byName().keySet()), strings(schema.at("/$defs/errno/enum")));
    assertEquals(PolicySpec.MAX_PHASES, schema.at("/properties/phases/maxItems").asInt());
    assertEquals(PolicySpec.MAX_LIBRARIES, schema.at("/properties/libraries/maxProperties").asInt());
    assertEquals(List.of(PolicySpec.ALL_PHASES), strings(schema.at("/properties/phases/default")));
    assertEquals("deny", schema.at("/properties/default/default").asText());
    assertEquals("EPERM", schema.at("/properties/errno/default").asText());
  }

  /** The first column of each table in "The policy file": the policy's keys, a library's, a switch's. */
  @Test
  void theDocumentsKeyTablesAreTheReadersKeys() {
    List<List<String>> tables = new ArrayList<>();
    List<String> current = null;
    for (String line : section.split("\n")) {
      if (line.startsWith("|---")) {
        current = new ArrayList<>();
        tables.add(current);
      } else if (line.startsWith("| `") && current != null) {
        current.add(line.substring(3, line.indexOf('`', 3)));
      } else if (!line.startsWith("|")) {
        current = null;
      }
    }
    assertEquals(List.of(PolicyFile.KEYS, PolicyFile.LIBRARY_KEYS, PolicyFile.SWITCH_KEYS), tables);
  }

  static List<String> fencedBlocks() {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("(?s)\n```[a-z]*\n(.*?)```\n").matcher(section);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  @Test
  void theDocumentsExampleIsTheOneTheTestsCheck() {
    assertEquals(PolicyFileTest.EXAMPLE, fencedBlocks().get(0));
    String ok = fencedBlocks().stream().filter(b -> b.startsWith("$ ukhook policy check syscall-mix.yaml\n"))
        .findFirst().orElseThrow();
    PolicySpec spec = PolicyFile.parse("syscall-mix.yaml", PolicyFileTest.EXAMPLE, SYSCALL_MIX);
    assertEquals("syscall-mix.yaml: ok (" + spec.libraries().size() + " libraries, " + spec.phases().size()
        + " phases, " + spec.allowances() + " syscalls allowed in all)\n", ok.substring(ok.indexOf('\n') + 1));
  }

  @Test
  void theDocumentsBadExampleGivesTheErrorsItShows() {
    String bad = fencedBlocks().stream().filter(b -> b.startsWith("# bad.yaml\n")).findFirst().orElseThrow();
    String shown = fencedBlocks().stream().filter(b -> b.startsWith("$ ukhook policy check bad.yaml RUN_DIR\n"))
        .findFirst().orElseThrow();
    UkhookException e = assertThrows(UkhookException.class, () -> PolicyFile.parse("bad.yaml", bad, SYSCALL_MIX));
    assertEquals(shown.substring(shown.indexOf('\n') + 1), "ukhook: " + e.getMessage() + "\n");
  }
}
