/*
 * An area: the static map one zoned instance runs. Built by areaload.c
 * (which parses Tiled JSON) and handed to the simulation ready to use.
 * World units are the map's pixels: a tile is tile_w x tile_h units.
 */
#ifndef SIM_AREA_H
#define SIM_AREA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Defaults of what a map may leave unsaid (zoned-area(5)), set by area_new
 * and area_add_spawner. The player speed is WORLD_PLAYER_SPEED.
 */
#define AREA_PLAYER_SPEED_DEFAULT 120.0f	/* units per second */
#define AREA_WANDER_DEFAULT	96.0f		/* units from home */
#define AREA_REST_DEFAULT	0.5f		/* chance to stay put */

enum area_exit_kind {
	AREA_EXIT_EDGE,		/* walking off one side of the map */
	AREA_EXIT_DOOR		/* stepping into a rectangle */
};

enum area_edge {
	AREA_EDGE_NONE,
	AREA_EDGE_NORTH,
	AREA_EDGE_EAST,
	AREA_EDGE_SOUTH,
	AREA_EDGE_WEST
};

struct area_exit {
	enum area_exit_kind	 kind;
	enum area_edge		 edge;		/* AREA_EXIT_EDGE only */
	float			 x, y, w, h;	/* AREA_EXIT_DOOR only */
	char			*to_area;
	int			 has_arrival;
	float			 to_x, to_y;	/* arrival point, if has_arrival */
};

struct area_spawn {
	float			 x, y;
};

/*
 * A mob spawner: keeps count mobs of one kind alive in its rectangle (a
 * point when w = h = 0), each respawning respawn_ms after it died. The
 * kind's numbers travel with the spawner. area_add_spawner sets wander
 * and rest to their defaults.
 */
struct area_spawner {
	char			*kind;		/* e.g. "slime" */
	float			 x, y, w, h;
	unsigned		 count;
	unsigned		 respawn_ms;
	int			 hp;
	int			 damage;		/* per hit */
	float			 speed;		/* units per second */
	float			 sight;		/* notices players this close */
	float			 leash;		/* gives up this far from home */
	float			 attack_range;
	unsigned		 attack_ms;	/* between two hits */
	unsigned		 xp;		/* granted to the killer */
	char			*loot;		/* item id dropped, or NULL */
	float			 loot_chance;	/* 0 to 1 */
	float			 wander;	/* strolls this far from home */
	float			 rest;		/* 0 to 1: chance to stay put */
};

/* A non-player character standing at its place; quests name it as giver. */
struct area_npc {
	char			*id;		/* the Tiled object's name */
	char			*name;		/* shown to players */
	float			 x, y;
};

struct area {
	char			*name;
	int			 cols, rows;	/* in tiles */
	int			 tile_w, tile_h; /* world units per tile */
	uint8_t			*solid;		/* cols * rows, 1 = blocked */
	struct area_spawn	*spawns;	/* player spawn points, >= 1 */
	size_t			 nspawns;
	struct area_exit	*exits;
	size_t			 nexits;
	struct area_spawner	*spawners;
	size_t			 nspawners;
	struct area_npc		*npcs;
	size_t			 nnpcs;
	float			 player_speed;	/* units per second */
};

struct area	*area_new(const char *, int, int, int, int);
void		 area_free(struct area *);
void		 area_add_spawn(struct area *, float, float);
struct area_exit *area_add_exit(struct area *);
struct area_spawner *area_add_spawner(struct area *);
struct area_npc	*area_add_npc(struct area *);
int		 area_solid_tile(const struct area *, int, int);
int		 area_solid_at(const struct area *, float, float);
float		 area_width(const struct area *);
float		 area_height(const struct area *);

#endif
