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

  /** glibc's strerror text of each number, what strace prints after the name; index and nulls as {@link #NAMES}. */
  private static final String[] MESSAGES = {
      null, "Operation not permitted", "No such file or directory", "No such process", "Interrupted system call",
      "Input/output error", "No such device or address", "Argument list too long", "Exec format error",
      "Bad file descriptor", "No child processes", "Resource temporarily unavailable", "Cannot allocate memory",
      "Permission denied", "Bad address", "Block device required", "Device or resource busy", "File exists",
      "Invalid cross-device link", "No such device", "Not a directory", "Is a directory", "Invalid argument",
      "Too many open files in system", "Too many open files", "Inappropriate ioctl for device", "Text file busy",
      "File too large", "No space left on device", "Illegal seek", "Read-only file system", "Too many links",
      "Broken pipe", "Numerical argument out of domain", "Numerical result out of range", "Resource deadlock avoided",
      "File name too long", "No locks available", "Function not implemented", "Directory not empty",
      "Too many levels of symbolic links", null, "No message of desired type", "Identifier removed",
      "Channel number out of range", "Level 2 not synchronized", "Level 3 halted", "Level 3 reset",
      "Link number out of range", "Protocol driver not attached", "No CSI structure available", "Level 2 halted",
      "Invalid exchange", "Invalid request descriptor", "Exchange full", "No anode", "Invalid request code",
      "Invalid slot", null, "Bad font file format", "Device not a stream", "No data available", "Timer expired",
      "Out of streams resources", "Machine is not on the network", "Package not installed", "Object is remote",
      "Link has been severed", "Advertise error", "Srmount error", "Communication error on send", "Protocol error",
      "Multihop attempted", "RFS specific error", "Bad message", "Value too large for defined data type",
      "Name not unique on network", "File descriptor in bad state", "Remote address changed",
      "Can not access a needed shared library", "Accessing a corrupted shared library",
      ".lib section in a.out corrupted", "Attempting to link in too many shared libraries",
      "Cannot exec a shared library directly", "Invalid or incomplete multibyte or wide character",
      "Interrupted system call should be restarted", "Streams pipe error", "Too many users",
      "Socket operation on non-socket", "Destination address required", "Message too long",
      "Protocol wrong type for socket", "Protocol not available", "Protocol not supported",
      "Socket type not supported", "Operation not supported", "Protocol family not supported",
      "Address family not supported by protocol", "Address already in use", "Cannot assign requested address",
      "Network is down", "Network is unreachable", "Network dropped connection on reset",
      "Software caused connection abort", "Connection reset by peer", "No buffer space available",
      "Transport endpoint is already connected", "Transport endpoint is not connected",
      "Cannot send after transport endpoint shutdown", "Too many references: cannot splice", "Connection timed out",
      "Connection refused", "Host is down", "No route to host", "Operation already in progress",
      "Operation now in progress", "Stale file handle", "Structure needs cleaning", "Not a XENIX named type file",
      "No XENIX semaphores available", "Is a named type file", "Remote I/O error", "Disk quota exceeded",
      "No medium found", "Wrong medium type", "Operation canceled", "Required key not available", "Key has expired",
      "Key has been revoked", "Key was rejected by service", "Owner died", "State not recoverable",
      "Operation not possible due to RF-kill", "Memory page has hardware error"};

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

  /** glibc's message for {@code errno} (positive), as strace prints it; {@code Unknown error <n>} without one. */
  public static String message(int errno) {
    if (errno > 0 && errno < MESSAGES.length && MESSAGES[errno] != null) {
      return MESSAGES[errno];
    }
    return "Unknown error " + errno;
  }

  /** Every name with its number, aliases included, sorted by name. */
  public static SortedMap<String, Integer> byName() {
    return BY_NAME;
  }
}
