/*
 * Host-native microbenchmark of ukhook's hot path (ukhook_begin()/ukhook_end() from the generated
 * ukhook/stream.h, or a counting library's ukhook_count_enter()/ukhook_count_end() from ukhook/count.h, rendered
 * from templates/libukhook by bench/hook-native/RenderLibrary.java).
 *
 *   hookbench [ITERATIONS [LEAF]]
 *     ITERATIONS  hooks per timed repetition (default 10000000)
 *     LEAF        1: the word at the caller's stack pointer is a return address into the image's code
 *                 (a frameless leaf wrapper, UKHOOK_FLAG_LEAF); 0 (default): it is not code
 *
 * What is simulated, as in the guest (templates/libukhook/ukhook.c, templates/patch):
 *   - ukplat_syscall_handler calls ukhook_syscall_enter(regs, &rec) before the dispatch and
 *     ukhook_syscall_exit(rec, ret) after it. Both are inline (ukhook/hook.h), so here they are
 *     inlined into the loop too, reading the caller's saved registers from a struct laid out like
 *     Unikraft's x86-64 struct __regs.
 *   - The caller's stack: a chain of 12 frames linked by saved frame pointers (rbp), 64 bytes apart,
 *     each holding a return address inside this program's text, so a walk of depth 8 is complete.
 *   - The leaf check: text_lo/text_len are this program's text [__executable_start, etext). By default
 *     the word at the caller's stack pointer is a stack pointer (a local), not code, which is the
 *     common case with frame pointers everywhere (ukhook builds every microlibrary with
 *     -mno-omit-leaf-frame-pointer); the hook then takes all frames from the rbp chain.
 *   - The transport is zero-copy like the guest's virtio queue: a submitted buffer is queued and
 *     completed at the next reclaim, and its bytes are never read or written anywhere.
 *   - Ring and batch as rendered (bench/hook-native.sh: the defaults, 4096 and 512), overflow block;
 *     the ring never fills, so no record is dropped (checked before printing).
 * Build: gcc -O2 -fno-omit-frame-pointer -I RENDERED_LIB/include hookbench.c. For analysis only,
 * -DHOOKBENCH_OUTOFLINE makes them two separate calls (as ukhook's first hook ABI had them).
 *
 * Timing: for each of 5 repetitions, a baseline loop (the same simulated registers written, no hook
 * calls), the hook loop and the rdtsc-pair reference loop each run ITERATIONS times, timed by
 * CLOCK_MONOTONIC and by rdtsc. A warm-up of max(ITERATIONS / 10, 4 rings) hooks runs first (it also
 * faults in the ring). Reported: the minimum over the 5 repetitions of the hook loop minus the
 * minimum of the baseline loop, per hook.
 * rdtsc counts TSC reference cycles (constant rate, not core clock cycles); tsc_hz is calibrated by
 * reading rdtsc and CLOCK_MONOTONIC around a 50 ms sleep. Nothing is pinned.
 *
 * Output: one line, key=value pairs:
 *   hookbench frames=4 leaf=0 depth=4 ring=4096 batch=512 iterations=N reps=5 stat=min
 *     ns_per_hook=.. cycles_per_hook=.. raw_ns_per_iter=.. raw_cycles_per_iter=..
 *     baseline_ns_per_iter=.. baseline_cycles_per_iter=.. rdtsc_pair_ns=.. rdtsc_pair_cycles=..
 *     tsc_hz=.. seq=..
 * ns_per_hook and cycles_per_hook have the baseline subtracted; raw_* and baseline_* are unsubtracted.
 * rdtsc_pair_* is a reference loop, the baseline plus two ukhook_now() (the hook's t_enter and
 * t_exit) and nothing else, baseline subtracted: the floor the timestamps alone put under a hook.
 * depth is the walk depth of the last record (0 for a counting library); seq counts every hook run (warm-up
 * included; a counting library's: the calls its cells counted).
 */
