${indent}UKHOOK_STUB(syscall_name);
