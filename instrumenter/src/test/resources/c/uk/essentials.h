/* The few definitions of Unikraft's <uk/essentials.h> the generated hook headers use, for host tests. */
#ifndef HOST_UK_ESSENTIALS_H
#define HOST_UK_ESSENTIALS_H
#define __uk_tls __thread
#define __unused __attribute__((unused))
#define __UK_CONCAT_X(a, b) a##b
#define UK_CONCAT(a, b) __UK_CONCAT_X(a, b)
#define __STRINGIFY(x) #x
#define STRINGIFY(x) __STRINGIFY(x)
#endif
