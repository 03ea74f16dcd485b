/* A stand-in written for ukhook's tests, shaped like Unikraft 0.16's binary syscall handler. */
#include <uk/syscall.h>
#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
#include <ukhook/hook.h>
#endif /* ukhook-end */
#include "arch/regmap_linuxabi.h"

void ukplat_syscall_handler(struct uk_syscall_ctx *usc)
{
	ukarch_sysregs_switch_uk(&usc->sysregs);

#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
	void *ukhook_rec;

	if (ukhook_syscall_enter(&usc->regs, &ukhook_rec))
#endif /* ukhook-end */
	usc->regs.rret0 = uk_syscall6_r_u(usc);
#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
	ukhook_syscall_exit(ukhook_rec, usc->regs.rret0);
#endif /* ukhook-end */

	ukarch_sysregs_switch_ul(&usc->sysregs);
}
