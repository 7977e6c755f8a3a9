/*
 * What the files of the simulation share among themselves (not part of the
 * world's API): movement, events, combat and quest bookkeeping.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <stdint.h>

struct world;
struct world_mob;
struct world_player;
struct area_spawner;

/* move.c */
int	move_body(const struct world *, float *, float *, float, float);

/* world.c */
void	world_emit(struct world *, int, uint32_t, uint32_t, int64_t,
	    const char *);
uint64_t world_ticks(const struct world *, unsigned);
float	world_distance(float, float, float, float);

/* ai.c */
void	ai_init(struct world *);
void	ai_index(struct world *);
void	ai_step(struct world *);
void	ai_mob_hurt(struct world *, struct world_mob *, uint32_t);

/* combat.c */
void	combat_player_attack(struct world *, struct world_player *);
void	combat_mob_hits(struct world *, struct world_mob *,
	    struct world_player *);
void	combat_mob_killed(struct world *, struct world_mob *,
	    struct world_player *);
void	combat_respawn_players(struct world *);
void	combat_gain_xp(struct world *, struct world_player *, uint64_t);

/* quest.c */
void	quest_accept(struct world *, struct world_player *, int);
void	quest_talk(struct world *, struct world_player *, int);
void	quest_on_kill(struct world *, struct world_player *, const char *);
void	quest_on_item(struct world *, struct world_player *);

#endif
