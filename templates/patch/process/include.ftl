#include <ukhook/process.h>
