package dev.ukhook.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ukhook.core.UkhookException;
import dev.ukhook.core.UkhookException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one definition of the Kconfig options the hooks need (templates/libukhook/kconfig.json), plus what
 * the chosen hook points add (their profile's {@code kconfig}). Config.uk's {@code select} lines, the
 * defconfig fragment ukhook resolves and the check of the resolved .config all come from here.
 */
public final class HookKconfig {
  static final String RESOURCE = "templates/libukhook/kconfig.json";

  /**
   * One option.
   *
   * @param by {@code select}: the hook library's Config.uk selects it; {@code defconfig}: the defconfig
   *     fragment sets it (a choice, a platform, or a value of n, which a select cannot give)
   * @param accel null, or the only QEMU accelerator the option applies under ({@code tcg})
   * @param comment lines rendered above the option's select in Config.uk, or the reason for it
   */
  public record Option(String symbol, String value, String by, String accel, List<String> comment) {
    boolean selected() {
      return "select".equals(by);
    }

    boolean appliesTo(boolean tcg) {
      return accel == null || (tcg && accel.equals("tcg"));
    }
  }

  private static final List<Option> OPTIONS = load();

  private HookKconfig() {}

  public static List<Option> options() {
    return OPTIONS;
  }

  /** What Config.uk.ftl lists as {@code select} lines: symbol (without CONFIG_) and comment lines. */
  static List<Map<String, Object>> selects() {
    return OPTIONS.stream().filter(Option::selected)
        .map(o -> Map.<String, Object>of("symbol", o.symbol().substring("CONFIG_".length()), "comment", o.comment()))
        .toList();
  }

  /** What the defconfig fragment sets: the library's defconfig options and every option of the hook points. */
  public static Map<String, String> defconfig(Map<String, String> hookPoints, boolean tcg) {
    Map<String, String> d = new LinkedHashMap<>();
    OPTIONS.stream().filter(o -> !o.selected() && o.appliesTo(tcg)).forEach(o -> d.put(o.symbol(), o.value()));
    putAll(d, hookPoints);
    return d;
  }

  /** What the resolved .config must hold: every option that applies, selected or set. */
  public static Map<String, String> required(Map<String, String> hookPoints, boolean tcg) {
    Map<String, String> r = new LinkedHashMap<>();
    OPTIONS.stream().filter(o -> o.appliesTo(tcg)).forEach(o -> r.put(o.symbol(), o.value()));
    putAll(r, hookPoints);
    return r;
  }

  private static void putAll(Map<String, String> into, Map<String, String> hookPoints) {
    hookPoints.forEach((symbol, value) -> {
      String had = into.putIfAbsent(symbol, value);
      if (had != null && !had.equals(value)) {
        throw new UkhookException(Kind.INTERNAL, "a hook point wants " + symbol + "=" + value + " but " + RESOURCE
            + " says " + had);
      }
    });
  }

  private static List<Option> load() {
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = HookKconfig.class.getResourceAsStream("/" + RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the ukhook jar");
      }
      List<Option> options = new ArrayList<>();
      for (JsonNode o : json.readTree(in).get("options")) {
        Option opt = json.treeToValue(o, Option.class);
        if (!opt.symbol().startsWith("CONFIG_") || !List.of("select", "defconfig").contains(opt.by())
            || (opt.selected() && !opt.value().equals("y"))) {
          throw new IllegalStateException(RESOURCE + ": " + opt + " needs a CONFIG_ symbol and by select "
              + "(value y) or defconfig");
        }
        options.add(new Option(opt.symbol(), opt.value(), opt.by(), opt.accel(),
            opt.comment() == null ? List.of() : List.copyOf(opt.comment())));
      }
      return List.copyOf(options);
    } catch (IOException e) {
      throw new IllegalStateException(RESOURCE + " is unreadable: " + e.getMessage(), e);
    }
  }
}
