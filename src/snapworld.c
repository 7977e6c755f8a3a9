/*
 * The world's section of a snapshot. Pure; never aborts on input.
 *
 * "WRLD" payload, format 1 (types as in snapfmt.h; str<N> is a string of
 * at most N - 1 bytes):
 *
 *	str	area name			str<SNAPWORLD_AREA_NAME_MAX + 1>
 *	u64	area fingerprint		snapworld_area_hash()
 *	u64	tick
 *	u32	tick_hz				1 to 1000
 *	f32	speed				player units per second
 *	u64	rng s[0], u64 rng s[1]		not both 0
 *	u32	next_id				1 to WORLD_MOB_ID_BASE
 *	u64	events_dropped
 *	u32	nquests, then each quest:
 *		str<64> id, str<64> giver, u8 nobjectives (<= 4), each:
 *		    u8 kind (enum quest_objective_kind), str<64> target,
 *		    u32 count
 *		u32 reward_xp (< 1e8), u8 nrewards (<= 4), each:
 *		    str<32> item id, u32 count
 *	u32	nplayers, then each player, by ascending id:
 *		u32 id (0 < id < next_id), str<64> name, f32 x, y, dx, dy,
 *		u64 last_seq, i32 hp, i32 max_hp, u32 level, u64 xp,
 *		u64 next_attack, u64 respawn_at, i32 at_exit, u32 changes,
 *		u8 nitems (<= 32), each: str<32> id, u32 count,
 *		u8 nquests (<= 16), each: str<64> id, u32 progress[4], u8 done
 *	u32	nmobs (the area's count), then each mob, by index:
 *		u32 id, u16 spawner (both as the area makes them), u8 state,
 *		f32 x, y, home_x, home_y, goal_x, goal_y, i32 hp, u32 target,
 *		u64 next_attack, u64 next_think, u64 respawn_at,
 *		u8 path_len (<= 32), u8 path_pos (<= path_len),
 *		path_len times: i16 col, i16 row (inside the map)
 *
 * Nothing follows the mobs. The fingerprint is FNV-1a 64 over the
 * snapfmt encoding of cols, rows, tile_w, tile_h (i32 each), the solid
 * flags (cols * rows u8, 0 or 1) and the spawners (u32 count; each: u8
 * has kind, str kind, f32 x, y, w, h, u32 count, respawn_ms, i32 hp,
 * damage, f32 speed, sight, leash, attack_range, u32 attack_ms, xp, u8
 * has loot, str loot, f32 loot_chance). It is frozen: a later format
 * must compute it the same way for a format-1 snapshot.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/grid.h"
#include "sim/world.h"
#include "snapfmt.h"
#include "snapworld.h"
#include "xmalloc.h"

/* Smallest encodings, to bound counts by what the section can hold. */
#define QUEST_MIN_BYTES		14
#define PLAYER_MIN_BYTES	78
#define MOB_MIN_BYTES		65

/* The widest values a world can hold (session.c loads characters). */
#define PLAYER_HP_MAX		2000000000
#define PLAYER_LEVEL_MAX	1000000
#define PLAYER_XP_MAX		(1ULL << 53)
#define QUEST_REWARD_XP_MAX	100000000	/* exclusive, as questdef.c */
#define TICK_HZ_MAX		1000
#define SPEED_MAX		1e6f
#define DIRECTION_MAX		1.001f		/* a unit vector, rounded */

/* Everything parsed, kept apart until all of it is known to be good. */
struct snapworld_state {
	uint64_t		 tick;
	unsigned		 tick_hz;
	float			 speed;
	struct rng		 rng;
	uint32_t		 next_id;
	uint64_t		 events_dropped;
	struct world_quest	*quests;
	size_t			 nquests;
	struct world_player	*players;
	size_t			 nplayers;
	struct world_mob	*mobs;
	size_t			 nmobs;
};

/* Returns the reason a reader stopped, if it did. */
#define READ_OK(r) do {							\
	if (!snapr_ok(r))						\
		return (snapr_strerror(r));				\
} while (0)

static void
write_opt_str(struct snapw *s, const char *v)
{
	snapw_u8(s, v != NULL);
	snapw_str(s, v != NULL ? v : "");
}

/*
 * A fingerprint of what the world's state depends on in the area: the
 * map's size, solid tiles and spawners (see the top of this file).
 */
