/* A stand-in written for ukhook's tests, shaped like Unikraft 0.17's binary syscall handler. */
#include <uk/syscall.h>
#if CONFIG_LIBUKHOOK /* ukhook-begin binary/include block=ecd48ba428af original=8ccdb2aa6928ca14 */
#include <ukhook/hook.h>
#endif /* ukhook-end binary/include */

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

#if CONFIG_LIBUKHOOK /* ukhook-begin binary/enter block=e97da10b9b78 original=8ccdb2aa6928ca14 */
	struct ukhook_ticket ukhook_rec;

	if (ukhook_syscall_enter(&execenv->regs, &ukhook_rec))
#endif /* ukhook-end binary/enter */
	execenv->regs.__syscall_rret0 = uk_syscall6_r_e(execenv);
#if CONFIG_LIBUKHOOK /* ukhook-begin binary/exit block=13e498b6e09f original=8ccdb2aa6928ca14 */
	ukhook_syscall_exit(ukhook_rec, execenv->regs.__syscall_rret0);
#endif /* ukhook-end binary/exit */

#if CONFIG_LIBSYSCALL_SHIM_STRACE
	print(execenv->regs.__syscall_rret0);
#endif
}
