${indent}ukhook_syscall_exit(ukhook_rec, ${ret});
