#include <smsys/smsys.h>

/* 5 x getuid issued here, 2 x uname through libsmsys: all 7 belong to libsmstore. */
void smstore_run(void)
{
	int i;

	for (i = 0; i < 5; i++)
		SM_SYSCALL0(SM_NR_getuid);
	for (i = 0; i < 2; i++)
		sm_syscall(SM_NR_uname, 0, 0, 0);
}
