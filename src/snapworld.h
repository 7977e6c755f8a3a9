/*
 * The world's section of a snapshot (tag "WRLD"): tick, tick rate, speed,
 * RNG, ids, the quest definitions, every player and every mob, and a
 * fingerprint of the area they live in. Pure: bytes <-> struct world.
 * The layout is in snapworld.c; its version is the container's
 * SNAP_FORMAT (snapfmt.h).
 */
#ifndef SNAPWORLD_H
#define SNAPWORLD_H

#include <stdint.h>

struct area;
struct snapr;
struct snapw;
struct world;
struct world_player;

#define SNAPWORLD_TAG		"WRLD"
#define SNAPWORLD_PLAYERS_MAX	1000000
#define SNAPWORLD_QUESTS_MAX	65536
#define SNAPWORLD_AREA_NAME_MAX	4096

void		 snapworld_write(struct snapw *, const struct world *);
int		 snapworld_read(struct snapr *, struct world *, char **);
uint64_t	 snapworld_area_hash(const struct area *);
/* One player, as in "WRLD" (a hand-over keeps one out of the world). */
void		 snapworld_write_player(struct snapw *,
		     const struct world_player *);
const char	*snapworld_read_player(struct snapr *, const struct area *,
		     struct world_player *);

#endif
