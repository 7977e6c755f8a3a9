/*
 * Unit tests for snapworld.c, the world's section of a snapshot: a world
 * that fought for a while is saved, restored into a fresh world, saved
 * again byte for byte and fights on the same; every truncation and many
 * corruptions are refused or restore something that steps; another map is
 * refused; the committed format-1 fixture still restores.
 *
 * ZONED_WRITE_FIXTURE=PATH tests/unit/check_snapworld writes a snapshot
 * of the fixture scenario to PATH in the current format. When the format
 * changes, write tests/fixtures/snapshot-vN.bin with it, add a test for it
 * like test_fixture_v1, and keep the old fixtures and their tests.
 */
#include "config.h"

#include <check.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "sim/area.h"
#include "sim/world.h"
#include "simfix.h"
#include "testrand.h"
#include "snapfmt.h"
#include "snapworld.h"

#define HZ		10
#define TILE		16
#define COLS		40
#define ROWS		30
#define NPLAYERS	6

/* world_hash of tests/fixtures/snapshot-v1.bin once restored. */
#define FIXTURE_V1_HASH	0x90826933f0dc9f05ULL
#define FIXTURE_V1_TICK	60

/* Uniform in [0, 1), as a float (the fixture was made with it). */
static float
tunitf(uint64_t *s)
{
	return ((float)(trand(s) >> 40) / (float)(1 << 24));
}

static char *
sdup(const char *s)
{
	char	*d = malloc(strlen(s) + 1);

	ck_assert_ptr_nonnull(d);
	return (strcpy(d, s));
}

/*
 * A 40 x 30 map with a wall (a gap in its middle) and a block, an exit
 * east, slimes on one side, bats on the other and an elder. changed
 * makes one more tile solid. Caller frees.
 */
static struct area *
make_area(const char *name, int changed)
{
	struct area		*a;
	struct area_exit	*e;
	struct area_spawner	*sp;
	struct area_npc		*n;
	int			 r, c;

	a = area_new(name, COLS, ROWS, TILE, TILE);
	for (r = 4; r < 26; r++) {
		if (r != 14 && r != 15)
			simfix_set_solid(a, 20, r);
	}
	for (c = 8; c <= 10; c++)
		simfix_set_solid(a, c, 22);
	if (changed)
		simfix_set_solid(a, 30, 2);
	area_add_spawn(a, 40, 40);
	e = area_add_exit(a);
	e->kind = AREA_EXIT_EDGE;
	e->edge = AREA_EDGE_EAST;
	e->to_area = sdup("town");

	sp = area_add_spawner(a);
	sp->kind = sdup("slime");
	sp->x = 96;
	sp->y = 160;
	sp->w = 96;
	sp->h = 96;
	sp->count = 4;
	sp->respawn_ms = 2000;
	sp->hp = 12;
	sp->damage = 2;
	sp->speed = 40;
	sp->sight = 120;
	sp->leash = 260;
	sp->attack_range = 14;
	sp->attack_ms = 800;
	sp->xp = 6;
	sp->loot = sdup("goo");
	sp->loot_chance = 0.6f;

	sp = area_add_spawner(a);
	sp->kind = sdup("bat");
	sp->x = 440;
	sp->y = 200;
	sp->w = 120;
	sp->h = 120;
	sp->count = 3;
	sp->respawn_ms = 1500;
	sp->hp = 8;
	sp->damage = 1;
	sp->speed = 70;
	sp->sight = 140;
	sp->leash = 220;
	sp->attack_range = 12;
	sp->attack_ms = 600;
	sp->xp = 4;

	n = area_add_npc(a);
	n->id = sdup("elder");
	n->name = sdup("Elder");
	n->x = 200;
	n->y = 80;
	return (a);
}

