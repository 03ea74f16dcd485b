#include <stdio.h>
#include <smsys/smsys.h>

/* 5 x getuid issued here, 2 x uname through libsmsys: all 7 belong to libsmstore. */
void smstore_run(void)
{
	long r[7];
	int i;

	for (i = 0; i < 5; i++)
		r[i] = SM_SYSCALL0(SM_NR_getuid);
	for (i = 0; i < 2; i++)
		r[5 + i] = sm_syscall(SM_NR_uname, 0, 0, 0);
	printf("libsmstore: getuid %ld %ld %ld %ld %ld, uname %ld %ld\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
}
