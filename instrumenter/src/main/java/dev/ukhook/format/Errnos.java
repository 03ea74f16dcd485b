package dev.ukhook.format;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * x86-64 Linux errno names and numbers (include/uapi/asm-generic/errno-base.h and errno.h, which x86 uses
 * unchanged), the values a policy's {@code deny} returns negated and the {@code ret} of a failed call. Unikraft
 * takes the same numbers (lib/posix-* return {@code -EPERM} and friends from Linux's headers).
 */
public final class Errnos {
  // Index = number; null where x86-64 Linux assigns no name (0, 41 and 58).
  private static final String[] NAMES = {
      null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
      "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
      "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
      "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
      null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI",
      "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT", "ENOSTR",
      "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM",
      "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC",
      "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK",
      "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT",
      "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH",
      "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS",
      "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN",
      "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY",
      "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON"};

  /** Second names of the same numbers; {@link #name(int)} gives the first. ENOTSUP is glibc's and musl's. */
  private static final Map<String, Integer> ALIASES = Map.of("EWOULDBLOCK", 11, "EDEADLOCK", 35, "ENOTSUP", 95);

  private static final SortedMap<String, Integer> BY_NAME;

  static {
    SortedMap<String, Integer> m = new TreeMap<>(ALIASES);
    for (int nr = 0; nr < NAMES.length; nr++) {
      if (NAMES[nr] != null) {
        m.put(NAMES[nr], nr);
      }
    }
    BY_NAME = Collections.unmodifiableSortedMap(m);
  }

  /** The largest number with a name. */
  public static final int MAX = NAMES.length - 1;

  private Errnos() {}

  /** The number of {@code name} (case matters: {@code EPERM}), aliases included; empty for an unknown name. */
  public static OptionalInt number(String name) {
    Integer nr = BY_NAME.get(name);
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  /** The name of {@code errno} (positive), {@code E<n>} for a number without one. */
  public static String name(int errno) {
    if (errno > 0 && errno < NAMES.length && NAMES[errno] != null) {
      return NAMES[errno];
    }
    return "E" + errno;
  }

  /** Every name with its number, aliases included, sorted by name. */
  public static SortedMap<String, Integer> byName() {
    return BY_NAME;
  }
}
