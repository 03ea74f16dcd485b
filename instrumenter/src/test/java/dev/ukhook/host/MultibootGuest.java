package dev.ukhook.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A few bytes of 32-bit x86 code behind a Multiboot header, which QEMU's {@code -kernel} boots like a
 * Unikraft image: enough to test how QEMU ends without building Unikraft.
 */
final class MultibootGuest {
  private static final int LOAD_ADDRESS = 0x100000;
  private static final int HEADER_BYTES = 32;
  private final ByteArrayOutputStream code = new ByteArrayOutputStream();

  /** Writes {@code text} to COM1, which {@code -serial stdio} puts on QEMU's stdout. */
  MultibootGuest print(String text) {
    bytes(0x66, 0xba, 0xf8, 0x03); // mov dx, 0x3f8
    for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
      bytes(0xb0, b & 0xff, 0xee); // mov al, b; out dx, al
    }
    return this;
  }

  /** Writes {@code value} to isa-debug-exit as Unikraft's system_off() does: QEMU exits with value << 1 | 1. */
  MultibootGuest debugExit(int value) {
    bytes(0x66, 0xba, 0x01, 0x05); // mov dx, 0x501
    bytes(0x66, 0xb8, value & 0xff, (value >> 8) & 0xff); // mov ax, value
    bytes(0x66, 0xef); // out dx, ax
    return this;
  }

  /** Halts forever (interrupts are off at Multiboot entry). */
  MultibootGuest halt() {
    bytes(0xf4, 0xeb, 0xfd); // hlt; jmp back to hlt
    return this;
  }

  Path writeTo(Path file) throws IOException {
    // Multiboot 1 header with the address fields (flag 16), since this is not an ELF file.
    int magic = 0x1BADB002;
    int flags = 0x00010000;
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(magic).putInt(flags).putInt(-(magic + flags));
    header.putInt(LOAD_ADDRESS).putInt(LOAD_ADDRESS).putInt(0).putInt(0).putInt(LOAD_ADDRESS + HEADER_BYTES);
    ByteArrayOutputStream image = new ByteArrayOutputStream();
    image.write(header.array());
    image.write(code.toByteArray());
    Files.write(file, image.toByteArray());
    return file;
  }

  private void bytes(int... values) {
    for (int v : values) {
      code.write(v);
    }
  }
}