static void
set_quests(struct world *w)
{
	struct world_quest	q[2];

	memset(q, 0, sizeof q);
	strcpy(q[0].id, "slime-hunt");
	strcpy(q[0].giver, "elder");
	q[0].nobjectives = 1;
	q[0].objectives[0].kind = QUEST_KILL;
	strcpy(q[0].objectives[0].target, "slime");
	q[0].objectives[0].count = 3;
	q[0].reward_xp = 40;
	q[0].nrewards = 1;
	strcpy(q[0].rewards[0].id, "potion");
	q[0].rewards[0].count = 2;

	strcpy(q[1].id, "goo-and-talk");
	strcpy(q[1].giver, "elder");
	q[1].nobjectives = 2;
	q[1].objectives[0].kind = QUEST_COLLECT;
	strcpy(q[1].objectives[0].target, "goo");
	q[1].objectives[0].count = 2;
	q[1].objectives[1].kind = QUEST_TALK;
	strcpy(q[1].objectives[1].target, "elder");
	q[1].objectives[1].count = 1;
	q[1].reward_xp = 25;
	q[1].nrewards = 2;
	strcpy(q[1].rewards[0].id, "charm");
	q[1].rewards[0].count = 1;
	strcpy(q[1].rewards[1].id, "potion");
	q[1].rewards[1].count = 1;
	world_set_quests(w, q, 2);
}

/* Where each player hangs about: the slimes, or the bats. */
static void
camp(uint32_t id, float *x, float *y)
{
	if (id % 2 == 0) {
		*x = 144;
		*y = 208;
	} else {
		*x = 500;
		*y = 260;
	}
}

/*
 * This step's inputs for every player of w (in[] has room for nplayers),
 * zeroed first: mostly walking towards their camp and attacking, now and
 * then talking, accepting a quest or stopping.
 */
static size_t
make_inputs(const struct world *w, uint64_t *rs, uint64_t *seq,
    struct world_input *in)
{
	const struct world_player	*p;
	size_t				 i, n = 0;
	float				 cx, cy;
	unsigned			 r;

	memset(in, 0, w->nplayers * sizeof *in);
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		in[n].player = p->id;
		in[n].seq = ++*seq;
		r = (unsigned)(trand(rs) % 100);
		if (r < 45) {
			camp(p->id, &cx, &cy);
			in[n].kind = INPUT_MOVE;
			in[n].dx = (cx - p->x) / 100 + tunitf(rs) * 2 - 1;
			in[n].dy = (cy - p->y) / 100 + tunitf(rs) * 2 - 1;
		} else if (r < 85)
			in[n].kind = INPUT_ATTACK;
		else if (r < 90) {
			in[n].kind = INPUT_TALK;
			in[n].arg = 0;
		} else if (r < 95) {
			in[n].kind = INPUT_ACCEPT;
			in[n].arg = (int32_t)(trand(rs) % 3);
		} else
			in[n].kind = INPUT_MOVE;	/* stop */
		n++;
	}
	return (n);
}

/*
 * The scenario: six players with items and quests among slimes and bats,
 * stepped with pseudo-random inputs; one leaves and one joins on the way.
 */
static struct world *
make_world(const struct area *a, uint64_t seed, int steps, uint64_t *rs,
    uint64_t *seq)
{
	static const float	 pos[NPLAYERS][2] = { { 120, 130 },
	    { 420, 180 }, { 200, 150 }, { 560, 260 }, { 150, 300 },
	    { 480, 380 } };
	struct world		*w;
	struct world_player	*p;
	struct world_input	 in[NPLAYERS + 1];
	char			 name[16];
	size_t			 n;
	int			 i;

	w = world_new(a, HZ, seed);
	set_quests(w);
	for (i = 0; i < NPLAYERS; i++) {
		snprintf(name, sizeof name, "p%d", i);
		p = world_player_add(w, name, pos[i][0], pos[i][1]);
		ck_assert_ptr_nonnull(p);
	}
	ck_assert_int_eq(world_give_item(&w->players[0], "potion", 3), 0);
	ck_assert_int_eq(world_give_item(&w->players[1], "goo", 1), 0);
	ck_assert_int_eq(world_give_item(&w->players[3], "bone", 5), 0);
	ck_assert_int_eq(world_give_item(&w->players[3], "potion", 1), 0);
	memset(in, 0, sizeof in);
	for (i = 0; i < NPLAYERS; i++) {
		in[i].player = w->players[i].id;
		in[i].seq = ++*seq;
		in[i].kind = INPUT_ACCEPT;
		in[i].arg = i % 2;
	}
	world_step(w, in, NPLAYERS);
	for (i = 1; i < steps; i++) {
		if (i == steps / 2)
			world_player_remove(w, 3);
		if (i == steps * 2 / 3)
			ck_assert_ptr_nonnull(world_player_add(w, "late", 300,
			    230));
		n = make_inputs(w, rs, seq, in);
		world_step(w, in, n);
	}
	return (w);
}

