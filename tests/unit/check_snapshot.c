/*
 * Unit tests for snapshot.c, the whole instance in a snapshot: the
 * committed fixture of each released format is restored the way a
 * replacement restores what it receives (lifecycle_init_takeover, then
 * snapshot_restore with the sockets that came beside it), and everything
 * in it is where it belongs; a damaged or cut copy is refused with a
 * cause and leaves the instance untouched.
 *
 * Format 1 held the world alone; check_snapworld restores its fixture.
 * tests/fixtures/README says how snapshot-v2.bin to -v5 were made and
 * what they hold. When the format changes, add snapshot-vN.bin (made by a
 * real migration with ZONED_TEST_SNAPSHOT_DUMP) and a test like
 * test_fixture_v5, and keep the old fixtures and their tests.
 */
#include "config.h"

#include <check.h>

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "aoi.h"
#include "delta.h"
#include "fixture.h"
#include "handoff.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "log.h"
#include "options.h"
#include "pending.h"
#include "session.h"
#include "siosock.h"
#include "sim/area.h"
#include "sim/world.h"
#include "snapfmt.h"
#include "snapshot.h"
#include "tmpdir.h"
#include "writeback.h"

/*
 * What tests/fixtures/snapshot-v2.bin holds (tests/fixtures/README):
 * meadow at tick 113, two players in a fight with the pond slimes, one
 * connection that never joined a namespace, and cyd's ticket unused.
 */
#define V2_SIZE		4295
#define V2_TICK		113
#define V2_SEED		1892433032739127ULL
#define V2_WORLD_HASH	0xbaa58a30faca76e2ULL	/* world_hash once restored */
#define V2_MOBS		10
#define V2_DEAD_MOBS	4
#define V2_NSESSIONS	3

static const struct v2_session {
	uint32_t	 id;		/* the id its socket travels under */
	int		 state;		/* enum session_state */
	const char	*character;	/* NULL: no character */
	uint32_t	 player;	/* 0: none */
	const char	*name;		/* of the player */
	const char	*eio_sid;	/* what its client saw */
	uint64_t	 last_seq;
} v2_sessions[V2_NSESSIONS] = {
	{ 1, SESSION_PLAYING, "ann", 1, "Ann", "9p_zALBr-z_UPAkZMKDc", 91 },
	{ 2, SESSION_PLAYING, "bob", 2, "Bob", "EpUn93EFhvex9Tf0ZrGH", 91 },
	{ 3, SESSION_HANDSHAKE, NULL, 0, NULL, "HqR0tTCyUSzOKthax1LJ", 0 }
};

/* The sockets beside the snapshot: every session's and the listeners'. */
#define V2_NFDS		(V2_NSESSIONS + 2)

/*
 * What tests/fixtures/snapshot-v4.bin holds (tests/fixtures/README):
 * meadow at tick 122, Ann standing at (426, 464) north-east of the pond
 * slimes, Bob at (728, 404) past the gap in the wall, near the east
 * field slimes: 308 units apart, within the default view radius (400).
 * Each session has the delta table of what its client was sent at that
 * tick: both players, and the four mobs in its own view only (Ann's of
 * spawner 0, Bob's of spawner 1). The ids ascend, as in the snapshot.
 */
#define V4_SIZE		3560
#define V4_TICK		122
#define V4_SEED		1867721526946321ULL
#define V4_WORLD_HASH	0xa6b507e44bfb9f7aULL	/* world_hash once restored */
#define V4_MOBS		10
#define V4_NSESSIONS	2
#define V4_TABLE	6	/* entries in each session's table */

/* A delta table entry, in the order of the snapshot. */
struct v4_entry {
	uint32_t	 id;
	uint8_t		 kind;		/* DELTA_PLAYER, DELTA_MOB */
	uint32_t	 type;
	int32_t		 xq, yq;
	uint32_t	 hp, max_hp;
	uint32_t	 level;		/* mobs: enum mob_state */
};

static const struct v4_session {
	uint32_t		 id;
	const char		*character;
	uint32_t		 player;
	const char		*name;
	const char		*eio_sid;
	uint64_t		 last_seq;
	struct v4_entry		 table[V4_TABLE];
} v4_sessions[V4_NSESSIONS] = {
	{ 1, "ann", 1, "Ann", "Y1vJuUqvg3POqQWuRlYn", 101, {
		{ 1, DELTA_PLAYER, 0, 3408, 3712, 20, 20, 1 },
		{ 2, DELTA_PLAYER, 0, 5824, 3232, 24, 24, 2 },
		{ 0x40000000, DELTA_MOB, 0, 2530, 5667, 10, 10, MOB_IDLE },
		{ 0x40000002, DELTA_MOB, 0, 2634, 5789, 10, 10, MOB_IDLE },
		{ 0x40000003, DELTA_MOB, 0, 2489, 5268, 10, 10, MOB_WANDER },
		{ 0x40000005, DELTA_MOB, 0, 2816, 5928, 10, 10, MOB_IDLE }
	} },
	{ 2, "bob", 2, "Bob", "tX7THe634Rk4yVj8hEtJ", 101, {
		{ 1, DELTA_PLAYER, 0, 3408, 3712, 20, 20, 1 },
		{ 2, DELTA_PLAYER, 0, 5824, 3232, 24, 24, 2 },
		{ 0x40000006, DELTA_MOB, 1, 7024, 1012, 10, 10, MOB_IDLE },
		{ 0x40000007, DELTA_MOB, 1, 7851, 2857, 10, 10, MOB_IDLE },
		{ 0x40000008, DELTA_MOB, 1, 6387, 1198, 10, 10, MOB_WANDER },
		{ 0x40000009, DELTA_MOB, 1, 6409, 996, 10, 10, MOB_WANDER }
	} }
};

/*
 * What tests/fixtures/snapshot-v5.bin holds (tests/fixtures/README): the
 * walk of snapshot-v4.bin taken again with format 5. Meadow at tick 120,
 * Ann standing at (426, 464), Bob at (722, 404): 302 units apart, in each
 * other's view. Each session's table is current (its client was sent the
 * world of tick 120) and holds only ids: both players and the mobs of its
 * own view. The fields below are what each client had decoded at tick 120
 * (its view, equal to the world then), and x_q1 and y_q1 the positions
 * the replacement's first delta (tick 121) gave it: one mob moved in
 * each view, nothing else changed, and that delta was 14 bytes (format 1
 * of the deltas, when the fixture was made; 13 in format 2, whose
 * position-only update has no mask byte).
 */
#define V5_SIZE		3231
#define V5_TICK		120
#define V5_SEED		1868826193020142ULL
#define V5_WORLD_HASH	0xa8c1b5824f1d805bULL	/* world_hash once restored */
#define V5_MOBS		10
#define V5_NSESSIONS	2
#define V5_TABLE_MAX	5	/* entries in a session's table at most */
/* Bytes of each client's delta of tick 121 (format 3: motions). */
#define V5_NEXT_LEN	19

struct v5_entry {
	uint32_t	 id;
	uint8_t		 kind;		/* DELTA_PLAYER, DELTA_MOB */
	uint32_t	 type;
	int32_t		 xq, yq;
	uint32_t	 hp, max_hp;
	uint32_t	 level;		/* mobs: enum mob_state */
	const char	*name;		/* players */
	int32_t		 xq1, yq1;	/* at tick 121 */
};

