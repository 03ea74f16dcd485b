package dev.ukhook.guest;

import dev.ukhook.format.TraceHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.core.UkhookException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Kconfig options the hooks need come from one list: Config.uk's selects, the defconfig and the check. */
class HookKconfigTest {
  static final Map<String, String> HOOK_POINT = Map.of("CONFIG_LIBSYSCALL_SHIM_HANDLER", "y");

  @Test
  void configUkSelectsExactlyTheSelectOptions() {
    String configUk = HookLibrary.render(new HookLibrarySpec(4, 1024, 8, TraceHeader.Overflow.BLOCK,
        HostStreamTest.ID)).get("Config.uk");
    Matcher m = Pattern.compile("(?m)^\\s*select (\\w+)$").matcher(configUk);
    List<String> selected = m.results().map(r -> "CONFIG_" + r.group(1)).toList();
    assertEquals(HookKconfig.options().stream().filter(o -> o.by().equals("select")).map(HookKconfig.Option::symbol)
        .toList(), selected);
    assertTrue(selected.contains("CONFIG_VIRTIO_DEVICE"));
  }

  @Test
  void defconfigSetsWhatIsNotSelectedAndTheCheckCoversEverything() {
    Map<String, String> defconfig = HookKconfig.defconfig(HOOK_POINT, false);
    Map<String, String> required = HookKconfig.required(HOOK_POINT, false);
    for (HookKconfig.Option o : HookKconfig.options()) {
      if (o.accel() == null) {
        assertEquals(o.value(), required.get(o.symbol()), o.symbol());
        assertEquals(o.by().equals("defconfig"), defconfig.containsKey(o.symbol()), o.symbol());
      }
    }
    assertEquals("y", defconfig.get("CONFIG_LIBSYSCALL_SHIM_HANDLER"), "a hook point's options go to the defconfig");
    assertEquals("y", required.get("CONFIG_LIBSYSCALL_SHIM_HANDLER"));
    assertEquals("y", defconfig.get("CONFIG_LIBUKHOOK"));
    assertFalse(defconfig.containsKey("CONFIG_LIBVIRTIO_BUS"), "Config.uk selects it");
  }

  @Test
  void tcgKeepsLibukrandomOff() {
    assertFalse(HookKconfig.required(HOOK_POINT, false).containsKey("CONFIG_LIBUKRANDOM"));
    assertEquals("n", HookKconfig.required(HOOK_POINT, true).get("CONFIG_LIBUKRANDOM"));
    assertEquals("n", HookKconfig.defconfig(HOOK_POINT, true).get("CONFIG_LIBUKRANDOM"));
  }

  @Test
  void aHookPointContradictingTheLibraryIsABug() {
    UkhookException e = assertThrows(UkhookException.class,
        () -> HookKconfig.required(Map.of("CONFIG_LIBUKHOOK", "n"), false));
    assertEquals(UkhookException.Kind.INTERNAL, e.kind());
    assertEquals("a hook point wants CONFIG_LIBUKHOOK=n but templates/libukhook/kconfig.json says y", e.getMessage());
  }
}
