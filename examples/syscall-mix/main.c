/*
 * syscall-mix: an application and two microlibraries that issue binary system calls with the
 * `syscall` instruction, some directly and some through the shared helper in libsmsys. libsmsys is
 * transparent for attribution (ukhook.json), so calls made through it must be charged to the caller,
 * which only a stack walk can do. Expected counts: expected.json and README.md.
 */
#include <stdio.h>
#include <smsys/smsys.h>

void smnet_run(void);
void smstore_run(void);

int main(int argc __attribute__((unused)), char *argv[] __attribute__((unused)))
{
	int i;

	for (i = 0; i < 4; i++)
		SM_SYSCALL0(SM_NR_getpid);
	for (i = 0; i < 2; i++)
		sm_syscall(SM_NR_sched_yield, 0, 0, 0);
	smnet_run();
	smstore_run();
	printf("syscall-mix: done\n");
	return 0;
}