/* A snapshot holding the world's section alone. Free with snapw_free. */
static void
snap(const struct world *w, struct snapw *s)
{
	snapw_init(s);
	snapworld_write(s, w);
	snapw_finish(s);
}

/*
 * What snapshot.c will do: walk the whole container first (so a damaged
 * one is refused before anything changes), then restore the world's
 * section; other sections are skipped.
 */
static int
restore(const uint8_t *buf, size_t len, struct world *w, char **cause)
{
	struct snapr	 r, s, wrld;
	char		 tag[SNAP_TAG_LEN + 1];
	int		 n, found = 0;

	*cause = NULL;
	if (snapr_open(&r, buf, len, NULL, cause) != 0)
		return (-1);
	while ((n = snapr_next_section(&r, tag, &s)) == 1) {
		if (strcmp(tag, SNAPWORLD_TAG) == 0 && !found) {
			wrld = s;
			found = 1;
		}
	}
	if (n != 0) {
		*cause = strdup("snapshot is damaged");
		return (-1);
	}
	if (!found) {
		*cause = strdup("snapshot has no world");
		return (-1);
	}
	return (snapworld_read(&wrld, w, cause));
}

static void
assert_same_snap(const struct snapw *a, const struct snapw *b)
{
	size_t	i;

	ck_assert_uint_eq(a->len, b->len);
	for (i = 0; i < a->len; i++)
		ck_assert_msg(a->buf[i] == b->buf[i],
		    "snapshots differ at byte %zu", i);
}

