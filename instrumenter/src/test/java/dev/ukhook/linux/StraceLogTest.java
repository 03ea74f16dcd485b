package dev.ukhook.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.attribution.Attribution;
import dev.ukhook.format.SyscallNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** strace's log as `strace -f -k -ttt -T -qq` writes it (lines taken from real logs of this machine). */
class StraceLogTest {
  static final String LIBC = " > /usr/lib/x86_64-linux-gnu/libc.so.6";

  static StraceLog.Parsed parse(String log) throws IOException {
    return StraceLog.parse(new BufferedReader(new StringReader(log)));
  }

  static final String LOG = """
      25045 1796654831.040000 execve("./thr", ["./thr"], 0x7ffc28711d28 /* 39 vars */) = 0 <0.000491>
       > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x26f0) [0x1ab70]
      25045 1796654831.041000 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3 <0.000073>
       > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x869d) [0x20b1d]
      25045 1796654831.041500 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory) <0.000055>
       > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x8567) [0x209e7]
      25052 1796654831.044875 set_robust_list(0x7fcf14da59a0, 24 <unfinished ...>
      25045 1796654831.044909 getpid( <unfinished ...>
      25052 1796654831.044924 <... set_robust_list resumed>) = 0 <0.000026>
      LIBC(pthread_condattr_setpshared+0x2c7) [0x88fa7]
      LIBC(__xmknodat+0x23c) [0x1098ec]
      25045 1796654831.045351 <... getpid resumed>) = 25045 <0.000433>
      LIBC(__getpid+0x7) [0xd54e7]
       > /tmp/thr(main+0x24) [0x121a]
      LIBC(__libc_start_main+0x85) [0x27305]
       > /tmp/thr(_start+0x21) [0x10d1]
      25052 1796654831.046000 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fe5b8e42000 <0.000049>
      LIBC(mmap64+0x2a) [0x1111]
       > /usr/lib/libhelper.so() [0x2222]
       > /tmp/thr(work+0x40) [0x11d9]
      25052 1796654831.047000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---
      25052 1796654831.048000 newfstatat(1, "", {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0), ...}, AT_EMPTY_PATH) = 0 <0.000010>
      25052 1796654831.049000 frobnicate(1) = 0 <0.000010>
      25045 1796654831.050000 exit_group(0)     = ?
      25045 1796654831.051000 +++ exited with 0 +++
      """.replace("LIBC(", LIBC + "(");

  @Test
  void callsInTheOrderTheyBeganWithStacksAndReturns() throws IOException {
    StraceLog.Parsed p = parse(LOG);
    assertNull(p.damage());
    assertEquals(Map.of("frobnicate", 1L), p.unknown());
    List<StraceLog.Call> c = p.calls();
    assertEquals(List.of("execve", "openat", "access", "set_robust_list", "getpid", "mmap", "fstatat", "exit_group"),
        c.stream().map(x -> SyscallNames.name(x.nr())).toList());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), c.stream().map(StraceLog.Call::seq).toList());
    assertEquals(-2, c.get(2).ret(), "ENOENT");
    assertEquals(0x7fe5b8e42000L, c.get(5).ret());
    assertEquals(25045, c.get(4).ret());
    assertEquals(0, c.get(7).ret(), "exit_group returns nothing");
    assertEquals(1796654831044909000L, c.get(4).tEnterNs(), "the unfinished line's time");
    assertEquals(433_000, c.get(4).durationNs());
    assertEquals("/etc/ld.so.cache", c.get(1).pathArg());
    assertEquals("/etc/ld.so.preload", c.get(2).pathArg());
    assertNull(c.get(4).pathArg());
    assertEquals(List.of(new StraceLog.Frame("/usr/lib/x86_64-linux-gnu/libc.so.6", "__getpid"),
        new StraceLog.Frame("/tmp/thr", "main"), new StraceLog.Frame("/usr/lib/x86_64-linux-gnu/libc.so.6",
            "__libc_start_main"), new StraceLog.Frame("/tmp/thr", "_start")), c.get(4).frames());
    assertNull(c.get(5).frames().get(1).function(), "strace knew no symbol");
    assertEquals(List.of(), c.get(6).frames());
  }

  @Test
  void eachCallGoesToTheFirstObjectOutsideGlibc() throws IOException {
    List<StraceLog.Call> c = parse(LOG).calls();
    Set<String> glibc = Set.of("glibc");
    assertEquals(new Attribution("ld-linux-x86-64.so.2", true, "_dl_catch_error"), LinuxRun.charge(c.get(1).frames(),
        glibc), "the loader's own calls: transparent only");
    assertEquals(new Attribution("libc.so.6", true, "__xmknodat"),
        LinuxRun.charge(c.get(3).frames(), glibc), "a thread's start: the outermost transparent object");
    assertEquals(new Attribution("thr", false, "main"), LinuxRun.charge(c.get(4).frames(), glibc));
    assertEquals(new Attribution("libhelper.so", false, null), LinuxRun.charge(c.get(5).frames(), glibc));
    assertEquals(new Attribution("thr", false, "work"), LinuxRun.charge(c.get(5).frames(),
        Set.of("glibc", "libhelper.so")), "--transparent looks through an object by its file name");
    assertEquals(Attribution.UNATTRIBUTED, LinuxRun.charge(c.get(6).frames(), glibc));
  }

  @Test
  void aDamagedLineEndsTheCallsAndSaysWhere() throws IOException {
    StraceLog.Parsed p = parse(LOG.replace("25052 1796654831.046000 mmap(", "garbage\n25052 1796654831.046000 mmap("));
    assertEquals(5, p.calls().size());
    assertTrue(p.damage().startsWith("line 17: garbage"), p.damage());
    p = parse("25045 1796654831.044909 <... getpid resumed>) = 1 <0.000433>\n");
    assertEquals("line 1: a resumed getpid that thread 25045 did not start", p.damage());
  }

  @Test
  void aCallThatNeverFinishedIsCountedApart() throws IOException {
    StraceLog.Parsed p = parse("7 1.000001 read(0,  <unfinished ...>\n7 1.500000 +++ killed by SIGKILL +++\n");
    assertEquals(List.of(), p.calls());
    assertEquals(Map.of("read", 1L), p.unfinished());
  }
}
