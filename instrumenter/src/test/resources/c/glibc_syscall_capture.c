/*
 * What ukhook's guest hook sees at a system call made through glibc, captured on the host for
 * dev.ukhook.elf.GlibcSyscallUnwindTest: main -> a -> b -> c -> getppid(), built with -O2
 * -fomit-frame-pointer so only the DWARF CFI can unwind it.
 *
 * A seccomp filter (SECCOMP_RET_TRAP) turns getppid into SIGSYS before the kernel runs it; the handler's
 * ucontext holds the registers at the syscall instruction inside glibc's wrapper (rip is the address after
 * it, as for the guest hook). The handler copies the stack from the interrupted rsp up to at most SNAPSHOT
 * bytes (never past the end of [stack]) and makes getppid return 4242. main then writes to OUT:
 *   pc HEX / sp HEX / bp HEX / one "object BASE PATH" per loaded object (dl_iterate_phdr) / stack HEX-BYTES
 */
#define _GNU_SOURCE
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <ucontext.h>
#include <unistd.h>

#define SNAPSHOT 8192

static unsigned long stack_end; /* end of the [stack] mapping: the handler must not read past it */
static unsigned long pc, sp, bp;
static unsigned char snapshot[SNAPSHOT];
static size_t snapshot_len;

static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	ucontext_t *uc = context;
	pc = uc->uc_mcontext.gregs[REG_RIP];
	sp = uc->uc_mcontext.gregs[REG_RSP];
	bp = uc->uc_mcontext.gregs[REG_RBP];
	snapshot_len = stack_end - sp < SNAPSHOT ? stack_end - sp : SNAPSHOT;
	memcpy(snapshot, (void *)sp, snapshot_len);
	uc->uc_mcontext.gregs[REG_RAX] = 4242; /* what getppid returns instead */
}

volatile long sink;

__attribute__((noipa)) long c(long x)
{
	volatile long work[4] = { x, x + 1, x + 2, x + 3 };
	long r = getppid();
	sink = work[0] + work[3];
	return r * x + work[1];
}

__attribute__((noipa)) long b(long x)
{
	volatile long work[6] = { x };
	long r = c(x * 3 + work[0]);
	return r + x + work[5];
}

__attribute__((noipa)) long a(long x)
{
	volatile long work[2] = { x };
	long r = b(x + 7 + work[1]);
	return r - work[0];
}

static void find_stack_end(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	while (maps && fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			stack_end = hi;
	}
	if (maps)
		fclose(maps);
	if (!stack_end) {
		fprintf(stderr, "no [stack] in /proc/self/maps\n");
		exit(2);
	}
}

static int print_object(struct dl_phdr_info *info, size_t size, void *out)
{
	(void)size;
	const char *name = info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
	char path[4096];
	if (!info->dlpi_name[0]) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
		if (n < 0)
			return 0;
		path[n] = 0;
		name = path;
	}
	fprintf(out, "object %lx %s\n", (unsigned long)info->dlpi_addr, name);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT\n", argv[0]);
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	find_stack_end();
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 3;
	}
	long r = a(argc);
	if (r == 0 || !pc) {
		fprintf(stderr, "getppid was not trapped\n");
		return 4;
	}
	fprintf(out, "pc %lx\nsp %lx\nbp %lx\n", pc, sp, bp);
	dl_iterate_phdr(print_object, out);
	fprintf(out, "stack ");
	for (size_t i = 0; i < snapshot_len; i++)
		fprintf(out, "%02x", snapshot[i]);
	fprintf(out, "\n");
	return fclose(out) ? 2 : 0;
}
