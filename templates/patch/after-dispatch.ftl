#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
${indent}ukhook_syscall_exit(ukhook_rec, ${ret});
#endif /* ukhook-end */
