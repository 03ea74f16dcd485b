/* A stand-in written for ukhook's tests, shaped like Unikraft 0.16's binary syscall handler. */
#include <uk/syscall.h>
#if CONFIG_LIBUKHOOK /* ukhook-begin binary/include block=ecd48ba428af original=39993cc50aa18b57 */
#include <ukhook/hook.h>
#endif /* ukhook-end binary/include */
#include "arch/regmap_linuxabi.h"

void ukplat_syscall_handler(struct uk_syscall_ctx *usc)
{
	ukarch_sysregs_switch_uk(&usc->sysregs);

#if CONFIG_LIBUKHOOK /* ukhook-begin binary/enter block=b4c33ee178a7 original=39993cc50aa18b57 */
	struct ukhook_ticket ukhook_rec;

	if (ukhook_syscall_enter(&usc->regs, &ukhook_rec))
#endif /* ukhook-end binary/enter */
	usc->regs.rret0 = uk_syscall6_r_u(usc);
#if CONFIG_LIBUKHOOK /* ukhook-begin binary/exit block=30d80d581ca3 original=39993cc50aa18b57 */
	ukhook_syscall_exit(ukhook_rec, usc->regs.rret0);
#endif /* ukhook-end binary/exit */

	ukarch_sysregs_switch_ul(&usc->sysregs);
}
