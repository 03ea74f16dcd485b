#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
${indent}void *ukhook_rec;

${indent}if (ukhook_syscall_enter(${regs}, &ukhook_rec))
#endif /* ukhook-end */
