#include <ukhook/hook.h>
#else
#define ukhook_native_enter(name, ret, rec) ((void)(rec), 1)
#define ukhook_native_exit(rec, ret) ((void)(rec))