#define _GNU_SOURCE
#define UKHOOK_STREAM_IMPLEMENTATION
/* A counting library (RenderLibrary ... count): count.h's hooks, which charge by the library table. */
#include <ukhook/count.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if !defined(HOOKBENCH_OUTOFLINE)
/* As in the guest: the hook is inline in the handler (ukhook/hook.h). */
#define BENCH_OUTOFLINE static inline __attribute__((always_inline))
#elif defined(__clang__)
#define BENCH_OUTOFLINE __attribute__((noinline))
#else
/* Analysis only: noipa, no inlining, cloning or constant propagation into the callee. */
#define BENCH_OUTOFLINE __attribute__((noipa))
#endif

#define REPS 5
#if UKHOOK_COUNT
/* A counting library writes no record: the depth printed is 0. */
static const struct ukhook_record no_record;
#endif

/* Zero-copy transport: remember submitted buffers, complete them at the next reclaim. */
#define QMAX 64
static const void *q_buf[QMAX];
static uint32_t q_len[QMAX];
static unsigned int q_head, q_tail;

int ukhook_transport_submit(const void *buf, uint32_t len)
{
	if (q_head - q_tail == QMAX)
		return -1;
	q_buf[q_head % QMAX] = buf;
	q_len[q_head % QMAX] = len;
	q_head++;
	return 0;
}

void ukhook_transport_reclaim(void)
{
	while (q_tail != q_head) {
		ukhook_completed(q_buf[q_tail % QMAX], q_len[q_tail % QMAX]);
		q_tail++;
	}
}

void ukhook_exit_group(void)
{
}

void ukhook_transport_pause(void)
{
}

/* Unikraft's x86-64 struct __regs (arch/x86/x86_64/include/uk/asm/regs.h). */
struct regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	uint64_t orig_rax, rip, cs, eflags, rsp, ss;
};

void ukhook_kill(unsigned int lib, uint64_t nr, uint64_t rip)
{
	fprintf(stderr, "hookbench: no policy kills here (%u %lu %lx)\n", lib, (unsigned long)nr, (unsigned long)rip);
	exit(1);
}

/* One thread: its last call per library, for a policy's sequences (native.h keeps it thread-local). */
uint16_t *ukhook_seq_state(void)
{
	static uint16_t last[UKHOOK_MAX_LIBS];

	return last;
}

/* As templates/libukhook/include/ukhook/hook.h.ftl (without the native hook point's nesting). */
BENCH_OUTOFLINE int bench_syscall_enter(struct regs *regs, struct ukhook_ticket *rec)
{
#if UKHOOK_COUNT
	long ret;

	return ukhook_count_enter(rec, regs->orig_rax < UKHOOK_NR_UNKNOWN ? regs->orig_rax : UKHOOK_NR_UNKNOWN,
				  UKHOOK_PATH_BINARY, 0, regs->rcx, regs->rbp, regs->rsp, &ret);
#else
	uint64_t at;
	unsigned int lib = ukhook_charge(&ukhook_libtable, ukhook_transparent(), UKHOOK_PATH_BINARY, regs->rcx,
					 regs->rbp, regs->rsp, UKHOOK_VIA_TRANSPARENT, &at);

	*rec = ukhook_ticket(ukhook_begin(regs->orig_rax, UKHOOK_PATH_BINARY, 0, regs->rdi, regs->rsi, regs->rdx,
					  regs->r10, regs->r8, regs->r9, regs->rcx, regs->rbp, regs->rsp, lib, at),
			     regs->orig_rax);
	return 1;
#endif
}

BENCH_OUTOFLINE void bench_syscall_exit(struct ukhook_ticket rec, long ret)
{
#if UKHOOK_COUNT
	ukhook_count_end(rec, ret);
#else
	ukhook_end(rec, ret);
#endif
}

extern char __executable_start[], etext[];

#define STACK_FRAMES 12
#define FRAME_WORDS 8
static uint64_t stack[8 + STACK_FRAMES * FRAME_WORDS] __attribute__((aligned(64)));

static void build_stack(int leaf)
{
	uint64_t text = (uint64_t)__executable_start;
	int k;

	/* stack[0] is the word at the caller's stack pointer. */
	stack[0] = leaf ? text + 0x40 : (uint64_t)&stack[3];
	for (k = 0; k < STACK_FRAMES; k++) {
		uint64_t *f = &stack[8 + k * FRAME_WORDS];

		f[0] = k + 1 < STACK_FRAMES ? (uint64_t)(f + FRAME_WORDS) : 0; /* saved rbp; 0 ends it */
		f[1] = text + 0x100 + 0x10 * k;                                 /* return address */
	}
}

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct sample {
	uint64_t ns, cycles;
};

