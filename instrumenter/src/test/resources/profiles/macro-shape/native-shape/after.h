/* A stand-in written for ukhook's tests, shaped like the syscall definition macros of Unikraft's
 * syscall shim header: a multi-line #define whose expansion defines both entry points of a call. */
#ifndef SHAPE_SYSCALL_H
#define SHAPE_SYSCALL_H

#include <errno.h>
#if CONFIG_LIBUKHOOK /* ukhook-begin native-shape/include block=4b424bf4afa1 original=3a93a0b5f033c067 */
#include <ukhook/hook.h>
#else
#define ukhook_native_enter(name, ret, rec) ((void)(rec), 1)
#define ukhook_native_exit(rec, ret) ((void)(rec))
#endif /* ukhook-end native-shape/include */

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
		/* ukhook-begin native-shape/enter block=01b6359549f8 original=3a93a0b5f033c067 */ \
		void *ukhook_rec = 0; \
		if (ukhook_native_enter(#rname, &ret, &ukhook_rec)) \
		/* ukhook-end native-shape/enter */ \
		ret = (long) __##rname(					\
			a, b);						\
		/* ukhook-begin native-shape/exit block=3685abf4a702 original=3a93a0b5f033c067 */ \
		ukhook_native_exit(ukhook_rec, ret); \
		/* ukhook-end native-shape/exit */ \
		return ret;						\
	}								\
	static inline rtype __##rname(long a, long b)

#define UK_LLSYSCALL_R_DEFINE(rtype, name, a, b)				\
	__UK_LLSYSCALL_R_DEFINE(rtype, name, uk_syscall_e_##name,		\
				uk_syscall_r_##name, a, b)

#endif /* SHAPE_SYSCALL_H */
