package dev.ukhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.cli.ExitCode;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.host.PolicyPush;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filtering on a real Unikraft tree, as a user would do it (docs/policy.md): infer a policy from a traced run of
 * examples/syscall-mix and run with it; take one call away from one library and only that library gets the
 * errno; kill; log; phases by the program's mark and by a rule; a policy pushed while the image runs; a
 * filter-only image; and a native call of a musl program refused. These use the first tree of UK_ROOTS (0.17.0
 * when given); one library's refused call is checked on every tree. `ukhook restore` leaves each as it was.
 */
class PolicyIT {
  @TempDir Path tmp;

  static Path tree() {
    Path t = SyscallMixIT.tree("UK_SUBVERSION = 17");
    return t != null ? t : SyscallMixIT.trees().stream().findFirst().orElse(null);
  }

  static void assumeTree() {
    assumeTrue(tree() != null, SyscallMixIT.NO_TREE);
    assumeTrue(SyscallMixIT.onPath("qemu-system-x86_64"), "SKIPPED: qemu-system-x86_64 is not installed");
  }

  /** libsmnet's socket calls in the inferred policy, in the program's second phase (after its mark). */
  static final String INFERRED_SOCKET = "        - socket   # 3 calls, all failed\n";

  @Test
  void syscallMixIsHeldToItsPolicy() throws Exception {
    assumeTree();
    Path tree = tree();
    Path app = tmp.resolve("syscall-mix");
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/syscall-mix"), app);
    String before = Files.readString(tree.resolve("lib/syscall_shim/uk_syscall_binary.c"));
    try {
      // 1. Trace, infer, and run with the inferred policy: nothing is refused, the program behaves as before.
      Run traced = ukhook("trace", app.toString(), "--unikraft", tree.toString(), "--timeout", "120");
      assertEquals(ExitCode.OK, traced.exitCode(), traced.err());
      String plainConsole = console(app);
      Path inferred = tmp.resolve("inferred.yaml");
      Run infer = ukhook("policy", "infer", SyscallMixIT.lastRun(app).toString(), "-o", inferred.toString());
      assertEquals(ExitCode.OK, infer.exitCode(), infer.err());
      String policy = Files.readString(inferred);
      assertTrue(policy.contains(INFERRED_SOCKET), policy);
      assertTrue(policy.contains("phases: [phase0, phase1]\n"), "the program's mark splits the run: " + policy);
      JsonNode r = trace(app, tree, inferred, ExitCode.OK);
      assertEquals(0, refused(r), r.toString());
      assertEquals(programLines(plainConsole), programLines(console(app)));

      // 2. libsmnet may no longer call socket: it gets EPERM (-1); the others are unaffected.
      Path noSocket = write("no-socket.yaml", policy.replace(INFERRED_SOCKET, ""));
      r = trace(app, tree, noSocket, ExitCode.OK);
      String console = console(app);
      assertTrue(console.contains("libsmnet: socket -1 -1 -1, getppid -38 -38"), console);
      assertTrue(console.contains("appsyscallmix: getpid -38 -38 -38 -38, sched_yield 0 0"), console);
      assertTrue(console.contains("libsmstore: getuid -38 -38 -38 -38 -38, uname -38 -38"), console);
      assertEquals(3, r.at("/libraries/libsmnet/refused").asLong());
      assertEquals(3, refused(r), "only libsmnet's socket calls: " + r);

      // 3. kill: the guest stops at libsmnet's first socket, with one console line and a record flagged killed.
      Path kill = write("kill.yaml", policy.replace(INFERRED_SOCKET, "").replace("  libsmnet:\n",
          "  libsmnet:\n    default: kill\n"));
      r = trace(app, tree, kill, ExitCode.FAILURE);
      console = console(app);
      assertTrue(Pattern.compile("ukhook: policy: kill: libsmnet made socket \\(41\\) from 0x[0-9a-f]+; stopping")
          .matcher(console).find(), console);
      assertTrue(!console.contains("libsmnet: socket"), "nothing of libsmnet's runs after the kill: " + console);
      assertEquals(1, r.at("/filter/killed").asLong());
      assertEquals(1, r.at("/libraries/libsmnet/syscalls/socket").asLong());
      assertTrue(r.at("/final_record").asBoolean(), "the trace ends with its final record");

      // 4. log: the calls run, and are marked.
      Path log = write("log.yaml", policy.replace(INFERRED_SOCKET, "").replace("  libsmnet:\n",
          "  libsmnet:\n    default: log\n"));
      r = trace(app, tree, log, ExitCode.OK);
      assertTrue(console(app).contains("libsmnet: socket -38 -38 -38"), console(app));
      assertEquals(3, r.at("/filter/logged").asLong());
      assertEquals(0, refused(r));

      // 5. Phases: the program marks "work" after its getpid calls; sched_yield is allowed only in start-up.
      String phases = """
          version: 1
          default: deny
          errno: EACCES
          phases: [startup, work]
          transparent: [libnolibc, libsmsys, libsyscall_shim]
          libraries:
            appsyscallmix:
              allow:
                startup: [getpid, sched_yield]
                work: [getpid]
            libsmnet:
              allow: [socket, getppid]
            libsmstore:
              allow: [getuid, uname]
          """;
      r = trace(app, tree, write("phases.yaml", phases), ExitCode.OK);
      assertTrue(console(app).contains("appsyscallmix: getpid -38 -38 -38 -38, sched_yield -13 -13"), console(app));
      assertEquals(List.of("policy", "mark"), events(r));
      // The same calls pass when the mark is the only difference: allowed in "work" instead.
      String work = phases.replace("work: [getpid]", "work: [sched_yield]");
      r = trace(app, tree, write("phases-work.yaml", work), ExitCode.OK);
      assertTrue(console(app).contains("appsyscallmix: getpid -38 -38 -38 -38, sched_yield 0 0"), console(app));

      // 6. A rule: the first getpid's return (-38, so success: false) switches to "work", where getpid is refused.
      String rule = work.replace("transparent:", "switch:\n  - {from: startup, to: work, after: getpid, "
          + "success: false}\ntransparent:");
      r = trace(app, tree, write("rule.yaml", rule), ExitCode.OK);
      assertTrue(console(app).contains("appsyscallmix: getpid -38 -13 -13 -13, sched_yield 0 0"), console(app));
      assertEquals(List.of("policy", "rule", "mark"), events(r));

      // 7. A filter-only image records only what the policy refused, and the filter's events.
      r = trace(app, tree, noSocket, ExitCode.OK, "--no-trace");
      assertEquals(3 + 2, r.at("/records").asLong(), "3 refused socket calls, the policy and the mark: " + r);
      assertEquals(List.of("libsmnet"), iterable(r.at("/libraries").fieldNames()));
      assertTrue(console(app).contains("libsmnet: socket -1 -1 -1"), console(app));

      // 7b. A counting image with the same policies: one charge in the guest decides the call and names its cell.
      r = trace(app, tree, noSocket, ExitCode.OK, "--mode", "count");
      assertEquals("count", r.get("mode").asText(), r.toString());
      assertTrue(console(app).contains("libsmnet: socket -1 -1 -1"), console(app));
      assertEquals(3, r.at("/libraries/libsmnet/refused").asLong(), r.toString());
      assertEquals(3, refused(r), "only libsmnet's socket calls: " + r);
      assertEquals(5, r.at("/libraries/libsmstore/syscalls/getuid").asLong(), "charged through libsmsys: " + r);
      r = trace(app, tree, write("rule-count.yaml", rule), ExitCode.OK, "--mode", "count");
      assertTrue(console(app).contains("appsyscallmix: getpid -38 -13 -13 -13, sched_yield 0 0"), console(app));
      assertEquals(3, r.at("/libraries/appsyscallmix/refused").asLong(), "the rule switched phases in the guest: " + r);

      // 8. A push while the image runs: socket passes from then on; a damaged policy is refused, the old stays.
      pushWhileRunning(app, tree, noSocket, inferred);
    } finally {
      Run restore = ukhook("restore", "--unikraft", tree.toString());
      assertEquals(ExitCode.OK, restore.exitCode(), restore.err());
      if (!before.contains("ukhook-begin")) {
        assertEquals(before, Files.readString(tree.resolve("lib/syscall_shim/uk_syscall_binary.c")));
      }
    }
  }

