/* Raw binary system calls for syscall-mix: the `syscall` instruction, x86-64 Linux numbering. */
#ifndef SMSYS_H
#define SMSYS_H

#define SM_NR_sched_yield 24
#define SM_NR_getpid 39
#define SM_NR_socket 41
#define SM_NR_uname 63
#define SM_NR_getuid 102
#define SM_NR_getppid 110

/* Issued inline, so the caller's own code holds the `syscall` instruction. */
#define SM_SYSCALL0(nr) ({						\
	long __ret;							\
	__asm__ __volatile__("syscall" : "=a"(__ret) : "a"((long)(nr))	\
			     : "rcx", "r11", "memory");			\
	__ret;								\
})

/* Issued from libsmsys: the `syscall` instruction is in this (transparent) library. */
long sm_syscall(long nr, long a0, long a1, long a2);

#endif /* SMSYS_H */
