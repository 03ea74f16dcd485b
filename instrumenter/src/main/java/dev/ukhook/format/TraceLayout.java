package dev.ukhook.format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace stream, format version 4: the one definition of its header, records and values. The guest's C
 * structs, {@code #define}s and {@code _Static_assert}s are generated from it ({@link #cModel()}, rendered by
 * templates/libukhook/include/ukhook/stream.h.ftl); the Java codec reads and writes by its offsets; the tables
 * of docs/trace-format.md are tested against it. Everything is little-endian.
 */
public final class TraceLayout {
  public static final int VERSION = 4;
  public static final String MAGIC = "UKHOOKTR";
  public static final int HEADER_SIZE = 64;
  /** Record size without frame slots and tail; each slot adds {@link #FRAME_SIZE} bytes. */
  public static final int RECORD_BASE_SIZE = 40;
  public static final int FRAME_SIZE = 8;
  public static final int ARGS = 6;
  public static final int IMAGE_ID_BYTES = 16;

  /** A field's element type: its name in the docs, in C, and its size. */
  public enum Type {
    U8("u8", "uint8_t", 1),
    U16("u16", "uint16_t", 2),
    U32("u32", "uint32_t", 4),
    U64("u64", "uint64_t", 8),
    I64("i64", "int64_t", 8);

    public final String doc;
    public final String c;
    public final int size;

    Type(String doc, String c, int size) {
      this.doc = doc;
      this.c = c;
      this.size = size;
    }
  }

  /**
   * One field: {@code count + perFrame * N (+ T if withTail)} elements of {@code type} at {@code offset}, where N
   * is the header's {@code frames} and T the record's tail bytes ({@link #tailBytes}); a scalar has count 1 and
   * is not an array. A field after the frames (the tail) sits at {@code offset + 8N}.
   */
  public record Field(String name, Type type, int offset, int count, int perFrame, boolean withTail, boolean array,
      String meaning) {
    static Field scalar(String name, Type type, int offset, String meaning) {
      return new Field(name, type, offset, 1, 0, false, false, meaning);
    }

    static Field array(String name, Type type, int offset, int count, String meaning) {
      return new Field(name, type, offset, count, 0, false, true, meaning);
    }

    public int size(int frames, int tail) {
      return type.size * (count + perFrame * frames) + (withTail ? tail : 0);
    }

    /** As the doc tables write it: {@code u16}, {@code u8[8]}, {@code u64[N]}, {@code u8[40 + 8N + T]}. */
    public String docType() {
      if (!array) {
        return type.doc;
      }
      return type.doc + "[" + count(count == 0 ? "" : Integer.toString(count), "N", "", "T") + "]";
    }

    /** The C member declaration, without the semicolon. */
    public String cDeclaration() {
      String n = count(count == 0 ? "" : Integer.toString(count), "UKHOOK_FRAMES", " * ", "UKHOOK_TAIL_BYTES");
      return type.c + " " + name + (array ? "[" + n + "]" : "");
    }

    private String count(String fixed, String frames, String times, String tail) {
      String s = fixed;
      if (perFrame != 0) {
        String slots = (perFrame == 1 ? "" : perFrame + times) + frames;
        s = s.isEmpty() ? slots : s + " + " + slots;
      }
      if (withTail) {
        s = s.isEmpty() ? tail : s + " + " + tail;
      }
      return s;
    }
  }

  /** A C struct, its fields in order; each field must start where the one before it ends. */
  public record Struct(String cName, int baseSize, int perFrameSize, List<Field> fields) {
    public Struct {
      fields = List.copyOf(fields);
      int at = 0;
      int perFrame = 0;
      boolean tail = false;
      for (Field f : fields) {
        if (f.offset() != at || tail || (perFrame != 0 && !f.withTail())) {
          throw new IllegalStateException(cName + "." + f.name() + " is at " + f.offset() + ", expected " + at);
        }
        at += f.size(0, 0);
        perFrame += f.type().size * f.perFrame();
        tail = f.withTail();
      }
      if (at != baseSize || perFrame != perFrameSize) {
        throw new IllegalStateException(cName + " is " + at + " + " + perFrame + "N bytes, expected " + baseSize
            + " + " + perFrameSize + "N");
      }
    }

    /** The size with {@code frames} frame slots and {@code tail} tail bytes (0 for the header). */
    public int size(int frames, int tail) {
      return baseSize + perFrameSize * frames + (fields.get(fields.size() - 1).withTail() ? tail : 0);
    }

    /** As the doc tables write a field's offset: {@code 32}, or {@code 96 + 8N} after the frames. */
    public String docOffset(Field f) {
      int before = 0;
      for (Field g : fields) {
        if (g == f) {
          break;
        }
        before += g.type().size * g.perFrame();
      }
      return before == 0 ? Integer.toString(f.offset()) : f.offset() + " + " + before + "N";
    }

