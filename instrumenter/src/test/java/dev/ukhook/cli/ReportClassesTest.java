package dev.ukhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.cli.CliTest.Run;
import dev.ukhook.format.FinalRecord;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.SyscallRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code report --calls -e trace=%CLASS}: strace's classes (and ukhook's) select calls from the syscall table. */
class ReportClassesTest {
  @TempDir Path dir;

  /** getpid, openat, socket, read and rt_sigaction through libnolibc from libposix_process. */
  private byte[] trace() {
    List<SyscallRecord> records = new ArrayList<>();
    String[] names = {"getpid", "openat", "socket", "read", "rt_sigaction"};
    for (int i = 0; i < names.length; i++) {
      records.add(new SyscallRecord(i, 10 * i, 10 * i + 5, SyscallNames.number(names[i]), 0, new long[6], 3,
          0x101605L, new long[] {0x101950L}));
    }
    return ReportCommandTest.trace(ReportCommandTest.ID, records, new FinalRecord(5, 0, 5, 99));
  }

  private Run calls(String expression) throws IOException {
    Path t = Files.write(dir.resolve("trace.ukt"), trace());
    Path m = Files.writeString(dir.resolve("link.map"), ReportCommandTest.helloMap());
    return CliTest.ukhook("report", "--trace", t.toString(), "--map", m.toString(), "--calls", "-e", expression);
  }

  private List<String> selected(String expression) throws IOException {
    Run r = calls(expression);
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    return r.out().lines().map(l -> l.substring(l.indexOf("] ") + 2, l.indexOf('('))).toList();
  }

  @Test
  void classesSelectAsStracesDo() throws IOException {
    assertEquals(List.of("openat"), selected("trace=%file"));
    assertEquals(List.of("socket"), selected("trace=%network"));
    assertEquals(List.of("socket"), selected("trace=%net"));
    assertEquals(List.of("openat", "read"), selected("trace=%desc")); // strace has socket in %network only
    assertEquals(List.of("rt_sigaction"), selected("trace=%signal"));
    assertEquals(List.of("getpid", "openat"), selected("trace=%file,getpid"));
    assertEquals(List.of("getpid"), selected("trace=%idle"));
    assertEquals(List.of(), selected("trace=%ipc"));
  }

  @Test
  void anUnknownClassIsOneUsageLineNamingTheClasses() throws IOException {
    Run r = calls("trace=%files");
    assertEquals(ExitCode.USAGE, r.exitCode(), r.err());
    assertEquals("", r.out());
    assertEquals("ukhook: -e trace=: unknown class `%files`; the classes: %desc, %file, %network, %process, %signal, "
        + "%memory, %ipc, %creds, %clock, %net, %path, %buffer, %wait, %idle, %accept, %exit\n", r.err());
  }
}