static const struct v5_session {
	uint32_t		 id;
	const char		*character;
	uint32_t		 player;
	const char		*eio_sid;
	uint64_t		 last_seq;
	size_t			 n;		/* entries in table */
	size_t			 moved;		/* of them, by tick 121 */
	struct v5_entry		 table[V5_TABLE_MAX];
} v5_sessions[V5_NSESSIONS] = {
	{ 1, "ann", 1, "DmacL1tTxH42aBZexzTB", 101, 4, 1, {
		{ 1, DELTA_PLAYER, 0, 3408, 3712, 20, 20, 1, "Ann",
		    3408, 3712 },
		{ 2, DELTA_PLAYER, 0, 5776, 3232, 24, 24, 2, "Bob",
		    5776, 3232 },
		{ 0x40000001, DELTA_MOB, 0, 883, 5445, 10, 10, MOB_WANDER,
		    NULL, 890, 5427 },
		{ 0x40000004, DELTA_MOB, 0, 2655, 5138, 10, 10, MOB_IDLE,
		    NULL, 2655, 5138 }
	} },
	{ 2, "bob", 2, "rVRZYj5ZmhUlIGcIbDGi", 101, 5, 1, {
		{ 1, DELTA_PLAYER, 0, 3408, 3712, 20, 20, 1, "Ann",
		    3408, 3712 },
		{ 2, DELTA_PLAYER, 0, 5776, 3232, 24, 24, 2, "Bob",
		    5776, 3232 },
		{ 0x40000007, DELTA_MOB, 1, 8232, 2439, 10, 10, MOB_IDLE,
		    NULL, 8232, 2439 },
		{ 0x40000008, DELTA_MOB, 1, 6358, 716, 10, 10, MOB_WANDER,
		    NULL, 6338, 712 },
		{ 0x40000009, DELTA_MOB, 1, 8206, 1729, 10, 10, MOB_IDLE,
		    NULL, 8206, 1729 }
	} }
};

/* The whole of tests/fixtures/name. Caller frees. */
static uint8_t *
read_fixture(const char *name, size_t *len)
{
	char	 path[4096];
	uint8_t	*buf;
	long	 size;
	FILE	*f;

	fixture_path(path, sizeof path, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 0);
	ck_assert_int_lt(size, 16 * 1024 * 1024);
	rewind(f);
	*len = (size_t)size;
	buf = malloc(*len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return (buf);
}

/* A replacement before it restores: an instance and its sockets. */
struct replacement {
	struct options		 options;
	struct event_base	*base;
	struct instance		 inst;
	int			 fds[V2_NFDS];	/* sent to the instance */
	int			 peers[V2_NFDS];	/* the other ends */
	uint32_t		 ids[V2_NFDS];
	int			 owned[V2_NFDS];	/* by the instance now */
};

static void
replacement_new(struct replacement *r)
{
	char	area_dir[4096], *cause = NULL;
	int	sv[2];
	size_t	i;

	memset(r, 0, sizeof *r);
	tmpdir_dir_setup();
	fixture_path(area_dir, sizeof area_dir, "areas");
	options_init(&r->options);
	ck_assert_int_eq(options_set(&r->options, OPT_STATE_DIR, tmpdir_dir,
	    &cause), 0);
	ck_assert_int_eq(options_set(&r->options, OPT_AREA_DIR, area_dir,
	    &cause), 0);
	r->base = event_base_new();
	ck_assert_ptr_nonnull(r->base);
	ck_assert_msg(lifecycle_init_takeover(&r->inst, r->base, &r->options,
	    &cause) == 0, "lifecycle_init_takeover: %s", cause);
	for (i = 0; i < V2_NFDS; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		r->fds[i] = sv[0];
		r->peers[i] = sv[1];
		if (i < V2_NSESSIONS)
			r->ids[i] = v2_sessions[i].id;
	}
	r->ids[V2_NSESSIONS] = LIFECYCLE_FD_CLIENT;
	r->ids[V2_NSESSIONS + 1] = LIFECYCLE_FD_CONTROL;
}

/*
 * After a restore that worked, the sessions own their sockets (they close
 * them when freed); the listeners stay the caller's until
 * snapshot_resume, which is not called here.
 */
static void
replacement_restored(struct replacement *r)
{
	size_t	i;

	for (i = 0; i < V2_NSESSIONS; i++)
		r->owned[i] = 1;
}

static void
replacement_free(struct replacement *r)
{
	size_t	i;

	lifecycle_free(&r->inst);
	for (i = 0; i < V2_NFDS; i++) {
		if (!r->owned[i])
			close(r->fds[i]);
		close(r->peers[i]);
	}
	event_base_free(r->base);
	options_free(&r->options);
}

/* Nothing came of a refused snapshot. */
static void
assert_untouched(struct replacement *r)
{
	ck_assert_ptr_null(r->inst.run);
	ck_assert_uint_eq(r->inst.nsessions, 0);
	ck_assert(TAILQ_EMPTY(&r->inst.sessions));
	ck_assert_uint_eq(writeback_stats(r->inst.wb)->owned, 0);
	ck_assert_int_eq(r->inst.takeover_fds[0], -1);
	ck_assert_int_eq(r->inst.takeover_fds[1], -1);
}

static const struct pending *
find_ticket(const struct pending_table *t, const char *ticket)
{
	size_t	i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->entries[i].ticket, ticket) == 0)
			return (&t->entries[i]);
	}
	return (NULL);
}

