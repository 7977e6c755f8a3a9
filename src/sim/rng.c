/*
 * xoroshiro128+ seeded through splitmix64. Pure: the state lives in the
 * caller's struct rng. The low bits of xoroshiro128+ are its weakest, so
 * rng_below and rng_unit use the high ones.
 */
#include "config.h"

#include <stdint.h>

#include "sim/rng.h"

static uint64_t
rng_splitmix64(uint64_t *x)
{
	uint64_t	z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint64_t
rng_rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

/*
 * Any seed, 0 included, gives a good state: splitmix64 is a bijection of
 * its counter, so its two outputs differ and cannot both be zero.
 */
void
rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t	x = seed;

	r->s[0] = rng_splitmix64(&x);
	r->s[1] = rng_splitmix64(&x);
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t	s0 = r->s[0], s1 = r->s[1], result;

	result = s0 + s1;
	s1 ^= s0;
	r->s[0] = rng_rotl(s0, 24) ^ s1 ^ (s1 << 16);
	r->s[1] = rng_rotl(s1, 37);
	return (result);
}

/*
 * A uniform integer in [0, n), n > 0 (n == 0 returns 0). Lemire's
 * multiply-and-reject on the high 32 bits of each draw: unbiased, and
 * it rejects (draws again) with probability below n / 2^32.
 */
uint32_t
rng_below(struct rng *r, uint32_t n)
{
	uint64_t	m;
	uint32_t	low, threshold;

	if (n == 0)
		return (0);
	m = (rng_next(r) >> 32) * (uint64_t)n;
	low = (uint32_t)m;
	if (low < n) {
		threshold = (uint32_t)-n % n;	/* 2^32 mod n */
		while (low < threshold) {
			m = (rng_next(r) >> 32) * (uint64_t)n;
			low = (uint32_t)m;
		}
	}
	return ((uint32_t)(m >> 32));
}

/* A uniform float in [0, 1): the top 24 bits, each value exact. */
float
rng_unit(struct rng *r)
{
	return ((float)(rng_next(r) >> 40) * (1.0f / 16777216.0f));
}
