package dev.ukhook.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/servers.sh's table, from the logs of made-up rounds (no server, no QEMU): issue 18, defect 23, where
 * `VARIANTS="plain ukhook"` ran every round and then died printing the table (`rps[strace]: unbound variable`).
 */
class ServersTableTest {
  private static final Path SCRIPT = Path.of(System.getenv().getOrDefault("UKHOOK_HOME", ".."))
      .resolve("bench/servers.sh").toAbsolutePath().normalize();

  @TempDir Path work;

  record Result(int exit, String out, String err) {}

  private Result table(String variants) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "table", "redis", work.toString());
    pb.environment().remove("RUNS");
    if (variants == null) {
      pb.environment().remove("VARIANTS");
    } else {
      pb.environment().put("VARIANTS", variants);
    }
    Path err = work.resolve("stderr");
    Process p = pb.redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out, Files.readString(err));
  }

  /** Round {@code i} of {@code variant}: redis-benchmark's lines (with its carriage returns) at these rates. */
  private void round(String variant, int i, int set, int get, String p50) throws IOException {
    Files.writeString(work.resolve(variant + "." + i + ".log"), "SET: " + set + ".00 requests per second, p50="
        + p50 + " msec\r\nGET: " + get + ".00 requests per second, p50=" + p50 + " msec\r\n");
    if (variant.startsWith("ukhook")) {
      Files.writeString(work.resolve(variant + "." + i + ".log.err"), "ukhook: 40000 records (binary 40000), 0 "
          + "dropped by the guest, 0 missing in /w/trace.ukt\n");
    }
  }

  @Test
  void theScriptParses() throws Exception {
    Process p = new ProcessBuilder("bash", "-n", SCRIPT.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void onlyTheVariantsThatRanHaveColumns() throws Exception {
    for (int i = 1; i <= 3; i++) {
      round("plain", i, 5000 + 10 * i, 6000 + 10 * i, "1.5");
      round("ukhook", i, 4000 + 10 * i, 4500 + 10 * i, "2.5");
    }
    Result r = table("plain ukhook");
    assertEquals(new Result(0, """
        | command | plain req/s | ukhook req/s | ukhook / plain | plain p50 ms | ukhook p50 ms |
        |---|---|---|---|---|---|
        | SET | 5020.00 (5010.00-5030.00) | 4020.00 (4010.00-4030.00) | 0.801 (0.800-0.801) | 1.5 | 2.5 |
        | GET | 6020.00 (6010.00-6030.00) | 4520.00 (4510.00-4530.00) | 0.751 (0.750-0.751) | 1.5 | 2.5 |

        Runs without a figure stalled and count in no median:\s

        ukhook runs (records received; dropped by the guest; missing):
        - round 1: 40000 records (binary 40000), 0 dropped by the guest, 0 missing
        - round 2: 40000 records (binary 40000), 0 dropped by the guest, 0 missing
        - round 3: 40000 records (binary 40000), 0 dropped by the guest, 0 missing
        """, ""), r);
    assertEquals(r, table(null)); // the variants with logs, as many rounds as there are
  }

  // An interrupted run leaves fewer rounds of a later variant: the table died on the first missing log.
  @Test
  void anInterruptedRunsTableHasTheRoundsThatRan() throws Exception {
    round("plain", 1, 5000, 6000, "1.5");
    round("plain", 2, 5100, 6100, "1.5");
    round("ukhook", 1, 4000, 4500, "2.5");
    Result r = table("plain ukhook");
    assertEquals(new Result(0, """
        | command | plain req/s | ukhook req/s | ukhook / plain | plain p50 ms | ukhook p50 ms |
        |---|---|---|---|---|---|
        | SET | 5050.00 (5000.00-5100.00) | 4000.00 (4000.00-4000.00) | 0.800 (0.800-0.800) | 1.5 | 2.5 |
        | GET | 6050.00 (6000.00-6100.00) | 4500.00 (4500.00-4500.00) | 0.750 (0.750-0.750) | 1.5 | 2.5 |

        Runs without a figure stalled and count in no median:\s

        ukhook runs (records received; dropped by the guest; missing):
        - round 1: 40000 records (binary 40000), 0 dropped by the guest, 0 missing
        """, ""), r);
  }

  @Test
  void allFourKeepTheTableAsItWas() throws Exception {
    for (String v : List.of("plain", "strace", "ukhook", "ukhook-drop")) {
      round(v, 1, 5000, 6000, "1.5");
    }
    Result r = table(null);
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("| command | plain req/s | strace req/s | ukhook req/s | ukhook / plain | ukhook "
        + "drop req/s | plain p50 ms | strace p50 ms | ukhook p50 ms |\n|---|---|---|---|---|---|---|---|---|\n"
        + "| SET | 5000.00 (5000.00-5000.00) | 5000.00 (5000.00-5000.00) | 5000.00 (5000.00-5000.00) | 1.000 "
        + "(1.000-1.000) | 5000.00 (5000.00-5000.00) | 1.5 | 1.5 | 1.5 |\n"), r.out());
  }

  @Test
  void anUnknownVariantIsRefusedBeforeAnyRound() throws Exception {
    round("plain", 1, 5000, 6000, "1.5");
    assertEquals(new Result(2, "", "bench: unknown variant ukhok in VARIANTS (plain, strace, ukhook, ukhook-drop, ukhook-count)\n"),
        table("plain ukhok"));
  }
}
