/*
 * syscall-mix: an application and two microlibraries that issue binary system calls with the
 * `syscall` instruction, some directly and some through the shared helper in libsmsys. libsmsys is
 * transparent for attribution (ukhook.json), so calls made through it must be charged to the caller,
 * which only a stack walk can do. Expected counts: expected.json and README.md.
 *
 * The program has two phases: start-up (the getpid calls) and work (everything after), which it marks
 * with ukhook_phase() so that a policy can allow a call in one phase and not in the other. Each
 * library prints what its calls returned, so a refused call shows up as its errno on the console.
 */
#include <stdio.h>
#include <smsys/smsys.h>
#if __has_include(<ukhook/phase.h>)
#include <ukhook/phase.h>
#else
#define ukhook_phase(id) do { } while (0)
#endif

void smnet_run(void);
void smnet_round(long round);
void smstore_run(void);

/* About 20 ms of work under TCG, then a yield, so that ukhook's control thread can take a pushed policy. */
static void pause_a_little(void)
{
	volatile long spin;

	for (spin = 0; spin < 2000000; spin++)
		;
	sm_syscall(SM_NR_sched_yield, 0, 0, 0);
}

/*
 * Without arguments the 18 calls of expected.json. With a number N, N rounds follow in which libsmnet makes
 * one socket call each and says when its result changes: a policy pushed while it runs shows up there.
 */
int main(int argc, char *argv[])
{
	long r[6], rounds = 0, k;
	int i;

	for (i = 0; argc > 1 && argv[1][i] >= '0' && argv[1][i] <= '9'; i++)
		rounds = rounds * 10 + (argv[1][i] - '0');
	for (i = 0; i < 4; i++)
		r[i] = SM_SYSCALL0(SM_NR_getpid);
	ukhook_phase(1); /* start-up is over: phase 1, "work" */
	for (i = 0; i < 2; i++)
		r[4 + i] = sm_syscall(SM_NR_sched_yield, 0, 0, 0);
	printf("appsyscallmix: getpid %ld %ld %ld %ld, sched_yield %ld %ld\n", r[0], r[1], r[2], r[3], r[4], r[5]);
	smnet_run();
	smstore_run();
	for (k = 0; k < rounds; k++) {
		smnet_round(k);
		pause_a_little();
	}
	printf("syscall-mix: done\n");
	return 0;
}
