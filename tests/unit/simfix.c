/* Shared fixtures for the sim unit tests; see simfix.h. */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simfix.h"
#include "xmalloc.h"

#define R	WORLD_PLAYER_RADIUS
#define EPS	0.001f

uint64_t	simfix_seq;

void
simfix_set_solid(struct area *a, int col, int row)
{
	a->solid[(size_t)row * (size_t)a->cols + (size_t)col] = 1;
}

/*
 * A mob standing at (x, y) that neither looks, moves nor hurts and dies
 * in one hit, back respawn_ms after.
 */
struct area_spawner *
simfix_add_dummy(struct area *a, const char *kind, float x, float y,
    unsigned respawn_ms)
{
	struct area_spawner	*sp;

	sp = area_add_spawner(a);
	sp->kind = xstrdup(kind);
	sp->x = x;
	sp->y = y;
	sp->count = 1;
	sp->respawn_ms = respawn_ms;
	sp->hp = 1;
	sp->leash = 1000;
	sp->attack_range = 16;
	sp->attack_ms = 1000;
	return (sp);
}

/* Adds a player exactly at (x, y) and returns its id. */
uint32_t
simfix_add(struct world *w, float x, float y)
{
	struct world_player	*p;

	p = world_player_add(w, "p", x, y);
	ck_assert_ptr_nonnull(p);
	ck_assert_float_eq(p->x, x);
	ck_assert_float_eq(p->y, y);
	return (p->id);
}

struct world_player *
simfix_find(struct world *w, uint32_t id)
{
	struct world_player	*p;

	p = world_player_find(w, id);
	ck_assert_ptr_nonnull(p);
	return (p);
}

/* One step with one input. */
void
simfix_input(struct world *w, uint32_t id, uint64_t seq, int kind, float dx,
    float dy, int32_t arg)
{
	struct world_input	in;

	memset(&in, 0, sizeof in);
	in.player = id;
	in.seq = seq;
	in.kind = (uint8_t)kind;
	in.dx = dx;
	in.dy = dy;
	in.arg = arg;
	world_step(w, &in, 1);
}

/* One step with one input numbered after the last one. */
void
simfix_act(struct world *w, uint32_t id, int kind, float dx, float dy,
    int32_t arg)
{
	simfix_input(w, id, ++simfix_seq, kind, dx, dy, arg);
}

void
simfix_steps(struct world *w, int n)
{
	while (n-- > 0)
		world_step(w, NULL, 0);
}

/* This step's first event of kind from a to b (0 matches any), or NULL. */
const struct world_event *
simfix_event(const struct world *w, int kind, uint32_t a, uint32_t b)
{
	size_t	i;

	for (i = 0; i < w->nevents; i++) {
		if (w->events[i].kind == kind && (a == 0 ||
		    w->events[i].a == a) && (b == 0 || w->events[i].b == b))
			return (&w->events[i]);
	}
	return (NULL);
}

/* A body of radius R at (x, y), shrunk by EPS, touches no solid tile. */
void
simfix_assert_no_solid(const struct area *a, float x, float y,
    const char *what)
{
	int	c0, c1, r0, r1, c, row;

	ck_assert(isfinite(x) && isfinite(y));
	c0 = (int)floorf((x - R + EPS) / (float)a->tile_w);
	c1 = (int)floorf((x + R - EPS) / (float)a->tile_w);
	r0 = (int)floorf((y - R + EPS) / (float)a->tile_h);
	r1 = (int)floorf((y + R - EPS) / (float)a->tile_h);
	for (row = r0; row <= r1; row++) {
		for (c = c0; c <= c1; c++)
			ck_assert_msg(!area_solid_tile(a, c, row),
			    "%s at %f,%f is inside tile %d,%d", what,
			    (double)x, (double)y, c, row);
	}
}
