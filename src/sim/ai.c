/*
 * Mob AI, one state machine per mob (enum mob_state): idle and wander near
 * home, notice a player in sight, chase along an A* path around walls,
 * attack in range, give up and walk home when led too far, die, respawn.
 * Pure; randomness comes from the world's generator.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/area.h"
#include "sim/grid.h"
#include "sim/internal.h"
#include "sim/path.h"
#include "sim/world.h"
#include "xmalloc.h"

#define AI_LOOK_EVERY	4	/* steps between two looks for players */
#define AI_REPATH_EVERY	10	/* steps between two path searches */
#define AI_MAX_EXPAND	2048	/* A* nodes one search may expand */
#define AI_HOME_NEAR	4.0f	/* close enough to home */

static const struct area_spawner *
ai_spawner(const struct world *w, const struct world_mob *m)
{
	return (&w->area->spawners[m->spawner]);
}

/* A random walkable point in the spawner's rectangle. */
static void
ai_spawn_point(struct world *w, const struct area_spawner *sp, float *x,
    float *y)
{
	int	i;

	for (i = 0; i < 16; i++) {
		*x = sp->x + rng_unit(&w->rng) * sp->w;
		*y = sp->y + rng_unit(&w->rng) * sp->h;
		if (world_body_fits(w, *x, *y))
			return;
	}
	*x = sp->x + sp->w / 2;
	*y = sp->y + sp->h / 2;
	world_find_free_spot(w, x, y);
}

static void
ai_spawn(struct world *w, struct world_mob *m)
{
	const struct area_spawner	*sp = ai_spawner(w, m);

	ai_spawn_point(w, sp, &m->x, &m->y);
	m->home_x = m->goal_x = m->x;
	m->home_y = m->goal_y = m->y;
	m->hp = sp->hp;
	m->state = MOB_IDLE;
	m->target = 0;
	m->path_len = m->path_pos = 0;
	m->respawn_at = 0;
	m->next_think = w->tick + 1 + rng_below(&w->rng, w->tick_hz * 2);
}

/* Every spawner's mobs, allocated once for the life of the world. */
void
ai_init(struct world *w)
{
	const struct area	*a = w->area;
	size_t			 i, n = 0;
	unsigned		 k;

	for (i = 0; i < a->nspawners; i++)
		n += a->spawners[i].count;
	w->nmobs = n;
	if (n == 0)
		return;
	w->mobs = xcalloc(n, sizeof *w->mobs);
	n = 0;
	for (i = 0; i < a->nspawners; i++) {
		for (k = 0; k < a->spawners[i].count; k++) {
			w->mobs[n].id = WORLD_MOB_ID_BASE + (uint32_t)n;
			w->mobs[n].spawner = (uint16_t)i;
			ai_spawn(w, &w->mobs[n]);
			n++;
		}
	}
}

/* Walks towards (gx, gy) at the mob's speed. Returns 1 when there. */
static int
ai_walk_to(struct world *w, struct world_mob *m, float gx, float gy)
{
	float	step = ai_spawner(w, m)->speed / (float)w->tick_hz;
	float	dx = gx - m->x, dy = gy - m->y, d = hypotf(dx, dy);

	if (d <= step) {
		move_body(w, &m->x, &m->y, dx, dy);
		return (hypotf(gx - m->x, gy - m->y) < 0.5f);
	}
	move_body(w, &m->x, &m->y, dx / d * step, dy / d * step);
	return (0);
}

static int
ai_tile(float v, int size)
{
	return ((int)floorf(v / (float)size));
}

/* A* from the mob's tile to the goal's; an empty path if none. */
static void
ai_plan(struct world *w, struct world_mob *m, float gx, float gy)
{
	const struct area	*a = w->area;
	int			 c[WORLD_PATH_MAX], r[WORLD_PATH_MAX];
	size_t			 len = 0, i;

	m->path_len = m->path_pos = 0;
	if (pathfinder_find(w->pathfinder, ai_tile(m->x, a->tile_w),
	    ai_tile(m->y, a->tile_h), ai_tile(gx, a->tile_w),
	    ai_tile(gy, a->tile_h), AI_MAX_EXPAND, c, r, WORLD_PATH_MAX,
	    &len) != 0)
		return;
	for (i = 0; i < len; i++) {
		m->path_c[i] = (int16_t)c[i];
		m->path_r[i] = (int16_t)r[i];
	}
	m->path_len = (uint8_t)len;
}