    public Field field(String name) {
      return fields.stream().filter(f -> f.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(cName + " has no field " + name));
    }

    String cSize() {
      String size = perFrameSize == 0 ? Integer.toString(baseSize) : baseSize + " + " + perFrameSize +
          " * UKHOOK_FRAMES";
      return fields.get(fields.size() - 1).withTail() ? size + " + UKHOOK_TAIL_BYTES" : size;
    }
  }

  /** A named value of a field (a kind, a flag bit, a path...): its C macro, short name and meaning. */
  public record Value(String cName, String name, int value, String meaning) {}

  /** The header, 64 bytes. */
  public static final class Header {
    public static final Field MAGIC = Field.array("magic", Type.U8, 0, 8, "ASCII UKHOOKTR");
    public static final Field VERSION = Field.scalar("version", Type.U16, 8,
        "format version, " + TraceLayout.VERSION);
    public static final Field HEADER_SIZE = Field.scalar("header_size", Type.U16, 10, "64");
    public static final Field RECORD_SIZE = Field.scalar("record_size", Type.U16, 12, "R");
    public static final Field FRAMES = Field.scalar("frames", Type.U8, 14, "N, the number of frame slots per record");
    public static final Field ARG_WORDS = Field.scalar("arg_words", Type.U8, 15,
        "A / 8: the arguments at the start of every record's tail, in 8-byte words: 6 (all six) or 0 (none)");
    public static final Field TS_HZ = Field.scalar("ts_hz", Type.U64, 16,
        "timestamp (TSC) ticks per second, measured by the guest between early init and the device probe against "
            + "Unikraft's monotonic clock (no busy wait); 0 if unknown, as under QEMU -icount, where that clock stands "
            + "still during boot");
    public static final Field IMAGE_ID = Field.array("image_id", Type.U8, 24, IMAGE_ID_BYTES,
        "random identity generated by ukhook instrument, compiled into the image (also as the symbol "
            + "ukhook_image_id_<32 hex digits>, which the link map lists) and written to image-id beside it");
    public static final Field RING_RECORDS = Field.scalar("ring_records", Type.U32, 40,
        "capacity of the guest ring, in records");
    public static final Field OVERFLOW = Field.scalar("overflow", Type.U8, 44,
        "what the guest does when its ring is full, see overflow");
    public static final Field HOOK_POINTS = Field.scalar("hook_points", Type.U8, 45,
        "which hook points the image has, see hook_points");
    public static final Field PATH_WORDS = Field.scalar("path_words", Type.U8, 46,
        "P / 8: the path copy in every record's tail, in 8-byte words (0: none)");
    public static final Field STACK_WORDS = Field.scalar("stack_words", Type.U8, 47,
        "S / 8: the stack area in every record's tail, in 8-byte words (0: none; else at least 3: sp, bp and the "
            + "snapshot)");
    public static final Field TEXT_START = Field.scalar("text_start", Type.U64, 48,
        "the image's _text: its code is [text_start, text_end)");
    public static final Field TEXT_END = Field.scalar("text_end", Type.U64, 56, "the image's _etext");
    public static final Struct STRUCT = new Struct("ukhook_header", TraceLayout.HEADER_SIZE, 0, List.of(
        MAGIC, VERSION, HEADER_SIZE, RECORD_SIZE, FRAMES, ARG_WORDS, TS_HZ, IMAGE_ID, RING_RECORDS, OVERFLOW,
        HOOK_POINTS, PATH_WORDS, STACK_WORDS, TEXT_START, TEXT_END));

    private Header() {}
  }

