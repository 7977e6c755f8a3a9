/*
 * Shared fixtures for the sim unit tests: hand-built areas (solid tiles,
 * dummy mobs), players, inputs, steps and events.
 */
#ifndef SIMFIX_H
#define SIMFIX_H

#include <stdint.h>

#include "sim/area.h"
#include "sim/world.h"

/* The seq of the last input simfix_act sent. */
extern uint64_t	simfix_seq;

void	simfix_set_solid(struct area *, int, int);
struct area_spawner *simfix_add_dummy(struct area *, const char *, float,
	    float, unsigned);
uint32_t simfix_add(struct world *, float, float);
struct world_player *simfix_find(struct world *, uint32_t);
void	simfix_input(struct world *, uint32_t, uint64_t, int, float, float,
	    int32_t);
void	simfix_act(struct world *, uint32_t, int, float, float, int32_t);
void	simfix_steps(struct world *, int);
const struct world_event *simfix_event(const struct world *, int, uint32_t,
	    uint32_t);
void	simfix_assert_no_solid(const struct area *, float, float,
	    const char *);

#endif
