/* The static map: solid tiles, spawn points and exits. Pure. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "xmalloc.h"

/*
 * Caller frees with area_free. All tiles start walkable; players walk at
 * the default speed.
 */
struct area *
area_new(const char *name, int cols, int rows, int tile_w, int tile_h)
{
	struct area	*a;

	a = xcalloc(1, sizeof *a);
	a->name = xstrdup(name);
	a->cols = cols;
	a->rows = rows;
	a->tile_w = tile_w;
	a->tile_h = tile_h;
	a->solid = xcalloc((size_t)cols * (size_t)rows, 1);
	a->player_speed = AREA_PLAYER_SPEED_DEFAULT;
	return (a);
}

void
area_free(struct area *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nexits; i++)
		free(a->exits[i].to_area);
	free(a->exits);
	for (i = 0; i < a->nspawners; i++) {
		free(a->spawners[i].kind);
		free(a->spawners[i].loot);
	}
	free(a->spawners);
	for (i = 0; i < a->nnpcs; i++) {
		free(a->npcs[i].id);
		free(a->npcs[i].name);
	}
	free(a->npcs);
	free(a->spawns);
	free(a->solid);
	free(a->name);
	free(a);
}

void
area_add_spawn(struct area *a, float x, float y)
{
	a->spawns = xreallocarray(a->spawns, a->nspawns + 1,
	    sizeof *a->spawns);
	a->spawns[a->nspawns].x = x;
	a->spawns[a->nspawns].y = y;
	a->nspawns++;
}

/* Returns a zeroed exit owned by the area; the caller fills it in. */
struct area_exit *
area_add_exit(struct area *a)
{
	struct area_exit	*e;

	a->exits = xreallocarray(a->exits, a->nexits + 1, sizeof *a->exits);
	e = &a->exits[a->nexits++];
	memset(e, 0, sizeof *e);
	return (e);
}

/*
 * Returns a spawner owned by the area, zeroed but for wander and rest (at
 * their defaults); the caller fills it in.
 */
struct area_spawner *
area_add_spawner(struct area *a)
{
	struct area_spawner	*sp;

	a->spawners = xreallocarray(a->spawners, a->nspawners + 1,
	    sizeof *a->spawners);
	sp = &a->spawners[a->nspawners++];
	memset(sp, 0, sizeof *sp);
	sp->wander = AREA_WANDER_DEFAULT;
	sp->rest = AREA_REST_DEFAULT;
	return (sp);
}

/* Returns a zeroed NPC owned by the area; the caller fills it in. */
struct area_npc *
area_add_npc(struct area *a)
{
	struct area_npc	*n;

	a->npcs = xreallocarray(a->npcs, a->nnpcs + 1, sizeof *a->npcs);
	n = &a->npcs[a->nnpcs++];
	memset(n, 0, sizeof *n);
	return (n);
}

/* Tiles outside the map count as solid. */
int
area_solid_tile(const struct area *a, int col, int row)
{
	if (col < 0 || row < 0 || col >= a->cols || row >= a->rows)
		return (1);
	return (a->solid[(size_t)row * (size_t)a->cols + (size_t)col] != 0);
}

int
area_solid_at(const struct area *a, float x, float y)
{
	return (area_solid_tile(a, (int)floorf(x / (float)a->tile_w),
	    (int)floorf(y / (float)a->tile_h)));
}

float
area_width(const struct area *a)
{
	return ((float)a->cols * (float)a->tile_w);
}

float
area_height(const struct area *a)
{
	return ((float)a->rows * (float)a->tile_h);
}
