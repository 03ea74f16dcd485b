/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A copy of examples/redis/compat/uk/swrand.h, for examples/nginx on Unikraft 0.17.0 and later: lib-lwip
 * (RELEASE-0.16.2, its newest code) includes <uk/swrand.h> and takes LWIP_RAND() from uk_swrand_randr()
 * (include/arch/cc.h). Unikraft 0.17.0 replaced lib/ukswrand with lib/ukrandom, which needs RDSEED and stops the
 * boot under TCG. This header stands in for the old one: lwip only needs its TCP sequence numbers and ports to
 * differ between boots, not cryptographic randomness. Only used when the Unikraft tree has no lib/ukswrand (the
 * app's Makefile.uk).
 */
#ifndef UKHOOK_EXAMPLE_SWRAND_H
#define UKHOOK_EXAMPLE_SWRAND_H

#include <stdint.h>

static inline uint32_t uk_swrand_randr(void)
{
	static uint64_t state;
	uint32_t lo, hi;

	if (!state) {
		__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
		state = ((uint64_t)hi << 32 | lo) | 1;
	}
	/* xorshift64 */
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 32);
}

#endif /* UKHOOK_EXAMPLE_SWRAND_H */
