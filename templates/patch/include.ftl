#if CONFIG_LIBUKHOOK /* ukhook-begin: inserted by ukhook, removed by `ukhook restore` */
#include <ukhook/hook.h>
#endif /* ukhook-end */
