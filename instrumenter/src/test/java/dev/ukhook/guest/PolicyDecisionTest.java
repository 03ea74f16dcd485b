package dev.ukhook.guest;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.attribution.Attributor;
import dev.ukhook.attribution.LinkMap;
import dev.ukhook.format.CountSnapshot;
import dev.ukhook.format.DecodedTrace;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceDecoder;
import dev.ukhook.format.TraceHeader.Overflow;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.guest.HookLibrarySpec.Mode;
import dev.ukhook.policy.LibTable;
import dev.ukhook.policy.PolicyCompiler;
import dev.ukhook.policy.PolicySpec.Action;
import dev.ukhook.policy.PolicySpec;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's filter (policy.h and the binary hook), compiled with the host gcc and run by host_policy.c on
 * generated calls, against the Java model: the library table's lookup against the link map, the charge against
 * the host's {@link Attributor}, and the verdict against {@link PolicyCompiler#verdict} on the policy itself.
 */
class PolicyDecisionTest {
  static final long TEXT = 0x10000000L;
  static final int LIBS = 12;
  static final int FRAMES = 4;

  @TempDir Path dir;

  /** A map of LIBS libraries of odd sizes, some meeting inside a granule, some with fill between them. */
  static String map(Random rnd, long[] end) {
    StringBuilder sb = new StringBuilder("Memory Configuration\n\nLinker script and memory map\n\n");
    sb.append(String.format("                0x%016x                _text = .%n", TEXT));
    long at = TEXT;
    for (int i = 0; i < LIBS; i++) {
      for (int piece = 0; piece < 1 + rnd.nextInt(3); piece++) {
        long size = 1 + rnd.nextInt(i % 3 == 0 ? 0x3000 : 0x90);
        sb.append(String.format(" .text.f%d      0x%016x %#10x /abs/build/lib%s.o%n", piece, at, size, name(i)));
        at += size;
        if (rnd.nextBoolean()) {
          at += rnd.nextInt(24); // fill: no library
        }
      }
    }
    end[0] = at;
    sb.append(String.format("                0x%016x                _etext = .%n", at));
    return sb.toString();
  }

  static String name(int i) {
    return "lib" + (char) ('a' + i);
  }

  static PolicySpec policy(Random rnd, List<String> libs, List<String> phases) {
    Map<String, PolicySpec.Library> rules = new LinkedHashMap<>();
    for (String lib : libs) {
      Map<String, SortedSet<Integer>> allow = new LinkedHashMap<>();
      for (String p : phases) {
        SortedSet<Integer> nrs = new TreeSet<>();
        for (int k = 0; k < 8; k++) {
          nrs.add(rnd.nextInt(40));
        }
        allow.put(p, nrs);
      }
      Optional<Action> action = rnd.nextInt(3) == 0 ? Optional.of(Action.values()[rnd.nextInt(4)]) : Optional.empty();
      OptionalInt errno = rnd.nextBoolean() ? OptionalInt.of(1 + rnd.nextInt(100)) : OptionalInt.empty();
      rules.put(lib, new PolicySpec.Library(lib, action, errno, allow));
    }
    return new PolicySpec(Action.DENY, 1, phases,
        List.of(new PolicySpec.Switch(phases.get(0), phases.get(1), 43, true)), rules,
        // Named as the map names them (build/liblibb.o is liblibb).
        Optional.of(List.of("lib" + name(1), "lib" + name(5))));
  }

  record Setup(LinkMap map, LibTable table, byte[] text, Path textFile, Path tableFile, Path policyFile) {}

  static final List<String> PHASES = List.of("startup", "serving", "draining");

  /** A random policy over the libraries of {@code s}, in {@link #PHASES}. */
  static PolicySpec policy(Random rnd, Setup s) {
    return policy(rnd, s.table().names().subList(1, s.table().names().size()), PHASES);
  }

  Setup setup(Random rnd) throws Exception {
    long[] end = new long[1];
    LinkMap map = LinkMap.parse(new StringReader(map(rnd, end)));
    byte[] text = new byte[(int) (end[0] - TEXT)];
    rnd.nextBytes(text);
    LibTable table = LibTable.of(map, HostStreamTest.ID, TEXT, end[0], ByteBuffer.wrap(text));
    Path textFile = Files.write(dir.resolve("text.bin"), text);
    Path tableFile = Files.write(dir.resolve("table.bin"), table.bytes());
    return new Setup(map, table, text, textFile, tableFile, dir.resolve("policy.bin"));
  }