  /** A trace of syscall-mix's 4000 rounds, started with {@code options}, once it is into its rounds. */
  private record Rounds(CompletableFuture<Run> running, Path run) {}

  private static Rounds startRounds(Path app, Path tree, String... options) throws Exception {
    Path runs = app.resolve(".ukhook/runs");
    List<Path> old = new ArrayList<>();
    if (Files.isDirectory(runs)) {
      try (var s = Files.list(runs)) {
        old.addAll(s.toList());
      }
    }
    List<String> args = new ArrayList<>(List.of("trace", app.toString(), "--unikraft", tree.toString()));
    args.addAll(List.of(options));
    args.addAll(List.of("--timeout", "300", "--", "4000"));
    CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> ukhook(args.toArray(String[]::new)));
    Path run = null;
    for (int i = 0; i < 600 && run == null; i++) {
      Thread.sleep(500);
      if (Files.isDirectory(runs)) {
        try (var s = Files.list(runs)) {
          run = s.filter(p -> !old.contains(p) && Files.exists(p.resolve("policy.sock"))).findFirst().orElse(null);
        }
      }
      assertTrue(!running.isDone(), () -> "the run ended before a push: " + running.join().err());
    }
    assertTrue(run != null, "no run directory with a push socket appeared");
    Thread.sleep(3000); // into the rounds
    return new Rounds(running, run);
  }

  /** libsmnet's socket results as they changed: "RESULT@ROUND". */
  private static List<String> socketChanges(Path run) throws Exception {
    String console = Files.readString(run.resolve("console.log"));
    Matcher m = Pattern.compile("libsmnet: round (\\d+): socket (-?\\d+)").matcher(console);
    List<String> changes = new ArrayList<>();
    while (m.find()) {
      changes.add(m.group(2) + "@" + m.group(1));
    }
    assertEquals(2, changes.size(), console);
    return changes;
  }

  private void pushWhileRunning(Path app, Path tree, Path start, Path pushed) throws Exception {
    Rounds rounds = startRounds(app, tree, "--policy", start.toString());
    CompletableFuture<Run> running = rounds.running();
    Path run = rounds.run();

    byte[] damaged = Files.readAllBytes(run.resolve("policy.bin"));
    damaged[PolicyLayout.Policy.BITMAPS.offset()] ^= 1;
    JsonNode json = new ObjectMapper().readTree(run.resolve("run.json").toFile());
    String refused = PolicyPush.push(Path.of(json.get("policy_socket").asText()), damaged);
    assertTrue(refused.startsWith("refused by the guest: damaged (checksum)"), refused);

    Run push = ukhook("policy", "push", run.toString(), pushed.toString());
    assertEquals(ExitCode.OK, push.exitCode(), push.err());
    assertTrue(push.out().contains("in force from record #"), push.out());
    Run done = running.get();
    assertEquals(ExitCode.OK, done.exitCode(), done.err());

    List<String> changes = socketChanges(run);
    assertTrue(changes.get(0).equals("-1@0") && changes.get(1).startsWith("-38@"), changes.toString());
    int switchedAt = Integer.parseInt(changes.get(1).substring(4));
    assertTrue(switchedAt > 0 && switchedAt < 4000, changes.toString());
    JsonNode r = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(List.of("policy", "mark", "refused", "policy"), events(r));
    assertEquals(switchedAt, r.at("/libraries/libsmnet/refused").asLong() - 3,
        "every round before the push was refused, none after");
  }

  /** The narrowed policy of step 2, written by hand, on every tree of UK_ROOTS (0.16.x, 0.17.0, main). */
  @TestFactory
  Stream<DynamicTest> oneLibrarysCallIsRefusedOnEveryTree() {
    if (!SyscallMixIT.onPath("qemu-system-x86_64")) {
      return Stream.empty();
    }
    return SyscallMixIT.trees().stream().map(t -> DynamicTest.dynamicTest(t.toString(), () -> {
      Path app = tmp.resolve("syscall-mix-" + t.getFileName());
      SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/syscall-mix"), app);
      Path policy = write("no-socket-" + t.getFileName() + ".yaml", """
          version: 1
          default: deny
          transparent: [libnolibc, libsmsys, libsyscall_shim]
          libraries:
            appsyscallmix:
              allow: [getpid, sched_yield]
            libsmnet:
              allow: [getppid]
            libsmstore:
              allow: [getuid, uname]
          """);
      try {
        JsonNode r = trace(app, t, policy, ExitCode.OK);
        String console = console(app);
        assertTrue(console.contains("libsmnet: socket -1 -1 -1, getppid -38 -38"), console);
        assertTrue(console.contains("appsyscallmix: getpid -38 -38 -38 -38, sched_yield 0 0"), console);
        assertEquals(3, refused(r), r.toString());
        assertEquals(3, r.at("/libraries/libsmnet/refused").asLong());
      } finally {
        assertEquals(ExitCode.OK, ukhook("restore", "--unikraft", t.toString()).exitCode());
      }
    }));
  }

  @Test
  void aMuslProgramsNativeCallIsRefused() throws Exception {
    Path tree = tree();
    Path app = muslFiles();
    try {
      Run traced = ukhook("trace", app.toString(), "--unikraft", tree.toString(), "-M", "128", "--timeout", "120");
      assertEquals(ExitCode.OK, traced.exitCode(), traced.err());
      Path inferred = tmp.resolve("musl.yaml");
      Run infer = ukhook("policy", "infer", SyscallMixIT.lastRun(app).toString(), "-o", inferred.toString());
      assertEquals(ExitCode.OK, infer.exitCode(), infer.err());
      String policy = Files.readString(inferred);
      Path noGetppid = write("musl-no-getppid.yaml", policy.lines().filter(l -> !l.contains("- getppid"))
          .collect(Collectors.joining("\n", "", "\n")));
      Run r = ukhook("trace", app.toString(), "--unikraft", tree.toString(), "-M", "128", "--timeout", "120",
          "--policy", noGetppid.toString());
      String console = console(app);
      assertEquals(3, count(console, "musl-files: syscall(SYS_getppid): Operation not permitted"), console + r.err());
      JsonNode results = new ObjectMapper().readTree(SyscallMixIT.lastRun(app).resolve("results.json").toFile());
      assertEquals(3, results.at("/libraries/appmuslfiles/refused").asLong(), results.toString());
      assertEquals(3, refused(results), "only the program's getppid: " + results);
      assertEquals(3, results.at("/libraries/appmuslfiles/paths/getppid/native_errno").asLong());
    } finally {
      assertEquals(ExitCode.OK, ukhook("restore", "--unikraft", tree.toString()).exitCode());
    }
  }

  /**
   * Fault injection (docs/policy.md): the third open of musl-files fails with EACCES, the program says so, the
   * report counts one injected call and no refused one; then, on syscall-mix, a push changes the rules while it runs.
   */
  @Test
  void theThirdOpenFailsByInjectionAndAPushChangesTheRules() throws Exception {
    Path tree = tree();
    Path app = muslFiles();
    try {
      Run r = ukhook("trace", app.toString(), "--unikraft", tree.toString(), "-M", "128", "--timeout", "120",
          "--inject", "open:error=EACCES:when=3");
      String console = console(app);
      assertEquals(1, count(console, "musl-files: open "), console);
      assertTrue(console.contains("musl-files: open /musl-files.tmp (round 3): Permission denied"), console);
      assertTrue(console.contains("musl-files: FAILED"), console);
      Path run = SyscallMixIT.lastRun(app);
      JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
      assertEquals(1, results.at("/filter/injected").asLong(), results.toString());
      assertEquals(0, refused(results), results.toString());
      assertEquals(10, results.at("/libraries/appmuslfiles/syscalls/open").asLong(), "an injected call is a call");
      Run calls = ukhook("report", run.toString(), "--calls");
      assertEquals(ExitCode.OK, calls.exitCode(), calls.err());
      List<String> injected = calls.out().lines().filter(l -> l.contains("(INJECTED)")).toList();
      assertEquals(1, injected.size(), calls.out());
      assertTrue(injected.get(0).contains("open(") && injected.get(0).contains("= -1 EACCES"), injected.get(0));
      assertTrue(r.out().contains("filter: 0 refused (0 killed), 0 logged, 1 injected"), r.out());
    } finally {
      assertEquals(ExitCode.OK, ukhook("restore", "--unikraft", tree.toString()).exitCode());
    }

    // While it runs: every socket of syscall-mix fails with EPERM, then a push makes them fail with EACCES.
    Path mix = tmp.resolve("syscall-mix");
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/syscall-mix"), mix);
    try {
      Rounds rounds = startRounds(mix, tree, "--inject", "socket:error=EPERM");
      Path run = rounds.run();
      Run push = ukhook("policy", "push", run.toString(), "--inject", "socket:error=EACCES");
      assertEquals(ExitCode.OK, push.exitCode(), push.err());
      Run done = rounds.running().get();
      assertEquals(ExitCode.OK, done.exitCode(), done.err());
      List<String> changes = socketChanges(run);
      assertTrue(changes.get(0).equals("-1@0") && changes.get(1).startsWith("-13@"), changes.toString());
      JsonNode r = new ObjectMapper().readTree(run.resolve("results.json").toFile());
      assertEquals(r.at("/libraries/libsmnet/syscalls/socket").asLong(), r.at("/filter/injected").asLong(),
          "every socket was injected, before and after the push: " + r);
      assertEquals(0, refused(r), r.toString());
      assertEquals(List.of("policy", "mark", "policy"), events(r));
    } finally {
      assertEquals(ExitCode.OK, ukhook("restore", "--unikraft", tree.toString()).exitCode());
    }
  }

  /** A copy of examples/musl-files, when a tree, QEMU and the libraries are given (else the test is skipped). */
  private Path muslFiles() throws Exception {
    assumeTree();
    assumeTrue(MuslAppsIT.librariesGiven(), MuslAppsIT.NO_LIBS);
    Path app = tmp.resolve("musl-files");
    SyscallMixIT.copyExample(SyscallMixIT.home().resolve("examples/musl-files"), app);
    return app;
  }

  private JsonNode trace(Path app, Path tree, Path policy, int exit, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("trace", app.toString(), "--unikraft", tree.toString(),
        "--timeout", "120", "--policy", policy.toString()));
    args.addAll(List.of(more));
    Run r = ukhook(args.toArray(String[]::new));
    assertEquals(exit, r.exitCode(), () -> policy + ":\n" + r.out() + r.err());
    return new ObjectMapper().readTree(SyscallMixIT.lastRun(app).resolve("results.json").toFile());
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  private static String console(Path app) throws Exception {
    return Files.readString(SyscallMixIT.lastRun(app).resolve("console.log"));
  }

  private static List<String> programLines(String console) {
    return console.lines().filter(l -> l.matches("^(appsyscallmix|libsmnet|libsmstore|syscall-mix): .*")).toList();
  }

  private static long refused(JsonNode results) {
    long n = 0;
    for (JsonNode lib : results.get("libraries")) {
      n += lib.get("refused").asLong();
    }
    return n;
  }

  private static List<String> events(JsonNode results) {
    List<String> e = new ArrayList<>();
    results.at("/filter/events").forEach(n -> e.add(n.get("event").asText()));
    return e;
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static Run ukhook(String... args) {
    return SyscallMixIT.ukhook(args);
  }
}