  /** A syscall record (kind 1), {@code R = 40 + 8 * N + T} bytes. */
  public static final class Syscall {
    public static final Field T_ENTER = Field.scalar("t_enter", Type.U64, 0, "timestamp when the hook saw the call");
    public static final Field RET = Field.scalar("ret", Type.I64, 8, "return value (negative errno on failure)");
    public static final Field SEQ = Field.scalar("seq", Type.U32, 16,
        "sequence number, modulo 2^32: 0 for the first system call after boot, +1 per call (dropped ones use a "
            + "number too); the reader carries the higher bits, records being in order");
    public static final Field DUR = Field.scalar("dur", Type.U32, 20,
        "t_exit - t_enter: with bit 31 clear, in ticks; with bit 31 set, bits 0-30 count 65536 ticks (a call of "
            + "2^31 ticks or longer, to 2^47)");
    public static final Field NR = Field.scalar("nr", Type.U16, 24,
        "system call number, x86-64 Linux numbering; numbers from 1024 up are Unikraft-only calls (see "
            + "SyscallNames); 0xffff: a number ukhook does not know (a native syscall it cannot name, or a binary one "
            + "of 0xffff or more, which no dispatcher knows either)");
    public static final Field LIB = Field.scalar("lib", Type.U8, 26,
        "the library the guest charged the call to: its index in the image's library table (bits 0-6), 0 for none "
            + "(the table does not know the caller); bit 7: every library on the call's path was transparent, the "
            + "charge is the outermost of them");
    public static final Field NEST = Field.scalar("nest", Type.U8, 27,
        "bits 0-5: how many system calls of the same thread were in progress when this one began (0 = made by "
            + "application-level code; 63 = 63 or more); bits 6-7: how the call was made, see path");
    public static final Field KIND = Field.scalar("kind", Type.U8, 28, "UKHOOK_KIND_SYSCALL (1)");
    public static final Field FLAGS = Field.scalar("flags", Type.U8, 29, "see flags");
    public static final Field THREAD = Field.scalar("thread", Type.U16, 30,
        "the calling thread: 1 for the first thread that made a system call, +1 for each new one (65535: that many "
            + "or more); 0 before thread-local storage is set up");
    public static final Field RIP = Field.scalar("rip", Type.U64, 32,
        "with N = 0, the return address that decided the charge (lib): the caller's own (after the syscall "
            + "instruction, after the call of the definition or of its outermost wrapper, or the stub's address), or "
            + "one further up the frame-pointer chain when the libraries below it are transparent. With N > 0, always "
            + "the caller's own: the walk in frames goes on from it, and the charge's address is among them");
    public static final Field FRAMES =
        new Field("frames", Type.U64, 40, 0, 1, false, true,
            "return addresses beyond rip, innermost first: (flag leaf) the word at the caller's stack pointer, then "
                + "the frame-pointer chain; slots past the walk's end are zero");
    public static final Field TAIL =
        new Field("tail", Type.U8, 40, 0, 0, true, true, "the arguments, the path copy, then the stack area (see Tail)");
    public static final Struct STRUCT = new Struct("ukhook_record", RECORD_BASE_SIZE, FRAME_SIZE, List.of(
        T_ENTER, RET, SEQ, DUR, NR, LIB, NEST, KIND, FLAGS, THREAD, RIP, FRAMES, TAIL));

    private Syscall() {}
  }

  /** Bits 0-5 of a syscall record's nest byte are the nesting, bits 6-7 the path. */
  public static final int NEST_MASK = 0x3f;
  public static final int PATH_SHIFT = 6;
  /** A duration with bit 31 set counts 2^16 ticks per unit. */
  public static final int DUR_COARSE = 1 << 31;
  public static final int DUR_COARSE_SHIFT = 16;

  /** The ticks of a syscall record's dur field. */
  public static long duration(int dur) {
    return dur < 0 ? (long) (dur & ~DUR_COARSE) << DUR_COARSE_SHIFT : dur;
  }

  /** The dur field of a duration in ticks, as the guest encodes it (the model of ukhook_dur()). */
  public static int dur(long ticks) {
    long coarse = Integer.toUnsignedLong(DUR_COARSE);
    if (Long.compareUnsigned(ticks, coarse) < 0) {
      return (int) ticks;
    }
    return DUR_COARSE | (int) Math.min(ticks >>> DUR_COARSE_SHIFT, coarse - 1);
  }

  /** The final record (kind 2), R bytes like a syscall record; kind shares its place. */
  public static final class Final {
    public static final Field T_END = Field.scalar("t_end", Type.U64, 0, "timestamp at shutdown");
    public static final Field TOTAL = Field.scalar("total", Type.U64, 8,
        "records numbered: system calls seen and load and event records");
    public static final Field DROPPED = Field.scalar("dropped", Type.U64, 16,
        "records dropped by the guest (overflow drop, or the ring filling before the device was up)");
    public static final Field RESERVED0 = Field.array("reserved0", Type.U8, 24, 4, "zero");
    public static final Field KIND = Field.scalar("kind", Type.U8, 28, "UKHOOK_KIND_FINAL (2)");
    public static final Field RESERVED1 = Field.array("reserved1", Type.U8, 29, 3, "zero");
    public static final Field EMITTED = Field.scalar("emitted", Type.U64, 32,
        "records handed to the device, total - dropped");
    public static final Field ZERO = new Field("zero", Type.U8, 40, 0, 8, true, true, "zero, up to R bytes");
    public static final Struct STRUCT = new Struct("ukhook_final_record", RECORD_BASE_SIZE, FRAME_SIZE, List.of(
        T_END, TOTAL, DROPPED, RESERVED0, KIND, RESERVED1, EMITTED, ZERO));

    private Final() {}
  }

