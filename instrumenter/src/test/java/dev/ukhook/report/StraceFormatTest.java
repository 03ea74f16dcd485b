package dev.ukhook.report;

import static dev.ukhook.format.TraceLayout.FLAG_AT_ENTRY;
import static dev.ukhook.format.TraceLayout.FLAG_KILLED;
import static dev.ukhook.format.TraceLayout.FLAG_LOGGED;
import static dev.ukhook.format.TraceLayout.FLAG_PATH_ARG;
import static dev.ukhook.format.TraceLayout.FLAG_REFUSED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.SyscallNames;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StraceFormatTest {
  private static final double NO_SECONDS = Double.NaN;

  private static long nr(String name) {
    return SyscallNames.byName().get(name);
  }

  /** A returned call of {@code name} taking 1 µs, without a path copy or flags. */
  private static String call(String name, long ret, long... args) {
    return StraceFormat.line("lib", (int) nr(name), args, ret, null, 0.000001, 0, 0);
  }

  /** A compact record keeps no arguments: each run of them is "...", a copied path or buffer stands in its place. */
  @Test
  void argumentsNotRecordedAreDotsAroundTheCopy() {
    assertEquals("[lib] getpid() = 5 <0.000001>", StraceFormat.line("lib", (int) nr("getpid"), null, 5, null,
        0.000001, 0, 0));
    assertEquals("[lib] socket(...) = 3 <0.000001>", StraceFormat.line("lib", (int) nr("socket"), null, 3, null,
        0.000001, 0, 0));
    assertEquals("[lib] openat(..., \"/etc/hosts\", ...) = 3 <0.000001>", StraceFormat.line("lib", (int) nr("openat"),
        null, 3, "/etc/hosts", 0.000001, 0, 0));
    assertEquals("[lib] open(\"/etc/hosts\", ...) = 3 <0.000001>", StraceFormat.line("lib", (int) nr("open"), null, 3,
        "/etc/hosts", 0.000001, 0, 0));
    assertEquals("[lib] write(..., \"hi\\n\", ...) = 3 <0.000001>", StraceFormat.line("lib", (int) nr("write"), null, 3,
        "hi\n", 0.000001, 0, 0));
  }

  @Test
  void theIssuesSocketLine() {
    assertEquals("[libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>",
        StraceFormat.line("libsmnet", 41, new long[] {2, 1, 0, 0, 0, 0}, 3, null, 0.000012, 0, 0));
    assertEquals("[lib] socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 4 <0.000001>",
        call("socket", 4, 10, 1 | 02000000 | 04000, 6));
    assertEquals("[lib] socket(AF_UNIX, SOCK_DGRAM, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)"
        + " <0.000001>", call("socket", -97, 1, 2, 0));
  }

  @Test
  void aReadsOrWritesCopiedBytesStandForItsBufferCutAsStraceCutsThem() {
    assertEquals("[lib] write(1, \"hello, world\\n\", 13) = 13 <0.000001>",
        StraceFormat.line("lib", 1, new long[] {1, 0x1000, 13}, 13, "hello, world\n", 0.000001, 0, 0));
    assertEquals("[lib] read(3, \"0123\"..., 64) = 40 <0.000001>",
        StraceFormat.line("lib", 0, new long[] {3, 0x1000, 64}, 40, "0123", 0.000001, 0, 0));
  }

  @Test
  void openatWithTheCopiedPath() {
    long[] args = {-100, 0x7f001000L, 02000000, 0, 0, 0};
    assertEquals("[libvfscore] openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or "
        + "directory) <0.000003>",
        StraceFormat.line("libvfscore", 257, args, -2, "/etc/hosts", 0.000003, 0, FLAG_PATH_ARG));
    assertEquals("[libvfscore] openat(AT_FDCWD, 0x7f001000, O_RDONLY|O_CLOEXEC) = 3 <1.500000>",
        StraceFormat.line("libvfscore", 257, args, 3, null, 1.5, 0, 0), "no copy: the pointer");
    assertEquals("[lib] openat(5, 0x10, O_WRONLY|O_CREAT|O_TRUNC, 0644) = 6 <0.000001>",
        call("openat", 6, 5, 0x10, 01 | 0100 | 01000, 0644));
    assertEquals("[lib] open(\"/tmp/x\", O_RDWR|O_CREAT|O_EXCL, 000) = 3 <0.000001>",
        StraceFormat.line("lib", 2, new long[] {1, 2 | 0100 | 0200, 0, 0, 0, 0}, 3, "/tmp/x", 0.000001, 0, 0));
  }

  @Test
  void mmapReturnsAnAddress() {
    assertEquals("[libukalloc] mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
        + "0x7f0000001000 <0.000020>", StraceFormat.line("libukalloc", 9,
            new long[] {0, 8192, 3, 0x22, -1, 0}, 0x7f0000001000L, null, 0.00002, 0, 0));
    assertEquals("[lib] mmap(0x400000, 4096, PROT_NONE, MAP_SHARED|MAP_FIXED|0x80000000, 3, 0x1000) = 0x400000 "
        + "<0.000001>", call("mmap", 0x400000, 0x400000, 4096, 0, 0x11 | 0x80000000L, 3, 0x1000));
    assertEquals("[lib] mprotect(0x1000, 4096, PROT_READ|PROT_EXEC) = 0 <0.000001>",
        call("mprotect", 0, 0x1000, 4096, 5));
    assertEquals("[lib] brk(NULL) = 0x5000 <0.000001>", call("brk", 0x5000, 0));
  }

  @Test
  void readAndWrite() {
    assertEquals("[libposix_fdtab] read(3, 0x7ffc1000, 4096) = 512 <0.000004>",
        StraceFormat.line("libposix_fdtab", 0, new long[] {3, 0x7ffc1000L, 4096, 0, 0, 0}, 512, null, 0.000004, 0, 0));
    assertEquals("[lib] write(1, 0x1234, 13) = 13 <0.000001>", call("write", 13, 1, 0x1234, 13));
    assertEquals("[lib] read(-1, NULL, 18446744073709551615) = -1 EBADF (Bad file descriptor) <0.000001>",
        call("read", -9, 0xffffffffL, 0, -1));
  }

  @Test
  void policyFlags() {
    long[] args = {3, 0x1000, 16, 0, 0, 0};
    assertEquals("[libapp] connect(3, 0x1000, 16) = -1 EPERM (Operation not permitted) (refused by policy) <0.000000>",
        StraceFormat.line("libapp", 42, args, -1, null, 0, 0, FLAG_REFUSED));
    assertEquals("[libapp] connect(3, 0x1000, 16) = ? (killed by policy)",
        StraceFormat.line("libapp", 42, args, 0, null, 0, 0, FLAG_REFUSED | FLAG_KILLED | FLAG_AT_ENTRY));
    assertEquals("[libapp] connect(3, 0x1000, 16) = 0 (logged by policy) <0.000002>",
        StraceFormat.line("libapp", 42, args, 0, null, 0.000002, 0, FLAG_LOGGED));
    assertEquals("[libapp] connect(3, 0x1000, 16) = -1 ECONNREFUSED (Connection refused) (INJECTED) <0.000002>",
        StraceFormat.line("libapp", 42, args, -111, null, 0.000002, 0, FLAG_REFUSED | FLAG_LOGGED));
  }

  @Test
  void exitGroupAtEntry() {
    assertEquals("[libposix_process] exit_group(0) = ?",
        StraceFormat.line("libposix_process", 231, new long[6], 0, null, 0.5, 100, FLAG_AT_ENTRY));
    assertEquals("[lib] exit(-1) = ?", StraceFormat.line("lib", 60, new long[] {-1}, 0, null, 0, 0, FLAG_AT_ENTRY));
  }

  @Test
  void unknownNumbersPrintAllSixArgumentsInHex() {
    assertEquals("[lib] syscall_400(0x1, 0, 0xffffffffffffffff, 0xabc, 0, 0) = -1 ENOSYS (Function not implemented)"
        + " <0.000001>", StraceFormat.line("lib", 400, new long[] {1, 0, -1, 0xabc, 0, 0}, -38, null, 1e-6, 0, 0));
    assertEquals("[lib] syscall_400(0, 0, 0, 0, 0, 0) = 7 <0.000001>",
        StraceFormat.line("lib", 400, new long[6], 7, null, 1e-6, 0, 0));
  }

  @Test
  void argumentCountsFollowTheCall() {
    assertEquals("[lib] getpid() = 1 <0.000001>", call("getpid", 1, 7, 7, 7, 7, 7, 7));
    assertEquals("[lib] close(4) = 0 <0.000001>", call("close", 0, 4, 7, 7, 7, 7, 7));
  }

  @Test
  void unknownDurationPrintsTicks() {
    assertEquals("[lib] getpid() = 1 <1234 ticks>",
        StraceFormat.line("lib", 39, new long[6], 1, null, NO_SECONDS, 1234, 0));
    assertEquals("[lib] getpid() = 1 <12.000001>",
        StraceFormat.line("lib", 39, new long[6], 1, null, 12.0000011, 1234, 0));
  }

  @Test
  void pathsAreEscapedAsStraceDoes() {
    String path = "a\"b\\c\nd\te\r\u0001f\u007f\u00ff g";
    assertEquals("[lib] unlink(\"a\\\"b\\\\c\\nd\\te\\r\\x01f\\x7f\\xff g\") = 0 <0.000001>",
        StraceFormat.line("lib", 87, new long[] {0x10}, 0, path, 1e-6, 0, FLAG_PATH_ARG));
    assertEquals("[lib] stat(\"\\xc3\\xa9\", 0x20) = 0 <0.000001>",
        StraceFormat.line("lib", 4, new long[] {0x10, 0x20}, 0, "\u00c3\u00a9", 1e-6, 0, 0), "UTF-8 bytes as decoded");
    assertEquals("[lib] rename(\"/a\", 0x20) = 0 <0.000001>",
        StraceFormat.line("lib", 82, new long[] {0x10, 0x20}, 0, "/a", 1e-6, 0, 0), "the first path only");
    assertEquals("[lib] newfstatat(AT_FDCWD, \"\", 0x20, AT_EMPTY_PATH) = 0 <0.000001>",
        StraceFormat.line("lib", 262, new long[] {-100, 0x10, 0x20, 0x1000}, 0, "", 1e-6, 0, 0));
    assertEquals("[lib] stat(\"\\xe2\\x82\\xac\", 0x20) = 0 <0.000001>",
        StraceFormat.line("lib", 4, new long[] {0x10, 0x20}, 0, "\u20ac", 1e-6, 0, 0), "above 0xff: UTF-8");
  }

  @Test
  void decodedArguments() {
    assertEquals("[lib] fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK) <0.000001>",
        call("fcntl", 0x802, 3, 3));
    assertEquals("[lib] fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0 <0.000001>", call("fcntl", 0, 3, 4, 0x802));
    assertEquals("[lib] fcntl(3, F_SETFD, FD_CLOEXEC) = 0 <0.000001>", call("fcntl", 0, 3, 2, 1));
    assertEquals("[lib] fcntl(3, F_DUPFD_CLOEXEC, 10) = 10 <0.000001>", call("fcntl", 10, 3, 1030, 10));
    assertEquals("[lib] clock_gettime(CLOCK_MONOTONIC, 0x1000) = 0 <0.000001>", call("clock_gettime", 0, 1, 0x1000));
    assertEquals("[lib] clock_gettime(-6, 0x1000) = 0 <0.000001>", call("clock_gettime", 0, -6, 0x1000));
    assertEquals("[lib] lseek(3, -10, SEEK_END) = 90 <0.000001>", call("lseek", 90, 3, -10, 2));
    assertEquals("[lib] access(0x10, R_OK|X_OK) = 0 <0.000001>", call("access", 0, 0x10, 5));
    assertEquals("[lib] access(0x10, F_OK) = 0 <0.000001>", call("access", 0, 0x10, 0));
    assertEquals("[lib] accept4(3, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK) = 5 <0.000001>",
        call("accept4", 5, 3, 0, 0, 02004000));
    assertEquals("[lib] accept4(3, NULL, NULL, 0) = -1 EAGAIN (Resource temporarily unavailable) <0.000001>",
        call("accept4", -11, 3, 0, 0, 0));
    assertEquals("[lib] epoll_ctl(4, EPOLL_CTL_ADD, 5, 0x10) = 0 <0.000001>", call("epoll_ctl", 0, 4, 1, 5, 0x10));
    assertEquals("[lib] futex(0x10, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 2, NULL) = 0 <0.000001>",
        call("futex", 0, 0x10, 128, 2, 0, 0x99, 0x99));
    assertEquals("[lib] futex(0x10, FUTEX_WAKE|FUTEX_PRIVATE_FLAG, 1) = 1 <0.000001>",
        call("futex", 1, 0x10, 129, 1, 0x99, 0x99, 0x99));
    assertEquals("[lib] futex(0x10, FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME, 0, 0x20, NULL, "
        + "0xffffffff) = -1 ETIMEDOUT (Connection timed out) <0.000001>",
        call("futex", -110, 0x10, 9 | 128 | 256, 0, 0x20, 0, -1));
    assertEquals("[lib] rt_sigprocmask(SIG_SETMASK, 0x10, NULL, 8) = 0 <0.000001>",
        call("rt_sigprocmask", 0, 2, 0x10, 0, 8));
    assertEquals("[lib] setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 0x10, 4) = 0 <0.000001>",
        call("setsockopt", 0, 3, 1, 2, 0x10, 4));
    assertEquals("[lib] setsockopt(3, SOL_TCP, TCP_NODELAY, 0x10, 4) = 0 <0.000001>",
        call("setsockopt", 0, 3, 6, 1, 0x10, 4));
    assertEquals("[lib] getsockopt(3, 99, 7, 0x10, 0x20) = 0 <0.000001>", call("getsockopt", 0, 3, 99, 7, 0x10, 0x20));
    assertEquals("[lib] shutdown(3, SHUT_RDWR) = 0 <0.000001>", call("shutdown", 0, 3, 2));
    assertEquals("[lib] kill(1, SIGTERM) = 0 <0.000001>", call("kill", 0, 1, 15));
    assertEquals("[lib] arch_prctl(ARCH_SET_FS, 0x7000) = 0 <0.000001>", call("arch_prctl", 0, 0x1002, 0x7000));
    assertEquals("[lib] ioctl(1, TIOCGWINSZ, 0x10) = 0 <0.000001>", call("ioctl", 0, 1, 0x5413, 0x10));
    assertEquals("[lib] ioctl(1, 0xc0de, 0x10) = 0 <0.000001>", call("ioctl", 0, 1, 0xc0de, 0x10));
    assertEquals("[lib] sendto(3, 0x10, 5, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 5 <0.000001>",
        call("sendto", 5, 3, 0x10, 5, 0x4040, 0, 0));
    assertEquals("[lib] pipe2(0x10, O_NONBLOCK|O_CLOEXEC) = 0 <0.000001>", call("pipe2", 0, 0x10, 02004000));
    assertEquals("[lib] mkdir(0x10, 0755) = 0 <0.000001>", call("mkdir", 0, 0x10, 0755));
    assertEquals("[lib] umask(022) = 18 <0.000001>", call("umask", 18, 022));
  }

  @Test
  void appendableVariant() throws IOException {
    StringWriter w = new StringWriter();
    StraceFormat.append(w, "libsmnet", 41, new long[] {2, 1, 0}, 3, null, 0.000012, 0, 0);
    StringBuilder sb = new StringBuilder("> ");
    StraceFormat.append((Appendable) sb, "libsmnet", 41, new long[] {2, 1, 0}, 3, null, 0.000012, 0, 0);
    assertEquals("[libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>", w.toString());
    assertEquals("> [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>", sb.toString());
  }

  @Test
  void everyKnownCallFormatsWithRandomArguments() {
    Random random = new Random(20240611);
    long[] specials = {0, -1, -100, 1, 2, 3, 0x80000000L, Long.MIN_VALUE, Long.MAX_VALUE, 0xffffffffL};
    for (var e : SyscallNames.byName().entrySet()) {
      for (int round = 0; round < 200; round++) {
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
          args[i] = switch (random.nextInt(4)) {
            case 0 -> specials[random.nextInt(specials.length)];
            case 1 -> random.nextInt(2048);
            case 2 -> random.nextInt();
            default -> random.nextLong();
          };
        }
        long ret = random.nextBoolean() ? -1 - random.nextInt(5000) : random.nextLong();
        String path = random.nextBoolean() ? null : "/p\n\u0000\u00e9";
        int flags = random.nextInt(128);
        double seconds = random.nextInt(10) == 0 ? Double.NaN : random.nextDouble();
        String line = StraceFormat.line("lib", e.getValue(), args, ret, path, seconds, random.nextLong(), flags);
        String where = e.getKey() + " " + line;
        assertTrue(line.startsWith("[lib] " + e.getKey() + "("), where);
        boolean atEntry = (flags & FLAG_AT_ENTRY) != 0;
        assertEquals(atEntry, line.contains(") = ?"), where);
        assertEquals(!atEntry, line.endsWith(">"), where);
        assertTrue(!line.contains("syscall_") && !line.contains("\n"), where);
      }
    }
  }
}
