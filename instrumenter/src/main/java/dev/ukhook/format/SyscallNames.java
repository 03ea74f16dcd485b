package dev.ukhook.format;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * x86-64 Linux system call names, the numbering the hook records (Linux's
 * arch/x86/entry/syscalls/syscall_64.tbl, numbers 0..334 and 424..450; 335..423 are unassigned on x86-64).
 */
public final class SyscallNames {
  private static final String[] LOW = {
      "read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect",
      "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64", "pwrite64",
      "readv", "writev", "access", "pipe", "select", "sched_yield", "mremap", "msync", "mincore", "madvise",
      "shmget", "shmat", "shmctl", "dup", "dup2", "pause", "nanosleep", "getitimer", "alarm", "setitimer",
      "getpid", "sendfile", "socket", "connect", "accept", "sendto", "recvfrom", "sendmsg", "recvmsg",
      "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair", "setsockopt", "getsockopt",
      "clone", "fork", "vfork", "execve", "exit", "wait4", "kill", "uname", "semget", "semop", "semctl",
      "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl", "fcntl", "flock", "fsync", "fdatasync", "truncate",
      "ftruncate", "getdents", "getcwd", "chdir", "fchdir", "rename", "mkdir", "rmdir", "creat", "link",
      "unlink", "symlink", "readlink", "chmod", "fchmod", "chown", "fchown", "lchown", "umask",
      "gettimeofday", "getrlimit", "getrusage", "sysinfo", "times", "ptrace", "getuid", "syslog", "getgid",
      "setuid", "setgid", "geteuid", "getegid", "setpgid", "getppid", "getpgrp", "setsid", "setreuid",
      "setregid", "getgroups", "setgroups", "setresuid", "getresuid", "setresgid", "getresgid", "getpgid",
      "setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending", "rt_sigtimedwait",
      "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "utime", "mknod", "uselib", "personality", "ustat",
      "statfs", "fstatfs", "sysfs", "getpriority", "setpriority", "sched_setparam", "sched_getparam",
      "sched_setscheduler", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
      "sched_rr_get_interval", "mlock", "munlock", "mlockall", "munlockall", "vhangup", "modify_ldt",
      "pivot_root", "_sysctl", "prctl", "arch_prctl", "adjtimex", "setrlimit", "chroot", "sync", "acct",
      "settimeofday", "mount", "umount2", "swapon", "swapoff", "reboot", "sethostname", "setdomainname",
      "iopl", "ioperm", "create_module", "init_module", "delete_module", "get_kernel_syms", "query_module",
      "quotactl", "nfsservctl", "getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security", "gettid",
      "readahead", "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
      "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "tkill", "time", "futex",
      "sched_setaffinity", "sched_getaffinity", "set_thread_area", "io_setup", "io_destroy", "io_getevents",
      "io_submit", "io_cancel", "get_thread_area", "lookup_dcookie", "epoll_create", "epoll_ctl_old",
      "epoll_wait_old", "remap_file_pages", "getdents64", "set_tid_address", "restart_syscall", "semtimedop",
      "fadvise64", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
      "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep", "exit_group", "epoll_wait",
      "epoll_ctl", "tgkill", "utimes", "vserver", "mbind", "set_mempolicy", "get_mempolicy", "mq_open",
      "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid",
      "add_key", "request_key", "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch",
      "inotify_rm_watch", "migrate_pages", "openat", "mkdirat", "mknodat", "fchownat", "futimesat",
      "newfstatat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat", "faccessat",
      "pselect6", "ppoll", "unshare", "set_robust_list", "get_robust_list", "splice", "tee",
      "sync_file_range", "vmsplice", "move_pages", "utimensat", "epoll_pwait", "signalfd", "timerfd_create",
      "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime", "accept4", "signalfd4", "eventfd2",
      "epoll_create1", "dup3", "pipe2", "inotify_init1", "preadv", "pwritev", "rt_tgsigqueueinfo",
      "perf_event_open", "recvmmsg", "fanotify_init", "fanotify_mark", "prlimit64", "name_to_handle_at",
      "open_by_handle_at", "clock_adjtime", "syncfs", "sendmmsg", "setns", "getcpu", "process_vm_readv",
      "process_vm_writev", "kcmp", "finit_module", "sched_setattr", "sched_getattr", "renameat2", "seccomp",
      "getrandom", "memfd_create", "kexec_file_load", "bpf", "execveat", "userfaultfd", "membarrier",
      "mlock2", "copy_file_range", "preadv2", "pwritev2", "pkey_mprotect", "pkey_alloc", "pkey_free", "statx",
      "io_pgetevents", "rseq",  };

  private static final int HIGH_BASE = 424;

  private static final String[] HIGH = {
      "pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount",
      "fsopen", "fsconfig", "fsmount", "fspick", "pidfd_open", "clone3", "close_range", "openat2",
      "pidfd_getfd", "faccessat2", "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
      "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
      "process_mrelease", "futex_waitv", "set_mempolicy_home_node",  };

  /**
   * System calls Unikraft defines (UK_SYSCALL_R_DEFINE and friends) under a name x86-64 Linux does not have, so
   * native calls of them can be named: numbers from {@value #UNIKRAFT_BASE} up, never used by Linux's table.
   * fstatat is vfscore's (Linux has newfstatat).
   */
  public static final int UNIKRAFT_BASE = 1024;

  private static final String[] UNIKRAFT = {"fstatat"};

