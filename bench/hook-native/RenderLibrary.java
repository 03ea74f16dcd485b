import dev.ukhook.core.TextFiles;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.guest.HookLibrary;
import dev.ukhook.guest.HookLibrarySpec;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the hook library into a directory without a Unikraft tree, for bench/hook-native.sh, which runs this
 * file as a single-file program on the tool's jar (it is benchmark code, not part of the tool):
 * {@code java -cp ukhook.jar bench/hook-native/RenderLibrary.java OUT_DIR FRAMES RING BATCH block|drop}.
 * The image id is 32 zero hex digits.
 */
final class RenderLibrary {
  private RenderLibrary() {}

  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println("usage: RenderLibrary OUT_DIR FRAMES RING BATCH block|drop");
      System.exit(2);
    }
    HookLibrarySpec spec;
    try {
      spec = new HookLibrarySpec(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
          Integer.parseInt(args[3]), TraceHeader.Overflow.valueOf(args[4].toUpperCase(Locale.ROOT)), "0".repeat(32));
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