  /**
   * A program load (kind 3), R bytes: the facts of a new process's auxiliary vector, as app-elfloader gave them to
   * the program it started. The host turns them into address ranges with the program's and interpreter's files.
   * Only an image with the process hook point writes one; its records are at least {@link #LOAD_MIN_SIZE} bytes.
   */
  public static final class Load {
    public static final Field T = Field.scalar("t", Type.U64, 0, "timestamp");
    public static final Field PHDR = Field.scalar("phdr", Type.U64, 8,
        "AT_PHDR: where the program's program headers are");
    public static final Field SEQ = Field.scalar("seq", Type.U32, 16, "sequence number, modulo 2^32");
    public static final Field RESERVED0 = Field.array("reserved0", Type.U8, 20, 8, "zero");
    public static final Field KIND = Field.scalar("kind", Type.U8, 28, "UKHOOK_KIND_LOAD (3)");
    public static final Field RESERVED1 = Field.array("reserved1", Type.U8, 29, 3, "zero");
    public static final Field PHNUM = Field.scalar("phnum", Type.U64, 32, "AT_PHNUM");
    public static final Field ENTRY = Field.scalar("entry", Type.U64, 40,
        "AT_ENTRY: the program's entry point (its load base is entry minus the file's e_entry)");
    public static final Field INTERP_BASE = Field.scalar("interp_base", Type.U64, 48,
        "AT_BASE: where the interpreter (the dynamic loader the program's PT_INTERP names) starts; 0 for a static "
            + "program");
    public static final Field EXECFN = Field.array("execfn", Type.U8, 56, 0,
        "AT_EXECFN, the program's path, NUL-terminated and cut to fit: the rest of the record, R - 56 bytes");
    public static final Struct STRUCT = new Struct("ukhook_load_record", 56, 0, List.of(
        T, PHDR, SEQ, RESERVED0, KIND, RESERVED1, PHNUM, ENTRY, INTERP_BASE, EXECFN));

    private Load() {}
  }

  /** The smallest record size of an image with the process hook point: a load record's path needs room. */
  public static final int LOAD_MIN_SIZE = 96;

  /**
   * A filter event (kind 4), R bytes: a phase switch, or a policy put in force or refused (docs/policy.md). Numbered
   * like a syscall record, so the host knows which calls came before it.
   */
  public static final class Event {
    public static final Field T = Field.scalar("t", Type.U64, 0, "timestamp");
    public static final Field POLICY = Field.scalar("policy", Type.U64, 8,
        "the checksum (the id) of the policy in force after the event; 0 in an image that does not filter");
    public static final Field SEQ = Field.scalar("seq", Type.U32, 16, "sequence number, modulo 2^32");
    public static final Field CAUSE = Field.scalar("cause", Type.U32, 20,
        "seq (modulo 2^32) of the call whose return fired a switch rule (0 in a counting image, whose calls have "
            + "none); for a policy put in force or refused by a push, the push's id (control message id); else 0");
    public static final Field EVENT = Field.scalar("event", Type.U8, 24, "what happened, see event");
    public static final Field FROM = Field.scalar("from", Type.U8, 25, "the phase before");
    public static final Field TO = Field.scalar("to", Type.U8, 26, "the phase after");
    public static final Field REASON = Field.scalar("reason", Type.U8, 27,
        "why a policy was refused, see reason; else 0");
    public static final Field KIND = Field.scalar("kind", Type.U8, 28, "UKHOOK_KIND_EVENT (4)");
    public static final Field RESERVED0 = Field.array("reserved0", Type.U8, 29, 3, "zero");
    public static final Field REFUSED = Field.scalar("refused", Type.U64, 32,
        "the checksum of a refused policy; else 0");
    public static final Field ZERO = new Field("zero", Type.U8, 40, 0, 8, true, true, "zero, up to R bytes");
    public static final Struct STRUCT = new Struct("ukhook_event_record", RECORD_BASE_SIZE, FRAME_SIZE, List.of(
        T, POLICY, SEQ, CAUSE, EVENT, FROM, TO, REASON, KIND, RESERVED0, REFUSED, ZERO));

    private Event() {}
  }