uint64_t
snapworld_area_hash(const struct area *a)
{
	const struct area_spawner	*sp;
	struct snapw			 s;
	uint64_t			 h;
	size_t				 i, n;

	snapw_init(&s);
	snapw_i32(&s, a->cols);
	snapw_i32(&s, a->rows);
	snapw_i32(&s, a->tile_w);
	snapw_i32(&s, a->tile_h);
	n = (size_t)a->cols * (size_t)a->rows;
	for (i = 0; i < n; i++)
		snapw_u8(&s, a->solid[i] != 0);
	snapw_u32(&s, (uint32_t)a->nspawners);
	for (i = 0; i < a->nspawners; i++) {
		sp = &a->spawners[i];
		write_opt_str(&s, sp->kind);
		snapw_f32(&s, sp->x);
		snapw_f32(&s, sp->y);
		snapw_f32(&s, sp->w);
		snapw_f32(&s, sp->h);
		snapw_u32(&s, sp->count);
		snapw_u32(&s, sp->respawn_ms);
		snapw_i32(&s, sp->hp);
		snapw_i32(&s, sp->damage);
		snapw_f32(&s, sp->speed);
		snapw_f32(&s, sp->sight);
		snapw_f32(&s, sp->leash);
		snapw_f32(&s, sp->attack_range);
		snapw_u32(&s, sp->attack_ms);
		snapw_u32(&s, sp->xp);
		write_opt_str(&s, sp->loot);
		snapw_f32(&s, sp->loot_chance);
	}
	/* Not the header: the fingerprint must not follow SNAP_FORMAT. */
	h = snap_fnv1a(s.buf + SNAP_HEADER_LEN, s.len - SNAP_HEADER_LEN);
	snapw_free(&s);
	return (h);
}

static void
write_quest(struct snapw *s, const struct world_quest *q)
{
	unsigned	i;

	snapw_str(s, q->id);
	snapw_str(s, q->giver);
	snapw_u8(s, (uint8_t)q->nobjectives);
	for (i = 0; i < q->nobjectives; i++) {
		snapw_u8(s, (uint8_t)q->objectives[i].kind);
		snapw_str(s, q->objectives[i].target);
		snapw_u32(s, q->objectives[i].count);
	}
	snapw_u32(s, q->reward_xp);
	snapw_u8(s, (uint8_t)q->nrewards);
	for (i = 0; i < q->nrewards; i++) {
		snapw_str(s, q->rewards[i].id);
		snapw_u32(s, q->rewards[i].count);
	}
}

void
snapworld_write_player(struct snapw *s, const struct world_player *p)
{
	unsigned	i, j;

	snapw_u32(s, p->id);
	snapw_str(s, p->name);
	snapw_f32(s, p->x);
	snapw_f32(s, p->y);
	snapw_f32(s, p->dx);
	snapw_f32(s, p->dy);
	snapw_u64(s, p->last_seq);
	snapw_i32(s, p->hp);
	snapw_i32(s, p->max_hp);
	snapw_u32(s, p->level);
	snapw_u64(s, p->xp);
	snapw_u64(s, p->next_attack);
	snapw_u64(s, p->respawn_at);
	snapw_i32(s, p->at_exit);
	snapw_u32(s, p->changes);
	snapw_u8(s, (uint8_t)p->nitems);
	for (i = 0; i < p->nitems; i++) {
		snapw_str(s, p->items[i].id);
		snapw_u32(s, p->items[i].count);
	}
	snapw_u8(s, (uint8_t)p->nquests);
	for (i = 0; i < p->nquests; i++) {
		snapw_str(s, p->quests[i].id);
		for (j = 0; j < WORLD_QUEST_OBJECTIVES; j++)
			snapw_u32(s, p->quests[i].progress[j]);
		snapw_u8(s, p->quests[i].done);
	}
}

static void
write_mob(struct snapw *s, const struct world_mob *m)
{
	unsigned	i;

	snapw_u32(s, m->id);
	snapw_u16(s, m->spawner);
	snapw_u8(s, m->state);
	snapw_f32(s, m->x);
	snapw_f32(s, m->y);
	snapw_f32(s, m->home_x);
	snapw_f32(s, m->home_y);
	snapw_f32(s, m->goal_x);
	snapw_f32(s, m->goal_y);
	snapw_i32(s, m->hp);
	snapw_u32(s, m->target);
	snapw_u64(s, m->next_attack);
	snapw_u64(s, m->next_think);
	snapw_u64(s, m->respawn_at);
	snapw_u8(s, m->path_len);
	snapw_u8(s, m->path_pos);
	/* Only the live part: what lies past path_len is never read. */
	for (i = 0; i < m->path_len && i < WORLD_PATH_MAX; i++) {
		snapw_u16(s, (uint16_t)m->path_c[i]);
		snapw_u16(s, (uint16_t)m->path_r[i]);
	}
}

