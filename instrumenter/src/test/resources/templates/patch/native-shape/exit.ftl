${indent}ukhook_native_exit(ukhook_rec, ret);