START_TEST(test_round_trip)
{
	struct area		*a;
	struct world		*w1, *w2;
	struct world_input	 in[NPLAYERS + 1];
	struct snapw		 sa, sb;
	uint64_t		 rs = 0x9e3779b97f4a7c15ULL, seq = 0;
	char			*cause = NULL;
	size_t			 n, i;
	int			 step, fights = 0, kills = 0, deaths = 0;

	a = make_area("arena", 0);
	w1 = make_world(a, 12345, 300, &rs, &seq);
	ck_assert_uint_eq(w1->tick, 300);
	snap(w1, &sa);

	w2 = world_new(a, HZ, 999);
	ck_assert_msg(restore(sa.buf, sa.len, w2, &cause) == 0, "%s", cause);
	snap(w2, &sb);
	assert_same_snap(&sa, &sb);
	snapw_free(&sb);
	ck_assert(world_hash(w1) == world_hash(w2));
	ck_assert_uint_eq(w2->nplayers, w1->nplayers);
	ck_assert_uint_eq(w2->nquests, 2);
	ck_assert_str_eq(w2->quests[1].rewards[0].id, "charm");
	ck_assert_uint_eq(w2->next_id, NPLAYERS + 2);
	ck_assert_ptr_null(world_player_find(w2, 3));

	/* The fight goes on the same in both. */
	for (step = 0; step < 500; step++) {
		n = make_inputs(w1, &rs, &seq, in);
		world_step(w1, in, n);
		world_step(w2, in, n);
		for (i = 0; i < w1->nevents; i++) {
			fights += w1->events[i].kind == EVENT_HIT;
			kills += w1->events[i].kind == EVENT_MOB_KILLED;
			deaths += w1->events[i].kind == EVENT_PLAYER_DIED;
		}
		ck_assert_msg(world_hash(w1) == world_hash(w2),
		    "worlds part at step %d after the restore", step);
	}
	snapw_free(&sa);
	snap(w1, &sa);
	snap(w2, &sb);
	assert_same_snap(&sa, &sb);
	/* It was a fight. */
	ck_assert_int_gt(fights, 20);
	ck_assert_int_gt(kills, 2);
	ck_assert_int_gt(deaths, 0);

	/* Players can still join the restored world, with fresh ids. */
	ck_assert_ptr_nonnull(world_player_add(w2, "new", 60, 60));
	ck_assert_uint_eq(w2->players[w2->nplayers - 1].id, NPLAYERS + 2);
	world_step(w2, NULL, 0);

	snapw_free(&sa);
	snapw_free(&sb);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/*
 * Whenever the snapshot is taken, the restored world goes on exactly as
 * the original, even when every player attacks at the very next step
 * (an attack looks mobs up in the spatial index: it must be the same).
 */
START_TEST(test_resume_anywhere)
{
	struct area		*a;
	struct world		*w1, *w2;
	struct world_input	 in[NPLAYERS + 1];
	struct snapw		 s;
	uint64_t		 rs, seq;
	char			*cause = NULL;
	size_t			 n, i;
	int			 k, step;

	a = make_area("arena", 0);
	for (k = 0; k < 40; k++) {
		rs = 0x5eed0000u + (uint64_t)k;
		seq = 0;
		w1 = make_world(a, 100 + (uint64_t)k, 30 + k * 7, &rs, &seq);
		snap(w1, &s);
		w2 = world_new(a, HZ, 1);
		ck_assert_msg(restore(s.buf, s.len, w2, &cause) == 0, "%s",
		    cause);
		for (step = 0; step < 30; step++) {
			n = make_inputs(w1, &rs, &seq, in);
			for (i = 0; step == 0 && i < n; i++)
				in[i].kind = INPUT_ATTACK;
			world_step(w1, in, n);
			world_step(w2, in, n);
			ck_assert_msg(world_hash(w1) == world_hash(w2),
			    "snapshot at tick %d: the restored world parts "
			    "at step %d after it", 30 + k * 7, step);
		}
		snapw_free(&s);
		world_free(w1);
		world_free(w2);
	}
	area_free(a);
}
END_TEST

/* Items, quests in progress and done, dead players: all come back. */
START_TEST(test_players_in_detail)
{
	struct area		*a;
	struct world		*w1, *w2;
	struct world_player	*p, *q;
	struct snapw		 s;
	uint64_t		 rs = 1, seq = 0;
	char			*cause = NULL;
	size_t			 i;
	unsigned		 j;

	a = make_area("arena", 0);
	w1 = make_world(a, 77, 40, &rs, &seq);
	p = &w1->players[0];
	for (j = p->nitems; j < WORLD_INVENTORY_MAX; j++) {
		char	id[WORLD_ITEM_MAX];

		snprintf(id, sizeof id, "item-%u-%s", j,
		    "x\xc3\xa9yyyyyyyyyyyyyyyy");
		ck_assert_int_eq(world_give_item(p, id, j + 1), 0);
	}
	ck_assert_uint_eq(p->nitems, WORLD_INVENTORY_MAX);
	p->quests[0].done = 1;
	p->quests[0].progress[3] = 0xffffffffu;
	p->respawn_at = w1->tick + 5;
	p->hp = 0;
	p->at_exit = 0;
	p->changes = 12345;
	strcpy(p->name, "N\xc3\xa4me with spaces");
	w1->events_dropped = 7;
	snap(w1, &s);

	w2 = world_new(a, 20, 1);
	ck_assert_msg(restore(s.buf, s.len, w2, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(w2->tick_hz, HZ);
	ck_assert(w2->events_dropped == 7);
	for (i = 0; i < w1->nplayers; i++) {
		p = &w1->players[i];
		q = &w2->players[i];
		ck_assert_uint_eq(q->id, p->id);
		ck_assert_str_eq(q->name, p->name);
		ck_assert(memcmp(&q->x, &p->x, sizeof p->x) == 0);
		ck_assert(q->last_seq == p->last_seq);
		ck_assert_int_eq(q->hp, p->hp);
		ck_assert_uint_eq(q->nitems, p->nitems);
		for (j = 0; j < p->nitems; j++) {
			ck_assert_str_eq(q->items[j].id, p->items[j].id);
			ck_assert_uint_eq(q->items[j].count,
			    p->items[j].count);
		}
		ck_assert_uint_eq(q->nquests, p->nquests);
		for (j = 0; j < p->nquests; j++) {
			ck_assert_str_eq(q->quests[j].id, p->quests[j].id);
			ck_assert(memcmp(q->quests[j].progress,
			    p->quests[j].progress,
			    sizeof p->quests[j].progress) == 0);
			ck_assert_uint_eq(q->quests[j].done,
			    p->quests[j].done);
		}
		ck_assert_int_eq(q->at_exit, p->at_exit);
		ck_assert_uint_eq(q->changes, p->changes);
	}
	ck_assert(world_hash(w1) == world_hash(w2));
	snapw_free(&s);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/* An empty world (no players, no quests, no mobs) round-trips too. */
START_TEST(test_empty)
{
	struct area	*a;
	struct world	*w1, *w2;
	struct snapw	 s1, s2;
	char		*cause = NULL;

	a = area_new("void", 4, 3, 32, 32);
	area_add_spawn(a, 40, 40);
	w1 = world_new(a, 30, 5);
	world_step(w1, NULL, 0);
	snap(w1, &s1);
	w2 = world_new(a, 30, 6);
	ck_assert_msg(restore(s1.buf, s1.len, w2, &cause) == 0, "%s", cause);
	snap(w2, &s2);
	assert_same_snap(&s1, &s2);
	ck_assert_uint_eq(w2->nplayers, 0);
	ck_assert_ptr_nonnull(world_player_add(w2, "first", 40, 40));
	world_step(w2, NULL, 0);
	snapw_free(&s1);
	snapw_free(&s2);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/* Every proper prefix is refused and leaves the world as it was. */
START_TEST(test_truncated)
{
	struct area	*a;
	struct world	*w1, *w2;
	struct snapw	 s, before, after;
	uint64_t	 rs = 5, seq = 0;
	uint8_t		*cut;
	char		*cause;
	size_t		 len;

	a = make_area("arena", 0);
	w1 = make_world(a, 3, 100, &rs, &seq);
	snap(w1, &s);
	w2 = world_new(a, HZ, 4);
	snap(w2, &before);
	for (len = 0; len < s.len; len++) {
		cut = malloc(len > 0 ? len : 1);
		memcpy(cut, s.buf, len);
		ck_assert_msg(restore(cut, len, w2, &cause) == -1,
		    "prefix of %zu bytes accepted", len);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		free(cut);
		snap(w2, &after);
		assert_same_snap(&before, &after);
		snapw_free(&after);
	}
	snapw_free(&before);
	snapw_free(&s);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/*
 * A WRLD section cut short inside: the section reader never reads past
 * its own end, even when the container around it goes on.
 */
START_TEST(test_short_section)
{
	struct area	*a;
	struct world	*w1, *w2;
	struct snapw	 s;
	struct snapr	 r;
	uint64_t	 rs = 5, seq = 0;
	char		*cause = NULL;
	size_t		 cut, total;

	a = make_area("arena", 0);
	w1 = make_world(a, 3, 30, &rs, &seq);
	snap(w1, &s);
	w2 = world_new(a, HZ, 4);
	total = s.len - SNAP_HEADER_LEN - 2 * SNAP_SECTION_HEADER;
	for (cut = 0; cut < total; cut += 7) {
		memset(&r, 0, sizeof r);
		r.p = s.buf + SNAP_HEADER_LEN + SNAP_SECTION_HEADER;
		r.len = cut;
		r.version = SNAP_FORMAT;
		ck_assert_int_eq(snapworld_read(&r, w2, &cause), -1);
		free(cause);
		cause = NULL;
	}
	snapw_free(&s);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/*
 * Steps a restored world that came from damaged bytes. A player with xp
 * at 2^32 or more would hang the sim at its next gain (world_xp_for_level
 * is 32 bits): such worlds are only checked, not stepped, until the sim
 * handles it.
 */
static void
step_damaged(struct world *w, uint64_t *rs)
{
	struct world_input	*in;
	uint64_t		 seq = 0;
	size_t			 i, n;
	int			 step;

	for (i = 0; i < w->nplayers; i++) {
		if (w->players[i].xp >= (1ULL << 32))
			return;
	}
	in = calloc(w->nplayers + 1, sizeof *in);
	for (step = 0; step < 20; step++) {
		n = make_inputs(w, rs, &seq, in);
		world_step(w, in, n);
	}
	(void)world_hash(w);
	free(in);
}

START_TEST(test_corrupt)
{
	struct area	*a;
	struct world	*w1, *w2;
	struct snapw	 s, t, before, after;
	uint64_t	 rs = 11, seq = 0, frs = 0x1234567;
	uint8_t		*bad;
	char		*cause;
	size_t		 pos, plen;
	int		 i, refused = 0, restored = 0;
	uint8_t		 flip;

	a = make_area("arena", 0);
	w1 = make_world(a, 21, 200, &rs, &seq);
	snap(w1, &s);
	/* The section alone: damage inside a valid container (checksum). */
	plen = s.len - SNAP_HEADER_LEN - 2 * SNAP_SECTION_HEADER - 8;
	bad = malloc(plen);
	for (i = 0; i < 2000; i++) {
		memcpy(bad, s.buf + SNAP_HEADER_LEN + SNAP_SECTION_HEADER,
		    plen);
		pos = (size_t)(trand(&frs) % plen);
		do
			flip = (uint8_t)trand(&frs);
		while (flip == 0);
		bad[pos] ^= flip;
		snapw_init(&t);
		snapw_section_begin(&t, SNAPWORLD_TAG);
		snapw_bytes(&t, bad, plen);
		snapw_section_end(&t);
		snapw_finish(&t);
		w2 = world_new(a, HZ, (uint64_t)i);
		snap(w2, &before);
		if (restore(t.buf, t.len, w2, &cause) == 0) {
			restored++;
			step_damaged(w2, &frs);
		} else {
			refused++;
			ck_assert_ptr_nonnull(cause);
			free(cause);
			snap(w2, &after);
			assert_same_snap(&before, &after);
			snapw_free(&after);
		}
		snapw_free(&before);
		snapw_free(&t);
		world_free(w2);
	}
	/* About 600 and 1400: both paths were taken often. */
	ck_assert_int_gt(refused, 200);
	ck_assert_int_gt(restored, 200);
	free(bad);
	snapw_free(&s);
	world_free(w1);
	area_free(a);
}
END_TEST

START_TEST(test_other_area)
{
	struct area	*a, *changed, *renamed;
	struct world	*w1, *w2;
	struct snapw	 s;
	uint64_t	 rs = 8, seq = 0;
	char		*cause = NULL;

	a = make_area("arena", 0);
	changed = make_area("arena", 1);
	renamed = make_area("pit", 0);
	ck_assert(snapworld_area_hash(a) != snapworld_area_hash(changed));
	ck_assert(snapworld_area_hash(a) == snapworld_area_hash(renamed));
	w1 = make_world(a, 31, 50, &rs, &seq);
	snap(w1, &s);

	w2 = world_new(changed, HZ, 1);
	ck_assert_int_eq(restore(s.buf, s.len, w2, &cause), -1);
	ck_assert_str_eq(cause, "the map of area arena changed");
	free(cause);
	world_free(w2);

	w2 = world_new(renamed, HZ, 1);
	ck_assert_int_eq(restore(s.buf, s.len, w2, &cause), -1);
	ck_assert_str_eq(cause, "snapshot is for area arena, not pit");
	free(cause);
	world_free(w2);

	/* A spawner's numbers are part of the map. */
	changed->solid[(size_t)2 * COLS + 30] = 0;
	ck_assert(snapworld_area_hash(a) == snapworld_area_hash(changed));
	changed->spawners[1].damage++;
	ck_assert(snapworld_area_hash(a) != snapworld_area_hash(changed));

	snapw_free(&s);
	world_free(w1);
	area_free(a);
	area_free(changed);
	area_free(renamed);
}
END_TEST

/* The start of a section for the test area, up to the quests. */
static void
section_head(struct snapw *s, const struct area *a, uint32_t next_id)
{
	snapw_init(s);
	snapw_section_begin(s, SNAPWORLD_TAG);
	snapw_str(s, a->name);
	snapw_u64(s, snapworld_area_hash(a));
	snapw_u64(s, 100);		/* tick */
	snapw_u32(s, HZ);
	snapw_f32(s, WORLD_PLAYER_SPEED);
	snapw_u64(s, 1);
	snapw_u64(s, 2);
	snapw_u32(s, next_id);
	snapw_u64(s, 0);
}

static void
expect_refused(struct snapw *s, const struct area *a, const char *want)
{
	struct world	*w;
	char		*cause = NULL;

	snapw_section_end(s);
	snapw_finish(s);
	w = world_new(a, HZ, 1);
	ck_assert_int_eq(restore(s->buf, s->len, w, &cause), -1);
	ck_assert_msg(strstr(cause, want) != NULL, "cause \"%s\", want \"%s\"",
	    cause, want);
	free(cause);
	world_free(w);
	snapw_free(s);
}

/* Counts are checked before anything is allocated or read. */
START_TEST(test_counts)
{
	struct area	*a;
	struct snapw	 s;

	a = make_area("arena", 0);

	section_head(&s, a, 1);
	snapw_u32(&s, 0);		/* quests */
	snapw_u32(&s, 0);		/* players */
	snapw_u32(&s, 99);		/* mobs */
	expect_refused(&s, a, "snapshot has 99 mobs, area arena makes 7");

	section_head(&s, a, 1);
	snapw_u32(&s, 0);
	snapw_u32(&s, 0xffffffff);	/* players, in a few bytes */
	expect_refused(&s, a, "4294967295 players is too many");

	section_head(&s, a, 1);
	snapw_u32(&s, 0);
	snapw_u32(&s, SNAPWORLD_PLAYERS_MAX + 1);
	expect_refused(&s, a, "players is too many");

	section_head(&s, a, 1);
	snapw_u32(&s, 0x7fffffff);	/* quests */
	expect_refused(&s, a, "quests is too many");

	section_head(&s, a, 0);		/* next id */
	expect_refused(&s, a, "next id 0 is out of range");

	snapw_init(&s);			/* cut inside the numbers */
	snapw_section_begin(&s, SNAPWORLD_TAG);
	snapw_str(&s, a->name);
	snapw_u64(&s, snapworld_area_hash(a));
	snapw_u64(&s, 100);
	snapw_u32(&s, 0);
	expect_refused(&s, a, "world section is truncated");

	area_free(a);
}
END_TEST

/* A byte after the mobs, or a player out of order, is refused. */
START_TEST(test_trailing_and_order)
{
	struct area	*a;
	struct world	*w1, *w2;
	struct snapw	 s, t;
	uint64_t	 rs = 8, seq = 0;
	uint32_t	 len;
	char		*cause = NULL;

	a = make_area("arena", 0);
	w1 = make_world(a, 31, 20, &rs, &seq);
	snap(w1, &s);
	/* The same section with one byte more. */
	snapw_init(&t);
	len = (uint32_t)(s.len - SNAP_HEADER_LEN - 2 * SNAP_SECTION_HEADER -
	    8);
	snapw_section_begin(&t, SNAPWORLD_TAG);
	snapw_bytes(&t, s.buf + SNAP_HEADER_LEN + SNAP_SECTION_HEADER, len);
	snapw_u8(&t, 0);
	snapw_section_end(&t);
	snapw_finish(&t);
	w2 = world_new(a, HZ, 1);
	ck_assert_int_eq(restore(t.buf, t.len, w2, &cause), -1);
	ck_assert_str_eq(cause, "world section has 1 bytes too many");
	free(cause);
	snapw_free(&t);
	snapw_free(&s);

	/* Two players swapped: ids no longer ascend. */
	{
		struct world_player	tmp = w1->players[0];

		w1->players[0] = w1->players[1];
		w1->players[1] = tmp;
	}
	snap(w1, &s);
	ck_assert_int_eq(restore(s.buf, s.len, w2, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "out of order"));
	free(cause);
	snapw_free(&s);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

/* The scenario the v1 fixture was written from. Caller frees. */
static struct world *
fixture_world(const struct area *a)
{
	uint64_t	rs = 0xf1c5u, seq = 0;

	return (make_world(a, 4242, FIXTURE_V1_TICK, &rs, &seq));
}

/* Writes $ZONED_WRITE_FIXTURE from the fixture's scenario. */
START_TEST(test_write_fixture)
{
	const char	*path = getenv("ZONED_WRITE_FIXTURE");
	struct area	*a;
	struct world	*w;
	struct snapw	 s;
	FILE		*f;

	a = make_area("arena", 0);
	w = fixture_world(a);
	snap(w, &s);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(s.buf, 1, s.len, f), s.len);
	ck_assert_int_eq(fclose(f), 0);
	printf("%s: %zu bytes, world_hash 0x%016llxULL\n", path, s.len,
	    (unsigned long long)world_hash(w));
	snapw_free(&s);
	world_free(w);
	area_free(a);
}
END_TEST

/* The format-1 snapshot committed in tests/fixtures still restores. */
START_TEST(test_fixture_v1)
{
	struct area	*a;
	struct world	*w;
	struct snapw	 s;
	char		 path[4096], *cause = NULL;
	uint8_t		*buf;
	size_t		 len;
	long		 size;
	FILE		*f;
	int		 step;

	fixture_path(path, sizeof path, "snapshot-v1.bin");
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 0);
	ck_assert_int_lt(size, 65536);
	rewind(f);
	len = (size_t)size;
	buf = malloc(len);
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	fclose(f);
	ck_assert_uint_eq(buf[4], 1);		/* format 1 */

	a = make_area("arena", 0);
	w = world_new(a, HZ, 1);
	ck_assert_msg(restore(buf, len, w, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(w->tick, FIXTURE_V1_TICK);
	ck_assert_uint_eq(w->nplayers, NPLAYERS);
	ck_assert_uint_eq(w->next_id, NPLAYERS + 2);
	ck_assert_uint_eq(w->nquests, 2);
	ck_assert_uint_eq(w->nmobs, 7);
	ck_assert_str_eq(w->players[0].name, "p0");
	ck_assert_str_eq(w->players[0].items[0].id, "potion");
	ck_assert_uint_ge(w->players[0].nquests, 1);
	{
		size_t	i, dead = 0, paths = 0, items = 0, hurt = 0;

		for (i = 0; i < w->nmobs; i++) {
			dead += w->mobs[i].state == MOB_DEAD;
			paths += w->mobs[i].path_len > 0;
		}
		for (i = 0; i < w->nplayers; i++) {
			items += w->players[i].nitems;
			hurt += w->players[i].hp < w->players[i].max_hp;
		}
		/* What the fixture was chosen for. */
		ck_assert_uint_eq(dead, 3);
		ck_assert_uint_eq(paths, 1);
		ck_assert_uint_eq(items, 4);
		ck_assert_uint_eq(hurt, 3);
	}
	ck_assert_msg(world_hash(w) == FIXTURE_V1_HASH,
	    "world_hash 0x%016llx", (unsigned long long)world_hash(w));
#if SNAP_FORMAT == 1
	/* While format 1 is the current one, it is written identically. */
	snap(w, &s);
	ck_assert_uint_eq(s.len, len);
	ck_assert(memcmp(s.buf, buf, len) == 0);
	snapw_free(&s);
#else
	(void)s;
#endif
	for (step = 0; step < 50; step++)
		world_step(w, NULL, 0);
	free(buf);
	world_free(w);
	area_free(a);
}
END_TEST

static Suite *
snapworld_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("snapworld");
	tc = tcase_create("core");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_resume_anywhere);
	tcase_add_test(tc, test_players_in_detail);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_short_section);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_other_area);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_trailing_and_order);
	tcase_add_test(tc, test_fixture_v1);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner		*sr;
	Suite		*s;
	TCase		*tc;
	const char	*fixture;
	int		 failed;

	if ((fixture = getenv("ZONED_WRITE_FIXTURE")) != NULL &&
	    *fixture != '\0') {
		s = suite_create("snapworld-fixture");
		tc = tcase_create("write");
		tcase_add_test(tc, test_write_fixture);
		suite_add_tcase(s, tc);
		sr = srunner_create(s);
	} else
		sr = srunner_create(snapworld_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
