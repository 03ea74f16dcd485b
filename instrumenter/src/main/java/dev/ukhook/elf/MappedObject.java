package dev.ukhook.elf;

/**
 * An ELF object as loaded in the guest: runtime address = {@code base} + ELF vaddr ({@code base} is the load
 * bias, 0 for a non-PIE executable).
 */
public record MappedObject(long base, ElfFile elf, Cfi cfi) {
  /** Whether {@code address} falls in the span of the object's {@code PT_LOAD} segments. */
  public boolean contains(long address) {
    long vaddr = address - base;
    return Long.compareUnsigned(vaddr, elf.spanStart()) >= 0 && Long.compareUnsigned(vaddr, elf.spanEnd()) < 0;
  }
}
