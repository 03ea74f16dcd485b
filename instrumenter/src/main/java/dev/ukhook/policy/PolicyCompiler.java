package dev.ukhook.policy;

import static dev.ukhook.format.PolicyLayout.BITMAP_BITS;
import static dev.ukhook.format.PolicyLayout.MAX_BITMAPS;
import static dev.ukhook.format.PolicyLayout.MAX_LIBS;
import static dev.ukhook.format.PolicyLayout.MAX_PHASES;

import dev.ukhook.core.UkhookException.Kind;
import dev.ukhook.core.UkhookException;
import dev.ukhook.format.PolicyLayout.Policy;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.SyscallNames;
import dev.ukhook.policy.PolicySpec.Action;
import dev.ukhook.policy.PolicySpec.Library;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a policy for one image (struct ukhook_policy, docs/policy.md): a bitmap of allowed syscalls per library
 * of the image's {@link LibTable} and per phase, equal bitmaps shared, and the same decision in Java
 * ({@link #verdict}) that the guest's ukhook_verdict() makes, for the tests that hold the two together.
 */
public final class PolicyCompiler {
  /**
   * The syscall table's class exit (exit and exit_group): a program's end is never refused (the hooks record it as
   * it begins).
   */
  public static final Set<Integer> ALWAYS_ALLOWED = Set.copyOf(SyscallNames.inClass("exit"));

  private PolicyCompiler() {}

  /**
   * The compiled policy. {@code transparent} is the image's set of libraries looked through, used when the policy
   * names none.
   */
  public static byte[] compile(PolicySpec spec, LibTable table, Set<String> transparent) {
    for (String lib : spec.libraries().keySet()) {
      if (table.index(lib) < 0) {
        throw new UkhookException(Kind.USAGE, "the policy has rules for " + lib + ", which this image does not have");
      }
    }
    ByteBuffer b = ByteBuffer.allocate(Policy.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(Policy.MAGIC.offset(), PolicyLayout.POLICY_MAGIC);
    b.putShort(Policy.VERSION.offset(), (short) PolicyLayout.POLICY_VERSION);
    b.put(Policy.NPHASES.offset(), (byte) spec.phases().size());
    b.putInt(Policy.SIZE_FIELD.offset(), Policy.SIZE);
    b.put(Policy.IMAGE_ID.offset(), HexFormat.of().parseHex(table.imageId()));
    b.putLong(Policy.TABLE_CHECKSUM.offset(), table.checksum());
    for (String t : spec.transparent().map(Set::copyOf).orElse(transparent)) {
      int i = table.index(t);
      if (i > 0) {
        int at = Policy.TRANSPARENT.offset() + 8 * (i / 64);
        b.putLong(at, b.getLong(at) | 1L << (i % 64));
      }
    }
    BitSet injected = new BitSet(BITMAP_BITS);
    spec.injections().forEach(r -> r.syscalls().forEach(injected::set));
    Map<BitSet, Integer> bitmaps = new LinkedHashMap<>();
    for (int lib = 0; lib < MAX_LIBS; lib++) {
      String name = lib < table.names().size() ? table.names().get(lib) : "";
      b.put(Policy.ACTION.offset() + lib, (byte) spec.action(name).ordinal());
      b.putShort(Policy.ERRNO.offset() + 2 * lib, (short) spec.errno(name));
      b.put(Policy.SEQ_ACTION.offset() + lib, (byte) spec.sequenceAction(name).ordinal());
      for (int phase = 0; phase < MAX_PHASES; phase++) {
        // A phase the policy does not name (a mark beyond its list) is checked as its last one.
        String ph = spec.phases().get(Math.min(phase, spec.phases().size() - 1));
        BitSet bits = allowed(spec.libraries().get(name), ph);
        // The fast path's: what passes without a look at injection rules or a sequence.
        BitSet fast = new BitSet(BITMAP_BITS);
        if (spec.sequenceAction(name) == Action.ALLOW) {
          fast.or(bits);
          if (spec.action(name) == Action.ALLOW) {
            fast.set(0, BITMAP_BITS);
          }
          fast.andNot(injected);
        }
        // The bitmap's first word, not its number: the guest adds it without a multiplication.
        int at = 2 * (lib * MAX_PHASES + phase);
        b.putShort(Policy.BITMAP_OF.offset() + at, (short) (bitmaps.computeIfAbsent(bits, k -> bitmaps.size())
            * BITMAP_BITS / 64));
        b.putShort(Policy.FAST_OF.offset() + at, (short) (bitmaps.computeIfAbsent(fast, k -> bitmaps.size())
            * BITMAP_BITS / 64));
      }
    }
    if (bitmaps.size() > MAX_BITMAPS) {
      throw new UkhookException(Kind.USAGE, "the policy needs " + bitmaps.size() + " distinct bitmaps (allowlists and"
          + " their fast-path copies); the guest holds " + MAX_BITMAPS);
    }
    b.putShort(Policy.NBITMAPS.offset(), (short) bitmaps.size());
    List<BitSet> order = new ArrayList<>(bitmaps.keySet());
    for (int i = 0; i < order.size(); i++) {
      long[] words = order.get(i).toLongArray();
      for (int w = 0; w < words.length; w++) {
        b.putLong(Policy.BITMAPS.offset() + 8 * (i * BITMAP_BITS / 64 + w), words[w]);
      }
    }
    for (int phase = 0; phase < MAX_PHASES; phase++) {
      b.putShort(Policy.SWITCH_NR.offset() + 2 * phase, (short) PolicyLayout.NO_SWITCH);
    }
    for (PolicySpec.Switch s : spec.switches()) {
      int from = spec.phases().indexOf(s.from());
      b.putShort(Policy.SWITCH_NR.offset() + 2 * from, (short) s.nr());
      b.put(Policy.SWITCH_TO.offset() + from, (byte) spec.phases().indexOf(s.to()));
      b.put(Policy.SWITCH_SUCCESS.offset() + from, (byte) (s.success() ? 1 : 0));
    }
    injections(spec, table, b);
    sequences(spec, table, b);
    b.putLong(Policy.CHECKSUM.offset(),
        PolicyLayout.hash(b.slice(Policy.CHECKED_FROM, Policy.SIZE - Policy.CHECKED_FROM)));
    return b.array();
  }

  /** The injection rules: per rule its syscalls, library, phase, count, chance and result. */
  private static void injections(PolicySpec spec, LibTable table, ByteBuffer b) {
    List<Injection> rules = spec.injections();
    for (int i = 0; i < rules.size(); i++) {
      Injection r = rules.get(i);
      int lib = PolicyLayout.INJECT_ANY;
      if (r.library().isPresent()) {
        lib = table.index(r.library().get());
        if (lib < 0) {
          throw new UkhookException(Kind.USAGE, "injection `" + r.text() + "` names " + r.library().get()
              + ", which this image does not have");
        }
      }
      for (int nr : r.syscalls()) {
        for (int at : new int[] {Policy.INJECT_BITS.offset() + 8 * (nr / 64),
            Policy.INJECT_SET.offset() + 8 * (i * BITMAP_BITS / 64 + nr / 64)}) {
          b.putLong(at, b.getLong(at) | 1L << (nr % 64));
        }
      }
      b.putLong(Policy.INJECT_SEED.offset() + 8 * i, r.seed());
      b.putInt(Policy.INJECT_FIRST.offset() + 4 * i, (int) r.first());
      b.putInt(Policy.INJECT_LAST.offset() + 4 * i, (int) r.last());
      b.putInt(Policy.INJECT_STEP.offset() + 4 * i, (int) r.step());
      b.putInt(Policy.INJECT_CHANCE.offset() + 4 * i, (int) r.chance());
      b.putShort(Policy.INJECT_RET.offset() + 2 * i, (short) r.ret());
      b.put(Policy.INJECT_LIB.offset() + i, (byte) lib);
      b.put(Policy.INJECT_PHASE.offset() + i, (byte) r.phase().map(spec.phases()::indexOf)
          .orElse(PolicyLayout.INJECT_ANY).intValue());
    }
    b.put(Policy.NINJECT.offset(), (byte) rules.size());
  }

  /** The libraries' sequences: one table of allowed transitions, by open addressing. */
  private static void sequences(PolicySpec spec, LibTable table, ByteBuffer b) {
    Set<Integer> keys = new java.util.LinkedHashSet<>();
    spec.libraries().forEach((name, lib) -> {
      if (spec.sequenceAction(name) != Action.ALLOW) {
        keys.addAll(lib.sequence().orElseThrow().keys(table.index(name)));
      }
    });
    if (keys.size() > PolicyLayout.SEQ_MAX) {
      throw new UkhookException(Kind.USAGE, "the policy's sequences allow " + keys.size() + " transitions; the guest"
          + " holds " + PolicyLayout.SEQ_MAX + ": give fewer libraries a sequence");
    }
    int[] slots = new int[PolicyLayout.SEQ_SLOTS];
    int probes = 0;
    for (int key : keys) {
      int i = PolicyLayout.seqSlot(key);
      int n = 1;
      for (; slots[i] != 0; n++) {
        i = (i + 1) & (PolicyLayout.SEQ_SLOTS - 1);
      }
      slots[i] = key;
      probes = Math.max(probes, n);
      b.putInt(Policy.SEQ.offset() + 4 * i, key);
    }
    b.putShort(Policy.SEQ_PROBES.offset(), (short) probes);
  }

  private static BitSet allowed(Library lib, String phase) {
    BitSet bits = new BitSet(BITMAP_BITS);
    ALWAYS_ALLOWED.forEach(bits::set);
    if (lib != null) {
      for (int nr : lib.allowed(phase)) {
        if (nr >= BITMAP_BITS) {
          throw new UkhookException(Kind.USAGE, "syscall " + SyscallNames.name(nr) + " (" + nr + ") of " + lib.name()
              + " is above the " + BITMAP_BITS + " numbers an allowlist covers");
        }
        bits.set(nr);
      }
    }
    return bits;
  }

  /** The checksum a compiled policy carries: its id in the trace's event records. */
  public static long checksum(byte[] compiled) {
    return ByteBuffer.wrap(compiled).order(ByteOrder.LITTLE_ENDIAN).getLong(Policy.CHECKSUM.offset());
  }

  /**
   * The guest's decision, from the policy itself: 0 (allow) when {@code library} may make {@code nr} in {@code
   * phase}, else its action, with its errno in bits 8-23 and {@code libIndex} in bits 24-31 (ukhook_verdict()).
   */
  public static int verdict(PolicySpec spec, String library, int libIndex, int nr, String phase) {
    Library lib = spec.libraries().get(library);
    if (ALWAYS_ALLOWED.contains(nr) || lib != null && lib.allowed(phase).contains(nr)) {
      return 0;
    }
    Action a = spec.action(library);
    if (a == Action.ALLOW) {
      return 0;
    }
    return a.ordinal() | spec.errno(library) << 8 | libIndex << 24;
  }

  /**
   * The guest's decision (ukhook_verdict_slow()) with its state, for one policy in force: the injection rules'
   * counters and random states, and each thread's last call per library for the sequences. The tests' model of a
   * run of calls.
   */
  public static final class GuestModel {
    private final PolicySpec spec;
    private final long[] seen;
    private final long[] rand;
    private final Map<String, Integer> last = new java.util.HashMap<>();

    public GuestModel(PolicySpec spec) {
      this.spec = spec;
      seen = new long[spec.injections().size()];
      rand = spec.injections().stream().mapToLong(Injection::seed).toArray();
    }

    /** {@link #verdict(int, String, int, int, String)} in thread 0. */
    public int verdict(String library, int libIndex, int nr, String phase) {
      return verdict(0, library, libIndex, nr, phase);
    }

    /**
     * The verdict of a call of {@code thread} as {@link PolicyCompiler#verdict}; for an allowed call of an injection
     * rule's syscall {@link PolicyLayout#ACTION_INJECT} with the result in bits 8-23 (16 bits) and {@code libIndex}
     * in 24-31; for one its library's sequence does not allow after the thread's last, the sequence's action.
     */
    public int verdict(int thread, String library, int libIndex, int nr, String phase) {
      int v = PolicyCompiler.verdict(spec, library, libIndex, nr, phase);
      if (v == 0) {
        v = inject(library, libIndex, nr, phase);
      }
      Action seq = spec.sequenceAction(library);
      if (seq != Action.ALLOW && (v & 0xff) <= Action.LOG.ordinal() && !ALWAYS_ALLOWED.contains(nr)) {
        String key = thread + " " + libIndex;
        int prev = last.getOrDefault(key, PolicyLayout.SEQ_START);
        if (v == 0 && !spec.libraries().get(library).sequence().orElseThrow().keys(libIndex)
            .contains(PolicyLayout.seqKey(libIndex, prev, nr))) {
          v = seq.ordinal() | spec.errno(library) << 8 | libIndex << 24;
        }
        if ((v & 0xff) <= Action.LOG.ordinal()) {
          last.put(key, PolicyLayout.seqCall(nr));
        }
      }
      return v;
    }

    private int inject(String library, int libIndex, int nr, String phase) {
      int v = 0;
      for (int i = 0; i < seen.length; i++) {
        Injection r = spec.injections().get(i);
        if (!r.syscalls().contains(nr) || r.library().filter(l -> !l.equals(library)).isPresent()
            || r.phase().filter(p -> !p.equals(phase)).isPresent()) {
          continue;
        }
        seen[i] = Math.min(seen[i] + 1, Injection.NO_LAST);
        if (v != 0 || !r.chosen(seen[i])) {
          continue;
        }
        if (r.chance() != 0) {
          long x = rand[i];
          x ^= x << 13;
          x ^= x >>> 7;
          x ^= x << 17;
          rand[i] = x;
          if ((x >>> 32) >= r.chance()) {
            continue;
          }
        }
        v = PolicyLayout.ACTION_INJECT | (r.ret() & 0xffff) << 8 | libIndex << 24;
      }
      return v;
    }
  }
}
