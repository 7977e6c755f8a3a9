/*
 * The world of one area: players that move by their inputs and collide
 * with the map. Pure and deterministic: it takes tick numbers and inputs,
 * never a clock, a socket or a file.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

struct area;

#define WORLD_NAME_MAX		64	/* bytes, with the NUL */
#define WORLD_PLAYER_SPEED	120.0f	/* units per second */
#define WORLD_PLAYER_RADIUS	10.0f	/* half the side of a body's box */

struct world_player {
	uint32_t	 id;
	char		 name[WORLD_NAME_MAX];
	float		 x, y;		/* centre, in world units */
	float		 dx, dy;	/* held direction, length 0 or 1 */
	uint64_t	 last_seq;	/* last input applied */
};

/* One client input: the direction it holds from now on. */
struct world_input {
	uint32_t	 player;
	uint64_t	 seq;
	float		 dx, dy;	/* any length; normalised when applied */
};

struct world {
	const struct area	*area;
	uint64_t		 tick;
	unsigned		 tick_hz;
	float			 speed;
	struct world_player	*players;	/* sorted by id */
	size_t			 nplayers;
	size_t			 cap;
	uint32_t		 next_id;
};

struct world	*world_new(const struct area *, unsigned);
void		 world_free(struct world *);
struct world_player *world_player_add(struct world *, const char *, float,
		     float);
void		 world_player_remove(struct world *, uint32_t);
struct world_player *world_player_find(struct world *, uint32_t);
void		 world_step(struct world *, const struct world_input *,
		     size_t);
int		 world_body_fits(const struct world *, float, float);
int		 world_find_free_spot(const struct world *, float *, float *);

#endif
