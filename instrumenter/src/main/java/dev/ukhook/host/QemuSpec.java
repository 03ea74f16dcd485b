package dev.ukhook.host;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.RunDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One QEMU boot of a Unikraft image, rendered to QEMU's command line by {@link #toArgs()}.
 *
 * @param qemu the QEMU binary: a name looked up on PATH, or a path
 * @param kernel the Unikraft image ({@code build/<app>_qemu-x86_64})
 * @param accel KVM or TCG, as resolved by {@link AccelProbe}
 * @param memoryMib guest memory in MiB
 * @param icount count instructions instead of real time ({@code -icount shift=0}), so that TSC deltas read in
 *     the guest are the same from run to run; TCG only
 * @param kernelArgs Unikraft library parameters, before {@code --} in the kernel command line
 * @param appArgs the application's arguments, after {@code --}
 * @param virtioSocket the Unix socket the collector listens on, or null for a boot without a trace channel
 * @param runDir this run's state directory: pidfile, {@code qemu.log}, {@code console.log}
 * @param extraArgs passed to QEMU last, unchanged
 * @param libParam the image parses kernel arguments (CONFIG_LIBUKLIBPARAM), so {@code --} must separate
 *     them from the application's; without it Unikraft hands the whole command line to the application
 * @param initrd the initrd file ({@code -initrd}), or null; app-elfloader images load their program from it
 * @param cpu the CPU model ({@code -cpu}), or null for {@link #defaultCpu}
 */
public record QemuSpec(
    String qemu,
    Path kernel,
    Accel accel,
    int memoryMib,
    boolean icount,
    List<String> kernelArgs,
    List<String> appArgs,
    Path virtioSocket,
    Path runDir,
    List<String> extraArgs,
    boolean libParam,
    Path initrd,
    String cpu) {

  public static final String DEFAULT_QEMU = "qemu-system-x86_64";
  public static final int DEFAULT_MEMORY_MIB = 64;
  /** The chardev id of the trace channel. */
  public static final String CHARDEV_ID = "ukhook";
  /**
   * The CPU model for an initrd under TCG: app-elfloader's paging (CONFIG_PAGING) maps memory with 1 GiB pages
   * and stops the boot without them; TCG can emulate them, but its qemu64 model does not announce pdpe1gb.
   */
  public static final String INITRD_TCG_CPU = "qemu64,+pdpe1gb";
  private static final Pattern PLAIN_ARG = Pattern.compile("[A-Za-z0-9_./=:,+@%\\[\\]{}-]+");

  public QemuSpec {
    Objects.requireNonNull(qemu, "qemu");
    Objects.requireNonNull(kernel, "kernel");
    Objects.requireNonNull(accel, "accel");
    Objects.requireNonNull(runDir, "runDir");
    if (accel == Accel.AUTO) {
      throw new IllegalArgumentException("resolve Accel.AUTO with AccelProbe before building a QemuSpec");
    }
    checkMachine(accel, memoryMib, icount);
    if (virtioSocket != null) {
      SocketPaths.requireFits(virtioSocket);
    }
    if (!libParam && !kernelArgs.isEmpty()) {
      throw new UkhookException(Kind.USAGE, "kernel arguments " + kernelArgs + " need CONFIG_LIBUKLIBPARAM in "
          + "the image; enable it in the app's configuration or pass only application arguments after --");
    }
    if (initrd != null) {
      checkInitrd(initrd);
    }
    if (cpu != null) {
      checkCpu(cpu);
    }
    kernelArgs = List.copyOf(kernelArgs);
    appArgs = List.copyOf(appArgs);
    extraArgs = List.copyOf(extraArgs);
  }

  /** Refuses a CPU model that cannot be one: empty, or with spaces around it. */
  public static void checkCpu(String cpu) {
    if (cpu.isBlank() || !cpu.strip().equals(cpu)) {
      throw new UkhookException(Kind.USAGE, "--cpu needs a QEMU CPU model such as host, qemu64 or "
          + INITRD_TCG_CPU + ", not \"" + cpu + "\"; `" + DEFAULT_QEMU + " -cpu help` lists them");
    }
  }

  /**
   * Refuses an initrd path QEMU would misread: its multiboot loader (hw/i386/multiboot.c, which boots
   * Unikraft's qemu-x86_64 images) reads -initrd as a comma-separated module list, each module's arguments
   * after a space. A comma can be doubled; a space cannot be escaped.
   */
  public static void checkInitrd(Path initrd) {
    if (initrd.toString().contains(" ")) {
      throw new UkhookException(Kind.USAGE, "--initrd " + initrd + " contains a space, which QEMU's multiboot "
          + "loader takes for the start of the module's arguments; move or link the file to a path without one");
    }
  }

  /**
   * The CPU model when none is given: KVM passes the host's CPU through; under TCG "host" is meaningless and
   * "max" aborts on some hosts, so the plain baseline model, with 1 GiB pages when there is an initrd (see
   * {@link #INITRD_TCG_CPU}).
   */
  public static String defaultCpu(Accel accel, boolean initrd) {
    if (accel == Accel.KVM) {
      return "host";
    }
    return initrd ? INITRD_TCG_CPU : "qemu64";
  }

  /** The model {@code -cpu} gets. */
  public String cpuModel() {
    return cpu != null ? cpu : defaultCpu(accel, initrd != null);
  }

  /** A note for the user when the CPU model was chosen for the initrd rather than given. */
  public Optional<String> cpuNote() {
    if (cpu != null || initrd == null || accel != Accel.TCG) {
      return Optional.empty();
    }
    return Optional.of("note: using -cpu " + INITRD_TCG_CPU + " for the initrd under TCG (app-elfloader's paging "
        + "needs 1 GiB pages, which TCG's default CPU lacks); --cpu MODEL chooses another");
  }

  /**
   * The checks on the machine alone, for callers that want them before anything else happens (a run checks
   * its options before it makes a run directory, a trace before it builds).
   */
  public static void checkMachine(Accel accel, int memoryMib, boolean icount) {
    if (memoryMib <= 0) {
      throw new UkhookException(
          Kind.USAGE, "guest memory must be a positive number of MiB, not " + memoryMib);
    }
    if (icount && accel == Accel.KVM) {
      throw new UkhookException(
          Kind.USAGE,
          "--icount needs TCG: QEMU refuses -icount with KVM; drop --icount or use --accel tcg");
    }
  }

  /** A boot with defaults: {@value #DEFAULT_QEMU}, {@value #DEFAULT_MEMORY_MIB} MiB, no icount, no arguments. */
  public static QemuSpec of(Path kernel, Accel accel, Path runDir) {
    return new QemuSpec(
        DEFAULT_QEMU, kernel, accel, DEFAULT_MEMORY_MIB, false, List.of(), List.of(), null, runDir,
        List.of(), true, null, null);
  }

  public QemuSpec withKernel(Path kernel) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withQemu(String qemu) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withMemoryMib(int memoryMib) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withIcount(boolean icount) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withArgs(List<String> kernelArgs, List<String> appArgs) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withVirtioSocket(Path virtioSocket) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withRunDir(Path runDir) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withExtraArgs(List<String> extraArgs) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withLibParam(boolean libParam) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withInitrd(Path initrd) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  public QemuSpec withCpu(String cpu) {
    return new QemuSpec(qemu, kernel, accel, memoryMib, icount, kernelArgs, appArgs, virtioSocket, runDir,
        extraArgs, libParam, initrd, cpu);
  }

  /** QEMU writes its pid here and removes the file when it exits. */
  public Path pidFile() {
    return runDir.resolve(RunDir.QEMU_PID);
  }

  /** QEMU's stderr and its {@code -D} log. */
  public Path logFile() {
    return runDir.resolve(RunDir.QEMU_LOG);
  }

  /** A copy of the guest console. */
  public Path consoleLog() {
    return runDir.resolve(RunDir.CONSOLE);
  }

  public List<String> toArgs() {
    List<String> args = new ArrayList<>();
    args.add(qemu);
    // -nodefaults drops the VGA card, NIC (and its iPXE boot ROM chatter) and the default monitor; the guest
    // console is then exactly COM1 on QEMU's stdout. Not -nographic, which would multiplex the monitor
    // onto stdio.
    args.addAll(List.of("-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio"));
    args.addAll(List.of("-accel", accel.qemuName()));
    args.addAll(List.of("-cpu", cpuModel()));
    args.addAll(List.of("-m", Integer.toString(memoryMib)));
    if (icount) {
      args.addAll(List.of("-icount", "shift=0"));
    }
    args.addAll(List.of("-kernel", kernel.toString()));
    if (initrd != null) {
      args.addAll(List.of("-initrd", initrd.toString().replace(",", ",,"))); // see checkInitrd
    }
    if (!kernelArgs.isEmpty() || !appArgs.isEmpty()) {
      args.addAll(List.of("-append", commandLine()));
    }
    // Unikraft's system_off() (plat/common/x86/cpu_native.c) writes 42 to this port on a crash, so QEMU exits
    // with 85 instead of 0, and a crash can be told from a normal shutdown (which exits 0 or 83).
    args.addAll(List.of("-device", "isa-debug-exit,iobase=0x501,iosize=2"));
    if (virtioSocket != null) {
      // QEMU is the client: the collector must be listening before QEMU starts. A serial port, not a
      // virtconsole: QEMU drops console data when the socket would block, but throttles a port.
      args.addAll(List.of(
          "-device", "virtio-serial-pci,max_ports=2",
          "-chardev", "socket,id=" + CHARDEV_ID + ",path=" + virtioSocket.toString().replace(",", ",,"),
          "-device", "virtserialport,nr=1,name=ukhook.trace,chardev=" + CHARDEV_ID));
    }
    args.addAll(List.of("-pidfile", pidFile().toString(), "-D", logFile().toString()));
    args.addAll(extraArgs);
    return args;
  }

  /** The kernel command line: {@code <kernel args> -- <app args>}, quoted for Unikraft's uk_argnparse. */
  public String commandLine() {
    String kernel = kernelArgs.stream().map(QemuSpec::quote).collect(Collectors.joining(" "));
    String app = appArgs.stream().map(QemuSpec::quote).collect(Collectors.joining(" "));
    if (!libParam) {
      return app;
    }
    return ((kernel.isEmpty() ? "" : kernel + " ") + "-- " + app).trim();
  }

  // lib/ukargparse/argparse.c: single quotes are literal up to the next single quote; inside double quotes
  // only \" and \\ are escapes. An empty argument cannot be expressed at all.
  static String quote(String arg) {
    if (PLAIN_ARG.matcher(arg).matches()) {
      return arg;
    }
    if (arg.indexOf('\'') < 0) {
      return "'" + arg + "'";
    }
    return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
