#include <ukhook/native.h>
#else
#define UKHOOK_NATIVE_DECL do {} while (0)
#define UKHOOK_NATIVE_ENTER(...) 1
#define UKHOOK_NATIVE_ENTER_REGS(...) 1
#define UKHOOK_NATIVE_ENTER_ERRNO(...) 1
#define UKHOOK_NATIVE_EXIT(ret) do {} while (0)
#define UKHOOK_NATIVE_EXIT_ERRNO(ret) do {} while (0)
#define UKHOOK_NATIVE_THUNK(path) do {} while (0)
#define UKHOOK_STUB(name) do {} while (0)
