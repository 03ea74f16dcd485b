package dev.ukhook.guest;

import dev.ukhook.core.Templates;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.format.TraceHeader;
import dev.ukhook.format.TraceLayout;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Renders the hook microlibrary (Config.uk, Makefile.uk, C sources and headers) from templates/libukhook. */
public final class HookLibrary {
  /** Frame pointers further than this above the caller's stack pointer are not followed. */
  static final int STACK_WINDOW = 256 * 1024;

  private HookLibrary() {}

  /** Returns path (relative to the library directory) to file content, in a stable order. */
  public static Map<String, String> render(HookLibrarySpec spec) {
    Map<String, Object> model = model(spec);
    Map<String, String> files = new LinkedHashMap<>();
    for (String template : Templates.index("templates/libukhook/INDEX")) {
      files.put(template.replaceFirst("\\.ftl$", ""), Templates.render("libukhook/" + template, model));
    }
    return files;
  }

  static Map<String, Object> model(HookLibrarySpec spec) {
    byte[] id = HexFormat.of().parseHex(spec.imageId());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("frames", spec.frames());
    model.put("walk", spec.walk());
    model.put("argWords", spec.argWords());
    model.put("loadMinSize", TraceLayout.LOAD_MIN_SIZE);
    model.put("pathWords", spec.pathWords());
    model.put("stackWords", spec.stackWords());
    model.put("pathArgs", SyscallNames.pathArgs().entrySet().stream()
        .map(e -> Map.of("nr", e.getKey(), "arg", e.getValue())).toList());
    model.put("bufferCalls", SyscallNames.bufferCalls());
    model.put("nr", SyscallNames.byName());
    model.put("ringRecords", spec.ringRecords());
    model.put("batchRecords", spec.batchRecords());
    model.put("overflowDrop", spec.overflow() == TraceHeader.Overflow.DROP ? 1 : 0);
    model.put("stackWindow", STACK_WINDOW);
    model.put("kconfigSelects", HookKconfig.selects());
    model.put("layout", TraceLayout.cModel());
    model.put("policyLayout", PolicyLayout.cModel());
    model.put("filter", spec.mode().filters() ? 1 : 0);
    model.put("trace", spec.mode().traces() ? 1 : 0);
    model.put("count", spec.mode().counts() ? 1 : 0);
    model.put("latency", spec.latency() ? 1 : 0);
    model.put("snapshotMs", spec.snapshotMs());
    model.put("hookPoints", TraceLayout.HOOK_POINTS.stream().filter(h -> spec.hookPoints().contains(h.name()))
        .map(TraceLayout.Value::cName).collect(Collectors.joining(" | ")));
    model.put("nativeHooked", spec.hookPoints().contains("native"));
    model.put("syscallNames", SyscallNames.byName().entrySet().stream()
        .map(e -> Map.of("name", e.getKey(), "nr", e.getValue())).toList());
    model.put("imageId", spec.imageId());
    model.put("imageIdBytes", IntStream.range(0, id.length)
        .mapToObj(i -> String.format("0x%02x", id[i] & 0xff)).collect(Collectors.joining(", ")));
    return model;
  }
}
