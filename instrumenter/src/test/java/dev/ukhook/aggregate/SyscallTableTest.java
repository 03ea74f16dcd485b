package dev.ukhook.aggregate;

import static dev.ukhook.aggregate.Tables.analyzer;
import static dev.ukhook.aggregate.Tables.table;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.aggregate.SyscallTable.LibraryCounts;
import dev.ukhook.aggregate.SyscallTable.SyscallCount;
import dev.ukhook.attribution.Attribution;
import dev.ukhook.format.EventRecord;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import dev.ukhook.format.TraceStats;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyscallTableTest {
  private static final TraceHeader HEADER =
      TraceHeader.of(4, 1000, "0123456789abcdef0123456789abcdef", 64, TraceHeader.Overflow.BLOCK);

  private static SyscallRecord call(int nr, boolean refused, long ticks) {
    return new SyscallRecord(0, 100, 100 + ticks, nr, refused ? 1 : 0, new long[6], 0, 1, new long[0]);
  }

  @Test
  void ordersLibrariesAndSyscallsByCountThenName() {
    SyscallTable t =
        table(analyzer()
            .add("libb", call(1, false, 5))
            .add("liba", call(1, false, 5))
            .add("libc", call(39, false, 1))
            .add("libc", call(0, true, 2))
            .add("libc", call(0, false, 3))
            .add("libc", call(63, false, 4)),
            HEADER, new TraceStats(6, 0, 0, 0, 6, 64, Optional.of(new FinalRecord(6, 0, 6, 0))));

    assertEquals(
        List.of(
            new LibraryCounts(
                "libc",
                4,
                1,
                10,
                List.of(
                    new SyscallCount(0, "read", 2, 1, 5, Map.of("binary", 2L), 0),
                    new SyscallCount(39, "getpid", 1, 0, 1, Map.of("binary", 1L), 0),
                    new SyscallCount(63, "uname", 1, 0, 4, Map.of("binary", 1L), 0))),
            new LibraryCounts("liba", 1, 0, 5, List.of(new SyscallCount(1, "write", 1, 0, 5, BINARY_1, 0))),
            new LibraryCounts("libb", 1, 0, 5, List.of(new SyscallCount(1, "write", 1, 0, 5, BINARY_1, 0)))),
        t.libraries().stream().map(l -> new LibraryCounts(l.library(), l.total(), l.refused(), l.ticks(),
            l.syscalls().stream().map(SyscallTableTest::counts).toList())).toList());
  }

  @Test
  void aPolicysDecisionsAndEventsAreShownWithItsPhaseNames() {
    Analyzer b = analyzer();
    b.event(new EventRecord(0, 1, 0xabc, PolicyLayout.EVENT_POLICY, 0, 0, 0, 0, 0));
    b.add("liba", new SyscallRecord(1, 100, 101, 41, 0, 0, TraceLayout.FLAG_REFUSED, new long[6], -1, 1,
        new long[0]));
    b.add("liba", new SyscallRecord(2, 100, 101, 41, 0, 0, TraceLayout.FLAG_LOGGED, new long[6], 3, 1, new long[0]));
    b.event(new EventRecord(3, 1, 0xabc, PolicyLayout.EVENT_RULE, 0, 1, 0, 2, 0));
    b.event(new EventRecord(4, 1, 0xabc, PolicyLayout.EVENT_REFUSED, 1, 1, 4, 0, 0xdef));
    b.add("libb", new SyscallRecord(5, 100, 101, 39, 0, 0,
        TraceLayout.FLAG_REFUSED | TraceLayout.FLAG_KILLED | TraceLayout.FLAG_AT_ENTRY, new long[6], -1, 1,
        new long[0]));
    b.add("libb", new SyscallRecord(6, 100, 101, 0, 0, 0, TraceLayout.FLAG_INJECTED, new long[6], -5, 1,
        new long[0]));
    SyscallTable t = table(b, HEADER, new TraceStats(7, 0, 0, 0, 7, 64, Optional.of(new FinalRecord(7, 0, 7, 0))))
        .withPhaseNames(List.of("startup", "serving"));
    String text = t.toText();
    assertTrue(text.contains("""

        filter: 2 refused (1 killed), 1 logged, 1 injected
        #0        policy abc in force, phase startup (0)
        #3        phase startup (0) -> serving (1) (a switch rule, on the return of #2)
        #4        refused policy def: damaged (checksum); policy abc stays
        """), text);
    assertTrue(t.toJson().contains("\"filter\": {\n    \"logged\": 1,\n    \"killed\": 1,\n    \"injected\": 1,"),
        t.toJson());
    assertTrue(text.contains("libb     read         1       0        0\n"), "an injected call is a call, not refused: "
        + text);
  }

  private static final Map<String, Long> BINARY_1 = Map.of("binary", 1L);

  /** The counts of {@code c} alone, without what the analysis adds (AnalysisTest checks that). */
  private static SyscallCount counts(SyscallCount c) {
    return new SyscallCount(c.nr(), c.name(), c.count(), c.refused(), c.ticks(), c.paths(), c.nested());
  }

  private static SyscallRecord call(int nr, int path, int nest) {
    return new SyscallRecord(0, 100, 101, nr, path, nest, 0, new long[6], 0, 1, new long[0]);
  }

  @Test
  void countsByPathAndNestingGoToTheJson() throws Exception {
    SyscallTable t =
        table(analyzer()
            .add("libvfscore", call(5, TraceLayout.PATH_NATIVE_RAW, 1))
            .add("libvfscore", call(5, TraceLayout.PATH_NATIVE_RAW, 0))
            .add("libvfscore", call(5, TraceLayout.PATH_BINARY, 0))
            .add("libvfscore", call(1, TraceLayout.PATH_NATIVE_ERRNO, 2)),
            HEADER, new TraceStats(4, 0, 0, 0, 4, 64, Optional.of(new FinalRecord(4, 0, 4, 0))));

    assertEquals(
        new SyscallCount(5, "fstat", 3, 0, 3, Map.of("binary", 1L, "native_raw", 2L), 1),
        counts(t.libraries().get(0).syscalls().get(0)));
    JsonNode json = new ObjectMapper().readTree(t.toJson());
    assertEquals("{\"binary\":1,\"native_raw\":2}", json.at("/libraries/libvfscore/paths/fstat").toString());
    assertEquals("{\"native_errno\":1}", json.at("/libraries/libvfscore/paths/write").toString());
    assertEquals("{\"fstat\":1,\"write\":1}", json.at("/libraries/libvfscore/nested").toString());
    assertEquals("[]", json.get("problems").toString());
    assertEquals(0, json.get("unattributed").asLong());
  }

  @Test
  void unattributedCallsAreARowAndACount() throws Exception {
    SyscallTable t =
        table(analyzer()
            .add("liba", call(39, false, 1))
            .add(Attribution.UNATTRIBUTED_LIBRARY, call(39, false, 1))
            .add(Attribution.UNATTRIBUTED_LIBRARY, call(1, false, 1)),
            HEADER, new TraceStats(3, 0, 0, 0, 3, 64, Optional.of(new FinalRecord(3, 0, 3, 0))));

    assertEquals(2, t.unattributed());
    assertTrue(t.toText().contains("<unattributed>  (total)      2"), t.toText());
    assertTrue(t.toText().endsWith(": 3 records (binary 3), 0 dropped by the guest, 0 missing, 2 unattributed\n"), t.toText());
    assertEquals(2, new ObjectMapper().readTree(t.toJson()).get("unattributed").asLong());
  }

  @Test
  void jsonHasTheDocumentedShape() throws Exception {
    SyscallTable t =
        table(analyzer()
            .add("libx", call(39, false, 1))
            .add("libx", call(39, false, 1))
            .add("libx", call(39, true, 1)),
            HEADER, new TraceStats(3, 0, 0, 2, 5, 64, Optional.of(new FinalRecord(5, 1, 4, 0))));
    JsonNode json = new ObjectMapper().readTree(t.toJson());

    assertEquals("0123456789abcdef0123456789abcdef", json.get("image_id").asText());
    assertEquals(3, json.get("records").asLong());
    assertEquals(1, json.get("dropped").asLong());
    assertEquals(1, json.get("missing").asLong()); // 5 total - 1 dropped - 3 received
    assertEquals(3, json.at("/libraries/libx/total").asLong());
    assertEquals(1, json.at("/libraries/libx/refused").asLong());
    assertEquals(3, json.at("/libraries/libx/syscalls/getpid").asLong());
    assertEquals("1 records missing: sent by the guest but never received", json.at("/problems/0").asText());
    assertTrue(t.summary().endsWith("; 1 problem: the counts may be wrong"), t.summary());
  }

  @Test
  void emptyTableStillSaysWhatArrived() {
    SyscallTable t = table(analyzer(), HEADER, TraceStats.EMPTY);
    assertEquals(
        "library  syscall  count  nested  refused\n\nimage 0123456789abcdef0123456789abcdef: 0 records (binary 0), 0 missing or dropped"
            + " (no final record); 1 problem: the counts may be wrong\n",
        t.toText());
  }

  @Test
  void analyzerWithoutAttributorRefusesRecordsToAttribute() {
    Analyzer b = analyzer();
    assertThrows(IllegalStateException.class, () -> b.call(call(1, false, 0)));
  }

  @Test
  void servingBeginsAtTheFirstAcceptOrAWaitAfterListen() {
    // select before listen is start-up; after listen it begins serving; reads after it are served.
    int[] nrs = {41, 23, 49, 50, 23, 0, 43, 0};
    Analyzer b = analyzer();
    for (int i = 0; i < nrs.length; i++) {
      b.add(nrs[i] == 0 ? "libredis" : "liblwip", new SyscallRecord(i, 0, 0, nrs[i], 0, new long[6], 0, 1,
          new long[0]));
    }
    SyscallTable t = table(b, HEADER, new TraceStats(8, 0, 0, 0, 8, 64, Optional.of(new FinalRecord(8, 0, 8, 0))));
    assertEquals(Optional.of(4L), t.servingFrom());
    SyscallTable.LibraryCounts lwip = t.libraries().stream().filter(l -> l.library().equals("liblwip")).findFirst()
        .orElseThrow();
    assertEquals(2, lwip.syscalls().stream().filter(c -> c.name().equals("select")).findFirst().orElseThrow().count());
    assertEquals(1, lwip.syscalls().stream().filter(c -> c.name().equals("select")).findFirst().orElseThrow().serving());
    assertTrue(t.toText().contains("serving from record #4"), t.toText());
    assertTrue(t.toText().contains("libredis  read"), t.toText());
    assertTrue(t.toJson().contains("\"serving_from_seq\": 4"), t.toJson());

    SyscallTable none = table(analyzer().add("liba", call(1, false, 5)),
        HEADER, new TraceStats(1, 0, 0, 0, 1, 64, Optional.of(new FinalRecord(1, 0, 1, 0))));
    assertEquals(Optional.empty(), none.servingFrom());
    assertTrue(!none.toText().contains("serving"), none.toText());
  }
}
