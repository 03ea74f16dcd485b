package dev.ukhook.cli;

import static dev.ukhook.cli.CliTest.ukhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.pipeline.AppOnTreeTest;
import dev.ukhook.pipeline.Fakes.FakeMake;
import dev.ukhook.pipeline.Fakes.FakeQemu;
import dev.ukhook.pipeline.Fakes;
import dev.ukhook.pipeline.Make;
import dev.ukhook.pipeline.Output;
import dev.ukhook.pipeline.Steps;
import dev.ukhook.unikraft.BuildResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The commands end to end with a fake make and a fake QEMU, and the defects of issue 6 (8 to 12). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliPipelineTest extends AppOnTreeTest {
  final FakeMake make = new FakeMake();
  final FakeQemu qemu = new FakeQemu();
  final Function<Output, Steps> fakes = out -> Fakes.steps(out, make, qemu);

  Run fake(String... args) {
    return ukhook(fakes, args);
  }

  @Test
  void tracePrintsTheTableOnStdoutAndExitsZero() throws IOException {
    Run r = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    String imageId = Files.readString(app.resolve(".ukhook/build/image-id")).strip();
    assertEquals(Fakes.table(imageId), r.out());
    r.err().lines().forEach(l -> assertTrue(l.startsWith("ukhook: "), l));
    assertTrue(r.err().contains("ukhook: guest shut down after"), r.err());
    Path run = app.resolve(".ukhook/runs/" + Fakes.RUN_DIR);
    assertTrue(r.err().endsWith("ukhook: results in " + run
        + " (table.txt, results.json, report.html, trace.ukt, console.log, qemu.log)\nukhook: next: `ukhook report "
        + run + "` for latencies, phases, call sequences and the security estimate\n"), r.err());
  }

  @Test
  void theStepsOneByOneSayWhatComesNext() {
    Run i = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, i.exitCode(), i.err());
    assertEquals("next: ukhook build " + app + "\n", i.out());
    Run b = fake("build", app.toString());
    assertEquals(ExitCode.OK, b.exitCode(), b.err());
    assertEquals("next: ukhook run " + app + "\n", b.out());
    Run r = fake("run", app.toString(), "--accel", "tcg", "--timeout", "7");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    assertEquals(java.time.Duration.ofSeconds(7), qemu.timeouts.get(0));
  }

  @Test
  void missingRecordsAreAFailure() {
    qemu.claimedTotal = 4;
    Run r = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg");
    assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
    assertTrue(r.err().contains("ukhook: 1 records missing: sent by the guest but never received"), r.err());
  }

  @Test
  void enumOptionsTakeAnyCase() throws IOException {
    Run r = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "TCG", "--overflow", "Drop");
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    var state = new ObjectMapper().readTree(app.resolve(".ukhook/instrument.json").toFile());
    assertEquals("drop", state.get("overflow").asText());
    assertEquals("tcg", state.get("accel").asText());
  }

  @Test
  void everySubcommandHasHelp() {
    for (String cmd : List.of("instrument", "build", "run", "trace", "collect", "report", "restore")) {
      Run r = ukhook(cmd, "--help");
      assertEquals(ExitCode.OK, r.exitCode(), cmd + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: ukhook " + cmd), r.out());
      assertEquals("", r.err());
    }
    assertTrue(ukhook("instrument", "--help").out().contains("--overflow=block|drop"));
  }

  // An exception that is not a UkhookException is a bug in ukhook: exit 4, one line, no stack trace.
  @Test
  void anUnexpectedExceptionIsAnInternalErrorNotAUsageError() {
    Make broken = new Make() {
      @Override
      public BuildResult run(List<String> args, Path logFile, boolean progress) {
        throw new IllegalArgumentException("a bug");
      }

      @Override
      public List<String> tools() {
        return List.of();
      }
    };
    Function<Output, Steps> wiring = out -> Fakes.steps(out, make, qemu).withMake(broken);
    Run r = ukhook(wiring, "instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.INTERNAL, r.exitCode());
    assertTrue(r.err().endsWith("\nukhook: internal error: java.lang.IllegalArgumentException: a bug (rerun with "
        + "--stacktrace and report it)\n"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    Run traced = ukhook(wiring, "instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg",
        "--stacktrace");
    assertTrue(traced.err().contains("\tat dev.ukhook."), traced.err());
  }

  // Defect 12: two instrument runs on the same app raced. The other ukhook here is another JVM.
  @Test
  void instrumentRefusesWhileAnotherProcessWorksOnTheApp() throws Exception {
    Path holder = Files.writeString(dir.resolve("LockHolder.java"), """
        import java.nio.channels.FileChannel;
        import java.nio.file.*;
        public class LockHolder {
          public static void main(String[] a) throws Exception {
            Files.createDirectories(Path.of(a[0]).getParent());
            try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE); var l = c.lock()) {
              System.out.println("locked");
              System.out.flush();
              System.in.read();
            }
          }
        }
        """);
    String before = Files.readString(handler);
    Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        holder.toString(), app.resolve(".ukhook/lock").toString()).start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(other.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertEquals("locked", lines.readLine());
      Run r = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertTrue(r.err().startsWith("ukhook: another ukhook is working on " + app + ": pid " + other.pid()
          + " (write lock): "), r.err());
      assertTrue(r.err().endsWith("; wait for it to finish and try again; nothing was changed\n"), r.err());
    } finally {
      other.getOutputStream().close();
      other.waitFor(20, TimeUnit.SECONDS);
    }
    assertEquals(before, Files.readString(handler));
    assertFalse(Files.exists(app.resolve(".ukhook/instrument.json")));
    Run after = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.OK, after.exitCode(), after.err());
  }

  @Test
  void runWithAnInitrdDirectoryGivesTheProgramItsArguments() throws IOException {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Files.writeString(rootfs.resolve("prog"), "an ELF program");
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    assertEquals(ExitCode.OK, fake("build", app.toString()).exitCode());

    Run r = fake("run", app.toString(), "--accel", "tcg", "--initrd", rootfs.toString(), "--", "/prog", "arg1");

    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    List<String> args = qemu.boots.get(0).toArgs();
    Path cpio = app.resolve(".ukhook/runs/" + Fakes.RUN_DIR + "/initrd.cpio");
    assertEquals(List.of("-initrd", cpio.toString()), args.subList(args.indexOf("-initrd"), args.indexOf("-initrd") + 2));
    assertEquals(List.of("-cpu", "qemu64,+pdpe1gb"), args.subList(args.indexOf("-cpu"), args.indexOf("-cpu") + 2));
    assertEquals(List.of("-append", "-- /prog arg1"),
        args.subList(args.indexOf("-append"), args.indexOf("-append") + 2));
    assertTrue(r.err().contains("ukhook: note: using -cpu qemu64,+pdpe1gb for the initrd under TCG"), r.err());
  }

  /** Counting options that make no sense are refused with one line, before the tree or the workspace is touched. */
  @Test
  void badCountingOptionsAreRefusedBeforeTheTreeIsTouched() throws IOException {
    String before = Files.readString(handler);
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(List.of("--mode", "count", "--snapshot-every", "0"),
        "--snapshot-every must be between 100 and 3600000 milliseconds, got 0");
    cases.put(List.of("--mode", "count", "--snapshot-every", "-5"),
        "--snapshot-every must be between 100 and 3600000 milliseconds, got -5");
    cases.put(List.of("--mode", "count", "--snapshot-every", "99999999"),
        "--snapshot-every must be between 100 and 3600000 milliseconds, got 99999999");
    cases.put(List.of("--no-latency"), "--no-latency applies to a counting image: add --mode count");
    cases.put(List.of("--snapshot-every", "500"), "--snapshot-every applies to a counting image: add --mode count");
    cases.put(List.of("--mode", "count", "--no-trace"), "--no-trace makes an image that records only violations "
        + "and --mode count one that counts every call: choose one");
    cases.put(List.of("--mode", "count", "--args"), "--args keeps arguments in records, and a counting image (--mode"
        + " count) makes none: drop one of them");
    cases.put(List.of("--frames", "-1"), "--frames must be between 0 and 32, got -1");
    cases.put(List.of("--frames", "33"), "--frames must be between 0 and 32, got 33");
    cases.put(List.of("--fixes", "none,virtio-notify"), "--fixes takes auto, none, or the names of fixes, not a mix: "
        + "none,virtio-notify");
    cases.put(List.of("--fixes", "virtio-notfy"), "--fixes: Unikraft 0.17 has no fix `virtio-notfy`; its fixes are "
        + "virtio-notify (or `--fixes none`)");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      List<String> args = new ArrayList<>(List.of("trace", app.toString(), "--unikraft", uk.toString(), "--accel",
          "tcg"));
      args.addAll(c.getKey());
      Run t = fake(args.toArray(String[]::new));
      assertEquals(ExitCode.USAGE, t.exitCode(), c.getKey() + ": " + t.err());
      assertEquals("ukhook: " + c.getValue() + "\n", t.err(), c.getKey().toString());
    }
    Run t = fake("trace", app.toString(), "--unikraft", uk.toString(), "--mode", "counted");
    assertEquals(ExitCode.USAGE, t.exitCode(), t.err());
    assertTrue(t.err().contains("--mode"), t.err());
    assertTrue(make.calls.isEmpty(), "no build");
    assertEquals(before, Files.readString(handler), "the tree is not touched");
    assertFalse(Files.exists(app.resolve(".ukhook/instrument.json")));
  }

  @Test
  void aBadPolicyIsRefusedBeforeTheTreeIsTouched() throws IOException {
    String before = Files.readString(handler);
    Run t = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg", "--no-trace");
    assertEquals(ExitCode.USAGE, t.exitCode(), t.err());
    assertEquals("ukhook: --no-trace makes an image that only enforces a policy: give it one with --policy FILE\n",
        t.err());
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "version: 1\ndefault: deny\nlibraries:\n  appx:\n"
        + "    allow: [getpid, no_such_call]\n");
    t = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg", "--policy", bad.toString());
    assertEquals(ExitCode.USAGE, t.exitCode(), t.err());
    assertTrue(t.err().startsWith("ukhook: " + bad + ":5: unknown system call `no_such_call`"), t.err());
    assertTrue(make.calls.isEmpty(), "no build");
    assertEquals(before, Files.readString(handler), "the tree is not touched");
    assertFalse(Files.exists(app.resolve(".ukhook/instrument.json")));
  }

  @Test
  void badInitrdAndCpuOptionsAreOneLineBeforeAnythingIsBuiltOrRun() throws IOException {
    Path missing = dir.resolve("no-rootfs");
    String before = Files.readString(handler);
    Run t = fake("trace", app.toString(), "--unikraft", uk.toString(), "--accel", "tcg", "--initrd",
        missing.toString());
    assertEquals(ExitCode.USAGE, t.exitCode(), t.err());
    assertEquals("ukhook: --initrd " + missing + ": no such file or directory; name an initrd file, or a directory "
        + "to pack into one\n", t.err());
    assertTrue(make.calls.isEmpty(), "no build");
    assertEquals(before, Files.readString(handler));

    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    assertEquals(ExitCode.OK, fake("build", app.toString()).exitCode());
    Run r = fake("run", app.toString(), "--accel", "tcg", "--cpu", "");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --cpu needs a QEMU CPU model such as host, qemu64 or qemu64,+pdpe1gb, not \"\"; "
        + "`qemu-system-x86_64 -cpu help` lists them\n", r.err());
    Path spaced = Files.writeString(dir.resolve("my initrd.cpio"), "x");
    r = fake("run", app.toString(), "--accel", "tcg", "--initrd", spaced.toString());
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: --initrd " + spaced + " contains a space, which QEMU's multiboot loader takes for the "
        + "start of the module's arguments; move or link the file to a path without one\n", r.err());
    assertFalse(Files.exists(app.resolve(".ukhook/runs")));
    assertTrue(qemu.boots.isEmpty());
  }
  /** A make that does {@code during} before each build step of the fake make (not its `make defconfig`). */
  Function<Output, Steps> buildingWith(Runnable during) {
    Make wrapped = new Make() {
      @Override
      public BuildResult run(List<String> args, Path logFile, boolean progress) {
        if (!args.contains("defconfig")) {
          during.run();
        }
        return make.run(args, logFile, progress);
      }

      @Override
      public List<String> tools() {
        return make.tools();
      }
    };
    return out -> Fakes.steps(out, make, qemu).withMake(wrapped);
  }

  // Issue 18, defect 1: `ukhook restore` during the build of a `trace` succeeded (no tree lock): the image had no
  // hooks and the trace ended with exit 0 and an empty table.
  @Test
  void restoreIsRefusedWhileABuildIsOnTheTree() throws IOException {
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    String patched = Files.readString(handler);
    List<Run> restores = new java.util.ArrayList<>();
    Run b = ukhook(buildingWith(() -> restores.add(ukhook("restore", "--unikraft", uk.toString()))), "build",
        app.toString());
    assertEquals(ExitCode.OK, b.exitCode(), b.err());
    assertEquals(ExitCode.FAILURE, restores.get(0).exitCode(), restores.get(0).err());
    assertEquals("ukhook: another ukhook is working on the Unikraft tree " + uk + ": ukhook build (this process, "
        + "pid " + ProcessHandle.current().pid() + "); wait for it to finish (or stop it), then run `ukhook restore` "
        + "again; nothing was changed\n", restores.get(0).err());
    assertEquals(patched, Files.readString(handler));
    assertEquals(ExitCode.OK, fake("restore", "--unikraft", uk.toString()).exitCode(), "the lock went with the build");
  }

  // Issue 18, defect 1: the other command is another process; the error names it.
  @Test
  void restoreNamesTheOtherProcessHoldingTheTree() throws Exception {
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    String patched = Files.readString(handler);
    Path holder = Files.writeString(dir.resolve("TreeHolder.java"), """
        import java.nio.channels.FileChannel;
        import java.nio.file.*;
        public class TreeHolder {
          public static void main(String[] a) throws Exception {
            try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.READ); var l = c.lock(0,
                Long.MAX_VALUE, true)) {
              System.out.println("locked");
              System.out.flush();
              System.in.read();
            }
          }
        }
        """);
    Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        holder.toString(), uk.resolve(".ukhook-lock").toString()).start();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(other.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertEquals("locked", lines.readLine());
      Run r = fake("restore", "--unikraft", uk.toString());
      assertEquals(ExitCode.FAILURE, r.exitCode(), r.err());
      assertTrue(r.err().startsWith("ukhook: another ukhook is working on the Unikraft tree " + uk
          + ": pid " + other.pid() + " (read lock): "), r.err());
      assertTrue(r.err().contains("TreeHolder"), r.err());
      assertTrue(r.err().endsWith("; wait for it to finish (or stop it), then run `ukhook restore` again; nothing "
          + "was changed\n"), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    } finally {
      other.getOutputStream().close();
      other.waitFor(20, TimeUnit.SECONDS);
    }
    assertEquals(patched, Files.readString(handler));
  }

  // Issue 18, defect 1: a tree restored during make (by a ukhook without the lock) gives an image without hooks:
  // the build says so, and no run takes that image.
  @Test
  void aBuildWhoseTreeLostItsPatchLeavesNoImage() throws IOException {
    String original = Files.readString(handler);
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    Run b = ukhook(buildingWith(() -> {
      try {
        Files.writeString(handler, original);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }), "build", app.toString());
    assertEquals(ExitCode.FAILURE, b.exitCode(), b.err());
    assertTrue(b.err().contains("ukhook: the image just built has no hooks, so it was removed: " + uk + " is no longer "
        + "patched at hook points native, process, but this app was instrumented for binary, native, process"), b.err());
    Run r = fake("run", app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: no image in " + app.resolve(".ukhook/build") + ": run `ukhook build " + app + "` first\n",
        r.err());
    assertTrue(qemu.boots.isEmpty());
  }

  // Issue 18, defect 4: a policy the build refuses was recorded in instrument.json anyway; the next run named it
  // while the old policy was in force, and every later build failed.
  @Test
  void aPolicyTheBuiltImageRefusesIsNotRecorded() throws IOException {
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    assertEquals(ExitCode.OK, fake("build", app.toString()).exitCode());
    byte[] state = Files.readAllBytes(app.resolve(".ukhook/instrument.json"));
    String patched = Files.readString(handler);
    Path other = Files.writeString(dir.resolve("other.yaml"), "version: 1\ndefault: deny\nlibraries:\n"
        + "  libnothere:\n    allow: [getpid]\n");
    Run i = fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg", "--policy",
        other.toString());
    assertEquals(ExitCode.USAGE, i.exitCode(), i.err());
    assertTrue(i.err().contains("\nukhook: " + other + ":4: "), i.err());
    assertTrue(i.err().contains("libnothere"), i.err());
    assertTrue(java.util.Arrays.equals(state, Files.readAllBytes(app.resolve(".ukhook/instrument.json"))),
        "instrument.json is as it was");
    assertEquals(patched, Files.readString(handler));
    assertEquals(ExitCode.OK, fake("build", app.toString()).exitCode(), "later builds still work");
  }
  // Issue 18, defect 4: run.json named the policy instrument.json names while the image enforced the one of its
  // build; run now refuses when the two differ.
  @Test
  void runRefusesWhenThePolicyNamedIsNotTheImages() throws IOException {
    assertEquals(ExitCode.OK, fake("instrument", "--unikraft", uk.toString(), app.toString(), "--accel", "tcg")
        .exitCode());
    assertEquals(ExitCode.OK, fake("build", app.toString()).exitCode());
    // A filtering image built with one policy (the fake image cannot take a real one: its copy is all run reads).
    Path named = Files.writeString(dir.resolve("named.yaml"), "version: 1\ndefault: allow\n");
    Files.writeString(app.resolve(".ukhook/build/policy.yaml"), "version: 1\ndefault: deny\n");
    Files.writeString(app.resolve(".ukhook/build/libtable.bin"), "table");
    Files.writeString(app.resolve(".ukhook/build/policy.bin"), "compiled");
    Path state = app.resolve(".ukhook/instrument.json");
    Files.writeString(state, Files.readString(state).replace("\"mode\" : \"trace\"", "\"mode\" : \"trace_and_filter\"")
        .replace("\"policy\" : null", "\"policy\" : \"" + named + "\""));
    Run r = fake("run", app.toString(), "--accel", "tcg");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("ukhook: the image in " + app.resolve(".ukhook/build") + " enforces the policy of its build, and "
        + named + " (the policy of the last `ukhook instrument`) differs from it: run `ukhook build " + app
        + "` first\n", r.err());
    assertTrue(qemu.boots.isEmpty());
  }
}
