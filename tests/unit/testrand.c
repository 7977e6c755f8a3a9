/* The unit tests' random numbers (testrand.h). */
#include "testrand.h"

uint64_t
trand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

/* Uniform in [0, 1). */
double
tunit(uint64_t *s)
{
	return ((double)(trand(s) >> 11) / 9007199254740992.0);
}

uint32_t
tbelow(uint64_t *s, uint32_t n)
{
	return ((uint32_t)(trand(s) % n));
}
