package dev.ukhook.cli;

import dev.ukhook.guest.HookLibrarySpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** What `instrument` (and `trace`) take about the app and the hook library. */
final class HookOptions {
  @Option(names = "--transparent", paramLabel = "LIB",
      description = "Library to look through when attributing, besides the libc and syscall_shim (repeatable).")
  List<String> transparent = new ArrayList<>();

  @Option(names = "--frames", defaultValue = "" + HookLibrarySpec.DEFAULT_FRAMES,
      description = "Frame-pointer return addresses kept per record (default: ${DEFAULT-VALUE}).")
  int frames;

  @Option(names = "--ring", defaultValue = "" + HookLibrarySpec.DEFAULT_RING,
      description = "Guest ring capacity in records, a power of two (default: ${DEFAULT-VALUE}).")
  int ring;

  @Option(names = "--batch", defaultValue = "" + HookLibrarySpec.DEFAULT_BATCH,
      description = "Records per virtio buffer (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--overflow", defaultValue = "block", paramLabel = "block|drop",
      description = "When the ring is full: block (lose nothing) or drop (count each dropped record). Default: ${DEFAULT-VALUE}.")
  String overflow;

  HookLibrarySpec.Overflow overflow() {
    return HookLibrarySpec.Overflow.parse(overflow);
  }
}
