#include <smsys/smsys.h>

/* noinline keeps one shared `syscall` site that every caller goes through. */
__attribute__((noinline)) long sm_syscall(long nr, long a0, long a1, long a2)
{
	long ret;
	register long r0 __asm__("rdi") = a0;
	register long r1 __asm__("rsi") = a1;
	register long r2 __asm__("rdx") = a2;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "r"(r0), "r"(r1), "r"(r2)
			     : "rcx", "r11", "memory");
	return ret;
}
