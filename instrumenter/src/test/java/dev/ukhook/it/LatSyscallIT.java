package dev.ukhook.it;

import dev.ukhook.cli.ExitCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/lat-syscall on a real tree (the first of UK_ROOTS / UK_ROOT): the benchmark program prints
 * well-formed results, block mode loses nothing under a burst, and drop mode accounts for every record.
 * Timing is never asserted: the numbers belong to bench/lat-syscall.sh.
 */
class LatSyscallIT {
  @TempDir Path tmp;

  static Path tree() {
    return SyscallMixIT.trees().stream().findFirst().orElse(null);
  }

  private Path app() throws Exception {
    Path app = tmp.resolve("lat-syscall");
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/lat-syscall"), app);
    return app;
  }

  private static JsonNode lastResults(Path app) throws Exception {
    try (Stream<Path> runs = Files.list(app.resolve(".ukhook/runs"))) {
      Path run = runs.max(Comparator.naturalOrder()).orElseThrow();
      return new ObjectMapper().readTree(run.resolve("results.json").toFile());
    }
  }

  @Test
  void blockModeDeliversABurstAndTheProgramPrintsWellFormedResults() throws Exception {
    assumeTrue(tree() != null, SyscallMixIT.NO_TREE);
    assumeTrue(SyscallMixIT.onPath("qemu-system-x86_64"), "SKIPPED: qemu-system-x86_64 is not installed");
    Path app = app();
    CliTest.Run r = SyscallMixIT.ukhook("trace", app.toString(), "--unikraft", tree().toString(),
        "--timeout", "300", "--", "-n", "20000", "null", "read", "write", "open");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    for (String op : new String[] {"null", "read", "write", "open"}) {
      assertTrue(r.err().matches("(?s).*lat-syscall op=" + op + " iterations=20000 cycles=\\d+ cycles_per_op=\\d+\\.\\d\\d\n.*"),
          "no well-formed line for " + op + " in:\n" + r.err());
    }
    JsonNode res = lastResults(app);
    // 20000 getpid, 20000 x (lseek + read), 20000 x (lseek + write), 20000 x (open + close), plus setup calls.
    assertTrue(res.get("records").asLong() >= 140000, res.toString());
    assertEquals(0, res.get("dropped").asLong());
    assertEquals(0, res.get("missing").asLong());
    assertTrue(res.get("final_record").asBoolean());
    SyscallMixIT.ukhook("restore", "--unikraft", tree().toString());
  }

  @Test
  void dropModeWithATinyRingCountsEveryDroppedRecord() throws Exception {
    assumeTrue(tree() != null, SyscallMixIT.NO_TREE);
    assumeTrue(SyscallMixIT.onPath("qemu-system-x86_64"), "SKIPPED: qemu-system-x86_64 is not installed");
    Path app = app();
    CliTest.Run r = SyscallMixIT.ukhook("trace", app.toString(), "--unikraft", tree().toString(),
        "--overflow", "drop", "--ring", "32", "--batch", "16", "--timeout", "300", "--", "-n", "200000", "null");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    JsonNode res = lastResults(app);
    long received = res.get("records").asLong();
    long dropped = res.get("dropped").asLong();
    // Besides the 200000 getpid, the few calls of the boot (vfscore's mount, ramfs asking for the time),
    // made while the ring is still empty, so never dropped.
    long boot = received - res.at("/libraries/applatsyscall/syscalls/getpid").asLong();
    assertTrue(boot >= 0 && boot < 16, res.toString());
    assertEquals(200000 + boot, received + dropped, res.toString());
    assertEquals(0, res.get("missing").asLong());
    SyscallMixIT.ukhook("restore", "--unikraft", tree().toString());
  }
}
