package dev.ukhook.elf;

/**
 * The function an address belongs to: {@code name} and the {@code offset} of the address from its start.
 *
 * @param contained whether a sized symbol contains the address; false for a guess from the nearest function
 *     symbol below it
 */
public record SymbolHit(String name, long offset, boolean contained) {
  /** {@code name+0x1f}, with a {@code ?} when the name is a guess. */
  @Override
  public String toString() {
    return name + "+0x" + Long.toHexString(offset) + (contained ? "" : "?");
  }
}