  /**
   * A snapshot of a counting image's counters (kind 5, {@code --mode count}), R bytes followed by {@code ncells}
   * cells of {@link Cell}: every counter since boot, so the last snapshot holds them all. Sent periodically, at a
   * stop and at shutdown (then just before the final record); it takes no sequence number.
   */
  public static final class Counts {
    public static final Field T = Field.scalar("t", Type.U64, 0, "timestamp of the snapshot");
    public static final Field OVERFLOWED = Field.scalar("overflowed", Type.U64, 8,
        "calls that found no free cell in the guest's table, counted nowhere else");
    public static final Field NCELLS = Field.scalar("ncells", Type.U32, 16, "cells that follow this record");
    public static final Field CELL_SIZE = Field.scalar("cell_size", Type.U16, 20, "C, the size of a cell");
    public static final Field WHY = Field.scalar("why", Type.U8, 22, "why it was sent, see why");
    public static final Field LATENCY = Field.scalar("latency", Type.U8, 23,
        "1: the cells' ticks and hist are measured; 0: the image does not time calls");
    public static final Field SEQ = Field.scalar("seq", Type.U32, 24,
        "the next sequence number (records numbered so far), modulo 2^32; a snapshot takes none");
    public static final Field KIND = Field.scalar("kind", Type.U8, 28, "UKHOOK_KIND_COUNTS (5)");
    public static final Field RESERVED0 = Field.array("reserved0", Type.U8, 29, 11, "zero");
    public static final Field ZERO = new Field("zero", Type.U8, 40, 0, 8, true, true, "zero, up to R bytes");
    public static final Struct STRUCT = new Struct("ukhook_counts_record", RECORD_BASE_SIZE, FRAME_SIZE, List.of(
        T, OVERFLOWED, NCELLS, CELL_SIZE, WHY, LATENCY, SEQ, KIND, RESERVED0, ZERO));

    private Counts() {}
  }

  /** Duration buckets of a cell's histogram: two per power of two ({@link #bucket}, {@link #bucketLow}). */
  public static final int HIST_BUCKETS = 64;
  /** The errnos a cell counts one by one; more distinct ones are only in its errors. */
  public static final int CELL_ERRNOS = 4;
  /** Cells in a counting image's table, a power of two. */
  public static final int COUNT_CELLS = 1024;

  /** One counter cell of a counting image: one (library, phase, syscall), {@value #CELL_SIZE_BYTES} bytes. */
  public static final class Cell {
    public static final Field NR = Field.scalar("nr", Type.U16, 0, "system call number, as in a syscall record");
    public static final Field LIB = Field.scalar("lib", Type.U8, 2,
        "the library the guest charged the calls to: its index in the image's library table (bits 0-6), 0 for "
            + "none; bit 7: every library on the calls' path was transparent");
    public static final Field PHASE = Field.scalar("phase", Type.U8, 3,
        "the phase in force when the calls began (bits 0-6); bit 7: the cell is in use");
    public static final Field RESERVED = Field.scalar("reserved", Type.U32, 4, "zero");
    public static final Field CALLS = Field.scalar("calls", Type.U64, 8,
        "calls begun, counted when they begin (one still in progress is counted)");
    public static final Field ERRORS = Field.scalar("errors", Type.U64, 16, "calls that returned -4095..-1");
    public static final Field REFUSED = Field.scalar("refused", Type.U64, 24, "calls the policy refused");
    public static final Field NESTED = Field.scalar("nested", Type.U64, 32,
        "calls made while another of the same thread was in progress (nest > 0)");
    public static final Field TICKS = Field.scalar("ticks", Type.U64, 40,
        "summed t_exit - t_enter of the calls that returned");
    public static final Field ERRNO_NR = Field.array("errno_nr", Type.U16, 48, CELL_ERRNOS,
        "the first distinct errnos returned, 0 for a free slot");
    public static final Field ERRNO_CALLS = Field.array("errno_calls", Type.U64, 56, CELL_ERRNOS,
        "calls that returned each of them");
    public static final Field HIST = Field.array("hist", Type.U32, 88, HIST_BUCKETS,
        "calls that returned, by duration d in ticks: bucket b holds those whose d * d has its highest bit at b "
            + "(two buckets per power of two); durations of 2^32 ticks and more are in bucket 63");
    public static final Struct STRUCT = new Struct("ukhook_cell", CELL_SIZE_BYTES, 0, List.of(
        NR, LIB, PHASE, RESERVED, CALLS, ERRORS, REFUSED, NESTED, TICKS, ERRNO_NR, ERRNO_CALLS, HIST));

    private Cell() {}
  }

  public static final int CELL_SIZE_BYTES = 344;
  /** Bit 7 of a cell's lib: every library on the calls' path was transparent (the charge is the outermost). */
  public static final int CELL_VIA_TRANSPARENT = 0x80;
  /** Bit 7 of a cell's phase: the cell is in use. */
  public static final int CELL_IN_USE = 0x80;

  /**
   * The smallest duration, in ticks, of histogram bucket {@code b} (the guest's ukhook_bucket() inverted): the
   * smallest d whose square has its highest bit at b, the ceiling of 2^(b/2). Bucket 0 holds 0 and 1; bucket 1 is
   * always empty (no square has its highest bit there).
   */
  public static long bucketLow(int b) {
    if (b == 0) {
      return 0;
    }
    long d = (long) Math.ceil(Math.sqrt(Math.pow(2, b)));
    while (d > 1 && bucket(d - 1) == b) { // the double's rounding, either way
      d--;
    }
    while (bucket(d) < b) {
      d++;
    }
    return d;
  }

