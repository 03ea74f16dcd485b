package dev.ukhook.policy;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ukhook.attribution.LinkMap;
import dev.ukhook.attribution.TestMaps;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.PolicyLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Where ukhook writes the library table and the policy in an image file: over the placeholders of that image. */
class ImagePolicyTest {
  static final String ID = "00112233445566778899aabbccddeeff";
  static final Path NAME = Path.of("app_qemu-x86_64");

  /** An "image" with the two placeholders as the hook library compiles them, at 64-byte aligned offsets. */
  static byte[] image(String id, int tableAt, int policyAt) {
    byte[] b = new byte[200_000];
    Arrays.fill(b, (byte) 0x90);
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    byte[] idBytes = HexFormat.of().parseHex(id);
    w.putLong(tableAt, PolicyLayout.TABLE_MAGIC).putLong(tableAt + 8, 0).put(tableAt + 16, idBytes);
    w.putLong(policyAt, PolicyLayout.POLICY_MAGIC).putLong(policyAt + 8, 0).putLong(policyAt + 16, 0)
        .put(policyAt + PolicyLayout.Policy.IMAGE_ID.offset(), idBytes);
    // The code compares with the magic as an immediate: the same 8 bytes without the image id after them.
    w.putLong(64, PolicyLayout.TABLE_MAGIC).putLong(128, PolicyLayout.POLICY_MAGIC);
    return b;
  }

  static byte[] filler(int size, int value) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void writesTheTableAndThePolicyOverTheirPlaceholdersAndAgainOverAFilledImage() {
    byte[] img = image(ID, 4096, 4096 + 60_000);
    byte[] table = filler(PolicyLayout.Table.SIZE, 1);
    ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN).putLong(0, PolicyLayout.TABLE_MAGIC)
        .put(16, HexFormat.of().parseHex(ID));
    byte[] policy = filler(PolicyLayout.Policy.SIZE, 2);
    ByteBuffer.wrap(policy).order(ByteOrder.LITTLE_ENDIAN).putLong(0, PolicyLayout.POLICY_MAGIC)
        .put(PolicyLayout.Policy.IMAGE_ID.offset(), HexFormat.of().parseHex(ID));
    byte[] out = ImagePolicy.filled(img.clone(), NAME, ID, table, policy);
    assertArrayEquals(table, Arrays.copyOfRange(out, 4096, 4096 + table.length));
    assertArrayEquals(policy, Arrays.copyOfRange(out, 64_096, 64_096 + policy.length));
    assertArrayEquals(Arrays.copyOfRange(img, 0, 4096), Arrays.copyOfRange(out, 0, 4096), "nothing else changes");
    // A second build with another policy finds the same areas, now filled.
    byte[] other = filler(PolicyLayout.Policy.SIZE, 3);
    ByteBuffer.wrap(other).order(ByteOrder.LITTLE_ENDIAN).putLong(0, PolicyLayout.POLICY_MAGIC)
        .put(PolicyLayout.Policy.IMAGE_ID.offset(), HexFormat.of().parseHex(ID));
    byte[] again = ImagePolicy.filled(out.clone(), NAME, ID, table, other);
    assertArrayEquals(other, Arrays.copyOfRange(again, 64_096, 64_096 + other.length));
  }

  @Test
  void anImageWithoutItsAreasOrWithTwoIsRefused() {
    byte[] table = new byte[PolicyLayout.Table.SIZE];
    byte[] policy = new byte[PolicyLayout.Policy.SIZE];
    UkhookException none = assertThrows(UkhookException.class,
        () -> ImagePolicy.filled(image("ffeeddccbbaa99887766554433221100", 4096, 64_096), NAME, ID, table, policy));
    assertEquals(NAME + " has no library table area of image " + ID + ": it was not instrumented with --policy, or "
        + "built before; run `ukhook instrument --policy FILE` and build again", none.getMessage());
    byte[] two = image(ID, 4096, 64_096);
    System.arraycopy(two, 4096, two, 130_048, 32);
    UkhookException twice = assertThrows(UkhookException.class,
        () -> ImagePolicy.filled(two, NAME, ID, table, policy));
    assertEquals(NAME + " has two library table areas of image " + ID + "; nothing was written", twice.getMessage());
  }

  @Test
  void aMapWithoutTheCodeBoundsIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String text = TestMaps.map(ID, 2).replaceAll("(?m)^.*_e?text = \\.\\n", "");
    Path mapFile = java.nio.file.Files.writeString(dir.resolve("link.map"), text);
    LinkMap map = LinkMap.read(mapFile);
    UkhookException e = assertThrows(UkhookException.class,
        () -> ImagePolicy.table(dir.resolve("app_qemu-x86_64.dbg"), mapFile, map, ID, java.util.Set.of()));
    assertEquals(mapFile + " does not give the image's code bounds (_text = . and _etext = . lines): is it the map"
        + " of a Unikraft image's final link?", e.getMessage());
  }

  @Test
  void aPushNeedsARunOfAFilteringImage(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path policy = java.nio.file.Files.writeString(dir.resolve("p.yaml"), "version: 1\n");
    UkhookException notARun = assertThrows(UkhookException.class, () -> ImagePolicy.forRun(dir, policy));
    assertEquals(true, notARun.getMessage().startsWith(dir + " is not a run directory"), notARun.getMessage());
    java.nio.file.Files.writeString(dir.resolve("run.json"), "{\"transparent\": [], \"policy\": null}");
    java.nio.file.Files.writeString(dir.resolve("trace.ukt"), "");
    UkhookException traceOnly = assertThrows(UkhookException.class, () -> ImagePolicy.forRun(dir, policy));
    assertEquals("the image of run " + dir + " does not filter, so it takes no policy: trace it with --policy FILE "
        + "to make one that does", traceOnly.getMessage());
  }
}