/* The format-2 snapshot committed in tests/fixtures restores whole. */
START_TEST(test_fixture_v2)
{
	struct replacement	 r;
	const struct v2_session	*want;
	const struct pending	*p;
	struct session		*s;
	struct run		*run;
	struct world		*w;
	struct world_player	*pl;
	struct owned		*o;
	struct json_object	*doc, *v;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len, i, n, dead;
	int			 step;

	buf = read_fixture("snapshot-v2.bin", &len);
	ck_assert_uint_eq(len, V2_SIZE);
	ck_assert(memcmp(buf, SNAP_MAGIC, 4) == 0);
	ck_assert_uint_eq(buf[4], 2);		/* format 2 */
	replacement_new(&r);
	ck_assert_msg(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause) == 0, "snapshot_restore: %s", cause);
	ck_assert_ptr_null(cause);
	replacement_restored(&r);

	/* The instance. */
	ck_assert_uint_eq(r.inst.migrate.count, 1);
	ck_assert_uint_eq(r.inst.migrate.failed, 0);
	ck_assert_uint_eq(r.inst.next_session_id, 3);
	ck_assert_uint_eq(r.inst.tick_hz, 20);
	ck_assert_uint_ne(r.inst.stopped_ns, 0);
	ck_assert_int_eq(r.inst.takeover_fds[0], r.fds[V2_NSESSIONS]);
	ck_assert_int_eq(r.inst.takeover_fds[1], r.fds[V2_NSESSIONS + 1]);

	/* The run and its world. */
	run = r.inst.run;
	ck_assert_ptr_nonnull(run);
	ck_assert_str_eq(run->area->name, "meadow");
	ck_assert(run->seed == V2_SEED);
	ck_assert(json_object_is_type(run->neighbours, json_type_array));
	ck_assert_uint_eq(json_object_array_length(run->neighbours), 0);
	ck_assert(json_object_object_get_ex(run->quests, "quests", &v));
	ck_assert_uint_eq(json_object_array_length(v), 3);
	w = run->world;
	ck_assert_uint_eq(w->tick, V2_TICK);
	ck_assert_uint_eq(w->nplayers, 2);
	ck_assert_uint_eq(w->next_id, 3);
	ck_assert_uint_eq(w->nquests, 3);
	ck_assert_uint_eq(w->nmobs, V2_MOBS);
	for (i = 0, dead = 0; i < w->nmobs; i++)
		dead += w->mobs[i].state == MOB_DEAD;
	ck_assert_uint_eq(dead, V2_DEAD_MOBS);
	ck_assert_msg(world_hash(w) == V2_WORLD_HASH, "world_hash 0x%016llx",
	    (unsigned long long)world_hash(w));
	/* Ann killed a slime in the fight, Bob rose to level 3. */
	pl = world_player_find(w, 1);
	ck_assert_ptr_nonnull(pl);
	ck_assert_str_eq(pl->name, "Ann");
	ck_assert_int_eq(pl->hp, 16);
	ck_assert_int_eq(pl->max_hp, 20);
	ck_assert_uint_eq(pl->xp, 5);
	ck_assert_uint_eq(pl->nitems, 2);
	ck_assert_uint_eq(pl->nquests, 1);
	ck_assert_str_eq(pl->quests[0].id, "meadow_slimes");
	pl = world_player_find(w, 2);
	ck_assert_ptr_nonnull(pl);
	ck_assert_str_eq(pl->name, "Bob");
	ck_assert_uint_eq(pl->level, 3);
	ck_assert_int_eq(pl->hp, 25);
	ck_assert_int_eq(pl->max_hp, 29);

	/* The tickets: two used, cyd's still waiting. */
	ck_assert_uint_eq(run->pending.n, 3);
	p = find_ticket(&run->pending, "t-cyd");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->state, PENDING_WAITING);
	ck_assert_str_eq(p->character_id, "cyd");
	ck_assert_ptr_null(p->from_area);
	doc = jsonutil_parse(p->character, strlen(p->character), &cause);
	ck_assert_msg(doc != NULL, "%s", cause);
	ck_assert(json_object_object_get_ex(doc, "name", &v));
	ck_assert_str_eq(json_object_get_string(v), "Cyd");
	json_object_put(doc);
	ck_assert(pending_known(&run->pending, "t-cyd"));
	/* Deadlines are on the old process's clock: any early time. */
	ck_assert_ptr_eq(pending_find_character(&run->pending, "cyd", 0), p);
	ck_assert_ptr_null(pending_find_character(&run->pending, "ann", 0));
	for (i = 0; i < 2; i++) {
		p = find_ticket(&run->pending, i == 0 ? "t-ann" : "t-bob");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->state, PENDING_USED);
	}

	/* The characters owned here: the two playing, not cyd. */
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->owned, 2);
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->spooled, 0);
	ck_assert_ptr_null(writeback_find(r.inst.wb, "cyd"));
	o = writeback_find(r.inst.wb, "bob");
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(writeback_doc(o), "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "bob");

	/* The sessions, in order, each on the socket sent under its id. */
	ck_assert_uint_eq(r.inst.nsessions, V2_NSESSIONS);
	n = 0;
	TAILQ_FOREACH(s, &r.inst.sessions, entry) {
		ck_assert_uint_lt(n, V2_NSESSIONS);
		want = &v2_sessions[n];
		ck_assert_uint_eq(s->id, want->id);
		ck_assert_int_eq(s->state, want->state);
		ck_assert_int_eq(session_fd(s), r.fds[n]);
		ck_assert_str_eq(siosock_sid(s->sock), want->eio_sid);
		ck_assert_uint_eq(s->last_seq, want->last_seq);
		ck_assert_uint_eq(s->player, want->player);
		if (want->character == NULL) {
			ck_assert_ptr_null(s->character_id);
			ck_assert_ptr_null(s->owned);
			ck_assert_ptr_null(s->quests);
		} else {
			ck_assert_str_eq(s->character_id, want->character);
			ck_assert_ptr_nonnull(s->owned);
			ck_assert_ptr_eq(s->owned, writeback_find(r.inst.wb,
			    want->character));
			ck_assert_ptr_nonnull(s->quests);
			pl = world_player_find(w, s->player);
			ck_assert_ptr_nonnull(pl);
			ck_assert_str_eq(pl->name, want->name);
			ck_assert_uint_eq(pl->last_seq, want->last_seq);
		}
		n++;
	}
	ck_assert_uint_eq(n, V2_NSESSIONS);

	/* The world goes on. */
	for (step = 0; step < 40; step++)
		world_step(w, NULL, 0);
	ck_assert_uint_eq(w->tick, V2_TICK + 40);

	replacement_free(&r);
	free(buf);
}
END_TEST

/*
 * One byte of fixture name flipped anywhere (the checksum, or the
 * container around it): refused with a cause, and nothing restored.
 */
static void
assert_refused_damaged(const char *name)
{
	struct replacement	 r;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len, pos;

	buf = read_fixture(name, &len);
	replacement_new(&r);

	buf[len / 2] ^= 0x5a;	/* as ZONED_TEST_CORRUPT_SNAPSHOT does */
	ck_assert_int_eq(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "checksum") != NULL, "cause \"%s\"",
	    cause);
	free(cause);
	cause = NULL;
	buf[len / 2] ^= 0x5a;
	assert_untouched(&r);

	for (pos = 0; pos < len; pos++) {
		buf[pos] ^= 0xff;
		ck_assert_msg(snapshot_restore(&r.inst, buf, len, r.fds,
		    r.ids, V2_NFDS, &cause) == -1,
		    "byte %zu flipped: restored", pos);
		ck_assert_msg(cause != NULL && *cause != '\0',
		    "byte %zu flipped: no cause", pos);
		free(cause);
		cause = NULL;
		buf[pos] ^= 0xff;
		assert_untouched(&r);
	}

	replacement_free(&r);
	free(buf);
}

/*
 * Fixture name cut anywhere, even at a section boundary: refused, nothing
 * restored.
 */
static void
assert_refused_cut(const char *name)
{
	struct replacement	 r;
	uint8_t			*buf, *cut;
	char			*cause = NULL;
	size_t			 len, n;

	buf = read_fixture(name, &len);
	replacement_new(&r);
	for (n = 0; n < len; n++) {
		/* A copy of its own size, for ASan to see any overread. */
		cut = malloc(n > 0 ? n : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, buf, n);
		ck_assert_msg(snapshot_restore(&r.inst, cut, n, r.fds, r.ids,
		    V2_NFDS, &cause) == -1, "cut to %zu bytes: restored", n);
		ck_assert_msg(cause != NULL && *cause != '\0',
		    "cut to %zu bytes: no cause", n);
		if (n == len - 1 || n == len / 2)
			ck_assert_msg(strstr(cause, "truncated") != NULL,
			    "cut to %zu bytes: cause \"%s\"", n, cause);
		free(cause);
		cause = NULL;
		free(cut);
		assert_untouched(&r);
	}
	replacement_free(&r);
	free(buf);
}

