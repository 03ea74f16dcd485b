#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
${indent}void *ukhook_rec;
${indent}extern int ukhook_syscall_enter(struct __regs *regs, void **rec);
${indent}extern void ukhook_syscall_exit(void *rec, long ret);

${indent}if (ukhook_syscall_enter(${regs}, &ukhook_rec))
#endif /* ukhook-end */
