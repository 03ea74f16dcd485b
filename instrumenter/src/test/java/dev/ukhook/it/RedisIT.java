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
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/redis served to redis-benchmark on the host: lib-redis on lib-musl and lib-lwip from $UK_LIBS, their
 * origin archives from $UKHOOK_SOURCES, on the first Unikraft 0.16 and 0.17 trees of UK_ROOTS. Nothing may be
 * lost, the load must finish, the unikernel must shut down so that the final record comes (on 0.16 Redis exits on
 * `redis-cli shutdown`, on 0.17 ukhook's stop request ends it), and the table must tell the start-up from the
 * serving phase.
 */
class RedisIT {
  @TempDir Path tmp;

  static final String NO_LIBS = "SKIPPED: set UK_LIBS to a directory with clones of unikraft/lib-musl, lib-lwip "
      + "and lib-redis, UKHOOK_SOURCES to a directory with musl-1.2.3.tar.gz, UNIKRAFT-2_1_x.zip and 7.0.11.zip "
      + "(docs/offline-sources.md), and UK_ROOTS to include a Unikraft 0.16.x tree, to run the Redis end-to-end test";
  /** Requests per command type: enough to serve for a while, few enough for TCG. */
  static final int REQUESTS = 2000;

  static String missing() {
    return missingServer("lib-redis", "7.0.11.zip", List.of("redis-benchmark", "redis-cli"), NO_LIBS);
  }

  /**
   * Why a server test cannot run, or null: a Unikraft 0.16 tree, lib-musl, lib-lwip and {@code lib} in $UK_LIBS,
   * their origin archives in $UKHOOK_SOURCES, QEMU and the load {@code tools} on the PATH.
   */
  static String missingServer(String lib, String archive, List<String> tools, String noLibs) {
    String libs = System.getenv("UK_LIBS");
    String sources = System.getenv("UKHOOK_SOURCES");
    if (ElfloaderIT.tree016() == null || libs == null || sources == null
        || Stream.of("lib-musl", "lib-lwip", lib).anyMatch(l -> !Files.isRegularFile(Path.of(libs, l, "Makefile.uk")))
        || Stream.of("musl-1.2.3.tar.gz", "UNIKRAFT-2_1_x.zip", archive)
            .anyMatch(a -> !Files.isRegularFile(Path.of(sources, a)))) {
      return noLibs;
    }
    for (String tool : Stream.concat(Stream.of("qemu-system-x86_64"), tools.stream()).toList()) {
      if (!SyscallMixIT.onPath(tool)) {
        return "SKIPPED: " + tool + " is not installed (Debian: qemu-system-x86, redis-tools, wrk, curl)";
      }
    }
    return null;
  }

  /**
   * {@code ukhook trace ARGS} on {@code tree}, restored afterwards. A stalled guest fails the test: the virtio-notify
   * fix and ukhook's forward relay took out the two causes of the stalls that once made this try again
   * (docs/virtio-net-stall.md).
   */
  static Run traceServer(Path tree, List<String> args) {
    try {
      return SyscallMixIT.ukhook(args.toArray(String[]::new));
    } finally {
      SyscallMixIT.ukhook("restore", "--unikraft", tree.toString());
    }
  }

  /** Makes the skip visible in the test counts. */
  @Test
  void treeLibrariesArchivesAndToolsAreGiven() {
    String missing = missing();
    if (missing != null) {
      System.err.println("[RedisIT] " + missing);
    }
    assumeTrue(missing == null, missing);
  }

  /**
   * Every tree of UK_ROOTS (0.16.3, 0.17.0 and main). On 0.17 and main the example's compat/uk/swrand.h stands in
   * for the ukswrand that lib-lwip still includes.
   */
  @TestFactory
  Stream<DynamicTest> redisServesTheBenchmarkWithNothingLost() {
    if (missing() != null) {
      return Stream.empty();
    }
    return SyscallMixIT.trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> served(t, isVersion16(t))));
  }

  private static boolean isVersion16(Path tree) throws java.io.IOException {
    return Files.readString(tree.resolve("version.mk")).contains("UK_SUBVERSION = 16");
  }


  static final int PORT = 16379 + (int) (ProcessHandle.current().pid() % 1000);
  static final String BENCHMARK = "redis-benchmark -p " + PORT + " -n " + REQUESTS + " -c 10 -t set,get -q";

  /** {@code ukhook trace} of examples/redis in {@code app} on {@code tree} under {@code load}, then {@code more}. */
  static List<String> traceArgs(Path app, Path tree, String load, boolean stopCommand, String... more) {
    List<String> args = new ArrayList<>(List.of("trace", app.toString(), "--unikraft", tree.toString(),
        "-M", "512", "--timeout", "600", "--net", "user", "--forward", "127.0.0.1:" + PORT + ":6379",
        "--load", load));
    if (stopCommand) {
      args.addAll(List.of("--stop", "redis-cli -p " + PORT + " shutdown nosave"));
    }
    args.addAll(List.of(more));
    args.addAll(List.of("--", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no"));
    return args;
  }

  private Path app(Path tree, String name) throws Exception {
    Path app = tmp.resolve(name + "-" + tree.getFileName());
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/redis"), app);
    return app;
  }

  private void served(Path tree, boolean stopCommand) throws Exception {
    Path app = app(tree, "redis");
    Run r = traceServer(tree, traceArgs(app, tree, BENCHMARK, stopCommand));
    assertEquals(ExitCode.OK, r.exitCode(), r.out() + r.err());
    Path run = SyscallMixIT.lastRun(app);
    String load = Files.readString(run.resolve("load.log"));
    assertTrue(load.contains("SET: ") && load.contains("GET: ") && load.contains("requests per second"), load);
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(0, results.get("dropped").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertTrue(results.get("final_record").asBoolean());
    assertTrue(results.has("serving_from_seq"), results.toString());
    // Every request is a read of its command and a write of its reply, while serving.
    assertTrue(results.at("/libraries/libredis/serving/read").asLong() >= 2 * REQUESTS, results.toString());
    assertTrue(results.at("/libraries/libredis/serving/write").asLong() >= 2 * REQUESTS, results.toString());
    assertEquals(0, results.at("/libraries/libredis/serving/listen").asLong(), "listen is start-up");
    // Redis's own exit, or none when ukhook's stop request ended the unikernel.
    assertEquals(stopCommand ? 1 : 0, results.at("/libraries/libredis/syscalls/exit_group").asLong());
    assertEquals(!stopCommand, r.err().contains("asked the guest to stop after the load"), r.err());
    assertTrue(r.err().contains("; fixes virtio-notify): "), r.err()); // an image with virtio-net
  }

  /**
   * Issue 20, item 4: a policy inferred from a traced Redis run holds under the same load (0 refused), and a policy
   * pushed while Redis serves takes `setsockopt` away from libredis: every one of it is refused from that push to
   * the next (the inferred policy again), none before or after, and Redis, which ignores a failed TCP_NODELAY or
   * keep-alive, serves the whole benchmark in between. On the first Unikraft 0.17 tree of UK_ROOTS. (Refusing
   * `accept` instead makes Redis spin on its readable listener; with Unikraft's cooperative scheduler, ukhook's
   * control thread then never runs and the next push gets no answer: docs/policy.md.)
   */
  @Test
  void anInferredPolicyHoldsUnderLoadAndAPushedDenialIsEnforcedWhileItServes() throws Exception {
    assumeTrue(missing() == null, missing());
    Path tree = SyscallMixIT.tree("UK_SUBVERSION = 17");
    assumeTrue(tree != null, "SKIPPED: UK_ROOTS has no Unikraft 0.17 tree");
    Path app = app(tree, "redis-policy");
    try {
      Run traced = SyscallMixIT.ukhook(traceArgs(app, tree, BENCHMARK, false).toArray(String[]::new));
      assertEquals(ExitCode.OK, traced.exitCode(), traced.err());
      String plain = Files.readString(SyscallMixIT.lastRun(app).resolve("load.log"));
      Path inferred = tmp.resolve("redis.yaml");
      Run infer = SyscallMixIT.ukhook("policy", "infer", SyscallMixIT.lastRun(app).toString(), "-o",
          inferred.toString());
      assertEquals(ExitCode.OK, infer.exitCode(), infer.err());
      String policy = Files.readString(inferred);
      int libredis = policy.indexOf("  libredis:\n    allow:\n");
      Matcher accept = Pattern.compile("(?m)^      - accept +#[^\n]*\n").matcher(policy);
      assertTrue(libredis >= 0 && accept.find(libredis), policy);

      // The inferred policy, enforced under the same load: nothing refused, the load complete.
      Run held = SyscallMixIT.ukhook(traceArgs(app, tree, BENCHMARK, false, "--policy", inferred.toString())
          .toArray(String[]::new));
      assertEquals(ExitCode.OK, held.exitCode(), held.err());
      Path heldRun = SyscallMixIT.lastRun(app);
      String heldLoad = Files.readString(heldRun.resolve("load.log"));
      assertEquals(2, count(heldLoad, "requests per second"), heldLoad);
      JsonNode r = new ObjectMapper().readTree(heldRun.resolve("results.json").toFile());
      assertEquals(0, refused(r), r.toString());
      assertEquals(0, r.get("missing").asLong());
      System.err.println("[RedisIT] traced: " + throughput(plain) + "; with the inferred policy: "
          + throughput(heldLoad));

      // While it serves: a push that takes setsockopt away from libredis, a benchmark, the inferred policy again.
      Matcher setsockopt = Pattern.compile("(?m)^      - setsockopt +#[^\n]*\n").matcher(policy);
      assertTrue(setsockopt.find(libredis), policy);
      Path deny = Files.writeString(tmp.resolve("deny-setsockopt.yaml"), policy.substring(0, setsockopt.start())
          + policy.substring(setsockopt.end()));
      Path marks = Files.createDirectories(tmp.resolve("marks"));
      String wait = "i=0; while [ ! -e %s ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; ";
      String load = BENCHMARK + "; touch " + marks.resolve("served") + "; " + wait.formatted(marks.resolve("denied"))
          + BENCHMARK + "; touch " + marks.resolve("served2") + "; " + wait.formatted(marks.resolve("allowed"))
          + "redis-cli -p " + PORT + " ping";
      List<Path> before = runs(app);
      CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> SyscallMixIT.ukhook(
          traceArgs(app, tree, load, false, "--policy", inferred.toString()).toArray(String[]::new)));
      Path run = waitFor(running, marks.resolve("served"), () -> runs(app).stream()
          .filter(p -> !before.contains(p)).findFirst().orElse(null));
      Run push = SyscallMixIT.ukhook("policy", "push", run.toString(), deny.toString());
      assertEquals(ExitCode.OK, push.exitCode(), push.err());
      Files.writeString(marks.resolve("denied"), "");
      waitFor(running, marks.resolve("served2"), () -> run);
      push = SyscallMixIT.ukhook("policy", "push", run.toString(), inferred.toString());
      assertEquals(ExitCode.OK, push.exitCode(), push.err());
      Files.writeString(marks.resolve("allowed"), "");
      Run done = running.get();
      assertEquals(ExitCode.OK, done.exitCode(), done.err());

      String served = Files.readString(run.resolve("load.log"));
      assertEquals(4, count(served, "requests per second"), "Redis ignores a failed setsockopt: " + served);
      assertTrue(served.contains("PONG"), served);
      r = new ObjectMapper().readTree(run.resolve("results.json").toFile());
      assertEquals(0, r.get("dropped").asLong());
      assertEquals(0, r.get("missing").asLong());
      List<Long> pushes = new ArrayList<>();
      r.at("/filter/events").forEach(e -> pushes.add(e.get("seq").asLong()));
      assertEquals(3, pushes.size(), "the policy at boot and two pushes: " + r);
      // Between the pushes every setsockopt of libredis was refused, before and after them none.
      Run q = SyscallMixIT.ukhook("query", run.toString(), "--format", "csv", "SELECT count(*) FILTER (WHERE refused "
          + "AND seq > " + pushes.get(1) + " AND seq < " + pushes.get(2) + "), count(*) FILTER (WHERE NOT refused AND "
          + "seq > " + pushes.get(1) + " AND seq < " + pushes.get(2) + "), count(*) FILTER (WHERE refused) FROM calls "
          + "WHERE library = 'libredis' AND syscall = 'setsockopt'");
      assertEquals(ExitCode.OK, q.exitCode(), q.err());
      String[] n = q.out().strip().lines().reduce((a, b) -> b).orElseThrow().split(",");
      System.err.println("[RedisIT] setsockopt between the pushes: " + n[0] + " refused, " + n[1] + " ran");
      assertTrue(Long.parseLong(n[0]) >= 10, "the second benchmark's connections: " + q.out());
      assertEquals(0, Long.parseLong(n[1]), q.out());
      assertEquals(n[0], n[2], "nothing refused outside the denial: " + q.out());
      assertEquals(Long.parseLong(n[0]), refused(r), r.toString());
    } finally {
      SyscallMixIT.ukhook("restore", "--unikraft", tree.toString());
    }
  }

  /**
   * Issue 22, item 4: sequences inferred from two traced Redis runs (`policy infer --sequences`) admit a fresh run
   * under the same load with no call refused or logged. Then the test takes one transition into `setsockopt` out of
   * libredis's sequence: with `default: log` the guest marks exactly the setsockopt calls that followed that call in
   * their thread (the trace, read back, says which) while Redis serves the whole load; with `default: kill` it stops
   * Redis at the first of them. On the first Unikraft 0.17 tree of UK_ROOTS.
   */
  @Test
  void aSequencePolicyFromRedisRunsAdmitsAFreshRunAndCatchesATransitionItLacks() throws Exception {
    assumeTrue(missing() == null, missing());
    Path tree = SyscallMixIT.tree("UK_SUBVERSION = 17");
    assumeTrue(tree != null, "SKIPPED: UK_ROOTS has no Unikraft 0.17 tree");
    Path app = app(tree, "redis-sequences");
    try {
      List<String> infer = new ArrayList<>(List.of("policy", "infer", "--sequences"));
      for (int i = 0; i < 2; i++) {
        Run traced = unstalled(traceArgs(app, tree, BENCHMARK, false));
        assertEquals(ExitCode.OK, traced.exitCode(), traced.err());
        infer.add(SyscallMixIT.lastRun(app).toString());
      }
      Path inferred = tmp.resolve("redis-sequences.yaml");
      infer.addAll(List.of("-o", inferred.toString()));
      Run inferring = SyscallMixIT.ukhook(infer.toArray(String[]::new));
      assertEquals(ExitCode.OK, inferring.exitCode(), inferring.err());
      assertTrue(inferring.err().contains(" transitions in their sequences"), inferring.err());
      String policy = Files.readString(inferred);

      // 1. A fresh run under the same load: every call keeps its library's sequence.
      Run held = unstalled(traceArgs(app, tree, BENCHMARK, false, "--policy", inferred.toString()));
      assertEquals(ExitCode.OK, held.exitCode(), held.err());
      Path heldRun = SyscallMixIT.lastRun(app);
      assertEquals(2, count(Files.readString(heldRun.resolve("load.log")), "requests per second"));
      JsonNode r = new ObjectMapper().readTree(heldRun.resolve("results.json").toFile());
      assertEquals(0, refused(r), r.toString());
      assertEquals(0, r.at("/filter/logged").asLong(), r.toString());
      assertEquals(0, r.get("dropped").asLong());

      // 2. libredis's sequence without one transition into setsockopt, logged.
      int from = policy.indexOf("\n  libredis:\n");
      int to = policy.indexOf("\n  lib", from + 1);
      String libredis = policy.substring(from, to < 0 ? policy.length() : to);
      Matcher into = Pattern.compile("(?m)^        (\\w+): \\[([^\\]]*)\\]$").matcher(libredis);
      String prev = null;
      String line = null;
      while (prev == null && into.find()) {
        List<String> next = List.of(into.group(2).split(", "));
        if (next.contains("setsockopt") && !into.group(1).equals("setsockopt") && !into.group(1).equals("start")) {
          prev = into.group(1);
          line = into.group().replace(into.group(2), String.join(", ", next.stream()
              .filter(n -> !n.equals("setsockopt")).toList()));
          libredis = libredis.substring(0, into.start()) + line + libredis.substring(into.end());
        }
      }
      assertTrue(prev != null, "libredis's sequence has a transition into setsockopt: " + libredis);
      for (String action : List.of("log", "kill")) {
        String broken = policy.substring(0, from) + libredis.replace("      after:\n", "      default: " + action
            + "\n      after:\n") + (to < 0 ? "" : policy.substring(to));
        Path file = Files.writeString(tmp.resolve("redis-sequences-" + action + ".yaml"), broken);
        Run run = unstalled(traceArgs(app, tree, BENCHMARK, false, "--policy", file.toString()));
        Path dir = SyscallMixIT.lastRun(app);
        r = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        if (action.equals("kill")) {
          assertTrue(run.exitCode() != ExitCode.OK, run.err());
          String console = Files.readString(dir.resolve("console.log"));
          assertTrue(Pattern.compile("ukhook: policy: kill: libredis made setsockopt \\(54\\) from 0x[0-9a-f]+; "
              + "stopping").matcher(console).find(), console);
          assertEquals(1, r.at("/filter/killed").asLong(), r.toString());
          continue;
        }
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        assertEquals(2, count(Files.readString(dir.resolve("load.log")), "requests per second"));
        assertEquals(0, refused(r), r.toString());
        // Each call that ran, with the last call of its library in its thread before it (stubs and the end of the
        // program are no transitions): the logged ones are exactly libredis's setsockopt after prev.
        Run q = SyscallMixIT.ukhook("query", dir.toString(), "--format", "csv", "SELECT count(*) FILTER (WHERE "
            + "logged), count(*) FILTER (WHERE logged AND hit), count(*) FILTER (WHERE hit) FROM (SELECT (flags & 33) "
            + "= 32 AS logged, library = 'libredis' AND syscall = 'setsockopt' AND lag(syscall) OVER (PARTITION BY "
            + "thread, library ORDER BY seq) = '" + prev + "' AS hit FROM calls WHERE (flags & 1) = 0 AND path <> "
            + "'stub' AND syscall NOT IN ('exit', 'exit_group'))");
        assertEquals(ExitCode.OK, q.exitCode(), q.err());
        String[] n = q.out().strip().lines().reduce((a, b) -> b).orElseThrow().split(",");
        System.err.println("[RedisIT] " + prev + " -> setsockopt taken out of libredis's sequence: " + n[0]
            + " logged, " + n[2] + " such transitions in the trace");
        assertTrue(Long.parseLong(n[2]) >= 10, "each benchmark connection: " + q.out());
        assertEquals(n[2], n[0], "as many logged as the trace has such transitions: " + q.out());
        assertEquals(n[2], n[1], "and they are the logged ones: " + q.out());
        assertEquals(Long.parseLong(n[0]), r.at("/filter/logged").asLong(), r.toString());
      }
    } finally {
      SyscallMixIT.ukhook("restore", "--unikraft", tree.toString());
    }
  }

  /**
   * The run of {@code args}, once more if its guest stalled: Unikraft's virtio-net receive stall (docs/virtio-net-stall.md)
   * is not what a test of the filter tests. Said on stderr, never silent.
   */
  private static Run unstalled(List<String> args) {
    Run r = SyscallMixIT.ukhook(args.toArray(String[]::new));
    if (r.exitCode() != ExitCode.OK && r.err().contains("it stalled (see \"Servers\"")) {
      System.err.println("[RedisIT] the guest stalled on the network (docs/virtio-net-stall.md); running it again once");
      r = SyscallMixIT.ukhook(args.toArray(String[]::new));
    }
    return r;
  }

  /** "SET 4914.00, GET 4320.00" from redis-benchmark -q output. */
  private static String throughput(String load) {
    Matcher m = Pattern.compile("(SET|GET): ([0-9.]+) requests per second").matcher(load.replace('\r', '\n'));
    List<String> l = new ArrayList<>();
    while (m.find()) {
      l.add(m.group(1) + " " + m.group(2));
    }
    return String.join(", ", l) + " requests/s";
  }

  private static long refused(JsonNode results) {
    long n = 0;
    for (JsonNode lib : results.get("libraries")) {
      n += lib.get("refused").asLong();
    }
    return n;
  }

  private static int count(String text, String what) {
    return text.split(Pattern.quote(what), -1).length - 1;
  }

  private static List<Path> runs(Path app) {
    try (Stream<Path> s = Files.list(app.resolve(".ukhook/runs"))) {
      return s.toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /** Waits (up to 10 minutes) for {@code mark} to exist, then for {@code run} to give a run directory. */
  private static Path waitFor(CompletableFuture<Run> running, Path mark, Supplier<Path> run) throws Exception {
    for (int i = 0; i < 1200; i++) {
      if (running.isDone()) {
        throw new AssertionError("the run ended before " + mark.getFileName() + ": " + running.get().err());
      }
      Path p = Files.exists(mark) ? run.get() : null;
      if (p != null && Files.exists(p.resolve("policy.sock"))) {
        return p;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no " + mark.getFileName() + " after 10 minutes");
  }
}
