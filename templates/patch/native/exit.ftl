${indent}UKHOOK_NATIVE_EXIT(ret);
