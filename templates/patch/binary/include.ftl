#include <ukhook/hook.h>