/*
 * Writes the world's section. The world is not changed; the scratch
 * (spatial index, events of the last step) is not saved.
 */
void
snapworld_write(struct snapw *s, const struct world *w)
{
	size_t	i;

	snapw_section_begin(s, SNAPWORLD_TAG);
	snapw_str(s, w->area->name);
	snapw_u64(s, snapworld_area_hash(w->area));
	snapw_u64(s, w->tick);
	snapw_u32(s, w->tick_hz);
	snapw_f32(s, w->speed);
	snapw_u64(s, w->rng.s[0]);
	snapw_u64(s, w->rng.s[1]);
	snapw_u32(s, w->next_id);
	snapw_u64(s, w->events_dropped);
	snapw_u32(s, (uint32_t)w->nquests);
	for (i = 0; i < w->nquests; i++)
		write_quest(s, &w->quests[i]);
	snapw_u32(s, (uint32_t)w->nplayers);
	for (i = 0; i < w->nplayers; i++)
		snapworld_write_player(s, &w->players[i]);
	snapw_u32(s, (uint32_t)w->nmobs);
	for (i = 0; i < w->nmobs; i++)
		write_mob(s, &w->mobs[i]);
	snapw_section_end(s);
}

static int
fail(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Inside the map, edges included (bodies never leave it). */
static int
in_area(const struct area *a, float x, float y)
{
	return (isfinite(x) && isfinite(y) && x >= 0 && y >= 0 &&
	    x <= area_width(a) && y <= area_height(a));
}

static int
is_direction(float d)
{
	return (isfinite(d) && fabsf(d) <= DIRECTION_MAX);
}

static int16_t
read_i16(struct snapr *r)
{
	uint16_t	v = snapr_u16(r);

	return (v <= INT16_MAX ? (int16_t)v : (int16_t)(v - 32768u) - 32767 -
	    1);
}

static const char *
read_quest(struct snapr *r, struct world_quest *q)
{
	unsigned	i;
	uint8_t		kind;

	memset(q, 0, sizeof *q);
	snapr_str(r, q->id, sizeof q->id);
	snapr_str(r, q->giver, sizeof q->giver);
	q->nobjectives = snapr_u8(r);
	READ_OK(r);
	if (q->nobjectives > WORLD_QUEST_OBJECTIVES)
		return ("too many objectives");
	for (i = 0; i < q->nobjectives; i++) {
		kind = snapr_u8(r);
		snapr_str(r, q->objectives[i].target,
		    sizeof q->objectives[i].target);
		q->objectives[i].count = snapr_u32(r);
		READ_OK(r);
		if (kind > QUEST_TALK)
			return ("unknown objective kind");
		q->objectives[i].kind = (enum quest_objective_kind)kind;
	}
	q->reward_xp = snapr_u32(r);
	q->nrewards = snapr_u8(r);
	READ_OK(r);
	if (q->reward_xp >= QUEST_REWARD_XP_MAX)
		return ("reward xp out of range");
	if (q->nrewards > WORLD_QUEST_REWARDS)
		return ("too many rewards");
	for (i = 0; i < q->nrewards; i++) {
		snapr_str(r, q->rewards[i].id, sizeof q->rewards[i].id);
		q->rewards[i].count = snapr_u32(r);
	}
	READ_OK(r);
	return (NULL);
}

const char *
snapworld_read_player(struct snapr *r, const struct area *a,
    struct world_player *p)
{
	struct world_player_quest	*pq;
	unsigned			 i, j;

	memset(p, 0, sizeof *p);
	p->id = snapr_u32(r);
	snapr_str(r, p->name, sizeof p->name);
	p->x = snapr_f32(r);
	p->y = snapr_f32(r);
	p->dx = snapr_f32(r);
	p->dy = snapr_f32(r);
	p->last_seq = snapr_u64(r);
	p->hp = snapr_i32(r);
	p->max_hp = snapr_i32(r);
	p->level = snapr_u32(r);
	p->xp = snapr_u64(r);
	p->next_attack = snapr_u64(r);
	p->respawn_at = snapr_u64(r);
	p->at_exit = snapr_i32(r);
	p->changes = snapr_u32(r);
	p->nitems = snapr_u8(r);
	READ_OK(r);
	if (!in_area(a, p->x, p->y))
		return ("position outside the map");
	if (!is_direction(p->dx) || !is_direction(p->dy))
		return ("bad direction");
	if (p->max_hp < 1 || p->max_hp > PLAYER_HP_MAX)
		return ("max hp out of range");
	if (p->hp < 0 || p->hp > p->max_hp)
		return ("hp out of range");
	if (p->level < 1 || p->level > PLAYER_LEVEL_MAX)
		return ("level out of range");
	if (p->xp > PLAYER_XP_MAX)
		return ("xp out of range");
	if (p->at_exit < -1 || (p->at_exit >= 0 &&
	    (size_t)p->at_exit >= a->nexits))
		return ("no such exit");
	if (p->nitems > WORLD_INVENTORY_MAX)
		return ("too many items");
	for (i = 0; i < p->nitems; i++) {
		snapr_str(r, p->items[i].id, sizeof p->items[i].id);
		p->items[i].count = snapr_u32(r);
	}
	p->nquests = snapr_u8(r);
	READ_OK(r);
	if (p->nquests > WORLD_PLAYER_QUESTS)
		return ("too many quests");
	for (i = 0; i < p->nquests; i++) {
		pq = &p->quests[i];
		snapr_str(r, pq->id, sizeof pq->id);
		for (j = 0; j < WORLD_QUEST_OBJECTIVES; j++)
			pq->progress[j] = snapr_u32(r);
		pq->done = snapr_u8(r);
		READ_OK(r);
		if (pq->done > 1)
			return ("bad quest state");
	}
	return (NULL);
}

/* Mob i; its id and spawner must be those the area gave it. */
static const char *
read_mob(struct snapr *r, const struct world *w, size_t i,
    struct world_mob *m)
{
	const struct area		*a = w->area;
	const struct area_spawner	*sp;
	int32_t				 lo, hi;
	unsigned			 k;

	memset(m, 0, sizeof *m);
	m->id = snapr_u32(r);
	m->spawner = snapr_u16(r);
	m->state = snapr_u8(r);
	m->x = snapr_f32(r);
	m->y = snapr_f32(r);
	m->home_x = snapr_f32(r);
	m->home_y = snapr_f32(r);
	m->goal_x = snapr_f32(r);
	m->goal_y = snapr_f32(r);
	m->hp = snapr_i32(r);
	m->target = snapr_u32(r);
	m->next_attack = snapr_u64(r);
	m->next_think = snapr_u64(r);
	m->respawn_at = snapr_u64(r);
	m->path_len = snapr_u8(r);
	m->path_pos = snapr_u8(r);
	READ_OK(r);
	if (m->id != w->mobs[i].id || m->spawner != w->mobs[i].spawner)
		return ("not the area's mob");
	sp = &a->spawners[m->spawner];
	if (m->state > MOB_DEAD)
		return ("unknown state");
	if (!in_area(a, m->x, m->y) || !in_area(a, m->home_x, m->home_y))
		return ("position outside the map");
	if (!isfinite(m->goal_x) || !isfinite(m->goal_y))
		return ("bad goal");
	lo = sp->hp < 0 ? sp->hp : 0;
	hi = sp->hp > 0 ? sp->hp : 0;
	if (m->hp < lo || m->hp > hi)
		return ("hp out of range");
	if (m->path_len > WORLD_PATH_MAX || m->path_pos > m->path_len)
		return ("bad path");
	for (k = 0; k < m->path_len; k++) {
		m->path_c[k] = read_i16(r);
		m->path_r[k] = read_i16(r);
		READ_OK(r);
		if (m->path_c[k] < 0 || m->path_c[k] >= a->cols ||
		    m->path_r[k] < 0 || m->path_r[k] >= a->rows)
			return ("path leaves the map");
	}
	return (NULL);
}

static void
state_free(struct snapworld_state *st)
{
	free(st->quests);
	free(st->players);
	free(st->mobs);
}

/* Parses the whole section into st. Returns -1 with a cause. */
static int
parse(struct snapr *r, const struct world *w, struct snapworld_state *st,
    char **cause)
{
	const struct area	*a = w->area;
	const char		*why;
	char			*name;
	uint64_t		 fp;
	uint32_t		 n;
	size_t			 i;

	if ((name = snapr_strdup(r, SNAPWORLD_AREA_NAME_MAX)) == NULL)
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	fp = snapr_u64(r);
	if (!snapr_ok(r)) {
		free(name);
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	}
	if (strcmp(name, a->name) != 0) {
		fail(cause, "snapshot is for area %s, not %s", name, a->name);
		free(name);
		return (-1);
	}
	free(name);
	if (fp != snapworld_area_hash(a))
		return (fail(cause, "the map of area %s changed", a->name));

	st->tick = snapr_u64(r);
	st->tick_hz = snapr_u32(r);
	st->speed = snapr_f32(r);
	st->rng.s[0] = snapr_u64(r);
	st->rng.s[1] = snapr_u64(r);
	st->next_id = snapr_u32(r);
	st->events_dropped = snapr_u64(r);
	if (!snapr_ok(r))
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	if (st->tick_hz < 1 || st->tick_hz > TICK_HZ_MAX)
		return (fail(cause, "world tick rate %u is out of range",
		    st->tick_hz));
	if (!isfinite(st->speed) || st->speed < 0 || st->speed > SPEED_MAX)
		return (fail(cause, "world speed is out of range"));
	if (st->rng.s[0] == 0 && st->rng.s[1] == 0)
		return (fail(cause, "world random state is zero"));
	if (st->next_id < 1 || st->next_id > WORLD_MOB_ID_BASE)
		return (fail(cause, "world next id %u is out of range",
		    st->next_id));

	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	if (n > SNAPWORLD_QUESTS_MAX || n > snapr_left(r) / QUEST_MIN_BYTES)
		return (fail(cause, "world section: %u quests is too many",
		    n));
	st->nquests = n;
	if (n > 0)
		st->quests = xcalloc(n, sizeof *st->quests);
	for (i = 0; i < st->nquests; i++) {
		if ((why = read_quest(r, &st->quests[i])) != NULL)
			return (fail(cause, "world section: quest %zu: %s", i,
			    why));
	}

	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	if (n > SNAPWORLD_PLAYERS_MAX ||
	    n > snapr_left(r) / PLAYER_MIN_BYTES)
		return (fail(cause, "world section: %u players is too many",
		    n));
	st->nplayers = n;
	if (n > 0)
		/* Not zeroed: snapworld_read_player clears each. */
		st->players = xreallocarray(NULL, n, sizeof *st->players);
	for (i = 0; i < st->nplayers; i++) {
		if ((why = snapworld_read_player(r, a, &st->players[i])) != NULL)
			return (fail(cause, "world section: player %zu: %s",
			    i, why));
		if (st->players[i].id == 0 ||
		    st->players[i].id >= st->next_id ||
		    (i > 0 && st->players[i].id <= st->players[i - 1].id))
			return (fail(cause, "world section: player %zu: "
			    "id %u out of order", i, st->players[i].id));
	}

	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (fail(cause, "world section is %s",
		    snapr_strerror(r)));
	if (n != w->nmobs)
		return (fail(cause, "snapshot has %u mobs, area %s makes %zu",
		    n, a->name, w->nmobs));
	if (n > snapr_left(r) / MOB_MIN_BYTES)
		return (fail(cause, "world section is truncated"));
	st->nmobs = n;
	if (n > 0)
		st->mobs = xreallocarray(NULL, n, sizeof *st->mobs);
	for (i = 0; i < st->nmobs; i++) {
		if ((why = read_mob(r, w, i, &st->mobs[i])) != NULL)
			return (fail(cause, "world section: mob %zu: %s", i,
			    why));
	}
	if (snapr_left(r) != 0)
		return (fail(cause, "world section has %zu bytes too many",
		    snapr_left(r)));
	return (0);
}

/*
 * Restores the section read by r (the payload of a "WRLD" section) into
 * w, a world made by world_new with the same area (tick rate and seed do
 * not matter: the snapshot's replace them). All or nothing: the section
 * is parsed and checked whole first, so on -1 (with a cause; caller frees)
 * w is untouched. Counts are bounded before anything is allocated.
 */
int
snapworld_read(struct snapr *r, struct world *w, char **cause)
{
	struct snapworld_state	 st;
	size_t			 need;

	memset(&st, 0, sizeof st);
	if (r->version < 1 || r->version > SNAP_FORMAT) {
		fail(cause, "world section: format %u unknown", r->version);
		return (-1);
	}
	if (parse(r, w, &st, cause) != 0) {
		state_free(&st);
		return (-1);
	}

	/* Commit: nothing below can fail. */
	free(w->players);
	w->players = st.players;
	w->nplayers = st.nplayers;
	w->cap = st.nplayers;
	if (w->nmobs > 0)
		memcpy(w->mobs, st.mobs, w->nmobs * sizeof *w->mobs);
	free(st.mobs);
	world_set_quests(w, st.quests, st.nquests);
	free(st.quests);
	w->tick = st.tick;
	w->tick_hz = st.tick_hz;
	w->speed = st.speed;
	w->rng = st.rng;
	w->next_id = st.next_id;
	w->events_dropped = st.events_dropped;
	w->nevents = 0;

	/* Room for every body in the scratch, as world_player_add makes. */
	need = w->nmobs + w->cap + 16;
	grid_reserve(w->grid, need);
	if (w->near_cap < need) {
		w->near = xreallocarray(w->near, need, sizeof *w->near);
		w->near_cap = need;
	}
	return (0);
}
