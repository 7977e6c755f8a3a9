/*
 * The world: its players, mobs and quests, and the fixed step that moves
 * them all. Pure and deterministic (see world.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/grid.h"
#include "sim/internal.h"
#include "sim/path.h"
#include "sim/world.h"
#include "utf8.h"
#include "xmalloc.h"

#define WORLD_GRID_CELL	128.0f	/* units per side of a spatial cell */

static const char *mob_state_names[] = { "idle", "wander", "chase",
    "attack", "return", "dead" };

const char *
world_mob_state_name(enum mob_state s)
{
	return (mob_state_names[s]);
}

/* A map without player_speed is walked at the old fixed speed. */
_Static_assert((int)WORLD_PLAYER_SPEED == (int)AREA_PLAYER_SPEED_DEFAULT,
    "WORLD_PLAYER_SPEED is the default of an area's player_speed");

/*
 * Caller frees with world_free. The area must outlive the world. Players
 * walk at the area's player_speed.
 */
struct world *
world_new(const struct area *area, unsigned tick_hz, uint64_t seed)
{
	struct world	*w;

	w = xcalloc(1, sizeof *w);
	w->area = area;
	w->tick_hz = tick_hz;
	w->speed = area->player_speed;
	w->next_id = 1;
	rng_seed(&w->rng, seed);
	w->events = xcalloc(WORLD_EVENTS_MAX, sizeof *w->events);
	w->pathfinder = pathfinder_new(area);
	ai_init(w);
	w->grid = grid_new(area_width(area), area_height(area),
	    WORLD_GRID_CELL, w->nmobs + 16);
	w->near_cap = w->nmobs + 16;
	w->near = xcalloc(w->near_cap, sizeof *w->near);
	return (w);
}

void
world_free(struct world *w)
{
	if (w == NULL)
		return;
	free(w->players);
	free(w->mobs);
	free(w->quests);
	free(w->events);
	free(w->near);
	grid_free(w->grid);
	pathfinder_free(w->pathfinder);
	free(w);
}

/* Milliseconds as a number of steps (at least one). */
uint64_t
world_ticks(const struct world *w, unsigned ms)
{
	uint64_t	t = ((uint64_t)ms * w->tick_hz + 999) / 1000;

	return (t == 0 ? 1 : t);
}

float
world_distance(float x0, float y0, float x1, float y1)
{
	return (hypotf(x1 - x0, y1 - y0));
}

/* Reports something that happened during this step (bounded). */
void
world_emit(struct world *w, int kind, uint32_t a, uint32_t b, int64_t value,
    const char *text)
{
	struct world_event	*e;

	if (w->nevents == WORLD_EVENTS_MAX) {
		w->events_dropped++;
		return;
	}
	e = &w->events[w->nevents++];
	e->kind = (uint8_t)kind;
	e->a = a;
	e->b = b;
	e->value = value;
	if (text != NULL) {
		size_t len = utf8_prefix_len(text, sizeof e->text - 1);

		memcpy(e->text, text, len);
		e->text[len] = '\0';
	} else
		e->text[0] = '\0';
}

