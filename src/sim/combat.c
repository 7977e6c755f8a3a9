/*
 * Combat: players hit the nearest mob in reach, mobs hit their target;
 * death, respawn, experience, levels and loot. Pure.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/area.h"
#include "sim/grid.h"
#include "sim/internal.h"
#include "sim/world.h"

/* Experience, and as many level-ups as it pays for. */
void
combat_gain_xp(struct world *w, struct world_player *p, uint64_t xp)
{
	p->xp += xp;
	p->changes++;
	while (p->xp >= world_xp_for_level(p->level)) {
		p->level++;
		p->max_hp += 5;
		p->hp = p->max_hp;
		world_emit(w, EVENT_LEVEL_UP, p->id, 0, p->level, NULL);
	}
}

/*
 * The player's attack: the nearest living mob within reach (ties go to the
 * lower id), if the weapon is ready. Uses the spatial index of the last
 * step, so the cost does not grow with the number of mobs.
 */
void
combat_player_attack(struct world *w, struct world_player *p)
{
	struct world_mob	*m, *best = NULL;
	float			 d, bestd = 0;
	size_t			 n, i;

	if (w->tick < p->next_attack)
		return;
	n = grid_query(w->grid, p->x, p->y, WORLD_PLAYER_RANGE +
	    WORLD_PLAYER_RADIUS, w->near, w->near_cap);
	for (i = 0; i < n; i++) {
		if (w->near[i] >= w->nmobs)
			continue;	/* a player */
		m = &w->mobs[w->near[i]];
		if (m->state == MOB_DEAD)
			continue;
		d = world_distance(p->x, p->y, m->x, m->y);
		if (best == NULL || d < bestd || (d == bestd && m->id <
		    best->id)) {
			best = m;
			bestd = d;
		}
	}
	p->next_attack = w->tick + world_ticks(w, WORLD_PLAYER_ATTACK_MS);
	if (best == NULL || bestd > WORLD_PLAYER_RANGE + WORLD_PLAYER_RADIUS)
		return;
	m = best;
	m->hp -= 3 + 2 * (int32_t)p->level;
	world_emit(w, EVENT_HIT, p->id, m->id, 3 + 2 * (int64_t)p->level,
	    NULL);
	if (m->hp <= 0)
		combat_mob_killed(w, m, p);
	else
		ai_mob_hurt(w, m, p->id);
}

void
combat_mob_killed(struct world *w, struct world_mob *m,
    struct world_player *p)
{
	const struct area_spawner	*sp = &w->area->spawners[m->spawner];

	m->state = MOB_DEAD;
	m->hp = 0;
	m->target = 0;
	m->path_len = m->path_pos = 0;
	m->respawn_at = w->tick + world_ticks(w, sp->respawn_ms);
	world_emit(w, EVENT_MOB_KILLED, p->id, m->id, sp->xp, sp->kind);
	combat_gain_xp(w, p, sp->xp);
	if (sp->loot != NULL && rng_unit(&w->rng) < sp->loot_chance &&
	    world_give_item(p, sp->loot, 1) == 0) {
		world_emit(w, EVENT_LOOT, p->id, m->id, 1, sp->loot);
		quest_on_item(w, p);
	}
	quest_on_kill(w, p, sp->kind);
}

void
combat_mob_hits(struct world *w, struct world_mob *m, struct world_player *p)
{
	const struct area_spawner	*sp = &w->area->spawners[m->spawner];

	p->hp -= sp->damage;
	p->changes++;
	world_emit(w, EVENT_HIT, m->id, p->id, sp->damage, sp->kind);
	if (p->hp > 0)
		return;
	p->hp = 0;
	p->dx = p->dy = 0;
	p->respawn_at = w->tick + world_ticks(w, WORLD_PLAYER_RESPAWN_MS);
	world_emit(w, EVENT_PLAYER_DIED, p->id, m->id, 0, sp->kind);
}

/* The dead come back at the area's first spawn point, healed. */
void
combat_respawn_players(struct world *w)
{
	struct world_player	*p;
	float			 x, y;
	size_t			 i;

	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		if (p->respawn_at == 0 || w->tick < p->respawn_at)
			continue;
		x = w->area->spawns[0].x;
		y = w->area->spawns[0].y;
		if (world_find_free_spot(w, &x, &y) == 0) {
			p->x = x;
			p->y = y;
		}
		p->hp = p->max_hp;
		p->respawn_at = 0;
		p->changes++;
		world_emit(w, EVENT_PLAYER_RESPAWNED, p->id, 0, 0, NULL);
	}
}
