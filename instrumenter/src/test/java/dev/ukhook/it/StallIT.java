package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 3: the virtio-net receive stall on demand, without ukhook's virtio-notify fix and with it
 * (docs/virtio-net-stall.md, cause 1). A copy of the first Unikraft 0.17 tree of UK_ROOTS gets a test-only change:
 * its virtio-net driver's receive refill gets no buffers in a window of 120 of every 1500 refills, as when the
 * network stack's allocator runs dry. After such a window the driver posts many buffers at once, the case the
 * unpatched notification check gets wrong. The same Redis load then runs {@value #DEFAULT_RUNS} times (or
 * $UKHOOK_STALL_RUNS) on an image built with {@code --fixes none} and on one with the fix: the first must stall at
 * least once, the second never.
 */
class StallIT {
  @TempDir Path tmp;

  static final int DEFAULT_RUNS = 5;
  /** The refill call of drivers/virtio/net/virtio_net.c, the same in 0.16.3, 0.17.0 and main. */
  static final String REFILL = "\t\tcnt = rxq->alloc_rxpkts(rxq->alloc_rxpkts_argp, netbuf, req);\n";
  static final String SHORT_REFILL = """
      \t\t{ /* ukhook StallIT: the allocator runs dry for 120 of every 1500 refills */
      \t\t\tstatic unsigned long ukhook_stallit_refills;
      \t\t\tcnt = (notify && ukhook_stallit_refills++ % 1500 >= 1380) ? 0
      \t\t\t\t: rxq->alloc_rxpkts(rxq->alloc_rxpkts_argp, netbuf, req);
      \t\t}
      """;

  @Test
  void withoutTheFixTheRingStallsWithItNever() throws Exception {
    String missing = RedisIT.missing();
    assumeTrue(missing == null, missing);
    Path original = SyscallMixIT.tree("UK_SUBVERSION = 17");
    assumeTrue(original != null, "SKIPPED: UK_ROOTS has no Unikraft 0.17 tree");
    int runs = Integer.parseInt(System.getenv().getOrDefault("UKHOOK_STALL_RUNS", String.valueOf(DEFAULT_RUNS)));

    Path tree = tmp.resolve("unikraft");
    Files.createDirectories(tree);
    Process copy = new ProcessBuilder("sh", "-c", "tar -C \"$0\" --exclude=./.git -cf - . | tar -C \"$1\" -xf -",
        original.toString(), tree.toString()).inheritIO().start();
    assertEquals(0, copy.waitFor(), "copying " + original);
    Path driver = tree.resolve("drivers/virtio/net/virtio_net.c");
    String code = Files.readString(driver);
    assertTrue(code.contains(REFILL), driver + " has no line " + REFILL.strip() + ": the driver changed");
    Files.writeString(driver, code.replace(REFILL, SHORT_REFILL));

    int unfixed = stalls(tree, "unfixed", runs, "--fixes", "none");
    int fixed = stalls(tree, "fixed", runs);
    System.err.println("[StallIT] stalled runs with allocator windows: " + unfixed + " of " + runs
        + " without the fix, " + fixed + " of " + runs + " with it");
    assertTrue(unfixed >= 1, "the short refills must stall an image without the fix");
    assertEquals(0, fixed, "an image with the fix must never stall");
  }

  /** How many of {@code runs} load runs of an image instrumented with {@code fixes} stalled. */
  private int stalls(Path tree, String name, int runs, String... fixes) throws Exception {
    Path app = tmp.resolve(name);
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/redis"), app);
    List<String> instrument = new ArrayList<>(List.of("instrument", "--unikraft", tree.toString(), app.toString(),
        "--accel", "tcg")); // as the stalls were measured (docs/virtio-net-stall.md)
    instrument.addAll(List.of(fixes));
    Run r = SyscallMixIT.ukhook(instrument.toArray(String[]::new));
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals(fixes.length == 0, r.err().contains("; fixes virtio-notify)"), r.err());
    r = SyscallMixIT.ukhook("build", app.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    int stalled = 0;
    for (int i = 1; i <= runs; i++) {
      r = SyscallMixIT.ukhook("run", app.toString(), "-M", "512", "--timeout", "600", "--stall", "30",
          "--net", "user", "--forward", "127.0.0.1:" + RedisIT.PORT + ":6379",
          "--load", "redis-benchmark -p " + RedisIT.PORT + " -n 20000 -c 50 -t set,get -q",
          "--", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no");
      boolean stall = r.err().contains("it stalled");
      JsonNode results = new ObjectMapper().readTree(SyscallMixIT.lastRun(app).resolve("results.json").toFile());
      System.err.println("[StallIT] " + name + " run " + i + "/" + runs + ": " + (stall ? "stalled" : "complete")
          + ", " + results.get("records").asLong() + " records");
      assertEquals(stall ? ExitCode.FAILURE : ExitCode.OK, r.exitCode(), r.err());
      assertEquals(0, results.get("missing").asLong(), "a stalled run still loses nothing: " + results);
      stalled += stall ? 1 : 0;
    }
    return stalled;
  }
}