/*
 * The handler's saved registers, written per call as the syscall entry code pushes them. In the
 * guest they are pushed well before the hook reads them (the handler switches stacks and loads the
 * system context in between), so they are in L1 and no longer in the store buffer. Written straight
 * before the call here, gcc's 16-byte vector loads of pairs of 8-byte fields in bench_syscall_enter
 * would fail store-to-load forwarding, a stall the guest does not have; so the loop fills the set
 * REGS_AHEAD calls ahead of the one it passes.
 */
#define REGS_SETS 8
#define REGS_AHEAD 4
static struct regs regs[REGS_SETS];

static inline struct regs *fill_regs(uint64_t i)
{
	struct regs *r = &regs[(i + REGS_AHEAD) % REGS_SETS];

	r->orig_rax = i & 0xff;
	r->rdi = i;
	r->rsi = i + 1;
	r->rdx = i + 2;
	r->r10 = i + 3;
	r->r8 = i + 4;
	r->r9 = i + 5;
	r->rcx = (uint64_t)__executable_start + 0x200;
	r->rbp = (uint64_t)&stack[8];
	r->rsp = (uint64_t)&stack[0];
	ukhook_barrier();
	return &regs[i % REGS_SETS];
}

static struct sample run_baseline(uint64_t n)
{
	struct sample s;
	uint64_t c0, t0, i;

	t0 = mono_ns();
	c0 = tsc();
	for (i = 0; i < n; i++) {
		struct regs *r = fill_regs(i);

		r->rax = -i; /* the dispatch's return value */
		ukhook_barrier();
	}
	s.cycles = tsc() - c0;
	s.ns = mono_ns() - t0;
	return s;
}

static struct sample run_hook(uint64_t n)
{
	struct sample s;
	uint64_t c0, t0, i;

	t0 = mono_ns();
	c0 = tsc();
	for (i = 0; i < n; i++) {
		struct regs *r = fill_regs(i);
		struct ukhook_ticket rec;

		if (bench_syscall_enter(r, &rec))
			r->rax = -i; /* the dispatch's return value */
		bench_syscall_exit(rec, (long)r->rax);
	}
	s.cycles = tsc() - c0;
	s.ns = mono_ns() - t0;
	return s;
}

/* Reference: the baseline plus the hook's two timestamps (ukhook_now(), rdtsc) and nothing else. */
static struct sample run_tsc_pair(uint64_t n)
{
	struct sample s;
	uint64_t c0, t0, i;

	t0 = mono_ns();
	c0 = tsc();
	for (i = 0; i < n; i++) {
		struct regs *r = fill_regs(i);

		r->r15 = ukhook_now();
		r->rax = -i;
		r->r14 = ukhook_now();
		ukhook_barrier();
	}
	s.cycles = tsc() - c0;
	s.ns = mono_ns() - t0;
	return s;
}

static void keep_min(struct sample *m, struct sample s)
{
	if (s.ns < m->ns)
		m->ns = s.ns;
	if (s.cycles < m->cycles)
		m->cycles = s.cycles;
}