  /**
   * The bucket of a duration of {@code ticks}: the model of the guest's ukhook_bucket(), the highest bit of ticks
   * squared (two buckets per power of two, split at its square root of two times), 2^32 ticks and more in the last.
   */
  public static int bucket(long ticks) {
    long d = Long.compareUnsigned(ticks, 1L << 32) < 0 ? ticks : (1L << 32) - 1;
    return 63 - Long.numberOfLeadingZeros(d * d | 1);
  }

  public static final int WHY_PERIODIC = 0;
  public static final int WHY_FINAL = 1;
  public static final List<Value> WHYS = List.of(
      new Value("UKHOOK_COUNTS_PERIODIC", "periodic", WHY_PERIODIC, "a periodic snapshot (--snapshot-every)"),
      new Value("UKHOOK_COUNTS_FINAL", "final", WHY_FINAL, "at shutdown, just before the final record"));

  /**
   * A message from the host to the guest, on the other direction of the same port: this 16-byte header, then
   * {@code length} payload bytes. The guest reads the direction as a byte stream and finds a message by its magic.
   */
  public static final class Control {
    public static final Field MAGIC = Field.scalar("magic", Type.U32, 0,
        "UKHOOK_CONTROL_MAGIC: 0x43484b55 (ASCII UKHC)");
    public static final Field KIND = Field.scalar("kind", Type.U16, 4, "what the host asks, see control kinds");
    public static final Field RESERVED0 = Field.scalar("reserved0", Type.U16, 6, "zero");
    public static final Field LENGTH = Field.scalar("length", Type.U32, 8, "payload bytes that follow");
    public static final Field ID = Field.scalar("id", Type.U32, 12,
        "a policy's push number, which the guest's answer (its event record's cause) repeats; 0 for other kinds");
    public static final Struct STRUCT = new Struct("ukhook_control", CONTROL_SIZE, 0, List.of(
        MAGIC, KIND, RESERVED0, LENGTH, ID));

    private Control() {}
  }

  public static final int CONTROL_SIZE = 16;
  /** ASCII {@code UKHC}, read as a little-endian u32. */
  public static final int CONTROL_MAGIC = 0x43484b55;
  public static final int CONTROL_STOP = 1;
  public static final int CONTROL_POLICY = 2;
  public static final List<Value> CONTROLS = List.of(
      new Value("UKHOOK_CONTROL_STOP", "stop", CONTROL_STOP,
          "end the unikernel as its program's exit_group would: the stream ends with its final record. No payload."),
      new Value("UKHOOK_CONTROL_POLICY", "policy", CONTROL_POLICY,

              "put the payload, a compiled policy (struct ukhook_policy, docs/policy.md), in force; the guest "
                  + "answers with an event record"));

  public static final int KIND_SYSCALL = 1;
  public static final int KIND_FINAL = 2;
  public static final int KIND_LOAD = 3;
  public static final int KIND_EVENT = 4;
  public static final int KIND_COUNTS = 5;
  public static final List<Value> KINDS = List.of(
      new Value("UKHOOK_KIND_SYSCALL", "syscall", KIND_SYSCALL, "a syscall record"),
      new Value("UKHOOK_KIND_FINAL", "final", KIND_FINAL, "the final record"),
      new Value("UKHOOK_KIND_LOAD", "load", KIND_LOAD, "a program a loader started"),
      new Value("UKHOOK_KIND_EVENT", "event", KIND_EVENT,
          "a filter event: a phase switch, a policy put in force or refused"),
      new Value("UKHOOK_KIND_COUNTS", "counts", KIND_COUNTS, "a counting image's counters, followed by its cells"));

