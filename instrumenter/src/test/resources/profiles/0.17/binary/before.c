/* A stand-in written for ukhook's tests, shaped like Unikraft 0.17's binary syscall handler. */
#include <uk/syscall.h>

/* The comment mentions execenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv); which must not match. */
static const char *s = "ukarch_sysctx_load(&auxspcb->uksysctx);";

void ukplat_syscall_handler(struct uk_syscall_ctx *usc);

void ukplat_syscall_handler(struct uk_syscall_ctx *usc)
{
	struct ukarch_execenv *execenv = &usc->execenv;

	if (usc) {
		auxspcb = ukarch_auxsp_get_cb(usc->auxsp);
	}
	ukarch_sysctx_load( &auxspcb->uksysctx );

	execenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);

#if CONFIG_LIBSYSCALL_SHIM_STRACE
	print(execenv->regs.__syscall_rret0);
#endif
}
