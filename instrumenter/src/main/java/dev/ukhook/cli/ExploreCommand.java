package dev.ukhook.cli;

import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.explore.ExplorePlan;
import dev.ukhook.explore.Exploration;
import dev.ukhook.explore.Explorer;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.pipeline.AppSpec;
import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Runner;
import dev.ukhook.policy.PolicyInference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "explore", description = "Run the app again and again with each system call of each library it "
    + "made failed or faked (docs/explore.md): which calls it needs, which it can do without, which appear only on "
    + "error paths, and a policy that covers them. With --plan, --job and --merge the runs are spread over machines.")
final class ExploreCommand implements Callable<Integer> {
  /** Each run's trace limit unless --max-trace says otherwise. */
  static final long MAX_TRACE_MIB = 256;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;
  @Mixin CommonOptions.UnikraftOption unikraft;
  @Mixin AppArgs app;
  @Mixin HookOptions hook;
  @Mixin BuildOptions build;
  @Mixin AccelOption accel;
  @Mixin RunOptions run;

  @Option(names = "--expect", paramLabel = "REGEX", description = "A run passes when its console has a match "
      + "(a Java regular expression), for example 'musl-files: done'. A server's run passes when its --load "
      + "succeeds, and the pattern, if given, matches.")
  String expect;

  @Option(names = "--jobs", paramLabel = "N", description = "Runs at once (default: the CPUs, ${DEFAULT-VALUE}).")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Option(names = "--only", paramLabel = "LIBRARY", description = "Explore only the calls of this microlibrary "
      + "(repeatable; default: every library the baseline charged calls to).")
  List<String> libs = new ArrayList<>();

  @Option(names = "--results", paramLabel = "DIR", description = "Where the plan, each run's result and the "
      + "exploration go (default: APP/.ukhook/explore, or beside --plan FILE).")
  Path results;

  @Option(names = "--plan", paramLabel = "FILE", description = "With APP: trace the baseline, write the runs to "
      + "FILE (JSON lines, one job each) and stop. With --job or --merge: the plan to read.")
  Path plan;

  @Option(names = "--job", paramLabel = "N", description = "Run job N of --plan FILE (a Kubernetes Indexed Job "
      + "passes $JOB_COMPLETION_INDEX) where the app is built, its result into --results.")
  Integer job;

