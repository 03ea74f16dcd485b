${indent}struct ukhook_ticket ukhook_rec;

${indent}if (ukhook_syscall_enter(${regs}, &ukhook_rec))
