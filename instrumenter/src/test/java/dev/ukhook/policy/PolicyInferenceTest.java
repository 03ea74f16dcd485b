package dev.ukhook.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.TestMaps;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.RunDir;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.Traces;
import dev.ukhook.policy.PolicySpec.Action;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyInferenceTest {
  static final String ID = "00112233445566778899aabbccddeeff";
  static final Set<String> IMAGE = Set.of("appx", "libsmnet", "libnolibc", "libukdebug", "libkvmplat");
  static final Set<String> TRANSPARENT = Set.of("libnolibc", "libsyscall_shim", "glibc");
  static final int READ = 0;
  static final int WRITE = 1;
  static final int GETPID = 39;
  static final int SOCKET = 41;
  static final int ACCEPT = 43;

  @TempDir Path dir;

  private long seq;

  SyscallRecord call(int nr, long ret) {
    return call(nr, ret, 0);
  }

  SyscallRecord call(int nr, long ret, int flags) {
    long s = seq++;
    return new SyscallRecord(s, 10 * s, 10 * s + 5, nr, flags, new long[6], ret, 0x1000, new long[0]);
  }

  static Attribution to(String library) {
    return new Attribution(library, false);
  }

  /** Two runs of one image: appx and libsmnet make calls, libnolibc is looked through. */
  PolicyInference twoRuns() {
    PolicyInference p = new PolicyInference();
    p.run("runA", ID, IMAGE, TRANSPARENT);
    for (int i = 0; i < 3; i++) {
      p.add(to("appx"), call(GETPID, 7));
    }
    p.add(to("libsmnet"), call(WRITE, 1)).add(to("libsmnet"), call(SOCKET, -97));
    p.run("runB", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), call(READ, 0));
    p.add(to("libsmnet"), call(SOCKET, -97));
    for (int i = 0; i < 4; i++) {
      p.add(to("libsmnet"), call(WRITE, i == 0 ? -4 : 1));
    }
    return p;
  }

  static final String HEADER = """
      # A trace shows only the paths these runs took: a call made only on a rare path (an error, a signal,
      # a request they never sent) is missing here and will be refused. Review before use.
      """;

  @Test
  void theUnionOfTwoRuns() {
    PolicyInference.Result r = twoRuns().result();
    assertEquals("# Inferred by `ukhook policy infer` from 2 runs:\n"
        + "#   runA (image " + ID + ")\n"
        + "#   runB (image " + ID + ")\n"
        + HEADER
        + """
        version: 1
        default: deny
        errno: EPERM
        phases: [all]
        transparent: [libnolibc]
        libraries:
          appx:
            allow:
              - getpid  # 3 calls
              - read    # 1 call
          libsmnet:
            allow:
              - socket  # 2 calls, all failed
              - write   # 5 calls
        """, r.yaml());
    PolicySpec s = r.spec();
    assertEquals(Action.DENY, s.defaultAction());
    assertEquals(1, s.defaultErrno());
    assertEquals(List.of("all"), s.phases());
    assertEquals(Optional.of(List.of("libnolibc")), s.transparent(), "the runs' set, less what the image lacks");
    assertEquals(List.of("appx", "libsmnet"), List.copyOf(s.libraries().keySet()));
    assertEquals(new TreeSet<>(List.of(READ, GETPID)), s.libraries().get("appx").allowed("all"));
    assertEquals(new TreeSet<>(List.of(WRITE, SOCKET)), s.libraries().get("libsmnet").allowed("all"));
    assertEquals(List.of(
        "2 libraries of the image made no system call in these runs, so none is allowed to them: libkvmplat, "
            + "libukdebug",
        "appx made only 4 calls in 2 runs: the evidence is thin; run the program through more of its work to see "
            + "the rest",
        "libsmnet: every socket failed (2 calls); it stays allowed, but check that libsmnet needs it"),
        r.warnings());
  }

  SyscallRecord in(int thread, int nr, int path, int flags) {
    long s = seq++;
    return new SyscallRecord(s, 10 * s, 10 * s + 5, nr, path, 0, flags, new long[6], 0, 0x1000, new long[0],
        SyscallRecord.Tail.NONE, 1, thread);
  }

  /**
   * Sequences follow each thread's calls per library, as the guest checks them: two threads' calls interleaved make
   * no transition between them; a refused or injected call, a stub's, an exit and an unattributed call make none;
   * each run starts its threads again. The policy reads back as the same spec.
   */
  @Test
  void sequencesAreEachThreadsTransitionsPerLibrary() {
    int stub = TraceLayout.PATH_STUB;
    int binary = TraceLayout.PATH_BINARY;
    PolicyInference p = new PolicyInference().withSequences();
    p.run("runA", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), in(1, GETPID, binary, 0)); // thread 1: start -> getpid
    p.add(to("appx"), in(2, READ, binary, 0)); // thread 2: start -> read
    p.add(to("libsmnet"), in(1, SOCKET, binary, 0)); // libsmnet's own: start -> socket
    p.add(to("appx"), in(1, WRITE, binary, 0)); // getpid -> write
    p.add(to("appx"), in(2, ACCEPT, binary, TraceLayout.FLAG_REFUSED)); // did not run
    p.add(to("appx"), in(2, ACCEPT, binary, TraceLayout.FLAG_INJECTED)); // did not run
    p.add(to("appx"), in(2, SOCKET, stub, 0)); // a stub decides nothing
    p.add(new Attribution(Attribution.UNATTRIBUTED_LIBRARY, false), in(2, WRITE, binary, 0));
    p.add(to("appx"), in(2, WRITE, binary, TraceLayout.FLAG_LOGGED)); // ran: read -> write
    p.add(to("appx"), in(2, 231, binary, TraceLayout.FLAG_AT_ENTRY)); // exit_group: no transition
    p.run("runB", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), in(1, READ, binary, 0)); // a new run: start -> read again
    p.add(to("appx"), in(1, READ, binary, 0)); // read -> read
    PolicyInference.Result r = p.result();
    PolicySpec.Sequence appx = r.spec().libraries().get("appx").sequence().orElseThrow();
    assertEquals(java.util.Map.of(-1, Set.of(GETPID, READ), GETPID, Set.of(WRITE), READ, Set.of(WRITE, READ)),
        appx.after());
    assertEquals(Optional.empty(), appx.action(), "the library's action, the policy's deny");
    assertEquals(java.util.Map.of(-1, Set.of(SOCKET)), r.spec().libraries().get("libsmnet").sequence().orElseThrow()
        .after());
    assertTrue(r.yaml().contains("""
            sequence:  # 5 transitions seen, per thread
              after:
                start: [getpid, read]
                getpid: [write]
                read: [read, write]
        """), r.yaml());
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE));
    assertEquals(Action.DENY, r.spec().sequenceAction("appx"));
  }

  @Test
  void moreTransitionsThanTheGuestHoldsAreWarnedAbout() {
    PolicyInference p = new PolicyInference().withSequences();
    p.run("runA", ID, IMAGE, TRANSPARENT);
    for (int a = 0; a < 60; a++) { // every pair of 60 calls, and the start: 3601 transitions
      for (int b = 0; b < 60; b++) {
        p.add(to("appx"), in(1, a, TraceLayout.PATH_BINARY, 0)).add(to("appx"), in(1, b, TraceLayout.PATH_BINARY, 0));
      }
    }
    PolicyInference.Result r = p.result();
    assertEquals(3601, r.spec().libraries().get("appx").sequence().orElseThrow().transitions());
    assertTrue(r.warnings().contains("the sequences hold 3601 transitions, more than the 3072 the guest holds: `policy"
        + " check` refuses the file until some libraries' `sequence:` blocks are removed"), r.warnings().toString());
  }

  @Test
  void sequencesNeedTheOrderOfCallsThatACountingRunDoesNotHave() {
    PolicyInference p = new PolicyInference().withSequences();
    p.run("counted", ID, IMAGE, TRANSPARENT);
    UkhookException e = assertThrows(UkhookException.class, () -> p.add(new dev.ukhook.format.CountSnapshot(
        0, 0, true, true, 0, List.of()), null));
    assertTrue(e.getMessage().startsWith("counted (image " + ID + ") is a counting run"), e.getMessage());
  }

  @Test
  void theYamlReadsBackAsTheSameSpec() {
    PolicyInference.Result r = twoRuns().result();
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE));
  }

  @Test
  void unattributedAndRefusedCallsAreLeftOutWithAWarningTransparentOnlyOnesGoToTheirLibrary() {
    PolicyInference p = new PolicyInference().run("run", ID, IMAGE, TRANSPARENT);
    for (int i = 0; i < 5; i++) {
      p.add(to("appx"), call(GETPID, 1));
    }
    p.add(Attribution.UNATTRIBUTED, call(WRITE, 1)).add(Attribution.UNATTRIBUTED, call(WRITE, 1))
        .add(Attribution.UNATTRIBUTED, call(READ, 1));
    p.add(to("appx"), call(SOCKET, -1, TraceLayout.FLAG_REFUSED));
    p.add(new Attribution("libnolibc", true), call(ACCEPT, 3));
    p.warn("the trace is damaged");
    PolicyInference.Result r = p.result();
    assertEquals(Set.of("appx", "libnolibc"), r.spec().libraries().keySet());
    assertEquals(Set.of(ACCEPT), r.spec().libraries().get("libnolibc").allowed("all"),
        "the guest charges a call with only transparent libraries on its path to the outermost one");
    assertTrue(r.yaml().contains("  libnolibc:  # transparent: only calls with no other library on their path\n"),
        r.yaml());
    assertEquals(Set.of(GETPID), r.spec().libraries().get("appx").allowed("all"), "the refused socket is not in");
    assertEquals(List.of(
        "run (image " + ID + "): the trace is damaged",
        "3 calls could not be attributed (no return address in the image's code) and are left out: read 1, "
            + "write 2; the guest cannot charge them to a library either",
        "1 call was refused by the policy in force during the runs and left out: it did not run",
        "3 libraries of the image made no system call in these runs, so none is allowed to them: libkvmplat, "
            + "libsmnet, libukdebug",
        "libnolibc made only 1 call in 1 run: the evidence is thin; run the program through more of its work to see "
            + "the rest"), r.warnings());
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE));
  }

  @Test
  void errorPathCallsAreAllowedInEveryPhaseWithTheRulesThatShowedThem() {
    PolicyInference p = new PolicyInference(List.of("startup", "serving"), () -> r -> "startup")
        .run("run", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), call(GETPID, 1));
    p.addErrorPath("libsmnet", "socket", 3, List.of("connect:error=ECONNREFUSED:lib=libsmnet", "bind:error=ENOSYS"));
    p.addErrorPath("appx", "getpid", 1, List.of("read:error=EIO")); // in the baseline too: its count stays
    p.addErrorPath("libnothere", "read", 1, List.of("x:error=EIO"));
    PolicyInference.Result r = p.result();
    assertEquals(Set.of(SOCKET), r.spec().libraries().get("libsmnet").allowed("startup"));
    assertEquals(Set.of(SOCKET), r.spec().libraries().get("libsmnet").allowed("serving"));
    assertTrue(r.yaml().contains("- socket  # error path: 3 calls when connect:error=ECONNREFUSED:lib=libsmnet, "
        + "bind:error=ENOSYS\n"), r.yaml());
    assertTrue(r.yaml().contains("- getpid  # 1 call\n"), r.yaml());
    assertTrue(r.warnings().contains("error path libnothere read is not a syscall of a library of these runs' image; "
        + "left out"), r.warnings().toString());
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE), "the comments read back");
  }

  @Test
  void runsThatDisagreeAreWarnedAbout() {
    String other = "ffeeddccbbaa99887766554433221100";
    PolicyInference p = new PolicyInference();
    p.run("a", ID, IMAGE, Set.of("libnolibc", "libsmnet"));
    for (int i = 0; i < 5; i++) {
      p.add(to("appx"), call(GETPID, 1));
    }
    p.run("b", other, IMAGE, Set.of("libnolibc"));
    PolicyInference.Result r = p.result();
    assertEquals(Optional.of(List.of("libnolibc")), r.spec().transparent(), "what every run looked through");
    assertEquals("the runs come from 2 different images (" + ID + ", " + other + "): the policy is their union; "
        + "check it against the image you run with `ukhook policy check FILE RUN_DIR`", r.warnings().get(0));
    assertEquals("the runs looked through different libraries ([libnolibc, libsmnet], [libnolibc]): the policy "
        + "looks through those all of them did, [libnolibc]", r.warnings().get(1));
  }

  /** Inference in phases startup and serving: a tracker follows each run into "serving" at its first accept. */
  static PolicyInference servingAfterAccept() {
    return new PolicyInference(List.of("startup", "serving"), () -> new Function<>() {
      boolean serving;

      @Override
      public String apply(SyscallRecord r) {
        String phase = serving ? "serving" : "startup";
        serving |= r.nr() == ACCEPT;
        return phase;
      }
    });
  }

  @Test
  void phasesArePluggedInPerRun() {
    PolicyInference p = servingAfterAccept();
    p.run("a", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), call(SOCKET, 3)).add(to("appx"), call(ACCEPT, 4)).add(to("appx"), call(READ, 10))
        .add(to("appx"), call(WRITE, 10));
    p.run("b", ID, IMAGE, TRANSPARENT);
    p.add(to("appx"), call(READ, 10)).add(to("libsmnet"), call(SOCKET, 3)).add(to("libsmnet"), call(SOCKET, 3))
        .add(to("libsmnet"), call(SOCKET, 3)).add(to("libsmnet"), call(SOCKET, 3)).add(to("libsmnet"),
            call(SOCKET, 3));
    PolicyInference.Result r = p.result();
    assertTrue(r.yaml().endsWith("""
        phases: [startup, serving]
        transparent: [libnolibc]
        libraries:
          appx:
            allow:
              startup:
                - accept  # 1 call
                - read    # 1 call
                - socket  # 1 call
              serving:
                - read   # 1 call
                - write  # 1 call
          libsmnet:
            allow:
              startup:
                - socket  # 5 calls
              serving: []
        """), r.yaml());
    assertEquals(new TreeSet<>(List.of(READ, WRITE)), r.spec().libraries().get("appx").allowed("serving"));
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE));
  }

  /** A sequence spans the phases (the guest keeps one per library and thread) and reads back with them. */
  @Test
  void aSequenceSpansThePhasesAndReadsBackWithThem() {
    PolicyInference p = servingAfterAccept().withSequences();
    p.run("a", ID, IMAGE, TRANSPARENT);
    for (int nr : new int[] {SOCKET, ACCEPT, READ, WRITE, READ}) {
      p.add(to("appx"), in(1, nr, TraceLayout.PATH_BINARY, 0));
    }
    PolicyInference.Result r = p.result();
    assertTrue(r.yaml().endsWith("""
              serving:
                - read   # 2 calls
                - write  # 1 call
            sequence:  # 5 transitions seen, per thread
              after:
                start: [socket]
                accept: [read]
                read: [write]
                socket: [accept]
                write: [read]
        """), r.yaml());
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), IMAGE));
  }

  @Test
  void namesThatYamlWouldReadOtherwiseAreQuoted() {
    PolicyInference p = new PolicyInference(List.of("on", "2"), () -> r -> "on");
    p.run("a", ID, Set.of("appx"), Set.of());
    for (int i = 0; i < 5; i++) {
      p.add(to("appx"), call(GETPID, 1));
    }
    PolicyInference.Result r = p.result();
    assertTrue(r.yaml().contains("phases: [\"on\", \"2\"]\n"), r.yaml());
    assertEquals(r.spec(), PolicyFile.parse("inferred.yaml", r.yaml(), Set.of("appx")));
  }

  @Test
  void aPhaseTheTrackerInventsIsABug() {
    PolicyInference p = new PolicyInference(List.of("a"), () -> r -> "b").run("a", ID, IMAGE, TRANSPARENT);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.add(to("appx"), call(READ, 0)));
    assertEquals("phase b of record 0 is not one of [a]", e.getMessage());
  }

  /** A run directory as `ukhook trace` leaves it, of a TestMaps image with libraries lib0..lib3. */
  Path runDir(String name, List<SyscallRecord> records, String transparentJson) throws IOException {
    Path run = Files.createDirectories(dir.resolve(name));
    TraceHeader h = Traces.header(2).withText(TestMaps.TEXT_START, TestMaps.textEnd(4));
    Files.write(run.resolve(RunDir.TRACE), Traces.encode(h, records,
        new FinalRecord(records.size(), 0, records.size(), 99)));
    Files.writeString(run.resolve(RunDir.LINK_MAP), TestMaps.map(Traces.IMAGE_ID, 4));
    Files.writeString(run.resolve(RunDir.IMAGE_ID), Traces.IMAGE_ID + "\n");
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": " + transparentJson + "}");
    return run;
  }

  static SyscallRecord at(long seq, int nr, long ret, long rip, long... frames) {
    return new SyscallRecord(seq, 10 * seq, 10 * seq + 5, nr, 0, new long[6], ret, rip, frames);
  }

  @Test
  void aRunDirectoryIsAttributedWithItsOwnMap() throws IOException {
    // lib1 calls through lib0, which is transparent: the calls are lib1's.
    List<SyscallRecord> records = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      records.add(at(i, GETPID, 1, TestMaps.in(0, 0x10), TestMaps.in(1, 0x20)));
    }
    records.add(at(6, WRITE, 1, TestMaps.in(2, 0x10)));
    Path run = runDir("run1", records, "[\"lib0\", \"libsyscall_shim\"]");
    PolicyInference.Result r = new PolicyInference().addRunDir(run, new RunDir(run).require().json().transparentLibraries().orElseThrow())
        .result();
    assertEquals(Set.of("lib1", "lib2"), r.spec().libraries().keySet());
    assertEquals(Set.of(GETPID), r.spec().libraries().get("lib1").allowed("all"));
    assertEquals(Optional.of(List.of("lib0")), r.spec().transparent());
    assertTrue(r.yaml().contains("#   " + run + " (image " + Traces.IMAGE_ID + ")\n"), r.yaml());
    assertEquals(List.of(
        "1 library of the image made no system call in these runs, so none is allowed to it: lib3",
        "lib2 made only 1 call in 1 run: the evidence is thin; run the program through more of its work to see the "
            + "rest"), r.warnings());
    assertEquals(r.spec(), PolicyFile.parse("p.yaml", r.yaml(), LinkMap.read(run.resolve(RunDir.LINK_MAP))
        .libraries()));
  }

  @Test
  void aRunSplitsAtItsPhaseSwitchesNamedAsItsPolicyNamesThem() throws IOException {
    // lib1: three getpid, then the program's mark (phase 0 -> 1, record 3), then two writes.
    Path run = Files.createDirectories(dir.resolve("marked"));
    TraceHeader h = Traces.header(2).withText(TestMaps.TEXT_START, TestMaps.textEnd(4));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    dev.ukhook.format.TraceWriter w = new dev.ukhook.format.TraceWriter(out, h);
    for (int i = 0; i < 6; i++) {
      if (i == 3) {
        w.event(new dev.ukhook.format.EventRecord(3, 30, 0, dev.ukhook.format.PolicyLayout.EVENT_MARK, 0, 1, 0, 0, 0));
      } else {
        w.syscall(at(i, i < 3 ? GETPID : WRITE, 1, TestMaps.in(1, 0x10)));
      }
    }
    w.end(new FinalRecord(6, 0, 6, 99));
    Files.write(run.resolve(RunDir.TRACE), out.toByteArray());
    Files.writeString(run.resolve(RunDir.LINK_MAP), TestMaps.map(Traces.IMAGE_ID, 4));
    Files.writeString(run.resolve(RunDir.IMAGE_ID), Traces.IMAGE_ID + "\n");
    Files.writeString(run.resolve(RunDir.RUN_JSON), "{\"transparent\": []}");

    PolicySpec spec = PolicyInference.forRuns(List.of(run)).addRunDir(run, Set.of()).result().spec();
    assertEquals(List.of("phase0", "phase1"), spec.phases());
    assertEquals(Set.of(GETPID), spec.libraries().get("lib1").allowed("phase0"));
    assertEquals(Set.of(WRITE), spec.libraries().get("lib1").allowed("phase1"));

    Files.writeString(run.resolve("policy.yaml"), "version: 1\nphases: [startup, work, spare]\n");
    spec = PolicyInference.forRuns(List.of(run)).addRunDir(run, Set.of()).result().spec();
    assertEquals(List.of("startup", "work", "spare"), spec.phases());
    assertEquals(Set.of(WRITE), spec.libraries().get("lib1").allowed("work"));
    assertEquals(Set.of(), spec.libraries().get("lib1").allowed("spare"));
  }

  @Test
  void aRunDirectoryWhoseTraceIsNotItsImagesIsRefused() throws IOException {
    Path run = runDir("run1", List.of(at(0, GETPID, 1, TestMaps.in(1, 0x10))), "[]");
    Files.writeString(run.resolve(RunDir.IMAGE_ID), ID + "\n");
    UkhookException e = assertThrows(UkhookException.class,
        () -> new PolicyInference().addRunDir(run, Set.of()));
    assertTrue(e.getMessage().startsWith("trace " + run.resolve(RunDir.TRACE) + " was made by image "
        + Traces.IMAGE_ID + ", but the run's image-id says " + ID), e.getMessage());
  }
}
