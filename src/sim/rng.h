/*
 * A small seeded PRNG for the simulation: xoroshiro128+ (Blackman and
 * Vigna, 2018 constants), seeded through splitmix64. The whole state is
 * the plain struct below, so a snapshot can copy it byte for byte and a
 * copy continues the same sequence. Never seeded from a clock: the world
 * stores it and passes it on.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t	 s[2];		/* never both zero */
};

void		 rng_seed(struct rng *, uint64_t);
uint64_t	 rng_next(struct rng *);
uint32_t	 rng_below(struct rng *, uint32_t);
float		 rng_unit(struct rng *);

#endif
