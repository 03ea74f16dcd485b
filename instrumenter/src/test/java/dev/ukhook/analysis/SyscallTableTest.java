package dev.ukhook.analysis;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.analysis.SyscallTable.LibraryCounts;
import dev.ukhook.analysis.SyscallTable.SyscallCount;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallRecord;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceStats;
import java.util.List;
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
        new SyscallTable.Builder()
            .add("libb", call(1, false, 5))
            .add("liba", call(1, false, 5))
            .add("libc", call(39, false, 1))
            .add("libc", call(0, true, 2))
            .add("libc", call(0, false, 3))
            .add("libc", call(63, false, 4))
            .build(HEADER, new TraceStats(6, 0, 0, 0, 6, 64, Optional.of(new FinalRecord(6, 0, 6, 0))));

    assertEquals(
        List.of(
            new LibraryCounts(
                "libc",
                4,
                1,
                10,
                List.of(
                    new SyscallCount(0, "read", 2, 1, 5),
                    new SyscallCount(39, "getpid", 1, 0, 1),
                    new SyscallCount(63, "uname", 1, 0, 4))),
            new LibraryCounts("liba", 1, 0, 5, List.of(new SyscallCount(1, "write", 1, 0, 5))),
            new LibraryCounts("libb", 1, 0, 5, List.of(new SyscallCount(1, "write", 1, 0, 5)))),
        t.libraries());
  }

  @Test
  void jsonHasTheDocumentedShape() throws Exception {
    SyscallTable t =
        new SyscallTable.Builder()
            .add("libx", call(39, false, 1))
            .add("libx", call(39, false, 1))
            .add("libx", call(39, true, 1))
            .build(HEADER, new TraceStats(3, 0, 0, 2, 5, 64, Optional.of(new FinalRecord(5, 1, 4, 0))));
    JsonNode json = new ObjectMapper().readTree(t.toJson());

    assertEquals("0123456789abcdef0123456789abcdef", json.get("image_id").asText());
    assertEquals(3, json.get("records").asLong());
    assertEquals(1, json.get("dropped").asLong());
    assertEquals(1, json.get("missing").asLong()); // 5 total - 1 dropped - 3 received
    assertEquals(3, json.at("/libraries/libx/total").asLong());
    assertEquals(1, json.at("/libraries/libx/refused").asLong());
    assertEquals(3, json.at("/libraries/libx/syscalls/getpid").asLong());
  }

  @Test
  void emptyTableStillSaysWhatArrived() {
    SyscallTable t = new SyscallTable.Builder().build(HEADER, TraceStats.EMPTY);
    assertEquals(
        "library  syscall  count  refused\n\nimage 0123456789abcdef0123456789abcdef: 0 records, 0 missing or dropped"
            + " (no final record)\n",
        t.toText());
  }

  @Test
  void builderWithoutAttributorRefusesRecordsToAttribute() {
    SyscallTable.Builder b = new SyscallTable.Builder();
    assertThrows(IllegalStateException.class, () -> b.accept(call(1, false, 0)));
  }
}