/*
 * Moves towards (gx, gy): straight when it can see it, else along its
 * path (searched again every AI_REPATH_EVERY steps).
 */
static void
ai_go(struct world *w, struct world_mob *m, float gx, float gy, size_t idx)
{
	const struct area	*a = w->area;
	float			 wx, wy;

	if (path_line_of_sight(a, m->x, m->y, gx, gy)) {
		m->path_len = m->path_pos = 0;
		ai_walk_to(w, m, gx, gy);
		return;
	}
	if (m->path_pos >= m->path_len ||
	    (w->tick + idx) % AI_REPATH_EVERY == 0)
		ai_plan(w, m, gx, gy);
	if (m->path_pos >= m->path_len) {
		ai_walk_to(w, m, gx, gy);	/* no path: try anyway */
		return;
	}
	wx = ((float)m->path_c[m->path_pos] + 0.5f) * (float)a->tile_w;
	wy = ((float)m->path_r[m->path_pos] + 0.5f) * (float)a->tile_h;
	if (ai_walk_to(w, m, wx, wy))
		m->path_pos++;
}

/* The nearest living player in sight, or NULL. */
static struct world_player *
ai_look(struct world *w, struct world_mob *m)
{
	const struct area_spawner	*sp = ai_spawner(w, m);
	struct world_player		*p, *best = NULL;
	float				 d, bestd = 0;
	size_t				 n, i;

	n = grid_query(w->grid, m->x, m->y, sp->sight, w->near, w->near_cap);
	for (i = 0; i < n; i++) {
		if (w->near[i] < w->nmobs)
			continue;
		p = &w->players[w->near[i] - w->nmobs];
		if (p->respawn_at != 0)
			continue;
		d = world_distance(m->x, m->y, p->x, p->y);
		if ((best == NULL || d < bestd) &&
		    path_line_of_sight(w->area, m->x, m->y, p->x, p->y)) {
			best = p;
			bestd = d;
		}
	}
	return (best);
}

static void
ai_give_up(struct world *w, struct world_mob *m)
{
	m->state = MOB_RETURN;
	m->target = 0;
	m->path_len = m->path_pos = 0;
}

/* Hit by a player: an idle or wandering mob turns on its attacker. */
void
ai_mob_hurt(struct world *w, struct world_mob *m, uint32_t player)
{
	if (m->state == MOB_IDLE || m->state == MOB_WANDER) {
		m->state = MOB_CHASE;
		m->target = player;
		m->path_len = m->path_pos = 0;
	}
}

/*
 * When an idle or wandering mob thinks: does it pick a new goal (or rest,
 * with probability sp->rest)? One draw either way. The default, one in
 * two, draws as it always has, so worlds of older maps step the same.
 */
static int
ai_strolls(struct world *w, const struct area_spawner *sp)
{
	if (sp->rest == AREA_REST_DEFAULT)
		return (rng_below(&w->rng, 2) == 0);
	return (rng_unit(&w->rng) >= sp->rest);
}

