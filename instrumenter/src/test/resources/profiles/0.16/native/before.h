/* A stand-in written for ukhook's tests, shaped like the system call definition macros of Unikraft's
 * syscall shim header (lib/syscall_shim/include/uk/syscall.h, 0.16.x): every anchor of the
 * native hook point, in macros whose bodies are reduced to what the anchors need. */
#ifndef SHAPE_UK_SYSCALL_H
#define SHAPE_UK_SYSCALL_H

#if !__ASSEMBLY__
#include <errno.h>
#include <uk/print.h>

#define __UK_LLSYSCALL_DEFINE(x, rtype, name, ename, rname, ...)	\
	long ename(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__));		\
	long rname(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		ret = ename(						\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret == -1 ? -errno : ret;			\
	}								\
	long ename(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		ret = (long) __##ename(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_ACTUAL, __VA_ARGS__)); \
		return ret;						\
	}

#define __UK_SYSCALL_DEFINE(x, rtype, name, ename, rname, ...)		\
	rtype name(UK_ARG_MAPx(x, UK_S_ARG_ACTUAL, __VA_ARGS__))	\
	{								\
		rtype ret;						\
									\
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
		ret = rname(						\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret < 0 ? (errno = (int) -ret, -1) : ret;	\
	}								\
	long rname(UK_ARG_MAPx(x, UK_S_ARG_LONG, __VA_ARGS__))		\
	{								\
		long ret;						\
									\
		ret = (long) __##rname(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_ACTUAL, __VA_ARGS__)); \
		return ret;						\
	}

#define __UK_LLSYSCALL_R_U_DEFINE(x, rtype, name, ename, rname, ...)	\
	long rname(long _usc)					\
	{								\
		struct uk_syscall_ctx *usc = (void *)_usc;		\
		long ret;						\
									\
		ret = (long) __##rname(UK_USC_CALLMAPx(x,		\
						   UK_S_ARG_ACTUAL,	\
						   __VA_ARGS__));	\
		return ret;						\
	}

#define __UK_SYSCALL_R_DEFINE(x, rtype, name, ename, rname, ...)	\
	rtype name(UK_ARG_MAPx(x, UK_S_ARG_ACTUAL, __VA_ARGS__))	\
	{								\
		rtype ret;						\
									\
		ret = (rtype) ename(					\
			UK_ARG_MAPx(x, UK_S_ARG_CAST_LONG, __VA_ARGS__)); \
		return ret;						\
	}								\
	__UK_LLSYSCALL_R_DEFINE(x, rtype, name, ename, rname, __VA_ARGS__)

#define uk_syscall_e_stub(syscall_name) ({				\
			errno = -ENOSYS;				\
			-1;						\
		})

#define uk_syscall_r_stub(syscall_name) ({				\
			-ENOSYS;					\
		})
#endif /* !__ASSEMBLY__ */
#endif /* SHAPE_UK_SYSCALL_H */