static double calibrate_tsc_hz(void)
{
	struct timespec nap = { 0, 50000000 };
	uint64_t c0, c1, t0, t1;

	t0 = mono_ns();
	c0 = tsc();
	nanosleep(&nap, NULL);
	c1 = tsc();
	t1 = mono_ns();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ULL;
	int leaf = argc > 2 ? atoi(argv[2]) != 0 : 0;
	struct sample base = { UINT64_MAX, UINT64_MAX }, hook = base, pair = base;
	uint64_t warm;
	const struct ukhook_record *last;
	unsigned int depth;
	uint64_t hooks; /* hooks run: the calls numbered, or a counting library's cells' sum */
	double tsc_hz, nd = (double)n;
	int rep;

	if (n == 0) {
		fprintf(stderr, "usage: hookbench [ITERATIONS [LEAF]] with ITERATIONS > 0\n");
		return 2;
	}
	build_stack(leaf);
	ukhook_state.text_lo = (uint64_t)__executable_start;
	ukhook_state.text_len = (uint64_t)(etext - __executable_start);
	{
		/* One library holds all of this program's code: a call's charge is one lookup, as an app's own. */
		struct ukhook_libtable *t = &ukhook_libtable;
		uint32_t g;

		t->text_lo = ukhook_state.text_lo;
		t->text_hi = ukhook_state.text_lo + ukhook_state.text_len;
		t->nlibs = 2;
		t->nranges = 1;
		t->range_start[0] = t->text_lo;
		t->range_lib[0] = 1;
		while ((ukhook_state.text_len >> t->shift) >= UKHOOK_MAX_GRANULES)
			t->shift++;
		t->ngranules = (uint32_t)(ukhook_state.text_len >> t->shift) + 1;
		for (g = 0; g < t->ngranules; g++)
			t->granule[g] = 1;
	}
	ukhook_start(0);

	for (warm = 0; warm < REGS_SETS; warm++)
		fill_regs(warm); /* every set is valid before the first call reads one */
	warm = n / 10 > 4 * UKHOOK_RING_RECORDS ? n / 10 : 4 * UKHOOK_RING_RECORDS;
	run_baseline(warm);
	run_hook(warm);
	for (rep = 0; rep < REPS; rep++) {
		keep_min(&base, run_baseline(n));
		keep_min(&hook, run_hook(n));
		keep_min(&pair, run_tsc_pair(n));
	}
	tsc_hz = calibrate_tsc_hz();

	hooks = ukhook_state.seq;
#if UKHOOK_COUNT
	{
		/* Every hook counted, in the cells of library 1: a counting image keeps no record to show a depth. */
		uint64_t counted = 0;
		uint32_t i;

		for (i = 0; i < UKHOOK_COUNT_CELLS; i++)
			counted += ukhook_cells[i].lib == 1 ? ukhook_cells[i].calls : 0;
		if (ukhook_overflowed || counted != warm + (uint64_t)REPS * n) {
			fprintf(stderr, "hookbench: %llu calls counted, %llu run\n", (unsigned long long)counted,
				(unsigned long long)(warm + (uint64_t)REPS * n));
			return 1;
		}
		last = &no_record;
		hooks = counted;
	}
#else
	/* The record written last: its walk depth shows what was measured. */
	last = &ukhook_ring[(ukhook_state.reserved - 1) & (UKHOOK_RING_RECORDS - 1)];
#endif
	if (ukhook_state.dropped || (!UKHOOK_COUNT && last->kind != UKHOOK_KIND_SYSCALL)) {
		fprintf(stderr, "hookbench: records were dropped or not committed (dropped=%llu)\n",
			(unsigned long long)ukhook_state.dropped);
		return 1;
	}
	depth = 0;
#if !UKHOOK_COUNT && UKHOOK_FRAMES > 0
	while (depth < UKHOOK_FRAMES && last->frames[depth])
		depth++;
#endif
	printf("hookbench frames=%d leaf=%d depth=%u ring=%lu batch=%lu iterations=%llu reps=%d stat=min"
	       " ns_per_hook=%.3f cycles_per_hook=%.2f raw_ns_per_iter=%.3f raw_cycles_per_iter=%.2f"
	       " baseline_ns_per_iter=%.3f baseline_cycles_per_iter=%.2f rdtsc_pair_ns=%.3f rdtsc_pair_cycles=%.2f"
	       " tsc_hz=%.0f seq=%llu\n",
	       UKHOOK_FRAMES, leaf, depth, UKHOOK_RING_RECORDS, UKHOOK_BATCH_RECORDS,
	       (unsigned long long)n, REPS,
	       ((double)hook.ns - (double)base.ns) / nd, ((double)hook.cycles - (double)base.cycles) / nd,
	       (double)hook.ns / nd, (double)hook.cycles / nd,
	       (double)base.ns / nd, (double)base.cycles / nd,
	       ((double)pair.ns - (double)base.ns) / nd, ((double)pair.cycles - (double)base.cycles) / nd, tsc_hz,
	       (unsigned long long)hooks);
	return 0;
}
