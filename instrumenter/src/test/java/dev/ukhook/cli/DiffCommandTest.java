package dev.ukhook.cli;

import static dev.ukhook.report.TestRuns.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.cli.CliTest.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffCommandTest {
  static final int READ = 0, WRITE = 1, GETPID = 39, SOCKET = 41, ACCEPT = 43;

  @TempDir Path dir;
  Path a;
  Path b;

  @BeforeEach
  void runs() throws IOException {
    a = write(dir.resolve("a"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE), app(2, ACCEPT), app(3, READ)));
    b = write(dir.resolve("b"), IMAGE_A, List.of(posix(0, GETPID), app(1, SOCKET), app(2, WRITE), app(3, ACCEPT),
        app(4, READ)));
  }

  Run diff(String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("diff"));
    args.addAll(List.of(more));
    Run r = CliTest.ukhook(args.toArray(String[]::new));
    return new Run(r.exitCode(), r.out().replace(dir.toString(), "DIR"), r.err().replace(dir.toString(), "DIR"));
  }

  @Test
  void text() {
    assertEquals(new Run(ExitCode.OK, """
        --- A DIR/a
        +++ B DIR/b

        libraries
        + apphello: socket (0 -> 1)

        phases
        start-up:
          + apphello: socket (0 -> 1)
        """, ""), diff(a.toString(), b.toString()));
  }

  @Test
  void json() {
    assertEquals(new Run(ExitCode.OK, """
        {
          "schema_version": 1,
          "runs": {
            "a": {
              "label": "DIR/a",
              "image_id": "00112233445566778899aabbccddeeff",
              "phase_source": "rule",
              "phase_rule": "start-up ends at the first read"
            },
            "b": {
              "label": "DIR/b",
              "image_id": "00112233445566778899aabbccddeeff",
              "phase_source": "rule",
              "phase_rule": "start-up ends at the first read"
            }
          },
          "images_differ": false,
          "phase_sources_differ": false,
          "different": true,
          "libraries": {
            "apphello": {
              "calls_a": 3,
              "calls_b": 4,
              "gained": {
                "socket": 1
              },
              "lost": { }
            }
          },
          "phases": {
            "gained": [ ],
            "lost": [ ],
            "libraries": {
              "start-up": {
                "apphello": {
                  "calls_a": 2,
                  "calls_b": 3,
                  "gained": {
                    "socket": 1
                  },
                  "lost": { }
                }
              },
              "after-read": { }
            }
          }
        }
        """, ""), diff(a.toString(), b.toString(), "--format", "json", "--phase-at", "read"));
  }

  @Test
  void exitCodeOneOnlyWithDifferencesAndOnlyWhenAsked() {
    assertEquals(ExitCode.FAILURE, diff(a.toString(), b.toString(), "--exit-code").exitCode());
    assertEquals(new Run(ExitCode.OK, """
        --- A DIR/a
        +++ B DIR/a
        no difference in syscall sets
        """, ""), diff(a.toString(), a.toString(), "--exit-code"));
  }

  @Test
  void differentImagesAreSaidOnce() throws IOException {
    Path other = write(dir.resolve("other"), IMAGE_B, List.of(posix(0, GETPID), app(1, WRITE), app(2, ACCEPT),
        app(3, READ)));
    assertEquals(new Run(ExitCode.OK, """
        --- A DIR/a
        +++ B DIR/other
        the images differ: A is image 00112233445566778899aabbccddeeff, B image ffeeddccbbaa99887766554433221100 \
        (runs of different builds)
        no difference in syscall sets
        """, ""), diff(a.toString(), other.toString(), "--exit-code"));
  }

  @Test
  void aRunWithProblemsIsComparedButFails() throws IOException {
    Path damaged = write(dir.resolve("damaged"), IMAGE_A, List.of(posix(0, GETPID), app(1, WRITE), app(2, ACCEPT),
        app(3, READ)), 2);
    Run r = diff(a.toString(), damaged.toString());
    assertEquals(new Run(ExitCode.FAILURE, """
        --- A DIR/a
        +++ B DIR/damaged
        no difference in syscall sets
        """, "ukhook: DIR/damaged: 2 records missing: sent by the guest but never received\n"), r);
  }

  @Test
  void aMissingRunIsAUsageError() {
    Run r = diff(a.toString(), dir.resolve("nope").toString());
    assertEquals(new Run(ExitCode.USAGE, "", "ukhook: DIR/nope is not a run directory; pass "
        + "APP/.ukhook/runs/<time>, or --trace FILE --map FILE\n"), r);
  }
}
