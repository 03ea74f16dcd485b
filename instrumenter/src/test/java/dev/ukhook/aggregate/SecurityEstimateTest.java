package dev.ukhook.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ukhook.format.SyscallNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worked example of docs/security-estimate.md, by hand: three libraries over two phases. The golden files
 * under security/ hold its JSON and text; run with -Dukhook.updateGolden=true to rewrite them after a deliberate
 * change, then review the diff.
 */
class SecurityEstimateTest {
  private static final boolean UPDATE = Boolean.getBoolean("ukhook.updateGolden");
  private static final Path GOLDEN = Path.of("src/test/resources/security");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double EPS = 1e-12;

  private static BitSet calls(String... names) {
    BitSet s = new BitSet();
    for (String n : names) {
      s.set(SyscallNames.byName().get(n));
    }
    return s;
  }

  /** libvfscore 11, liblwip 24, libnginx 13; the image 46 (write is shared). */
  static Map<String, Map<String, BitSet>> example() {
    Map<String, Map<String, BitSet>> sets = new LinkedHashMap<>();
    sets.put("libvfscore", Map.of("boot", calls("openat", "read", "fstat"), "serve", calls("read", "write")));
    sets.put("liblwip", Map.of("boot", calls("socket", "bind", "listen"),
        "serve", calls("accept4", "recvfrom", "sendto")));
    sets.put("libnginx", Map.of("boot", calls("setuid", "getpid"), "serve", calls("getpid", "write")));
    sets.put("libukalloc", Map.of("boot", new BitSet()));
    return sets;
  }

  @Test
  void workedExample() {
    SecurityEstimate e = SecurityEstimate.of(List.of("boot", "serve"), example());
    assertEquals(new SecurityEstimate.Count("image", 12, 46), e.image());
    assertEquals(List.of("libvfscore", "liblwip", "libnginx"),
        e.libraries().stream().map(SecurityEstimate.Library::library).toList());
    assertEquals(List.of(11, 24, 13), e.libraries().stream().map(SecurityEstimate.Library::score).toList());
    assertEquals(List.of(4, 6, 3), e.libraries().stream().map(SecurityEstimate.Library::syscalls).toList());
    assertEquals(35.0 / 46, e.libraries().get(0).reduction(), EPS);
    assertEquals(List.of(new SecurityEstimate.Count("boot", 3, 15), new SecurityEstimate.Count("serve", 3, 9)),
        e.libraries().get(1).phases());
    assertEquals(24, e.pApp());
    assertEquals("liblwip", e.appLibrary().orElseThrow().library());

    SecurityEstimate.Reduction lib = e.perLibraryReduction().orElseThrow();
    assertEquals(90.0 / 138, lib.mean(), EPS);
    assertEquals(22.0 / 46, lib.worst(), EPS);
    assertEquals(1.0 - (double) e.pApp() / e.image().score(), lib.worst(), EPS);

    assertEquals(List.of(new SecurityEstimate.Count("boot", 8, 35), new SecurityEstimate.Count("serve", 6, 14)),
        e.phases());
    SecurityEstimate.Reduction phase = e.perPhaseReduction().orElseThrow();
    assertEquals(43.0 / 92, phase.mean(), EPS);
    assertEquals(11.0 / 46, phase.worst(), EPS);

    SecurityEstimate.Reduction pair = e.perLibraryPhaseReduction().orElseThrow();
    assertEquals(225.0 / 276, pair.mean(), EPS);
    assertEquals(31.0 / 46, pair.worst(), EPS);
  }

  @Test
  void emptyInputHasNoReductions() throws IOException {
    for (Map<String, Map<String, BitSet>> sets : List.of(Map.<String, Map<String, BitSet>>of(),
        Map.of("libempty", Map.of("boot", new BitSet())))) {
      SecurityEstimate e = SecurityEstimate.of(List.of("boot"), sets);
      assertEquals(new SecurityEstimate.Count("image", 0, 0), e.image());
      assertTrue(e.libraries().isEmpty());
      assertEquals(0, e.pApp());
      assertTrue(e.appLibrary().isEmpty());
      assertTrue(e.perLibraryReduction().isEmpty());
      assertTrue(e.perPhaseReduction().isEmpty());
      assertTrue(e.perLibraryPhaseReduction().isEmpty());
      assertEquals("{\"tiers_doc\":\"docs/security-estimate.md\",\"image\":{\"syscalls\":0,\"score\":0},"
          + "\"p_app\":0,\"p_app_library\":null,\"libraries\":[],"
          + "\"per_library_reduction\":{\"mean\":null,\"worst\":null},"
          + "\"phases\":[{\"phase\":\"boot\",\"syscalls\":0,\"score\":0}],"
          + "\"per_phase_reduction\":{\"mean\":null,\"worst\":null},"
          + "\"per_library_phase_reduction\":{\"mean\":null,\"worst\":null}}", json(e));
      StringBuilder text = new StringBuilder();
      e.writeText(text);
      assertEquals("security estimate (docs/security-estimate.md)\n  no system calls: no reductions\n",
          text.toString());
    }
  }