START_TEST(test_fixture_v2_damaged)
{
	assert_refused_damaged("snapshot-v2.bin");
}
END_TEST

START_TEST(test_fixture_v2_truncated)
{
	assert_refused_cut("snapshot-v2.bin");
}
END_TEST

/* A snapshot of a newer format than this zoned's is refused. */
START_TEST(test_newer_format)
{
	struct replacement	 r;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len;

	buf = read_fixture("snapshot-v2.bin", &len);
	replacement_new(&r);
	buf[4] = SNAP_FORMAT + 1;
	ck_assert_int_eq(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "newer") != NULL, "cause \"%s\"", cause);
	free(cause);
	assert_untouched(&r);
	replacement_free(&r);
	free(buf);
}
END_TEST

/*
 * Format 3 (tests/fixtures/README): town, with ann handed over to cave
 * and waiting for her client to go (session 1), bob playing (session 2).
 */
START_TEST(test_fixture_v3)
{
	struct replacement	 r;
	struct session		*s;
	struct world		*w;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len;
	int			 seen = 0;

	buf = read_fixture("snapshot-v3.bin", &len);
	ck_assert_uint_eq(buf[4], 3);		/* format 3 */
	replacement_new(&r);
	ck_assert_msg(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause) == 0, "snapshot_restore: %s", cause);
	/* Two sessions this time: the third socket stays the test's. */
	r.owned[0] = r.owned[1] = 1;
	ck_assert_str_eq(r.inst.run->area->name, "town");
	ck_assert_uint_eq(json_object_array_length(r.inst.run->neighbours),
	    2);
	w = r.inst.run->world;
	ck_assert_uint_eq(r.inst.nsessions, 2);
	TAILQ_FOREACH(s, &r.inst.sessions, entry) {
		ck_assert_int_eq(s->state, SESSION_PLAYING);
		/* No delta table in format 3: its first delta is everything. */
		ck_assert_ptr_null(s->dk);
		if (strcmp(s->character_id, "ann") == 0) {
			/* Handed over: out of the world, owned by cave now. */
			ck_assert_ptr_nonnull(s->handoff);
			ck_assert(handoff_busy(s));
			ck_assert(!handoff_in_world(s));
			ck_assert_ptr_null(s->owned);
			ck_assert_ptr_null(world_player_find(w, s->player));
			seen |= 1;
		} else {
			ck_assert_str_eq(s->character_id, "bob");
			ck_assert_ptr_null(s->handoff);
			ck_assert(handoff_in_world(s));
			ck_assert_ptr_nonnull(s->owned);
			ck_assert_ptr_nonnull(world_player_find(w, s->player));
			seen |= 2;
		}
	}
	ck_assert_int_eq(seen, 3);
	ck_assert_uint_eq(w->nplayers, 1);
	/* The hand-over counters carry over too. */
	ck_assert_uint_eq(r.inst.handoff.started, 1);
	ck_assert_uint_eq(r.inst.handoff.completed, 1);
	ck_assert_uint_eq(r.inst.handoff.failed, 0);
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->owned, 1);
	ck_assert_ptr_null(writeback_find(r.inst.wb, "ann"));
	replacement_free(&r);
	free(buf);

	/* Damaged anywhere: refused. */
	buf = read_fixture("snapshot-v3.bin", &len);
	buf[len / 3] ^= 0x21;
	replacement_new(&r);
	ck_assert_int_eq(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause), -1);
	free(cause);
	assert_untouched(&r);
	replacement_free(&r);
	free(buf);
}
END_TEST

/* A delta table entry as delta_client_save writes it (format 4). */
#define V4_ENTRY_LEN	(4 + 1 + 6 * 4)

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
get_le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* A varint of a delta message (delta.h), from *p on. */
static uint64_t
get_varint(const uint8_t **p)
{
	uint64_t	v = 0;
	unsigned	shift = 0;

	do {
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	return (v);
}

/* A zigzag of a delta message (delta.h), from *p on. */
static int64_t
get_zigzag(const uint8_t **p)
{
	uint64_t	v = get_varint(p);

	return ((v & 1) ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1));
}

/*
 * Where each session's table (u32 count, then the entries) is in
 * snapshot-v4.bin, session 1's first: both tables start with the same
 * count and the same entry (player 1), found nowhere else.
 */
static void
v4_table_offsets(const uint8_t *buf, size_t len, size_t off[V4_NSESSIONS])
{
	const struct v4_entry	*e = &v4_sessions[0].table[0];
	uint8_t			 pat[4 + V4_ENTRY_LEN], *q = pat;
	size_t			 at, n = 0;

	put_le32(q, V4_TABLE);
	put_le32(q + 4, e->id);
	q[8] = e->kind;
	q += 9;
	put_le32(q, e->type);
	put_le32(q + 4, (uint32_t)e->xq);
	put_le32(q + 8, (uint32_t)e->yq);
	put_le32(q + 12, e->hp);
	put_le32(q + 16, e->max_hp);
	put_le32(q + 20, e->level);
	for (at = 0; at + sizeof pat <= len; at++) {
		if (memcmp(buf + at, pat, sizeof pat) != 0)
			continue;
		ck_assert_uint_lt(n, V4_NSESSIONS);
		off[n++] = at;
	}
	ck_assert_uint_eq(n, V4_NSESSIONS);
}

/*
 * The tables as the fixture holds them, entry by entry: what each client
 * was sent, which is what the world held at the snapshot's tick (taken
 * between ticks, after every delta went out).
 */
static void
assert_v4_tables(const uint8_t *buf, size_t len, struct world *w)
{
	const struct v4_entry	*e;
	const uint8_t		*q;
	struct world_player	*pl;
	struct world_mob	*m;
	size_t			 off[V4_NSESSIONS], i, k;

	v4_table_offsets(buf, len, off);
	for (i = 0; i < V4_NSESSIONS; i++) {
		/* Preceded by "u8 has a delta table". */
		ck_assert_uint_eq(buf[off[i] - 1], 1);
		for (k = 0; k < V4_TABLE; k++) {
			e = &v4_sessions[i].table[k];
			q = buf + off[i] + 4 + k * V4_ENTRY_LEN;
			ck_assert_msg(get_le32(q) == e->id &&
			    q[4] == e->kind && get_le32(q + 5) == e->type &&
			    (int32_t)get_le32(q + 9) == e->xq &&
			    (int32_t)get_le32(q + 13) == e->yq &&
			    get_le32(q + 17) == e->hp &&
			    get_le32(q + 21) == e->max_hp &&
			    get_le32(q + 25) == e->level,
			    "session %u: entry %zu is not 0x%08x as recorded",
			    v4_sessions[i].id, k, e->id);
			if (e->kind == DELTA_PLAYER) {
				pl = world_player_find(w, e->id);
				ck_assert_ptr_nonnull(pl);
				ck_assert_int_eq(delta_quantise(pl->x), e->xq);
				ck_assert_int_eq(delta_quantise(pl->y), e->yq);
				ck_assert_int_eq(pl->hp, (int32_t)e->hp);
				ck_assert_uint_eq(pl->level, e->level);
			} else {
				m = world_mob_find(w, e->id);
				ck_assert_ptr_nonnull(m);
				ck_assert_uint_eq(m->spawner, e->type);
				ck_assert_int_eq(delta_quantise(m->x), e->xq);
				ck_assert_int_eq(delta_quantise(m->y), e->yq);
				ck_assert_int_eq(m->hp, (int32_t)e->hp);
				ck_assert_uint_eq(m->state, e->level);
			}
		}
	}
}