  @Test
  void theLibraryTableFindsWhatTheLinkMapFinds() throws Exception {
    Random rnd = new Random(7);
    Setup s = setup(rnd);
    assertTrue(s.table().shift() == 4, "a small image gets 16-byte granules");
    long mixed = java.util.Arrays.stream(s.table().granule()).filter(g -> g == PolicyLayout.GRANULE_MIXED).count();
    assertTrue(mixed > 0 && mixed < s.table().granule().length / 2, "some granules, not most, need the search: " + mixed);
    for (long a = TEXT - 64; a < s.table().textHi() + 64; a++) {
      String expected = s.map().libraryAt(a).orElse(Attribution.UNATTRIBUTED_LIBRARY);
      assertEquals(expected, s.table().names().get(s.table().libAt(a)), "address " + Long.toHexString(a));
    }
  }

  @Test
  void theGuestDecidesEveryCallAsTheJavaModelOfThePolicy() throws Exception {
    for (Mode mode : List.of(Mode.TRACE_AND_FILTER, Mode.FILTER_ONLY)) {
      Random rnd = new Random(42);
      Setup s = setup(rnd);
      List<String> phases = PHASES;
      PolicySpec spec = policy(rnd, s);
      Set<String> transparent = Set.copyOf(spec.transparent().orElseThrow());
      Files.write(s.policyFile(), PolicyCompiler.compile(spec, s.table(), Set.of()));

      List<long[]> calls = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        calls.add(call(rnd, s));
      }
      HostC.Result r = HostC.run(dir, spec(mode), "host_policy.c", stdin(calls), s.textFile().toString(),
          s.tableFile().toString(), s.policyFile().toString());
      List<String> lines = r.stderr();
      assertEquals("boot 0", lines.get(0));

      // The model: the library each call is charged to, then the policy's verdict in the phase it is made in.
      int phase = 0;
      int line = 1;
      List<Integer> violations = new ArrayList<>();
      Map<Action, Integer> seen = new java.util.EnumMap<>(Action.class);
      for (int i = 0; i < calls.size(); i++) {
        long[] c = calls.get(i);
        String lib = charge(s, transparent, c);
        int nr = (int) c[0];
        int v = PolicyCompiler.verdict(spec, lib, s.table().index(lib), nr, phases.get(phase));
        Action a = Action.values()[v & 0xff];
        String got = lines.get(line++);
        if (v != 0) {
          violations.add(i);
        }
        seen.merge(a, 1, Integer::sum);
        if (a == Action.KILL) {
          assertEquals("kill " + lib + " " + nr + " " + Long.toHexString(c[1]), got, "call " + i);
          continue;
        }
        boolean run = a != Action.DENY;
        long rax = run ? c[3] : -spec.errno(lib);
        if (run && nr == 43 && phase == 0 && c[3] >= 0) {
          phase = 1; // the switch rule: startup -> serving after a successful accept
        }
        assertEquals("call " + (run ? 1 : 0) + " " + rax + " " + phase, got, "call " + i + " of " + lib + " in "
            + phases.get(phase));
      }
      assertEquals(lines.size(), line);
      assertEquals(4, seen.size(), () -> "every action is exercised: " + seen);

      DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
      assertEquals(List.of(), t.problems());
      Attributor attributor = new Attributor(s.map(), transparent);
      List<SyscallRecord> recs = t.records();
      assertEquals(mode == Mode.FILTER_ONLY ? violations.size() : calls.size(), recs.size(), mode.toString());
      int k = 0;
      for (int i = 0; i < calls.size(); i++) {
        if (mode == Mode.FILTER_ONLY && !violations.contains(i)) {
          continue;
        }
        SyscallRecord rec = recs.get(k++);
        String lib = charge(s, transparent, calls.get(i));
        assertEquals(lib, attributor.attribute(rec).library(), "the host charges record " + rec.seq() + " alike");
        // The record carries the guest's own charge (trace format 4), the one the policy decided by: the host's over
        // the same walk, to the via-transparent bit.
        int host = attributor.charge(rec);
        assertEquals((host & Attributor.LIBRARY) | ((host & Attributor.VIA_TRANSPARENT_ONLY) != 0
            ? TraceLayout.CELL_VIA_TRANSPARENT : 0), rec.lib(), "the guest's charge of call " + i);
        Action a = spec.action(lib);
        int flags = violations.contains(i) ? switch (a) {
          case LOG -> TraceLayout.FLAG_LOGGED;
          case DENY -> TraceLayout.FLAG_REFUSED;
          case KILL -> TraceLayout.FLAG_REFUSED | TraceLayout.FLAG_KILLED | TraceLayout.FLAG_AT_ENTRY;
          case ALLOW -> 0;
        } : 0;
        assertEquals(flags, rec.flags() & (TraceLayout.FLAG_LOGGED | TraceLayout.FLAG_REFUSED
            | TraceLayout.FLAG_KILLED | TraceLayout.FLAG_AT_ENTRY), "flags of call " + i);
      }
      List<EventRecord> events = t.events();
      assertEquals(2, events.size(), events::toString);
      assertEquals("policy", events.get(0).eventName());
      assertEquals(PolicyCompiler.checksum(Files.readAllBytes(s.policyFile())), events.get(0).policy());
      assertEquals("rule", events.get(1).eventName());
      assertEquals(0, events.get(1).from());
      assertEquals(1, events.get(1).to());
    }
  }

  /**
   * Fault injection: the guest fails the calls its rules choose (by syscall, library, phase, count and a seeded
   * draw) as the Java model ({@link PolicyCompiler.GuestModel}) does, the caller gets the rule's result, the record is
   * flagged injected; a calls the policy refuses is refused, not injected; a push starts the rules' counts again.
   */
  @Test
  void theGuestInjectsIntoTheCallsItsRulesChooseAsTheJavaModel() throws Exception {
    for (Mode mode : List.of(Mode.TRACE_AND_FILTER, Mode.FILTER_ONLY)) {
      Random rnd = new Random(11);
      Setup s = setup(rnd);
      PolicySpec base = policy(rnd, s);
      Set<String> transparent = Set.copyOf(base.transparent().orElseThrow());
      List<long[]> calls = new ArrayList<>();
      for (int i = 0; i < 4000; i++) {
        long[] c = call(rnd, s);
        c[0] = c[0] == 43 ? 43 : new int[] {0, 1, 2, 3, 9, 0, 1, 3, 5, 7}[rnd.nextInt(10)]; // read write open close mmap
        calls.add(c);
      }
      // A rule for one library: the one most closes are charged to, among those the policy lets close in a phase.
      String lib = calls.stream().filter(c -> c[0] == 3).map(c -> charge(s, transparent, c))
          .filter(l -> PHASES.stream().anyMatch(p -> PolicyCompiler.verdict(base, l, s.table().index(l), 3, p) == 0))
          .collect(java.util.stream.Collectors.groupingBy(l -> l, java.util.stream.Collectors.counting()))
          .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      PolicySpec spec = base.withInjections(java.util.stream.Stream.of("read,write:error=EIO:when=3+2",
          "write:retval=0", "close:error=EBADF:when=2..40+5:lib=" + lib, "mmap:error=ENOMEM:prob=0.3:seed=9",
          "open:error=ENOENT:phase=serving", "read:error=EINTR:when=1..200").map(dev.ukhook.policy.Injection::parse)
          .toList());
      Files.write(s.policyFile(), PolicyCompiler.compile(spec, s.table(), Set.of()));
      StringBuilder in = new StringBuilder(stdin(calls.subList(0, 2000)));
      in.append("push ").append(s.policyFile()).append('\n').append(stdin(calls.subList(2000, calls.size())));
      HostC.Result r = HostC.run(dir, spec(mode), "host_policy.c", in.toString(), s.textFile().toString(),
          s.tableFile().toString(), s.policyFile().toString());
      List<String> lines = r.stderr();
      assertEquals("boot 0", lines.get(0));
      PolicyCompiler.GuestModel model = new PolicyCompiler.GuestModel(spec);
      int phase = 0;
      int line = 1;
      List<Integer> flagged = new ArrayList<>();
      int injected = 0;
      Set<Long> results = new TreeSet<>();
      for (int i = 0; i < calls.size(); i++) {
        if (i == 2000) {
          assertEquals("push 0", lines.get(line++));
          model = new PolicyCompiler.GuestModel(spec); // the same policy again: its counts start again
        }
        long[] c = calls.get(i);
        String charged = charge(s, transparent, c);
        int nr = (int) c[0];
        int v = model.verdict(charged, s.table().index(charged), nr, PHASES.get(phase));
        int action = v & 0xff;
        String got = lines.get(line++);
        if (action == Action.KILL.ordinal()) {
          assertEquals("kill " + charged + " " + nr + " " + Long.toHexString(c[1]), got, "call " + i);
          flagged.add(i);
          continue;
        }
        boolean run = v == 0 || action == Action.LOG.ordinal();
        long rax = run ? c[3] : action == PolicyLayout.ACTION_INJECT ? (short) (v >> 8) : -spec.errno(charged);
        if (v != 0) {
          flagged.add(i);
        }
        if (action == PolicyLayout.ACTION_INJECT) {
          injected++;
          results.add(rax);
        }
        if (run && nr == 43 && phase == 0 && c[3] >= 0) {
          phase = 1;
        }
        assertEquals("call " + (run ? 1 : 0) + " " + rax + " " + phase, got, "call " + i + " (nr " + nr + ") of "
            + charged + " in " + PHASES.get(phase));
      }
      assertEquals(lines.size(), line);
      assertTrue(injected > 100, "the rules fire: " + injected);
      assertEquals(Set.of(-5L, 0L, -9L, -12L, -2L, -4L), results, "every rule fired");

      DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
      assertEquals(List.of(), t.problems());
      List<SyscallRecord> recs = t.records();
      long seen = recs.stream().filter(SyscallRecord::injected).count();
      assertEquals(injected, seen, mode + ": every injected call's record says so, and no other's");
      assertEquals(mode == Mode.FILTER_ONLY ? flagged.size() : calls.size(), recs.size(), mode.toString());
      assertTrue(recs.stream().filter(SyscallRecord::injected).noneMatch(SyscallRecord::refused),
          "an injected call is not a refused one");
    }
  }

  /**
   * Sequences: the guest checks each call of a library with a sequence against the transition from the same thread's
   * last call of that library, as the Java model ({@link PolicyCompiler.GuestModel}) does, over four threads, with
   * every action, injection rules and an allowlist in front; a call that did not run moves no thread's state.
   */
  @Test
  void theGuestChecksEachThreadsTransitionsAsTheJavaModel() throws Exception {
    for (Mode mode : List.of(Mode.TRACE_AND_FILTER, Mode.FILTER_ONLY, Mode.COUNT_AND_FILTER)) {
      Random rnd = new Random(23);
      Setup s = setup(rnd);
      PolicySpec base = policy(rnd, s);
      Map<String, PolicySpec.Library> libs = new LinkedHashMap<>();
      int k = 0;
      for (PolicySpec.Library l : base.libraries().values()) {
        Optional<PolicySpec.Sequence> seq = Optional.empty();
        if (k < 4) { // four libraries have a sequence: log, deny, kill and the library's own action
          java.util.SortedMap<Integer, SortedSet<Integer>> after = new java.util.TreeMap<>();
          for (int prev = PolicyLayout.SEQ_START; prev < 45; prev++) {
            SortedSet<Integer> next = new TreeSet<>();
            while (next.size() < 15) { // 4 * 46 * 15 transitions fill the guest's table to 2760 of its 3072
              next.add(rnd.nextInt(45));
            }
            after.put(prev, next);
          }
          seq = Optional.of(new PolicySpec.Sequence(k == 3 ? Optional.empty() : Optional.of(Action.values()[1 + k]),
              after));
        }
        k++;
        Map<String, SortedSet<Integer>> allow = new LinkedHashMap<>();
        l.allow().forEach((p, nrs) -> { // wide allowlists, so that the sequences decide most
          SortedSet<Integer> more = new TreeSet<>(nrs);
          for (int nr = 0; nr < 45; nr++) {
            if (rnd.nextInt(4) != 0) {
              more.add(nr);
            }
          }
          allow.put(p, more);
        });
        libs.put(l.name(), new PolicySpec.Library(l.name(), l.action(), l.errno(), allow, seq));
      }
      PolicySpec spec = new PolicySpec(base.defaultAction(), base.defaultErrno(), base.phases(), base.switches(), libs,
          base.transparent(), List.of(dev.ukhook.policy.Injection.parse("read:error=EIO:when=5+7")));
      Set<String> transparent = Set.copyOf(spec.transparent().orElseThrow());
      LibTable table = LibTable.of(s.map(), HostStreamTest.ID, TEXT, s.table().textHi(), ByteBuffer.wrap(s.text()),
          transparent);
      Files.write(s.tableFile(), table.bytes());
      Files.write(s.policyFile(), PolicyCompiler.compile(spec, table, Set.of()));
      StringBuilder in = new StringBuilder();
      List<long[]> calls = new ArrayList<>();
      List<Integer> threads = new ArrayList<>();
      int thread = 0;
      for (int i = 0; i < 4000; i++) {
        if (rnd.nextInt(8) == 0) {
          thread = rnd.nextInt(4);
          in.append("thread ").append(thread).append('\n');
        }
        long[] c = call(rnd, s);
        if (rnd.nextInt(50) == 0) {
          c[0] = new int[] {60, 231, 600}[rnd.nextInt(3)]; // the program's end, and a number beyond the bitmaps
        }
        calls.add(c);
        threads.add(thread);
        in.append(stdin(List.of(c)));
      }
      HostC.Result r = HostC.run(dir, spec(mode), "host_policy.c", in.toString(), s.textFile().toString(),
          s.tableFile().toString(), s.policyFile().toString());
      List<String> lines = r.stderr();
      assertEquals("boot 0", lines.get(0));
      PolicyCompiler.GuestModel model = new PolicyCompiler.GuestModel(spec);
      int phase = 0;
      int line = 1;
      long flagged = 0;
      Map<Action, Integer> bySequence = new java.util.EnumMap<>(Action.class);
      for (int i = 0; i < calls.size(); i++) {
        long[] c = calls.get(i);
        String lib = charge(s, transparent, c);
        int nr = (int) c[0];
        int v = model.verdict(threads.get(i), lib, s.table().index(lib), nr, PHASES.get(phase));
        int allowlist = PolicyCompiler.verdict(spec, lib, s.table().index(lib), nr, PHASES.get(phase));
        if (v != 0 && allowlist == 0 && (v & 0xff) != PolicyLayout.ACTION_INJECT) {
          bySequence.merge(Action.values()[v & 0xff], 1, Integer::sum);
        }
        flagged += v != 0 ? 1 : 0;
        int action = v & 0xff;
        String got = lines.get(line++);
        if (action == Action.KILL.ordinal()) {
          assertEquals("kill " + lib + " " + nr + " " + Long.toHexString(c[1]), got, "call " + i);
          continue;
        }
        boolean run = v == 0 || action == Action.LOG.ordinal();
        long rax = run ? c[3] : action == PolicyLayout.ACTION_INJECT ? (short) (v >> 8) : -spec.errno(lib);
        if (run && nr == 43 && phase == 0 && c[3] >= 0) {
          phase = 1;
        }
        assertEquals("call " + (run ? 1 : 0) + " " + rax + " " + phase, got, mode + ": call " + i + " (nr " + nr
            + ", thread " + threads.get(i) + ") of " + lib);
      }
      assertEquals(lines.size(), line);
      assertEquals(3, bySequence.size(), () -> "sequences log, deny and kill: " + bySequence);
      assertTrue(bySequence.values().stream().allMatch(n -> n > 10), bySequence::toString);
      DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
      assertEquals(List.of(), t.problems());
      if (mode != Mode.COUNT_AND_FILTER) {
        assertEquals(flagged, t.records().stream().filter(rec -> (rec.flags() & (TraceLayout.FLAG_REFUSED
            | TraceLayout.FLAG_LOGGED)) != 0).count(), mode + ": each call the model flags has a flagged record");
      }
    }
  }

  /**
   * A counting image (count.h) charges, decides and counts the same random calls as the Java model: with a policy
   * (its transparent set) and without one (the table's), its final snapshot holds, per (library, phase, syscall),
   * the calls, errors by errno, refusals and their durations' count, and nothing else.
   */
  @Test
  void aCountingImageCountsEveryCallInTheCellOfItsChargePhaseAndNumber() throws Exception {
    for (Mode mode : List.of(Mode.COUNT_AND_FILTER, Mode.COUNT)) {
      Random rnd = new Random(42);
      Setup s = setup(rnd);
      List<String> phases = PHASES;
      // With injection rules: a counting image counts an injected call among the refused.
      PolicySpec spec = policy(rnd, s).withInjections(List.of(dev.ukhook.policy.Injection.parse(
          "read,write:error=EIO:when=2+3"), dev.ukhook.policy.Injection.parse("getpid:retval=0:when=1..50")));
      Set<String> transparent = Set.copyOf(spec.transparent().orElseThrow());
      boolean filters = mode == Mode.COUNT_AND_FILTER;
      // Without a policy the charge looks through the table's transparent set: the same one here.
      LibTable table = LibTable.of(s.map(), HostStreamTest.ID, TEXT, s.table().textHi(), ByteBuffer.wrap(s.text()),
          transparent);
      Files.write(s.tableFile(), table.bytes());
      Files.write(s.policyFile(), PolicyCompiler.compile(spec, table, Set.of()));
      List<long[]> calls = new ArrayList<>();
      // A call from a transparent library with no frame: charged to it, marked as looked through only.
      long inTransparent = TEXT + java.util.stream.LongStream.range(0, s.table().textHi() - TEXT)
          .filter(o -> transparent.contains(s.table().names().get(s.table().libAt(TEXT + o)))).findFirst().orElseThrow()
          + 1;
      for (int i = 0; i < 3000; i++) {
        calls.add(i % 100 == 0 ? new long[] {39, inTransparent, 0, 7} : call(rnd, s));
      }
      HostC.Result r = HostC.run(dir, spec(mode), "host_policy.c", stdin(calls), s.textFile().toString(),
          s.tableFile().toString(), s.policyFile().toString());

      assertEquals("boot 0", r.stderr().get(0));
      // The model: key "lib phase nr" -> calls, errors, refused, returned; errnos by key.
      Map<String, long[]> cells = new java.util.TreeMap<>();
      Map<String, Map<Integer, Long>> errnos = new java.util.TreeMap<>();
      int phase = 0;
      PolicyCompiler.GuestModel injector = new PolicyCompiler.GuestModel(spec);
      long injected = 0;
      for (long[] c : calls) {
        String lib = charge(s, transparent, c);
        int index = s.table().index(lib);
        int via = index != 0 && transparent.contains(lib) ? 0x80 : 0;
        int nr = (int) c[0];
        int v = filters ? injector.verdict(lib, index, nr, phases.get(phase)) : 0;
        boolean inject = (v & 0xff) == PolicyLayout.ACTION_INJECT;
        injected += inject ? 1 : 0;
        Action a = inject ? Action.DENY : Action.values()[v & 0xff];
        long[] cell = cells.computeIfAbsent((index | via) + " " + phase + " " + nr, k -> new long[4]);
        cell[0]++;
        if (a == Action.KILL) {
          cell[2]++;
          continue;
        }
        long ret = inject ? (short) (v >> 8) : a == Action.DENY ? -spec.errno(lib) : c[3];
        cell[2] += a == Action.DENY ? 1 : 0;
        cell[3]++;
        if (ret < 0 && ret >= -4095) {
          cell[1]++;
          errnos.computeIfAbsent((index | via) + " " + phase + " " + nr, k -> new java.util.TreeMap<>())
              .merge((int) -ret, 1L, Long::sum);
        }
        if (filters && nr == 43 && phase == 0 && ret >= 0) {
          phase = 1;
        }
      }
      assertTrue(!filters || injected > 20, "the rules fired: " + injected);
      DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
      assertEquals(List.of(), t.problems(), mode.toString());
      assertEquals(List.of(), t.records(), "a counting image records no call");
      CountSnapshot snap = t.counts().orElseThrow();
      assertTrue(snap.finalSnapshot() && snap.latency());
      assertEquals(0, snap.overflowed());
      Map<String, long[]> got = new java.util.TreeMap<>();
      Map<String, Map<Integer, Long>> gotErrnos = new java.util.TreeMap<>();
      for (CountSnapshot.Cell c : snap.cells()) {
        String key = c.lib() + " " + c.phase() + " " + c.nr();
        got.put(key, new long[] {c.calls(), c.errors(), c.refused(), c.returned()});
        if (!filters) { // the harness's kill jumps out of a call, which stays in progress: the later ones nest
          assertEquals(0, c.nested(), key);
        }
        if (!c.errnos().isEmpty()) {
          gotErrnos.put(key, new java.util.TreeMap<>(c.errnos()));
        }
        errnos.computeIfPresent(key, (k, m) -> {
          // a cell counts its first four errnos one by one
          return m.size() <= TraceLayout.CELL_ERRNOS ? m : gotErrnos.get(k);
        });
      }
      assertEquals(render(cells), render(got), mode.toString());
      assertEquals(errnos, gotErrnos, mode.toString());
      assertTrue(cells.keySet().stream().anyMatch(k -> k.startsWith("0 ")), "some calls are charged to no library");
      assertTrue(cells.keySet().stream().anyMatch(k -> Integer.parseInt(k.split(" ")[0]) >= 0x80),
          "some calls went through transparent libraries only");
    }
  }

  /** More distinct (library, phase, syscall) triples than cells: the rest are counted as overflowed, not lost. */
  @Test
  void aFullCellTableCountsTheRestAsOverflowed() throws Exception {
    Setup s = setup(new Random(5));
    Files.write(s.policyFile(), PolicyCompiler.compile(policy(new Random(5), s.table().names().subList(1,
        s.table().names().size()), List.of("a", "b")), s.table(), Set.of()));
    List<long[]> calls = new ArrayList<>();
    int distinct = TraceLayout.COUNT_CELLS + 76;
    for (int nr = 1000; nr < 1000 + distinct; nr++) {
      calls.add(new long[] {nr, TEXT + 1, 0, 0});
      calls.add(new long[] {nr, TEXT + 1, 0, 0});
    }
    HostC.Result r = HostC.run(dir, spec(Mode.COUNT), "host_policy.c", stdin(calls), s.textFile().toString(),
        s.tableFile().toString(), s.policyFile().toString());
    DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
    CountSnapshot snap = t.counts().orElseThrow();
    assertEquals(TraceLayout.COUNT_CELLS - 1, snap.cells().size(), "one cell stays free, so a search always ends");
    assertEquals(2L * (TraceLayout.COUNT_CELLS - 1), snap.calls());
    assertEquals(2L * (distinct - TraceLayout.COUNT_CELLS + 1), snap.overflowed());
    assertEquals(List.of(snap.overflowed() + " calls found no free cell in the guest's table of "
        + TraceLayout.COUNT_CELLS + " counters and are counted nowhere"), t.problems());
  }

  /** host_policy.c's input: a line per call, NR RIP LEAF RET N FRAME1 .. FRAMEN. */
  private static String stdin(List<long[]> calls) {
    StringBuilder in = new StringBuilder();
    for (long[] c : calls) {
      in.append(c[0]).append(' ').append(Long.toHexString(c[1])).append(' ').append(Long.toHexString(c[2]))
          .append(' ').append(c[3]).append(' ').append(c.length - 4);
      for (int f = 4; f < c.length; f++) {
        in.append(' ').append(Long.toHexString(c[f]));
      }
      in.append('\n');
    }
    return in.toString();
  }

  private static String render(Map<String, long[]> cells) {
    StringBuilder sb = new StringBuilder();
    cells.forEach((k, v) -> sb.append(k).append(": ").append(java.util.Arrays.toString(v)).append('\n'));
    return sb.toString();
  }

  @Test
  void aTableOrPolicyThatIsNotForThisImageIsRefusedAndTheOldPolicyStays() throws Exception {
    Random rnd = new Random(3);
    Setup s = setup(rnd);
    List<String> libs = s.table().names().subList(1, s.table().names().size());
    List<String> phases = List.of("one", "two");
    PolicySpec spec = policy(rnd, libs, phases);
    byte[] compiled = PolicyCompiler.compile(spec, s.table(), Set.of());
    Files.write(s.policyFile(), compiled);
    String lib = libs.get(2);
    long rip = TEXT + java.util.stream.LongStream.range(0, s.table().textHi() - TEXT)
        .filter(o -> s.table().names().get(s.table().libAt(TEXT + o)).equals(lib)).findFirst().orElseThrow() + 1;
    int denied = java.util.stream.IntStream.range(0, 40).filter(nr -> !spec.libraries().get(lib).allowed("one")
        .contains(nr) && nr != 43).findFirst().orElseThrow();
    // The same policy, but allowing lib that call; then four that must be refused.
    Map<String, PolicySpec.Library> more = new LinkedHashMap<>(spec.libraries());
    Map<String, SortedSet<Integer>> allow = new LinkedHashMap<>();
    phases.forEach(p -> allow.put(p, new TreeSet<>(java.util.stream.IntStream.range(0, 40).boxed().toList())));
    more.put(lib, new PolicySpec.Library(lib, Optional.of(Action.DENY), OptionalInt.of(13), allow));
    PolicySpec wider = new PolicySpec(spec.defaultAction(), spec.defaultErrno(), phases, spec.switches(), more,
        spec.transparent());
    Path good = Files.write(dir.resolve("wider.bin"), PolicyCompiler.compile(wider, s.table(), Set.of()));
    LibTable otherImage = LibTable.of(s.map(), "ffeeddccbbaa99887766554433221100", s.table().textLo(),
        s.table().textHi(), ByteBuffer.wrap(s.text()));
    Path foreign = Files.write(dir.resolve("foreign.bin"), PolicyCompiler.compile(wider, otherImage, Set.of()));
    byte[] changed = s.text().clone();
    changed[0] ^= 1; // the first function of the first library
    LibTable otherCode = LibTable.of(s.map(), HostStreamTest.ID, s.table().textLo(), s.table().textHi(),
        ByteBuffer.wrap(changed));
    Path stale = Files.write(dir.resolve("stale.bin"), PolicyCompiler.compile(wider, otherCode, Set.of()));
    byte[] bad = PolicyCompiler.compile(wider, s.table(), Set.of());
    bad[PolicyLayout.Policy.BITMAPS.offset() + 3] ^= 1;
    Path damaged = Files.write(dir.resolve("damaged.bin"), bad);
    String call = denied + " " + Long.toHexString(rip) + " 0 5 0\n";

    HostC.Result r = HostC.run(dir, spec(Mode.TRACE_AND_FILTER), "host_policy.c", call + "push " + foreign + "\n"
        + "push " + stale + "\npush " + damaged + "\n" + call + "push " + good + "\n" + call + "mark 1\n" + call,
        s.textFile().toString(), s.tableFile().toString(), s.policyFile().toString());
    String deny = "call 0 " + -spec.errno(lib) + " 0";
    assertEquals(List.of("boot 0", deny, "push 2", "push 3", "push 4", deny, "push 0", "call 1 5 0", "call 1 5 1"),
        r.stderr());
    DecodedTrace t = TraceDecoder.decode(new ByteArrayInputStream(r.stdout()));
    assertEquals(List.of("policy", "refused", "refused", "refused", "policy", "mark"),
        t.events().stream().map(EventRecord::eventName).toList());
    assertEquals(List.of(0, 2, 3, 4, 0, 0), t.events().stream().map(EventRecord::reason).toList());
    assertEquals(PolicyCompiler.checksum(Files.readAllBytes(good)), t.events().get(4).policy());
    assertEquals(PolicyCompiler.checksum(Files.readAllBytes(foreign)), t.events().get(1).refused());

    // A table whose code does not match the image's, or that was damaged, is never used: the boot stops.
    byte[] text = s.text().clone();
    text[0] ^= 0x40;
    Files.write(s.textFile(), text);
    assertEquals(List.of("boot " + 3), HostC.run(dir, spec(Mode.TRACE_AND_FILTER), "host_policy.c", "",
        s.textFile().toString(), s.tableFile().toString(), s.policyFile().toString()).stderr());
    Files.write(s.textFile(), s.text());
    byte[] table = s.table().bytes();
    table[PolicyLayout.Table.GRANULE.offset() + 5] ^= 1;
    Files.write(s.tableFile(), table);
    assertEquals(List.of("boot " + 4), HostC.run(dir, spec(Mode.TRACE_AND_FILTER), "host_policy.c", "",
        s.textFile().toString(), s.tableFile().toString(), s.policyFile().toString()).stderr());
  }

  /**
   * A policy whose sequence fields are out of range (a search longer than the table, an action beyond kill, a fast
   * bitmap beyond those in use) is refused as such even with a good checksum, and the policy in force stays.
   */
  @Test
  void aPolicyWithSequenceFieldsOutOfRangeIsRefused() throws Exception {
    Random rnd = new Random(4);
    Setup s = setup(rnd);
    PolicySpec spec = policy(rnd, s);
    Files.write(s.policyFile(), PolicyCompiler.compile(spec, s.table(), Set.of()));
    StringBuilder in = new StringBuilder();
    int i = 0;
    for (int[] bad : new int[][] {{PolicyLayout.Policy.SEQ_PROBES.offset(), PolicyLayout.SEQ_SLOTS + 1, 2},
        {PolicyLayout.Policy.SEQ_ACTION.offset() + 3, 4, 1}, {PolicyLayout.Policy.FAST_OF.offset() + 10, 0x7ff8, 2}}) {
      ByteBuffer b = ByteBuffer.wrap(PolicyCompiler.compile(spec, s.table(), Set.of())).order(ByteOrder.LITTLE_ENDIAN);
      if (bad[2] == 2) {
        b.putShort(bad[0], (short) bad[1]);
      } else {
        b.put(bad[0], (byte) bad[1]);
      }
      b.putLong(PolicyLayout.Policy.CHECKSUM.offset(), PolicyLayout.hash(b.slice(PolicyLayout.Policy.CHECKED_FROM,
          PolicyLayout.Policy.SIZE - PolicyLayout.Policy.CHECKED_FROM)));
      in.append("push ").append(Files.write(dir.resolve("bad" + i++ + ".bin"), b.array())).append('\n');
    }
    HostC.Result r = HostC.run(dir, spec(Mode.TRACE_AND_FILTER), "host_policy.c", in.toString(),
        s.textFile().toString(), s.tableFile().toString(), s.policyFile().toString());
    assertEquals(List.of("boot 0", "push 5", "push 5", "push 5"), r.stderr());
  }

  /** A call: nr, rip, the word at sp, ret, then frames; addresses mostly in the image's code. */
  static long[] call(Random rnd, Setup s) {
    int n = rnd.nextInt(6);
    long[] c = new long[4 + n];
    c[0] = rnd.nextInt(10) == 0 ? 43 : rnd.nextInt(45);
    c[1] = address(rnd, s);
    c[2] = rnd.nextInt(4) == 0 ? 0 : address(rnd, s);
    c[3] = rnd.nextInt(5) == 0 ? -rnd.nextInt(30) : rnd.nextInt(1000);
    for (int i = 0; i < n; i++) {
      c[4 + i] = address(rnd, s);
    }
    return c;
  }

  static long address(Random rnd, Setup s) {
    long len = s.table().textHi() - TEXT;
    return switch (rnd.nextInt(12)) {
      case 0 -> 0x401000L + rnd.nextInt(0x1000); // outside the image's code
      case 1 -> s.table().textHi() + rnd.nextInt(3); // just after it
      default -> TEXT + 1 + (long) (rnd.nextDouble() * len);
    };
  }

  /** The attribution rule (Attributor) over the addresses the guest's walk sees: rip, the leaf word, the frames. */
  static String charge(Setup s, Set<String> transparent, long[] c) {
    List<Long> addrs = new ArrayList<>();
    addrs.add(c[1]);
    int frames = 0;
    if (c[2] >= s.table().textLo() && c[2] < s.table().textHi()) { // the leaf rule of ukhook_begin()
      addrs.add(c[2]);
      frames = 1;
    }
    for (int i = 4; i < c.length && frames < FRAMES; i++, frames++) {
      addrs.add(c[i]);
    }
    String outer = null;
    for (long a : addrs) {
      Optional<String> lib = s.map().libraryAt(a - 1);
      if (lib.isEmpty()) {
        continue;
      }
      if (!transparent.contains(lib.get())) {
        return lib.get();
      }
      outer = lib.get();
    }
    return outer == null ? Attribution.UNATTRIBUTED_LIBRARY : outer;
  }

  static HookLibrarySpec spec(Mode mode) {
    return new HookLibrarySpec(FRAMES, 1024, 8, Overflow.BLOCK, HostStreamTest.ID, HookLibrarySpec.HOOK_POINTS, 0, 0,
        mode);
  }
}
