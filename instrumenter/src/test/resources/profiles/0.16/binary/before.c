/* A stand-in written for ukhook's tests, shaped like Unikraft 0.16's binary syscall handler. */
#include <uk/syscall.h>
#include "arch/regmap_linuxabi.h"

void ukplat_syscall_handler(struct uk_syscall_ctx *usc)
{
	ukarch_sysregs_switch_uk(&usc->sysregs);

	usc->regs.rret0 = uk_syscall6_r_u(usc);

	ukarch_sysregs_switch_ul(&usc->sysregs);
}