  public static final int FLAG_REFUSED = 1;
  /** frames[0] is the word at the caller's stack pointer: a frameless leaf function's return address. */
  public static final int FLAG_LEAF_FRAME = 2;
  /**
   * The record was committed without the call returning: a call that does not return (exit, exit_group), or
   * one still in progress at shutdown. ret is 0, t_exit the time of the commit.
   */
  public static final int FLAG_AT_ENTRY = 4;
  /** The tail's path copy holds the call's path argument. */
  public static final int FLAG_PATH_ARG = 8;
  /** The tail's stack area holds sp, bp and the stack above sp. */
  public static final int FLAG_STACK = 16;
  /** The policy said log: the call ran and its record is marked. */
  public static final int FLAG_LOGGED = 32;
  /** Refused and logged together: an injection rule failed the call on purpose (it did not run). */
  public static final int FLAG_INJECTED = FLAG_REFUSED | FLAG_LOGGED;
  /** The policy said kill: the call did not run, the unikernel stopped (refused is set too). */
  public static final int FLAG_KILLED = 64;
  /**
   * The tail's path copy holds the first bytes the call read or wrote ({@link SyscallNames#bufferCalls()}): as
   * many as it returned, cut to the copy's size.
   */
  public static final int FLAG_BUFFER = 128;
  public static final List<Value> FLAGS = List.of(
      new Value("UKHOOK_FLAG_REFUSED", "refused", FLAG_REFUSED,
          "bit 0: the policy refused the call (deny or kill): it did not run, the caller got -errno. With logged: "
              + "injected, an injection rule failed the call on purpose, it did not run, the caller got ret"),
      new Value("UKHOOK_FLAG_LEAF", "leaf frame", FLAG_LEAF_FRAME,
          "bit 1: frames[0] is the word at the caller's stack pointer, taken because it points into the image's "
              + "code (the return address of a frameless leaf function such as a libc syscall wrapper); the rest of "
              + "frames follows the frame-pointer chain. The charge's walk reads the same word"),
      new Value("UKHOOK_FLAG_AT_ENTRY", "at entry", FLAG_AT_ENTRY,
          "bit 2: the record was committed without the call returning: exit and exit_group, recorded when they "
              + "begin because they never return; a call still in progress at shutdown (a thread asleep for good); a "
              + "call still in progress when the ring was full and records after it waited for it (records leave the "
              + "ring in order). ret is 0 and t_exit the time of the commit"),
      new Value("UKHOOK_FLAG_PATH_ARG", "path argument", FLAG_PATH_ARG,
          "bit 3: the tail holds the call's path argument"),
      new Value("UKHOOK_FLAG_STACK", "stack", FLAG_STACK, "bit 4: the tail holds sp, bp and the stack snapshot"),
      new Value("UKHOOK_FLAG_LOGGED", "logged", FLAG_LOGGED, "bit 5: the policy said log: the call ran, and is marked (with refused: "
          + "injected)"),
      new Value("UKHOOK_FLAG_KILLED", "killed", FLAG_KILLED,
          "bit 6: the policy said kill: the unikernel stopped at this call (refused and at entry are set too)"),
      new Value("UKHOOK_FLAG_BUFFER", "buffer", FLAG_BUFFER,
          "bit 7: the tail's path area holds the first min(ret, P) bytes the call read or wrote"));

  public static final int PATH_BINARY = 0;
  public static final int PATH_NATIVE_RAW = 1;
  public static final int PATH_NATIVE_ERRNO = 2;
  public static final int PATH_STUB = 3;
  /** By value: {@code PATHS.get(path)} is that path. */
  public static final List<Value> PATHS = List.of(
      new Value("UKHOOK_PATH_BINARY", "binary", PATH_BINARY,
          "the syscall instruction, through Unikraft's binary syscall handler"),
      new Value("UKHOOK_PATH_NATIVE_RAW", "native_raw", PATH_NATIVE_RAW, "a direct call of uk_syscall_r_*"),
      new Value("UKHOOK_PATH_NATIVE_ERRNO", "native_errno", PATH_NATIVE_ERRNO,
          "a call of uk_syscall_e_* or a libc-style wrapper"),
      new Value("UKHOOK_PATH_STUB", "stub", PATH_STUB,
          "a syscall the image does not provide, answered -ENOSYS inline"));

  public static final int OVERFLOW_BLOCK = 0;
  public static final int OVERFLOW_DROP = 1;
  /** By value: {@code OVERFLOWS.get(overflow)} is that policy. */
  public static final List<Value> OVERFLOWS = List.of(
      new Value("UKHOOK_OVERFLOW_BLOCK", "block", OVERFLOW_BLOCK,
          "the calling thread waits for room: no record is ever lost"),
      new Value("UKHOOK_OVERFLOW_DROP", "drop", OVERFLOW_DROP,
          "the record is dropped and counted in the final record's dropped"));

  public static final int HOOK_BINARY = 1;
  public static final int HOOK_NATIVE = 2;
  public static final int HOOK_PROCESS = 4;
  public static final List<Value> HOOK_POINTS = List.of(
      new Value("UKHOOK_HOOK_BINARY", "binary", HOOK_BINARY, "bit 0: the binary syscall handler is hooked"),
      new Value("UKHOOK_HOOK_NATIVE", "native", HOOK_NATIVE, "bit 1: the native syscall definitions are hooked"),
      new Value("UKHOOK_HOOK_PROCESS", "process", HOOK_PROCESS, "bit 2: process creation is hooked: load records"));

  /** The {@code nr} of a native syscall whose name ukhook does not know. */
  public static final int NR_UNKNOWN = 0xffff;

  public static final List<Struct> STRUCTS =
      List.of(Header.STRUCT, Syscall.STRUCT, Final.STRUCT, Load.STRUCT, Event.STRUCT, Counts.STRUCT, Cell.STRUCT,
          Control.STRUCT);

  private TraceLayout() {}