/*
 * Session s, the n-th restored from a fixture: as recorded, on the n-th
 * socket, its character owned here and its player in the world.
 */
static void
assert_fixture_session(struct replacement *r, struct session *s, size_t n,
    uint32_t id, const char *eio_sid, uint64_t last_seq, uint32_t player,
    const char *character)
{
	const struct world_player	*pl;

	ck_assert_uint_eq(s->id, id);
	ck_assert_int_eq(s->state, SESSION_PLAYING);
	ck_assert_int_eq(session_fd(s), r->fds[n]);
	ck_assert_str_eq(siosock_sid(s->sock), eio_sid);
	ck_assert_uint_eq(s->last_seq, last_seq);
	ck_assert_uint_eq(s->nqueued, 0);
	ck_assert_uint_eq(s->player, player);
	ck_assert_str_eq(s->character_id, character);
	ck_assert_ptr_eq(s->owned, writeback_find(r->inst.wb, character));
	pl = world_player_find(r->inst.run->world, s->player);
	ck_assert_ptr_nonnull(pl);
	ck_assert_uint_eq(pl->last_seq, last_seq);
}

/*
 * The fixture of a released format (tests/fixtures/NAME, size bytes,
 * format) restored into r; returns its bytes (caller frees) and length.
 * It holds two sessions: the third socket stays the test's.
 */
static uint8_t *
restore_fixture(struct replacement *r, const char *name, size_t size,
    unsigned format, size_t *len)
{
	uint8_t	*buf;
	char	*cause = NULL;

	buf = read_fixture(name, len);
	ck_assert_uint_eq(*len, size);
	ck_assert(memcmp(buf, SNAP_MAGIC, 4) == 0);
	ck_assert_uint_eq(buf[4], format);
	replacement_new(r);
	ck_assert_msg(snapshot_restore(&r->inst, buf, *len, r->fds, r->ids,
	    V2_NFDS, &cause) == 0, "snapshot_restore: %s", cause);
	ck_assert_ptr_null(cause);
	r->owned[0] = r->owned[1] = 1;
	return (buf);
}

/*
 * What every fixture from format 4 on holds: the instance, the meadow run
 * and its world (Ann at (426, 464), Bob at (bob_x, 404), both standing).
 */
static void
assert_fixture_world(struct replacement *r, uint64_t seed, uint64_t tick,
    size_t mobs, uint64_t hash, float bob_x)
{
	const struct world_player	*pl;
	const struct world		*w;
	const struct run		*run = r->inst.run;
	size_t				 i;

	ck_assert_uint_eq(r->inst.migrate.count, 1);
	ck_assert_uint_eq(r->inst.migrate.failed, 0);
	ck_assert_uint_eq(r->inst.next_session_id, 2);
	ck_assert_uint_eq(r->inst.tick_hz, 20);
	ck_assert_int_eq(r->inst.takeover_fds[0], r->fds[V2_NSESSIONS]);
	ck_assert_int_eq(r->inst.takeover_fds[1], r->fds[V2_NSESSIONS + 1]);

	ck_assert_ptr_nonnull(run);
	ck_assert_str_eq(run->area->name, "meadow");
	ck_assert(run->seed == seed);
	ck_assert_uint_eq(json_object_array_length(run->neighbours), 0);
	w = run->world;
	ck_assert_uint_eq(w->tick, tick);
	ck_assert_uint_eq(w->nplayers, 2);
	ck_assert_uint_eq(w->next_id, 3);
	ck_assert_uint_eq(w->nquests, 3);
	ck_assert_uint_eq(w->nmobs, mobs);
	for (i = 0; i < w->nmobs; i++)
		ck_assert_int_ne(w->mobs[i].state, MOB_DEAD);
	ck_assert_msg(world_hash(w) == hash, "world_hash 0x%016llx",
	    (unsigned long long)world_hash(w));
	pl = world_player_find((struct world *)w, 1);
	ck_assert_ptr_nonnull(pl);
	ck_assert_str_eq(pl->name, "Ann");
	ck_assert(pl->x == 426.0f && pl->y == 464.0f);
	ck_assert(pl->dx == 0.0f && pl->dy == 0.0f);
	ck_assert_int_eq(pl->hp, 20);
	ck_assert_int_eq(pl->max_hp, 20);
	ck_assert_uint_eq(pl->level, 1);
	pl = world_player_find((struct world *)w, 2);
	ck_assert_ptr_nonnull(pl);
	ck_assert_str_eq(pl->name, "Bob");
	ck_assert(pl->x == bob_x && pl->y == 404.0f);
	ck_assert(pl->dx == 0.0f && pl->dy == 0.0f);
	ck_assert_int_eq(pl->hp, 24);
	ck_assert_int_eq(pl->max_hp, 24);
	ck_assert_uint_eq(pl->level, 2);
}

/*
 * Format 4 (tests/fixtures/README): meadow with Ann and Bob playing, in
 * each other's view, each session with the delta table of what its
 * client was sent; restored whole. Since format 5 a session keeps only
 * the ids it was sent (struct delta_known), and a format 4 table is not
 * current: the first delta resynchronises its client (all it knew
 * leaves, all it sees enters, in one message).
 */
