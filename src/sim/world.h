/*
 * The world of one area: players that move by their inputs, mobs that
 * wander, chase along A* paths, fight and respawn, NPCs that give quests,
 * combat, experience, loot and quest progress. Pure and deterministic: it
 * takes tick numbers and inputs, never a clock, a socket or a file; its
 * random numbers come from a seeded generator stored in the world.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/rng.h"

struct area;
struct grid;
struct pathfinder;

#define WORLD_NAME_MAX		64	/* bytes, with the NUL */
#define WORLD_ITEM_MAX		32	/* bytes of an item id, with the NUL */
#define WORLD_INVENTORY_MAX	32	/* item slots per player */
#define WORLD_QUEST_ID_MAX	64
#define WORLD_QUEST_OBJECTIVES	4
#define WORLD_QUEST_REWARDS	4
#define WORLD_PLAYER_QUESTS	16	/* quests in progress per player */
#define WORLD_PATH_MAX		32	/* waypoints a mob remembers */
#define WORLD_EVENTS_MAX	4096	/* events one step can report */

#define WORLD_PLAYER_SPEED	120.0f	/* units/s: player_speed default */
#define WORLD_PLAYER_RADIUS	10.0f	/* half the side of a body's box */
#define WORLD_PLAYER_RANGE	40.0f	/* reach of a player's attack */
#define WORLD_PLAYER_ATTACK_MS	500
#define WORLD_PLAYER_RESPAWN_MS	3000
#define WORLD_TALK_RANGE	64.0f

/* Mob AI states. */
enum mob_state {
	MOB_IDLE,	/* at home, looking around */
	MOB_WANDER,	/* strolling near home */
	MOB_CHASE,	/* following a player it saw */
	MOB_ATTACK,	/* in range of its target, hitting */
	MOB_RETURN,	/* led too far or lost the target: going home */
	MOB_DEAD	/* waiting to respawn */
};

enum quest_objective_kind {
	QUEST_KILL,
	QUEST_COLLECT,
	QUEST_TALK
};

struct world_item {
	char		 id[WORLD_ITEM_MAX];
	uint32_t	 count;
};

/* A quest as the Quest Data API describes it (parsed by an adapter). */
struct world_quest {
	char			 id[WORLD_QUEST_ID_MAX];
	char			 giver[WORLD_NAME_MAX];
	unsigned		 nobjectives;
	struct {
		enum quest_objective_kind kind;
		char		 target[WORLD_NAME_MAX];
		uint32_t	 count;
	}			 objectives[WORLD_QUEST_OBJECTIVES];
	uint32_t		 reward_xp;
	unsigned		 nrewards;
	struct world_item	 rewards[WORLD_QUEST_REWARDS];
};

struct world_player_quest {
	char		 id[WORLD_QUEST_ID_MAX];
	uint32_t	 progress[WORLD_QUEST_OBJECTIVES];
	uint8_t		 done;
};

struct world_player {
	uint32_t		 id;
	char			 name[WORLD_NAME_MAX];
	float			 x, y;		/* centre, in world units */
	float			 dx, dy;	/* held direction, length 0 or 1 */
	uint64_t		 last_seq;	/* last input applied */
	int32_t			 hp, max_hp;
	uint32_t		 level;
	uint64_t		 xp;
	uint64_t		 next_attack;	/* tick */
	uint64_t		 respawn_at;	/* tick; 0 while alive */
	int			 at_exit;	/* index of the exit reached, -1 */
	uint32_t		 changes;	/* bumped on progress worth saving */
	unsigned		 nitems;
	struct world_item	 items[WORLD_INVENTORY_MAX];
	unsigned		 nquests;
	struct world_player_quest quests[WORLD_PLAYER_QUESTS];
};