  /** The record size an image keeping {@code frames} return addresses per record, and no tail, writes. */
  public static int recordSize(int frames) {
    return Syscall.STRUCT.size(frames, 0);
  }

  /** The record size with a tail of {@code argWords}, {@code pathWords} and {@code stackWords} 8-byte words. */
  public static int recordSize(int frames, int argWords, int pathWords, int stackWords) {
    return Syscall.STRUCT.size(frames, tailBytes(argWords, pathWords, stackWords));
  }

  /**
   * T: the tail of every record: A = 8 * argWords bytes of arguments, P = 8 * pathWords of path copy, then S = 8 *
   * stackWords of stack area.
   */
  public static int tailBytes(int argWords, int pathWords, int stackWords) {
    return 8 * (argWords + pathWords + stackWords);
  }

  /** The stack area's first words: sp and bp at the call; the snapshot of the stack from sp follows. */
  public static final int STACK_REGS = 2;

  /** The name of a {@code path} value, or {@code path_<n>} for one this version does not define. */
  public static String pathName(int path) {
    return path >= 0 && path < PATHS.size() ? PATHS.get(path).name() : "path_" + path;
  }

  /**
   * The layout as the Freemarker model of stream.h.ftl: {@code defines} (name, value, comment) and {@code
   * structs} (name, size as a C expression, fields with decl, name, offset, comment).
   */
  public static Map<String, Object> cModel() {
    List<Map<String, Object>> defines = new ArrayList<>();
    define(defines, "UKHOOK_FORMAT_VERSION", Integer.toString(VERSION), "trace format version");
    StringBuilder magic = new StringBuilder("{ ");
    for (char c : MAGIC.toCharArray()) {
      magic.append(magic.length() > 2 ? ", " : "").append('\'').append(c).append('\'');
    }
    define(defines, "UKHOOK_MAGIC_INIT", magic.append(" }").toString(), "initialiser of the header's magic");
    for (List<Value> values : List.of(KINDS, FLAGS, PATHS, OVERFLOWS, HOOK_POINTS, CONTROLS, WHYS)) {
      values.forEach(v -> define(defines, v.cName(), Integer.toString(v.value()), v.meaning()));
    }
    define(defines, "UKHOOK_CONTROL_MAGIC", "0x" + Integer.toHexString(CONTROL_MAGIC), "ASCII UKHC");
    define(defines, "UKHOOK_VIA_TRANSPARENT", "0x" + Integer.toHexString(CELL_VIA_TRANSPARENT),
        "bit 7 of a cell's lib: charged to a transparent library, every one on the path being one");
    define(defines, "UKHOOK_CELL_IN_USE", "0x" + Integer.toHexString(CELL_IN_USE), "bit 7 of a cell's phase: in use");
    define(defines, "UKHOOK_HIST_BUCKETS", Integer.toString(HIST_BUCKETS), "duration buckets of a cell");
    define(defines, "UKHOOK_CELL_ERRNOS", Integer.toString(CELL_ERRNOS), "errnos a cell counts one by one");
    define(defines, "UKHOOK_COUNT_CELLS", Integer.toString(COUNT_CELLS) + "U", "cells of a counting image");
    define(defines, "UKHOOK_NEST_MASK", "0x" + Integer.toHexString(NEST_MASK), "bits 0-5 of a record's nest");
    define(defines, "UKHOOK_PATH_SHIFT", Integer.toString(PATH_SHIFT), "bits 6-7 of a record's nest are its path");
    define(defines, "UKHOOK_DUR_COARSE", "0x" + Integer.toHexString(DUR_COARSE) + "U",
        "bit 31 of a record's dur: it counts 2^16 ticks");
    define(defines, "UKHOOK_NR_UNKNOWN", "0x" + Integer.toHexString(NR_UNKNOWN), "native syscall of unknown name");
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("defines", defines);
    model.put("structs", cStructs(STRUCTS));
    return model;
  }

  /** Structs as the templates render them: name, size as a C expression, fields with decl, name, offset, comment. */
  static List<Map<String, Object>> cStructs(List<Struct> structs) {
    List<Map<String, Object>> model = new ArrayList<>();
    for (Struct s : structs) {
      List<Map<String, Object>> fields = new ArrayList<>();
      for (Field f : s.fields()) {
        String offset = s.docOffset(f).replaceFirst(" \\+ (\\d+)N$", " + $1 * UKHOOK_FRAMES");
        fields.add(Map.of("decl", f.cDeclaration(), "name", f.name(), "offset", offset, "comment", f.meaning()));
      }
      model.add(Map.of("name", s.cName(), "size", s.cSize(), "fields", fields));
    }
    return model;
  }

  private static void define(List<Map<String, Object>> defines, String name, String value, String comment) {
    defines.add(Map.of("name", name, "value", value, "comment", comment));
  }
}
