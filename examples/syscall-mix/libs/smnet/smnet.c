#include <stdio.h>
#include <smsys/smsys.h>

/* 3 x socket issued here, 2 x getppid through libsmsys: all 5 belong to libsmnet. */
void smnet_run(void)
{
	long r[5];
	int i;

	for (i = 0; i < 3; i++)
		r[i] = SM_SYSCALL0(SM_NR_socket);
	for (i = 0; i < 2; i++)
		r[3 + i] = sm_syscall(SM_NR_getppid, 0, 0, 0);
	printf("libsmnet: socket %ld %ld %ld, getppid %ld %ld\n", r[0], r[1], r[2], r[3], r[4]);
}

/* One socket call of round `round`; its result is printed when it differs from the round before. */
void smnet_round(long round)
{
	static long last = 1;
	long r = SM_SYSCALL0(SM_NR_socket);

	if (r != last)
		printf("libsmnet: round %ld: socket %ld\n", round, r);
	last = r;
}