START_TEST(test_fixture_v4)
{
	struct replacement	 r;
	const struct v4_session	*want;
	const struct pending	*p;
	const struct delta_known *dk;
	const uint8_t		*q;
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc;
	struct delta_buf	 b;
	struct session		*s;
	struct run		*run;
	struct world		*w;
	struct world_player	*pl;
	uint32_t		 vis[V4_TABLE], at[V4_TABLE], id;
	uint8_t			*buf;
	size_t			 len, i, j, n;
	int			 step, own, other;

	buf = restore_fixture(&r, "snapshot-v4.bin", V4_SIZE, 4, &len);
	/* Both stand where their last moves took them: 6 units a tick. */
	assert_fixture_world(&r, V4_SEED, V4_TICK, V4_MOBS, V4_WORLD_HASH,
	    728.0f);
	run = r.inst.run;
	w = run->world;

	/* The tables in the fixture, field by field. */
	assert_v4_tables(buf, len, w);

	/* The tickets, both used; the characters, both owned here. */
	ck_assert_uint_eq(run->pending.n, 2);
	for (i = 0; i < 2; i++) {
		p = find_ticket(&run->pending, i == 0 ? "t-ann" : "t-bob");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->state, PENDING_USED);
	}
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->owned, 2);
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->spooled, 0);

	/*
	 * The first tick after the restore, as sync.c makes it: the frame
	 * of the snapshot's tick as the seed, then the next tick's.
	 */
	memset(&dt, 0, sizeof dt);
	memset(&b, 0, sizeof b);
	enc = delta_enc_new();
	delta_frame_world(delta_tick_frame(&dt), w);
	delta_tick_begin(&dt, w->tick, 1);
	world_step(w, NULL, 0);
	fr = delta_tick_frame(&dt);
	delta_frame_world(fr, w);
	delta_tick_begin(&dt, w->tick, 0);

	/* The sessions, in order, each with the ids of its table. */
	ck_assert_uint_eq(r.inst.nsessions, V4_NSESSIONS);
	n = 0;
	TAILQ_FOREACH(s, &r.inst.sessions, entry) {
		ck_assert_uint_lt(n, V4_NSESSIONS);
		want = &v4_sessions[n];
		assert_fixture_session(&r, s, n, want->id, want->eio_sid,
		    want->last_seq, want->player, want->character);
		pl = world_player_find(w, s->player);
		ck_assert_str_eq(pl->name, want->name);

		dk = s->dk;
		ck_assert_ptr_nonnull(dk);
		ck_assert_uint_eq(dk->n, V4_TABLE);
		ck_assert_uint_eq(dk->synced, 0);	/* not current */
		/* Ann (player 1) sees Bob (player 2) and he sees her. */
		own = other = 0;
		for (i = 0; i < dk->n; i++) {
			if (i > 0)
				ck_assert_uint_lt(dk->ids[i - 1], dk->ids[i]);
			ck_assert_uint_eq(dk->ids[i], want->table[i].id);
			own |= dk->ids[i] == s->player;
			other |= dk->ids[i] == (s->player == 1 ? 2 : 1);
		}
		ck_assert_msg(own, "session %u: its own player not known",
		    s->id);
		ck_assert_msg(other, "session %u: the other player not known",
		    s->id);

		/*
		 * Its first delta, for the same view: everything it knew
		 * leaves (the ids of its table, in order), all six enter.
		 */
		for (i = 0; i < dk->n; i++) {
			for (j = 0; j < fr->n; j++) {
				if (fr->ents[j].f.id == dk->ids[i])
					break;
			}
			ck_assert_uint_lt(j, fr->n);
			vis[i] = dk->ids[i];
			at[i] = (uint32_t)j;
		}
		b.len = 0;
		ck_assert_uint_gt(delta_encode_tick(&dt, enc, s->dk, &b,
		    pl->last_seq, vis, at, V4_TABLE), 0);
		q = b.p;
		ck_assert_uint_eq(*q++, DELTA_VERSION);
		ck_assert_uint_eq(get_varint(&q), V4_TICK + 1);
		ck_assert_uint_eq(get_varint(&q), want->last_seq);
		ck_assert_uint_eq(get_varint(&q), V4_TABLE);	/* leave */
		for (i = 0, id = 0; i < V4_TABLE; i++) {
			id += (uint32_t)get_varint(&q);
			ck_assert_uint_eq(id, want->table[i].id);
		}
		ck_assert_uint_eq(get_varint(&q), V4_TABLE);	/* enter */
		/* Now it is current. */
		ck_assert_uint_eq(s->dk->synced, V4_TICK + 1);
		n++;
	}
	ck_assert_uint_eq(n, V4_NSESSIONS);
	delta_buf_free(&b);
	delta_tick_free(&dt);
	delta_enc_free(enc);

	/* The world goes on. */
	for (step = 0; step < 40; step++)
		world_step(w, NULL, 0);
	ck_assert_uint_eq(w->tick, V4_TICK + 41);

	replacement_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_fixture_v4_damaged)
{
	assert_refused_damaged("snapshot-v4.bin");
}
END_TEST

START_TEST(test_fixture_v4_truncated)
{
	assert_refused_cut("snapshot-v4.bin");
}
END_TEST

/* A checksum for the bytes as they are now, as snapw_finish writes it. */
static void
reseal(uint8_t *buf, size_t len)
{
	uint64_t	sum;
	size_t		i;

	ck_assert(memcmp(buf + len - 16, SNAP_END_TAG, 4) == 0);
	sum = snap_checksum(buf[4], buf, len - 16);
	for (i = 0; i < 8; i++)
		buf[len - 8 + i] = (uint8_t)(sum >> (8 * i));
}

/*
 * A delta table the encoder could not have written, under a checksum
 * that holds (so the table's own checks are what refuse it): ids not
 * ascending, a kind that does not exist, a position past DELTA_QMAX, a
 * count past DELTA_VIEW_MAX. Refused with a cause naming the table, and
 * no session restored: Ann's, the first, is where it stops. (What came
 * before, the run, is left for the caller, which exits: snapshot.c.)
 */
START_TEST(test_fixture_v4_table)
{
	static const struct {
		const char	*what;
		size_t		 at;	/* from the table's start */
		uint32_t	 value;	/* little-endian u32, or u8 */
		int		 u8;
	} bad[] = {
		{ "ids not ascending", 4 + V4_ENTRY_LEN, 1, 0 },
		{ "kind 2", 4 + 4, 2, 1 },
		{ "x past DELTA_QMAX", 4 + 2 * V4_ENTRY_LEN + 9,
		    DELTA_QMAX + 1, 0 },
		{ "too many entries", 0, DELTA_VIEW_MAX + 1, 0 }
	};
	struct replacement	 r;
	uint8_t			*buf, *copy;
	char			*cause = NULL;
	size_t			 len, off, offs[V4_NSESSIONS], i;

	buf = read_fixture("snapshot-v4.bin", &len);
	v4_table_offsets(buf, len, offs);
	off = offs[0];		/* Ann's */
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);

	/* Resealed as it is, it is unchanged: the writer's checksum. */
	memcpy(copy, buf, len);
	reseal(copy, len);
	ck_assert(memcmp(copy, buf, len) == 0);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		replacement_new(&r);
		memcpy(copy, buf, len);
		if (bad[i].u8)
			copy[off + bad[i].at] = (uint8_t)bad[i].value;
		else
			put_le32(copy + off + bad[i].at, bad[i].value);
		reseal(copy, len);
		ck_assert_msg(snapshot_restore(&r.inst, copy, len, r.fds,
		    r.ids, V2_NFDS, &cause) == -1, "%s: restored",
		    bad[i].what);
		ck_assert_msg(cause != NULL && strstr(cause, "delta table") !=
		    NULL, "%s: cause \"%s\"", bad[i].what,
		    cause != NULL ? cause : "(none)");
		free(cause);
		cause = NULL;
		ck_assert_uint_eq(r.inst.nsessions, 0);
		ck_assert(TAILQ_EMPTY(&r.inst.sessions));
		replacement_free(&r);
	}
	free(copy);
	free(buf);
}
END_TEST

/* A varint as delta.h and delta_known_save write it; returns its end. */
static uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return (p);
}

static uint8_t *
put_zigzag(uint8_t *p, int32_t n)
{
	return (put_varint(p, ((uint32_t)n << 1) ^ (uint32_t)(n >> 31)));
}

/*
 * Each session's table in snapshot-v5.bin, as delta_known_save wrote it
 * (session.c): u8 has a table, u8 current, u32 count, the ids as varint
 * gaps from the one before (the first from 0). Found once each.
 */
