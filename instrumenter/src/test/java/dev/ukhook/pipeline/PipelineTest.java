package dev.ukhook.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.CpioArchive;
import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.Unwritable;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.host.Accel;
import dev.ukhook.host.AccelChoice;
import dev.ukhook.host.Initrd;
import dev.ukhook.host.UserNet;
import dev.ukhook.pipeline.Fakes.BufferOutput;
import dev.ukhook.pipeline.Fakes.FakeMake;
import dev.ukhook.pipeline.Fakes.FakeQemu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipeline's decisions, with a fake make and a fake QEMU: no Unikraft tree needed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineTest extends AppOnTreeTest {
  static final AccelChoice TCG = new AccelChoice(Accel.TCG, "TCG requested with --accel tcg");

  final BufferOutput out = new BufferOutput();
  final FakeMake make = new FakeMake();
  final FakeQemu qemu = new FakeQemu();
  final Steps steps = Fakes.steps(out, make, qemu);

  Instrumenter.Options instrumentOptions(Path tree, int frames) {
    return new Instrumenter.Options(tree, app, List.of(), List.of(), TCG, frames, 4096, 512, Overflow.BLOCK);
  }

  Instrumenter.Result instrument(int frames) {
    return steps.instrumenter().instrument(instrumentOptions(uk, frames));
  }

  static Runner.Options runOptions(int memory, Duration timeout) {
    return new Runner.Options(TCG, memory, timeout, false, "qemu-system-x86_64", List.of(), List.of());
  }

  AppSpec appSpec() {
    return AppSpec.load(app, List.of());
  }

  @Test
  void traceMakesTheTableAndARunDirectory() throws IOException {
    String original = Files.readString(handler);
    Runner.Outcome o = steps.tracer().trace(instrumentOptions(uk, 4), Builder.Options.DEFAULT,
        runOptions(64, Duration.ofSeconds(300)));

    String imageId = Files.readString(app.resolve(".ukhook/build/image-id")).strip();
    assertEquals(List.of(), o.problems());
    assertEquals(Fakes.table(imageId), out.data.toString());
    Path run = app.resolve(".ukhook/runs/" + Fakes.RUN_DIR);
    assertEquals(run, o.runDir());
    try (Stream<Path> files = Files.list(run)) {
      assertEquals(List.of("console.log", "image-id", "libtable.bin", "link.map", "qemu.log", "report.html", "results.json",
          "run.json", "table.txt", "trace.ukt"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals(imageId + "\n", Files.readString(run.resolve("image-id")));
    assertEquals(Fakes.table(imageId), Files.readString(run.resolve("table.txt")));
    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertEquals(3, results.get("records").asLong());
    assertEquals(0, results.get("missing").asLong());
    assertEquals(2, results.at("/libraries/apphello/syscalls/write").asLong());
    JsonNode runJson = new ObjectMapper().readTree(run.resolve("run.json").toFile());
    assertEquals(imageId, runJson.get("image_id").asText());
    assertEquals("tcg", runJson.get("accel").asText());
    List<String> qemuArgs = new ArrayList<>();
    runJson.get("qemu").forEach(a -> qemuArgs.add(a.asText()));
    assertEquals(qemu.boots.get(0).toArgs(), qemuArgs);
    assertTrue(runJson.get("initrd").isNull() && runJson.get("rootfs").isNull(), runJson.toString());

    // make ran twice: defconfig in a staging directory, then the build with a link map.
    assertEquals(2, make.calls.size());
    assertTrue(make.calls.get(0).contains("defconfig"));
    assertTrue(make.calls.get(1).contains("UK_LDFLAGS=-Wl,-Map=" + app.resolve(".ukhook/build/link.map")));
    assertEquals(Duration.ofSeconds(300), qemu.timeouts.get(0));
    assertTrue(Files.readString(handler).contains("ukhook-begin"));
    assertNotEquals(original, Files.readString(handler));
    assertTrue(out.lines.stream().anyMatch(l -> l.startsWith("booting app_qemu-x86_64 (tcg: TCG requested")),
        out.lines.toString());
    assertEquals("results in " + run + " (table.txt, results.json, report.html, trace.ukt, console.log, qemu.log)",
        out.lines.get(out.lines.size() - 2));
    assertTrue(Files.readString(run.resolve("report.html")).contains("<section id=\"heatmap\""));
    assertFalse(Files.exists(run.resolve("ukhook.sock")), "the socket is gone once the guest connected");
  }

  @Test
  void reinstrumentingKeepsTheImageIdAndChangesNothing() throws IOException {
    Instrumenter.Result first = instrument(4);
    String patched = Files.readString(handler);
    Instrumenter.Result second = instrument(4);

    assertEquals(first.state().imageId(), second.state().imageId());
    assertTrue(first.treeChanged());
    assertFalse(second.treeChanged());
    assertEquals(patched, Files.readString(handler));
    assertTrue(out.lines.stream().anyMatch(l -> l.endsWith("(profile 0.17, hook points binary, native, process; fixes none): already patched, unchanged")), out.lines.toString());
  }

  @Test
  void hookPointsCanBeChosenAndAChoiceTheProfileLacksIsRefused() throws IOException {
    Path header = uk.resolve("lib/syscall_shim/include/uk/syscall.h");
    String headerBefore = Files.readString(header);
    Instrumenter.Result all = instrument(4);
    assertTrue(Files.readString(header).contains("ukhook-begin native/"));
    Instrumenter.Result binary = steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(),
        List.of(), TCG, 4, 4096, 512, Overflow.BLOCK, List.of("binary")));
    assertEquals(List.of("binary"), binary.state().hookPoints());
    assertEquals(headerBefore, Files.readString(header), "the native hook point is taken out again");
    assertTrue(Files.readString(handler).contains("ukhook-begin binary/"));
    assertFalse(all.state().imageId().equals(binary.state().imageId()), "another image");
    assertTrue(Files.readString(app.resolve(".ukhook/libukhook/include/ukhook/stream.h"))
        .contains(".hook_points = UKHOOK_HOOK_BINARY,"));
    steps.builder().build(appSpec());

    UkhookException e = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(
        new Instrumenter.Options(uk, app, List.of(), List.of(), TCG, 4, 4096, 512, Overflow.BLOCK, List.of("bogus"))));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("--hook-points: Unikraft 0.17 has no hook point `bogus`; its hook points are binary, native, process",
        e.getMessage());
  }

  @Test
  void aChangedHookOptionGetsANewImageId() {
    String first = instrument(4).state().imageId();
    String second = instrument(8).state().imageId();
    assertNotEquals(first, second);
  }

  @Test
  void runWithoutABuildSaysToBuildFirstAndMakesNoRunDirectory() {
    instrument(4);
    UkhookException e = assertThrows(UkhookException.class,
        () -> steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("no image in " + app.resolve(".ukhook/build") + ": run `ukhook build " + app + "` first",
        e.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook/runs")));
    assertTrue(qemu.boots.isEmpty());
  }

  @Test
  void injectingIntoAnImageThatDoesNotFilterIsRefusedBeforeItBoots() {
    instrument(4);
    steps.builder().build(appSpec());
    UkhookException e = assertThrows(UkhookException.class, () -> steps.runner().run(appSpec(),
        runOptions(64, Duration.ZERO).withInject(List.of("getpid:error=EIO"))));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("the image of " + app + " does not filter, so it cannot inject: instrument it with --inject (or "
        + "--policy) and build it, or use `ukhook trace --inject`", e.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook/runs")));
    assertTrue(qemu.boots.isEmpty());
  }

  @Test
  void runOfAnImageBuiltBeforeTheLastInstrumentSaysToBuildAgain() {
    instrument(4);
    steps.builder().build(appSpec());
    String newId = instrument(8).state().imageId();
    UkhookException e = assertThrows(UkhookException.class,
        () -> steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)));
    assertEquals(Kind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("was built before the last `ukhook instrument` (image id " + newId
        + "): run `ukhook build " + app + "` first"), e.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook/runs")));
  }

  @Test
  void badRunOptionsAreRefusedBeforeAnythingIsCreated() {
    instrument(4);
    steps.builder().build(appSpec());
    UkhookException memory = assertThrows(UkhookException.class,
        () -> steps.runner().run(appSpec(), runOptions(0, Duration.ZERO)));
    assertEquals(Kind.USAGE, memory.kind());
    assertEquals("guest memory must be a positive number of MiB, not 0", memory.getMessage());
    UkhookException timeout = assertThrows(UkhookException.class, () -> runOptions(64, Duration.ofSeconds(-1)));
    assertEquals("--timeout must be 0 (no limit) or a positive number of seconds up to 315360000 (ten years), not -1",
        timeout.getMessage());
    UkhookException kernelArgs = assertThrows(UkhookException.class, () -> {
      make.configExtra = "CONFIG_LIBNOLIBC=y\n"; // no CONFIG_LIBUKLIBPARAM
      instrument(4);
      steps.builder().build(appSpec());
      steps.runner().run(appSpec(), new Runner.Options(TCG, 64, Duration.ZERO, false, "qemu", List.of("a=b"),
          List.of()));
    });
    assertTrue(kernelArgs.getMessage().startsWith("kernel arguments [a=b] need CONFIG_LIBUKLIBPARAM"));
    Load noStop = new Load(List.of(new UserNet.Forward("127.0.0.1", 1, 80)), "true", null, Duration.ZERO);
    UkhookException unstoppable = assertThrows(UkhookException.class, () -> steps.runner().run(appSpec(),
        new Runner.Options(TCG, 64, Duration.ZERO, false, "qemu", List.of(), List.of(), null, null, noStop)));
    assertEquals("the image has no scheduler (CONFIG_LIBUKSCHED), so ukhook cannot ask it to stop after the load; "
        + "give --stop COMMAND that makes the server exit", unstoppable.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook/runs")));
    assertTrue(qemu.boots.isEmpty());
  }

  @Test
  void aServerRunWithoutAStopCommandEndsByTheStopRequestWithTheFinalRecord() throws IOException {
    make.configExtra = "CONFIG_LIBNOLIBC=y\nCONFIG_LIBUKLIBPARAM=y\nCONFIG_LIBUKSCHED=y\n";
    instrument(4);
    steps.builder().build(appSpec());
    int port = qemu.serve();
    Load load = new Load(List.of(new UserNet.Forward("127.0.0.1", port, 80)), "echo served", null,
        Duration.ofSeconds(30));
    Runner.Outcome o = steps.runner().run(appSpec(), new Runner.Options(TCG, 64, Duration.ofSeconds(60), false,
        "qemu", List.of(), List.of(), null, null, load));

    assertEquals(List.of(), o.problems());
    assertTrue(o.collect().finalRecordPresent(), o.collect().summary());
    assertEquals(3, o.collect().recordsReceived());
    assertEquals(1, qemu.qemuForwardPorts.size());
    assertNotEquals(port, qemu.qemuForwardPorts.get(0), "QEMU forwards from a port of its own; ukhook's proxy has "
        + "the one asked for");
    assertTrue(out.lines.contains("asked the guest to stop after the load (a stop request on its trace port)"),
        out.lines.toString());
    assertTrue(out.data.toString().contains("$ echo served\nserved\n"), out.data.toString());
  }

  // Issue 18 defect 2: a guest that shut down with a control message unread reset the trace connection, and the
  // run failed with "Connection reset" and no table.txt, results.json or report.html beside a complete trace.
  @Test
  void aGuestThatShutsDownWithAControlMessageUnreadStillGetsItsResults() throws IOException {
    make.configExtra = "CONFIG_LIBNOLIBC=y\nCONFIG_LIBUKLIBPARAM=y\nCONFIG_LIBUKSCHED=y\n";
    instrument(4);
    steps.builder().build(appSpec());
    int port = qemu.serve();
    qemu.leavesStopRequestUnread = true;
    Load load = new Load(List.of(new UserNet.Forward("127.0.0.1", port, 80)), "echo served", null,
        Duration.ofSeconds(30));
    Runner.Outcome o = steps.runner().run(appSpec(), new Runner.Options(TCG, 64, Duration.ofSeconds(60), false,
        "qemu", List.of(), List.of(), null, null, load));

    assertEquals(List.of(), o.problems());
    assertEquals(3, o.collect().recordsReceived());
    assertTrue(o.collect().finalRecordPresent(), o.collect().summary());
    String imageId = Files.readString(app.resolve(".ukhook/build/image-id")).strip();
    assertTrue(out.data.toString().endsWith(Fakes.table(imageId)), out.data.toString());
    Path run = app.resolve(".ukhook/runs/" + Fakes.RUN_DIR);
    assertEquals(Fakes.table(imageId), Files.readString(run.resolve("table.txt")));
    assertTrue(Files.isRegularFile(run.resolve("results.json")));
    assertTrue(Files.isRegularFile(run.resolve("report.html")));
  }

  // Issue 18 defect 11: under umask 000 the run directory and its trace were world-readable. The umask cannot be
  // set from Java, so this checks that the runner sets the permissions itself: exactly these hold under any umask.
  @Test
  void theRunDirectoryAndItsFilesAreTheirOwnersOnly() throws IOException {
    instrument(4);
    steps.builder().build(appSpec());
    Path run = steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)).runDir();

    // The workspace too: whoever can write it can swap the image a run boots.
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(app.resolve(".ukhook"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    try (Stream<Path> files = Files.list(run)) {
      List<String> modes = files.sorted().map(f -> {
        try {
          return f.getFileName() + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
      assertEquals(List.of("console.log rw-------", "image-id rw-------", "libtable.bin rw-------", "link.map rw-------", "qemu.log rw-------",
          "report.html rw-------", "results.json rw-------", "run.json rw-------", "table.txt rw-------",
          "trace.ukt rw-------"), modes);
    }
  }

  // Issue 18, defect 5: a timeout killed QEMU without the stop request that Ctrl-C sends, so the records after the
  // guest's last batch and its final record were lost.
  @Test
  void aTimeoutAsksTheGuestToStopSoTheTraceKeepsItsFinalRecord() {
    instrument(4);
    steps.builder().build(appSpec());
    qemu.runsPastTimeout = true;

    Runner.Outcome o = steps.runner().run(appSpec(), runOptions(64, Duration.ofSeconds(5)));

    assertTrue(o.collect().finalRecordPresent(), o.collect().summary());
    assertEquals(3, o.collect().recordsReceived());
    assertEquals(0, o.collect().missing());
    assertTrue(o.qemu().timedOut());
    // Still a failure: the program did not end by itself within the timeout.
    assertEquals(List.of("the run timed out after 0.0 s; the guest shut down on ukhook's stop request; see "
        + o.runDir().resolve("qemu.log")), o.problems());
  }

  /** explore's guard against a program that spins on a failed call: its trace would fill the disk. */
  @Test
  void aGuestWhoseTracePassesMaxTraceIsStopped() throws IOException {
    instrument(4);
    steps.builder().build(appSpec());
    qemu.floods = true;

    Runner.Outcome o = steps.runner().run(appSpec(), runOptions(64, Duration.ZERO).withMaxTrace(1 << 20));

    assertTrue(qemu.stopped, "QEMU was stopped");
    long size = Files.size(o.runDir().resolve("trace.ukt"));
    assertTrue(size > (1 << 20) && size < (1L << 30), "cut soon after the limit: " + size);
    assertTrue(out.lines.stream().anyMatch(l -> l.matches("the trace reached \\d+ bytes, past --max-trace 1048576: "
        + "stopping the guest")), out.lines.toString());
    assertTrue(!o.problems().isEmpty(), "a cut run is a failure");
  }

  @Test
  void aGuestThatNeverConnectsIsAFailureWithoutAnEmptyTrace() {
    instrument(4);
    steps.builder().build(appSpec());
    qemu.connects = false;
    UkhookException e = assertThrows(UkhookException.class,
        () -> steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)));
    assertEquals(Kind.FAILURE, e.kind());
    Path run = app.resolve(".ukhook/runs/" + Fakes.RUN_DIR);
    assertEquals("the guest never connected to the trace port, so nothing was traced: guest shut down after 0.0 s; "
        + "the guest console is in " + run.resolve("console.log"), e.getMessage());
    assertFalse(Files.exists(run.resolve("trace.ukt")));
  }

  @Test
  void aFailedBuildNamesTheErrorsAndTheLog() {
    instrument(4);
    make.buildExit = 2;
    UkhookException e = assertThrows(UkhookException.class, () -> steps.builder().build(appSpec()));
    assertEquals(Kind.FAILURE, e.kind());
    assertEquals("the Unikraft build failed (exit 2); full log: " + app.resolve(".ukhook/build.log")
        + "\n  main.c:1:1: error: expected ';'", e.getMessage());
  }

  @Test
  void buildOfARestoredTreeSaysToInstrumentAgain() {
    instrument(4);
    assertTrue(Instrumenter.restore(uk, false).changed());
    UkhookException e = assertThrows(UkhookException.class, () -> steps.builder().build(appSpec()));
    assertEquals(Kind.USAGE, e.kind());
    assertTrue(e.getMessage().startsWith(uk + " is patched at hook points none (restored?), but this app was "
        + "instrumented for binary, native"), e.getMessage());
  }

  @Test
  void aWorkspaceFromAnOlderUkhookSaysToInstrumentAgain() throws IOException {
    instrument(4);
    Path state = app.resolve(".ukhook/instrument.json");
    Files.writeString(state, Files.readString(state).replaceAll(",\\s*\"hookPoints\"\\s*:\\s*\\[[^]]*]", ""));
    assertFalse(Files.readString(state).contains("hookPoints"));
    UkhookException e = assertThrows(UkhookException.class, () -> steps.builder().build(appSpec()));
    assertEquals(Kind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("but this app was instrumented for none recorded (by an older ukhook)"),
        e.getMessage());
  }

  // Another app switched the shared tree's hook points: this app's library no longer fits it.
  @Test
  void buildAfterAnotherAppChangedTheHookPointsSaysToInstrumentAgain() throws IOException {
    steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(), List.of(), TCG, 4, 4096, 512,
        Overflow.BLOCK, List.of("binary")));
    Path other = TestTrees.app(dir, "other");
    steps.instrumenter().instrument(new Instrumenter.Options(uk, other, List.of(), List.of(), TCG, 4, 4096, 512,
        Overflow.BLOCK));
    UkhookException e = assertThrows(UkhookException.class, () -> steps.builder().build(appSpec()));
    assertEquals(Kind.USAGE, e.kind());
    assertTrue(e.getMessage().startsWith(uk + " is patched at hook points binary, native, process, but this app was "
        + "instrumented for binary (another app instrumented the tree since?)"), e.getMessage());
  }

  @Test
  void twoRunsInTheSameSecondGetTwoDirectories() {
    instrument(4);
    steps.builder().build(appSpec());
    Path first = steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)).runDir();
    Path second = steps.runner().run(appSpec(), runOptions(64, Duration.ZERO)).runDir();
    assertEquals(Fakes.RUN_DIR, first.getFileName().toString());
    assertEquals(Fakes.RUN_DIR + "-1", second.getFileName().toString());
  }

  // Defect 12: instrumenting the same app against another tree used to leave the first tree patched silently.
  @Test
  void instrumentingAgainstAnotherTreeNamesTheOldOneAndHowToRestoreIt() throws IOException {
    instrument(4);
    Path other = TestTrees.tree017(dir, "uk-other");
    out.lines.clear();
    steps.instrumenter().instrument(instrumentOptions(other, 4));
    assertTrue(out.lines.contains("note: " + app + " was instrumented against " + uk + " before, and that tree "
        + "is still patched; if no other app needs it there, take the patch out with `ukhook restore --unikraft "
        + uk + "`"), out.lines.toString());
    assertTrue(Files.readString(other.resolve(TestTrees.HANDLER)).contains("ukhook-begin"));

    // Once the old tree is restored there is nothing to say.
    Instrumenter.restore(other, false);
    out.lines.clear();
    steps.instrumenter().instrument(instrumentOptions(uk, 4));
    assertTrue(out.lines.stream().noneMatch(l -> l.startsWith("note: " + app)), out.lines.toString());
  }

  // Defect 12: two instrument runs on the same app raced.
  @Test
  void instrumentWhileAnotherUkhookHoldsTheAppChangesNothing() throws IOException {
    String before = Files.readString(handler);
    try (WorkspaceLock held = WorkspaceLock.exclusive(Workspace.of(appSpec()))) {
      UkhookException e = assertThrows(UkhookException.class, () -> instrument(4));
      assertEquals(Kind.FAILURE, e.kind());
      assertEquals("another ukhook is working on " + app + ": a step on " + app + " (this process, pid "
          + ProcessHandle.current().pid() + "); wait for it to finish and try again; nothing was changed",
          e.getMessage());
    }
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(app.resolve(".ukhook/instrument.json")));
    assertTrue(make.calls.isEmpty());
  }

  // Defect 10: a path with a space passed instrument and broke the build.
  @Test
  void pathsWithASpaceAreRefusedBeforeAnythingChanges() throws IOException {
    Path spaced = TestTrees.app(dir, "my app");
    String before = Files.readString(handler);
    UkhookException e = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(
        new Instrumenter.Options(uk, spaced, List.of(), List.of(), TCG, 4, 4096, 512, Overflow.BLOCK)));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("the application directory " + spaced + " contains a space, which Unikraft's make cannot handle "
        + "(it splits its paths at spaces): move or link it to a path without one; nothing was changed",
        e.getMessage());
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(spaced.resolve(".ukhook")));
    assertTrue(make.calls.isEmpty());

    Path lib = TestTrees.app(dir, "lib dir");
    e = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(
        new Instrumenter.Options(uk, app, List.of(lib), List.of(), TCG, 4, 4096, 512, Overflow.BLOCK)));
    assertTrue(e.getMessage().startsWith("the microlibrary " + lib + " contains a space"), e.getMessage());

    Path spacedTree = TestTrees.tree017(dir, "uk tree");
    e = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(instrumentOptions(spacedTree, 4)));
    assertTrue(e.getMessage().startsWith("the Unikraft tree " + spacedTree + " contains a space"), e.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook")));
  }

  // Defect 12: a tree the user cannot write still got APP/.ukhook written, and the error named a temporary file.
  @Test
  void aTreeThatCannotBeWrittenIsRefusedBeforeTheWorkspaceIsWritten() throws Exception {
    Path shim = handler.getParent();
    String before = Files.readString(handler);
    try {
      assumeTrue(Unwritable.make(shim), Unwritable.SKIPPED);
      UkhookException e = assertThrows(UkhookException.class, () -> instrument(4));
      assertEquals(Kind.ENVIRONMENT, e.kind());
      assertTrue(e.getMessage().matches("cannot write " + Pattern.quote(handler.toString())
          + ": (permission denied|operation not permitted); ukhook patches this file, so the Unikraft tree must be "
          + "writable; nothing was changed"), e.getMessage());
      assertFalse(Files.exists(app.resolve(".ukhook")));
      assertTrue(make.calls.isEmpty());
    } finally {
      Unwritable.undo(shim);
    }
    assertEquals(before, Files.readString(handler));
  }

  @Test
  void hookOptionsAreCheckedFirst() {
    UkhookException e = assertThrows(UkhookException.class, () -> instrument(33));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("--frames must be between 0 and 32, got 33", e.getMessage());
    assertFalse(Files.exists(app.resolve(".ukhook")));
  }

  @Test
  void anInitrdDirectoryIsPackedIntoTheRunAndRecordedInRunJson() throws IOException {
    instrument(4);
    steps.builder().build(appSpec());
    Path rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.writeString(rootfs.resolve("bin/prog"), "an ELF program");

    Runner.Outcome o = steps.runner().run(appSpec(), new Runner.Options(TCG, 64, Duration.ZERO, false, "qemu",
        List.of(), List.of("/bin/prog", "arg1"), Initrd.of(rootfs), null));

    assertEquals(List.of(), o.problems());
    Path cpio = o.runDir().resolve("initrd.cpio");
    List<String> args = qemu.boots.get(0).toArgs();
    assertEquals(List.of("-cpu", "qemu64,+pdpe1gb"), args.subList(9, 11));
    assertEquals(cpio.toString(), args.get(args.indexOf("-initrd") + 1));
    assertEquals("-- /bin/prog arg1", args.get(args.indexOf("-append") + 1));
    assertEquals("an ELF program", new String(CpioArchive.read(cpio).file("/bin/prog").orElseThrow(),
        java.nio.charset.StandardCharsets.UTF_8));
    JsonNode runJson = new ObjectMapper().readTree(o.runDir().resolve("run.json").toFile());
    assertEquals(cpio.toString(), runJson.get("initrd").asText());
    assertEquals(rootfs.toString(), runJson.get("rootfs").asText());
    assertEquals("tcg", runJson.get("accel").asText(), "the other keys stay");
    assertTrue(out.lines.contains("note: using -cpu qemu64,+pdpe1gb for the initrd under TCG (app-elfloader's "
        + "paging needs 1 GiB pages, which TCG's default CPU lacks); --cpu MODEL chooses another"), out.lines.toString());
    assertTrue(out.lines.contains("packed 2 entries of " + rootfs + " into " + cpio), out.lines.toString());
  }

  /**
   * A compact record by default; an app-elfloader image keeps the walk, the arguments and the tails its programs'
   * attribution needs, and refuses options that leave a program's load no room in a record.
   */
  @Test
  void recordsAreCompactUnlessTheImageLoadsPrograms() throws IOException {
    Instrumenter.Result plain = steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(), List.of(),
        TCG, null, 4096, 512, Overflow.BLOCK));
    assertEquals(List.of(0, false), List.of(plain.state().frames(), plain.state().args()));
    assertTrue(out.lines.contains("note: records keep no walk, only the return address that decided the guest's charge"
        + ", no arguments; the charge reads up to 4 (--frames N and --args choose)"), out.lines.toString());

    make.configExtra = "CONFIG_LIBNOLIBC=y\nCONFIG_LIBUKLIBPARAM=y\nCONFIG_APPELFLOADER_DEPENDENCIES=y\n";
    Instrumenter.Result loader = steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(),
        List.of(), TCG, null, 4096, 512, Overflow.BLOCK));
    assertEquals(List.of(4, true, 64, 512), List.of(loader.state().frames(), loader.state().args(),
        loader.state().pathCopy(), loader.state().stackSnapshot()));

    UkhookException small = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(
        new Instrumenter.Options(uk, app, List.of(), List.of(), TCG, 0, 4096, 512, Overflow.BLOCK, List.of(), 0,
            0)));
    assertEquals("an app-elfloader image's records must hold a program's load (at least 96 bytes), and these are 88:"
        + " keep more --frames, --path-copy or --stack-snapshot", small.getMessage());
    assertEquals(4, InstrumentState.read(Workspace.of(appSpec())).frames(), "the refused options changed nothing");
  }

  /** An image with virtio-net carries the virtio-notify fix unless --fixes none; restore takes it out too. */
  @Test
  void aNetworkingImageCarriesTheVirtioFixUnlessToldNot() throws IOException {
    Path ring = uk.resolve("drivers/virtio/ring/virtio_ring.c");
    String original = Files.readString(ring);
    make.configExtra = "CONFIG_LIBNOLIBC=y\nCONFIG_LIBUKLIBPARAM=y\nCONFIG_LIBVIRTIO_NET=y\n";
    Instrumenter.Result net = instrument(4);
    assertEquals(List.of("virtio-notify"), net.state().fixes());
    assertEquals(List.of("binary", "native", "process"), net.state().hookPoints(), "a fix is no hook point");
    assertTrue(Files.readString(ring).contains("ukhook-begin virtio-notify/check"));
    assertTrue(out.lines.stream().anyMatch(l -> l.contains("(profile 0.17, hook points binary, native, process; "
        + "fixes virtio-notify): patched ") && l.contains(ring.toString())), out.lines.toString());
    steps.builder().build(appSpec()); // the tree carries what the app was instrumented for

    Instrumenter.Result none = steps.instrumenter().instrument(new Instrumenter.Options(uk, app, List.of(), List.of(),
        TCG, 4, 4096, 512, Overflow.BLOCK, List.of(), null, null, null, false, null, false, List.of()));
    assertEquals(List.of(), none.state().fixes());
    assertEquals(original, Files.readString(ring), "--fixes none takes the fix out again");

    instrument(4);
    assertTrue(Instrumenter.restore(uk, false).changed());
    assertEquals(original, Files.readString(ring));

    UkhookException bad = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(
        new Instrumenter.Options(uk, app, List.of(), List.of(), TCG, 4, 4096, 512, Overflow.BLOCK,
            List.of("virtio-notify"))));
    assertEquals("--hook-points: Unikraft 0.17 has no hook point `virtio-notify`; its hook points are binary, native, "
        + "process (`virtio-notify` is a fix: --fixes chooses it)", bad.getMessage());
    bad = assertThrows(UkhookException.class, () -> steps.instrumenter().instrument(new Instrumenter.Options(uk, app,
        List.of(), List.of(), TCG, 4, 4096, 512, Overflow.BLOCK, List.of(), null, null, null, false, null, false,
        List.of("virtio"))));
    assertEquals("--fixes: Unikraft 0.17 has no fix `virtio`; its fixes are virtio-notify (or `--fixes none`)",
        bad.getMessage());
    assertEquals(original, Files.readString(ring), "a refused name changes nothing");
  }

  @Test
  void anInitrdFileIsPassedAsItIsAndKvmKeepsTheHostCpu() throws IOException {
    instrument(4);
    steps.builder().build(appSpec());
    Path given = dir.resolve("given.cpio");
    Files.write(given, new CpioArchive(List.of(CpioArchive.Entry.file("prog", 0755, new byte[] {1}))).toBytes());
    AccelChoice kvm = new AccelChoice(Accel.KVM, "KVM requested with --accel kvm");

    Runner.Outcome o = steps.runner().run(appSpec(), new Runner.Options(kvm, 64, Duration.ZERO, false, "qemu",
        List.of(), List.of("/prog"), Initrd.of(given), null));

    List<String> args = qemu.boots.get(0).toArgs();
    assertEquals(List.of("-accel", "kvm", "-cpu", "host"), args.subList(7, 11));
    assertEquals(given.toString(), args.get(args.indexOf("-initrd") + 1));
    assertFalse(Files.exists(o.runDir().resolve("initrd.cpio")));
    JsonNode runJson = new ObjectMapper().readTree(o.runDir().resolve("run.json").toFile());
    assertEquals(given.toString(), runJson.get("initrd").asText());
    assertEquals(given.toString(), runJson.get("rootfs").asText());
    assertTrue(out.lines.stream().noneMatch(l -> l.startsWith("note: using -cpu")), out.lines.toString());

    steps.runner().run(appSpec(), new Runner.Options(TCG, 64, Duration.ZERO, false, "qemu", List.of(),
        List.of("/prog"), Initrd.of(given), "max"));
    assertEquals(List.of("-cpu", "max"), qemu.boots.get(1).toArgs().subList(9, 11));
    assertTrue(out.lines.stream().noneMatch(l -> l.startsWith("note: using -cpu")), "--cpu given: no note");
  }
}
