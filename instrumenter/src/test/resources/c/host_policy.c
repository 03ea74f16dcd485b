/*
 * Host harness for the generated filter (templates/libukhook/include/ukhook/policy.h and hook.h): it plays the
 * patched binary syscall handler around calls whose callers it makes up, and writes the stream to stdout.
 *
 *   host_policy TEXT TABLE POLICY
 *     TEXT    the image's code, mapped at the address the table says (its text_lo)
 *     TABLE   a library table (struct ukhook_libtable) written by ukhook
 *     POLICY  a compiled policy (struct ukhook_policy)
 *   On stderr: "boot R" (ukhook_policy_boot()'s result), then per call read from stdin, one line
 *     NR RIP LEAF RET N FRAME1 .. FRAMEN     (hex addresses; LEAF is the word at the caller's stack pointer)
 *   one line "call RUN RAX PHASE" (whether the call was dispatched, what its caller got, the phase after it),
 *   or "kill LIB NR RIP" when the policy stopped the unikernel. "push POLICY_FILE" on stdin puts another
 *   policy in force as the control thread does ("push R"), "mark ID" calls ukhook_phase(ID), "thread T" makes
 *   the calls that follow thread T's (0 to 7): their sequence state is its own.
 */
#define UKHOOK_STREAM_IMPLEMENTATION
#include <ukhook/hook.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void ukhook_phase(unsigned int id);

static jmp_buf killed;
/* The sequence state of threads 0-7; the running one's is in ukhook_thread, as thread-local storage would hold it. */
static uint16_t seq_saved[8][UKHOOK_MAX_LIBS];
static unsigned int thread;

void ukhook_exit_group(void)
{
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

void ukhook_kill(unsigned int lib, uint64_t nr, uint64_t rip)
{
	fprintf(stderr, "kill %s %lu %lx\n", (const char *)ukhook_libtable.names + lib * UKHOOK_NAME_BYTES,
		(unsigned long)nr, (unsigned long)rip);
	longjmp(killed, 1);
}

static void *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;

	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len ? *len : 1);
	if (fread(buf, 1, *len, f) != (size_t)*len)
		exit(2);
	fclose(f);
	return buf;
}

static struct ukhook_policy pushed[2];

static void push(const char *path)
{
	long len;
	void *p = slurp(path, &len);
	struct ukhook_policy *slot = ukhook_policy == &pushed[0] ? &pushed[1] : &pushed[0];

	memcpy(slot, p, len < (long)sizeof(*slot) ? (size_t)len : sizeof(*slot));
	free(p);
	fprintf(stderr, "push %u\n", ukhook_policy_put(slot, 0));
}

int main(int argc, char **argv)
{
	uint64_t stack[64] __attribute__((aligned(16)));
	struct ukhook_libtable *t = &ukhook_libtable;
	char line[512], arg[256];
	long len;
	void *buf;

	if (argc != 4)
		return 2;
	buf = slurp(argv[2], &len);
	memcpy(t, buf, sizeof(*t));
	free(buf);
	buf = slurp(argv[1], &len);
	if (mmap((void *)t->text_lo, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0) != (void *)t->text_lo) {
		perror("mmap of the text");
		return 2;
	}
	memcpy((void *)t->text_lo, buf, len);
	free(buf);
	buf = slurp(argv[3], &len);
	memcpy(&ukhook_policy_image, buf, len < (long)sizeof(ukhook_policy_image) ? (size_t)len : sizeof(ukhook_policy_image));
	free(buf);
	ukhook_state.text_lo = t->text_lo;
	ukhook_state.text_len = (uint64_t)len;
	ukhook_state.text_len = t->text_hi - t->text_lo;
	fprintf(stderr, "boot %u\n", ukhook_policy_boot());
	ukhook_start(1000000000ULL);
	while (fgets(line, sizeof(line), stdin)) {
		struct __regs regs = { 0 };
		struct ukhook_ticket ticket;
		unsigned long nr, rip, leaf, ret, n, i, f;
		unsigned int id;
		char *p = line;
		int used, run;

		if (sscanf(line, "push %255s", arg) == 1) {
			push(arg);
			continue;
		}
		if (sscanf(line, "thread %u", &id) == 1) {
			memcpy(seq_saved[thread], ukhook_thread.seq_last, sizeof(seq_saved[0]));
			thread = id & 7;
			memcpy(ukhook_thread.seq_last, seq_saved[thread], sizeof(seq_saved[0]));
			continue;
		}
		if (sscanf(line, "mark %u", &id) == 1) {
			ukhook_phase(id);
			continue;
		}
		if (sscanf(p, "%lu %lx %lx %ld %lu%n", &nr, &rip, &leaf, (long *)&ret, &n, &used) != 5)
			return 2;
		p += used;
		memset(stack, 0, sizeof(stack));
		stack[0] = leaf;
		for (i = 0; i < n && i < 14; i++) {
			if (sscanf(p, "%lx%n", &f, &used) != 1)
				return 2;
			p += used;
			stack[4 + 4 * i] = i + 1 < n ? (uint64_t)&stack[8 + 4 * i] : 0;
			stack[5 + 4 * i] = f;
		}
		regs.orig_rax = nr;
		regs.rcx = rip;
		regs.rsp = (unsigned long)stack;
		regs.rbp = n ? (unsigned long)&stack[4] : 0;
		if (setjmp(killed)) {
			continue;
		}
		run = ukhook_syscall_enter(&regs, &ticket);
		if (run)
			regs.rax = ret;
		ukhook_syscall_exit(ticket, (long)regs.rax);
		fprintf(stderr, "call %d %ld %u\n", run, (long)regs.rax, ukhook_phase_now);
	}
	ukhook_finish(ukhook_now());
	fflush(stdout);
	return 0;
}