  private SyscallNames() {}

  /**
   * The call's name: {@code <unknown native>} for a native call whose name the guest's table lacked
   * ({@link TraceLayout#NR_UNKNOWN}), {@code syscall_<nr>} for another number this table does not know.
   */
  public static String name(int nr) {
    if (nr >= 0 && nr < LOW.length) {
      return LOW[nr];
    }
    if (nr >= HIGH_BASE && nr < HIGH_BASE + HIGH.length) {
      return HIGH[nr - HIGH_BASE];
    }
    if (nr >= UNIKRAFT_BASE && nr < UNIKRAFT_BASE + UNIKRAFT.length) {
      return UNIKRAFT[nr - UNIKRAFT_BASE];
    }
    if (nr == TraceLayout.NR_UNKNOWN) {
      return "<unknown native>";
    }
    return "syscall_" + Integer.toUnsignedString(nr);
  }

  /** Whether {@link #name(int)} returns a real name rather than a fallback. */
  public static boolean isKnown(int nr) {
    return (nr >= 0 && nr < LOW.length) || (nr >= HIGH_BASE && nr < HIGH_BASE + HIGH.length)
        || (nr >= UNIKRAFT_BASE && nr < UNIKRAFT_BASE + UNIKRAFT.length);
  }

  /** Every known name with its number, sorted by name: the guest's table for naming native calls. */
  public static SortedMap<String, Integer> byName() {
    SortedMap<String, Integer> m = new TreeMap<>();
    IntStream.concat(IntStream.concat(IntStream.range(0, LOW.length), IntStream.range(HIGH_BASE,
        HIGH_BASE + HIGH.length)), IntStream.range(UNIKRAFT_BASE, UNIKRAFT_BASE + UNIKRAFT.length))
        .forEach(nr -> m.put(name(nr), nr));
    return m;
  }

  /** The calls that wait for descriptors to become ready: a server's wait for work. */
  public static final Set<String> WAITS = Set.of("poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait",
      "epoll_pwait2");

  /** The calls an idle program keeps making: the waits, sleeps and clock reads. Anything else is work. */
  public static final Set<String> IDLE = Stream.concat(WAITS.stream(), Stream.of("nanosleep", "clock_nanosleep",
      "clock_gettime", "gettimeofday", "time", "sched_yield", "getpid", "gettid")).collect(Collectors.toUnmodifiableSet());

  private static final boolean[] IDLE_NR = new boolean[HIGH_BASE + HIGH.length];

  static {
    IDLE.forEach(name -> IDLE_NR[byName().get(name)] = true);
  }

  /** Whether the call is one an idle program makes ({@link #IDLE}). */
  public static boolean isIdle(int nr) {
    return nr >= 0 && nr < IDLE_NR.length && IDLE_NR[nr];
  }

  /**
   * The calls that take a file path, and which argument it is: what an image built with a path copy copies
   * (docs/trace-format.md, "Tail"). One table for the guest (rendered into stream.h) and the host.
   */
  private static final Map<String, Integer> PATH_ARG_BY_NAME = Map.ofEntries(
      Map.entry("open", 0), Map.entry("stat", 0), Map.entry("lstat", 0), Map.entry("access", 0),
      Map.entry("execve", 0), Map.entry("truncate", 0), Map.entry("chdir", 0), Map.entry("rename", 0),
      Map.entry("mkdir", 0), Map.entry("rmdir", 0), Map.entry("creat", 0), Map.entry("link", 0),
      Map.entry("unlink", 0), Map.entry("symlink", 1), Map.entry("readlink", 0), Map.entry("chmod", 0),
      Map.entry("chown", 0), Map.entry("lchown", 0), Map.entry("utime", 0), Map.entry("mknod", 0),
      Map.entry("statfs", 0), Map.entry("chroot", 0), Map.entry("mount", 1), Map.entry("umount2", 0),
      Map.entry("openat", 1), Map.entry("mkdirat", 1), Map.entry("mknodat", 1), Map.entry("fchownat", 1),
      Map.entry("futimesat", 1), Map.entry("newfstatat", 1), Map.entry("fstatat", 1), Map.entry("unlinkat", 1),
      Map.entry("renameat", 1), Map.entry("linkat", 1), Map.entry("symlinkat", 2), Map.entry("readlinkat", 1),
      Map.entry("fchmodat", 1), Map.entry("faccessat", 1), Map.entry("utimensat", 1), Map.entry("renameat2", 1),
      Map.entry("execveat", 1), Map.entry("statx", 1), Map.entry("openat2", 1), Map.entry("faccessat2", 1));

  /**
   * The calls whose second argument is a buffer they read or write as many bytes of as they return: with a path
   * copy in the image, its first bytes are copied into the record at the return (docs/trace-format.md, "Tail").
   */
  public static SortedSet<Integer> bufferCalls() {
    SortedSet<Integer> s = new TreeSet<>();
    List.of("read", "write", "pread64", "pwrite64", "sendto", "recvfrom").forEach(n -> s.add(byName().get(n)));
    return s;
  }

  /** Number to path argument index, sorted by number. */
  public static SortedMap<Integer, Integer> pathArgs() {
    SortedMap<Integer, Integer> m = new TreeMap<>();
    SortedMap<String, Integer> numbers = byName();
    PATH_ARG_BY_NAME.forEach((name, arg) -> m.put(numbers.get(name), arg));
    return m;
  }
}
