package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.core.TextFiles;
import dev.ukhook.explore.ExplorePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `ukhook explore` refuses before it runs anything, and how a job re-reads its plan's options. */
class ExploreCommandTest {
  @TempDir Path dir;

  @Test
  void withoutACheckOrWithABadOneNothingRuns() {
    Run none = ukhook("explore", dir.toString(), "--unikraft", dir.toString());
    assertEquals(ExitCode.USAGE, none.exitCode(), none.err());
    assertEquals("ukhook: say what a run must do to pass: --expect REGEX (a console line, such as 'musl-files: done'),"
        + " or --load COMMAND for a server", none.err().strip());
    Run bad = ukhook("explore", dir.toString(), "--unikraft", dir.toString(), "--expect", "(unclosed");
    assertEquals(ExitCode.USAGE, bad.exitCode());
    assertTrue(bad.err().startsWith("ukhook: --expect (unclosed is not a regular expression: "), bad.err());
    Run jobs = ukhook("explore", dir.toString(), "--expect", "done", "--jobs", "0");
    assertEquals("ukhook: --jobs must be 1 to 256, got 0", jobs.err().strip());
    Run alone = ukhook("explore", "--job", "3");
    assertEquals("ukhook: --job N and --merge DIR each need --plan FILE, and not each other", alone.err().strip());
    assertEquals(List.of("."), List.of(dir.toFile().list()).isEmpty() ? List.of(".") : List.of(dir.toFile().list()),
        "nothing was made");
  }

  @Test
  void aJobReadsThePlansOptionsAsTheExploreCommandTookThem() throws Exception {
    Path app = Files.createDirectory(dir.resolve("app"));
    ExplorePlan p = ExplorePlan.of(app.toString(), List.of("--overflow", "block", "-M", "128", "--expect", "done"),
        dir.resolve("base").toString(), new TreeMap<>(java.util.Map.of("appx", new TreeMap<>(java.util.Map.of(
            "getpid", 1L)))));
    Path plan = dir.resolve("plan.jsonl");
    TextFiles.write(plan, p.toJsonLines());
    Run outOfRange = ukhook("explore", "--plan", plan.toString(), "--job", "2");
    assertEquals("ukhook: --job 2: " + plan + " has jobs 0 to 1", outOfRange.err().strip());
    // Its options parse (lower-case enum values as the command line takes them); the app is not one here.
    Run job = ukhook("explore", "--plan", plan.toString(), "--job", "0");
    assertEquals(ExitCode.USAGE, job.exitCode(), job.err());
    assertEquals("ukhook: " + app + " has no Makefile.uk, so it is not a Unikraft application: pass --app the "
        + "directory that holds the app's Makefile.uk", job.err().strip());
    assertTrue(!Files.exists(dir.resolve("job-0.json")), "no result for a run that could not be made");
  }

  @Test
  void aPlanKeepsTheOptionsAJobNeedsAndNotTheExplorationsOwn() {
    java.io.PrintWriter w = new java.io.PrintWriter(new java.io.StringWriter());
    picocli.CommandLine.ParseResult parsed = Ukhook.commandLine(w, w).parseArgs("explore", "app", "--plan", "p.jsonl",
        "--jobs=3", "--results", "r", "-M", "128", "--expect", "done", "--", "-x", "1");
    ExploreCommand c = (ExploreCommand) parsed.subcommand().commandSpec().userObject();
    assertEquals(List.of("app", "-M", "128", "--expect", "done", "--", "-x", "1"), c.jobArgs());
  }
}
