package dev.ukhook.elf;

import dev.ukhook.elf.Cfi.Row;
import dev.ukhook.elf.Cfi.Rule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Walks the stack of a guest program from a system call back through its callers with the DWARF CFI of its
 * ELF objects, as a frame-pointer-less glibc program needs. Pure: it reads only the objects' tables and the
 * stack snapshot the guest sent.
 *
 * <p>What it follows: a CFA of {@code rsp} or {@code rbp} plus an offset, a return address saved at
 * CFA + offset, and rbp saved at CFA + offset or unchanged. It knows no other register, so a CFA computed
 * from rbx (ld.so's lazy-binding trampoline), a DWARF expression ({@code .plt}, the signal trampoline) or any
 * other rule ends the walk.
 */
public final class StackUnwinder {
  /** Why a walk ended; every walk ends with one, none throws. */
  public enum Stop {
    /** maxFrames return addresses found. */
    MAX_FRAMES,
    /** The pc is in none of the mapped objects. */
    NO_OBJECT,
    /** The object has no FDE covering the pc. */
    NO_FDE,
    /** A rule the walk cannot follow: the CFA from another register or an expression, rbp unknown, ... */
    UNSUPPORTED_RULE,
    /** A stack word the walk needs lies outside the snapshot. */
    OUTSIDE_SNAPSHOT,
    /** The return address is undefined: the outermost frame ({@code _start}). */
    OUTERMOST,
    /** The saved return address is 0. */
    ZERO_RETURN,
    /** The caller's stack pointer (the CFA) would not be above the callee's: a corrupt or looping stack. */
    CFA_NOT_INCREASING
  }

  /** The return addresses of a walk, innermost first, and why it ended. */
  public record Walk(List<Long> callers, Stop stop) {}

  private static final int WORD = 8;

  private final List<MappedObject> objects;

  public StackUnwinder(List<MappedObject> objects) {
    this.objects = List.copyOf(objects);
  }

  /**
   * The callers of the function that made a system call, innermost first; {@code pc} itself is not among them.
   *
   * @param pc the address after the {@code syscall} instruction. Like a return address it is looked up at
   *     pc - 1, which lies inside the {@code syscall} instruction, as the callers' return addresses are
   *     looked up at ra - 1, inside their {@code call}.
   * @param sp the stack pointer at the {@code syscall} instruction
   * @param bp rbp at the {@code syscall} instruction
   * @param snapshot the stack bytes from address {@code sp} up
   */
  public Walk unwind(long pc, long sp, long bp, byte[] snapshot, int maxFrames) {
    ByteBuffer stack = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
    long stackBase = sp;
    List<Long> callers = new ArrayList<>();
    boolean bpKnown = true;
    while (callers.size() < maxFrames) {
      long at = pc - 1;
      Optional<MappedObject> object = objectAt(at);
      if (object.isEmpty()) {
        return new Walk(callers, Stop.NO_OBJECT);
      }
      Optional<Row> found = object.get().cfi().rowAt(at - object.get().base());
      if (found.isEmpty()) {
        return new Walk(callers, Stop.NO_FDE);
      }
      Row row = found.get();
      long cfa;
      if (row.cfaRegister().equals("rsp")) {
        cfa = sp + row.cfaOffset();
      } else if (row.cfaRegister().equals("rbp") && bpKnown) {
        cfa = bp + row.cfaOffset();
      } else {
        return new Walk(callers, Stop.UNSUPPORTED_RULE);
      }
      if (Long.compareUnsigned(cfa, sp) <= 0) {
        return new Walk(callers, Stop.CFA_NOT_INCREASING);
      }
      if (row.ra().kind() == Rule.Kind.UNDEFINED) {
        return new Walk(callers, Stop.OUTERMOST);
      }
      if (row.ra().kind() != Rule.Kind.AT_CFA) {
        return new Walk(callers, Stop.UNSUPPORTED_RULE);
      }
      OptionalLong ra = word(stack, stackBase, cfa + row.ra().offset());
      if (ra.isEmpty()) {
        return new Walk(callers, Stop.OUTSIDE_SNAPSHOT);
      }
      if (ra.getAsLong() == 0) {
        return new Walk(callers, Stop.ZERO_RETURN);
      }
      switch (row.rbp().kind()) {
        case SAME, UNDEFINED -> { } // not saved (yet) by this function: the caller's rbp is still in rbp
        case AT_CFA -> {
          // Unknown rbp ends the walk only if a caller's CFA needs it.
          OptionalLong saved = word(stack, stackBase, cfa + row.rbp().offset());
          bpKnown = saved.isPresent();
          bp = saved.orElse(0);
        }
        case UNSUPPORTED -> bpKnown = false;
      }
      callers.add(ra.getAsLong());
      pc = ra.getAsLong();
      sp = cfa;
    }
    return new Walk(callers, Stop.MAX_FRAMES);
  }

  /** The mapped object whose {@code PT_LOAD} span holds {@code address}. */
  public Optional<MappedObject> objectAt(long address) {
    return objects.stream().filter(o -> o.contains(address)).findFirst();
  }

  /** The function at a runtime {@code address}, by the symbols of the object that holds it. */
  public Optional<SymbolHit> symbolAt(long address) {
    return objectAt(address).flatMap(o -> o.elf().symbolAt(address - o.base()));
  }

  private static OptionalLong word(ByteBuffer stack, long stackBase, long address) {
    long offset = address - stackBase;
    if (offset < 0 || offset > stack.capacity() - WORD) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(stack.getLong((int) offset));
  }
}