struct world_mob {
	uint32_t		 id;
	uint16_t		 spawner;	/* index in area->spawners */
	uint8_t			 state;		/* enum mob_state */
	float			 x, y;
	float			 home_x, home_y;
	float			 goal_x, goal_y; /* wander goal */
	int32_t			 hp;
	uint32_t		 target;	/* player id, 0 if none */
	uint64_t		 next_attack;
	uint64_t		 next_think;
	uint64_t		 respawn_at;
	uint8_t			 path_len, path_pos;
	int16_t			 path_c[WORLD_PATH_MAX];
	int16_t			 path_r[WORLD_PATH_MAX];
};

enum world_input_kind {
	INPUT_MOVE,		/* hold direction (dx, dy) */
	INPUT_ATTACK,		/* hit the nearest living mob in reach */
	INPUT_TALK,		/* talk to NPC arg (index in area->npcs) */
	INPUT_ACCEPT		/* take quest arg (index in world quests) */
};

/* One client input, applied in order at the next step. */
struct world_input {
	uint32_t		 player;
	uint64_t		 seq;
	uint8_t			 kind;		/* enum world_input_kind */
	float			 dx, dy;	/* INPUT_MOVE; any length */
	int32_t			 arg;
};

enum world_event_kind {
	EVENT_HIT,		/* a hit b for value (a, b: entity ids) */
	EVENT_MOB_KILLED,	/* player a killed mob b, value xp */
	EVENT_PLAYER_DIED,	/* player a killed by mob b */
	EVENT_PLAYER_RESPAWNED,	/* player a */
	EVENT_LEVEL_UP,		/* player a reached level value */
	EVENT_LOOT,		/* player a got item text */
	EVENT_QUEST_ACCEPTED,	/* player a, quest text */
	EVENT_QUEST_PROGRESS,	/* player a, quest text, objective b, value */
	EVENT_QUEST_DONE,	/* player a, quest text */
	EVENT_TALK,		/* player a talked to NPC text */
	EVENT_EXIT		/* player a reached exit value */
};

struct world_event {
	uint8_t			 kind;
	uint32_t		 a, b;
	int64_t			 value;
	char			 text[WORLD_QUEST_ID_MAX];
};

/* Mob ids live above player ids so one number names any entity. */
#define WORLD_MOB_ID_BASE	0x40000000u

struct world {
	const struct area	*area;
	uint64_t		 tick;
	unsigned		 tick_hz;
	float			 speed;
	struct rng		 rng;
	struct world_player	*players;	/* sorted by id */
	size_t			 nplayers;
	size_t			 cap;
	uint32_t		 next_id;
	struct world_mob	*mobs;		/* fixed at creation */
	size_t			 nmobs;
	struct world_quest	*quests;
	size_t			 nquests;
	/* Scratch, reused every step: no allocation while stepping. */
	struct grid		*grid;
	struct pathfinder	*pathfinder;
	uint32_t		*near;
	size_t			 near_cap;
	struct world_event	*events;
	size_t			 nevents;
	uint64_t		 events_dropped;
};

struct world	*world_new(const struct area *, unsigned, uint64_t);
void		 world_free(struct world *);
struct world_player *world_player_add(struct world *, const char *, float,
		     float);
void		 world_player_remove(struct world *, uint32_t);
int		 world_player_put(struct world *, const struct world_player *);
void		 world_player_stop(struct world *, uint32_t);
struct world_player *world_player_find(struct world *, uint32_t);
struct world_mob *world_mob_find(struct world *, uint32_t);
void		 world_step(struct world *, const struct world_input *,
		     size_t);
int		 world_body_fits(const struct world *, float, float);
int		 world_find_free_spot(const struct world *, float *, float *);
void		 world_set_quests(struct world *, const struct world_quest *,
		     size_t);
int		 world_quest_index(const struct world *, const char *);
int		 world_npc_index(const struct world *, const char *);
int		 world_give_item(struct world_player *, const char *, uint32_t);
uint64_t	 world_xp_for_level(uint32_t);
uint64_t	 world_hash(const struct world *);
const char	*world_mob_state_name(enum mob_state);

#endif
