package dev.ukhook.analysis;

import dev.ukhook.core.Terminal;
import dev.ukhook.format.Errnos;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One system call as strace prints it: {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}, with
 * flags, descriptors and errno names decoded on the host (x86-64 Linux values). Two tables, both data:
 * {@link #TABLES} (the names of flag and enum values) and {@link #SHAPES} (each call's arguments, by kind).
 * Which argument is the path comes from {@link SyscallNames#pathArgs()}, errno names from {@link Errnos}.
 *
 * <p>Where this differs from strace: pointed-to data (buffers, structs, sets) prints as the pointer, apart from
 * the path argument the guest copied; futex operations print as {@code FUTEX_WAIT|FUTEX_PRIVATE_FLAG}; a call
 * that did not return ({@link TraceLayout#FLAG_AT_ENTRY}) prints {@code = ?} and no duration.
 */
public final class StraceFormat {
  private StraceFormat() {}

  /**
   * Named values, one table a line: {@code name: ENTRY=value ...}. Plain entries are an enum (the value is one of
   * them); entries after {@code |} are bits, printed in the order given, ORed; a bit of value 0 names the value 0
   * ({@code PROT_NONE}). {@code &mask} first: the enum is the value's masked part, the bits the rest. {@code %x}:
   * an unnamed enum value prints in hex rather than decimal. Values as Java's {@link Long#decode} reads them.
   */
  private static final String TABLES = """
      domain: AF_UNSPEC=0 AF_UNIX=1 AF_INET=2 AF_INET6=10 AF_NETLINK=16 AF_PACKET=17
      socktype: &15 SOCK_STREAM=1 SOCK_DGRAM=2 SOCK_RAW=3 SOCK_RDM=4 SOCK_SEQPACKET=5 SOCK_PACKET=10 \
      | SOCK_CLOEXEC=02000000 SOCK_NONBLOCK=04000
      sockflags: | SOCK_CLOEXEC=02000000 SOCK_NONBLOCK=04000
      sockproto: IPPROTO_ICMP=1 IPPROTO_TCP=6 IPPROTO_UDP=17 IPPROTO_IPV6=41 IPPROTO_ICMPV6=58 IPPROTO_SCTP=132 \
      IPPROTO_UDPLITE=136 IPPROTO_RAW=255
      socklevel: SOL_IP=0 SOL_SOCKET=1 SOL_TCP=6 SOL_UDP=17 SOL_IPV6=41
      so: SO_DEBUG=1 SO_REUSEADDR=2 SO_TYPE=3 SO_ERROR=4 SO_DONTROUTE=5 SO_BROADCAST=6 SO_SNDBUF=7 SO_RCVBUF=8 \
      SO_KEEPALIVE=9 SO_OOBINLINE=10 SO_NO_CHECK=11 SO_PRIORITY=12 SO_LINGER=13 SO_BSDCOMPAT=14 SO_REUSEPORT=15 \
      SO_PASSCRED=16 SO_PEERCRED=17 SO_RCVLOWAT=18 SO_SNDLOWAT=19 SO_RCVTIMEO=20 SO_SNDTIMEO=21 \
      SO_BINDTODEVICE=25 SO_TIMESTAMP=29 SO_ACCEPTCONN=30 SO_SNDBUFFORCE=32 SO_RCVBUFFORCE=33 SO_PROTOCOL=38 \
      SO_DOMAIN=39
      tcpopt: TCP_NODELAY=1 TCP_MAXSEG=2 TCP_CORK=3 TCP_KEEPIDLE=4 TCP_KEEPINTVL=5 TCP_KEEPCNT=6 TCP_SYNCNT=7 \
      TCP_LINGER2=8 TCP_DEFER_ACCEPT=9 TCP_WINDOW_CLAMP=10 TCP_INFO=11 TCP_QUICKACK=12 TCP_CONGESTION=13 \
      TCP_USER_TIMEOUT=18 TCP_FASTOPEN=23
      ipopt: IP_TOS=1 IP_TTL=2 IP_HDRINCL=3 IP_OPTIONS=4 IP_PKTINFO=8 IP_RECVERR=11 IP_MULTICAST_IF=32 \
      IP_MULTICAST_TTL=33 IP_MULTICAST_LOOP=34 IP_ADD_MEMBERSHIP=35 IP_DROP_MEMBERSHIP=36
      ipv6opt: IPV6_UNICAST_HOPS=16 IPV6_MULTICAST_IF=17 IPV6_MULTICAST_HOPS=18 IPV6_MULTICAST_LOOP=19 \
      IPV6_RECVERR=25 IPV6_V6ONLY=26
      shuthow: SHUT_RD=0 SHUT_WR=1 SHUT_RDWR=2
      msgflags: | MSG_OOB=1 MSG_PEEK=2 MSG_DONTROUTE=4 MSG_CTRUNC=8 MSG_TRUNC=0x20 MSG_DONTWAIT=0x40 MSG_EOR=0x80 \
      MSG_WAITALL=0x100 MSG_NOSIGNAL=0x4000 MSG_MORE=0x8000 MSG_WAITFORONE=0x10000 MSG_CMSG_CLOEXEC=0x40000000
      oflags: &3 O_RDONLY=0 O_WRONLY=1 O_RDWR=2 | O_CREAT=0100 O_EXCL=0200 O_NOCTTY=0400 O_TRUNC=01000 \
      O_APPEND=02000 O_NONBLOCK=04000 O_SYNC=04010000 O_DSYNC=010000 O_ASYNC=020000 O_DIRECT=040000 \
      O_LARGEFILE=0100000 O_TMPFILE=020200000 O_DIRECTORY=0200000 O_NOFOLLOW=0400000 O_NOATIME=01000000 \
      O_CLOEXEC=02000000 O_PATH=010000000
      pipeflags: | O_NONBLOCK=04000 O_DIRECT=040000 O_CLOEXEC=02000000
      atflags: | AT_SYMLINK_NOFOLLOW=0x100 AT_REMOVEDIR=0x200 AT_SYMLINK_FOLLOW=0x400 AT_NO_AUTOMOUNT=0x800 \
      AT_EMPTY_PATH=0x1000 AT_STATX_FORCE_SYNC=0x2000 AT_STATX_DONT_SYNC=0x4000 AT_RECURSIVE=0x8000
      amode: | F_OK=0 R_OK=4 W_OK=2 X_OK=1
      whence: SEEK_SET=0 SEEK_CUR=1 SEEK_END=2 SEEK_DATA=3 SEEK_HOLE=4
      fcntlcmd: F_DUPFD=0 F_GETFD=1 F_SETFD=2 F_GETFL=3 F_SETFL=4 F_GETLK=5 F_SETLK=6 F_SETLKW=7 F_SETOWN=8 \
      F_GETOWN=9 F_SETSIG=10 F_GETSIG=11 F_SETOWN_EX=15 F_GETOWN_EX=16 F_OFD_GETLK=36 F_OFD_SETLK=37 \
      F_OFD_SETLKW=38 F_SETLEASE=1024 F_GETLEASE=1025 F_NOTIFY=1026 F_DUPFD_CLOEXEC=1030 F_SETPIPE_SZ=1031 \
      F_GETPIPE_SZ=1032 F_ADD_SEALS=1033 F_GET_SEALS=1034
      fdflags: | FD_CLOEXEC=1
      flockop: | LOCK_SH=1 LOCK_EX=2 LOCK_NB=4 LOCK_UN=8
      prot: | PROT_NONE=0 PROT_READ=1 PROT_WRITE=2 PROT_EXEC=4 PROT_SEM=8 PROT_GROWSDOWN=0x01000000 \
      PROT_GROWSUP=0x02000000
      mapflags: | MAP_SHARED_VALIDATE=3 MAP_SHARED=1 MAP_PRIVATE=2 MAP_FIXED=0x10 MAP_ANONYMOUS=0x20 MAP_32BIT=0x40 \
      MAP_GROWSDOWN=0x100 MAP_DENYWRITE=0x800 MAP_EXECUTABLE=0x1000 MAP_LOCKED=0x2000 MAP_NORESERVE=0x4000 \
      MAP_POPULATE=0x8000 MAP_NONBLOCK=0x10000 MAP_STACK=0x20000 MAP_HUGETLB=0x40000 MAP_SYNC=0x80000 \
      MAP_FIXED_NOREPLACE=0x100000
      mremapflags: | MREMAP_MAYMOVE=1 MREMAP_FIXED=2 MREMAP_DONTUNMAP=4
      msyncflags: | MS_ASYNC=1 MS_INVALIDATE=2 MS_SYNC=4
      madvise: MADV_NORMAL=0 MADV_RANDOM=1 MADV_SEQUENTIAL=2 MADV_WILLNEED=3 MADV_DONTNEED=4 MADV_FREE=8 \
      MADV_REMOVE=9 MADV_DONTFORK=10 MADV_DOFORK=11 MADV_MERGEABLE=12 MADV_UNMERGEABLE=13 MADV_HUGEPAGE=14 \
      MADV_NOHUGEPAGE=15 MADV_DONTDUMP=16 MADV_DODUMP=17
      clockid: CLOCK_REALTIME=0 CLOCK_MONOTONIC=1 CLOCK_PROCESS_CPUTIME_ID=2 CLOCK_THREAD_CPUTIME_ID=3 \
      CLOCK_MONOTONIC_RAW=4 CLOCK_REALTIME_COARSE=5 CLOCK_MONOTONIC_COARSE=6 CLOCK_BOOTTIME=7 \
      CLOCK_REALTIME_ALARM=8 CLOCK_BOOTTIME_ALARM=9 CLOCK_TAI=11
      timerflags: | TIMER_ABSTIME=1
      tfdflags: | TFD_CLOEXEC=02000000 TFD_NONBLOCK=04000
      efdflags: | EFD_SEMAPHORE=1 EFD_CLOEXEC=02000000 EFD_NONBLOCK=04000
      epollflags: | EPOLL_CLOEXEC=02000000
      epollop: EPOLL_CTL_ADD=1 EPOLL_CTL_DEL=2 EPOLL_CTL_MOD=3
      futexop: &127 FUTEX_WAIT=0 FUTEX_WAKE=1 FUTEX_FD=2 FUTEX_REQUEUE=3 FUTEX_CMP_REQUEUE=4 FUTEX_WAKE_OP=5 \
      FUTEX_LOCK_PI=6 FUTEX_UNLOCK_PI=7 FUTEX_TRYLOCK_PI=8 FUTEX_WAIT_BITSET=9 FUTEX_WAKE_BITSET=10 \
      FUTEX_WAIT_REQUEUE_PI=11 FUTEX_CMP_REQUEUE_PI=12 FUTEX_LOCK_PI2=13 | FUTEX_PRIVATE_FLAG=128 \
      FUTEX_CLOCK_REALTIME=256
      sighow: SIG_BLOCK=0 SIG_UNBLOCK=1 SIG_SETMASK=2
      signal: SIGHUP=1 SIGINT=2 SIGQUIT=3 SIGILL=4 SIGTRAP=5 SIGABRT=6 SIGBUS=7 SIGFPE=8 SIGKILL=9 SIGUSR1=10 \
      SIGSEGV=11 SIGUSR2=12 SIGPIPE=13 SIGALRM=14 SIGTERM=15 SIGSTKFLT=16 SIGCHLD=17 SIGCONT=18 SIGSTOP=19 \
      SIGTSTP=20 SIGTTIN=21 SIGTTOU=22 SIGURG=23 SIGXCPU=24 SIGXFSZ=25 SIGVTALRM=26 SIGPROF=27 SIGWINCH=28 \
      SIGIO=29 SIGPWR=30 SIGSYS=31
      rlimit: RLIMIT_CPU=0 RLIMIT_FSIZE=1 RLIMIT_DATA=2 RLIMIT_STACK=3 RLIMIT_CORE=4 RLIMIT_RSS=5 RLIMIT_NPROC=6 \
      RLIMIT_NOFILE=7 RLIMIT_MEMLOCK=8 RLIMIT_AS=9 RLIMIT_LOCKS=10 RLIMIT_SIGPENDING=11 RLIMIT_MSGQUEUE=12 \
      RLIMIT_NICE=13 RLIMIT_RTPRIO=14 RLIMIT_RTTIME=15
      archprctl: ARCH_SET_GS=0x1001 ARCH_SET_FS=0x1002 ARCH_GET_FS=0x1003 ARCH_GET_GS=0x1004
      grndflags: | GRND_NONBLOCK=1 GRND_RANDOM=2 GRND_INSECURE=4
      mfdflags: | MFD_CLOEXEC=1 MFD_ALLOW_SEALING=2 MFD_HUGETLB=4
      ioctlreq: %x TCGETS=0x5401 TCSETS=0x5402 TCSETSW=0x5403 TCSETSF=0x5404 TIOCSCTTY=0x540e TIOCGPGRP=0x540f \
      TIOCSPGRP=0x5410 TIOCGWINSZ=0x5413 TIOCSWINSZ=0x5414 FIONREAD=0x541b FIONBIO=0x5421 FIONCLEX=0x5450 \
      FIOCLEX=0x5451 FIOASYNC=0x5452 SIOCGIFCONF=0x8912 SIOCGIFFLAGS=0x8913 SIOCSIFFLAGS=0x8914 \
      SIOCGIFADDR=0x8915 SIOCGIFMTU=0x8921 SIOCGIFHWADDR=0x8927 SIOCGIFINDEX=0x8933
      """;

  /**
   * Each known call's arguments, one shape a line: {@code name ...: kind ...}, {@code => hex} where the call
   * returns an address. Kinds: {@code fd} and {@code int} (decimal int), {@code dirfd} (and AT_FDCWD),
   * {@code uint}, {@code ulong}, {@code long} (decimal), {@code ptr} (hex, NULL), {@code hex}, {@code mode} (octal),
   * {@code -} (not printed), a table's name, and four that look at another argument: {@code omode} (open's mode,
   * printed with O_CREAT or O_TMPFILE), {@code fcntlarg}, {@code futexarg} and {@code sockopt}. Counts are
   * strace's for x86-64. The path argument ({@link SyscallNames#pathArgs()}) is a {@code ptr} here.
   */
  private static final String SHAPES = """
      sched_yield pause getpid fork vfork getuid getgid geteuid getegid getppid getpgrp setsid munlockall vhangup \
      sync gettid restart_syscall inotify_init rt_sigreturn:
      read write getdents getdents64: fd ptr ulong
      pread64 pwrite64: fd ptr ulong long
      readv writev: fd ptr int
      preadv pwritev: fd ptr int long
      preadv2 pwritev2: fd ptr int long - hex
      open: ptr oflags omode
      openat: dirfd ptr oflags omode
      openat2: dirfd ptr ptr ulong
      creat mkdir chmod: ptr mode
      mkdirat fchmodat: dirfd ptr mode
      mknod: ptr mode hex
      mknodat: dirfd ptr mode hex
      close dup fsync fdatasync fchdir syncfs: fd
      dup2: fd fd
      dup3: fd fd pipeflags
      pipe: ptr
      pipe2: ptr pipeflags
      stat lstat rename link symlink utime utimes pivot_root statfs capget capset sigaltstack nanosleep \
      gettimeofday settimeofday: ptr ptr
      fstat fstatfs: fd ptr
      newfstatat fstatat: dirfd ptr ptr atflags
      statx: dirfd ptr atflags hex ptr
      access: ptr amode
      faccessat: dirfd ptr amode
      faccessat2: dirfd ptr amode atflags
      truncate: ptr long
      ftruncate: fd long
      lseek: fd long whence
      readlink: ptr ptr ulong
      readlinkat: dirfd ptr ptr ulong
      chdir rmdir unlink chroot acct swapoff uselib mq_unlink _sysctl get_kernel_syms shmdt uname time \
      sysinfo times adjtimex set_tid_address set_thread_area get_thread_area: ptr
      unlinkat: dirfd ptr atflags
      renameat: dirfd ptr dirfd ptr
      renameat2: dirfd ptr dirfd ptr hex
      linkat: dirfd ptr dirfd ptr atflags
      symlinkat: ptr dirfd ptr
      chown lchown: ptr int int
      fchown: fd int int
      fchownat: dirfd ptr int int atflags
      fchmod: fd mode
      futimesat: dirfd ptr ptr
      utimensat: dirfd ptr ptr atflags
      umask: mode
      getcwd: ptr ulong
      fcntl: fd fcntlcmd fcntlarg
      flock: fd flockop
      ioctl: fd ioctlreq hex
      mmap: ptr ulong prot mapflags fd hex => hex
      mprotect: ptr ulong prot
      pkey_mprotect: ptr ulong prot int
      munmap mlock munlock: ptr ulong
      mlock2: ptr ulong hex
      mlockall: hex
      brk: ptr => hex
      mremap: ptr ulong ulong mremapflags ptr => hex
      msync: ptr ulong msyncflags
      mincore: ptr ulong ptr
      madvise: ptr ulong madvise
      remap_file_pages: ptr ulong prot ulong mapflags
      mbind: ptr ulong int ptr ulong hex
      set_mempolicy: int ptr ulong
      get_mempolicy: ptr ptr ulong ptr hex
      migrate_pages: int ulong ptr ptr
      move_pages: int ulong ptr ptr ptr hex
      set_mempolicy_home_node: ptr ulong ulong hex
      socket: domain socktype sockproto
      socketpair: domain socktype sockproto ptr
      connect bind: fd ptr int
      accept getsockname getpeername: fd ptr ptr
      accept4: fd ptr ptr sockflags
      listen: fd int
      shutdown: fd shuthow
      sendto: fd ptr ulong msgflags ptr int
      recvfrom: fd ptr ulong msgflags ptr ptr
      sendmsg recvmsg: fd ptr msgflags
      sendmmsg: fd ptr uint msgflags
      recvmmsg: fd ptr uint msgflags ptr
      setsockopt: fd socklevel sockopt ptr int
      getsockopt: fd socklevel sockopt ptr ptr
      sendfile: fd fd ptr ulong
      splice: fd ptr fd ptr ulong hex
      tee: fd fd ulong hex
      vmsplice: fd ptr ulong hex
      copy_file_range: fd ptr fd ptr ulong hex
      readahead: fd long ulong
      fadvise64: fd long long int
      fallocate: fd hex long long
      sync_file_range: fd long long hex
      poll: ptr uint int
      ppoll: ptr uint ptr ptr ulong
      select: int ptr ptr ptr ptr
      pselect6: int ptr ptr ptr ptr ptr
      epoll_create: int
      epoll_create1: epollflags
      epoll_ctl: fd epollop fd ptr
      epoll_wait: fd ptr int int
      epoll_pwait: fd ptr int int ptr ulong
      epoll_pwait2: fd ptr int ptr ptr ulong
      eventfd: uint
      eventfd2: uint efdflags
      timerfd_create: clockid tfdflags
      timerfd_settime: fd hex ptr ptr
      timerfd_gettime: fd ptr
      signalfd: fd ptr ulong
      signalfd4: fd ptr ulong hex
      inotify_init1 userfaultfd: pipeflags
      inotify_add_watch: fd ptr hex
      inotify_rm_watch: fd int
      fanotify_init: hex hex
      fanotify_mark: fd hex hex dirfd ptr
      memfd_create: ptr mfdflags
      memfd_secret personality unshare io_destroy: hex
      clock_gettime clock_settime clock_getres clock_adjtime: clockid ptr
      clock_nanosleep: clockid timerflags ptr ptr
      timer_create: clockid ptr ptr
      timer_settime: int timerflags ptr ptr
      timer_gettime getitimer: int ptr
      setitimer: int ptr ptr
      timer_getoverrun timer_delete exit exit_group iopl setuid setgid getpgid setfsuid setfsgid getsid \
      sched_getscheduler sched_get_priority_max sched_get_priority_min pkey_free: int
      alarm: uint
      rt_sigaction: signal ptr ptr ulong
      rt_sigprocmask: sighow ptr ptr ulong
      rt_sigpending rt_sigsuspend: ptr ulong
      rt_sigtimedwait: ptr ptr ptr ulong
      rt_sigqueueinfo: int signal ptr
      rt_tgsigqueueinfo: int int signal ptr
      kill tkill: int signal
      tgkill: int int signal
      pidfd_send_signal: fd signal ptr hex
      pidfd_open: int hex
      pidfd_getfd: fd fd hex
      process_mrelease landlock_restrict_self: fd hex
      clone: hex ptr ptr ptr hex
      clone3: ptr ulong
      execve: ptr ptr ptr
      execveat: dirfd ptr ptr ptr atflags
      wait4: int ptr hex ptr
      waitid: int int ptr hex ptr
      futex: ptr futexop futexarg futexarg futexarg futexarg
      futex_waitv: ptr uint hex ptr clockid
      set_robust_list: ptr ulong
      get_robust_list: int ptr ptr
      rseq: ptr uint hex hex
      sched_setaffinity sched_getaffinity: int uint ptr
      sched_setparam sched_getparam sched_rr_get_interval: int ptr
      sched_setscheduler: int int ptr
      sched_setattr: int ptr hex
      sched_getattr: int ptr uint hex
      getpriority setpgid setreuid setregid ioprio_get: int int
      setpriority setresuid setresgid ioprio_set: int int int
      getresuid getresgid getcpu: ptr ptr ptr
      getgroups setgroups: int ptr
      getrlimit setrlimit: rlimit ptr
      prlimit64: int rlimit ptr ptr
      getrusage: int ptr
      arch_prctl: archprctl hex
      prctl: int hex hex hex hex
      getrandom: ptr ulong grndflags
      syslog: int ptr int
      ptrace: int int ptr ptr
      modify_ldt: int ptr ulong
      mount: ptr ptr ptr hex ptr
      umount2 swapon: ptr hex
      sethostname setdomainname create_module: ptr ulong
      reboot: hex hex hex ptr
      ioperm: ulong ulong int
      init_module: ptr ulong ptr
      finit_module: fd ptr hex
      delete_module: ptr hex
      query_module: ptr int ptr ulong ptr
      quotactl: hex ptr int ptr
      quotactl_fd: fd hex int ptr
      nfsservctl: int ptr ptr
      getpmsg putpmsg afs_syscall vserver: hex hex hex hex hex
      tuxcall security: hex hex hex
      epoll_ctl_old epoll_wait_old: hex hex hex hex
      ustat: hex ptr
      sysfs: int hex hex
      setxattr lsetxattr: ptr ptr ptr ulong hex
      fsetxattr: fd ptr ptr ulong hex
      getxattr lgetxattr: ptr ptr ptr ulong
      fgetxattr: fd ptr ptr ulong
      listxattr llistxattr: ptr ptr ulong
      flistxattr: fd ptr ulong
      removexattr lremovexattr: ptr ptr
      fremovexattr: fd ptr
      shmget: int ulong hex
      shmat: int ptr hex => hex
      shmctl msgctl: int int ptr
      semget: int int hex
      semop: int ptr ulong
      semtimedop: int ptr ulong ptr
      semctl: int int int hex
      msgget: int hex
      msgsnd: int ptr ulong hex
      msgrcv: int ptr ulong long hex
      mq_open: ptr oflags omode ptr
      mq_timedsend: fd ptr ulong uint ptr
      mq_timedreceive: fd ptr ulong ptr ptr
      mq_notify: fd ptr
      mq_getsetattr: fd ptr ptr
      io_setup: uint ptr
      io_getevents: hex long long ptr ptr
      io_pgetevents: hex long long ptr ptr ptr
      io_submit: hex long ptr
      io_cancel: hex ptr ptr
      io_uring_setup: uint ptr
      io_uring_enter: fd uint uint hex ptr ulong
      io_uring_register: fd uint ptr uint
      lookup_dcookie: hex ptr ulong
      kexec_load: hex ulong ptr hex
      kexec_file_load: fd fd ulong ptr hex
      add_key: ptr ptr ptr ulong int
      request_key: ptr ptr ptr int
      keyctl: int hex hex hex hex
      perf_event_open: ptr int int fd hex
      name_to_handle_at: dirfd ptr ptr ptr atflags
      open_by_handle_at: fd ptr oflags
      setns: fd hex
      process_vm_readv process_vm_writev: int ptr ulong ptr ulong hex
      kcmp: int int int hex hex
      seccomp: int hex ptr
      bpf: int ptr uint
      membarrier: int hex int
      pkey_alloc: hex hex
      process_madvise: fd ptr ulong madvise hex
      open_tree: dirfd ptr hex
      move_mount: dirfd ptr dirfd ptr hex
      fsopen: ptr hex
      fsconfig: fd uint ptr ptr int
      fsmount: fd hex hex
      fspick: dirfd ptr hex
      close_range: fd uint hex
      mount_setattr: dirfd ptr atflags ptr ulong
      landlock_create_ruleset: ptr ulong hex
      landlock_add_rule: fd int ptr hex
      """;

  private enum Kind { FD, DIRFD, INT, UINT, ULONG, LONG, PTR, HEX, MODE, SKIP, OMODE, FCNTLARG, FUTEXARG, SOCKOPT,
    TABLE }

  /** A table of {@link #TABLES}; {@code enumMask} 0 for bits only. */
  private record Table(long enumMask, boolean hexFallback, String[] enumNames, long[] enumValues, String[] bitNames,
      long[] bitValues) {}

  private record Arg(Kind kind, Table table) {}

  private record Shape(Arg[] args, boolean hexReturn) {}

  private static final Map<String, Table> TABLE_BY_NAME = parseTables();
  private static final Table OFLAGS = TABLE_BY_NAME.get("oflags");
  private static final Table FDFLAGS = TABLE_BY_NAME.get("fdflags");
  private static final Table SO = TABLE_BY_NAME.get("so");
  private static final Table TCPOPT = TABLE_BY_NAME.get("tcpopt");
  private static final Table IPOPT = TABLE_BY_NAME.get("ipopt");
  private static final Table IPV6OPT = TABLE_BY_NAME.get("ipv6opt");

  private static final int NR_FCNTL = SyscallNames.byName().get("fcntl");
  private static final int F_GETFD = 1;
  private static final int F_GETFL = 3;
  private static final long O_CREAT = 0100;
  private static final long O_TMPFILE = 020000000;
  /** futex's arguments printed, by command (op & 127), as strace prints them. */
  private static final int[] FUTEX_ARGS = {4, 3, 3, 5, 6, 6, 4, 3, 3, 6, 6, 5, 6, 4};

  /** By number; null for a number without a name. */
  private static final Shape[] SHAPE_BY_NR;
  /** By number: the path argument's index, or -1. */
  private static final int[] PATH_ARG_BY_NR;
  private static final boolean[] BUFFER_CALL = new boolean[1 << 16];

  static {
    Map<String, Integer> numbers = SyscallNames.byName();
    int size = numbers.values().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
    SHAPE_BY_NR = new Shape[size];
    for (String line : SHAPES.split("\n")) {
      int colon = line.indexOf(':');
      String[] sides = line.substring(colon + 1).split("=>");
      List<Arg> args = new ArrayList<>();
      for (String token : words(sides[0])) {
        args.add(arg(token));
      }
      Shape shape = new Shape(args.toArray(Arg[]::new), sides.length > 1 && sides[1].strip().equals("hex"));
      for (String name : words(line.substring(0, colon))) {
        Integer nr = numbers.get(name);
        if (nr == null || SHAPE_BY_NR[nr] != null) {
          throw new IllegalStateException("SHAPES: " + name + (nr == null ? " is no call's name" : " twice"));
        }
        SHAPE_BY_NR[nr] = shape;
      }
    }
    numbers.forEach((name, nr) -> {
      if (SHAPE_BY_NR[nr] == null) {
        throw new IllegalStateException("SHAPES lacks " + name);
      }
    });
    PATH_ARG_BY_NR = new int[size];
    Arrays.fill(PATH_ARG_BY_NR, -1);
    SyscallNames.pathArgs().forEach((nr, index) -> {
      Arg[] args = SHAPE_BY_NR[nr].args();
      if (index >= args.length || args[index].kind() != Kind.PTR) {
        throw new IllegalStateException("SHAPES: " + SyscallNames.name(nr) + "'s path argument is no ptr");
      }
      PATH_ARG_BY_NR[nr] = index;
    });
    // A read's or write's buffer, where the guest copied its first bytes: the second argument, like a path.
    SyscallNames.bufferCalls().forEach(nr -> {
      PATH_ARG_BY_NR[nr] = 1;
      BUFFER_CALL[nr] = true;
    });
  }

  private static String[] words(String s) {
    String t = s.strip();
    return t.isEmpty() ? new String[0] : t.split("\\s+");
  }

  private static Arg arg(String token) {
    for (Kind k : Kind.values()) {
      if (k != Kind.TABLE && token.equals(k == Kind.SKIP ? "-" : k.name().toLowerCase(Locale.ROOT))) {
        return new Arg(k, null);
      }
    }
    Table t = TABLE_BY_NAME.get(token);
    if (t == null) {
      throw new IllegalStateException("SHAPES: no kind or table " + token);
    }
    return new Arg(Kind.TABLE, t);
  }

  private static Map<String, Table> parseTables() {
    Map<String, Table> tables = new HashMap<>();
    for (String line : TABLES.split("\n")) {
      int colon = line.indexOf(':');
      long mask = 0xffffffffL;
      boolean hex = false;
      boolean bits = false;
      List<String> en = new ArrayList<>();
      List<Long> ev = new ArrayList<>();
      List<String> bn = new ArrayList<>();
      List<Long> bv = new ArrayList<>();
      String[] tokens = words(line.substring(colon + 1));
      for (int i = 0; i < tokens.length; i++) {
        String token = tokens[i];
        if (token.startsWith("&")) {
          mask = Long.decode(token.substring(1));
        } else if (token.equals("%x")) {
          hex = true;
        } else if (token.equals("|")) {
          bits = true;
          mask = en.isEmpty() ? 0 : mask;
        } else {
          int eq = token.indexOf('=');
          (bits ? bn : en).add(token.substring(0, eq));
          (bits ? bv : ev).add(Long.decode(token.substring(eq + 1)));
        }
      }
      tables.put(line.substring(0, colon).strip(), new Table(mask, hex, en.toArray(String[]::new),
          ev.stream().mapToLong(Long::longValue).toArray(), bn.toArray(String[]::new),
          bv.stream().mapToLong(Long::longValue).toArray()));
    }
    return tables;
  }

  /**
   * One call as strace prints it, e.g. {@code [libsmnet] socket(AF_INET, SOCK_STREAM, 0) = 3 <0.000012>}.
   *
   * @param library the microlibrary the call is attributed to
   * @param nr x86-64 Linux syscall number ({@link SyscallNames})
   * @param args the six argument registers (fewer are taken as 0)
   * @param ret the raw return value; -4095..-1 is {@code -errno}
   * @param pathArg the call's path argument as the guest copied it (may be cut), or for a read or write the first
   *     bytes it moved (one char a byte), or null when nothing was copied
   * @param seconds the call's duration in seconds, or NaN when unknown (then print "<N ticks>" using {@code ticks})
   * @param ticks the call's duration in the trace's timestamp ticks
   * @param flags the record's {@code TraceLayout.FLAG_*} bits
   */
  public static String line(String library, int nr, long[] args, long ret, String pathArg, double seconds,
      long ticks, int flags) {
    return append(new StringBuilder(96), library, nr, args, ret, pathArg, seconds, ticks, flags).toString();
  }

  /** {@link #line} appended to {@code out}, without a newline. */
  public static void append(Appendable out, String library, int nr, long[] args, long ret, String pathArg,
      double seconds, long ticks, int flags) throws IOException {
    if (out instanceof StringBuilder sb) {
      append(sb, library, nr, args, ret, pathArg, seconds, ticks, flags);
    } else {
      out.append(append(new StringBuilder(96), library, nr, args, ret, pathArg, seconds, ticks, flags));
    }
  }

  /** {@link #line} appended to {@code sb}, without a newline; returns {@code sb}. */
  public static StringBuilder append(StringBuilder sb, String library, int nr, long[] args, long ret,
      String pathArg, double seconds, long ticks, int flags) {
    if (args.length < 6) {
      args = Arrays.copyOf(args, 6);
    }
    sb.append('[').append(Terminal.escape(library)).append("] ").append(SyscallNames.name(nr)).append('(');
    Shape shape = nr >= 0 && nr < SHAPE_BY_NR.length ? SHAPE_BY_NR[nr] : null;
    if (shape == null) {
      for (int i = 0; i < 6; i++) {
        hex(i == 0 ? sb : sb.append(", "), args[i]);
      }
    } else {
      int pathIndex = pathArg == null ? -1 : PATH_ARG_BY_NR[nr];
      boolean first = true;
      for (int i = 0; i < shape.args().length; i++) {
        Arg a = shape.args()[i];
        if (!shown(a.kind(), args, i)) {
          continue;
        }
        if (!first) {
          sb.append(", ");
        }
        first = false;
        if (i == pathIndex) {
          quoted(sb, pathArg);
          if (BUFFER_CALL[nr] && ret > pathArg.length()) {
            sb.append("..."); // strace's mark of a buffer cut to its -s
          }
        } else {
          arg(sb, a, args, i);
        }
      }
    }
    sb.append(')');
    boolean atEntry = (flags & TraceLayout.FLAG_AT_ENTRY) != 0;
    if (atEntry) {
      sb.append(" = ?");
    } else {
      sb.append(" = ");
      result(sb, nr, shape, args, ret);
    }
    if ((flags & TraceLayout.FLAG_KILLED) != 0) {
      sb.append(" (killed by policy)");
    } else if ((flags & TraceLayout.FLAG_REFUSED) != 0) {
      sb.append(" (refused by policy)");
    }
    if ((flags & TraceLayout.FLAG_LOGGED) != 0) {
      sb.append(" (logged by policy)");
    }
    if (!atEntry) {
      duration(sb.append(' '), seconds, ticks);
    }
    return sb;
  }

  private static boolean shown(Kind kind, long[] args, int i) {
    return switch (kind) {
      case SKIP -> false;
      case OMODE -> (args[i - 1] & (O_CREAT | O_TMPFILE)) != 0;
      case FCNTLARG -> switch ((int) args[i - 1]) {
        case 1, 3, 9, 11, 1025, 1032, 1034 -> false; // F_GETFD F_GETFL F_GETOWN F_GETSIG F_GETLEASE F_GETPIPE_SZ ..
        default -> true;
      };
      case FUTEXARG -> i < futexArgs(args[1]);
      default -> true;
    };
  }

  private static int futexArgs(long op) {
    int cmd = (int) op & 127;
    return cmd < FUTEX_ARGS.length ? FUTEX_ARGS[cmd] : 6;
  }

  private static void arg(StringBuilder sb, Arg a, long[] args, int i) {
    long v = args[i];
    switch (a.kind()) {
      case FD, INT -> sb.append((int) v);
      case DIRFD -> {
        if ((int) v == -100) {
          sb.append("AT_FDCWD");
        } else {
          sb.append((int) v);
        }
      }
      case UINT -> sb.append(v & 0xffffffffL);
      case ULONG -> unsigned(sb, v);
      case LONG -> sb.append(v);
      case PTR -> pointer(sb, v);
      case HEX -> hex(sb, v);
      case MODE, OMODE -> mode(sb, v);
      case TABLE -> table(sb, a.table(), v);
      case FCNTLARG -> {
        switch ((int) args[i - 1]) {
          case 4 -> table(sb, OFLAGS, v); // F_SETFL
          case 2 -> table(sb, FDFLAGS, v); // F_SETFD
          case 5, 6, 7, 15, 16, 36, 37, 38 -> pointer(sb, v); // locks, F_[GS]ETOWN_EX
          case 1033 -> hex(sb, v); // F_ADD_SEALS
          default -> sb.append((int) v);
        }
      }
      case FUTEXARG -> {
        int cmd = (int) args[1] & 127;
        if (i == 2) {
          sb.append((int) v);
        } else if (i == 3 && (cmd == 3 || cmd == 4 || cmd == 5 || cmd == 12)) {
          sb.append(v & 0xffffffffL); // val2 of the requeues and wake_op
        } else if (i == 5 && (cmd == 5 || cmd == 9 || cmd == 10)) {
          hex(sb, v & 0xffffffffL); // wake_op's op, the bitset
        } else if (i == 5) {
          sb.append((int) v);
        } else {
          pointer(sb, v);
        }
      }
      case SOCKOPT -> {
        Table t = switch ((int) args[1]) {
          case 0 -> IPOPT;
          case 1 -> SO;
          case 6 -> TCPOPT;
          case 41 -> IPV6OPT;
          default -> null;
        };
        if (t == null) {
          sb.append((int) v);
        } else {
          table(sb, t, v);
        }
      }
      default -> throw new IllegalStateException(a.kind().name());
    }
  }

  private static void result(StringBuilder sb, int nr, Shape shape, long[] args, long ret) {
    if (ret >= -4095 && ret <= -1) {
      int errno = (int) -ret;
      sb.append("-1 ").append(Errnos.name(errno)).append(" (").append(Errnos.message(errno)).append(')');
    } else if (shape != null && shape.hexReturn()) {
      hex(sb, ret);
    } else if (nr == NR_FCNTL && ret >= 0 && ((int) args[1] == F_GETFL || (int) args[1] == F_GETFD && ret > 0)) {
      hex(sb, ret);
      table(sb.append(" (flags "), (int) args[1] == F_GETFL ? OFLAGS : FDFLAGS, ret).append(')');
    } else {
      sb.append(ret);
    }
  }

  /** strace's {@code -T}: {@code <0.000012>}, or {@code <N ticks>} when the seconds are unknown. */
  private static void duration(StringBuilder sb, double seconds, long ticks) {
    sb.append('<');
    if (Double.isFinite(seconds)) {
      long micros = Math.round(seconds * 1e6);
      if (micros < 0) {
        sb.append('-');
        micros = -micros;
      }
      sb.append(micros / 1_000_000).append('.');
      long frac = micros % 1_000_000;
      for (long p = 100_000; p > frac && p > 1; p /= 10) {
        sb.append('0');
      }
      sb.append(frac);
    } else {
      sb.append(ticks).append(" ticks");
    }
    sb.append('>');
  }

  private static StringBuilder table(StringBuilder sb, Table t, long arg) {
    long v = arg & 0xffffffffL;
    int start = sb.length();
    if (t.enumMask() != 0) {
      long e = v & t.enumMask();
      String name = null;
      for (int i = 0; i < t.enumValues().length && name == null; i++) {
        name = t.enumValues()[i] == e ? t.enumNames()[i] : null;
      }
      if (name != null) {
        sb.append(name);
      } else if (t.hexFallback()) {
        hex(sb, e);
      } else {
        sb.append(t.enumMask() == 0xffffffffL ? (int) e : e);
      }
    }
    long rest = v & ~t.enumMask();
    String zero = null;
    for (int i = 0; i < t.bitValues().length; i++) {
      long b = t.bitValues()[i];
      if (b == 0) {
        zero = t.bitNames()[i];
      } else if ((rest & b) == b) {
        (sb.length() > start ? sb.append('|') : sb).append(t.bitNames()[i]);
        rest &= ~b;
      }
    }
    if (rest != 0) {
      hex(sb.length() > start ? sb.append('|') : sb, rest);
    }
    if (sb.length() == start) {
      sb.append(zero != null ? zero : "0");
    }
    return sb;
  }

  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  /** C's {@code %#lx}: 0, or 0x and the hex digits. */
  private static void hex(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append('0');
      return;
    }
    sb.append("0x");
    for (int shift = (63 - Long.numberOfLeadingZeros(v)) & ~3; shift >= 0; shift -= 4) {
      sb.append(DIGITS[(int) (v >>> shift) & 15]);
    }
  }

  private static void pointer(StringBuilder sb, long v) {
    if (v == 0) {
      sb.append("NULL");
    } else {
      hex(sb, v);
    }
  }

  private static void unsigned(StringBuilder sb, long v) {
    if (v >= 0) {
      sb.append(v);
    } else {
      sb.append(Long.toUnsignedString(v));
    }
  }

  /** strace's mode: C's {@code %#03o} of the low 32 bits, so 0644 and 000. */
  private static void mode(StringBuilder sb, long arg) {
    long v = arg & 0xffffffffL;
    int digits = Math.max(1, (66 - Long.numberOfLeadingZeros(v)) / 3);
    sb.append('0');
    for (int i = digits; i < 2; i++) {
      sb.append('0');
    }
    for (int shift = (digits - 1) * 3; shift >= 0; shift -= 3) {
      sb.append(DIGITS[(int) (v >>> shift) & 7]);
    }
  }

  /**
   * {@code s} in double quotes as strace escapes it: {@code \" \\ \t \n \v \f \r}, other bytes outside printable
   * ASCII as {@code \xNN}. The trace decodes the guest's bytes as ISO-8859-1, one char a byte; a char above 0xff
   * prints as its UTF-8 bytes.
   */
  static void quoted(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      int c = s.codePointAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case 0x0b -> sb.append("\\v");
        case '\f' -> sb.append("\\f");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c >= 0x20 && c < 0x7f) {
            sb.append((char) c);
          } else if (c <= 0xff) {
            sb.append("\\x").append(DIGITS[c >> 4]).append(DIGITS[c & 15]);
          } else {
            i += Character.charCount(c) - 1;
            for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
              sb.append("\\x").append(DIGITS[(b >> 4) & 15]).append(DIGITS[b & 15]);
            }
          }
        }
      }
    }
    sb.append('"');
  }
}
