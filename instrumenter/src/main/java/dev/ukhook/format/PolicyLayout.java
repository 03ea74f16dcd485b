package dev.ukhook.format;

import dev.ukhook.format.TraceLayout.Field;
import dev.ukhook.format.TraceLayout.Struct;
import dev.ukhook.format.TraceLayout.Type;
import dev.ukhook.format.TraceLayout.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one definition of what the guest's filter reads (docs/policy.md): the library table that ukhook writes into
 * the image after its final link, and a compiled policy (in the image, or pushed at run time). The C structs of
 * policy.h are generated from it ({@link #cModel()}); the Java compiler writes by its offsets. Little-endian.
 */
public final class PolicyLayout {
  /** Libraries a table can name; index 0 is "no library" (an address outside every range). */
  public static final int MAX_LIBS = 128;
  public static final int MAX_RANGES = 2048;
  public static final int MAX_GRANULES = 32768;
  public static final int NAME_BYTES = 32;
  public static final int MAX_PHASES = 8;
  /** Distinct bitmaps of a policy: the allowlists, and the fast path's (see {@link Policy#FAST_OF}). */
  public static final int MAX_BITMAPS = 256;
  /** Syscall numbers a bitmap covers; a higher number (or unknown, 0xffff) is never on an allowlist. */
  public static final int BITMAP_BITS = 512;
  /** The granule entry that says "more than one library here: search the ranges". */
  public static final int GRANULE_MIXED = 0xff;
  public static final int NO_SWITCH = 0xffff;
  /** Bytes of each library range's start that identify the code a table describes. */
  public static final int ANCHOR_BYTES = 16;

  public static final long TABLE_MAGIC = magic("UKHKLIBT");
  public static final long POLICY_MAGIC = magic("UKHKPOLI");
  /** 3: sequences ({@link Policy#SEQ}) and the fast path's bitmaps; 2: injection rules. */
  public static final int POLICY_VERSION = 3;
  /** Slots of a policy's table of allowed transitions (a power of two), and how many it may fill. */
  public static final int SEQ_SLOT_BITS = 12;
  public static final int SEQ_SLOTS = 1 << SEQ_SLOT_BITS;
  public static final int SEQ_MAX = SEQ_SLOTS * 3 / 4;
  /** A transition's previous call when the library has made none yet in the thread: its start. */
  public static final int SEQ_START = -1;
  /** The call number of a transition for any syscall at or above {@link #BITMAP_BITS}. */
  public static final int SEQ_OTHER = BITMAP_BITS;
  /** Injection rules a policy holds ({@code ukhook trace --inject}). */
  public static final int MAX_INJECT = 16;
  /** An injection rule's library or phase that matches any. */
  public static final int INJECT_ANY = 0xff;
  /** The verdict of an injected call: bits 8-23 hold the value the caller gets (a 16-bit signed number). */
  public static final int ACTION_INJECT = 4;
  public static final int TABLE_FILLED = 1;

  /** Lays fields out one after the other, so that no offset is written by hand. */
  private static final class Fields {
    private int at;

    Field scalar(String name, Type type, String meaning) {
      Field f = Field.scalar(name, type, at, meaning);
      at += type.size;
      return f;
    }

    Field array(String name, Type type, int count, String meaning) {
      Field f = Field.array(name, type, at, count, meaning);
      at += type.size * count;
      return f;
    }
  }

  /** The library table: the address ranges of every microlibrary's code in one image. */
  public static final class Table {
    private static final Fields F = new Fields();
    public static final Field MAGIC = F.scalar("magic", Type.U64, "UKHOOK_TABLE_MAGIC");
    public static final Field CHECKSUM = F.scalar("checksum", Type.U64, "ukhook_hash of what follows");
    /** The checksum covers the table from here to its end. */
    public static final int CHECKED_FROM = F.at;
    public static final Field IMAGE_ID = F.array("image_id", Type.U8, 16, "the image's identity");
    public static final Field STATE = F.scalar("state", Type.U32, "0 placeholder, 1 filled by ukhook");
    public static final Field NLIBS = F.scalar("nlibs", Type.U16, "libraries, index 0 included");
    public static final Field SHIFT = F.scalar("shift", Type.U8, "log2 of the granule size");
    public static final Field RESERVED0 = F.scalar("reserved0", Type.U8, "zero");
    public static final Field TEXT_LO = F.scalar("text_lo", Type.U64, "_text");
    public static final Field TEXT_HI = F.scalar("text_hi", Type.U64, "_etext");
    public static final Field TEXT_HASH =
        F.scalar("text_hash", Type.U64, "ukhook_anchor_hash: the first bytes of each library range");
    public static final Field NRANGES = F.scalar("nranges", Type.U32, "ranges in use");
    public static final Field NGRANULES = F.scalar("ngranules", Type.U32, "granules in use");
    public static final Field TRANSPARENT = F.array("transparent", Type.U64, MAX_LIBS / 64,
        "bit per library looked through when no policy is in force (a counting image's charge)");
    public static final Field RANGE_START = F.array("range_start", Type.U64, MAX_RANGES, "sorted start addresses");
    public static final Field RANGE_LIB = F.array("range_lib", Type.U8, MAX_RANGES, "library of each range");
    public static final Field GRANULE = F.array("granule", Type.U8, MAX_GRANULES, "library per granule, 0xff mixed");
    public static final Field NAMES = F.array("names", Type.U8, MAX_LIBS * NAME_BYTES, "NUL-terminated library names");
    public static final int SIZE = F.at;
    public static final Struct STRUCT = new Struct("ukhook_libtable", SIZE, 0, List.of(MAGIC, CHECKSUM, IMAGE_ID,
        STATE, NLIBS, SHIFT, RESERVED0, TEXT_LO, TEXT_HI, TEXT_HASH, NRANGES, NGRANULES, TRANSPARENT, RANGE_START, RANGE_LIB,
        GRANULE, NAMES));

    private Table() {}
  }

  /** A compiled policy: per library and phase, which syscalls pass, and what happens to the others. */
  public static final class Policy {
    private static final Fields F = new Fields();
    public static final Field MAGIC = F.scalar("magic", Type.U64, "UKHOOK_POLICY_MAGIC");
    public static final Field CHECKSUM = F.scalar("checksum", Type.U64, "ukhook_hash of what follows; the policy's id");
    /** The checksum covers the policy from here to its end. */
    public static final int CHECKED_FROM = F.at;
    public static final Field VERSION = F.scalar("version", Type.U16, "UKHOOK_POLICY_VERSION");
    public static final Field NPHASES = F.scalar("nphases", Type.U8, "phases, 1 to 8");
    public static final Field INITIAL = F.scalar("initial", Type.U8, "the phase a boot starts in");
    public static final Field SIZE_FIELD = F.scalar("size", Type.U32, "sizeof(struct ukhook_policy)");
    public static final Field IMAGE_ID = F.array("image_id", Type.U8, 16, "the image it was compiled for");
    public static final Field TABLE_CHECKSUM = F.scalar("table_checksum", Type.U64, "its library table's");
    public static final Field NBITMAPS = F.scalar("nbitmaps", Type.U16, "bitmaps in use");
    public static final Field RESERVED1 = F.array("reserved1", Type.U8, 6, "zero");
    public static final Field TRANSPARENT =
        F.array("transparent", Type.U64, MAX_LIBS / 64, "bit per library looked through");
    public static final Field ACTION = F.array("action", Type.U8, MAX_LIBS, "UKHOOK_ACTION_* per library");
    public static final Field ERRNO = F.array("err", Type.U16, MAX_LIBS, "errno of deny, per library");
    public static final Field BITMAP_OF =
        F.array("bitmap_of", Type.U16, MAX_LIBS * MAX_PHASES, "first word in bitmaps of [library * 8 + phase]");
    public static final Field FAST_OF = F.array("fast_of", Type.U16, MAX_LIBS * MAX_PHASES,
        "like bitmap_of: the calls that pass at once (allowed, in no injection rule, of a library without a sequence;"
            + " every call of a library whose action is allow); any other takes the slow path");
    public static final Field SWITCH_NR =
        F.array("switch_nr", Type.U16, MAX_PHASES, "per phase: the syscall that switches, 0xffff none");
    public static final Field SWITCH_TO = F.array("switch_to", Type.U8, MAX_PHASES,
        "per phase: the phase it switches to");
    public static final Field SWITCH_SUCCESS =
        F.array("switch_success", Type.U8, MAX_PHASES, "per phase: 1 only when the call returns >= 0");
    public static final Field BITMAPS =
        F.array("bitmaps", Type.U64, MAX_BITMAPS * BITMAP_BITS / 64, "allowlists, 512 bits each");
    public static final Field INJECT_BITS = F.array("inject_bits", Type.U64, BITMAP_BITS / 64,
        "syscalls an injection rule names: an allowed call of one is matched against the rules");
    public static final Field INJECT_SET = F.array("inject_set", Type.U64, MAX_INJECT * BITMAP_BITS / 64,
        "per rule: the syscalls it matches, 512 bits");
    public static final Field INJECT_SEED = F.array("inject_seed", Type.U64, MAX_INJECT,
        "per rule: its random numbers' seed (xorshift64, never 0)");
    public static final Field INJECT_FIRST = F.array("inject_first", Type.U32, MAX_INJECT,
        "per rule: the first matching call it fails, from 1");
    public static final Field INJECT_LAST = F.array("inject_last", Type.U32, MAX_INJECT,
        "per rule: the last matching call it may fail, 0xffffffff none");
    public static final Field INJECT_STEP = F.array("inject_step", Type.U32, MAX_INJECT,
        "per rule: from first on, every step-th matching call, 0 only the first");
    public static final Field INJECT_CHANCE = F.array("inject_chance", Type.U32, MAX_INJECT,
        "per rule: of the calls chosen so, those whose random number is below chance (of 2^32), 0 all");
    public static final Field INJECT_RET = F.array("inject_ret", Type.U16, MAX_INJECT,
        "per rule: what the caller gets, a 16-bit signed number (-errno, or a faked result)");
    public static final Field INJECT_LIB = F.array("inject_lib", Type.U8, MAX_INJECT,
        "per rule: the library whose calls it matches, 0xff any");
    public static final Field INJECT_PHASE = F.array("inject_phase", Type.U8, MAX_INJECT,
        "per rule: the phase whose calls it matches, 0xff any");
    public static final Field NINJECT = F.scalar("ninject", Type.U8, "injection rules in use");
    public static final Field RESERVED2 = F.array("reserved2", Type.U8, 7, "zero");
    public static final Field SEQ_ACTION = F.array("seq_action", Type.U8, MAX_LIBS,
        "per library: the action for a call its sequence does not allow after the last (0: no sequence)");
    public static final Field SEQ_PROBES = F.scalar("seq_probes", Type.U16,
        "the longest search for a transition in seq: a search that finds none in so many slots ends");
    public static final Field RESERVED3 = F.array("reserved3", Type.U8, 6, "zero");
    public static final Field SEQ = F.array("seq", Type.U32, SEQ_SLOTS,
        "allowed transitions, open addressing: lib << 20 | previous call + 1 (0 start) << 10 | call, 0 empty");
    public static final int SIZE = F.at;
    public static final Struct STRUCT = new Struct("ukhook_policy", SIZE, 0, List.of(MAGIC, CHECKSUM, VERSION,
        NPHASES, INITIAL, SIZE_FIELD, IMAGE_ID, TABLE_CHECKSUM, NBITMAPS, RESERVED1, TRANSPARENT, ACTION,
        ERRNO, BITMAP_OF, FAST_OF, SWITCH_NR, SWITCH_TO, SWITCH_SUCCESS, BITMAPS, INJECT_BITS, INJECT_SET, INJECT_SEED,
        INJECT_FIRST, INJECT_LAST, INJECT_STEP, INJECT_CHANCE, INJECT_RET, INJECT_LIB, INJECT_PHASE, NINJECT, RESERVED2, SEQ_ACTION, SEQ_PROBES, RESERVED3, SEQ));

    private Policy() {}
  }

  /** By value: the order of the policy model's {@code PolicySpec.Action}. */
  public static final List<Value> ACTIONS = List.of(
      new Value("UKHOOK_ACTION_ALLOW", "allow", 0, "the call runs"),
      new Value("UKHOOK_ACTION_LOG", "log", 1, "the call runs, its record is marked"),
      new Value("UKHOOK_ACTION_DENY", "deny", 2, "the call does not run, the caller gets -errno"),
      new Value("UKHOOK_ACTION_KILL", "kill", 3, "the unikernel stops"));

  public static final int EVENT_MARK = 1;
  public static final int EVENT_RULE = 2;
  public static final int EVENT_POLICY = 3;
  public static final int EVENT_REFUSED = 4;
  public static final List<Value> EVENTS = List.of(
      new Value("UKHOOK_EVENT_MARK", "mark", EVENT_MARK, "the program called ukhook_phase(id): phase from -> to"),
      new Value("UKHOOK_EVENT_RULE", "rule", EVENT_RULE,
          "a switch rule of the policy fired on the return of call cause"),
      new Value("UKHOOK_EVENT_POLICY", "policy", EVENT_POLICY,
          "the policy policy is in force: at boot, or pushed by ukhook policy push"),
      new Value("UKHOOK_EVENT_REFUSED", "refused", EVENT_REFUSED,
          "a pushed policy (refused) was refused for reason; policy stays in force"));

  /** Why the guest refused a policy or its library table. */
  public static final List<Value> REFUSALS = List.of(
      new Value("UKHOOK_REFUSED_FORMAT", "not a ukhook policy of this version and size", 1,
          "wrong magic, version or size"),
      new Value("UKHOOK_REFUSED_IMAGE", "compiled for another image", 2, "its image id is not this image's"),
      new Value("UKHOOK_REFUSED_TABLE", "compiled against another library table", 3,
          "its table checksum is not the table's in this image"),
      new Value("UKHOOK_REFUSED_CHECKSUM", "damaged (checksum)", 4, "its checksum does not match its bytes"),
      new Value("UKHOOK_REFUSED_RANGE", "a value out of range", 5, "a phase, bitmap or action index beyond its table"),
      new Value("UKHOOK_REFUSED_NO_TABLE", "the image's library table is not in force", 6,
          "(the boot refuses such an image instead)"));

  private PolicyLayout() {}

  private static long magic(String s) {
    return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN)
        .getLong();
  }

  /**
   * ukhook_hash(): FNV-1a over little-endian 64-bit words, the last one padded with zero bytes, then {@link
   * #hashEnd}. The guest computes the same over its tables at boot; one multiply per 8 bytes.
   */
  public static long hash(ByteBuffer bytes) {
    return hashEnd(hash(HASH_SEED, bytes));
  }

  /** ukhook_hash_end(): MurmurHash3's finaliser, so that every input bit reaches every output bit. */
  public static long hashEnd(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  public static final long HASH_SEED = 0xcbf29ce484222325L;

  /** FNV-1a continued from {@code h}, without the finaliser (ukhook_hash_more()). */
  public static long hash(long h, ByteBuffer bytes) {
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 8) {
      h = (h ^ b.getLong()) * 0x100000001b3L;
    }
    if (b.hasRemaining()) {
      long w = 0;
      for (int i = 0; b.hasRemaining(); i++) {
        w |= (b.get() & 0xffL) << (8 * i);
      }
      h = (h ^ w) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * A transition's key in {@link Policy#SEQ}: library {@code lib} (1 to 127) made {@code nr} after {@code prev},
   * its last call in the same thread ({@link #SEQ_START} for none), numbers from {@link #BITMAP_BITS} up as {@link
   * #SEQ_OTHER}. Never 0.
   */
  public static int seqKey(int lib, int prev, int nr) {
    return lib << 20 | (prev == SEQ_START ? 0 : seqCall(prev) + 1) << 10 | seqCall(nr);
  }

  /** The call number a transition holds: {@code nr}, or {@link #SEQ_OTHER} for any from {@link #BITMAP_BITS} up. */
  public static int seqCall(int nr) {
    return nr >= 0 && nr < BITMAP_BITS ? nr : SEQ_OTHER;
  }

  /** A key's first slot (ukhook_seq_has()): Fibonacci hashing. */
  public static int seqSlot(int key) {
    return (key * 0x9e3779b1) >>> (32 - SEQ_SLOT_BITS);
  }

  public static String refusal(int code) {
    return REFUSALS.stream().filter(v -> v.value() == code).map(Value::name).findFirst()
        .orElse("refusal " + code);
  }

  /** The layout as the Freemarker model of policy.h.ftl, in the shape of {@link TraceLayout#cModel()}. */
  public static Map<String, Object> cModel() {
    List<Map<String, Object>> defines = new ArrayList<>();
    define(defines, "UKHOOK_MAX_LIBS", MAX_LIBS, "libraries a table names, 0 = none");
    define(defines, "UKHOOK_MAX_RANGES", MAX_RANGES, "address ranges");
    define(defines, "UKHOOK_MAX_GRANULES", MAX_GRANULES, "granules of the direct lookup");
    define(defines, "UKHOOK_MAX_PHASES", MAX_PHASES, "phases of a policy");
    define(defines, "UKHOOK_NAME_BYTES", NAME_BYTES, "bytes per library name");
    define(defines, "UKHOOK_ANCHOR_BYTES", ANCHOR_BYTES, "bytes of each range that identify the code");
    define(defines, "UKHOOK_REFUSALS", REFUSALS.size(), "refusal reasons, numbered from 1");
    define(defines, "UKHOOK_TABLE_CHECKED_FROM", Table.CHECKED_FROM, "the table's checksum covers from here");
    define(defines, "UKHOOK_POLICY_CHECKED_FROM", Policy.CHECKED_FROM, "the policy's checksum covers from here");
    define(defines, "UKHOOK_MAX_BITMAPS", MAX_BITMAPS, "distinct allowlists of a policy");
    define(defines, "UKHOOK_BITMAP_BITS", BITMAP_BITS, "syscall numbers an allowlist covers");
    define(defines, "UKHOOK_GRANULE_MIXED", GRANULE_MIXED, "granule of several libraries");
    define(defines, "UKHOOK_NO_SWITCH", NO_SWITCH, "no switch rule");
    define(defines, "UKHOOK_MAX_INJECT", MAX_INJECT, "injection rules of a policy");
    define(defines, "UKHOOK_INJECT_ANY", INJECT_ANY, "an injection rule's library or phase: any");
    define(defines, "UKHOOK_SEQ_SLOTS", SEQ_SLOTS, "slots of a policy's transition table");
    define(defines, "UKHOOK_SEQ_SLOT_BITS", SEQ_SLOT_BITS, "log2 of UKHOOK_SEQ_SLOTS");
    define(defines, "UKHOOK_SEQ_OTHER", SEQ_OTHER, "a transition's call number for any from UKHOOK_BITMAP_BITS up");
    define(defines, "UKHOOK_ACTION_INJECT", ACTION_INJECT, "the call does not run, the caller gets an injected value");
    defines.add(Map.of("name", "UKHOOK_TABLE_MAGIC", "value", "0x" + Long.toHexString(TABLE_MAGIC) + "ULL",
        "comment", "ASCII UKHKLIBT"));
    defines.add(Map.of("name", "UKHOOK_POLICY_MAGIC", "value", "0x" + Long.toHexString(POLICY_MAGIC) + "ULL",
        "comment", "ASCII UKHKPOLI"));
    define(defines, "UKHOOK_POLICY_VERSION", POLICY_VERSION, "compiled policy version");
    define(defines, "UKHOOK_TABLE_FILLED", TABLE_FILLED, "state of a table ukhook filled");
    for (List<Value> values : List.of(ACTIONS, EVENTS)) {
      values.forEach(v -> define(defines, v.cName(), v.value(), v.meaning()));
    }
    REFUSALS.forEach(v -> define(defines, v.cName(), v.value(), v.name()));
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("defines", defines);
    model.put("structs", TraceLayout.cStructs(List.of(Table.STRUCT, Policy.STRUCT)));
    model.put("refusals", REFUSALS.stream().map(Value::name).toList());
    return model;
  }

  private static void define(List<Map<String, Object>> defines, String name, int value, String comment) {
    defines.add(Map.of("name", name, "value", Integer.toString(value), "comment", comment));
  }
}
