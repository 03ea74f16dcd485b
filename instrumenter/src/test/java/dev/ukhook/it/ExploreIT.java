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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ukhook explore` on examples/musl-files (docs/explore.md): spread over "machines" by --plan, --job and --merge,
 * then whole in one process with parallel runs; both give the same verdicts, which were checked by hand against
 * the program: it treats every failed call as fatal (it prints FAILED), so most pairs are required.
 */
class ExploreIT {
  @TempDir Path tmp;

  @Test
  void musl_filesIsExploredByPlanJobsAndMergeAsInOneGo() throws Exception {
    PolicyIT.assumeTree();
    assumeTrue(MuslAppsIT.librariesGiven(), MuslAppsIT.NO_LIBS);
    Path tree = PolicyIT.tree();
    Path app = tmp.resolve("musl-files");
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/musl-files"), app);
    List<String> common = List.of(app.toString(), "--unikraft", tree.toString(), "-M", "128", "--timeout", "30",
        "--expect", "musl-files: done");
    try {
      // Spread: the plan, each job into one of two result directories, the merge.
      Path plan = tmp.resolve("plan.jsonl");
      Run planned = ukhook(concat(common, "--plan", plan.toString()));
      assertEquals(ExitCode.OK, planned.exitCode(), planned.err());
      int jobs = (int) Files.readString(plan).lines().count() - 1;
      assertTrue(jobs > 20, "1 to 3 runs per pair: " + jobs);
      Path[] machines = {Files.createDirectory(tmp.resolve("a")), Files.createDirectory(tmp.resolve("b"))};
      for (int n = 0; n < jobs; n++) {
        Run job = ukhook("explore", "--plan", plan.toString(), "--job", Integer.toString(n), "--results",
            machines[n % 2].toString());
        assertEquals(ExitCode.OK, job.exitCode(), "job " + n + ": " + job.err());
      }
      Path merged = Files.createDirectory(tmp.resolve("merged"));
      Run merge = ukhook("explore", "--plan", plan.toString(), "--merge", machines[0].toString(), "--merge",
          machines[1].toString(), "--results", merged.toString());
      assertEquals(ExitCode.OK, merge.exitCode(), merge.err());
      Map<String, String> spread = verdicts(merged.resolve("explore.json"));

      // What was checked by hand: the program's own calls fail it, getppid (its result is only checked for < 0)
      // can be faked, and musl's clock_gettime falls back to gettimeofday when libramfs's call gets ENOSYS.
      assertEquals("required", spread.get("appmuslfiles open"), spread.toString());
      assertEquals("required", spread.get("appmuslfiles read"));
      assertEquals("can be faked", spread.get("appmuslfiles getppid"));
      assertEquals("can fail or be faked", spread.get("libramfs clock_gettime"));
      JsonNode json = new ObjectMapper().readTree(merged.resolve("explore.json").toFile());
      assertTrue(json.get("error_path_calls").toString().contains("{\"library\":\"libramfs\",\"syscall\":"
          + "\"gettimeofday\""), json.toString());
      assertTrue(Files.readString(merged.resolve("policy.yaml")).contains("gettimeofday"),
          "the policy covers the error path");
      String opened = Files.readString(Path.of(json.at("/pairs").findValues("errno").stream()
          .filter(n -> n.path("inject").asText().startsWith("open:")).findFirst().orElseThrow().get("run").asText(),
          "console.log"));
      assertTrue(opened.contains("musl-files: open /musl-files.tmp (round 1): No such file or directory"), opened);

      // In one go, two runs at once: the same verdicts.
      Path whole = tmp.resolve("whole");
      Run explored = ukhook(concat(common, "--jobs", "2", "--results", whole.toString()));
      assertEquals(ExitCode.OK, explored.exitCode(), explored.err());
      assertTrue(explored.err().contains("run " + jobs + " of " + jobs + " "), explored.err());
      assertEquals(spread, verdicts(whole.resolve("explore.json")));
      assertTrue(explored.out().contains("appmuslfiles  getppid"), explored.out());
    } finally {
      assertEquals(ExitCode.OK, ukhook("restore", "--unikraft", tree.toString()).exitCode());
    }
  }

  private static Map<String, String> verdicts(Path exploreJson) throws Exception {
    Map<String, String> v = new LinkedHashMap<>();
    new ObjectMapper().readTree(exploreJson.toFile()).get("pairs").forEach(p -> v.put(p.get("library").asText() + " "
        + p.get("syscall").asText(), p.get("verdict").asText()));
    return v;
  }

  private static String[] concat(List<String> common, String... more) {
    List<String> all = new java.util.ArrayList<>(List.of("explore"));
    all.addAll(common);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static Run ukhook(String... args) {
    return SyscallMixIT.ukhook(args);
  }
}
