package dev.ukhook.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ukhook.elf.StackUnwinder.Stop;
import dev.ukhook.elf.StackUnwinder.Walk;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every way a walk ends, on a made-up object (TinyElf at BASE) and stack: a syscall wrapper without a frame
 * called by f (rbp-based frame), called by g (24 bytes of locals), called by start (return address
 * undefined). None of them throws.
 */
class StackUnwinderTest {
  static final long BASE = 0x7f0000000000L;
  static final long SP = 0x7ffc00001000L;
  static final long BP = SP + 24; // f: push rbp; mov rbp, rsp
  static final long PC = BASE + 0x1106; // after the syscall instruction in the wrapper
  static final long INTO_F = BASE + 0x1220;
  static final long INTO_G = BASE + 0x1320;
  static final long INTO_START = BASE + 0x1008;

  static final String TABLES = """
      Contents of the .eh_frame section:


      00000000 0000000000000014 00000000 CIE "zR" cf=1 df=-8 ra=16
         LOC           CFA      ra
      0000000000000000 rsp+8    u

      00000018 0000000000000014 0000001c FDE cie=00000000 pc=0000000000001000..0000000000001010

      00000030 0000000000000014 00000000 CIE "zR" cf=1 df=-8 ra=16
         LOC           CFA      ra
      0000000000000000 rsp+8    c-8

      00000048 0000000000000014 0000001c FDE cie=00000030 pc=0000000000001100..0000000000001140

      00000060 0000000000000024 00000034 FDE cie=00000030 pc=0000000000001200..0000000000001240
         LOC           CFA      rbp   ra
      0000000000001200 rsp+8    u     c-8
      0000000000001201 rsp+16   c-16  c-8
      0000000000001204 rbp+16   c-16  c-8

      00000088 0000000000000024 0000005c FDE cie=00000030 pc=0000000000001300..0000000000001340
         LOC           CFA      ra
      0000000000001300 rsp+8    c-8
      0000000000001304 rsp+32   c-8

      000000b0 0000000000000024 00000084 FDE cie=00000030 pc=0000000000001400..0000000000001440
         LOC           CFA      ra
      0000000000001400 exp      c-8

      000000d8 0000000000000024 000000ac FDE cie=00000030 pc=0000000000001500..0000000000001540
         LOC           CFA      rbx   rbp   ra
      0000000000001500 rsp+8    u     u     c-8
      0000000000001504 rsp+8    u     r3 (rbx) c-8
      0000000000001508 rbp+16   u     r3 (rbx) c-8

      00000100 ZERO terminator
      """;

  StackUnwinder unwinder;
  long[] stack;

  @BeforeEach
  void objectAndStack() throws IOException {
    unwinder = new StackUnwinder(
        List.of(new MappedObject(BASE, TinyElf.dyn(), Cfi.parse(new StringReader(TABLES)))));
    stack = new long[10];
    stack[0] = INTO_F; // the wrapper's return address: its CFA is SP + 8
    stack[3] = SP + 200; // f's saved rbp at BP; f's CFA is BP + 16 = SP + 40
    stack[4] = INTO_G;
    stack[8] = INTO_START; // g's CFA is SP + 40 + 32
  }

  Walk unwind(long pc, long bp, int maxFrames) {
    return unwinder.unwind(pc, SP, bp, bytes(stack), maxFrames);
  }

  @Test
  void theWholeChainEndsAtTheOutermostFrame() {
    assertEquals(new Walk(List.of(INTO_F, INTO_G, INTO_START), Stop.OUTERMOST), unwind(PC, BP, 64));
    assertEquals(new Walk(List.of(INTO_F, INTO_G), Stop.MAX_FRAMES), unwind(PC, BP, 2));
    assertEquals(new Walk(List.of(), Stop.MAX_FRAMES), unwind(PC, BP, 0));
  }

  @Test
  void aTruncatedSnapshotGivesAPartialChain() {
    byte[] full = bytes(stack);
    assertEquals(new Walk(List.of(INTO_F), Stop.OUTSIDE_SNAPSHOT),
        unwinder.unwind(PC, SP, BP, Arrays.copyOf(full, 39), 64), "g's return address is at SP + 32..40");
    assertEquals(new Walk(List.of(INTO_F, INTO_G), Stop.OUTSIDE_SNAPSHOT),
        unwinder.unwind(PC, SP, BP, Arrays.copyOf(full, 64), 64));
    assertEquals(new Walk(List.of(), Stop.OUTSIDE_SNAPSHOT), unwinder.unwind(PC, SP, BP, new byte[0], 64));
  }

  @Test
  void aPcOutsideEveryObjectOrFde() {
    assertEquals(new Walk(List.of(), Stop.NO_OBJECT), unwind(0x401000, BP, 64));
    assertEquals(new Walk(List.of(), Stop.NO_FDE), unwind(BASE + 0x1701, BP, 64));
    stack[0] = 0x401000;
    assertEquals(new Walk(List.of(0x401000L), Stop.NO_OBJECT), unwind(PC, BP, 64));
  }

  @Test
  void rulesTheWalkCannotFollow() {
    assertEquals(new Walk(List.of(), Stop.UNSUPPORTED_RULE), unwind(BASE + 0x1410, BP, 64), "a CFA expression");
    // At 0x1504 rbp is saved in rbx, which the walk does not know; the caller's rbp-based CFA needs it.
    stack[0] = BASE + 0x1506;
    stack[1] = BASE + 0x1510;
    assertEquals(new Walk(List.of(BASE + 0x1506, BASE + 0x1510), Stop.UNSUPPORTED_RULE),
        unwind(BASE + 0x1506, BP, 64));
  }

  @Test
  void aZeroReturnAddressOrACfaThatDoesNotClimb() {
    stack[0] = 0;
    assertEquals(new Walk(List.of(), Stop.ZERO_RETURN), unwind(PC, BP, 64));
    assertEquals(new Walk(List.of(), Stop.CFA_NOT_INCREASING), unwind(INTO_F, SP - 64, 64), "rbp below sp");
    assertEquals(new Walk(List.of(), Stop.CFA_NOT_INCREASING), unwind(INTO_F, SP - 16, 64), "CFA == sp");
  }

  static byte[] bytes(long[] words) {
    ByteBuffer b = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long w : words) {
      b.putLong(w);
    }
    return b.array();
  }
}
