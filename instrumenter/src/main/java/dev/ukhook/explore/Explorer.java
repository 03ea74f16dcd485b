package dev.ukhook.explore;

import dev.ukhook.aggregate.SyscallTable;
import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.explore.ExplorePlan.Job;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.TraceStats;
import dev.ukhook.pipeline.AppSpec;
import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Runner;
import dev.ukhook.pipeline.Steps;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Runs an exploration's jobs (docs/explore.md): each a run of the built app with one injection rule in force from
 * the boot (`ukhook run --inject`), judged by the exploration's check, its result written as {@code job-N.json} in
 * the results directory. A job whose result is there already is not run again, so an interrupted exploration
 * resumes where it stopped. Runs are independent and share the one build: up to {@code parallel} at once.
 */
public final class Explorer {
  /**
   * What a run must do to pass: print a line matching {@code expect} on its console (null: no pattern), and, for a
   * server, its load command must succeed.
   */
  public record Check(Pattern expect) {
    /** Empty when {@code o} passed, else why not. */
    public String failure(Runner.Outcome o) {
      List<String> why = new ArrayList<>();
      o.qemu().problem().ifPresent(why::add);
      o.served().ifPresent(why::addAll);
      if (expect != null) {
        Path console = o.runDir().resolve(RunDir.CONSOLE);
        String text = Files.isRegularFile(console) ? TextFiles.read(console) : "";
        if (!expect.matcher(text).find()) {
          why.add(0, "its console has no match for " + expect.pattern());
        }
      }
      return String.join("; ", why);
    }
  }

  private final Function<Output, Steps> wiring;
  private final Output out;

  public Explorer(Function<Output, Steps> wiring, Output out) {
    this.wiring = wiring;
    this.out = out;
  }

  /** The calls of a run's table: library -> syscall -> count. */
  public static SortedMap<String, SortedMap<String, Long>> calls(SyscallTable table) {
    SortedMap<String, SortedMap<String, Long>> calls = new TreeMap<>();
    table.libraries().forEach(l -> l.syscalls().forEach(c -> calls.computeIfAbsent(l.library(), k -> new TreeMap<>())
        .put(c.name(), c.count())));
    return calls;
  }

  /**
   * Runs the jobs of {@code jobs} that have no result in {@code results} yet, at most {@code parallel} at once,
   * saying on {@link Output#line} how far it is. A job whose run could not be made at all (no QEMU, the image gone)
   * gets no result.
   *
   * @return how many jobs ran into such an error
   */
  public int run(List<Job> jobs, AppSpec app, Runner.Options run, Check check, Path results, int parallel)
      throws InterruptedException {
    TextFiles.createDirectories(results);
    List<Job> todo = jobs.stream().filter(j -> {
      try {
        return Exploration.Result.read(results, j).isEmpty();
      } catch (UkhookException e) {
        out.line(e.getMessage().replaceFirst("; delete it to run the job again$", "") + "; running job " + j.index()
            + " again");
        return true;
      }
    }).toList();
    if (todo.size() < jobs.size()) {
      out.line((jobs.size() - todo.size()) + " of " + jobs.size() + " runs have their result in " + results
          + " already (resuming)");
    }
    long start = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    // Ctrl-C: each run stops its own QEMU; no run starts after it.
    AtomicBoolean stopping = new AtomicBoolean();
    Thread onCtrlC = new Thread(() -> stopping.set(true), "ukhook-explore-ctrl-c");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    int atOnce = Math.max(1, parallel);
    ExecutorService pool = Executors.newFixedThreadPool(atOnce);
    // A server's runs at once each take their own host ports: slot k moves them by k (Load#shifted).
    java.util.concurrent.BlockingQueue<Integer> slots = new java.util.concurrent.ArrayBlockingQueue<>(atOnce);
    for (int k = 0; k < atOnce; k++) {
      slots.add(k);
    }
    run.shifted(atOnce - 1); // ports beyond 65535 are refused before any run
    try {
      List<Future<?>> running = new ArrayList<>();
      for (Job j : todo) {
        running.add(pool.submit(() -> {
          if (stopping.get()) {
            return null;
          }
          String said;
          int slot = slots.take();
          try {
            Exploration.Result r = runOne(j, app, run.shifted(slot), check, results);
            r.write(results);
            said = r.injected() == 0 ? "not reached" : r.ok() ? "passed" : "failed: " + r.why();
          } catch (UkhookException e) {
            errors.incrementAndGet();
            said = "could not run: " + e.getMessage().lines().findFirst().orElse("");
          } finally {
            slots.add(slot);
          }
          int n = done.incrementAndGet();
          Duration spent = Duration.ofNanos(System.nanoTime() - start);
          Duration left = spent.multipliedBy(todo.size() - n).dividedBy(n);
          out.line("run " + n + " of " + todo.size() + " (job " + j.index() + ", " + j.inject() + "): " + said
              + "; about " + minutes(left) + " left");
          return null;
        }));
      }
      for (Future<?> f : running) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: said below
      }
    }
    if (stopping.get()) {
      throw new UkhookException(Kind.FAILURE, "interrupted: " + done.get() + " of " + todo.size() + " runs ended, "
          + "their results in " + results + "; run the same command again to go on from there");
    }
    return errors.get();
  }

  private static String minutes(Duration d) {
    return d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }

  /** One job: the run with its rule, its log in {@code job-N.log}. */
  private Exploration.Result runOne(Job j, AppSpec app, Runner.Options run, Check check, Path results) {
    Path log = results.resolve("job-" + j.index() + ".log");
    try (PrintStream ps = new PrintStream(new FileOutputStream(log.toFile()), true, StandardCharsets.UTF_8)) {
      Runner.Outcome o = wiring.apply(new FileOutput(ps)).runner().run(app, run.withInject(List.of(j.inject())));
      String why = check.failure(o);
      // A run that lost records (a crash before the stream was up) may have reached its rule unseen.
      TraceStats stats = o.report().trace().stats();
      boolean whole = stats.missingIsExact() && stats.missing() == 0;
      return new Exploration.Result(j.index(), j.inject(), why.isEmpty(), why.isEmpty() ? null : why,
          whole ? o.report().table().filter().injected() : Exploration.Result.UNKNOWN, o.runDir().toString(),
          calls(o.report().table()));
    } catch (FileNotFoundException e) {
      throw new UkhookException(Kind.ENVIRONMENT, "cannot write " + log + ": " + e.getMessage());
    }
  }

  /** A job's output, into its log. */
  private record FileOutput(PrintStream raw) implements Output {
    @Override
    public void data(String text) {
      raw.print(text);
    }

    @Override
    public void line(String text) {
      raw.println("ukhook: " + text);
    }

    @Override
    public boolean terminal() {
      return false;
    }
  }
}
