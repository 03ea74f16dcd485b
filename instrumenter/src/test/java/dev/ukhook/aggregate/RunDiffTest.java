package dev.ukhook.aggregate;

import static dev.ukhook.report.TestRuns.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.RunDir;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.report.RunReader;
import dev.ukhook.report.RunReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDiffTest {
  static final int READ = 0, WRITE = 1, OPEN = 2, GETPID = 39, SOCKET = 41, ACCEPT = 43;

  @TempDir Path dir;

  static RunReport report(Path run) {
    return RunReader.ofRunDir(run, new RunDir(run).require().json().transparentLibraries().orElseThrow(), RunReport.Options.DEFAULT.withPhaseNames(PolicyFile.phaseNames(run)));
  }

  /** Two builds of a server: B opens a socket in start-up and writes while serving; libukdebug's open is gone. */
  static RunDiff serverRuns(Path dir) throws IOException {
    Path a = write(dir.resolve("a"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE), ukdebug(2, OPEN),
        app(3, ACCEPT), app(4, READ), posix(5, GETPID)));
    Path b = write(dir.resolve("b"), IMAGE_B, List.of(posix(0, GETPID), app(1, WRITE), app(2, SOCKET),
        app(3, ACCEPT), app(4, READ), app(5, WRITE), nowhere(6, GETPID)));
    return RunDiff.of(report(a).side("runs/a"), report(b).side("runs/b"));
  }

  @Test
  void librariesAndPhasesThatGainedOrLostSyscalls() throws IOException {
    RunDiff d = serverRuns(dir);
    assertEquals("""
        --- A runs/a
        +++ B runs/b
        the images differ: A is image 00112233445566778899aabbccddeeff, B image ffeeddccbbaa99887766554433221100 \
        (runs of different builds)

        libraries
        + <unattributed>: new library (0 -> 1 calls)
        + <unattributed>: getpid (0 -> 1)
        + apphello: socket (0 -> 1)
        - libukdebug: library gone (1 -> 0 calls)
        - libukdebug: open (1 -> 0)

        phases
        start-up:
          + apphello: socket (0 -> 1)
          - libukdebug: open (1 -> 0)
        serving:
          + <unattributed>: getpid (0 -> 1)
          + apphello: write (0 -> 1)
          - libposix_process: getpid (1 -> 0)
        """, d.toText());
    assertTrue(d.different());
    assertTrue(d.imagesDiffer());
    assertFalse(d.phaseSourcesDiffer());
  }

  @Test
  void countsAloneAreNoDifference() throws IOException {
    Path a = write(dir.resolve("a"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE), app(2, ACCEPT)));
    Path b = write(dir.resolve("b"), IMAGE_A, List.of(posix(0, GETPID), posix(1, GETPID), app(2, WRITE),
        app(3, WRITE), app(4, ACCEPT)));
    RunDiff d = RunDiff.of(report(a).side("runs/a"), report(b).side("runs/b"));
    assertEquals("""
        --- A runs/a
        +++ B runs/b
        no difference in syscall sets
        """, d.toText());
    assertFalse(d.different());
    assertFalse(d.imagesDiffer());
  }

  @Test
  void phasesFromEventsAgainstTheStartUpRuleAreSaidToDiffer() throws IOException {
    Path a = write(dir.resolve("a"), IMAGE_A, List.of(posix(0, GETPID), mark(1, 0, 1), posix(2, READ),
        app(3, WRITE)));
    Path b = write(dir.resolve("b"), IMAGE_A, List.of(posix(0, GETPID), app(1, ACCEPT), posix(2, READ)));
    RunDiff d = RunDiff.of(report(a).side("runs/a"), report(b).side("runs/b"));
    assertEquals("""
        --- A runs/a
        +++ B runs/b
        the phases come from different sources: A's from the trace's phase events, B's from the start-up rule \
        (start-up ends at the first accept/accept4, or the first poll/select/epoll_wait after a listen)

        libraries
        + apphello: accept (0 -> 1)
        - apphello: write (1 -> 0)

        phases
        + phase start-up (only in B)
        + phase serving (only in B)
        - phase phase0 (only in A)
        - phase phase1 (only in A)
        """, d.toText());
    assertEquals("""
        {
          "schema_version": 1,
          "runs": {
            "a": {
              "label": "runs/a",
              "image_id": "00112233445566778899aabbccddeeff",
              "phase_source": "events",
              "phase_rule": "the trace's phase events: the program's ukhook_phase marks and the policy's switch \
        rules"
            },
            "b": {
              "label": "runs/b",
              "image_id": "00112233445566778899aabbccddeeff",
              "phase_source": "rule",
              "phase_rule": "start-up ends at the first accept/accept4, or the first poll/select/epoll_wait after a listen"
            }
          },
          "images_differ": false,
          "phase_sources_differ": true,
          "different": true,
          "libraries": {
            "apphello": {
              "calls_a": 1,
              "calls_b": 1,
              "gained": {
                "accept": 1
              },
              "lost": {
                "write": 1
              }
            }
          },
          "phases": {
            "gained": [
              "start-up",
              "serving"
            ],
            "lost": [
              "phase0",
              "phase1"
            ],
            "libraries": { }
          }
        }
        """, d.toJson());
  }
}
