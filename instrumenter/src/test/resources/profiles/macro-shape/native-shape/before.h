/* A stand-in written for ukhook's tests, shaped like the syscall definition macros of Unikraft's
 * syscall shim header: a multi-line #define whose expansion defines both entry points of a call. */
#ifndef SHAPE_SYSCALL_H
#define SHAPE_SYSCALL_H

#include <errno.h>

/* Mentions of rname(a, b) { } in comments and "rname(a, b) {" in strings are never anchors. */
#define __UK_LLSYSCALL_R_DEFINE(rtype, name, ename, rname, a, b)		\
	long rname(long a, long b);					\
	long ename(long a, long b)					\
	{								\
		long ret = rname(a, b);					\
									\
		if (ret < 0) {						\
			errno = (int) -ret;				\
			return -1;					\
		}							\
		return ret;						\
	}								\
	static inline rtype __##rname(long a, long b);			\
	long rname(long a, long b)					\
	{								\
		long ret;						\
									\
		ret = (long) __##rname(					\
			a, b);						\
		return ret;						\
	}								\
	static inline rtype __##rname(long a, long b)

#define UK_LLSYSCALL_R_DEFINE(rtype, name, a, b)				\
	__UK_LLSYSCALL_R_DEFINE(rtype, name, uk_syscall_e_##name,		\
				uk_syscall_r_##name, a, b)

#endif /* SHAPE_SYSCALL_H */
