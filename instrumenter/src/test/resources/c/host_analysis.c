/*
 * Host harness for the report's golden tests (dev.ukhook.report.ReportGoldenTest): it plays the patched binary
 * syscall handler (ukhook_syscall_enter/exit of templates/libukhook/include/ukhook/hook.h) around the calls a
 * script describes, on a deterministic clock, and writes the trace to stdout.
 *
 * The script, on stdin, one item a line ('#' starts a comment):
 *   text LO LEN                         the image's code [LO, LO + LEN) (the header's text range); first
 *   call RIP NR RET DUR ARGS FRAMES     a binary call from RIP (rcx) that takes DUR ticks and returns RET
 *   native RIP NR RET DUR ARGS FRAMES   the same made as a native call (path native_raw) from RIP
 *   phase ID                            the program calls ukhook_phase(ID)
 *   wait TICKS                          the clock moves on TICKS ticks
 * ARGS is a comma-separated list of up to 6 arguments, FRAMES of the return addresses of the caller's frame
 * chain (rbp), innermost first; "-" for none. Numbers are C literals (0x.. hex). Between two items the clock moves
 * on 1000 ticks; it runs at 1 GHz (ts_hz), so a tick is a nanosecond.
 */
#define UKHOOK_HOST_CLOCK
#define UKHOOK_STREAM_IMPLEMENTATION
#include <ukhook/hook.h>
#include <ukhook/phase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t clock_ticks = 1000000;

uint64_t ukhook_now(void)
{
	return clock_ticks;
}

void ukhook_exit_group(void)
{
}

/* A trace-only build never kills. */
void ukhook_kill(unsigned int lib __attribute__((unused)), uint64_t nr __attribute__((unused)),
		 uint64_t rip __attribute__((unused)))
{
	abort();
}

int ukhook_transport_submit(const void *buf, uint32_t len)
{
	fwrite(buf, 1, len, stdout);
	ukhook_completed(buf, len);
	return 0;
}

void ukhook_transport_reclaim(void)
{
}

void ukhook_transport_pause(void)
{
}

/* The caller's stack: the word at sp (no leaf return address), then frames of 4 words chained by rbp. */
static uint64_t stack[64] __attribute__((aligned(16)));

/* Parses a comma-separated list of at most max numbers into v; returns how many. */
static int list(const char *s, uint64_t *v, int max)
{
	int n = 0;
	char *end;

	if (strcmp(s, "-") == 0)
		return 0;
	for (;;) {
		if (n == max) {
			fprintf(stderr, "too many values in %s\n", s);
			exit(2);
		}
		v[n++] = strtoull(s, &end, 0);
		if (*end != ',')
			return n;
		s = end + 1;
	}
}

static void call(int native, uint64_t rip, uint64_t nr, int64_t ret, uint64_t dur, const char *args,
		 const char *frames)
{
	uint64_t a[6] = { 0 }, f[8];
	int i, n = list(frames, f, 8);
	struct __regs regs = { 0 };
	struct ukhook_ticket t;

	list(args, a, 6);
	stack[0] = 0;
	for (i = 0; i < n; i++) {
		stack[4 + 4 * i] = i + 1 < n ? (uint64_t)&stack[8 + 4 * i] : 0;
		stack[5 + 4 * i] = f[i];
	}
	if (native) {
		/* What UKHOOK_NATIVE_ENTER does once it knows the call is to be recorded. */
		t = ukhook_ticket(ukhook_begin(nr, UKHOOK_PATH_NATIVE_RAW, 0, a[0], a[1], a[2], a[3], a[4], a[5],
					       rip, n ? (uint64_t)&stack[4] : 0, (uint64_t)stack, 0, rip), nr);
		clock_ticks += dur;
		ukhook_end(t, ret);
		return;
	}
	regs.orig_rax = nr;
	regs.rdi = a[0];
	regs.rsi = a[1];
	regs.rdx = a[2];
	regs.r10 = a[3];
	regs.r8 = a[4];
	regs.r9 = a[5];
	regs.rcx = rip;
	regs.rbp = n ? (unsigned long)&stack[4] : 0;
	regs.rsp = (unsigned long)stack;
	if (!ukhook_syscall_enter(&regs, &t))
		abort();
	clock_ticks += dur;
	regs.rax = ret;
	ukhook_syscall_exit(t, (long)regs.rax);
}

int main(void)
{
	char line[512], kind[16], args[128], frames[256];
	unsigned long long lo, len, rip, nr, dur, n;
	long long ret;

	while (fgets(line, sizeof(line), stdin)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (sscanf(line, "%15s", kind) != 1)
			continue;
		if (strcmp(kind, "text") == 0 && sscanf(line, "%*s %lli %lli", &lo, &len) == 2) {
			ukhook_state.text_lo = lo;
			ukhook_state.text_len = len;
			ukhook_start(1000000000ULL);
		} else if (!ukhook_state.ready) {
			fprintf(stderr, "the script must begin with `text LO LEN`\n");
			return 2;
		} else if ((strcmp(kind, "call") == 0 || strcmp(kind, "native") == 0) &&
			   sscanf(line, "%*s %lli %lli %lli %lli %127s %255s", &rip, &nr, &ret, &dur, args, frames) == 6) {
			call(kind[0] == 'n', rip, nr, ret, dur, args, frames);
		} else if (strcmp(kind, "phase") == 0 && sscanf(line, "%*s %lli", &n) == 1) {
			ukhook_phase((unsigned int)n);
		} else if (strcmp(kind, "wait") == 0 && sscanf(line, "%*s %lli", &n) == 1) {
			clock_ticks += n;
		} else {
			fprintf(stderr, "bad script line: %s", line);
			return 2;
		}
		clock_ticks += 1000;
	}
	ukhook_finish(clock_ticks);
	fflush(stdout);
	return 0;
}