  @Option(names = "--merge", paramLabel = "DIR", description = "Gather the results in DIR (repeatable) of --plan "
      + "FILE's jobs into the exploration.")
  List<Path> merge = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    if (job != null || !merge.isEmpty()) {
      if (plan == null || (job != null && !merge.isEmpty())) {
        throw new UkhookException(Kind.USAGE, "--job N and --merge DIR each need --plan FILE, and not each other");
      }
      ExplorePlan p = ExplorePlan.read(plan);
      return job != null ? runJob(p) : merged(p, merge, results == null ? merge.get(0) : results);
    }
    if (jobs < 1 || jobs > 256) {
      throw new UkhookException(Kind.USAGE, "--jobs must be 1 to 256, got " + jobs);
    }
    Explorer.Check check = check(expect, run.load);
    AccelChoice chosen = accel.resolve();
    Runner.Options runOptions = limited(run.options(chosen, app), run);
    Path appDir = app.appDir().toAbsolutePath().normalize();
    Path dir = results != null ? results : plan != null ? parent(plan) : appDir.resolve(".ukhook/explore");
    Output out = Ukhook.steps(spec).out();
    // The baseline: the app built to filter (its policy, or one that allows everything), run once, and checked.
    Runner.Outcome base = Ukhook.steps(spec).tracer().trace(hook.options(unikraft.resolve(), app, chosen, true),
        build.options(), runOptions);
    String failed = check.failure(base);
    if (!failed.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "the baseline run " + base.runDir() + " does not pass the check ("
          + failed + "): exploring needs a run that does; fix --expect or --load");
    }
    SortedMap<String, SortedMap<String, Long>> calls = Explorer.calls(base.report().table());
    List<String> unknown = libs.stream().filter(l -> !calls.containsKey(l)).toList();
    if (!unknown.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "--only " + String.join(", ", unknown) + ": the baseline run "
          + base.runDir() + " charged no call to " + (unknown.size() == 1 ? "it" : "them") + "; its libraries with "
          + "calls: " + String.join(", ", calls.keySet()));
    }
    ExplorePlan p = ExplorePlan.of(appDir.toString(), jobArgs(), base.runDir().toString(), calls, Set.copyOf(libs));
    Path planFile = plan != null ? plan : dir.resolve("plan.jsonl");
    TextFiles.createDirectories(planFile.toAbsolutePath().getParent());
    TextFiles.write(planFile, p.toJsonLines());
    out.line("wrote " + planFile + ": " + p.jobs().size() + " runs, 1 to 3 for each of the "
        + p.jobs().stream().map(j -> j.library() + " " + j.syscall()).distinct().count()
        + " (library, syscall) pairs of the baseline");
    if (plan != null) {
      out.line("next: `ukhook explore --plan " + plan + " --job N` for N from 0 to " + (p.jobs().size() - 1)
          + " (anywhere the app is built), then `ukhook explore --plan " + plan + " --merge DIR...`");
      return ExitCode.OK;
    }
    int errors = new Explorer(Ukhook.wiring(spec), out).run(p.jobs(), AppSpec.instrumented(appDir), runOptions,
        check, dir, jobs);
    int exit = merged(p, List.of(dir), dir);
    return errors > 0 ? ExitCode.FAILURE : exit;
  }

  /** The arguments a job re-reads: this command's own, without what only the whole exploration takes. */
  List<String> jobArgs() {
    List<String> all = spec.commandLine().getParseResult().originalArgs();
    List<String> given = all.subList(all.indexOf(spec.name()) + 1, all.size()); // after `explore`
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      String a = given.get(i);
      if (List.of("--plan", "--results", "--jobs").contains(a)) {
        i++;
      } else if (!a.startsWith("--plan=") && !a.startsWith("--results=") && !a.startsWith("--jobs=")) {
        kept.add(a);
      }
    }
    return kept;
  }

  /** {@code o} with {@link #MAX_TRACE_MIB} as its trace limit where --max-trace gave none. */
  private static Runner.Options limited(Runner.Options o, RunOptions given) {
    return given.maxTrace == null ? o.withMaxTrace(MAX_TRACE_MIB << 20) : o;
  }

  private static Path parent(Path file) {
    return file.toAbsolutePath().normalize().getParent();
  }

  private static Explorer.Check check(String expect, String load) {
    if (expect == null && load == null) {
      throw new UkhookException(Kind.USAGE, "say what a run must do to pass: --expect REGEX (a console line, such as "
          + "'musl-files: done'), or --load COMMAND for a server");
    }
    try {
      return new Explorer.Check(expect == null ? null : Pattern.compile(expect));
    } catch (PatternSyntaxException e) {
      throw new UkhookException(Kind.USAGE, "--expect " + expect + " is not a regular expression: "
          + e.getDescription());
    }
  }

  /** Job {@link #job} of {@code p}, with the options the plan's command had. */
  private int runJob(ExplorePlan p) throws InterruptedException {
    if (job < 0 || job >= p.jobs().size()) {
      throw new UkhookException(Kind.USAGE, "--job " + job + ": " + plan + " has jobs 0 to " + (p.jobs().size() - 1));
    }
    ExploreCommand planned = new ExploreCommand();
    try {
      new CommandLine(planned).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(p.args().toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new UkhookException(Kind.USAGE, plan + ": its arguments do not parse (" + e.getMessage() + "): make the "
          + "plan again");
    }
    Path dir = results != null ? results : parent(plan);
    Runner.Options o = limited(planned.run.options(planned.accel.resolve(), planned.app), planned.run);
    int errors = new Explorer(Ukhook.wiring(spec), Ukhook.steps(spec).out()).run(List.of(p.jobs().get(job)),
        AppSpec.instrumented(Path.of(p.app())), o, check(planned.expect, planned.run.load), dir, 1);
    return errors > 0 ? ExitCode.FAILURE : ExitCode.OK;
  }

  /**
   * The exploration of {@code p} from the results in {@code dirs}, shown and written to {@code out}: explore.txt,
   * explore.json and policy.yaml (the baseline's and every result's run). Exit 1 while results are missing.
   */
  private int merged(ExplorePlan p, List<Path> dirs, Path out) {
    Exploration e = new Exploration(p, dirs);
    String text = e.toText();
    TextFiles.createDirectories(out);
    TextFiles.write(out.resolve("explore.txt"), text);
    TextFiles.write(out.resolve("explore.json"), e.toJson());
    // The policy: the baseline's calls, and those only error paths made, each commented with its rules.
    Path baseline = Path.of(p.baseline());
    boolean here = Files.isRegularFile(baseline.resolve("run.json"));
    if (here) {
      PolicyInference inference = PolicyInference.forRuns(List.of(baseline)).addRunDir(baseline,
          PolicyInferCommand.transparent(baseline));
      e.errorPaths().forEach(c -> inference.addErrorPath(c.library(), c.syscall(), c.count(), c.revealedBy()));
      TextFiles.write(out.resolve("policy.yaml"), inference.result().yaml());
    }
    spec.commandLine().getOut().print(dev.ukhook.core.Terminal.escapeLines(text));
    spec.commandLine().getOut().flush();
    CliOutput.line(spec.commandLine().getErr(), "wrote " + out.resolve("explore.txt") + " and explore.json" + (here
        ? ", and policy.yaml: the baseline's calls and the " + e.errorPaths().size() + " error-path calls"
        : "; no policy.yaml: the baseline run " + baseline + " is not on this machine (`ukhook policy infer BASELINE "
            + "--with-error-paths " + out + "` where it is)"));
    e.damaged().forEach(d -> CliOutput.line(spec.commandLine().getErr(), d));
    if (e.missing() > 0) {
      CliOutput.line(spec.commandLine().getErr(), e.missing() + " of " + p.jobs().size() + " runs have no result in "
          + dirs + ": the table is not complete");
      return ExitCode.FAILURE;
    }
    return ExitCode.OK;
  }
}