static void
assert_v5_tables(const uint8_t *buf, size_t len)
{
	const struct v5_session	*want;
	uint8_t			 pat[2 + 4 + V5_TABLE_MAX * 5], *q;
	uint32_t		 prev;
	size_t			 i, k, at, found;

	for (i = 0; i < V5_NSESSIONS; i++) {
		want = &v5_sessions[i];
		pat[0] = 1;		/* a table */
		pat[1] = 1;		/* current */
		put_le32(pat + 2, (uint32_t)want->n);
		q = pat + 6;
		for (k = 0, prev = 0; k < want->n; k++) {
			q = put_varint(q, want->table[k].id - prev);
			prev = want->table[k].id;
		}
		for (at = 0, found = 0; at + (size_t)(q - pat) <= len; at++)
			found += memcmp(buf + at, pat, (size_t)(q - pat)) == 0;
		ck_assert_msg(found == 1, "session %u: table found %zu times",
		    want->id, found);
	}
}

/*
 * A decoder's view of what the client of want knew at the snapshot's
 * tick: its recorded table, entered in one message of that tick, in
 * format 2 as its client got them then (entities without motion).
 */
static void
v5_view(struct delta_view *v, const struct v5_session *want)
{
	const struct v5_entry	*e;
	uint8_t			 msg[512], *p = msg;
	uint32_t		 prev = 0;
	char			*cause = NULL;
	size_t			 k, nlen;

	*p++ = 2;
	p = put_varint(p, V5_TICK);
	p = put_varint(p, want->last_seq);
	p = put_varint(p, 0);				/* leave */
	p = put_varint(p, want->n);			/* enter */
	for (k = 0; k < want->n; k++) {
		e = &want->table[k];
		p = put_varint(p, e->id - prev);
		prev = e->id;
		*p++ = e->kind;
		p = put_varint(p, e->type);
		p = put_zigzag(p, e->xq);
		p = put_zigzag(p, e->yq);
		p = put_varint(p, e->hp);
		p = put_varint(p, e->max_hp);
		p = put_varint(p, e->level);
		if (e->kind == DELTA_PLAYER) {
			nlen = strlen(e->name);
			p = put_varint(p, nlen);
			memcpy(p, e->name, nlen);
			p += nlen;
		}
	}
	p = put_varint(p, 0);				/* update */
	ck_assert_uint_le((size_t)(p - msg), sizeof msg);
	delta_view_init(v);
	ck_assert_msg(delta_decode(v, msg, (size_t)(p - msg), &cause) == 0,
	    "session %u: view: %s", want->id, cause != NULL ? cause : "");
	ck_assert_uint_eq(v->n, want->n);
	ck_assert_uint_eq(v->tick, V5_TICK);
}

/* Where a motion update of dx puts an entity standing at xq (delta.h). */
static int32_t
shown_q(int32_t xq, int64_t dx)
{
	int64_t	f = (int64_t)xq * 64 + dx + 32;

	return ((int32_t)(f >= 0 ? f / 64 : -((-f + 63) / 64)));
}

/*
 * A client's delta of the first tick after the restore: no leave, no
 * enter (so no resynchronisation), only updates of ids it knew, each
 * motion only (the key's P set, no mask), which is what sends each one
 * where the table says: the client had them standing (format 2), the
 * motion moves them by dx (1/512 units) at once.
 */
static void
assert_v5_next(const struct v5_session *want, const uint8_t *msg,
    size_t len)
{
	const uint8_t	*q = msg;
	uint64_t	 n, i, k, key;
	int64_t		 dx, dy;
	uint32_t	 id = 0;

	ck_assert_uint_eq(*q++, DELTA_VERSION);
	ck_assert_uint_eq(get_varint(&q), V5_TICK + 1);
	ck_assert_uint_eq(get_varint(&q), want->last_seq);
	ck_assert_msg(get_varint(&q) == 0, "session %u: a leave", want->id);
	ck_assert_msg(get_varint(&q) == 0, "session %u: an enter", want->id);
	n = get_varint(&q);
	ck_assert_uint_eq(n, want->moved);
	for (i = 0; i < n; i++) {
		key = get_varint(&q);
		ck_assert_msg((key & 1) == 1, "session %u: update with a "
		    "mask", want->id);		/* it moved, only */
		id += (uint32_t)(key >> 1);
		for (k = 0; k < want->n; k++) {
			if (want->table[k].id == id)
				break;
		}
		ck_assert_msg(k < want->n, "session %u: update of 0x%08x",
		    want->id, id);
		dx = get_zigzag(&q);
		dy = get_zigzag(&q);
		(void)get_zigzag(&q);			/* vx, vy */
		(void)get_zigzag(&q);
		ck_assert_int_eq(shown_q(want->table[k].xq, dx),
		    want->table[k].xq1);
		ck_assert_int_eq(shown_q(want->table[k].yq, dy),
		    want->table[k].yq1);
	}
	ck_assert_uint_eq((size_t)(q - msg), len);
}

/*
 * Format 5 (tests/fixtures/README): meadow with Ann and Bob playing, in
 * each other's view; each session's table holds the ids its client was
 * sent and is current. Restored whole, and the first tick after goes on
 * as sync.c does it after sync_seed: the frame of the snapshot's tick as
 * the seed, the next tick's deltas plain updates against what each
 * client holds, no leave and no enter.
 */
/*
 * Format 6 changed only the checksum: snapshot-v6.bin holds what
 * snapshot-v5.bin holds (tests/fixtures/README), and both are read by
 * the same test, _i picking the file.
 */
static const char *const v5_files[] = {
	"snapshot-v5.bin", "snapshot-v6.bin"
};