/* Copies a name, cut at a UTF-8 character boundary if it is too long. */
static void
world_copy_name(char dst[WORLD_NAME_MAX], const char *src)
{
	size_t	len = utf8_prefix_len(src, WORLD_NAME_MAX - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Adds a player at (x, y), or the nearest free spot, with the numbers of a
 * fresh level-1 character (the caller overwrites what it knows). NULL if
 * there is no room.
 */
/* Room for one more player (and its place in the spatial index). */
static void
world_player_room(struct world *w)
{
	if (w->nplayers < w->cap)
		return;
	w->cap = w->cap == 0 ? 16 : w->cap * 2;
	w->players = xreallocarray(w->players, w->cap, sizeof *w->players);
	grid_reserve(w->grid, w->nmobs + w->cap + 16);
	w->near_cap = w->nmobs + w->cap + 16;
	w->near = xreallocarray(w->near, w->near_cap, sizeof *w->near);
}

/*
 * Puts back a player taken out with world_player_remove (a copy of it),
 * with its id and everything it had, where it stood. Returns -1 if that
 * id is in the world already.
 */
int
world_player_put(struct world *w, const struct world_player *src)
{
	size_t	i;

	if (world_player_find(w, src->id) != NULL || src->id == 0 ||
	    src->id >= w->next_id)
		return (-1);
	world_player_room(w);
	/* Kept sorted by id. */
	for (i = w->nplayers; i > 0 && w->players[i - 1].id > src->id; i--)
		;
	memmove(&w->players[i + 1], &w->players[i],
	    (w->nplayers - i) * sizeof *w->players);
	w->players[i] = *src;
	w->nplayers++;
	return (0);
}

/*
 * The player stops at once (an input that cannot wait for the next step:
 * a hand-over freezes the player where it crossed).
 */
void
world_player_stop(struct world *w, uint32_t id)
{
	struct world_player	*p;

	if ((p = world_player_find(w, id)) != NULL)
		p->dx = p->dy = 0;
}

struct world_player *
world_player_add(struct world *w, const char *name, float x, float y)
{
	struct world_player	*p;

	if (world_find_free_spot(w, &x, &y) != 0)
		return (NULL);
	world_player_room(w);
	p = &w->players[w->nplayers++];
	memset(p, 0, sizeof *p);
	p->id = w->next_id++;
	world_copy_name(p->name, name);
	p->x = x;
	p->y = y;
	p->hp = p->max_hp = 20;
	p->level = 1;
	p->at_exit = -1;
	return (p);
}

void
world_player_remove(struct world *w, uint32_t id)
{
	struct world_player	*p;
	size_t			 i;

	if ((p = world_player_find(w, id)) == NULL)
		return;
	i = (size_t)(p - w->players);
	memmove(p, p + 1, (w->nplayers - i - 1) * sizeof *p);
	w->nplayers--;
}

/* Players are kept sorted by id (ids only grow), so search by halves. */
struct world_player *
world_player_find(struct world *w, uint32_t id)
{
	size_t	lo = 0, hi = w->nplayers, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->players[mid].id == id)
			return (&w->players[mid]);
		if (w->players[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}


struct world_mob *
world_mob_find(struct world *w, uint32_t id)
{
	if (id < WORLD_MOB_ID_BASE || id - WORLD_MOB_ID_BASE >= w->nmobs)
		return (NULL);
	return (&w->mobs[id - WORLD_MOB_ID_BASE]);
}

/* Copies the quests given out in the area (from the Quest Data API). */
void
world_set_quests(struct world *w, const struct world_quest *q, size_t n)
{
	free(w->quests);
	w->quests = NULL;
	w->nquests = n;
	if (n == 0)
		return;
	w->quests = xcalloc(n, sizeof *w->quests);
	memcpy(w->quests, q, n * sizeof *q);
}

int
world_quest_index(const struct world *w, const char *id)
{
	size_t	i;

	for (i = 0; i < w->nquests; i++) {
		if (strcmp(w->quests[i].id, id) == 0)
			return ((int)i);
	}
	return (-1);
}

int
world_npc_index(const struct world *w, const char *id)
{
	size_t	i;

	for (i = 0; i < w->area->nnpcs; i++) {
		if (strcmp(w->area->npcs[i].id, id) == 0)
			return ((int)i);
	}
	return (-1);
}

/* Adds count of an item. Returns -1 (nothing added) if no slot is free. */
int
world_give_item(struct world_player *p, const char *id, uint32_t count)
{
	unsigned	i;
	size_t		len;

	for (i = 0; i < p->nitems; i++) {
		if (strcmp(p->items[i].id, id) == 0) {
			p->items[i].count += count;
			p->changes++;
			return (0);
		}
	}
	if (p->nitems == WORLD_INVENTORY_MAX)
		return (-1);
	len = utf8_prefix_len(id, WORLD_ITEM_MAX - 1);
	memcpy(p->items[p->nitems].id, id, len);
	p->items[p->nitems].id[len] = '\0';
	p->items[p->nitems].count = count;
	p->nitems++;
	p->changes++;
	return (0);
}

/* Total experience needed to go from level to level + 1. */
uint64_t
world_xp_for_level(uint32_t level)
{
	return ((uint64_t)level * level * 20);
}

/* Has the player reached an exit? Reported once per arrival. */
static void
world_check_exits(struct world *w, struct world_player *p)
{
	const struct area	*a = w->area;
	const struct area_exit	*e;
	float			 r = WORLD_PLAYER_RADIUS + 0.5f;
	int			 found = -1;
	size_t			 i;

	for (i = 0; i < a->nexits && found < 0; i++) {
		e = &a->exits[i];
		if (e->kind == AREA_EXIT_DOOR) {
			if (p->x >= e->x && p->x <= e->x + e->w &&
			    p->y >= e->y && p->y <= e->y + e->h)
				found = (int)i;
			continue;
		}
		if ((e->edge == AREA_EDGE_WEST && p->x <= r && p->dx < 0) ||
		    (e->edge == AREA_EDGE_EAST &&
		    p->x >= area_width(a) - r && p->dx > 0) ||
		    (e->edge == AREA_EDGE_NORTH && p->y <= r && p->dy < 0) ||
		    (e->edge == AREA_EDGE_SOUTH &&
		    p->y >= area_height(a) - r && p->dy > 0))
			found = (int)i;
	}
	if (found >= 0 && p->at_exit != found)
		world_emit(w, EVENT_EXIT, p->id, 0, found,
		    a->exits[found].to_area);
	p->at_exit = found;
}

static void
world_apply_input(struct world *w, const struct world_input *in)
{
	struct world_player	*p;
	float			 len;

	if ((p = world_player_find(w, in->player)) == NULL)
		return;
	p->last_seq = in->seq;
	if (p->respawn_at != 0)
		return;		/* the dead do nothing */
	switch (in->kind) {
	case INPUT_MOVE:
		/* hypotf does not overflow for large finite components. */
		len = hypotf(in->dx, in->dy);
		if (len < 1e-6f || !isfinite(len)) {
			p->dx = 0;
			p->dy = 0;
		} else {
			p->dx = in->dx / len;
			p->dy = in->dy / len;
		}
		break;
	case INPUT_ATTACK:
		combat_player_attack(w, p);
		break;
	case INPUT_TALK:
		quest_talk(w, p, in->arg);
		break;
	case INPUT_ACCEPT:
		quest_accept(w, p, in->arg);
		break;
	}
}

/*
 * One fixed step: apply the inputs in order, move the players, let the
 * mobs think and act, bring back the dead. What happened is in
 * w->events until the next step.
 */
void
world_step(struct world *w, const struct world_input *in, size_t n)
{
	struct world_player	*p;
	float			 dist;
	size_t			 i;

	w->nevents = 0;
	ai_index(w);	/* attacks look at where mobs are now */
	for (i = 0; i < n; i++)
		world_apply_input(w, &in[i]);
	dist = w->speed / (float)w->tick_hz;
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		if (p->respawn_at != 0)
			continue;
		if (p->dx != 0 || p->dy != 0)
			move_body(w, &p->x, &p->y, p->dx * dist, p->dy * dist);
		world_check_exits(w, p);
	}
	ai_step(w);
	combat_respawn_players(w);
	w->tick++;
}

/* FNV-1a over the bytes of a value. */
static uint64_t
hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

#define HASH(h, v)	hash_bytes((h), &(v), sizeof (v))

/*
 * A digest of the whole world state, field by field (never padding), for
 * determinism tests and to compare snapshots.
 */
uint64_t
world_hash(const struct world *w)
{
	const struct world_player	*p;
	const struct world_mob		*m;
	uint64_t			 h = 14695981039346656037ULL;
	size_t				 i, j;

	h = HASH(h, w->tick);
	h = HASH(h, w->rng.s[0]);
	h = HASH(h, w->rng.s[1]);
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		h = HASH(h, p->id);
		h = HASH(h, p->x);
		h = HASH(h, p->y);
		h = HASH(h, p->dx);
		h = HASH(h, p->dy);
		h = HASH(h, p->last_seq);
		h = HASH(h, p->hp);
		h = HASH(h, p->max_hp);
		h = HASH(h, p->level);
		h = HASH(h, p->xp);
		h = HASH(h, p->next_attack);
		h = HASH(h, p->respawn_at);
		for (j = 0; j < p->nitems; j++) {
			h = hash_bytes(h, p->items[j].id,
			    strlen(p->items[j].id));
			h = HASH(h, p->items[j].count);
		}
		for (j = 0; j < p->nquests; j++) {
			h = hash_bytes(h, p->quests[j].id,
			    strlen(p->quests[j].id));
			h = hash_bytes(h, p->quests[j].progress,
			    sizeof p->quests[j].progress);
			h = HASH(h, p->quests[j].done);
		}
	}
	for (i = 0; i < w->nmobs; i++) {
		m = &w->mobs[i];
		h = HASH(h, m->state);
		h = HASH(h, m->x);
		h = HASH(h, m->y);
		h = HASH(h, m->hp);
		h = HASH(h, m->target);
		h = HASH(h, m->next_attack);
		h = HASH(h, m->next_think);
		h = HASH(h, m->respawn_at);
	}
	return (h);
}
