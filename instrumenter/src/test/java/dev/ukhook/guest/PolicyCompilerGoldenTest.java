package dev.ukhook.guest;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.attribution.LinkMap;
import dev.ukhook.format.PolicyLayout.Policy;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.policy.LibTable;
import dev.ukhook.policy.PolicyCompiler;
import dev.ukhook.policy.PolicyFile;
import dev.ukhook.policy.PolicySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The compiler's output for a small made-up image (golden/policy-compiler: link.map and policy.yaml), written out
 * readably: the library table's ranges and granules, and the policy's actions, errnos, bitmap per library and
 * phase, and switch rules, read back from the bytes the guest gets. Run with -Dukhook.updateGolden=true to
 * rewrite compiled.txt after an intended change.
 */
class PolicyCompilerGoldenTest {
  static final Path DIR = HookLibraryGoldenTest.GOLDEN.resolve("policy-compiler");

  @Test
  void compilesToItsGoldenTableAndBitmaps() throws Exception {
    LinkMap map = LinkMap.read(DIR.resolve("link.map"));
    byte[] text = new byte[0x2400];
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) (i * 7);
    }
    LibTable table = LibTable.of(map, HostStreamTest.ID, 0x100000, 0x102400, ByteBuffer.wrap(text));
    PolicySpec spec = PolicyFile.read(DIR.resolve("policy.yaml"), map.libraries());
    byte[] compiled = PolicyCompiler.compile(spec, table, Set.of("libnolibc"));
    String got = render(table, compiled);
    Path expected = DIR.resolve("compiled.txt");
    if (Boolean.getBoolean("ukhook.updateGolden")) {
      Files.writeString(expected, got);
    }
    assertEquals(Files.readString(expected), got);
    assertArrayEquals(table.bytes(), LibTable.parse(table.bytes()).bytes(), "the table reads back as written");
  }

  static String render(LibTable t, byte[] compiled) {
    StringBuilder sb = new StringBuilder();
    sb.append("libraries:");
    for (int i = 0; i < t.names().size(); i++) {
      sb.append(' ').append(i).append('=').append(t.names().get(i));
    }
    sb.append("\nranges:");
    for (int i = 0; i < t.rangeStart().length; i++) {
      sb.append(String.format(" %x:%d", t.rangeStart()[i], t.rangeLib()[i]));
    }
    sb.append("\ngranule: ").append(1 << t.shift()).append(" bytes;");
    // Run-length: "lib x count", 255 for a granule where libraries meet.
    int[] g = t.granule();
    for (int i = 0; i < g.length; ) {
      int j = i;
      while (j < g.length && g[j] == g[i]) {
        j++;
      }
      sb.append(' ').append(g[i]).append('x').append(j - i);
      i = j;
    }
    ByteBuffer b = ByteBuffer.wrap(compiled).order(ByteOrder.LITTLE_ENDIAN);
    sb.append(String.format("%npolicy: %d phases, initial %d, %d bitmaps, transparent %016x%016x%n",
        b.get(Policy.NPHASES.offset()), b.get(Policy.INITIAL.offset()), b.getShort(Policy.NBITMAPS.offset()),
        b.getLong(Policy.TRANSPARENT.offset() + 8), b.getLong(Policy.TRANSPARENT.offset())));
    for (int lib = 0; lib < t.names().size(); lib++) {
      List<Integer> maps = new ArrayList<>();
      for (int p = 0; p < PolicyLayout.MAX_PHASES; p++) {
        maps.add(b.getShort(Policy.BITMAP_OF.offset() + 2 * (lib * PolicyLayout.MAX_PHASES + p))
            / (PolicyLayout.BITMAP_BITS / 64));
      }
      sb.append(String.format("  %-14s %-5s errno %-3d bitmaps %s%n", t.names().get(lib),
          PolicyLayout.ACTIONS.get(b.get(Policy.ACTION.offset() + lib)).name(),
          b.getShort(Policy.ERRNO.offset() + 2 * lib), maps));
    }
    for (int i = 0; i < b.getShort(Policy.NBITMAPS.offset()); i++) {
      List<String> names = new ArrayList<>();
      for (int nr = 0; nr < PolicyLayout.BITMAP_BITS; nr++) {
        if ((b.getLong(Policy.BITMAPS.offset() + 8 * (i * 8 + nr / 64)) >>> (nr % 64) & 1) != 0) {
          names.add(SyscallNames.name(nr));
        }
      }
      sb.append("  bitmap ").append(i).append(": ").append(String.join(" ", names)).append('\n');
    }
    for (int p = 0; p < PolicyLayout.MAX_PHASES; p++) {
      int nr = Short.toUnsignedInt(b.getShort(Policy.SWITCH_NR.offset() + 2 * p));
      if (nr != PolicyLayout.NO_SWITCH) {
        sb.append(String.format("  switch: phase %d -> %d after %s (success only: %d)%n", p,
            b.get(Policy.SWITCH_TO.offset() + p), SyscallNames.name(nr), b.get(Policy.SWITCH_SUCCESS.offset() + p)));
      }
    }
    return sb.toString();
  }
}
