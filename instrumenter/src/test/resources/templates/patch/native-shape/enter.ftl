${indent}void *ukhook_rec = 0;
${indent}if (ukhook_native_enter(${name}, &ret, &ukhook_rec))