static void
ai_mob_step(struct world *w, struct world_mob *m, size_t idx)
{
	const struct area_spawner	*sp = ai_spawner(w, m);
	struct world_player		*p;
	float				 d, gx, gy;

	switch (m->state) {
	case MOB_DEAD:
		if (w->tick >= m->respawn_at)
			ai_spawn(w, m);
		return;
	case MOB_IDLE:
	case MOB_WANDER:
		if ((w->tick + idx) % AI_LOOK_EVERY == 0 &&
		    (p = ai_look(w, m)) != NULL) {
			m->state = MOB_CHASE;
			m->target = p->id;
			m->path_len = m->path_pos = 0;
			break;
		}
		if (m->state == MOB_WANDER &&
		    ai_walk_to(w, m, m->goal_x, m->goal_y))
			m->state = MOB_IDLE;
		if (w->tick >= m->next_think) {
			m->next_think = w->tick + w->tick_hz +
			    rng_below(&w->rng, w->tick_hz * 3);
			if (ai_strolls(w, sp)) {
				gx = m->home_x + (rng_unit(&w->rng) * 2 - 1) *
				    sp->wander;
				gy = m->home_y + (rng_unit(&w->rng) * 2 - 1) *
				    sp->wander;
				/*
				 * A goal it cannot reach (off the map, in a
				 * wall, out of sight) is not taken: it kept
				 * walking at one, against the map's edge.
				 */
				if (world_body_fits(w, gx, gy) &&
				    path_line_of_sight(w->area, m->x, m->y,
				    gx, gy)) {
					m->goal_x = gx;
					m->goal_y = gy;
					m->state = MOB_WANDER;
				}
			}
		}
		return;
	default:
		break;
	}
	if (m->state == MOB_RETURN) {
		if (world_distance(m->x, m->y, m->home_x, m->home_y) <=
		    AI_HOME_NEAR) {
			m->state = MOB_IDLE;
			m->hp = sp->hp;		/* home heals */
		} else
			ai_go(w, m, m->home_x, m->home_y, idx);
		return;
	}
	/* MOB_CHASE or MOB_ATTACK */
	p = world_player_find(w, m->target);
	if (p == NULL || p->respawn_at != 0 ||
	    world_distance(m->x, m->y, m->home_x, m->home_y) > sp->leash) {
		ai_give_up(w, m);
		return;
	}
	d = world_distance(m->x, m->y, p->x, p->y);
	if (d <= sp->attack_range + WORLD_PLAYER_RADIUS) {
		m->state = MOB_ATTACK;
		if (w->tick >= m->next_attack) {
			m->next_attack = w->tick + world_ticks(w,
			    sp->attack_ms);
			combat_mob_hits(w, m, p);
			if (p->respawn_at != 0)
				ai_give_up(w, m);
		}
		return;
	}
	m->state = MOB_CHASE;
	ai_go(w, m, p->x, p->y, idx);
}

/*
 * Bodies do not overlap: a mob pressed against another mob or a player is
 * pushed out by half the overlap (the other half is its neighbour's turn),
 * never into a wall. Candidates come from the index built this step.
 */
static void
ai_separate(struct world *w, struct world_mob *m, size_t idx)
{
	float		 min = 2 * WORLD_PLAYER_RADIUS, ox, oy, d, push;
	size_t		 n, i;
	uint32_t	 j;

	n = grid_query(w->grid, m->x, m->y, min + 8, w->near, w->near_cap);
	if (n > w->near_cap)
		n = w->near_cap;
	for (i = 0; i < n; i++) {
		j = w->near[i];
		if (j == idx)
			continue;
		if (j < w->nmobs) {
			if (w->mobs[j].state == MOB_DEAD)
				continue;
			ox = w->mobs[j].x;
			oy = w->mobs[j].y;
		} else {
			if (w->players[j - w->nmobs].respawn_at != 0)
				continue;
			ox = w->players[j - w->nmobs].x;
			oy = w->players[j - w->nmobs].y;
		}
		d = world_distance(m->x, m->y, ox, oy);
		if (d >= min)
			continue;
		push = (j < w->nmobs ? (min - d) / 2 : min - d);
		if (d < 1e-3f)		/* on top of each other: by index */
			move_body(w, &m->x, &m->y, j < idx ? push : -push, 0);
		else
			move_body(w, &m->x, &m->y, (m->x - ox) / d * push,
			    (m->y - oy) / d * push);
	}
}

/*
 * The spatial index from the current positions (mobs 0..nmobs-1, then
 * players), so looks and attacks cost what is near, not what is in the
 * area. Built from state alone, it needs no place in a snapshot.
 */
void
ai_index(struct world *w)
{
	size_t	i;

	grid_clear(w->grid);
	for (i = 0; i < w->nmobs; i++) {
		if (w->mobs[i].state != MOB_DEAD)
			grid_insert(w->grid, (uint32_t)i, w->mobs[i].x,
			    w->mobs[i].y);
	}
	for (i = 0; i < w->nplayers; i++)
		grid_insert(w->grid, (uint32_t)(w->nmobs + i),
		    w->players[i].x, w->players[i].y);
}

/* Every mob's step, against an index of where everyone is now. */
void
ai_step(struct world *w)
{
	size_t	i;

	ai_index(w);
	for (i = 0; i < w->nmobs; i++)
		ai_mob_step(w, &w->mobs[i], i);
	for (i = 0; i < w->nmobs; i++) {
		if (w->mobs[i].state != MOB_DEAD)
			ai_separate(w, &w->mobs[i], i);
	}
}