START_TEST(test_fixture_v5)
{
	struct replacement	 r;
	const struct v5_session	*want;
	const struct v5_entry	*e;
	const struct pending	*p;
	const struct delta_known *dk;
	const struct delta_entity *now;
	const struct delta_seen	*seen;
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc;
	struct delta_buf	 b;
	struct delta_view	 view;
	struct aoi		*aoi;
	struct aoi_view		 av;
	struct session		*s;
	struct run		*run;
	struct world		*w;
	struct world_player	*pl;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len, sent, i, n;
	int			 step, own, other;

	buf = restore_fixture(&r, v5_files[_i], V5_SIZE, 5 + _i, &len);
	ck_assert_uint_eq(r.inst.handoff.started, 0);
	assert_fixture_world(&r, V5_SEED, V5_TICK, V5_MOBS, V5_WORLD_HASH,
	    722.0f);
	run = r.inst.run;
	w = run->world;

	/* The tables in the fixture, byte by byte. */
	assert_v5_tables(buf, len);

	/* The tickets, both used; the characters, both owned here. */
	ck_assert_uint_eq(run->pending.n, 2);
	for (i = 0; i < 2; i++) {
		p = find_ticket(&run->pending, i == 0 ? "t-ann" : "t-bob");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->state, PENDING_USED);
	}
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->owned, 2);
	ck_assert_uint_eq(writeback_stats(r.inst.wb)->spooled, 0);

	/*
	 * The sessions, in order, each with the ids its client knows, as
	 * recorded, current: what the world holds now, field by field.
	 */
	memset(&dt, 0, sizeof dt);
	fr = delta_tick_frame(&dt);
	delta_frame_world(fr, w);
	ck_assert_uint_eq(r.inst.nsessions, V5_NSESSIONS);
	n = 0;
	TAILQ_FOREACH(s, &r.inst.sessions, entry) {
		ck_assert_uint_lt(n, V5_NSESSIONS);
		want = &v5_sessions[n];
		assert_fixture_session(&r, s, n, want->id, want->eio_sid,
		    want->last_seq, want->player, want->character);

		dk = s->dk;
		ck_assert_ptr_nonnull(dk);
		ck_assert_uint_eq(dk->synced, V5_TICK);		/* current */
		ck_assert_uint_eq(dk->n, want->n);
		own = other = 0;
		for (i = 0; i < dk->n; i++) {
			e = &want->table[i];
			ck_assert_uint_eq(dk->ids[i], e->id);
			own |= dk->ids[i] == s->player;
			other |= dk->ids[i] == (s->player == 1 ? 2 : 1);
			now = delta_frame_find(fr, e->id);
			ck_assert_ptr_nonnull(now);
			ck_assert_msg(now->f.kind == e->kind &&
			    now->f.type == e->type && now->f.xq == e->xq &&
			    now->f.yq == e->yq && now->f.hp == e->hp &&
			    now->f.max_hp == e->max_hp &&
			    now->f.level == e->level,
			    "session %u: 0x%08x is not as its client knows it",
			    s->id, e->id);
		}
		ck_assert_msg(own, "session %u: its own player not known",
		    s->id);
		ck_assert_msg(other, "session %u: the other player not known",
		    s->id);
		n++;
	}
	ck_assert_uint_eq(n, V5_NSESSIONS);

	/*
	 * The first tick after the restore, as sync.c makes it: sync_seed
	 * (the frame of the snapshot's tick, no records), a step, the next
	 * tick's frame, the interest, and each client's delta for its view.
	 */
	memset(&b, 0, sizeof b);
	enc = delta_enc_new();
	delta_tick_begin(&dt, w->tick, 1);
	aoi = aoi_new(area_width(run->area), area_height(run->area),
	    (float)options_number(&r.options, OPT_VIEW_RADIUS));
	ck_assert_ptr_nonnull(aoi);
	TAILQ_FOREACH(s, &r.inst.sessions, entry)
		ck_assert_int_eq(aoi_viewer_add(aoi, s->player), 0);
	world_step(w, NULL, 0);
	ck_assert_uint_eq(w->tick, V5_TICK + 1);
	fr = delta_tick_frame(&dt);
	delta_frame_world(fr, w);
	delta_tick_begin(&dt, w->tick, 0);
	aoi_update(aoi, fr->pos, fr->n);
	n = 0;
	TAILQ_FOREACH(s, &r.inst.sessions, entry) {
		want = &v5_sessions[n];
		pl = world_player_find(w, s->player);
		ck_assert_ptr_nonnull(pl);
		/* Everything it knew is still in view, and nothing else. */
		ck_assert_int_eq(aoi_view(aoi, s->player, &av), 0);
		ck_assert_uint_eq(av.nvisible, want->n);
		for (i = 0; i < av.nvisible; i++)
			ck_assert_uint_eq(av.visible[i], want->table[i].id);

		b.len = 0;
		sent = delta_encode_tick(&dt, enc, s->dk, &b, pl->last_seq,
		    av.visible, av.visible_at, av.nvisible);
		assert_v5_next(want, b.p, sent);
		ck_assert_uint_eq(sent, V5_NEXT_LEN);
		ck_assert_uint_eq(s->dk->synced, V5_TICK + 1);

		/* Its client, holding what it was sent, takes it. */
		v5_view(&view, want);
		ck_assert_msg(delta_decode(&view, b.p, b.len, &cause) == 0,
		    "session %u: delta_decode: %s", s->id,
		    cause != NULL ? cause : "");
		ck_assert_uint_eq(view.tick, V5_TICK + 1);
		ck_assert_uint_eq(view.seq, want->last_seq);
		ck_assert_uint_eq(view.n, want->n);
		for (i = 0; i < want->n; i++) {
			e = &want->table[i];
			seen = delta_view_find(&view, e->id);
			ck_assert_ptr_nonnull(seen);
			now = delta_frame_find(fr, e->id);
			ck_assert_ptr_nonnull(now);
			ck_assert_msg(seen->f.kind == now->f.kind &&
			    seen->f.type == now->f.type &&
			    seen->f.xq == now->f.xq &&
			    seen->f.yq == now->f.yq &&
			    seen->f.hp == now->f.hp &&
			    seen->f.max_hp == now->f.max_hp &&
			    seen->f.level == now->f.level,
			    "session %u: 0x%08x is not as the world has it",
			    s->id, e->id);
			ck_assert_int_eq(seen->f.xq, e->xq1);
			ck_assert_int_eq(seen->f.yq, e->yq1);
			ck_assert_uint_eq(seen->f.hp, e->hp);
			ck_assert_uint_eq(seen->f.level, e->level);
			if (e->kind == DELTA_PLAYER)
				ck_assert_str_eq(seen->name, e->name);
		}
		delta_view_free(&view);
		n++;
	}
	ck_assert_uint_eq(n, V5_NSESSIONS);
	aoi_free(aoi);
	delta_buf_free(&b);
	delta_tick_free(&dt);
	delta_enc_free(enc);

	/* The world goes on. */
	for (step = 0; step < 40; step++)
		world_step(w, NULL, 0);
	ck_assert_uint_eq(w->tick, V5_TICK + 41);

	replacement_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_fixture_v5_damaged)
{
	assert_refused_damaged(v5_files[_i]);
}
END_TEST

START_TEST(test_fixture_v5_truncated)
{
	assert_refused_cut(v5_files[_i]);
}
END_TEST

/* A session whose socket did not come is refused. */
START_TEST(test_socket_missing)
{
	struct replacement	 r;
	uint8_t			*buf;
	char			*cause = NULL;
	size_t			 len;

	buf = read_fixture("snapshot-v2.bin", &len);
	replacement_new(&r);
	r.ids[0] = 99;		/* ann's session is 1 */
	ck_assert_int_eq(snapshot_restore(&r.inst, buf, len, r.fds, r.ids,
	    V2_NFDS, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, "session 1 came without its socket");
	free(cause);
	ck_assert_uint_eq(r.inst.nsessions, 0);
	replacement_free(&r);
	free(buf);
}
END_TEST

static void
top_setup(void)
{
	/* What a restore logs is not the test's business. */
	log_set_level(LOG_LEVEL_WARN);
}

static Suite *
snapshot_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("snapshot");
	tc = tcase_create("fixtures");
	tcase_add_checked_fixture(tc, top_setup, NULL);
	tcase_add_test(tc, test_fixture_v2);
	tcase_add_test(tc, test_fixture_v2_damaged);
	tcase_add_test(tc, test_fixture_v2_truncated);
	tcase_add_test(tc, test_newer_format);
	tcase_add_test(tc, test_socket_missing);
	tcase_add_test(tc, test_fixture_v3);
	tcase_add_test(tc, test_fixture_v4);
	tcase_add_test(tc, test_fixture_v4_damaged);
	tcase_add_test(tc, test_fixture_v4_truncated);
	tcase_add_test(tc, test_fixture_v4_table);
	tcase_add_loop_test(tc, test_fixture_v5, 0, 2);
	tcase_add_loop_test(tc, test_fixture_v5_damaged, 0, 2);
	tcase_add_loop_test(tc, test_fixture_v5_truncated, 0, 2);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	tmpdir_top_setup("check_snapshot");
	sr = srunner_create(snapshot_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tmpdir_top_teardown();
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
