package dev.ukhook.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A minimal ELF file: the ELF header and one PT_LOAD (R+X) at vaddr 0 of 0x2000 bytes, no sections. */
final class TinyElf {
  static final int ET_DYN = 3;
  static final int EM_X86_64 = 62;

  private TinyElf() {}

  static ByteBuffer of(int elfClass, int data, int type, int machine) {
    ByteBuffer b = ByteBuffer.allocate(64 + 56).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x464c457f).put((byte) elfClass).put((byte) data).put((byte) 1);
    b.position(16);
    b.putShort((short) type).putShort((short) machine).putInt(1);
    b.putLong(0x1000).putLong(64).putLong(0); // e_entry, e_phoff, e_shoff
    b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1); // flags, ehsize, phentsize, phnum
    b.putShort((short) 64).putShort((short) 0).putShort((short) 0); // shentsize, shnum, shstrndx
    b.putInt(1).putInt(5).putLong(0).putLong(0).putLong(0).putLong(0x2000).putLong(0x2000).putLong(0x1000);
    return b.flip();
  }

  static ElfFile dyn() {
    return ElfFile.parse("tiny", of(2, 1, ET_DYN, EM_X86_64));
  }
}
