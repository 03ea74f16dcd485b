package dev.ukhook.guest;

import dev.ukhook.format.TraceHeader;
import dev.ukhook.core.UkhookException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: each src/test/resources/golden/NAME/spec.json is rendered and compared with the files
 * under NAME/expected/. Run with -Dukhook.updateGolden=true to rewrite them after an intended change.
 */
class HookLibraryGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");

  @TestFactory
  Stream<DynamicTest> everyGoldenCaseRendersItsExpectedFiles() throws IOException, URISyntaxException {
    List<Path> cases;
    try (Stream<Path> s = Files.list(GOLDEN)) {
      cases = s.filter(p -> Files.isRegularFile(p.resolve("spec.json"))).sorted().toList();
    }
    assertFalse(cases.isEmpty(), "no golden cases under " + GOLDEN.toAbsolutePath());
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> check(c)));
  }

  private static void check(Path dir) throws IOException {
    HookLibrarySpec spec = new ObjectMapper().readValue(dir.resolve("spec.json").toFile(), HookLibrarySpec.class);
    Map<String, String> files = HookLibrary.render(spec);
    Path expected = dir.resolve("expected");
    if (Boolean.getBoolean("ukhook.updateGolden")) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        Files.createDirectories(expected.resolve(f.getKey()).getParent());
        Files.writeString(expected.resolve(f.getKey()), f.getValue());
      }
    }
    try (Stream<Path> s = Files.walk(expected)) {
      assertEquals(files.keySet().stream().sorted().toList(),
          s.filter(Files::isRegularFile).map(p -> expected.relativize(p).toString()).sorted().toList());
    }
    for (Map.Entry<String, String> f : files.entrySet()) {
      assertEquals(Files.readString(expected.resolve(f.getKey())), f.getValue(), dir + ": " + f.getKey());
    }
  }

  @Test
  void badSpecsAreRefusedWithTheOptionName() {
    assertEquals("--ring must be a power of two of at least 2 records, got 1000",
        assertThrows(UkhookException.class,
            () -> new HookLibrarySpec(4, 1000, 8, TraceHeader.Overflow.BLOCK, HostStreamTest.ID)).getMessage());
    assertEquals("--batch must be a power of two of at most half the ring (8), got 16",
        assertThrows(UkhookException.class,
            () -> new HookLibrarySpec(4, 16, 16, TraceHeader.Overflow.BLOCK, HostStreamTest.ID)).getMessage());
  }
}
