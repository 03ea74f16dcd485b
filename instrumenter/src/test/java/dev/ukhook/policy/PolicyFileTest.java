package dev.ukhook.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.policy.PolicySpec.Action;
import dev.ukhook.policy.PolicySpec.Library;
import dev.ukhook.policy.PolicySpec.Switch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFileTest {
  static final Set<String> IMAGE = Set.of("appsyscallmix", "libsmnet", "libsmsys", "libnolibc", "libsyscall_shim",
      "libukdebug", "libposix_process");

  // docs/policy.md's example, comments and all.
  static final String EXAMPLE = """
      version: 1                 # required, 1
      default: deny              # allow | log | deny | kill (default: deny)
      errno: EPERM               # errno name for deny (default EPERM); only with deny
      phases: [startup, serving] # optional, default [all]; the first is where the program starts
      switch:                    # optional: rule-based phase switches
        - {from: startup, to: serving, after: accept, success: true}   # success default true
      transparent: [libsmsys]    # optional: libraries looked through for attribution; default: the image's own set
      libraries:
        appsyscallmix:
          allow: [getpid, sched_yield]        # a list = the same set in every phase
        libsmnet:
          default: log                        # optional per-library action (errno likewise)
          allow:                              # a map = per phase; a phase not named allows nothing
            startup: [socket, getppid]
            serving: [getppid]
      """;

  @TempDir Path dir;

  static SortedSet<Integer> nrs(Integer... nrs) {
    return new TreeSet<>(Arrays.asList(nrs));
  }

  /** The problem lines of checking {@code text} as p.yaml, without the closing line on what to do. */
  static List<String> problems(String text, Set<String> image) {
    UkhookException e = assertThrows(UkhookException.class, () -> PolicyFile.parse("p.yaml", text, image));
    assertEquals(Kind.USAGE, e.kind(), e.getMessage());
    List<String> lines = e.getMessage().lines().toList();
    String last = lines.get(lines.size() - 1);
    int n = lines.size() - 1;
    assertEquals((n == 1 ? "fix it" : "fix these " + n + " problems") + " (the format is in docs/policy.md) and"
        + " check again with `ukhook policy check p.yaml`; nothing was changed", last);
    return lines.subList(0, n);
  }

  static List<String> problems(String text) {
    return problems(text, IMAGE);
  }

  static String problem(String text) {
    List<String> p = problems(text);
    assertEquals(1, p.size(), String.join("\n", p));
    return p.get(0);
  }

  @Test
  void theExampleGivesItsExactSpec() {
    PolicySpec spec = PolicyFile.parse("p.yaml", EXAMPLE, IMAGE);
    Map<String, Library> libs = new LinkedHashMap<>();
    libs.put("appsyscallmix", new Library("appsyscallmix", Optional.empty(), OptionalInt.empty(),
        Map.of("startup", nrs(39, 24), "serving", nrs(39, 24))));
    libs.put("libsmnet", new Library("libsmnet", Optional.of(Action.LOG), OptionalInt.empty(),
        Map.of("startup", nrs(41, 110), "serving", nrs(110))));
    PolicySpec want = new PolicySpec(Action.DENY, 1, List.of("startup", "serving"),
        List.of(new Switch("startup", "serving", 43, true)), libs, Optional.of(List.of("libsmsys")));
    assertEquals(want, spec);
    assertEquals(List.of("appsyscallmix", "libsmnet"), List.copyOf(spec.libraries().keySet()), "file order");
    assertEquals(List.of("startup", "serving"), List.copyOf(spec.libraries().get("libsmnet").allow().keySet()));
    assertEquals(Action.LOG, spec.action("libsmnet"));
    assertEquals(Action.DENY, spec.action("appsyscallmix"));
    assertEquals(Action.DENY, spec.action("libukdebug"), "a library without rules: the default");
    assertEquals(1, spec.errno("libsmnet"));
    assertEquals(2 + 2 + 2 + 1, spec.allowances(), "(library, phase, syscall) allowances");
  }

  @Test
  void defaults() {
    PolicySpec spec = PolicyFile.parse("p.yaml", "version: 1\n", IMAGE);
    assertEquals(new PolicySpec(Action.DENY, 1, List.of("all"), List.of(), Map.of(), Optional.empty()), spec);
  }

  @Test
  void perLibraryActionsAndErrnos() {
    PolicySpec spec = PolicyFile.parse("p.yaml", """
        version: 1
        default: log
        libraries:
          libsmnet:
            default: deny
            errno: EACCES
            allow: [socket]
          libsmsys:
            default: kill
          libukdebug:
          appsyscallmix:
            allow:
        """, IMAGE);
    assertEquals(Action.LOG, spec.defaultAction());
    assertEquals(1, spec.defaultErrno());
    assertEquals(Action.DENY, spec.action("libsmnet"));
    assertEquals(13, spec.errno("libsmnet"));
    assertEquals(Action.KILL, spec.action("libsmsys"));
    assertEquals(1, spec.errno("libsmsys"));
    assertEquals(new Library("libukdebug", Optional.empty(), OptionalInt.empty(), Map.of("all", nrs())),
        spec.libraries().get("libukdebug"), "a library without rules allows nothing");
    assertEquals(nrs(), spec.libraries().get("appsyscallmix").allowed("all"));
    assertEquals(Optional.empty(), spec.transparent());
  }

  @Test
  void switchesAndTransparentForms() {
    PolicySpec spec = PolicyFile.parse("p.yaml", """
        version: 1
        phases: [a, b, c]
        switch:
          - from: a
            to: b
            after: listen
          - {from: b, to: c, after: accept4, success: false}
        transparent: []
        """, Set.of());
    assertEquals(List.of(new Switch("a", "b", 50, true), new Switch("b", "c", 288, false)), spec.switches());
    assertEquals(Optional.of(List.of()), spec.transparent(), "an empty list looks through nothing");
  }

  @Test
  void noImageLibrariesMeansNamesAreNotChecked() {
    PolicySpec spec = PolicyFile.parse("p.yaml", "version: 1\nlibraries:\n  libwhatever:\n    allow: [read]\n",
        Set.of());
    assertEquals(nrs(0), spec.libraries().get("libwhatever").allowed("all"));
  }

  @Test
  void notYaml() {
    assertEquals("p.yaml:3: not YAML: expected ',' or ']', but got <stream end>",
        problem("version: 1\nphases: [a, b\n"));
    assertEquals("p.yaml:2: not YAML: expected a single document in the stream, but found another document",
        problem("version: 1\n---\nversion: 1\n"));
  }

  @Test
  void notAMapping() {
    assertEquals("p.yaml:1: the file is empty; a policy is a mapping that starts with `version: 1`", problem(""));
    assertEquals("p.yaml:1: the file is empty; a policy is a mapping that starts with `version: 1`",
        problem("# nothing but a comment\n"));
    assertEquals("p.yaml:1: a policy is a mapping of keys (version, default, errno, phases, switch, transparent, "
        + "libraries, inject), not a list", problem("- version: 1\n"));
    assertEquals("p.yaml:2: a policy is a mapping of keys (version, default, errno, phases, switch, transparent, "
        + "libraries, inject), not `deny`", problem("\ndeny\n"));
  }

  @Test
  void missingOrWrongVersion() {
    assertEquals("p.yaml:2: missing `version: 1`", problem("# a policy\ndefault: deny\n"));
    assertEquals("p.yaml:1: version `2` is not supported: this ukhook reads version 1", problem("version: 2\n"));
    assertEquals("p.yaml:1: expected the version 1, not a list", problem("version: [1]\n"));
    assertEquals("p.yaml:1: expected the version 1, not nothing", problem("version:\n"));
  }

  @Test
  void unknownKeys() {
    assertEquals("p.yaml:2: unknown key `libaries`; valid keys: version, default, errno, phases, switch, "
        + "transparent, libraries, inject", problem("version: 1\nlibaries: {}\n"));
    assertEquals("p.yaml:4: unknown key `alow` in the rules of `libsmnet`; valid keys: default, errno, allow, sequence",
        problem("version: 1\nlibraries:\n  libsmnet:\n    alow: [read]\n"));
    assertEquals("p.yaml:4: unknown key `when` in a switch; valid keys: from, to, after, success",
        problem("version: 1\nphases: [a, b]\nswitch:\n  - {from: a, to: b, after: accept, when: now}\n"));
  }

  @Test
  void aSequenceIsReadWithItsStartAndAction() {
    PolicySpec spec = PolicyFile.parse("p.yaml", """
        version: 1
        libraries:
          libsmnet:
            allow: [read, write, socket]
            sequence:
              default: log
              after:
                start: [socket]
                socket: [read, write]
                read: []
        """, IMAGE);
    PolicySpec.Sequence seq = spec.libraries().get("libsmnet").sequence().orElseThrow();
    assertEquals(Optional.of(Action.LOG), seq.action());
    assertEquals(java.util.Map.of(-1, nrs(41), 41, nrs(0, 1), 0, nrs()), seq.after());
    assertEquals(3, seq.transitions());
    assertEquals(Action.LOG, spec.sequenceAction("libsmnet"));
    assertEquals(Action.ALLOW, spec.sequenceAction("libsmsys"), "no sequence: nothing checked");
  }

  @Test
  void aSequenceThatChecksNothingOrIsMalformedIsAProblem() {
    assertEquals(List.of(
        "p.yaml:4: the sequence of `libsmnet` would check nothing: its action is allow (the library's); give it"
            + " `default: log`, `deny` or `kill`",
        "p.yaml:6: unknown system call `opne` (did you mean open?): use the x86-64 Linux name, as in syscall_64.tbl",
        "p.yaml:6: `read` listed twice for `libsmnet` after `start` (first at line 5)",
        "p.yaml:7: `fstatat` (1024) is above the 512 system call numbers the guest's filter tells apart",
        "p.yaml:9: the sequence of `libsmsys` needs `after`: a mapping of each call (or `start`, none yet in the"
            + " thread) to the list of calls allowed next",
        "p.yaml:12: unknown key `befor` in the sequence of `libnolibc`; valid keys: default, after"),
        problems("""
            version: 1
            default: allow
            libraries:
              libsmnet: {sequence: {after: {
                  start: [read,
                    opne, read],
                  fstatat: [read]}}}
              libsmsys:
                sequence: {default: deny}
              libnolibc:
                sequence:
                  befor: {}
                  after: {}
                  default: kill
            """, IMAGE));
  }

  @Test
  void moreTransitionsThanTheGuestHoldsIsAProblem() {
    List<String> names = dev.ukhook.format.SyscallNames.byName().entrySet().stream().filter(e -> e.getValue() < 300)
        .map(Map.Entry::getKey).sorted().toList();
    StringBuilder y = new StringBuilder("version: 1\nlibraries:\n  libsmnet:\n    sequence:\n      after:\n");
    for (String prev : names.subList(0, 11)) {
      y.append("        ").append(prev).append(": [").append(String.join(", ", names)).append("]\n");
    }
    assertEquals("p.yaml:2: the sequences allow " + 11 * names.size() + " transitions, more than the 3072 the guest"
        + " holds: give fewer libraries a sequence", problem(y.toString()));
  }

  @Test
  void unknownAction() {
    assertEquals("p.yaml:2: unknown action `block`: use allow, log, deny or kill",
        problem("version: 1\ndefault: block\n"));
    assertEquals("p.yaml:4: unknown action `DENY`: use allow, log, deny or kill",
        problem("version: 1\nlibraries:\n  libsmnet:\n    default: DENY\n"));
  }

  @Test
  void unknownErrno() {
    assertEquals("p.yaml:2: unknown errno `EPREM` (did you mean EPERM?): use an x86-64 Linux errno name such as "
        + "EPERM or EACCES", problem("version: 1\nerrno: EPREM\n"));
    assertEquals("p.yaml:2: unknown errno `13`: use an x86-64 Linux errno name such as EPERM or EACCES",
        problem("version: 1\nerrno: 13\n"));
  }

  @Test
  void anErrnoWithAnotherActionIsContradictory() {
    assertEquals("p.yaml:3: errno given, but the default action is `log`: an errno applies only to deny; remove "
        + "errno or make the default deny (contradictory)", problem("version: 1\ndefault: log\nerrno: EACCES\n"));
    assertEquals("p.yaml:6: errno given for `libsmnet`, but its action is `kill`: an errno applies only to deny;"
        + " remove errno or set `default: deny` (contradictory)",
        problem("version: 1\ndefault: deny\nlibraries:\n  libsmnet:\n    default: kill\n    errno: EIO\n"));
    assertEquals("p.yaml:5: errno given for `libsmnet`, but its action is `allow` (the policy's default): an "
        + "errno applies only to deny; remove errno or set `default: deny` (contradictory)",
        problem("version: 1\ndefault: allow\nlibraries:\n  libsmnet:\n    errno: EIO\n"));
    // deny of its own under a log default: its errno is fine
    assertEquals(5, PolicyFile.parse("p.yaml",
        "version: 1\ndefault: log\nlibraries:\n  libsmnet:\n    default: deny\n    errno: EIO\n", IMAGE)
        .errno("libsmnet"));
  }

  @Test
  void aLibraryTheImageDoesNotHave() {
    assertEquals("p.yaml:3: library `libsmnett` is not in this image; the closest it has: libsmnet, libsmsys, "
        + "libnolibc", problem("version: 1\nlibraries:\n  libsmnett:\n    allow: [read]\n"));
    assertEquals("p.yaml:2: library `libmusl` is not in this image; the closest it has: libsmnet, libsmsys, "
        + "libnolibc", problem("version: 1\ntransparent: [libmusl]\n"));
  }

  @Test
  void anUnknownSyscall() {
    assertEquals("p.yaml:4: unknown system call `getpd` (did you mean getpid?): use the x86-64 Linux name, as in "
        + "syscall_64.tbl", problem("version: 1\nlibraries:\n  libsmnet:\n    allow: [read, getpd]\n"));
    assertEquals("p.yaml:4: unknown system call `syscall_39`: use the x86-64 Linux name, as in syscall_64.tbl",
        problem("version: 1\nlibraries:\n  libsmnet:\n    allow: [syscall_39]\n"));
  }

  @Test
  void aSyscallListedTwice() {
    assertEquals("p.yaml:6: `read` listed twice for `libsmnet` (first at line 5)",
        problem("version: 1\nlibraries:\n  libsmnet:\n    allow:\n      - read\n      - read\n"));
    assertEquals("p.yaml:6: `read` listed twice for `libsmnet` in phase `b` (first at line 6)",
        problem("version: 1\nphases: [a, b]\nlibraries:\n  libsmnet:\n    allow:\n      b: [read, read]\n"));
    assertEquals("p.yaml:5: `read` listed twice for `libsmnet` in every phase (first at line 5)",
        problem("version: 1\nphases: [a, b]\nlibraries:\n  libsmnet:\n    allow: [read, write, read]\n"));
    // the same call in two phases is no duplicate
    PolicyFile.parse("p.yaml", "version: 1\nphases: [a, b]\nlibraries:\n  libsmnet:\n    allow:\n      a: [read]\n"
        + "      b: [read]\n", IMAGE);
  }

  @Test
  void aLibraryOrKeyGivenTwice() {
    assertEquals("p.yaml:5: library `libsmnet` given twice (first at line 3)",
        problem("version: 1\nlibraries:\n  libsmnet:\n    allow: [read]\n  libsmnet:\n    allow: [write]\n"));
    assertEquals("p.yaml:3: `default` given twice (first at line 2)",
        problem("version: 1\ndefault: deny\ndefault: log\n"));
    assertEquals("p.yaml:7: `a` given twice (first at line 6)",
        problem("version: 1\nphases: [a]\nlibraries:\n  libsmnet:\n    allow:\n      a: [read]\n      a: [write]\n"));
  }

  @Test
  void aPhaseNotInPhases() {
    assertEquals("p.yaml:6: phase `serving` is not in phases [startup]",
        problem("version: 1\nphases: [startup]\nlibraries:\n  libsmnet:\n    allow:\n      serving: [read]\n"));
    assertEquals("p.yaml:5: phase `startup` is not in phases [all]",
        problem("version: 1\nlibraries:\n  libsmnet:\n    allow:\n      startup: [read]\n"));
    assertEquals("p.yaml:4: phase `serving` is not in phases [startup, idle]",
        problem("version: 1\nphases: [startup, idle]\nswitch:\n  - {from: startup, to: serving, after: accept}\n"));
  }

  @Test
  void phasesListedTwiceOrNone() {
    assertEquals("p.yaml:2: phase `a` listed twice (first at line 2)", problem("version: 1\nphases: [a, b, a]\n"));
    assertEquals("p.yaml:2: phases is empty: name at least one, or leave phases out for the one phase `all`",
        problem("version: 1\nphases: []\n"));
    assertEquals("p.yaml:2: expected a list of phase names ([a, b] or one `- a` per line), not `serving`",
        problem("version: 1\nphases: serving\n"));
  }

  @Test
  void contradictorySwitches() {
    assertEquals("p.yaml:4: a switch from phase `a` to itself: remove it or name another phase",
        problem("version: 1\nphases: [a, b]\nswitch:\n  - {from: a, to: a, after: accept}\n"));
    assertEquals("p.yaml:5: a second switch from phase `a` (the first at line 4): a phase is left by one rule "
        + "(contradictory)", problem("version: 1\nphases: [a, b, c]\nswitch:\n  - {from: a, to: b, after: accept}\n"
        + "  - {from: a, to: c, after: listen}\n"));
    assertEquals("p.yaml:4: unknown system call `acept` (did you mean accept?): use the x86-64 Linux name, as in "
        + "syscall_64.tbl", problem("version: 1\nphases: [a, b]\nswitch:\n  - {from: a, to: b, after: acept}\n"));
    assertEquals("p.yaml:4: the switch has no `after`",
        problem("version: 1\nphases: [a, b]\nswitch:\n  - {from: a, to: b}\n"));
    assertEquals("p.yaml:4: success takes true or false, not `maybe`",
        problem("version: 1\nphases: [a, b]\nswitch:\n  - {from: a, to: b, after: accept, success: maybe}\n"));
  }

  /** Its rules decide the calls made with only transparent libraries on their path (the guest charges those to it). */
  @Test
  void aTransparentLibraryMayHaveRules() {
    PolicySpec spec = PolicyFile.parse("p.yaml", "version: 1\ntransparent: [libsmsys]\nlibraries:\n  libsmsys:\n"
        + "    allow: [read]\n", IMAGE);
    assertEquals(Set.of(0), spec.libraries().get("libsmsys").allowed("all"));
    assertEquals("p.yaml:2: library `libsmsys` listed twice in transparent (first at line 2)",
        problem("version: 1\ntransparent: [libsmsys, libsmsys]\n"));
  }

  @Test
  void theGuestsLimits() {
    String nine = IntStream.range(0, PolicySpec.MAX_PHASES + 1).mapToObj(i -> "p" + i)
        .collect(Collectors.joining(", ", "[", "]"));
    assertEquals("p.yaml:2: 9 phases, more than the guest's limit of 8", problem("version: 1\nphases: " + nine + "\n"));
    PolicyFile.parse("p.yaml", "version: 1\nphases: [a, b, c, d, e, f, g, h]\n", IMAGE);

    StringBuilder many = new StringBuilder("version: 1\nlibraries:\n");
    IntStream.range(0, PolicySpec.MAX_LIBRARIES + 1).forEach(i -> many.append("  lib").append(i).append(":\n"));
    assertEquals(List.of("p.yaml:2: 121 libraries, more than the guest's limit of 120"),
        problems(many.toString(), Set.of()));
  }

  @Test
  void everyProblemIsReportedTogetherInLineOrder() {
    List<String> p = problems("""
        version: 2
        default: block
        phases: [a, b, a]
        switch:
          - {from: a, to: a, after: accept}
        frobnicate: yes
        libraries:
          libsmnett:
            allow:
              c: [read]
              a: [getpd, read, read]
          libsmnet:
            errno: EPREM
        """);
    assertEquals(List.of(
        "p.yaml:1: version `2` is not supported: this ukhook reads version 1",
        "p.yaml:2: unknown action `block`: use allow, log, deny or kill",
        "p.yaml:3: phase `a` listed twice (first at line 3)",
        "p.yaml:5: a switch from phase `a` to itself: remove it or name another phase",
        "p.yaml:6: unknown key `frobnicate`; valid keys: version, default, errno, phases, switch, transparent, "
            + "libraries, inject",
        "p.yaml:8: library `libsmnett` is not in this image; the closest it has: libsmnet, libsmsys, libnolibc",
        "p.yaml:10: phase `c` is not in phases [a, b]",
        "p.yaml:11: unknown system call `getpd` (did you mean getpid?): use the x86-64 Linux name, as in "
            + "syscall_64.tbl",
        "p.yaml:11: `read` listed twice for `libsmnett` in phase `a` (first at line 11)",
        "p.yaml:13: unknown errno `EPREM` (did you mean EPERM?): use an x86-64 Linux errno name such as EPERM or "
            + "EACCES"), p);
  }

  @Test
  void readNamesTheFileAndAMissingOne() throws IOException {
    Path f = Files.writeString(dir.resolve("policy.yaml"), "version: 1\ndefault: nope\n");
    UkhookException e = assertThrows(UkhookException.class, () -> PolicyFile.read(f, Set.of()));
    assertEquals(f + ":2: unknown action `nope`: use allow, log, deny or kill", e.getMessage().lines().findFirst()
        .orElseThrow());
    Files.writeString(f, EXAMPLE);
    assertEquals(PolicyFile.parse("x", EXAMPLE, Set.of()), PolicyFile.read(f, Set.of()));

    Path missing = dir.resolve("none.yaml");
    UkhookException m = assertThrows(UkhookException.class, () -> PolicyFile.read(missing, Set.of()));
    assertEquals(Kind.USAGE, m.kind());
    assertEquals("no policy file at " + missing + ": pass a policy (docs/policy.md), or infer one from a run with "
        + "`ukhook policy infer RUN_DIR -o " + missing + "`", m.getMessage());
  }

  @Test
  void injectionRulesAreReadCheckedAndAddedByInject() {
    PolicySpec spec = PolicyFile.parse("p.yaml", "version: 1\nphases: [a, b]\ninject:\n  - open:error=EACCES:when=3\n"
        + "  - 'getpid:retval=0:phase=b'\n", Set.of("libsmnet"));
    assertEquals(List.of("open:error=EACCES:when=3", "getpid:retval=0:phase=b"),
        spec.injections().stream().map(Injection::text).toList());
    assertEquals(List.of(
        "p.yaml:3: injection `opne:error=EIO`: no syscall `opne` (did you mean open?); the syntax is "
            + "SYSCALL[,SYSCALL...]|%CLASS[:error=ERRNO|:retval=N][:when=EXPR][:lib=LIBRARY][:phase=PHASE]"
            + "[:prob=P[:seed=N]]",
        "p.yaml:4: library `libsmnett` is not in this image; the closest it has: libsmnet, libsmsys, libnolibc",
        "p.yaml:5: injection `read:error=EIO:phase=c` names phase c, not one of [all]"),
        problems("version: 1\ninject:\n  - opne:error=EIO\n  - read:error=EIO:lib=libsmnett\n"
            + "  - read:error=EIO:phase=c\n"));

    // --inject: the rules join a policy, or one that allows every call; a second --inject replaces the first's.
    String once = PolicyFile.withInjections("p.yaml", "version: 1\ndefault: deny\n", List.of("read:error=EIO"));
    String twice = PolicyFile.withInjections("p.yaml", once, List.of("write:error=ENOSPC", "close:error=EIO"));
    PolicySpec p = PolicyFile.parse("p.yaml", twice, Set.of());
    assertEquals(Action.DENY, p.defaultAction());
    assertEquals(List.of("write:error=ENOSPC", "close:error=EIO"), p.injections().stream().map(Injection::text).toList());
    assertEquals(Action.ALLOW, PolicyFile.parse("x", PolicyFile.withInjections("x", null, List.of("read:error=EIO")),
        Set.of()).defaultAction());
    assertEquals("version: 1\ndefault: deny\n", PolicyFile.withInjections("p.yaml", twice, List.of()),
        "a push without --inject ends the injections");
    UkhookException own = assertThrows(UkhookException.class, () -> PolicyFile.withInjections("p.yaml",
        "version: 1\ninject: [read:error=EIO]\n", List.of("write:error=EIO")));
    assertEquals("p.yaml has its own inject: list; add the rules of --inject to it, or drop --inject",
        own.getMessage());
    UkhookException bad = assertThrows(UkhookException.class, () -> PolicyFile.withInjections("p.yaml", null,
        List.of("read:when=3")));
    assertTrue(bad.getMessage().startsWith("--inject: injection `read:when=3`: give what the call returns"),
        bad.getMessage());
  }
}
