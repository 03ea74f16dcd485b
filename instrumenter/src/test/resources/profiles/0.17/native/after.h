/* A stand-in written for ukhook's tests, shaped like the system call definition macros of Unikraft's
 * syscall shim header (lib/syscall_shim/include/uk/syscall.h, 0.17.0 and main): every anchor of the
 * native hook point, in macros whose bodies are reduced to what the anchors need. */
#ifndef SHAPE_UK_SYSCALL_H
#define SHAPE_UK_SYSCALL_H

#if !__ASSEMBLY__
#include <errno.h>
#include <uk/print.h>
#if CONFIG_LIBUKHOOK /* ukhook-begin native/include block=8f3c9b2694f2 original=9af5f8946d0a0e35 */
#include <ukhook/native.h>
#else
#define UKHOOK_NATIVE_DECL do {} while (0)
#define UKHOOK_NATIVE_ENTER(...) 1
#define UKHOOK_NATIVE_ENTER_REGS(...) 1
#define UKHOOK_NATIVE_ENTER_ERRNO(...) 1
#define UKHOOK_NATIVE_EXIT(ret) do {} while (0)
#define UKHOOK_NATIVE_EXIT_ERRNO(ret) do {} while (0)
#define UKHOOK_NATIVE_THUNK(path) do {} while (0)
#define UKHOOK_STUB(name) do {} while (0)
#endif /* ukhook-end native/include */

#define __UK_LLSYSCALL_DEFINE(x, rtype, name, ename, rname, ...)	\
	long ename(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__));		\
	long rname(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		/* ukhook-begin native/ll-thunk block=df06ad50aa3d original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_THUNK(UKHOOK_PATH_NATIVE_RAW); \
		/* ukhook-end native/ll-thunk */ \
		ret = ename(						\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret == -1 ? -errno : ret;			\
	}								\
	long ename(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		/* ukhook-begin native/ll-enter block=40ba909b467c original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_DECL; \
		if (UKHOOK_NATIVE_ENTER_ERRNO(name, x, UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__))) \
		/* ukhook-end native/ll-enter */ \
		ret = (long) __##ename(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_ACTUAL, __VA_ARGS__)); \
		/* ukhook-begin native/ll-exit block=a6b754058ccd original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_EXIT_ERRNO(ret); \
		/* ukhook-end native/ll-exit */ \
		return ret;						\
	}

#define __UK_SYSCALL_DEFINE(x, rtype, name, ename, rname, ...)		\
	rtype name(UK_ARG_MAPx(x, UK_S_ARG_ACTUAL, __VA_ARGS__))	\
	{								\
		rtype ret;						\
									\
		/* ukhook-begin native/libc-thunk block=5c70b143b7e0 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_THUNK(UKHOOK_PATH_NATIVE_ERRNO); \
		/* ukhook-end native/libc-thunk */ \
		ret = (rtype) ename(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret;						\
	}								\
	__UK_LLSYSCALL_DEFINE(x, rtype, name, ename, rname, __VA_ARGS__)

#define __UK_LLSYSCALL_R_DEFINE(x, rtype, name, ename, rname, ...)	\
	long rname(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__));		\
	long ename(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		/* ukhook-begin native/llr-thunk block=5c70b143b7e0 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_THUNK(UKHOOK_PATH_NATIVE_ERRNO); \
		/* ukhook-end native/llr-thunk */ \
		ret = rname(						\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret < 0 ? (errno = (int) -ret, -1) : ret;	\
	}								\
	long rname(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		/* ukhook-begin native/llr-enter block=20efe0917c7b original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_DECL; \
		if (UKHOOK_NATIVE_ENTER(UKHOOK_PATH_NATIVE_RAW, name, x, UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__))) \
		/* ukhook-end native/llr-enter */ \
		ret = (long) __##rname(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_ACTUAL, __VA_ARGS__)); \
		/* ukhook-begin native/llr-exit block=347541bbdd35 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_EXIT(ret); \
		/* ukhook-end native/llr-exit */ \
		return ret;						\
	}

#define __UK_LLSYSCALL_R_E_DEFINE(x, rtype, name, ename, rname, ...)	\
	long rname(long _execenv)					\
	{								\
		struct ukarch_execenv *execenv = (void *)_execenv;	\
		long ret;						\
									\
		/* ukhook-begin native/regs-enter block=be27132d2605 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_DECL; \
		if (UKHOOK_NATIVE_ENTER_REGS(UKHOOK_PATH_NATIVE_RAW, name, &execenv->regs)) \
		/* ukhook-end native/regs-enter */ \
		ret = (long) __##rname(UK_EXECENV_CALLMAPx(x,		\
						   UK_S_ARG_ACTUAL,	\
						   __VA_ARGS__));	\
		/* ukhook-begin native/regs-exit block=347541bbdd35 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_EXIT(ret); \
		/* ukhook-end native/regs-exit */ \
		return ret;						\
	}

#define __UK_SYSCALL_R_DEFINE(x, rtype, name, ename, rname, ...)	\
	rtype name(UK_ARG_MAPx(x, UK_S_ARG_ACTUAL, __VA_ARGS__))	\
	{								\
		rtype ret;						\
									\
		/* ukhook-begin native/libc-r-thunk block=5c70b143b7e0 original=9af5f8946d0a0e35 */ \
		UKHOOK_NATIVE_THUNK(UKHOOK_PATH_NATIVE_ERRNO); \
		/* ukhook-end native/libc-r-thunk */ \
		ret = (rtype) ename(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret;						\
	}								\
	__UK_LLSYSCALL_R_DEFINE(x, rtype, name, ename, rname, __VA_ARGS__)

#define uk_syscall_e_stub(syscall_name) ({				\
			/* ukhook-begin native/stub-e block=c8cf3c3c30db original=9af5f8946d0a0e35 */ \
			UKHOOK_STUB(syscall_name); \
			/* ukhook-end native/stub-e */ \
			errno = -ENOSYS;				\
			-1;						\
		})

#define uk_syscall_r_stub(syscall_name) ({				\
			/* ukhook-begin native/stub-r block=c8cf3c3c30db original=9af5f8946d0a0e35 */ \
			UKHOOK_STUB(syscall_name); \
			/* ukhook-end native/stub-r */ \
			-ENOSYS;					\
		})
#endif /* !__ASSEMBLY__ */
#endif /* SHAPE_UK_SYSCALL_H */
