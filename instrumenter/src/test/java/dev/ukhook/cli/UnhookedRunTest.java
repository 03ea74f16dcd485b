package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.RunDir;
import dev.ukhook.report.TestRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, defect 1: an image built while the tree was restored has no hooks, yet a program calling
 * {@code ukhook_phase()} still sends its phase marks; those event records were counted as calls, so `trace`,
 * `report` and `policy infer` took an empty table for a quiet program and exited 0.
 */
class UnhookedRunTest {
  static final String NO_CALL = "no system call was recorded although the guest sent a trace (only 2 load or filter "
      + "event records): if the program makes system calls, the image was built without the hooks";

  @TempDir Path dir;

  Path marksOnly() throws IOException {
    return TestRuns.write(dir.resolve("run"), TestRuns.IMAGE_A, List.of(TestRuns.mark(0, 0, 1), TestRuns.mark(1, 1, 2)));
  }

  @Test
  void reportOfARunWithOnlyPhaseMarksFails() throws IOException {
    Run r = ukhook("report", marksOnly().toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().contains("ukhook: " + NO_CALL), r.err());
  }

  @Test
  void policyInferOfARunWithOnlyPhaseMarksFailsAndWritesNothing() throws IOException {
    Path run = marksOnly();
    Path out = dir.resolve("policy.yaml");
    Run r = ukhook("policy", "infer", run.toString(), "-o", out.toString());
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().startsWith("ukhook: " + run + ": " + NO_CALL), r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void aFilterOnlyRunWithoutViolationsIsAQuietRun() throws IOException {
    Path run = marksOnly();
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": [\"libnolibc\", \"libsyscall_shim\"], "
        + "\"hooks\": \"filter_only\"}\n");
    Run r = ukhook("report", run.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
  }

  @Test
  void oneCallBesideTheMarksIsATrace() throws IOException {
    Path run = TestRuns.write(dir.resolve("run"), TestRuns.IMAGE_A, List.of(TestRuns.mark(0, 0, 1),
        TestRuns.posix(1, 39)));
    Run r = ukhook("report", run.toString());
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
  }
}
