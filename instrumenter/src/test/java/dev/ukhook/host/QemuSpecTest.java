package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuSpecTest {
  private static final Path KERNEL = Path.of("/apps/hello/build/hello_qemu-x86_64");
  private static final Path RUN = Path.of("/apps/hello/.ukhook/runs/1");

  @Test
  void defaultsRenderAPlainTcgBoot() {
    assertEquals(
        List.of(
            "qemu-system-x86_64",
            "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
            "-accel", "tcg",
            "-cpu", "qemu64",
            "-m", "64",
            "-kernel", "/apps/hello/build/hello_qemu-x86_64",
            "-device", "isa-debug-exit,iobase=0x501,iosize=2",
            "-pidfile", "/apps/hello/.ukhook/runs/1/qemu.pid",
            "-D", "/apps/hello/.ukhook/runs/1/qemu.log"),
        QemuSpec.of(KERNEL, Accel.TCG, RUN).toArgs());
  }

  @Test
  void everyOptionRendersInItsPlace() {
    QemuSpec spec =
        QemuSpec.of(KERNEL, Accel.TCG, RUN)
            .withQemu("/opt/qemu/bin/qemu-system-x86_64")
            .withMemoryMib(256)
            .withIcount(true)
            .withArgs(List.of("vfs.fstab=[]"), List.of("-n", "3"))
            .withVirtioSocket(RUN.resolve("trace.sock"))
            .withExtraArgs(List.of("-S"));

    assertEquals(
        List.of(
            "/opt/qemu/bin/qemu-system-x86_64",
            "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
            "-accel", "tcg",
            "-cpu", "qemu64",
            "-m", "256",
            "-icount", "shift=0",
            "-kernel", "/apps/hello/build/hello_qemu-x86_64",
            "-append", "vfs.fstab=[] -- -n 3",
            "-device", "isa-debug-exit,iobase=0x501,iosize=2",
            "-device", "virtio-serial-pci,max_ports=2",
            "-chardev", "socket,id=ukhook,path=/apps/hello/.ukhook/runs/1/trace.sock",
            "-device", "virtserialport,nr=1,name=ukhook.trace,chardev=ukhook",
            "-pidfile", "/apps/hello/.ukhook/runs/1/qemu.pid",
            "-D", "/apps/hello/.ukhook/runs/1/qemu.log",
            "-S"),
        spec.toArgs());
  }

  @Test
  void kvmUsesTheHostCpu() {
    List<String> args = QemuSpec.of(KERNEL, Accel.KVM, RUN).toArgs();

    assertEquals(List.of("-accel", "kvm", "-cpu", "host"), args.subList(7, 11));
  }

  @Test
  void commandLineSeparatesKernelAndApplicationArguments() {
    QemuSpec spec = QemuSpec.of(KERNEL, Accel.TCG, RUN);

    assertEquals("-- a b", spec.withArgs(List.of(), List.of("a", "b")).commandLine());
    assertEquals("netdev.ip=10.0.0.2/24 --", spec.withArgs(List.of("netdev.ip=10.0.0.2/24"), List.of())
        .commandLine());
    assertTrue(!spec.toArgs().contains("-append"), "no -append without arguments");
  }

  @Test
  void argumentsAreQuotedTheWayUkArgparseReadsThem() {
    assertEquals("plain-arg_1.txt", QemuSpec.quote("plain-arg_1.txt"));
    assertEquals("'hello world'", QemuSpec.quote("hello world"));
    assertEquals("'say \"hi\"'", QemuSpec.quote("say \"hi\""));
    assertEquals("\"it's \\\"ok\\\" \\\\o/\"", QemuSpec.quote("it's \"ok\" \\o/"));
  }

  @Test
  void commasInTheSocketPathAreEscapedForChardevOptions() {
    List<String> args =
        QemuSpec.of(KERNEL, Accel.TCG, RUN).withVirtioSocket(Path.of("/tmp/a,b/trace.sock")).toArgs();

    assertTrue(args.contains("socket,id=ukhook,path=/tmp/a,,b/trace.sock"), args.toString());
  }

  @Test
  void runFilesLiveInTheRunDirectory() {
    QemuSpec spec = QemuSpec.of(KERNEL, Accel.TCG, RUN);

    assertEquals(RUN.resolve("qemu.pid"), spec.pidFile());
    assertEquals(RUN.resolve("qemu.log"), spec.logFile());
    assertEquals(RUN.resolve("console.log"), spec.consoleLog());
  }

  @Test
  void icountWithKvmIsRefused() {
    UkhookException e =
        assertThrows(
            UkhookException.class, () -> QemuSpec.of(KERNEL, Accel.KVM, RUN).withIcount(true));

    assertEquals(Kind.USAGE, e.kind());
    assertEquals(
        "--icount needs TCG: QEMU refuses -icount with KVM; drop --icount or use --accel tcg",
        e.getMessage());
  }

  @Test
  void socketPathLongerThanSunPathIsRefused() {
    Path deep = Path.of("/tmp/" + "d".repeat(100) + "/trace.sock");

    UkhookException e =
        assertThrows(
            UkhookException.class, () -> QemuSpec.of(KERNEL, Accel.TCG, RUN).withVirtioSocket(deep));

    assertEquals(Kind.USAGE, e.kind());
    assertEquals(
        "socket path " + deep + " is 116 bytes, more than the 107 a Unix socket allows; choose a shorter path",
        e.getMessage());
  }

  @Test
  void autoAndNonsenseMemoryAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> QemuSpec.of(KERNEL, Accel.AUTO, RUN));
    UkhookException e =
        assertThrows(UkhookException.class, () -> QemuSpec.of(KERNEL, Accel.TCG, RUN).withMemoryMib(0));
    assertEquals(Kind.USAGE, e.kind());
  }

  @Test
  void withoutLibParamTheWholeCommandLineIsTheApplications() {
    QemuSpec spec = QemuSpec.of(Path.of("/img"), Accel.TCG, Path.of("/run"))
        .withArgs(List.of(), List.of("-n", "5")).withLibParam(false);
    assertEquals("-n 5", spec.commandLine());
    assertEquals("-- -n 5", spec.withLibParam(true).commandLine());
    UkhookException e = assertThrows(UkhookException.class,
        () -> spec.withArgs(List.of("vfs.fstab=x"), List.of()));
    assertTrue(e.getMessage().startsWith("kernel arguments [vfs.fstab=x] need CONFIG_LIBUKLIBPARAM"), e.getMessage());
  }

  private static final Path INITRD = Path.of("/apps/hello/.ukhook/runs/1/initrd.cpio");

  @Test
  void anInitrdUnderTcgGetsOneGibPagesAndItsProgramAfterTheSeparator() {
    QemuSpec spec = QemuSpec.of(KERNEL, Accel.TCG, RUN).withInitrd(INITRD)
        .withArgs(List.of(), List.of("/prog", "arg1"));

    assertEquals(
        List.of(
            "qemu-system-x86_64",
            "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
            "-accel", "tcg",
            "-cpu", "qemu64,+pdpe1gb",
            "-m", "64",
            "-kernel", "/apps/hello/build/hello_qemu-x86_64",
            "-initrd", "/apps/hello/.ukhook/runs/1/initrd.cpio",
            // ukboot gives main() argv[0] (the kernel) and what follows --: app-elfloader's argv[1] is the program
            "-append", "-- /prog arg1",
            "-device", "isa-debug-exit,iobase=0x501,iosize=2",
            "-pidfile", "/apps/hello/.ukhook/runs/1/qemu.pid",
            "-D", "/apps/hello/.ukhook/runs/1/qemu.log"),
        spec.toArgs());
    assertEquals("/prog arg1", spec.withLibParam(false).commandLine(), "without uklibparam: all of it is argv");
    assertEquals(
        "note: using -cpu qemu64,+pdpe1gb for the initrd under TCG (app-elfloader's paging needs 1 GiB pages, "
            + "which TCG's default CPU lacks); --cpu MODEL chooses another",
        spec.cpuNote().orElseThrow());
  }

  @Test
  void theCpuModelIsTheGivenOneElseTheAcceleratorsDefault() {
    QemuSpec tcg = QemuSpec.of(KERNEL, Accel.TCG, RUN);
    QemuSpec kvm = QemuSpec.of(KERNEL, Accel.KVM, RUN);

    assertEquals("qemu64", tcg.cpuModel());
    assertEquals("host", kvm.cpuModel());
    assertEquals("host", kvm.withInitrd(INITRD).cpuModel(), "KVM passes the host's 1 GiB pages through");
    assertFalse(kvm.withInitrd(INITRD).toArgs().contains("qemu64,+pdpe1gb"));
    assertTrue(kvm.withInitrd(INITRD).toArgs().contains("-initrd"));
    assertEquals(Optional.empty(), kvm.withInitrd(INITRD).cpuNote());
    assertEquals(Optional.empty(), tcg.cpuNote(), "no initrd, no note");
    QemuSpec given = tcg.withInitrd(INITRD).withCpu("Skylake-Client");
    assertEquals(List.of("-cpu", "Skylake-Client"), given.toArgs().subList(9, 11));
    assertEquals(Optional.empty(), given.cpuNote());
    assertEquals("max", kvm.withCpu("max").cpuModel());
  }

  @Test
  void initrdPathsAreWrittenTheWayQemusMultibootLoaderReadsThem() {
    List<String> args = QemuSpec.of(KERNEL, Accel.TCG, RUN).withInitrd(Path.of("/tmp/a,b/initrd.cpio")).toArgs();
    assertTrue(args.contains("/tmp/a,,b/initrd.cpio"), args.toString());

    UkhookException e = assertThrows(UkhookException.class,
        () -> QemuSpec.of(KERNEL, Accel.TCG, RUN).withInitrd(Path.of("/tmp/my rootfs.cpio")));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("--initrd /tmp/my rootfs.cpio contains a space, which QEMU's multiboot loader takes for the start "
        + "of the module's arguments; move or link the file to a path without one", e.getMessage());
  }

  @Test
  void aBlankCpuModelIsRefused() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> QemuSpec.of(KERNEL, Accel.TCG, RUN).withCpu(" "));
    assertEquals(Kind.USAGE, e.kind());
    assertEquals("--cpu needs a QEMU CPU model such as host, qemu64 or qemu64,+pdpe1gb, not \" \"; "
        + "`qemu-system-x86_64 -cpu help` lists them", e.getMessage());
  }
}
