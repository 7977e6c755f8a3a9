/*
 * The unit tests' own random numbers (xorshift64*): seeded, the same on
 * every machine, so a failure replays. Not the sim's generator (sim/rng).
 */
#ifndef TESTRAND_H
#define TESTRAND_H

#include <stdint.h>

uint64_t	trand(uint64_t *);
double		tunit(uint64_t *);
uint32_t	tbelow(uint64_t *, uint32_t);

#endif