  @Test
  void onePhaseEqualsTheWholeRun() {
    Map<String, Map<String, BitSet>> sets = new LinkedHashMap<>();
    sets.put("liba", Map.of("run", calls("read", "getpid")));
    sets.put("libb", Map.of("run", calls("execve")));
    SecurityEstimate e = SecurityEstimate.of(List.of("run"), sets);
    assertEquals(13, e.image().score());
    SecurityEstimate.Reduction phase = e.perPhaseReduction().orElseThrow();
    assertEquals(0.0, phase.mean(), EPS);
    assertEquals(0.0, phase.worst(), EPS);
    assertEquals(e.perLibraryReduction(), e.perLibraryPhaseReduction());
    assertEquals(0.5, e.perLibraryReduction().orElseThrow().mean(), EPS);
    assertEquals(3.0 / 13, e.perLibraryReduction().orElseThrow().worst(), EPS);
  }

  @Test
  void smallCaseJson() throws IOException {
    Map<String, Map<String, BitSet>> sets = new LinkedHashMap<>();
    sets.put("libsmnet", Map.of("phase0", calls("socket"), "phase1", calls("socket", "sendto")));
    sets.put("libvfs", Map.of("phase1", calls("read", "getpid")));
    // image: socket 5, sendto 2, read 2, getpid 1 = 10; libsmnet 7, libvfs 3.
    SecurityEstimate e = SecurityEstimate.of(List.of("phase0", "phase1"), sets);
    assertEquals("{\"tiers_doc\":\"docs/security-estimate.md\",\"image\":{\"syscalls\":4,\"score\":10},"
        + "\"p_app\":7,\"p_app_library\":\"libsmnet\",\"libraries\":["
        + "{\"library\":\"libsmnet\",\"syscalls\":2,\"score\":7,\"reduction\":0.3,\"phases\":["
        + "{\"phase\":\"phase0\",\"syscalls\":1,\"score\":5},{\"phase\":\"phase1\",\"syscalls\":2,\"score\":7}]},"
        + "{\"library\":\"libvfs\",\"syscalls\":2,\"score\":3,\"reduction\":0.7,\"phases\":["
        + "{\"phase\":\"phase1\",\"syscalls\":2,\"score\":3}]}],"
        + "\"per_library_reduction\":{\"mean\":0.5,\"worst\":0.3},"
        + "\"phases\":[{\"phase\":\"phase0\",\"syscalls\":1,\"score\":5},{\"phase\":\"phase1\",\"syscalls\":4,"
        + "\"score\":10}],"
        + "\"per_phase_reduction\":{\"mean\":0.25,\"worst\":0.0},"
        + "\"per_library_phase_reduction\":{\"mean\":0.5,\"worst\":0.3}}", json(e));
  }

  @Test
  void unknownCallsScoreTheDefault() {
    BitSet s = new BitSet();
    s.set(451);
    SecurityEstimate e = SecurityEstimate.of(List.of("p"), Map.of("lib", Map.of("p", s)));
    assertEquals(DangerScores.DEFAULT_SCORE, e.image().score());
  }

  @Test
  void refusesPhasesTheRunDoesNotHave() {
    assertThrows(IllegalArgumentException.class,
        () -> SecurityEstimate.of(List.of("boot"), Map.of("lib", Map.of("serve", calls("read")))));
    assertThrows(IllegalArgumentException.class, () -> SecurityEstimate.of(List.of("a", "a"), Map.of()));
  }

  @Test
  void goldenFiles() throws IOException {
    SecurityEstimate e = SecurityEstimate.of(List.of("boot", "serve"), example());
    ObjectNode root = JSON.createObjectNode();
    e.toJson(root.putObject("security"));
    String json = JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    StringBuilder text = new StringBuilder();
    e.writeText(text);
    compare("three-libraries.json", json);
    compare("three-libraries.txt", text.toString());
  }

  private static String json(SecurityEstimate e) throws IOException {
    ObjectNode into = JSON.createObjectNode();
    e.toJson(into);
    return JSON.writeValueAsString(into);
  }

  private static void compare(String file, String actual) throws IOException {
    Path path = GOLDEN.resolve(file);
    if (UPDATE) {
      Files.createDirectories(GOLDEN);
      Files.writeString(path, actual, StandardCharsets.UTF_8);
      return;
    }
    assertTrue(Files.exists(path), "missing golden file " + path + "; run with -Dukhook.updateGolden=true");
    assertEquals(Files.readString(path, StandardCharsets.UTF_8), actual, file);
  }
}
