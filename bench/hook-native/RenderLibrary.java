import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.guest.HookLibrary;
import dev.ukhook.guest.HookLibrarySpec;
import dev.ukhook.guest.HookLibrarySpec.Mode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the hook library into a directory without a Unikraft tree, for bench/hook-native.sh, which runs this
 * file as a single-file program on the tool's jar (it is benchmark code, not part of the tool):
 * {@code java -cp ukhook.jar bench/hook-native/RenderLibrary.java OUT_DIR FRAMES RING BATCH block|drop
 * [trace|trace-args|count|count-nolat]} (a compact trace record, one with the arguments, or a counting library, with
 * or without timing each call). The charge walks FRAMES or 4 return addresses. The image id is 32 zero hex digits.
 */
final class RenderLibrary {
  private RenderLibrary() {}

  public static void main(String[] args) {
    String mode = args.length == 6 ? args[5] : "trace";
    if (args.length < 5 || args.length > 6 || !List.of("trace", "trace-args", "count", "count-nolat").contains(mode)) {
      System.err.println("usage: RenderLibrary OUT_DIR FRAMES RING BATCH block|drop [trace|trace-args|count|"
          + "count-nolat]");
      System.exit(2);
    }
    HookLibrarySpec spec;
    try {
      int frames = Integer.parseInt(args[1]);
      spec = new HookLibrarySpec(frames, Integer.parseInt(args[2]),
          Integer.parseInt(args[3]), TraceHeader.Overflow.valueOf(args[4].toUpperCase(Locale.ROOT)), "0".repeat(32),
          HookLibrarySpec.HOOK_POINTS, 0, 0, mode.startsWith("trace") ? Mode.TRACE : Mode.COUNT,
          !mode.equals("count-nolat"), HookLibrarySpec.DEFAULT_SNAPSHOT_MS,
          Math.max(frames, HookLibrarySpec.DEFAULT_WALK), mode.equals("trace-args"));
    } catch (IllegalArgumentException | UkhookException e) {
      System.err.println("RenderLibrary: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path out = Path.of(args[0]);
    for (Map.Entry<String, String> f : HookLibrary.render(spec).entrySet()) {
      TextFiles.write(out.resolve(f.getKey()), f.getValue());
    }
  }
}
