/*
 * Unit tests for delta.c: the example of delta.h byte for byte; random
 * sequences of ticks (moving, hurt, leveling, dying, coming back, kind
 * changes, clients skipping ticks) after each of which the decoded view
 * equals what the encoder remembers sending and the frame, and the
 * entities where they are (players exactly, mobs within their slack);
 * unchanged entities, and those moving as their motion says, cost
 * nothing; a view's reckoning of motions, exactly; walkers through the
 * shared tick, a straight walk costing a record or a few; the motions
 * through a live migration (delta_tick_save, delta_tick_restore); every
 * truncation, hand-made malformations and a few thousand random
 * mutations are refused without a crash and without touching the view;
 * the quantisation bound; a real world through delta_frame_world and
 * aoi.c; no allocation in the steady state; the update records of format
 * 3 (a motion alone without a mask); formats 1 and 2 still read, and
 * mixed with format 3; the committed fixtures tests/fixtures/delta-v1.bin
 * (format 1), delta-v2.bin (format 2), both now only read, and
 * delta-v3.bin (format 3, written byte for byte), read by
 * clients/js/test/delta-selftest.cjs too.
 *
 * ZONED_WRITE_DELTA_FIXTURE=PATH tests/unit/check_delta writes the
 * fixture's messages to PATH and the view they lead to to PATH with
 * ".json" for ".bin". When the format changes, write delta-vN.bin with
 * it, add a test for it like test_fixture_v3, and keep the old ones
 * (their tests only replaying them, as test_fixture_v1).
 */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "aoi.h"
#include "countalloc.h"
#include "testrand.h"
#include "delta.h"
#include "snapfmt.h"
#include "sim/area.h"
#include "sim/world.h"
#include "simfix.h"
#include "utf8.h"
#include "xmalloc.h"

/* The test's own generator (xorshift64*). */
/* ---- checks ------------------------------------------------------------- */

/*
 * ck_assert_msg without check's bookkeeping of every passed assertion
 * (a write to a pipe in fork mode), for the hot loops.
 */
#define CHECK(expr, ...) do {						\
	if (!(expr))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

static void
assert_fields(const struct delta_fields *got, const struct delta_fields *want,
    const char *what)
{
	CHECK(got->id == want->id && got->kind == want->kind &&
	    got->type == want->type && got->xq == want->xq &&
	    got->yq == want->yq && got->hp == want->hp &&
	    got->max_hp == want->max_hp && got->level == want->level,
	    "%s: id %u kind %u type %u (%d, %d) hp %u/%u level %u, want "
	    "id %u kind %u type %u (%d, %d) hp %u/%u level %u", what,
	    got->id, got->kind, got->type, got->xq, got->yq, got->hp,
	    got->max_hp, got->level, want->id, want->kind, want->type,
	    want->xq, want->yq, want->hp, want->max_hp, want->level);
}

/* The name a client gets for name: a UTF-8 prefix of 63 bytes, or "". */
static void
sent_name(const char *name, char *out)
{
	size_t	n = 0;

	if (name != NULL) {
		n = utf8_prefix_len(name, DELTA_NAME_MAX - 1);
		if (!utf8_valid(name, n))
			n = 0;
		memcpy(out, name, n);
	}
	out[n] = '\0';
}

/* The decoded view is what the encoder remembers having sent. */
static void
assert_view_known(const struct delta_view *v, const struct delta_client *c)
{
	const struct delta_fields	*k;
	size_t				 n, i;

	k = delta_client_known(c, &n);
	CHECK(v->n == n, "view of %zu, sent %zu", v->n, n);
	for (i = 0; i < n; i++)
		assert_fields(&v->ents[i].f, &k[i], "view vs sent");
}

/* The decoded view is exactly ents[at[0..nat)], names included. */
static void
assert_view_truth(const struct delta_view *v, const struct delta_entity *ents,
    const uint32_t *at, size_t nat)
{
	char	name[DELTA_NAME_MAX];
	size_t	i;

	CHECK(v->n == nat, "view of %zu, truth %zu", v->n, nat);
	for (i = 0; i < nat; i++) {
		assert_fields(&v->ents[i].f, &ents[at[i]].f, "view vs truth");
		sent_name(ents[at[i]].f.kind == DELTA_PLAYER ?
		    ents[at[i]].name : NULL, name);
		CHECK(strcmp(v->ents[i].name, name) == 0, "name \"%s\", "
		    "want \"%s\"", v->ents[i].name, name);
	}
}

/* ---- synthetic entities ------------------------------------------------- */

#define SMAX	512

/* An entity of the tests' own little world. */
struct sent {
	uint32_t	 id;
	uint8_t		 kind;
	uint32_t	 type;
	float		 x, y;
	uint32_t	 hp, max_hp, level;
	char		 name[96];
	int		 alive;
};

/* This tick's frame from s[0..n), which is by ascending id. */
static void
frame_build(struct delta_frame *fr, const struct sent *s, size_t n)
{
	struct delta_entity	*e;
	size_t			 i, k = 0;

	delta_frame_reserve(fr, n);
	for (i = 0; i < n; i++) {
		if (!s[i].alive)
			continue;
		e = &fr->ents[k];
		memset(&e->f, 0, sizeof e->f);
		e->f.id = s[i].id;
		e->f.kind = s[i].kind;
		e->f.type = s[i].kind == DELTA_MOB ? s[i].type : 0;
		delta_fields_place(&e->f, s[i].x, s[i].y, 0);
		e->f.hp = s[i].hp;
		e->f.max_hp = s[i].max_hp;
		e->f.level = s[i].level;
		e->name = s[i].kind == DELTA_PLAYER ? s[i].name : NULL;
		fr->pos[k].id = s[i].id;
		fr->pos[k].x = s[i].x;
		fr->pos[k].y = s[i].y;
		k++;
	}
	fr->n = k;
}

/*
 * The decoded view against the entities' own positions (s[0..n), by
 * ascending id): a player is shown exactly where it is, quantised; a mob
 * within DELTA_SLACK_MOB steps, which its motion may be off by.
 */
static void
assert_view_near(const struct delta_view *v, const struct sent *s, size_t n)
{
	const struct delta_fields	*f;
	size_t				 i, lo, hi, mid;
	int32_t				 slack, dx, dy;

	for (i = 0; i < v->n; i++) {
		f = &v->ents[i].f;
		for (lo = 0, hi = n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (s[mid].id < f->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		CHECK(lo < n && s[lo].id == f->id && s[lo].alive &&
		    s[lo].kind == f->kind, "entity %u is not there", f->id);
		slack = f->kind == DELTA_PLAYER ? DELTA_SLACK_PLAYER :
		    DELTA_SLACK_MOB;
		dx = abs(f->xq - delta_quantise(s[lo].x));
		dy = abs(f->yq - delta_quantise(s[lo].y));
		CHECK(dx <= slack && dy <= slack, "%s %u shown at (%d, %d), "
		    "at (%d, %d)", f->kind == DELTA_PLAYER ? "player" : "mob",
		    f->id, f->xq, f->yq, delta_quantise(s[lo].x),
		    delta_quantise(s[lo].y));
	}
}

static const char *const names[] = {
	"Ann", "Bob", "Zo\xc3\xab", "\xe9\x9b\xaa\xe4\xb9\x83", "",
	"O'Brien \"the\" \\ back", "tab\there",
	/* 63 bytes: sent whole. */
	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0",
	/* 62 + a 2-byte letter: cut to 62. */
	"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "\xc3\xa9",
	/* 80 bytes: cut to 63. */
	"0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789",
	"bad \xff\xfe utf-8",		/* sent as "" */
};
#define NNAMES	(sizeof names / sizeof names[0])

static void
sent_random(uint64_t *s, struct sent *e, uint32_t id, float w)
{
	memset(e, 0, sizeof *e);
	e->id = id;
	e->kind = tbelow(s, 3) == 0 ? DELTA_PLAYER : DELTA_MOB;
	e->type = tbelow(s, 6);
	e->x = (float)(tunit(s) * (w + 200) - 100);	/* a bit outside */
	e->y = (float)(tunit(s) * (w + 200) - 100);
	e->max_hp = 1 + tbelow(s, 300);
	e->hp = tbelow(s, e->max_hp + 1);
	e->level = e->kind == DELTA_PLAYER ? 1 + tbelow(s, 40) :
	    tbelow(s, 5);
	snprintf(e->name, sizeof e->name, "%s", names[tbelow(s, NNAMES)]);
	e->alive = 1;
}

/* A world of 250 random entities, ids 1 to 4 apart; returns how many. */
static size_t
sent_world(uint64_t *s, struct sent *e, uint32_t *nextid, float w)
{
	size_t	n;

	for (n = 0; n < 250; n++) {
		*nextid += 1 + tbelow(s, 4);
		sent_random(s, &e[n], *nextid, w);
	}
	return (n);
}

/* One tick of life: moves, wounds, deaths, births, changes of kind. */
static void
sent_tick(uint64_t *s, struct sent *e, size_t *n, uint32_t *nextid, float w)
{
	size_t	i;
	int	r;

	for (i = 0; i < *n; i++) {
		if (!e[i].alive) {
			if (tbelow(s, 20) == 0) {	/* back, maybe other */
				sent_random(s, &e[i], e[i].id, w);
			}
			continue;
		}
		r = (int)tbelow(s, 1000);
		if (r < 15) {
			e[i].alive = 0;
			continue;
		}
		if (r < 18) {				/* another kind */
			e[i].kind = !e[i].kind;
			continue;
		}
		if (r < 20) {				/* far away and back */
			e[i].x = tbelow(s, 2) ? 3e9f : -1e8f;
			continue;
		}
		if (r < 30) {				/* teleport */
			e[i].x = (float)(tunit(s) * w);
			e[i].y = (float)(tunit(s) * w);
		}
		if (fabsf(e[i].x) > 1e6f)
			e[i].x = (float)(tunit(s) * w);
		if (r < 600) {
			e[i].x += (float)(tunit(s) * 6 - 3);
			e[i].y += (float)(tunit(s) * 6 - 3);
		}
		if (r % 10 == 0)
			e[i].hp = tbelow(s, e[i].max_hp + 1);
		if (r % 41 == 0)
			e[i].max_hp += 5;
		if (r % 33 == 0)
			e[i].level = e[i].kind == DELTA_PLAYER ?
			    e[i].level + 1 : tbelow(s, 5);
	}
	while (*n < SMAX && tbelow(s, 3) == 0) {
		*nextid += 1 + tbelow(s, 4);
		sent_random(s, &e[*n], *nextid, w);
		(*n)++;
	}
}

/* ---- the example of delta.h --------------------------------------------- */

static const uint8_t golden1[] = {
	0x03, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00,			/* Ann */
	0x80, 0x50, 0xff, 0x13, 0x80, 0x08, 0x00,	/* bx, by, vx, vy */
	0x12, 0x14, 0x02, 0x03, 'A', 'n', 'n',
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01,	/* the mob */
	0x80, 0xa1, 0x06, 0x80, 0x90, 0x03, 0x00, 0x00,
	0x0c, 0x0c, 0x01,
	0x00,
};
static const uint8_t golden2[] = {
	0x03, 0xad, 0x02, 0x08, 0x00, 0x00, 0x01,
	0x86, 0x80, 0x80, 0x80, 0x08, 0x02, 0x09,	/* mob: P 0, hp */
};
static const uint8_t golden3[] = {
	0x03, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
};
static const uint8_t golden4[] = {
	0x03, 0xaf, 0x02, 0x09, 0x00, 0x00, 0x01,
	0x02, 0x03, 0xff, 0x07, 0x00, 0x00, 0x00, 0x11,	/* stops, hp */
};

/*
 * The example as format 2 sent it (no motions: Ann moved east, stood,
 * then moved back west): still read.
 */
static const uint8_t golden1_v2[] = {
	0x02, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00, 0xa0, 0x01, 0x27, 0x12, 0x14, 0x02,
	0x03, 'A', 'n', 'n',
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01, 0xc2, 0x0c, 0xa0, 0x06,
	0x0c, 0x0c, 0x01,
	0x00,
};
static const uint8_t golden2_v2[] = {
	0x02, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x03, 0x10, 0x00,			/* key 3: id 1, position */
	0x84, 0x80, 0x80, 0x80, 0x08, 0x02, 0x09,	/* P 0, hp */
};
static const uint8_t golden3_v2[] = {
	0x02, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
};
static const uint8_t golden4_v2[] = {
	0x02, 0xaf, 0x02, 0x09, 0x00, 0x00, 0x01,
	0x02, 0x03, 0x0f, 0x00, 0x11,		/* P 0, position and hp */
};

/* The same example in format 1, as delta.h had it: still read. */
static const uint8_t golden1_v1[] = {
	0x01, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00, 0xa0, 0x01, 0x27, 0x12, 0x14, 0x02,
	0x03, 'A', 'n', 'n',
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01, 0xc2, 0x0c, 0xa0, 0x06,
	0x0c, 0x0c, 0x01,
	0x00,
};
static const uint8_t golden2_v1[] = {
	0x01, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x01, 0x01, 0x10, 0x00,			/* id 1, mask 0x01 */
	0x82, 0x80, 0x80, 0x80, 0x04, 0x02, 0x09,
};
static const uint8_t golden3_v1[] = {
	0x01, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
};
static const uint8_t golden4_v1[] = {
	0x01, 0xaf, 0x02, 0x09, 0x00, 0x00, 0x01,
	0x01, 0x03, 0x0f, 0x00, 0x11,
};

/* golden1 as if sent at another tick, into m (64 bytes). */
static void
golden1_at(uint8_t *m, size_t *len, uint64_t tick)
{
	size_t	n = 1;

	m[0] = DELTA_VERSION;
	for (; tick >= 0x80; tick >>= 7)
		m[n++] = (uint8_t)(tick | 0x80);
	m[n++] = (uint8_t)tick;
	memcpy(m + n, golden1 + 3, sizeof golden1 - 3);	/* after ac 02 */
	*len = n + sizeof golden1 - 3;
}

/* The example's entities at tick 300: Ann walks east, the mob stands. */
static void
golden_entities(struct delta_entity *e)
{
	memset(e, 0, 2 * sizeof *e);
	e[0].f.id = 1;
	e[0].f.kind = DELTA_PLAYER;
	delta_fields_place(&e[0].f, 10, -2.5f, 300);
	e[0].f.vx = 512;		/* 1 unit a tick */
	e[0].f.hp = 18;
	e[0].f.max_hp = 20;
	e[0].f.level = 2;
	e[0].name = "Ann";
	e[1].f.id = WORLD_MOB_ID_BASE + 3;
	e[1].f.kind = DELTA_MOB;
	e[1].f.type = 1;
	delta_fields_place(&e[1].f, 100.125f, 50, 300);
	e[1].f.hp = 12;
	e[1].f.max_hp = 12;
	e[1].f.level = MOB_WANDER;
}

static void
assert_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t nw)
{
	size_t	i;

	for (i = 0; i < n && i < nw; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: %02x, want %02x",
		    i, got[i], want[i]);
	ck_assert_uint_eq(n, nw);
}

START_TEST(test_golden)
{
	struct delta_entity	 e[2];
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_buf	 b = { 0 };
	struct delta_view	 v;
	const struct delta_seen	*s;
	const uint32_t		 both[] = { 0, 1 }, ann[] = { 0 };
	size_t			 len;

	delta_view_init(&v);
	golden_entities(e);
	ck_assert_int_eq(e[0].f.bx, 5120);
	ck_assert_int_eq(e[1].f.bx, 51264);
	len = delta_encode(enc, c, &b, 300, 7, e, 2, both, 2);
	assert_bytes(b.p, len, golden1, sizeof golden1);

	/* Ann goes on as her motion says: no record. */
	delta_fields_at(&e[0].f, 301);
	ck_assert_int_eq(e[0].f.xq, 88);
	e[1].f.hp = 9;
	len = delta_encode(enc, c, &b, 301, 8, e, 2, both, 2);
	ck_assert_uint_eq(b.len, sizeof golden1 + len);	/* appended */
	assert_bytes(b.p + sizeof golden1, len, golden2, sizeof golden2);

	delta_fields_at(&e[0].f, 302);
	b.len = 0;
	len = delta_encode(enc, c, &b, 302, 8, e, 2, ann, 1);
	assert_bytes(b.p, len, golden3, sizeof golden3);

	/* She stops at 12, a unit short of where her motion says. */
	delta_fields_place(&e[0].f, 12, -2.5f, 303);
	e[0].f.hp = 17;
	b.len = 0;
	len = delta_encode(enc, c, &b, 303, 9, e, 2, ann, 1);
	assert_bytes(b.p, len, golden4, sizeof golden4);

	/* And the decoder reads them back. */
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	ck_assert_uint_eq(v.tick, 300);
	ck_assert_uint_eq(v.seq, 7);
	ck_assert_uint_eq(v.n, 2);
	ck_assert_str_eq(v.ents[0].name, "Ann");
	ck_assert_int_eq(v.ents[0].f.xq, 80);
	ck_assert_int_eq(v.ents[0].f.yq, -20);
	ck_assert_int_eq(v.ents[0].f.vx, 512);
	ck_assert_int_eq(v.ents[0].f.vy, 0);
	ck_assert_uint_eq(v.ents[0].f.hp, 18);
	ck_assert_uint_eq(v.ents[0].f.max_hp, 20);
	ck_assert_uint_eq(v.ents[0].f.level, 2);
	ck_assert_int_eq(v.ents[1].f.xq, 801);
	ck_assert_int_eq(v.ents[1].f.yq, 400);
	ck_assert_int_eq(v.ents[1].f.vx, 0);
	ck_assert_uint_eq(v.ents[1].f.type, 1);
	ck_assert_uint_eq(v.ents[1].f.level, MOB_WANDER);
	ck_assert_str_eq(v.ents[1].name, "");
	ck_assert_int_eq(delta_decode(&v, golden2, sizeof golden2, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->f.xq, 88);
	ck_assert_int_eq(s->f.yq, -20);
	s = delta_view_find(&v, WORLD_MOB_ID_BASE + 3);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->f.hp, 9);
	ck_assert_int_eq(s->f.xq, 801);
	ck_assert_int_eq(delta_decode(&v, golden3, sizeof golden3, NULL), 0);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_ptr_null(delta_view_find(&v, WORLD_MOB_ID_BASE + 3));
	ck_assert_int_eq(v.ents[0].f.xq, 96);
	ck_assert_int_eq(delta_decode(&v, golden4, sizeof golden4, NULL), 0);
	ck_assert_uint_eq(v.tick, 303);
	ck_assert_uint_eq(v.seq, 9);
	ck_assert_int_eq(v.ents[0].f.xq, 96);
	ck_assert_int_eq(v.ents[0].f.yq, -20);
	ck_assert_int_eq(v.ents[0].f.vx, 0);
	ck_assert_uint_eq(v.ents[0].f.hp, 17);
	assert_view_known(&v, c);

	/* Standing, she stays: a quiet tick later, still at 12. */
	b.len = 0;
	len = delta_encode(enc, c, &b, 310, 9, e, 2, ann, 1);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	ck_assert_int_eq(v.ents[0].f.xq, 96);

	delta_view_free(&v);
	delta_buf_free(&b);
	delta_client_free(c);
	delta_enc_free(enc);
}
END_TEST

/* The view after each message of the example, in any format. */
static void
golden_views(struct delta_view v[4], int format)
{
	static const struct {
		const uint8_t	*p;
		size_t		 len;
	} m[3][4] = { {
		{ golden1_v1, sizeof golden1_v1 },
		{ golden2_v1, sizeof golden2_v1 },
		{ golden3_v1, sizeof golden3_v1 },
		{ golden4_v1, sizeof golden4_v1 },
	}, {
		{ golden1_v2, sizeof golden1_v2 },
		{ golden2_v2, sizeof golden2_v2 },
		{ golden3_v2, sizeof golden3_v2 },
		{ golden4_v2, sizeof golden4_v2 },
	}, {
		{ golden1, sizeof golden1 },
		{ golden2, sizeof golden2 },
		{ golden3, sizeof golden3 },
		{ golden4, sizeof golden4 },
	} };
	struct delta_view	 w;
	char			*cause = NULL;
	size_t			 i, k;

	delta_view_init(&w);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(delta_decode(&w, m[format - 1][i].p,
		    m[format - 1][i].len, &cause) == 0, "format %d, message "
		    "%zu: %s", format, i, cause);
		delta_view_init(&v[i]);
		v[i].tick = w.tick;
		v[i].seq = w.seq;
		v[i].n = w.n;
		v[i].ents = calloc(w.n + 1, sizeof *v[i].ents);
		ck_assert_ptr_nonnull(v[i].ents);
		for (k = 0; k < w.n; k++)
			v[i].ents[k] = w.ents[k];
	}
	delta_view_free(&w);
}

static void
assert_same_view(const struct delta_view *a, const struct delta_view *b,
    const char *what)
{
	size_t	i;

	ck_assert_msg(a->tick == b->tick && a->seq == b->seq && a->n == b->n,
	    "%s: tick %llu seq %llu n %zu, and %llu %llu %zu", what,
	    (unsigned long long)a->tick, (unsigned long long)a->seq, a->n,
	    (unsigned long long)b->tick, (unsigned long long)b->seq, b->n);
	for (i = 0; i < a->n; i++) {
		assert_fields(&a->ents[i].f, &b->ents[i].f, what);
		ck_assert_str_eq(a->ents[i].name, b->ents[i].name);
	}
}

/*
 * Formats 1 and 2 are still read: the example as format 1 sent it leads
 * to the same views as format 2, and a view may go on from one to the
 * other (the version is each message's own). Format 3's example shows
 * the same entities, Ann where her motion puts her.
 */
START_TEST(test_format1_read)
{
	struct delta_view	 v1[4], v2[4], v3[4], w;
	size_t			 i;
	const int32_t		 ann2[] = { 80, 88, 88, 80 };
	const int32_t		 ann3[] = { 80, 88, 96, 96 };

	golden_views(v1, 1);
	golden_views(v2, 2);
	golden_views(v3, 3);
	for (i = 0; i < 4; i++) {
		assert_same_view(&v1[i], &v2[i], "format 1 vs 2");
		ck_assert_int_eq(v2[i].ents[0].f.xq, ann2[i]);
		ck_assert_int_eq(v3[i].ents[0].f.xq, ann3[i]);
		ck_assert_uint_eq(v3[i].n, v2[i].n);
		ck_assert_uint_eq(v3[i].tick, v2[i].tick);
		ck_assert_uint_eq(v3[i].ents[0].f.hp, v2[i].ents[0].f.hp);
	}
	ck_assert_int_eq(v1[1].ents[0].f.xq, 88);
	ck_assert_uint_eq(v1[1].ents[1].f.hp, 9);
	ck_assert_uint_eq(v3[1].ents[1].f.hp, 9);
	ck_assert_uint_eq(v1[3].ents[0].f.hp, 17);

	/* 1, 2, 1, 2. */
	delta_view_init(&w);
	ck_assert_int_eq(delta_decode(&w, golden1_v1, sizeof golden1_v1,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden2_v2, sizeof golden2_v2,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden3_v1, sizeof golden3_v1,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden4_v2, sizeof golden4_v2,
	    NULL), 0);
	assert_same_view(&w, &v2[3], "formats mixed");
	delta_view_free(&w);

	/* 2, 1, 3, 3: format 3 after them goes on from where they left. */
	delta_view_init(&w);
	ck_assert_int_eq(delta_decode(&w, golden1_v2, sizeof golden1_v2,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden2_v1, sizeof golden2_v1,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden3, sizeof golden3, NULL), 0);
	ck_assert_int_eq(w.ents[0].f.xq, 88);	/* stands: no motion */
	ck_assert_int_eq(delta_decode(&w, golden4, sizeof golden4, NULL), 0);
	ck_assert_int_eq(w.ents[0].f.xq, 80);	/* 88 - 8: dx of -512 */
	ck_assert_uint_eq(w.ents[0].f.hp, 17);
	ck_assert_uint_eq(w.tick, 303);
	delta_view_free(&w);
	for (i = 0; i < 4; i++) {
		delta_view_free(&v1[i]);
		delta_view_free(&v2[i]);
		delta_view_free(&v3[i]);
	}
}
END_TEST

/*
 * The update records of format 3, from the encoder and back: a new
 * motion alone is its key and four zigzags (dx, dy in 1/512 units, then
 * the velocity), anything else a key with P 0, the mask and the fields;
 * a mask of 0x01 with P 0 is refused. Formats 1 and 2 go on being read
 * against a view of format 3, and format 3 after them.
 */
START_TEST(test_update_keys)
{
	static const struct {
		const char	*what;
		int32_t		 dx, dy, vx, vy;
		uint32_t	 hp, level;
		size_t		 len;
		uint8_t		 rec[12];	/* after 03 02 00 00 00 01 */
	} cases[] = {
	{ "motion only, small", 512, -192, 0, 0, 20, 1, 7,
	    { 0x0f, 0x80, 0x08, 0xff, 0x02, 0x00, 0x00 } },
	{ "a turn: velocity only", 0, 0, 512, -512, 20, 1, 7,
	    { 0x0f, 0x00, 0x00, 0x80, 0x08, 0xff, 0x07 } },
	{ "motion only, the shortest", 63, -64, 1, -1, 20, 1, 5,
	    { 0x0f, 0x7e, 0x7f, 0x02, 0x01 } },
	{ "motion only, larger", 64, 0, 0, 0, 20, 1, 6,
	    { 0x0f, 0x80, 0x01, 0x00, 0x00, 0x00 } },
	{ "velocity at the most", 0, 0, DELTA_VMAX, -DELTA_VMAX, 20, 1, 9,
	    { 0x0f, 0x00, 0x00, 0xfe, 0xff, 0x7f, 0xfd, 0xff, 0x7f } },
	{ "hp only", 0, 0, 0, 0, 13, 1, 3, { 0x0e, 0x02, 0x0d } },
	{ "motion and hp", -64, 64, 0, 0, 5, 1, 8,
	    { 0x0e, 0x03, 0x7f, 0x80, 0x01, 0x00, 0x00, 0x05 } },
	{ "motion and level", 128, 0, 2560, 0, 20, 4, 9,
	    { 0x0e, 0x09, 0x80, 0x02, 0x00, 0x80, 0x28, 0x00, 0x04 } },
	};
	struct delta_entity	 e[8];
	struct delta_fields	 was;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c;
	struct delta_buf	 b = { 0 };
	struct delta_view	 v;
	const struct delta_seen	*s;
	const uint32_t		 at[] = { 0, 1 };
	uint8_t			 m[32];
	char			*cause;
	size_t			 i, len;

	memset(e, 0, sizeof e);
	e[0].f.id = 7;
	e[0].f.kind = DELTA_PLAYER;
	e[0].f.xq = 800;
	e[0].f.yq = -160;
	delta_fields_stand(&e[0].f, 1);
	e[0].f.hp = e[0].f.max_hp = 20;
	e[0].f.level = 1;
	e[0].name = "Pat";
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = delta_client_new();
		delta_view_init(&v);
		e[1] = e[0];
		len = delta_encode(enc, c, &b, 1, 0, &e[1], 1, at, 1);
		ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
		was = e[1].f;
		e[1].f.bx += cases[i].dx;
		e[1].f.by += cases[i].dy;
		e[1].f.vx = cases[i].vx;
		e[1].f.vy = cases[i].vy;
		e[1].f.t0 = 2;
		delta_fields_at(&e[1].f, 2);
		e[1].f.hp = cases[i].hp;
		e[1].f.level = cases[i].level;
		b.len = 0;
		len = delta_encode(enc, c, &b, 2, 0, &e[1], 1, at, 1);
		ck_assert_msg(len == 6 + cases[i].len, "%s: %zu bytes",
		    cases[i].what, len);
		/* Tick 2, seq 0, no leave, no enter, 1 update. */
		ck_assert(memcmp(b.p, "\x03\x02\x00\x00\x00\x01", 6) == 0);
		/* The key (gap 7, then P), the mask if P is 0, fields. */
		assert_bytes(b.p + 6, len - 6, cases[i].rec, cases[i].len);
		cause = NULL;
		ck_assert_msg(delta_decode(&v, b.p, len, &cause) == 0,
		    "%s: %s", cases[i].what, cause);
		s = delta_view_find(&v, 7);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(s->f.bx, was.bx + cases[i].dx);
		ck_assert_int_eq(s->f.by, was.by + cases[i].dy);
		ck_assert_int_eq(s->f.vx, cases[i].vx);
		ck_assert_int_eq(s->f.vy, cases[i].vy);
		/* A motion starts at the message's tick. */
		ck_assert_uint_eq(s->f.t0, cases[i].rec[0] == 0x0e &&
		    !(cases[i].rec[1] & DELTA_F_POS) ? 1 : 2);
		ck_assert_int_eq(s->f.xq, e[1].f.xq);
		ck_assert_int_eq(s->f.yq, e[1].f.yq);
		ck_assert_uint_eq(s->f.hp, cases[i].hp);
		ck_assert_uint_eq(s->f.level, cases[i].level);
		assert_view_known(&v, c);
		delta_view_free(&v);
		delta_client_free(c);
		b.len = 0;
	}

	/* Two ids, one 0x40000000 above the other: key of 5 bytes. */
	c = delta_client_new();
	delta_view_init(&v);
	e[1] = e[0];
	e[1].f.id = WORLD_MOB_ID_BASE + 7;
	e[1].f.kind = DELTA_MOB;
	e[1].name = NULL;
	len = delta_encode(enc, c, &b, 1, 0, e, 2, at, 2);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	e[0].f.xq++;
	delta_fields_stand(&e[0].f, 2);
	e[1].f.yq--;
	delta_fields_stand(&e[1].f, 2);
	b.len = 0;
	len = delta_encode(enc, c, &b, 2, 0, e, 2, at, 2);
	{
		static const uint8_t want[] = {
			0x03, 0x02, 0x00, 0x00, 0x00, 0x02,
			0x0f, 0x80, 0x01, 0x00, 0x00, 0x00,	/* 7: +64 */
			0x81, 0x80, 0x80, 0x80, 0x08,		/* its mob */
			0x00, 0x7f, 0x00, 0x00,			/* -64 */
		};

		assert_bytes(b.p, len, want, sizeof want);
	}
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_known(&v, c);
	delta_view_free(&v);
	delta_client_free(c);

	/*
	 * By hand, on a view of the example's first message (tick 300): mask
	 * 0x01 with P 0 is refused, the view unchanged; a format-1 message
	 * may send it, and leaves everything standing; then format 2's P 0
	 * with mask 0x03 and a position-only record of a mob; then format
	 * 3's motion-only record of that mob, which it then follows.
	 */
	delta_view_init(&v);
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	memcpy(m, (const uint8_t []){ 0x03, 0xac, 0x02, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x01, 0x80, 0x08, 0x00, 0x00, 0x00 }, 14);
	cause = NULL;
	ck_assert_int_eq(delta_decode(&v, m, 14, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "mask") != NULL, "%s", cause);
	free(cause);
	ck_assert_uint_eq(v.tick, 300);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 80);
	memcpy(m, (const uint8_t []){ 0x01, 0x05, 0x00, 0x00, 0x00, 0x01,
	    0x01, 0x01, 0x10, 0x00 }, 10);	/* id gap 1, mask 0x01 */
	ck_assert_int_eq(delta_decode(&v, m, 10, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_int_eq(s->f.xq, 88);
	ck_assert_int_eq(s->f.vx, 0);
	memcpy(m, (const uint8_t []){ 0x02, 0x06, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x03, 0x0f, 0x01, 0x05 }, 11);
	ck_assert_int_eq(delta_decode(&v, m, 11, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_int_eq(s->f.xq, 80);
	ck_assert_int_eq(s->f.yq, -21);
	ck_assert_uint_eq(s->f.hp, 5);
	ck_assert_uint_eq(v.tick, 6);
	/* A position-only record of a mob, its key of 5 bytes. */
	memcpy(m, (const uint8_t []){ 0x02, 0x07, 0x00, 0x00, 0x00, 0x01,
	    0x87, 0x80, 0x80, 0x80, 0x08, 0x01, 0x02 }, 13);
	ck_assert_int_eq(delta_decode(&v, m, 13, NULL), 0);
	s = delta_view_find(&v, WORLD_MOB_ID_BASE + 3);
	ck_assert_int_eq(s->f.xq, 800);
	ck_assert_int_eq(s->f.yq, 401);
	/* Its motion, format 3: a step west, then 1/16 a tick west. */
	memcpy(m, (const uint8_t []){ 0x03, 0x08, 0x00, 0x00, 0x00, 0x01,
	    0x87, 0x80, 0x80, 0x80, 0x08, 0x7f, 0x00, 0x3f, 0x00 }, 15);
	ck_assert_int_eq(delta_decode(&v, m, 15, NULL), 0);
	s = delta_view_find(&v, WORLD_MOB_ID_BASE + 3);
	ck_assert_int_eq(s->f.xq, 799);
	ck_assert_int_eq(s->f.yq, 401);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 80);
	memcpy(m, (const uint8_t []){ 0x03, 0x0a, 0x00, 0, 0, 0 }, 6);
	ck_assert_int_eq(delta_decode(&v, m, 6, NULL), 0);
	s = delta_view_find(&v, WORLD_MOB_ID_BASE + 3);
	ck_assert_int_eq(s->f.xq, 798);		/* 799 * 64 - 2 * 32 */
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 80);
	delta_view_free(&v);

	delta_buf_free(&b);
	delta_enc_free(enc);
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

#define NCLIENTS	8

/*
 * The shared tick (delta_encode_tick): random ticks seen by several
 * clients, some skipping ticks (resynchronised at their next message);
 * after every message the view is the frame as delta_tick_begin made
 * it, and the entities where they are (players exactly, mobs within
 * their slack). Client 0 never skips: its messages are byte for byte
 * the per-client encoder's, given the same frame. Half-way, a live
 * migration: every client's ids and the frame's motions go through a
 * snapshot into a new encoder seeded with that tick's frame, and the
 * views carry on.
 */
START_TEST(test_round_trip_tick)
{
	static struct sent	 e[SMAX];
	struct delta_tick	*dt, dts[2];
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_known	*k[NCLIENTS];
	struct delta_client	*classic = delta_client_new();
	struct delta_view	 v[NCLIENTS];
	struct delta_buf	 b = { 0 }, cb = { 0 };
	struct aoi		*a;
	struct aoi_view		 av;
	struct snapw		 w;
	struct snapr		 r;
	uint32_t		 viewer[NCLIENTS], nextid = 0;
	uint64_t		 s = 0x71c4 + (uint64_t)_i, tick;
	size_t			 n, i, len, clen, resyncs = 0, messages = 0;
	char			*cause = NULL;
	const float		 side = 1000;

	memset(dts, 0, sizeof dts);
	dt = &dts[0];
	a = aoi_new(side, side, 150);
	n = sent_world(&s, e, &nextid, side);
	for (i = 0; i < NCLIENTS; i++) {
		viewer[i] = e[i * 7].id;
		aoi_viewer_add(a, viewer[i]);
		k[i] = delta_known_new();
		delta_view_init(&v[i]);
	}
	for (tick = 1; tick <= 300; tick++) {
		fr = delta_tick_frame(dt);
		frame_build(fr, e, n);
		delta_tick_begin(dt, tick, 0);
		aoi_update(a, fr->pos, fr->n);
		for (i = 0; i < NCLIENTS; i++) {
			if (i > 0 && tbelow(&s, 8) == 0)
				continue;	/* output full: skipped */
			ck_assert_int_eq(aoi_view(a, viewer[i], &av), 0);
			resyncs += k[i]->n != 0 &&
			    k[i]->synced != tick - 1;
			b.len = 0;
			len = delta_encode_tick(dt, enc, k[i], &b, tick,
			    av.visible, av.visible_at, av.nvisible);
			ck_assert_uint_eq(b.len, len);
			ck_assert_msg(delta_decode(&v[i], b.p, len,
			    &cause) == 0, "tick %llu client %zu: %s",
			    (unsigned long long)tick, i, cause);
			ck_assert_uint_eq(v[i].tick, tick);
			assert_view_truth(&v[i], fr->ents, av.visible_at,
			    av.nvisible);
			assert_view_near(&v[i], e, n);
			ck_assert_uint_eq(k[i]->n, av.nvisible);
			ck_assert_uint_eq(k[i]->synced, tick);
			if (i == 0) {
				cb.len = 0;
				clen = delta_encode(enc, classic, &cb, tick,
				    tick, fr->ents, fr->n, av.visible_at,
				    av.nvisible);
				ck_assert_uint_eq(clen, len);
				ck_assert(memcmp(cb.p, b.p, len) == 0);
			}
			messages++;
		}
		if (tick == 150) {
			/* Migrate: ids through a snapshot, a seeded encoder. */
			snapw_init(&w);
			snapw_section_begin(&w, "TEST");
			for (i = 0; i < NCLIENTS; i++)
				delta_known_save(k[i], tick, &w);
			delta_tick_save(dt, tick, &w);
			snapw_section_end(&w);
			snapw_finish(&w);
			ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL,
			    &cause), 0);
			{
				char		 tag[SNAP_TAG_LEN + 1];
				struct snapr	 sec;

				ck_assert_int_eq(snapr_next_section(&r, tag,
				    &sec), 1);
				for (i = 0; i < NCLIENTS; i++) {
					delta_known_free(k[i]);
					k[i] = delta_known_new();
					ck_assert_int_eq(delta_known_restore(
					    k[i], tick, &sec, &cause), 0);
				}
				delta_tick_free(dt);
				dt = &dts[1];
				ck_assert_int_eq(delta_tick_restore(dt, tick,
				    &sec, &cause), 0);
				ck_assert_uint_eq(snapr_left(&sec), 0);
			}
			snapw_free(&w);
			fr = delta_tick_frame(dt);
			frame_build(fr, e, n);
			delta_tick_begin(dt, tick, 1);
		}
		sent_tick(&s, e, &n, &nextid, side);
	}
	ck_assert_uint_gt(resyncs, 50);
	ck_assert_uint_gt(messages, 1500);
	for (i = 0; i < NCLIENTS; i++) {
		delta_view_free(&v[i]);
		delta_known_free(k[i]);
	}
	delta_client_free(classic);
	delta_tick_free(&dts[0]);
	delta_tick_free(&dts[1]);
	delta_buf_free(&b);
	delta_buf_free(&cb);
	delta_enc_free(enc);
	aoi_free(a);
}
END_TEST

/* An entity with an id between two others, if there is a gap: no slot. */
static void
sent_insert(uint64_t *s, struct sent *e, size_t *n, float w)
{
	size_t	i, at = (size_t)tbelow(s, (uint32_t)*n);

	if (*n >= SMAX || *n < 2)
		return;
	for (i = at; i + 1 < *n; i++) {
		if (e[i + 1].id - e[i].id > 1)
			break;
	}
	if (i + 1 >= *n)
		return;
	memmove(&e[i + 2], &e[i + 1], (*n - i - 1) * sizeof *e);
	sent_random(s, &e[i + 1], e[i].id + 1, w);
	(*n)++;
}

/* Index of id among the frame's entities, or SIZE_MAX. */
static size_t
frame_index(const struct delta_frame *fr, uint32_t id)
{
	size_t	i;

	for (i = 0; i < fr->n; i++) {
		if (fr->ents[i].f.id == id)
			return (i);
	}
	return (SIZE_MAX);
}

/*
 * The bitmap encoder (delta_encode_view, stable slots) against the lists
 * one (delta_encode_tick): the same clients, skipping the same ticks,
 * through births, deaths, changes of kind, ids new between others (which
 * renumber the slots) and a live migration, get byte for byte the same
 * messages, and the views are the truth. Fails if a word of a bitmap is
 * read wrong, a renumbering loses what a client knew, or an id comes out
 * of order.
 */
START_TEST(test_round_trip_view)
{
	static struct sent	 e[SMAX];
	struct delta_tick	*dt, dts[2];
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_known	*kl[NCLIENTS], *kv[NCLIENTS];
	struct delta_view	 v[NCLIENTS];
	struct delta_buf	 b = { 0 }, bv = { 0 };
	struct aoi		*a;
	struct aoi_view		 av;
	struct snapw		 w, wv;
	struct snapr		 r;
	uint64_t		*view = NULL;
	uint32_t		 viewer[NCLIENTS], nextid = 0;
	uint64_t		 s = 0x5107 + (uint64_t)_i, tick, gen0;
	size_t			 n, i, j, len, vlen, nview, lo, hi, self;
	size_t			 viewcap = 0, fast = 0, messages = 0;
	size_t			 renumbers = 0;
	char			*cause = NULL;
	const float		 side = 1000;

	memset(dts, 0, sizeof dts);
	dt = &dts[0];
	a = aoi_new(side, side, 150);
	n = sent_world(&s, e, &nextid, side);
	for (i = 0; i < NCLIENTS; i++) {
		viewer[i] = e[i * 7].id;
		aoi_viewer_add(a, viewer[i]);
		kl[i] = delta_known_new();
		kv[i] = delta_known_new();
		delta_view_init(&v[i]);
	}
	for (tick = 1; tick <= 300; tick++) {
		fr = delta_tick_frame(dt);
		frame_build(fr, e, n);
		gen0 = dt->slots.gen;
		delta_tick_begin(dt, tick, 0);
		ck_assert_int_eq(dt->renumbered, dt->slots.gen != gen0);
		if (dt->renumbered) {
			renumbers++;
			for (i = 0; i < NCLIENTS; i++)
				delta_known_rebase(dt, kv[i]);
		}
		if (dt->nwords > viewcap) {
			free(view);
			viewcap = dt->nwords;
			view = xcalloc(viewcap, sizeof *view);
		}
		aoi_update(a, fr->pos, fr->n);
		for (i = 0; i < NCLIENTS; i++) {
			if (i > 0 && tbelow(&s, 8) == 0)
				continue;	/* output full: skipped */
			ck_assert_int_eq(aoi_view(a, viewer[i], &av), 0);
			b.len = bv.len = 0;
			len = delta_encode_tick(dt, enc, kl[i], &b, tick,
			    av.visible, av.visible_at, av.nvisible);
			self = frame_index(fr, viewer[i]);
			nview = aoi_look_mask(a, self, dt->slot_of, view, &lo,
			    &hi);
			ck_assert_uint_eq(nview, av.nvisible);
			vlen = delta_encode_view(dt, enc, kv[i], &bv, tick,
			    view, lo, hi, nview);
			for (j = 0; j < viewcap; j++)
				ck_assert_uint_eq(view[j], 0);
			fast += !kv[i]->ids_ok;
			ck_assert_uint_eq(vlen, len);
			ck_assert_msg(memcmp(b.p, bv.p, len) == 0,
			    "tick %llu client %zu: messages differ",
			    (unsigned long long)tick, i);
			ck_assert_msg(delta_decode(&v[i], bv.p, vlen,
			    &cause) == 0, "tick %llu client %zu: %s",
			    (unsigned long long)tick, i, cause);
			assert_view_truth(&v[i], fr->ents, av.visible_at,
			    av.nvisible);
			ck_assert_uint_eq(kv[i]->n, av.nvisible);
			ck_assert_uint_eq(kv[i]->synced, tick);
			messages++;
		}
		if (tick == 150) {
			/* Both tables save the same. */
			snapw_init(&w);
			snapw_init(&wv);
			snapw_section_begin(&w, "TEST");
			snapw_section_begin(&wv, "TEST");
			for (i = 0; i < NCLIENTS; i++) {
				delta_known_save(kl[i], tick, &w);
				delta_known_rebase(dt, kv[i]);
				delta_known_save(kv[i], tick, &wv);
			}
			snapw_section_end(&w);
			snapw_section_end(&wv);
			ck_assert_uint_eq(w.len, wv.len);
			ck_assert(memcmp(w.buf, wv.buf, w.len) == 0);
			snapw_free(&w);
			snapw_free(&wv);
			/* A live migration of the slotted ones. */
			snapw_init(&w);
			snapw_section_begin(&w, "TEST");
			delta_tick_save(dt, tick, &w);
			for (i = 0; i < NCLIENTS; i++)
				delta_known_save(kv[i], tick, &w);
			snapw_section_end(&w);
			snapw_finish(&w);
			ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL,
			    &cause), 0);
			{
				char		 tag[SNAP_TAG_LEN + 1];
				struct snapr	 sec;

				ck_assert_int_eq(snapr_next_section(&r, tag,
				    &sec), 1);
				delta_tick_free(dt);
				dt = &dts[1];
				ck_assert_int_eq(delta_tick_restore(dt, tick,
				    &sec, &cause), 0);
				for (i = 0; i < NCLIENTS; i++) {
					delta_known_free(kv[i]);
					kv[i] = delta_known_new();
					ck_assert_int_eq(delta_known_restore(
					    kv[i], tick, &sec, &cause), 0);
				}
				ck_assert_uint_eq(snapr_left(&sec), 0);
			}
			snapw_free(&w);
			/* Both go on against the seeded frame. */
			fr = delta_tick_frame(dt);
			frame_build(fr, e, n);
			delta_tick_begin(dt, tick, 1);
		}
		sent_tick(&s, e, &n, &nextid, side);
		if (tbelow(&s, 10) == 0)
			sent_insert(&s, e, &n, side);
	}
	ck_assert_uint_gt(messages, 1500);
	ck_assert_uint_gt(fast, messages / 2);
	ck_assert_uint_gt(renumbers, 3);
	for (i = 0; i < NCLIENTS; i++) {
		delta_view_free(&v[i]);
		delta_known_free(kl[i]);
		delta_known_free(kv[i]);
	}
	delta_tick_free(&dts[0]);
	delta_tick_free(&dts[1]);
	delta_buf_free(&b);
	delta_buf_free(&bv);
	delta_enc_free(enc);
	free(view);
	aoi_free(a);
}
END_TEST


/*
 * Random sequences of ticks seen by several clients through aoi.c, some
 * skipping ticks: after every message, the view is what was sent and
 * what is true.
 */
START_TEST(test_round_trip)
{
	static struct sent	 e[SMAX];
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c[NCLIENTS];
	struct delta_view	 v[NCLIENTS];
	struct delta_buf	 b = { 0 };
	struct aoi		*a;
	struct aoi_view		 av;
	uint32_t		 viewer[NCLIENTS], nextid = 0;
	uint64_t		 s = 0x5eed + (uint64_t)_i, seq[NCLIENTS];
	size_t			 n = 0, i, len, off, messages = 0;
	size_t			 bytes = 0, skipped = 0;
	uint64_t		 tick;
	char			*cause = NULL;
	const float		 w = 1000;

	a = aoi_new(w, w, 150);
	n = sent_world(&s, e, &nextid, w);
	for (i = 0; i < NCLIENTS; i++) {
		/* The last one watches an id that is never there. */
		viewer[i] = i + 1 < NCLIENTS ? e[i * 7].id : 1u << 31;
		aoi_viewer_add(a, viewer[i]);
		c[i] = delta_client_new();
		delta_view_init(&v[i]);
		seq[i] = 0;
	}
	for (tick = 1; tick <= 300; tick++) {
		frame_build(&fr, e, n);
		aoi_update(a, fr.pos, fr.n);
		b.len = 0;
		for (i = 0; i < NCLIENTS; i++) {
			seq[i] += tbelow(&s, 3);
			if (tbelow(&s, 8) == 0) {	/* output full: skip */
				skipped++;
				continue;
			}
			ck_assert_int_eq(aoi_view(a, viewer[i], &av), 0);
			off = b.len;
			len = delta_encode(enc, c[i], &b, tick, seq[i],
			    fr.ents, fr.n, av.visible_at, av.nvisible);
			ck_assert_uint_eq(b.len, off + len);
			ck_assert_msg(delta_decode(&v[i], b.p + off, len,
			    &cause) == 0, "tick %llu client %zu: %s",
			    (unsigned long long)tick, i, cause);
			ck_assert_uint_eq(v[i].tick, tick);
			ck_assert_uint_eq(v[i].seq, seq[i]);
			assert_view_known(&v[i], c[i]);
			assert_view_truth(&v[i], fr.ents, av.visible_at,
			    av.nvisible);
			messages++;
			bytes += len;
		}
		sent_tick(&s, e, &n, &nextid, w);
	}
	ck_assert_uint_gt(skipped, 100);
	ck_assert_uint_gt(messages, 1500);

	for (i = 0; i < NCLIENTS; i++) {
		/* A reset client gets everything as new again. */
		delta_client_reset(c[i]);
		delta_view_free(&v[i]);
		delta_view_init(&v[i]);
		ck_assert_int_eq(aoi_view(a, viewer[i], &av), 0);
		b.len = 0;
		len = delta_encode(enc, c[i], &b, tick, 0, fr.ents, fr.n,
		    av.visible_at, av.nvisible);
		ck_assert_int_eq(delta_decode(&v[i], b.p, len, NULL), 0);
		assert_view_truth(&v[i], fr.ents, av.visible_at, av.nvisible);
		delta_view_free(&v[i]);
		delta_client_free(c[i]);
	}
	delta_buf_free(&b);
	delta_frame_free(&fr);
	delta_enc_free(enc);
	aoi_free(a);
}
END_TEST

/*
 * This tick's frame of s[0..n) through t (frame_build, then
 * delta_tick_begin, which carries the motions on): t's current frame.
 */
static struct delta_frame *
tick_build(struct delta_tick *t, const struct sent *s, size_t n,
    uint64_t tick)
{
	struct delta_frame	*fr = delta_tick_frame(t);

	frame_build(fr, s, n);
	delta_tick_begin(t, tick, 0);
	return (fr);
}

/*
 * Entities that did not change, or move as their motion says, cost no
 * byte; a change costs its field. The motions are the shared tick's
 * (delta_tick_begin), as a server makes them: a move within the step a
 * player is shown at, or within a mob's slack, is no change.
 */
START_TEST(test_unchanged_free)
{
	static struct sent	 e[200];
	static uint32_t		 at[200];
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_buf	 b = { 0 };
	struct delta_view	 v;
	uint64_t		 s = 99;
	size_t			 i, mob = 0, len;
	const uint8_t		 quiet[] = { 0x03, 0x05, 0x09, 0, 0, 0 };
	/* Key 11 << 1, the mask, hp. */
	const uint8_t		 one[] = { 0x03, 0x06, 0x09, 0, 0, 1,
				     0x16, DELTA_F_HP, 0x07 };
	/* Key 12 << 1 | 1: dx 64, dy -64, vx 56, vy -64. */
	const uint8_t		 moved[] = { 0x03, 0x08, 0x09, 0, 0, 1,
				     0x19, 0x80, 0x01, 0x7f, 0x70, 0x7f };

	memset(&dt, 0, sizeof dt);
	delta_view_init(&v);
	for (i = 0; i < 200; i++) {
		sent_random(&s, &e[i], (uint32_t)i + 1, 500);
		e[i].hp = 20;
		at[i] = (uint32_t)i;
		if (mob == 0 && i > 11 && e[i].kind == DELTA_MOB)
			mob = i;
	}
	ck_assert_uint_gt(mob, 0);
	e[11].kind = DELTA_PLAYER;	/* id 12, shown exactly */
	e[11].x = 10;
	e[11].y = 20;
	fr = tick_build(&dt, e, 200, 4);
	len = delta_encode(enc, c, &b, 4, 9, fr->ents, fr->n, at, 200);
	ck_assert_uint_gt(len, 200 * 10);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	fr = tick_build(&dt, e, 200, 5);
	b.len = 0;
	len = delta_encode(enc, c, &b, 5, 9, fr->ents, fr->n, at, 200);
	assert_bytes(b.p, len, quiet, sizeof quiet);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	e[10].hp = 7;			/* id 11 */
	fr = tick_build(&dt, e, 200, 6);
	b.len = 0;
	len = delta_encode(enc, c, &b, 6, 9, fr->ents, fr->n, at, 200);
	assert_bytes(b.p, len, one, sizeof one);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	/*
	 * Moves within the same 1/8 unit are no change, nor a mob's of
	 * 6 steps; a player's step is.
	 */
	e[11].x = 10.015625f;
	e[mob].x += 0.75f;
	fr = tick_build(&dt, e, 200, 7);
	b.len = 0;
	len = delta_encode(enc, c, &b, 7, 9, fr->ents, fr->n, at, 200);
	ck_assert_uint_eq(len, sizeof quiet);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_near(&v, e, 200);
	e[11].x = 10.125f;
	e[11].y = 19.875f;
	fr = tick_build(&dt, e, 200, 8);
	b.len = 0;
	len = delta_encode(enc, c, &b, 8, 9, fr->ents, fr->n, at, 200);
	assert_bytes(b.p, len, moved, sizeof moved);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_truth(&v, fr->ents, at, 200);

	/* Going on as its motion says is no change either. */
	e[11].x += 0.109375f;
	e[11].y -= 0.125f;
	fr = tick_build(&dt, e, 200, 9);
	b.len = 0;
	len = delta_encode(enc, c, &b, 9, 9, fr->ents, fr->n, at, 200);
	ck_assert_uint_eq(len, sizeof quiet);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_truth(&v, fr->ents, at, 200);
	assert_view_near(&v, e, 200);
	ck_assert_int_eq(delta_view_find(&v, 12)->f.xq, 82);

	delta_view_free(&v);
	delta_buf_free(&b);
	delta_client_free(c);
	delta_enc_free(enc);
	delta_tick_free(&dt);
}
END_TEST

/* ---- motions ------------------------------------------------------------ */

/* Hand-made messages: a varint, a zigzag (delta.h), at the end of m. */
static void
mput(struct delta_buf *m, uint64_t v)
{
	delta_buf_reserve(m, 10);
	for (; v >= 0x80; v >>= 7)
		m->p[m->len++] = (uint8_t)(v | 0x80);
	m->p[m->len++] = (uint8_t)v;
}

static void
mput_zigzag(struct delta_buf *m, int64_t n)
{
	mput(m, n >= 0 ? (uint64_t)n << 1 : (uint64_t)(-(n + 1)) << 1 | 1);
}

/*
 * delta.h's x_f and x_q, computed apart from delta.c: the motion's
 * position after dt ticks (at most 2^31 of them), and where that is
 * shown (doubles hold both exactly).
 */
static int64_t
ref_fine(int64_t b, int32_t v, uint64_t dt)
{
	if (dt > (uint64_t)1 << 31)
		dt = (uint64_t)1 << 31;
	return (b + (int64_t)v * (int64_t)dt);
}

static int32_t
ref_q(int64_t fine)
{
	double	q = floor(((double)fine + 32) / 64);

	if (q > DELTA_QMAX)
		return (DELTA_QMAX);
	if (q < -DELTA_QMAX)
		return (-DELTA_QMAX);
	return ((int32_t)q);
}

/* A motion as the test knows it, to check a view against. */
struct ref {
	int64_t		 b[2];
	int32_t		 v[2];
	uint64_t	 t0;
};

static void
assert_reckoned(const struct delta_view *v, const struct ref *r, size_t n)
{
	const struct delta_fields	*f;
	size_t				 i;
	int32_t				 x, y;

	CHECK(v->n == n, "view of %zu, want %zu", v->n, n);
	for (i = 0; i < n; i++) {
		f = &v->ents[i].f;
		x = ref_q(ref_fine(r[i].b[0], r[i].v[0], v->tick - r[i].t0));
		y = ref_q(ref_fine(r[i].b[1], r[i].v[1], v->tick - r[i].t0));
		CHECK(f->xq == x && f->yq == y, "tick %llu: %u at (%d, %d), "
		    "want (%d, %d) (motion (%lld, %lld) + (%d, %d) a tick "
		    "from %llu)", (unsigned long long)v->tick, f->id, f->xq,
		    f->yq, x, y, (long long)r[i].b[0], (long long)r[i].b[1],
		    r[i].v[0], r[i].v[1], (unsigned long long)r[i].t0);
	}
}

/* The enter of mob id (the first of the list: gap from 0) with motion r. */
static void
mput_enter(struct delta_buf *m, uint32_t gap, const struct ref *r)
{
	mput(m, gap);
	mput(m, DELTA_MOB);
	mput(m, 0);			/* type */
	mput_zigzag(m, r->b[0]);
	mput_zigzag(m, r->b[1]);
	mput_zigzag(m, r->v[0]);
	mput_zigzag(m, r->v[1]);
	mput(m, 1);			/* hp, max_hp, state */
	mput(m, 1);
	mput(m, 0);
}

/*
 * A view moves what it sees by its motion, with no record: exactly
 * floor((bx + vx * (T - t0) + 32) / 64), halves up, negative velocities
 * and positions too, clamped at DELTA_QMAX, and T - t0 taken as at most
 * 2^31; at a motion update it goes on from where the old motion put it.
 */
START_TEST(test_reckoning)
{
	static const struct {
		int64_t		 b;
		int32_t		 v;
	} fixed[] = {
		{ 0, 0 }, { 32, 0 }, { 31, 0 }, { -32, 0 }, { -33, 0 },
		{ -96, 0 }, { -97, 0 }, { 96, 0 }, { -32, -1 }, { 31, 1 },
		{ 0, -21 }, { 100, 64 }, { 5, -96 }, { -5, 96 }, { 32, -64 },
		{ -32, 32 }, { 0, 1 }, { -1000, -1 }, { 12345, -777 },
		{ DELTA_FMAX, DELTA_VMAX }, { -DELTA_FMAX, -DELTA_VMAX },
		{ DELTA_FMAX, -DELTA_VMAX }, { -DELTA_FMAX, 3 },
	};
	static const uint64_t	 gaps[] = { 0, 1, 1, 1, 2, 3, 5, 8, 13, 21,
	    100, 1000, 1 << 20, (uint64_t)1 << 31, (uint64_t)1 << 32, 7 };
	enum { NF = sizeof fixed / sizeof fixed[0], NR = 200 };
	static struct ref	 r[NR];
	struct delta_view	 v;
	struct delta_buf	 m = { 0 };
	uint64_t		 s = 0x7ec0, tick = 1000;
	uint32_t		 prev, nu, ids[NR];
	size_t			 i, j, round;
	char			*cause = NULL;

	/* Fixed motions: x and y each one of them. */
	delta_view_init(&v);
	m.len = 0;
	mput(&m, DELTA_VERSION);
	mput(&m, tick);
	mput(&m, 0);
	mput(&m, 0);
	mput(&m, NF);
	for (i = 0; i < NF; i++) {
		r[i].b[0] = fixed[i].b;
		r[i].v[0] = fixed[i].v;
		r[i].b[1] = fixed[NF - 1 - i].b;
		r[i].v[1] = fixed[NF - 1 - i].v;
		r[i].t0 = tick;
		mput_enter(&m, 1, &r[i]);
	}
	mput(&m, 0);
	ck_assert_msg(delta_decode(&v, m.p, m.len, &cause) == 0, "%s", cause);
	assert_reckoned(&v, r, NF);
	ck_assert_int_eq(v.ents[1].f.xq, 1);		/* 32: half up */
	ck_assert_int_eq(v.ents[3].f.xq, 0);		/* -32: half up */
	ck_assert_int_eq(v.ents[4].f.xq, -1);
	ck_assert_int_eq(v.ents[5].f.xq, -1);		/* -96: -1.5 up */
	for (i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
		tick += gaps[i];
		m.len = 0;
		mput(&m, DELTA_VERSION);
		mput(&m, tick);
		mput(&m, 0);
		mput(&m, 0);
		mput(&m, 0);
		mput(&m, 0);
		ck_assert_int_eq(delta_decode(&v, m.p, m.len, NULL), 0);
		assert_reckoned(&v, r, NF);
	}
	/* 2^31 ticks and more: as 2^31 (1 a tick from 0: 2^25 steps). */
	ck_assert_int_eq(v.ents[16].f.xq, 1 << 25);
	ck_assert_int_eq(v.ents[19].f.xq, DELTA_QMAX);
	ck_assert_int_eq(v.ents[20].f.xq, -DELTA_QMAX);

	/*
	 * Random motions, some new ones at each message (P 1: dx, dy from
	 * where the old one put it, and the velocity), at random gaps.
	 */
	delta_view_free(&v);
	delta_view_init(&v);
	tick = 50;
	m.len = 0;
	mput(&m, DELTA_VERSION);
	mput(&m, tick);
	mput(&m, 0);
	mput(&m, 0);
	mput(&m, NR);
	for (i = 0; i < NR; i++) {
		for (j = 0; j < 2; j++) {
			r[i].b[j] = (int64_t)tbelow(&s, 1 << 25) - (1 << 24);
			if (tbelow(&s, 4) == 0)		/* on a half */
				r[i].b[j] = r[i].b[j] / 64 * 64 + 32;
			r[i].v[j] = (int32_t)tbelow(&s, 6001) - 3000;
			if (tbelow(&s, 5) == 0)
				r[i].v[j] = 0;
		}
		r[i].t0 = tick;
		ids[i] = (uint32_t)i + 1;
		mput_enter(&m, 1, &r[i]);
	}
	mput(&m, 0);
	ck_assert_int_eq(delta_decode(&v, m.p, m.len, NULL), 0);
	assert_reckoned(&v, r, NR);
	for (round = 0; round < 300; round++) {
		tick += tbelow(&s, 8) == 0 ? tbelow(&s, 500) : tbelow(&s, 4);
		m.len = 0;
		mput(&m, DELTA_VERSION);
		mput(&m, tick);
		mput(&m, round);
		mput(&m, 0);
		mput(&m, 0);
		for (i = 0, nu = 0; i < NR; i++)
			nu += tbelow(&s, 10) == 0;
		mput(&m, nu);
		for (i = 0, prev = 0; nu > 0 && i < NR; i++) {
			if (tbelow(&s, NR - i) >= nu)
				continue;		/* nu of what is left */
			nu--;
			mput(&m, (uint64_t)(ids[i] - prev) << 1 | 1);
			prev = ids[i];
			for (j = 0; j < 2; j++) {
				int64_t	d = (int64_t)tbelow(&s, 4001) - 2000;

				mput_zigzag(&m, d);
				r[i].b[j] = ref_fine(r[i].b[j], r[i].v[j],
				    tick - r[i].t0) + d;
			}
			for (j = 0; j < 2; j++) {
				r[i].v[j] = (int32_t)tbelow(&s, 6001) - 3000;
				mput_zigzag(&m, r[i].v[j]);
			}
			r[i].t0 = tick;
		}
		ck_assert_int_eq(nu, 0);
		cause = NULL;
		ck_assert_msg(delta_decode(&v, m.p, m.len, &cause) == 0,
		    "round %zu: %s", round, cause);
		assert_reckoned(&v, r, NR);
	}
	delta_view_free(&v);
	delta_buf_free(&m);
}
END_TEST

/*
 * Walkers: a player goes on at its velocity (units a tick), now and then
 * turning to one of 8 directions or stopping, and turns back at the
 * field's sides; a mob drifts slowly and jitters by up to half a unit a
 * tick on each axis.
 */
struct walk {
	float	 vx, vy;
};

#define WALK_SPEED	5.0f		/* 100 units a second at 20 Hz */
#define WALK_DIAG	3.5355339f	/* 5 / sqrt(2) */

static void
walk_turn(uint64_t *s, struct walk *k, float speed)
{
	static const float	 d[8][2] = {
		{ 1, 0 }, { 1, 1 }, { 0, 1 }, { -1, 1 },
		{ -1, 0 }, { -1, -1 }, { 0, -1 }, { 1, -1 },
	};
	uint32_t		 i = tbelow(s, 9);

	if (i == 8) {
		k->vx = k->vy = 0;
		return;
	}
	if (d[i][0] != 0 && d[i][1] != 0)
		speed *= WALK_DIAG / WALK_SPEED;
	k->vx = d[i][0] * speed;
	k->vy = d[i][1] * speed;
}

static void
walk_tick(uint64_t *s, struct sent *e, struct walk *k, size_t n, float side)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (e[i].kind == DELTA_PLAYER) {
			if (tbelow(s, 12) == 0)
				walk_turn(s, &k[i], WALK_SPEED);
			if (e[i].x + k[i].vx < 0 || e[i].x + k[i].vx > side)
				k[i].vx = -k[i].vx;
			if (e[i].y + k[i].vy < 0 || e[i].y + k[i].vy > side)
				k[i].vy = -k[i].vy;
			e[i].x += k[i].vx;
			e[i].y += k[i].vy;
			continue;
		}
		if (tbelow(s, 30) == 0)
			walk_turn(s, &k[i], 1);
		e[i].x += k[i].vx + (float)(tunit(s) - 0.5);
		e[i].y += k[i].vy + (float)(tunit(s) - 0.5);
		if (e[i].x < 0 || e[i].x > side)
			k[i].vx = -k[i].vx;
		if (e[i].y < 0 || e[i].y > side)
			k[i].vy = -k[i].vy;
	}
}

/*
 * The shared tick over walkers: every tick, every client's view is the
 * frame, with each player exactly where it is (quantised) and each mob
 * within DELTA_SLACK_MOB; and a player walking straight costs a record
 * when it starts and a correction now and then, not one a tick: east at
 * 5 units a tick exactly one, north-east at 5 / sqrt(2) on each axis
 * (a velocity of 1810.19 in 1/512 units, sent as 1810) a few.
 */
START_TEST(test_walkers)
{
	enum { N = 120, NP = 40, NV = 4, WALK = 40 };
	static struct sent	 e[N];
	static struct walk	 k[N];
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_known	*kn[NV];
	struct delta_view	 v[NV];
	struct delta_buf	 b = { 0 };
	struct aoi		*a;
	struct aoi_view		 av;
	const struct delta_seen	*self;
	uint64_t		 s = 0x3a1c + (uint64_t)_i, tick;
	size_t			 i, len, motions[2] = { 0, 0 }, seen = 0;
	char			*cause = NULL;
	const float		 side = 800;

	memset(&dt, 0, sizeof dt);
	a = aoi_new(side, side, 250);
	for (i = 0; i < N; i++) {
		sent_random(&s, &e[i], (uint32_t)i + 1, side);
		e[i].kind = i < NP ? DELTA_PLAYER : DELTA_MOB;
		e[i].x = (float)(tunit(&s) * side);
		e[i].y = (float)(tunit(&s) * side);
		walk_turn(&s, &k[i], i < NP ? WALK_SPEED : 1);
	}
	/* Players 1 and 2 walk straight from tick 2 to WALK + 1. */
	e[0].x = 100;
	e[0].y = 400;
	e[1].x = 100;
	e[1].y = 100;
	for (i = 0; i < NV; i++) {
		aoi_viewer_add(a, e[i].id);
		kn[i] = delta_known_new();
		delta_view_init(&v[i]);
	}
	for (tick = 1; tick <= 300; tick++) {
		fr = tick_build(&dt, e, N, tick);
		aoi_update(a, fr->pos, fr->n);
		for (i = 0; i < NV; i++) {
			if (i == 3 && tbelow(&s, 10) == 0)
				continue;	/* skipped: resynchronised */
			ck_assert_int_eq(aoi_view(a, e[i].id, &av), 0);
			b.len = 0;
			len = delta_encode_tick(&dt, enc, kn[i], &b, tick,
			    av.visible, av.visible_at, av.nvisible);
			CHECK(delta_decode(&v[i], b.p, len, &cause) == 0,
			    "tick %llu: %s", (unsigned long long)tick, cause);
			assert_view_truth(&v[i], fr->ents, av.visible_at,
			    av.nvisible);
			assert_view_near(&v[i], e, N);
			seen += v[i].n;
			if (i < 2 && tick >= 2 && tick <= WALK + 1) {
				/* Its motion starts now: a record of it. */
				self = delta_view_find(&v[i], e[i].id);
				motions[i] += self->f.t0 == tick;
			}
		}
		if (tick <= WALK) {
			walk_tick(&s, e + 2, k + 2, N - 2, side);
			e[0].x = 100 + WALK_SPEED * (float)tick;
			e[1].x = 100 + WALK_DIAG * (float)tick;
			e[1].y = 100 + WALK_DIAG * (float)tick;
			k[0].vx = WALK_SPEED;
			k[1].vx = k[1].vy = WALK_DIAG;
		} else
			walk_tick(&s, e, k, N, side);
	}
	ck_assert_uint_gt(seen, 1000);
	ck_assert_uint_eq(motions[0], 1);
	ck_assert_msg(motions[1] >= 1 && motions[1] <= 4,
	    "%zu motions in %d ticks", motions[1], WALK);

	for (i = 0; i < NV; i++) {
		delta_known_free(kn[i]);
		delta_view_free(&v[i]);
	}
	delta_tick_free(&dt);
	delta_buf_free(&b);
	delta_enc_free(enc);
	aoi_free(a);
}
END_TEST

/*
 * A message of format 1 or 2 after format 3 leaves every entity standing
 * where it is shown: no more reckoning until a motion comes; its
 * positions are against the one shown.
 */
START_TEST(test_format2_after_3)
{
	/* Tick 311: Ann (id 1) walks east again, at 1 unit a tick. */
	static const uint8_t	 walk[] = { 0x03, 0xb7, 0x02, 0x09, 0x00,
				    0x00, 0x01, 0x03, 0x00, 0x00, 0x80, 0x08,
				    0x00 };
	/* Tick 320, format 2: Ann a step east (dx_q 1). */
	static const uint8_t	 step[] = { 0x02, 0xc0, 0x02, 0x09, 0x00,
				    0x00, 0x01, 0x03, 0x02, 0x00 };
	struct delta_view	 v;
	const struct delta_seen	*s;
	uint8_t			 m[8] = { 0x03, 0x00, 0x02, 0x09, 0, 0, 0 };
	uint64_t		 t;

	delta_view_init(&v);
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	ck_assert_int_eq(delta_decode(&v, golden2, sizeof golden2, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_int_eq(s->f.xq, 88);		/* walking */
	ck_assert_int_eq(delta_decode(&v, golden3_v2, sizeof golden3_v2,
	    NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_int_eq(s->f.xq, 88);		/* format 2: stands */
	ck_assert_int_eq(s->f.yq, -20);
	ck_assert_int_eq(s->f.vx, 0);
	ck_assert_int_eq(s->f.bx, 88 * 64);
	ck_assert_uint_eq(s->f.t0, 302);
	/* Format 3 again, quiet: she stays, however long. */
	for (t = 303; t <= 310; t++) {
		m[1] = (uint8_t)(t | 0x80);
		ck_assert_int_eq(delta_decode(&v, m, 7, NULL), 0);
		ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 88);
	}
	/* Until a motion comes: from 88 at tick 311, 8 steps a tick. */
	ck_assert_int_eq(delta_decode(&v, walk, sizeof walk, NULL), 0);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 88);
	m[1] = 0xb9;				/* tick 313 */
	ck_assert_int_eq(delta_decode(&v, m, 7, NULL), 0);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 104);
	/* Format 2 at tick 320: a step from where she is shown, 104. */
	ck_assert_int_eq(delta_decode(&v, step, sizeof step, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_int_eq(s->f.xq, 105);
	ck_assert_int_eq(s->f.vx, 0);
	m[1] = 0xd0;				/* tick 336 */
	ck_assert_int_eq(delta_decode(&v, m, 7, NULL), 0);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 105);
	delta_view_free(&v);
}
END_TEST

/* A snapshot of one section the caller wrote into w (open), read back. */
static void
snap_reopen(struct snapw *w, struct snapr *r, struct snapr *sec)
{
	char	 tag[SNAP_TAG_LEN + 1];
	char	*cause = NULL;

	snapw_section_end(w);
	snapw_finish(w);
	ck_assert_msg(snapr_open(r, w->buf, w->len, NULL, &cause) == 0, "%s",
	    cause);
	ck_assert_int_eq(snapr_next_section(r, tag, sec), 1);
}

/* The motion of f (a frame's) at tick, as delta.h reckons it. */
static void
assert_same_motion(const struct delta_fields *a, const struct delta_fields *b,
    uint64_t tick)
{
	CHECK(a->id == b->id && a->xq == b->xq && a->yq == b->yq &&
	    a->vx == b->vx && a->vy == b->vy &&
	    ref_fine(a->bx, a->vx, tick - a->t0) ==
	    ref_fine(b->bx, b->vx, tick - b->t0) &&
	    ref_fine(a->by, a->vy, tick - a->t0) ==
	    ref_fine(b->by, b->vy, tick - b->t0),
	    "tick %llu: %u at (%d, %d) going (%d, %d), and %u at (%d, %d) "
	    "going (%d, %d)", (unsigned long long)tick, a->id, a->xq, a->yq,
	    a->vx, a->vy, b->id, b->xq, b->yq, b->vx, b->vy);
}

/*
 * delta_tick_save and delta_tick_restore (a live migration's "MOTN"): a
 * new delta_tick seeded with the restored motions (frame_build, then
 * delta_tick_begin with seed) has the motions the old one had, and goes
 * on making the same ones, so a client that knew the old frame gets the
 * same bytes from either. Seeded without them, the frame stands, and the
 * records differ. A save of another tick than the frame's holds none;
 * what the encoder could not have written is refused.
 */
START_TEST(test_tick_save)
{
	enum { N = 150 };
	static struct sent	 e[N];
	static struct walk	 k[N];
	static uint32_t		 ids[N], at[N];
	struct delta_tick	 dt, dt2, dt3;
	struct delta_frame	*fr, *fr2, *fr3;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_known	*k1 = delta_known_new();
	struct delta_known	*k2 = delta_known_new();
	struct delta_known	*k3 = delta_known_new();
	struct delta_buf	 b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	struct snapw		 w;
	struct snapr		 r, sec;
	uint64_t		 s = 0x5a7e, tick;
	size_t			 i, differ = 0, moving = 0;
	char			*cause = NULL;
	const float		 side = 500;

	memset(&dt, 0, sizeof dt);
	memset(&dt2, 0, sizeof dt2);
	memset(&dt3, 0, sizeof dt3);
	for (i = 0; i < N; i++) {
		sent_random(&s, &e[i], (uint32_t)(3 * i + 1), side);
		e[i].x = (float)(tunit(&s) * side);
		e[i].y = (float)(tunit(&s) * side);
		walk_turn(&s, &k[i], e[i].kind == DELTA_PLAYER ?
		    WALK_SPEED : 1);
	}
	for (tick = 1; tick <= 30; tick++) {
		if (tick > 1)
			walk_tick(&s, e, k, N, side);
		fr = tick_build(&dt, e, N, tick);
	}
	fr = &dt.frames[dt.cur];
	for (i = 0; i < fr->n; i++) {
		ids[i] = fr->ents[i].f.id;
		at[i] = (uint32_t)i;
		moving += fr->ents[i].f.vx != 0 || fr->ents[i].f.vy != 0;
	}
	ck_assert_uint_gt(moving, N / 2);

	/* Another tick than the frame's: no motion. */
	snapw_init(&w);
	snapw_section_begin(&w, "MOTN");
	delta_tick_save(&dt, 29, &w);
	snap_reopen(&w, &r, &sec);
	ck_assert_uint_eq(snapr_left(&sec), 4);
	ck_assert_int_eq(delta_tick_restore(&dt2, 29, &sec, &cause), 0);
	ck_assert_uint_eq(dt2.nmotions, 0);
	snapw_free(&w);

	/* The frame's tick: every motion, restored into a new one. */
	snapw_init(&w);
	snapw_section_begin(&w, "MOTN");
	delta_tick_save(&dt, 30, &w);
	snap_reopen(&w, &r, &sec);
	ck_assert_msg(delta_tick_restore(&dt2, 30, &sec, &cause) == 0, "%s",
	    cause);
	ck_assert_uint_eq(snapr_left(&sec), 0);
	ck_assert_uint_eq(dt2.nmotions, fr->n);
	snapw_free(&w);
	frame_build(delta_tick_frame(&dt2), e, N);
	delta_tick_begin(&dt2, 30, 1);
	frame_build(delta_tick_frame(&dt3), e, N);
	delta_tick_begin(&dt3, 30, 1);
	fr2 = &dt2.frames[dt2.cur];
	ck_assert_uint_eq(fr2->n, fr->n);
	for (i = 0; i < fr->n; i++)
		assert_same_motion(&fr2->ents[i].f, &fr->ents[i].f, 30);
	delta_known_set(k1, ids, fr->n, 30);
	delta_known_set(k2, ids, fr->n, 30);
	delta_known_set(k3, ids, fr->n, 30);

	/* And they go on alike. */
	for (tick = 31; tick <= 60; tick++) {
		walk_tick(&s, e, k, N, side);
		fr = tick_build(&dt, e, N, tick);
		fr2 = tick_build(&dt2, e, N, tick);
		fr3 = tick_build(&dt3, e, N, tick);
		ck_assert_uint_eq(fr->n, N);
		for (i = 0; i < fr->n; i++)
			assert_same_motion(&fr2->ents[i].f, &fr->ents[i].f,
			    tick);
		b1.len = b2.len = b3.len = 0;
		delta_encode_tick(&dt, enc, k1, &b1, tick, ids, at, fr->n);
		delta_encode_tick(&dt2, enc, k2, &b2, tick, ids, at, fr2->n);
		delta_encode_tick(&dt3, enc, k3, &b3, tick, ids, at, fr3->n);
		assert_bytes(b2.p, b2.len, b1.p, b1.len);
		differ += b3.len != b1.len || memcmp(b3.p, b1.p, b1.len) != 0;
	}
	ck_assert_uint_gt(differ, 0);

	/* Refused: cut, a velocity beyond DELTA_VMAX, a count too large. */
	snapw_init(&w);
	snapw_section_begin(&w, "MOTN");
	delta_tick_save(&dt, 60, &w);
	w.len -= 1;
	snap_reopen(&w, &r, &sec);
	ck_assert_int_eq(delta_tick_restore(&dt3, 60, &sec, &cause), -1);
	ck_assert_msg(strstr(cause, "truncated") != NULL, "%s", cause);
	free(cause);
	snapw_free(&w);
	snapw_init(&w);
	snapw_section_begin(&w, "MOTN");
	snapw_u32(&w, 1);
	snapw_bytes(&w, "\x01\x00\x00\x80\x80\x80\x01\x00", 8);
	snap_reopen(&w, &r, &sec);
	ck_assert_int_eq(delta_tick_restore(&dt3, 60, &sec, &cause), -1);
	ck_assert_msg(strstr(cause, "velocity") != NULL, "%s", cause);
	free(cause);
	snapw_free(&w);
	snapw_init(&w);
	snapw_section_begin(&w, "MOTN");
	snapw_u32(&w, 2);
	snapw_bytes(&w, "\x01\x00\x00\x00\x00\x01\x00\x00\x00", 9);
	snap_reopen(&w, &r, &sec);
	ck_assert_int_eq(delta_tick_restore(&dt3, 60, &sec, &cause), -1);
	ck_assert_msg(strstr(cause, "more than") != NULL, "%s", cause);
	free(cause);
	snapw_free(&w);

	delta_known_free(k1);
	delta_known_free(k2);
	delta_known_free(k3);
	delta_buf_free(&b1);
	delta_buf_free(&b2);
	delta_buf_free(&b3);
	delta_tick_free(&dt);
	delta_tick_free(&dt2);
	delta_tick_free(&dt3);
	delta_enc_free(enc);
}
END_TEST

/* ---- refusals ----------------------------------------------------------- */

/* What a view holds, to show a refused message changed nothing. */
struct vsnap {
	uint64_t		 tick, seq;
	size_t			 n;
	struct delta_seen	*ents;
};

static void
vsnap_take(struct vsnap *s, const struct delta_view *v)
{
	s->tick = v->tick;
	s->seq = v->seq;
	s->n = v->n;
	s->ents = malloc((v->n + 1) * sizeof *s->ents);
	ck_assert_ptr_nonnull(s->ents);
	if (v->n != 0)
		memcpy(s->ents, v->ents, v->n * sizeof *s->ents);
}

static void
vsnap_check(const struct vsnap *s, const struct delta_view *v)
{
	CHECK(v->tick == s->tick && v->seq == s->seq && v->n == s->n &&
	    (s->n == 0 || memcmp(v->ents, s->ents, s->n * sizeof *s->ents) ==
	    0), "a refused message changed the view");
}

static void
vsnap_free(struct vsnap *s)
{
	free(s->ents);
}

/* A view that must hold together whatever it accepted. */
static void
assert_view_sane(const struct delta_view *v)
{
	size_t	i, len;

	ck_assert_uint_le(v->n, DELTA_VIEW_MAX);
	for (i = 0; i < v->n; i++) {
		if (i > 0)
			ck_assert_uint_gt(v->ents[i].f.id,
			    v->ents[i - 1].f.id);
		ck_assert_uint_le(v->ents[i].f.kind, DELTA_MOB);
		ck_assert(v->ents[i].f.xq <= DELTA_QMAX &&
		    v->ents[i].f.xq >= -DELTA_QMAX);
		ck_assert(v->ents[i].f.yq <= DELTA_QMAX &&
		    v->ents[i].f.yq >= -DELTA_QMAX);
		len = strnlen(v->ents[i].name, DELTA_NAME_MAX);
		ck_assert_uint_lt(len, DELTA_NAME_MAX);
		ck_assert(utf8_valid(v->ents[i].name, len));
	}
}

/*
 * Hand-made messages, each refused for its reason, on a view of the
 * example's first message sent at tick 1 (so that messages of tick 1 are
 * of no lower tick, in any format).
 */
START_TEST(test_refusals)
{
	/*
	 * Messages of the format of their first byte; those marked X2 or X3
	 * are refused for the same reason with their version byte set to 2
	 * or 3 (nothing they hold differs between the formats).
	 */
	static const struct {
		const char	*what;
		const char	*why;
		int		 also;
		size_t		 len;
		uint8_t		 b[32];
	} bad[] = {
#define B(...)	sizeof ((const uint8_t []){ __VA_ARGS__ }), { __VA_ARGS__ }
#define X2	(1 << 2)	/* also as format 2 */
#define X3	(1 << 3)	/* also as format 3 */
	{ "empty", "truncated", 0, 0, { 0 } },
	{ "version 4", "version", 0, B(0x04, 0x01, 0x00, 0, 0, 0) },
	{ "version 0", "version", 0, B(0x00, 0x01, 0x00, 0, 0, 0) },
	{ "version 255", "version", 0, B(0xff, 0x01, 0x00, 0, 0, 0) },
	{ "header cut", "truncated", X2 | X3, B(0x01, 0xac) },
	{ "counts cut", "truncated", X2 | X3, B(0x01, 0x01, 0x00, 0, 0) },
	{ "overlong tick", "shortest", X2 | X3, B(0x01, 0x81, 0x00, 0x00, 0,
	    0, 0) },
	{ "tick of 11 bytes", "too long", X2 | X3, B(0x01, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0) },
	{ "tick over 2^64", "out of range", X2 | X3, B(0x01, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 0, 0, 0) },
	{ "count over 2^32", "out of range", X2 | X3, B(0x01, 0x01, 0x00, 0x80,
	    0x80, 0x80, 0x80, 0x10, 0, 0) },
	{ "count of 6 bytes", "too long", X2 | X3, B(0x01, 0x01, 0x00, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x00, 0, 0) },
	{ "leave count too big", "larger", X2 | X3, B(0x01, 0x01, 0x00, 0x05,
	    0x01, 0, 0) },
	{ "leave unknown", "not seen", X2 | X3, B(0x01, 0x01, 0x00, 0x01, 0x02,
	    0, 0) },
	{ "leave twice", "ascending", X2 | X3, B(0x01, 0x01, 0x00, 0x02, 0x01,
	    0x00, 0, 0) },
	{ "leave 2", "not seen", X2 | X3, B(0x01, 0x01, 0x00, 0x02, 0x01, 0x01,
	    0, 0) },
	{ "id over 2^32", "id out of range", X2, B(0x01, 0x01, 0x00, 0x00,
	    0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x00, 0, 0, 1, 1, 0,
	    0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0) },
	{ "enter seen", "already seen", X2, B(0x01, 0x01, 0x00, 0x00, 0x01,
	    0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0) },
	{ "enter kind 2", "kind", X2, B(0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x02, 0x00, 0, 0, 1, 1, 0, 0) },
	{ "enter count too big", "larger", X2, B(0x01, 0x01, 0x00, 0x00, 0x02,
	    0x05, 0x01, 0x00, 0, 0, 1, 1, 0, 0) },
	{ "enter x out of range", "position", X2, B(0x01, 0x01, 0x00, 0x00,
	    0x01, 0x05, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0, 1, 1,
	    0, 0) },
	{ "enter name too long", "too long", X2, B(0x01, 0x01, 0x00, 0x00,
	    0x01, 0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x40, 'a', 0) },
	{ "enter name cut", "truncated", X2, B(0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x03, 'a', 'b') },
	{ "enter name not UTF-8", "UTF-8", X2, B(0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x02, 0xc3, 0x28, 0) },
	{ "enter name with NUL", "UTF-8", X2, B(0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x02, 'a', 0x00, 0) },
	{ "enter twice", "ascending", X2, B(0x01, 0x01, 0x00, 0x00, 0x02,
	    0x06, 0x01, 0x00, 0, 0, 1, 1, 0, 0x00, 0x01, 0x00, 0, 0, 1, 1,
	    0, 0) },
	{ "update unknown", "not seen", 0, B(0x01, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x02, 0x05) },
	{ "update mask 0", "mask", 0, B(0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x01, 0x00, 0x00) },
	{ "update mask 0x10", "mask", 0, B(0x01, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x01, 0x10, 0x00) },
	{ "update out of range", "position", 0, B(0x01, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x01, 0x01, 0xfc, 0xff, 0xff, 0xff, 0x07, 0x00) },
	{ "update after leave", "not seen", 0, B(0x01, 0x01, 0x00, 0x01,
	    0x01, 0x00, 0x01, 0x01, 0x02, 0x05) },
	{ "update after re-enter", "not seen", 0, B(0x01, 0x01, 0x00, 0x01,
	    0x01, 0x01, 0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0x01, 0x01, 0x02,
	    0x05) },
	{ "update twice", "ascending", 0, B(0x01, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x01, 0x02, 0x05, 0x00, 0x02, 0x06) },
	{ "update cut", "truncated", 0, B(0x01, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x01, 0x0f, 0x00, 0x00, 0x05) },
	{ "trailing byte", "after", X2 | X3, B(0x01, 0x01, 0x00, 0x00, 0x00,
	    0x00, 0x00) },
	/* Format 2's update records (the view: golden1's). */
	{ "v2 update unknown", "not seen", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x04, 0x02, 0x05) },
	{ "v2 update mask 0", "mask", X3, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x00, 0x00) },
	{ "v2 update mask 0x10", "mask", X3, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x10, 0x00) },
	{ "v2 update mask 0x01 with P 0", "position only", X3, B(0x02, 0x01,
	    0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 0x10, 0x00) },
	{ "v2 update mask 0x11 with P 0", "mask", X3, B(0x02, 0x01, 0x00,
	    0x00, 0x00, 0x01, 0x02, 0x11, 0x10, 0x00) },
	{ "v2 update out of range", "position", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0xfc, 0xff, 0xff, 0xff, 0x07, 0x00) },
	{ "v2 update after leave", "not seen", X3, B(0x02, 0x01, 0x00, 0x01,
	    0x01, 0x00, 0x01, 0x03, 0x10, 0x00) },
	{ "v2 update after re-enter", "not seen", 0, B(0x02, 0x01, 0x00,
	    0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0x01, 0x03,
	    0x10, 0x00) },
	{ "v2 update twice", "ascending", X3, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x03, 0x10, 0x00, 0x01, 0x10, 0x00) },
	{ "v2 update cut", "truncated", X3, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x0f, 0x00, 0x00, 0x05) },
	{ "v2 position only cut", "truncated", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0x82, 0x01) },
	{ "v2 update count too big", "larger", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0x10) },
	{ "v2 key of 2^33 - 1", "not seen", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x10, 0x00) },
	{ "v2 key of 2^34 - 1", "out of range", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x10, 0x00) },
	{ "v2 key of 6 bytes", "too long", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 0x10, 0x00) },
	{ "v2 key not shortest", "shortest", X3, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x83, 0x00, 0x10, 0x00) },
	{ "v2 id over 2^32", "id out of range", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x02, 0x87, 0x80, 0x80, 0x80, 0x08, 0x00, 0x02, 0xff, 0xff,
	    0xff, 0xff, 0x1f, 0x10, 0x00) },
	/* Format 1 knows no P: its id 3 is not seen (format 2: key 3). */
	{ "v1 gap 3", "not seen", 0, B(0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x03, 0x01, 0x10, 0x00) },
	/* Format 3's motions (the view: Ann at bx 5120, by -1280). */
	{ "v3 tick before the last", "tick before", 0, B(0x03, 0x00, 0x00,
	    0, 0, 0) },
	{ "v3 enter vx over DELTA_VMAX", "velocity", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x80, 0x80, 0x80,
	    0x01, 0x00, 1, 1, 0, 0) },
	{ "v3 enter vy under -DELTA_VMAX", "velocity", 0, B(0x03, 0x01,
	    0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff,
	    0xff, 0x7f, 1, 1, 0, 0) },
	{ "v3 enter bx over DELTA_FMAX", "position", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x01, 0x05, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x04, 0x00, 0x00, 0x00, 1, 1, 0, 0) },
	{ "v3 enter by under -DELTA_FMAX", "position", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0x03, 0x00, 0x00, 1, 1, 0, 0) },
	{ "v3 enter bx of 2^37", "out of range", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x01, 0x05, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x10, 0x00, 0x00, 0x00, 1, 1, 0, 0) },
	{ "v3 enter bx of 7 bytes", "too long", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x01, 0x05, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x01, 0x00, 0x00, 0x00, 1, 1, 0, 0) },
	{ "v3 enter cut", "truncated", 0, B(0x03, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 1) },
	{ "v3 dx beyond DELTA_FMAX", "position", 0, B(0x03, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0x80, 0xb0, 0xff, 0xff, 0xff, 0x03, 0x00,
	    0x00, 0x00) },
	{ "v3 dy beyond -DELTA_FMAX", "position", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x00, 0x01, 0x03, 0x00, 0xff, 0xeb, 0xff, 0xff, 0xff,
	    0x03, 0x00, 0x00) },
	{ "v3 update vx over DELTA_VMAX", "velocity", 0, B(0x03, 0x01, 0x00,
	    0x00, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x80, 0x80, 0x80,
	    0x01, 0x00, 0x05) },
	{ "v3 motion cut", "truncated", 0, B(0x03, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x03, 0x00, 0x00, 0x00) },
	{ "v3 update after leave", "not seen", 0, B(0x03, 0x01, 0x00, 0x01,
	    0x01, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00) },
#undef X3
#undef X2
	};
	/* Leave 1 and enter it again as a mob: allowed. */
	static const uint8_t kind_change[] = { 0x01, 0x01, 0x00,
	    0x01, 0x01,				/* leave 1 */
	    0x01, 0x01, 0x01, 0x01,		/* enter 1: mob, type 1 */
	    0x04, 0x00, 0x05, 0x05, 0x02,	/* (0.25, 0), 5/5, state 2 */
	    0x00 };
	static const uint8_t kind_change3[] = { 0x03, 0x01, 0x00,
	    0x01, 0x01,				/* leave 1 */
	    0x01, 0x01, 0x01, 0x01,		/* enter 1: mob, type 1 */
	    0x80, 0x02, 0x00, 0x7f, 0x00,	/* bx 128, by 0, vx -64 */
	    0x05, 0x05, 0x02,			/* 5/5, state 2 */
	    0x00 };
	/* The largest motions (the view: Ann at bx 5120 at tick 1). */
	static const struct {
		const char	*what;
		uint32_t	 id;
		int64_t		 bx;
		int32_t		 vx;
		size_t		 len;
		uint8_t		 b[32];
	} edge[] = {
	{ "enter at DELTA_FMAX, DELTA_VMAX", 5, DELTA_FMAX, DELTA_VMAX,
	    B(0x03, 0x01, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0xfe, 0xff,
	    0xff, 0xff, 0xff, 0x03, 0x00, 0xfe, 0xff, 0x7f, 0x00, 1, 1, 0,
	    0) },
	{ "enter at -DELTA_FMAX, -DELTA_VMAX", 5, -DELTA_FMAX, -DELTA_VMAX,
	    B(0x03, 0x01, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0xfd, 0xff,
	    0xff, 0xff, 0xff, 0x03, 0x00, 0xfd, 0xff, 0x7f, 0x00, 1, 1, 0,
	    0) },
	{ "dx to DELTA_FMAX", 1, DELTA_FMAX, 0, B(0x03, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0xfe, 0xaf, 0xff, 0xff, 0xff, 0x03, 0x00,
	    0x00, 0x00) },
#undef B
	};
	struct delta_view	 v;
	struct vsnap		 snap;
	const struct delta_seen	*s;
	uint8_t			 m[64];
	char			*cause;
	size_t			 i, len, twice = 0;
	int			 format, own;

	delta_view_init(&v);
	golden1_at(m, &len, 1);
	ck_assert_int_eq(delta_decode(&v, m, len, NULL), 0);
	ck_assert_uint_eq(v.tick, 1);
	ck_assert_int_eq(v.ents[0].f.bx, 5120);
	vsnap_take(&snap, &v);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		own = bad[i].len == 0 ? 1 : bad[i].b[0];
		for (format = 1; format <= 3; format++) {
			memcpy(m, bad[i].b, bad[i].len);
			if (format != own) {
				if (!(bad[i].also & (1 << format)))
					continue;
				m[0] = (uint8_t)format;
				twice++;
			}
			cause = NULL;
			ck_assert_msg(delta_decode(&v, m, bad[i].len, &cause) ==
			    -1, "%s (as %d): accepted", bad[i].what, format);
			ck_assert_ptr_nonnull(cause);
			ck_assert_msg(strstr(cause, bad[i].why) != NULL,
			    "%s (as %d): \"%s\", want \"%s\"", bad[i].what,
			    format, cause, bad[i].why);
			free(cause);
			vsnap_check(&snap, &v);
			/* Without a cause pointer too. */
			ck_assert_int_eq(delta_decode(&v, m, bad[i].len, NULL),
			    -1);
		}
	}
	ck_assert_uint_ge(twice, 40);
	vsnap_free(&snap);

	/* In either format. */
	for (format = 1; format <= 2; format++) {
		memcpy(m, kind_change, sizeof kind_change);
		m[0] = (uint8_t)format;
		delta_view_free(&v);
		delta_view_init(&v);
		ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1,
		    NULL), 0);
		ck_assert_int_eq(delta_decode(&v, m, sizeof kind_change,
		    NULL), 0);
		s = delta_view_find(&v, 1);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(s->f.kind, DELTA_MOB);
		ck_assert_uint_eq(s->f.type, 1);
		ck_assert_str_eq(s->name, "");
		ck_assert_uint_eq(s->f.level, 2);
		ck_assert_int_eq(s->f.xq, 2);
		ck_assert_uint_eq(v.n, 2);
	}
	/* Format 3: (0.25, 0) walking west at 1/8 a tick. */
	delta_view_free(&v);
	delta_view_init(&v);
	golden1_at(m, &len, 1);
	ck_assert_int_eq(delta_decode(&v, m, len, NULL), 0);
	ck_assert_int_eq(delta_decode(&v, kind_change3, sizeof kind_change3,
	    NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->f.kind, DELTA_MOB);
	ck_assert_str_eq(s->name, "");
	ck_assert_int_eq(s->f.xq, 2);
	ck_assert_int_eq(s->f.vx, -64);
	ck_assert_int_eq(delta_decode(&v, "\x03\x03\x00\x00\x00\x00", 6,
	    NULL), 0);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 0);

	/*
	 * Format 3 is reckoned forward: on the example's view (tick 300) a
	 * message of tick 299 is refused, one of tick 300 is not; formats
	 * 1 and 2 have no such rule.
	 */
	delta_view_free(&v);
	delta_view_init(&v);
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	vsnap_take(&snap, &v);
	cause = NULL;
	ck_assert_int_eq(delta_decode(&v, "\x03\xab\x02\x00\x00\x00\x00", 7,
	    &cause), -1);
	ck_assert_msg(strstr(cause, "tick before") != NULL, "%s", cause);
	free(cause);
	vsnap_check(&snap, &v);
	vsnap_free(&snap);
	ck_assert_int_eq(delta_decode(&v, "\x03\xac\x02\x00\x00\x00\x00", 7,
	    NULL), 0);
	ck_assert_int_eq(v.ents[0].f.xq, 80);
	ck_assert_int_eq(delta_decode(&v, "\x02\x01\x00\x00\x00\x00", 6,
	    NULL), 0);
	ck_assert_uint_eq(v.tick, 1);
	ck_assert_int_eq(delta_decode(&v, "\x03\x02\x00\x00\x00\x00", 6,
	    NULL), 0);

	/* At the bounds: accepted. */
	for (i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		delta_view_free(&v);
		delta_view_init(&v);
		golden1_at(m, &len, 1);
		ck_assert_int_eq(delta_decode(&v, m, len, NULL), 0);
		cause = NULL;
		ck_assert_msg(delta_decode(&v, edge[i].b, edge[i].len,
		    &cause) == 0, "%s: %s", edge[i].what, cause);
		s = delta_view_find(&v, edge[i].id);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(s->f.bx, edge[i].bx);
		ck_assert_int_eq(s->f.vx, edge[i].vx);
		assert_view_sane(&v);
	}
	delta_view_free(&v);
}
END_TEST

/* A stream of real messages for the truncation and fuzz tests. */
struct stream {
	struct delta_buf	 b;
	size_t			 off[64];
	size_t			 len[64];
	size_t			 n;
};

static void
stream_make(struct stream *st, uint64_t seed)
{
	static struct sent	 e[SMAX];
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct aoi		*a = aoi_new(400, 400, 120);
	struct aoi_view		 av;
	uint64_t		 s = seed;
	uint32_t		 nextid = 0;
	size_t			 n;

	memset(st, 0, sizeof *st);
	memset(&dt, 0, sizeof dt);
	for (n = 0; n < 120; n++) {
		nextid += 1 + tbelow(&s, 3);
		sent_random(&s, &e[n], nextid, 400);
	}
	e[3].alive = 1;
	aoi_viewer_add(a, e[3].id);
	for (st->n = 0; st->n < 64; st->n++) {
		/* Motions as a server makes them, 37 ticks apart. */
		fr = tick_build(&dt, e, n, 1000 + st->n * 37);
		aoi_update(a, fr->pos, fr->n);
		aoi_view(a, e[3].id, &av);
		st->off[st->n] = st->b.len;
		st->len[st->n] = delta_encode(enc, c, &st->b,
		    1000 + st->n * 37, st->n * 3, fr->ents, fr->n,
		    av.visible_at, av.nvisible);
		sent_tick(&s, e, &n, &nextid, 400);
		e[3].alive = 1;		/* the viewer stays */
	}
	aoi_free(a);
	delta_client_free(c);
	delta_enc_free(enc);
	delta_tick_free(&dt);
}

/* Every proper prefix of every message is refused; the view stays. */
START_TEST(test_truncated)
{
	struct stream	 st;
	struct delta_view v;
	struct vsnap	 snap;
	size_t		 m, k;
	char		*cause;

	stream_make(&st, 77);
	delta_view_init(&v);
	for (m = 0; m < st.n; m++) {
		vsnap_take(&snap, &v);
		for (k = 0; k < st.len[m]; k++) {
			cause = NULL;
			ck_assert_msg(delta_decode(&v, st.b.p + st.off[m], k,
			    &cause) == -1, "message %zu cut at %zu accepted",
			    m, k);
			free(cause);
			vsnap_check(&snap, &v);
		}
		vsnap_free(&snap);
		ck_assert_int_eq(delta_decode(&v, st.b.p + st.off[m],
		    st.len[m], NULL), 0);
	}
	delta_view_free(&v);
	delta_buf_free(&st.b);
}
END_TEST

/* The view the first m messages of st lead to. */
static void
replay(struct delta_view *v, const struct stream *st, size_t m)
{
	size_t	i;

	delta_view_free(v);
	delta_view_init(v);
	for (i = 0; i < m; i++)
		ck_assert_int_eq(delta_decode(v, st->b.p + st->off[i],
		    st->len[i], NULL), 0);
}

/*
 * Thousands of random mutations of real messages: each is refused with
 * the view untouched, or accepted leaving a sane view. Never a crash
 * (check forks: a crash fails the test; ASan runs see overreads).
 */
START_TEST(test_fuzz)
{
	struct stream	 st;
	struct delta_view v;
	struct vsnap	 snap;
	uint8_t		 m[4096];
	uint64_t	 s = 0xf022;
	size_t		 i, k, len, pos, refused = 0, accepted = 0;
	int		 r;

	stream_make(&st, 78);
	delta_view_init(&v);
	for (i = 0; i < st.n; i++) {
		vsnap_take(&snap, &v);
		for (k = 0; k < 80; k++) {
			len = st.len[i];
			ck_assert_uint_le(len, sizeof m - 16);
			memcpy(m, st.b.p + st.off[i], len);
			switch (tbelow(&s, 6)) {
			case 0:		/* flip a bit */
				pos = tbelow(&s, (uint32_t)len);
				m[pos] ^= (uint8_t)(1 << tbelow(&s, 8));
				break;
			case 1:		/* a random byte */
				m[tbelow(&s, (uint32_t)len)] =
				    (uint8_t)trand(&s);
				break;
			case 2:		/* insert a byte */
				pos = tbelow(&s, (uint32_t)len + 1);
				memmove(m + pos + 1, m + pos, len - pos);
				m[pos] = (uint8_t)trand(&s);
				len++;
				break;
			case 3:		/* delete a byte */
				pos = tbelow(&s, (uint32_t)len);
				memmove(m + pos, m + pos + 1, len - pos - 1);
				len--;
				break;
			case 4:		/* several random bytes */
				for (pos = 0; pos < 4; pos++)
					m[tbelow(&s, (uint32_t)len)] =
					    (uint8_t)trand(&s);
				break;
			default:	/* random garbage after the version */
				len = 1 + tbelow(&s, 40);
				for (pos = 1; pos < len; pos++)
					m[pos] = (uint8_t)trand(&s);
				break;
			}
			r = delta_decode(&v, m, len, NULL);
			if (r == -1) {
				refused++;
				vsnap_check(&snap, &v);
				continue;
			}
			accepted++;
			assert_view_sane(&v);
			replay(&v, &st, i);	/* back to the real one */
		}
		vsnap_free(&snap);
		ck_assert_int_eq(delta_decode(&v, st.b.p + st.off[i],
		    st.len[i], NULL), 0);
	}
	ck_assert_uint_ge(refused + accepted, 5000);
	ck_assert_uint_gt(refused, accepted);
	delta_view_free(&v);
	delta_buf_free(&st.b);
}
END_TEST

/* ---- quantisation ------------------------------------------------------- */

START_TEST(test_quantise)
{
	uint64_t	s = 8;
	float		x;
	int32_t		q;
	int		i;

	for (i = 0; i < 1000000; i++) {
		switch (i % 3) {
		case 0:
			x = (float)(tunit(&s) * 8192 - 4096);
			break;
		case 1:		/* any magnitude within the bound */
			x = (float)((tunit(&s) * 2 - 1) *
			    pow(2, tunit(&s) * 27));
			break;
		default:	/* halves and near halves of 1/8 */
			x = ((float)tbelow(&s, 100000) - 50000.0f + 0.5f) /
			    8;
			if (i % 7 == 0)
				x = nextafterf(x, tbelow(&s, 2) ? 1e9f : -1e9f);
			break;
		}
		q = delta_quantise(x);
		CHECK(fabs((double)x - (double)q / 8) <= 1.0 / 16,
		    "%.9g -> %d", (double)x, q);
		CHECK(delta_quantise(-x) == -q, "%.9g: not symmetric",
		    (double)x);
	}
	ck_assert_int_eq(delta_quantise(0.0625f), 1);	/* half: away */
	ck_assert_int_eq(delta_quantise(-0.0625f), -1);
	ck_assert_int_eq(delta_quantise(0.0624f), 0);
	ck_assert_int_eq(delta_quantise(100.125f), 801);
	ck_assert_int_eq(delta_quantise(NAN), 0);
	ck_assert_int_eq(delta_quantise(INFINITY), DELTA_QMAX);
	ck_assert_int_eq(delta_quantise(-INFINITY), -DELTA_QMAX);
	ck_assert_int_eq(delta_quantise(1e20f), DELTA_QMAX);
	ck_assert_int_eq(delta_quantise(134217720.0f), 1073741760);
	ck_assert_int_eq(delta_quantise(134217728.0f), DELTA_QMAX);
}
END_TEST

/* ---- a real world ------------------------------------------------------- */

static char *
sdup(const char *s)
{
	return (xstrdup(s));
}

/* A 64 x 64 tile meadow with slimes and bats that wander and fight. */
static struct area *
world_area(void)
{
	struct area		*a;
	struct area_spawner	*sp;
	int			 i;

	a = area_new("field", 64, 64, 16, 16);
	area_add_spawn(a, 512, 512);
	for (i = 0; i < 2; i++) {
		sp = area_add_spawner(a);
		sp->kind = sdup(i == 0 ? "slime" : "bat");
		sp->x = i == 0 ? 300 : 650;
		sp->y = i == 0 ? 400 : 600;
		sp->w = 200;
		sp->h = 200;
		sp->count = 12;
		sp->respawn_ms = 1000;
		sp->hp = 3 + i;
		sp->damage = 1;
		sp->speed = 60;
		sp->sight = 100;
		sp->leash = 300;
		sp->attack_range = 14;
		sp->attack_ms = 500;
		sp->xp = 3;
	}
	return (a);
}

/*
 * The view is the world itself, quantised: players exactly where they
 * are, mobs within DELTA_SLACK_MOB. Counts the mobs it shows in *mobs;
 * returns how many of them are shown off their quantised x.
 */
static size_t
assert_view_world(const struct delta_view *v, struct world *w,
    const struct area *ar, int step, size_t *mobs)
{
	const struct delta_fields	*f;
	const struct world_player	*p;
	const struct world_mob		*m;
	size_t				 i, off = 0;

	for (i = 0; i < v->n; i++) {
		f = &v->ents[i].f;
		if (f->kind == DELTA_PLAYER) {
			p = world_player_find(w, f->id);
			CHECK(p != NULL && strcmp(v->ents[i].name,
			    p->name) == 0 && f->level == p->level &&
			    f->xq == delta_quantise(p->x) &&
			    f->yq == delta_quantise(p->y),
			    "step %d: player %u", step, f->id);
			continue;
		}
		m = world_mob_find(w, f->id);
		CHECK(m != NULL && m->state != MOB_DEAD &&
		    abs(f->xq - delta_quantise(m->x)) <= DELTA_SLACK_MOB &&
		    abs(f->yq - delta_quantise(m->y)) <= DELTA_SLACK_MOB &&
		    f->max_hp == (uint32_t)ar->spawners[m->spawner].hp &&
		    f->type == m->spawner && f->level == m->state,
		    "step %d: mob %u", step, f->id);
		off += f->xq != delta_quantise(m->x);
		(*mobs)++;
	}
	return (off);
}

/*
 * Players walk and fight among mobs of a real world; each gets its
 * messages as sync.c makes them (delta_frame_world into a delta_tick,
 * aoi.c, then delta_encode_tick; half of them through delta_encode
 * from the same frame), and its view is that frame and the world as it
 * is within its radius: players exactly where they are, quantised, mobs
 * within DELTA_SLACK_MOB.
 */
START_TEST(test_world)
{
	struct area		*ar = world_area();
	struct world		*w = world_new(ar, 20, 42);
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_known	*k[3];
	struct delta_client	*c[3];
	struct delta_view	 v[6];
	struct delta_buf	 b = { 0 };
	struct world_input	 in[6];
	struct world_player	*p;
	struct aoi		*a;
	struct aoi_view		 av;
	uint32_t		 id[6];
	uint64_t		 s = 4, seq = 0, last;
	size_t			 i, len, mobs_seen = 0, deaths = 0;
	size_t			 mobs_off = 0;
	int			 step;

	memset(&dt, 0, sizeof dt);
	a = aoi_new(area_width(ar), area_height(ar), 250);
	for (i = 0; i < 6; i++) {
		p = world_player_add(w, i == 2 ? "Zo\xc3\xab" : "p",
		    (float)(300 + 60 * i), (float)(400 + 40 * i));
		ck_assert_ptr_nonnull(p);
		id[i] = p->id;
		aoi_viewer_add(a, id[i]);
		if (i < 3)
			k[i] = delta_known_new();
		else
			c[i - 3] = delta_client_new();
		delta_view_init(&v[i]);
	}
	for (step = 0; step < 400; step++) {
		for (i = 0; i < 6; i++) {
			memset(&in[i], 0, sizeof in[i]);
			in[i].player = id[i];
			in[i].seq = ++seq;
			in[i].kind = tbelow(&s, 3) == 0 ? INPUT_ATTACK :
			    INPUT_MOVE;
			in[i].dx = (float)(tunit(&s) * 2 - 1);
			in[i].dy = (float)(tunit(&s) * 2 - 1);
		}
		world_step(w, in, 6);
		for (i = 0; i < w->nevents; i++)
			deaths += w->events[i].kind == EVENT_MOB_KILLED;

		fr = delta_tick_frame(&dt);
		delta_frame_world(fr, w);
		delta_tick_begin(&dt, w->tick, 0);
		aoi_update(a, fr->pos, fr->n);
		for (i = 0; i < 6; i++) {
			aoi_view(a, id[i], &av);
			last = world_player_find(w, id[i])->last_seq;
			b.len = 0;
			if (i < 3)
				len = delta_encode_tick(&dt, enc, k[i], &b,
				    last, av.visible, av.visible_at,
				    av.nvisible);
			else
				len = delta_encode(enc, c[i - 3], &b, w->tick,
				    last, fr->ents, fr->n, av.visible_at,
				    av.nvisible);
			CHECK(delta_decode(&v[i], b.p, len, NULL) == 0,
			    "step %d: refused", step);
			assert_view_truth(&v[i], fr->ents, av.visible_at,
			    av.nvisible);
			CHECK(delta_view_find(&v[i], id[i]) != NULL,
			    "step %d: %u does not see itself", step, id[i]);
			mobs_off += assert_view_world(&v[i], w, ar, step,
			    &mobs_seen);
		}
	}
	ck_assert_uint_gt(mobs_seen, 0);
	ck_assert_uint_gt(mobs_off, 0);		/* the slack is used */
	ck_assert_uint_gt(deaths, 0);
	ck_assert_str_eq(delta_view_find(&v[0], id[0])->name, "p");
	for (i = 0; i < 6; i++) {
		if (i < 3)
			delta_known_free(k[i]);
		else
			delta_client_free(c[i - 3]);
		delta_view_free(&v[i]);
	}
	delta_buf_free(&b);
	delta_tick_free(&dt);
	delta_enc_free(enc);
	aoi_free(a);
	world_free(w);
	area_free(ar);
}
END_TEST

/* ---- memory ------------------------------------------------------------- */

/*
 * Once capacities have grown, a tick (frame, aoi, encoding, decoding)
 * allocates nothing: the entities move on a periodic path.
 */
START_TEST(test_no_alloc)
{
	static struct sent	 base[300], e[300];
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc;
	struct delta_client	*c[10];
	struct delta_view	 v[10];
	struct delta_buf	 b = { 0 };
	struct aoi		*a;
	struct aoi_view		 av;
	unsigned long		 before = 0;
	uint64_t		 s = 5;
	size_t			 i, len;
	int			 tick, ph;
	const int		 period = 12;

	nallocs = 0;
	enc = delta_enc_new();
	ck_assert_uint_gt(nallocs, 0);		/* the counter works */
	a = aoi_new(600, 600, 100);
	for (i = 0; i < 300; i++)
		sent_random(&s, &base[i], (uint32_t)(2 * i + 1), 600);
	for (i = 0; i < 10; i++) {
		base[i * 30].alive = 1;
		aoi_viewer_add(a, base[i * 30].id);
		c[i] = delta_client_new();
		delta_view_init(&v[i]);
	}
	for (tick = 0; tick < 6 * period; tick++) {
		if (tick == 2 * period)
			before = nallocs;
		ph = tick % period;
		ph = ph < period / 2 ? ph : period - ph;
		for (i = 0; i < 300; i++) {
			e[i] = base[i];
			e[i].x += 9.0f * (float)ph;
			e[i].hp = (base[i].hp + (uint32_t)ph) % 50;
			e[i].alive = base[i].alive && (i % 17 != 0 || ph < 3);
		}
		frame_build(&fr, e, 300);
		aoi_update(a, fr.pos, fr.n);
		b.len = 0;
		for (i = 0; i < 10; i++) {
			aoi_view(a, base[i * 30].id, &av);
			len = delta_encode(enc, c[i], &b, (uint64_t)tick, 0,
			    fr.ents, fr.n, av.visible_at, av.nvisible);
			ck_assert_int_eq(delta_decode(&v[i], b.p + b.len - len,
			    len, NULL), 0);
		}
	}
	ck_assert_uint_eq(nallocs, before);
	for (i = 0; i < 10; i++) {
		delta_client_free(c[i]);
		delta_view_free(&v[i]);
	}
	delta_buf_free(&b);
	delta_frame_free(&fr);
	delta_enc_free(enc);
	aoi_free(a);
}
END_TEST

START_TEST(test_free_null)
{
	delta_enc_free(NULL);
	delta_client_free(NULL);
	delta_view_free(NULL);
	delta_buf_free(NULL);
	delta_frame_free(NULL);
}
END_TEST

/* Caller bugs end the process (fatalx exits 70, EX_SOFTWARE). */
START_TEST(test_encode_unsorted)
{
	struct delta_entity	 e[2];
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_buf	 b = { 0 };
	const uint32_t		 at[] = { 1, 0 };

	golden_entities(e);
	delta_encode(enc, c, &b, 1, 1, e, 2, at, 2);
}
END_TEST

START_TEST(test_encode_bad_index)
{
	struct delta_entity	 e[2];
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_buf	 b = { 0 };
	const uint32_t		 at[] = { 0, 2 };

	golden_entities(e);
	delta_encode(enc, c, &b, 1, 1, e, 2, at, 2);
}
END_TEST

/* ---- the fixture -------------------------------------------------------- */

static void
jprintf(struct delta_buf *j, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	delta_buf_reserve(j, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)j->p + j->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	j->len += (size_t)n;
}

/* A JSON string: UTF-8 as is, with ", \ and controls escaped. */
static void
jstring(struct delta_buf *j, const char *s)
{
	jprintf(j, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			jprintf(j, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			jprintf(j, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			jprintf(j, "%c", *s);
	}
	jprintf(j, "\"");
}

static uint32_t
fnv_byte(uint32_t h, uint8_t b)
{
	return ((h ^ b) * 16777619u);
}

static uint32_t
fnv_u32(uint32_t h, uint32_t v)
{
	int	i;

	for (i = 0; i < 4; i++)
		h = fnv_byte(h, (uint8_t)(v >> (8 * i)));
	return (h);
}

/*
 * FNV-1a (32 bits) of a view, as delta-selftest.cjs computes it: per
 * entity by id, u32 LE id, u8 kind, u32 type, x_q, y_q, hp, max_hp,
 * level, u8 name length and the name.
 */
static uint32_t
view_hash(const struct delta_view *v)
{
	uint32_t	h = 2166136261u;
	size_t		i, k, n;

	for (i = 0; i < v->n; i++) {
		const struct delta_fields *f = &v->ents[i].f;

		h = fnv_u32(h, f->id);
		h = fnv_byte(h, f->kind);
		h = fnv_u32(h, f->type);
		h = fnv_u32(h, (uint32_t)f->xq);
		h = fnv_u32(h, (uint32_t)f->yq);
		h = fnv_u32(h, f->hp);
		h = fnv_u32(h, f->max_hp);
		h = fnv_u32(h, f->level);
		n = strlen(v->ents[i].name);
		h = fnv_byte(h, (uint8_t)n);
		for (k = 0; k < n; k++)
			h = fnv_byte(h, (uint8_t)v->ents[i].name[k]);
	}
	return (h);
}

#define FIX_TICKS	40
#define FIX_TICK0	123456
#define FIX_VIEWER	3

/* The fixture's JSON: its head, each message's line, the final view. */
static void
fixture_json_head(struct delta_buf *json, int version)
{
	jprintf(json, "{\n\"version\": %d,\n\"viewer\": %d,\n"
	    "\"messages\": [\n", version, FIX_VIEWER);
}

static void
fixture_json_message(struct delta_buf *json, size_t nmsg, size_t len,
    const struct delta_view *v)
{
	jprintf(json, "%s  {\"tick\": %llu, \"seq\": %llu, "
	    "\"length\": %zu, \"entities\": %zu, "
	    "\"hash\": \"%08x\"}", nmsg == 0 ? "" : ",\n",
	    (unsigned long long)v->tick, (unsigned long long)v->seq,
	    len, v->n, view_hash(v));
}

static void
fixture_json_final(struct delta_buf *json, const struct delta_view *v)
{
	size_t	i;

	jprintf(json, "\n],\n\"final\": {\"tick\": %llu, \"seq\": %llu, "
	    "\"entities\": [\n", (unsigned long long)v->tick,
	    (unsigned long long)v->seq);
	for (i = 0; i < v->n; i++) {
		const struct delta_seen	*se = &v->ents[i];

		jprintf(json, "%s  {\"id\": %u, \"kind\": %u, \"type\": %u, "
		    "\"xq\": %d, \"yq\": %d, \"x\": %.3f, \"y\": %.3f, "
		    "\"hp\": %u, \"max_hp\": %u, ", i == 0 ? "" : ",\n",
		    se->f.id, se->f.kind, se->f.type, se->f.xq, se->f.yq,
		    se->f.xq / 8.0, se->f.yq / 8.0, se->f.hp, se->f.max_hp);
		if (se->f.kind == DELTA_PLAYER) {
			jprintf(json, "\"level\": %u, \"name\": ",
			    se->f.level);
			jstring(json, se->name);
			jprintf(json, "}");
		} else
			jprintf(json, "\"state\": %u}", se->f.level);
	}
	jprintf(json, "\n]}\n}\n");
}

/*
 * The fixture's scenario, fixed for good: 8 players (odd names among
 * them) and 20 mobs on a 600 x 600 field; player 3 walks east through
 * them with a radius of 200 and gets one message a tick. Player 2 stands
 * west of the border (negative x); mob 5 dies and comes back; player 8
 * is replaced by a mob under the same id; one tick nothing changes; one
 * tick is skipped. The motions are made tick by tick by a delta_tick,
 * as a server makes them; the client's messages come from the
 * per-client encoder (the skipped tick makes the next one cover two).
 * Writes the messages to bin (u32 LE length, message, ...) and the JSON
 * of what to expect to json.
 */
static void
fixture_build(struct delta_buf *bin, struct delta_buf *json)
{
	static struct sent	 e[28];
	static const char *const pnames[] = {
		"Ann", "West", "Zo\xc3\xab", "\xe9\x9b\xaa\xe4\xb9\x83",
		"O'Brien \"the\" \\ back",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0",
		"", "Eighth",
	};
	struct delta_tick	 dt;
	struct delta_frame	*fr;
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_view	 v;
	struct delta_buf	 msg = { 0 };
	struct aoi		*a = aoi_new(600, 600, 200);
	struct aoi_view		 av;
	uint64_t		 s = 0xde17a, seq = 0, tick;
	size_t			 i, len, nmsg = 0;
	uint8_t			 le[4];
	int			 t;

	delta_view_init(&v);
	memset(&dt, 0, sizeof dt);
	memset(e, 0, sizeof e);
	for (i = 0; i < 8; i++) {
		e[i].id = (uint32_t)i + 1;
		e[i].kind = DELTA_PLAYER;
		e[i].x = (float)(50 + 70 * i);
		e[i].y = (float)(250 + 25 * (i % 4));
		e[i].hp = e[i].max_hp = 20 + 5 * (uint32_t)i;
		e[i].level = 1 + (uint32_t)i;
		snprintf(e[i].name, sizeof e[i].name, "%s", pnames[i]);
		e[i].alive = 1;
	}
	e[1].x = -20.5f;		/* player 2, west of the border */
	e[1].y = 320.25f;
	e[2].x = 40;			/* the viewer starts west */
	e[2].y = 300;
	for (i = 8; i < 28; i++) {
		e[i].id = WORLD_MOB_ID_BASE + (uint32_t)(i - 8);
		e[i].kind = DELTA_MOB;
		e[i].type = (uint32_t)(i % 3);
		e[i].x = (float)(tunit(&s) * 600);
		e[i].y = (float)(tunit(&s) * 600);
		e[i].hp = e[i].max_hp = 10 + (uint32_t)(i % 3) * 5;
		e[i].level = MOB_WANDER;
		e[i].alive = 1;
	}
	aoi_viewer_add(a, FIX_VIEWER);
	fixture_json_head(json, DELTA_VERSION);

	for (t = 0; t < FIX_TICKS; t++) {
		if (t != 25) {		/* tick 25: nothing changes */
			e[2].x += 14;	/* the viewer walks east */
			for (i = 8; i < 28; i++) {
				e[i].x += (float)(tunit(&s) * 8 - 4);
				e[i].y += (float)(tunit(&s) * 8 - 4);
				if (tbelow(&s, 6) == 0)
					e[i].hp = tbelow(&s, e[i].max_hp + 1);
				if (tbelow(&s, 9) == 0)
					e[i].level = tbelow(&s, 5);
			}
			e[0].x += 3.125f;
			e[0].y -= 1.5f;
			if (t % 7 == 3)
				e[0].hp--;
			if (t == 30) {
				e[0].level++;
				e[0].max_hp += 5;
			}
			if (t >= 5 && t < 10) {	/* mob 5 near, then dead */
				e[13].x = e[2].x - 40;
				e[13].y = e[2].y + 10;
			}
			if (t == 10)
				e[13].alive = 0;	/* mob 5 dies */
			if (t == 20) {		/* and comes back */
				e[13].alive = 1;
				e[13].hp = e[13].max_hp;
				e[13].x = e[2].x + 50;
				e[13].y = e[2].y;
			}
			if (t == 15) {	/* player 8 becomes a mob */
				e[7].kind = DELTA_MOB;
				e[7].type = 2;
				e[7].level = MOB_IDLE;
				e[7].x = e[2].x + 30;
				e[7].y = e[2].y;
			}
			if (t < 15)
				e[7].x = e[2].x + 60;	/* in view */
			seq += t % 5 == 0 ? 3 : 1;
		}
		/* The motions as the server makes them, tick by tick. */
		tick = FIX_TICK0 + (uint64_t)t;
		fr = delta_tick_frame(&dt);
		frame_build(fr, e, 28);
		delta_tick_begin(&dt, tick, 0);
		aoi_update(a, fr->pos, fr->n);
		if (t == 33)		/* the client's output was full */
			continue;
		aoi_view(a, FIX_VIEWER, &av);
		msg.len = 0;
		len = delta_encode(enc, c, &msg, tick, seq, fr->ents, fr->n,
		    av.visible_at, av.nvisible);
		ck_assert_int_eq(delta_decode(&v, msg.p, len, NULL), 0);
		assert_view_truth(&v, fr->ents, av.visible_at, av.nvisible);
		assert_view_near(&v, e, 28);

		for (i = 0; i < 4; i++)
			le[i] = (uint8_t)(len >> (8 * i));
		delta_buf_reserve(bin, 4 + len);
		memcpy(bin->p + bin->len, le, 4);
		memcpy(bin->p + bin->len + 4, msg.p, len);
		bin->len += 4 + len;
		fixture_json_message(json, nmsg, len, &v);
		nmsg++;
	}
	fixture_json_final(json, &v);

	delta_view_free(&v);
	delta_buf_free(&msg);
	delta_tick_free(&dt);
	delta_client_free(c);
	delta_enc_free(enc);
	aoi_free(a);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;
	long	 size;

	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	ck_assert_int_lt(size, 1 << 20);
	rewind(f);
	*len = (size_t)size;
	buf = malloc(*len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return (buf);
}

static void
spit(const char *path, const void *p, size_t len)
{
	FILE	*f;

	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Writes $ZONED_WRITE_DELTA_FIXTURE and its .json. */
START_TEST(test_write_fixture)
{
	const char		*path = getenv("ZONED_WRITE_DELTA_FIXTURE");
	struct delta_buf	 bin = { 0 }, json = { 0 };
	char			 jpath[4096];
	size_t			 n = strlen(path);

	if (n > 4 && strcmp(path + n - 4, ".bin") == 0)
		snprintf(jpath, sizeof jpath, "%.*s.json", (int)(n - 4), path);
	else
		snprintf(jpath, sizeof jpath, "%s.json", path);
	fixture_build(&bin, &json);
	spit(path, bin.p, bin.len);
	spit(jpath, json.p, json.len);
	printf("%s: %zu bytes; %s: %zu bytes\n", path, bin.len, jpath,
	    json.len);
	delta_buf_free(&bin);
	delta_buf_free(&json);
}
END_TEST

/* A committed fixture, delta-vN.bin and .json. */
struct fixture {
	uint8_t		*bin, *json;
	size_t		 len, jlen;
};

static void
fixture_load(struct fixture *fx, int version)
{
	char	path[4096], name[32];

	snprintf(name, sizeof name, "delta-v%d.bin", version);
	fixture_path(path, sizeof path, name);
	fx->bin = slurp(path, &fx->len);
	snprintf(name, sizeof name, "delta-v%d.json", version);
	fixture_path(path, sizeof path, name);
	fx->json = slurp(path, &fx->jlen);
}

static void
fixture_free(struct fixture *fx)
{
	free(fx->bin);
	free(fx->json);
}

/*
 * The next message of fx from *off on (u32 LE length, message), or NULL
 * at the end.
 */
static const uint8_t *
fixture_next(const struct fixture *fx, size_t *off, size_t *n)
{
	const uint8_t	*p = fx->bin + *off;

	if (*off == fx->len)
		return (NULL);
	ck_assert_uint_ge(fx->len - *off, 4);
	*n = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
	    (size_t)p[3] << 24;
	ck_assert_uint_ge(fx->len - *off - 4, *n);
	*off += 4 + *n;
	return (p + 4);
}

/*
 * Replays fixture delta-vN.bin with the C decoder: every message is of
 * format N and accepted, and what the views they lead to make of the
 * JSON (fixture_json_*) is delta-vN.json byte for byte: each message's
 * tick, seq, length, count and view hash, and the final view in full.
 */
static void
fixture_replay(int version)
{
	struct fixture		 fx;
	struct delta_buf	 json = { 0 };
	struct delta_view	 v;
	const uint8_t		*m;
	size_t			 off = 0, n, count = 0;
	char			*cause = NULL;

	fixture_load(&fx, version);
	delta_view_init(&v);
	fixture_json_head(&json, version);
	while ((m = fixture_next(&fx, &off, &n)) != NULL) {
		ck_assert_uint_ge(n, 1);
		ck_assert_uint_eq(m[0], version);
		ck_assert_msg(delta_decode(&v, m, n, &cause) == 0,
		    "delta-v%d.bin, message %zu: %s", version, count, cause);
		fixture_json_message(&json, count, n, &v);
		count++;
	}
	fixture_json_final(&json, &v);
	ck_assert_uint_eq(count, FIX_TICKS - 1);
	ck_assert_uint_eq(v.tick, FIX_TICK0 + FIX_TICKS - 1);
	ck_assert_ptr_nonnull(delta_view_find(&v, FIX_VIEWER));
	ck_assert_str_eq(delta_view_find(&v, FIX_VIEWER)->name,
	    "Zo\xc3\xab");
	ck_assert_msg(json.len == fx.jlen &&
	    memcmp(json.p, fx.json, fx.jlen) == 0,
	    "delta-v%d.bin does not lead to the views of delta-v%d.json",
	    version, version);
	delta_view_free(&v);
	delta_buf_free(&json);
	fixture_free(&fx);
}

/*
 * The committed format-1 fixture, from when the encoder wrote format 1:
 * only read now, the C decoder replaying it to the views its JSON
 * describes.
 */
START_TEST(test_fixture_v1)
{
	fixture_replay(1);
}
END_TEST

/*
 * The committed format-2 fixture: while format 2 is the current one, the
 * encoder writes it byte for byte (messages and JSON); the C decoder
 * replays it to the views its JSON describes; and it is the scenario of
 * delta-v1.bin: message by message the same views, and fewer bytes.
 */
START_TEST(test_fixture_v2)
{
	struct delta_buf	 bin = { 0 }, json = { 0 };
	struct delta_view	 v1, v2;
	struct fixture		 fx1, fx2;
	const uint8_t		*m1, *m2;
	size_t			 off1 = 0, off2 = 0, n1, n2, count = 0;
	size_t			 shorter = 0;
	char			 what[64];

	fixture_replay(2);

	fixture_load(&fx2, 2);
#if DELTA_VERSION == 2
	fixture_build(&bin, &json);
	assert_bytes(bin.p, bin.len, fx2.bin, fx2.len);
	ck_assert_uint_eq(json.len, fx2.jlen);
	ck_assert(memcmp(json.p, fx2.json, fx2.jlen) == 0);
#endif

	fixture_load(&fx1, 1);
	delta_view_init(&v1);
	delta_view_init(&v2);
	while ((m1 = fixture_next(&fx1, &off1, &n1)) != NULL) {
		m2 = fixture_next(&fx2, &off2, &n2);
		ck_assert_ptr_nonnull(m2);
		ck_assert_int_eq(delta_decode(&v1, m1, n1, NULL), 0);
		ck_assert_int_eq(delta_decode(&v2, m2, n2, NULL), 0);
		snprintf(what, sizeof what, "message %zu", count);
		assert_same_view(&v1, &v2, what);
		ck_assert_uint_le(n2, n1);
		shorter += n1 - n2;
		count++;
	}
	ck_assert_ptr_null(fixture_next(&fx2, &off2, &n2));
	ck_assert_uint_eq(count, FIX_TICKS - 1);
	ck_assert_uint_lt(fx2.len, fx1.len);
	ck_assert_uint_eq(fx1.len - fx2.len, shorter);
	/* A byte less per position-only update: there are many. */
	ck_assert_uint_gt(shorter, 100);

	delta_view_free(&v1);
	delta_view_free(&v2);
	fixture_free(&fx1);
	fixture_free(&fx2);
	delta_buf_free(&bin);
	delta_buf_free(&json);
}
END_TEST

/*
 * The committed format-3 fixture: while format 3 is the current one, the
 * encoder writes it byte for byte (messages and JSON, the motions made
 * by delta_tick_begin as a server makes them); the C decoder replays it
 * to the views its JSON describes; and it is the scenario of
 * delta-v2.bin: message by message the same entities, players at the
 * same positions and mobs within DELTA_SLACK_MOB of them. The viewer,
 * who walks straight, costs a record only when she starts or stops.
 */
START_TEST(test_fixture_v3)
{
	struct delta_buf	 bin = { 0 }, json = { 0 };
	struct delta_view	 v2, v3;
	struct fixture		 fx2, fx3;
	const struct delta_seen	*a, *b;
	const uint8_t		*m2, *m3;
	size_t			 off2 = 0, off3 = 0, n2, n3, count = 0, i;
	size_t			 viewer = 0, mobs_off = 0;
	int32_t			 slack;

	fixture_replay(3);

	fixture_load(&fx3, 3);
#if DELTA_VERSION == 3
	fixture_build(&bin, &json);
	assert_bytes(bin.p, bin.len, fx3.bin, fx3.len);
	ck_assert_uint_eq(json.len, fx3.jlen);
	ck_assert(memcmp(json.p, fx3.json, fx3.jlen) == 0);
#endif

	fixture_load(&fx2, 2);
	delta_view_init(&v2);
	delta_view_init(&v3);
	while ((m2 = fixture_next(&fx2, &off2, &n2)) != NULL) {
		m3 = fixture_next(&fx3, &off3, &n3);
		ck_assert_ptr_nonnull(m3);
		ck_assert_int_eq(delta_decode(&v2, m2, n2, NULL), 0);
		ck_assert_int_eq(delta_decode(&v3, m3, n3, NULL), 0);
		ck_assert(v2.tick == v3.tick && v2.seq == v3.seq &&
		    v2.n == v3.n);
		for (i = 0; i < v2.n; i++) {
			a = &v2.ents[i];
			b = &v3.ents[i];
			ck_assert(a->f.id == b->f.id &&
			    a->f.kind == b->f.kind && a->f.type == b->f.type &&
			    a->f.hp == b->f.hp && a->f.max_hp == b->f.max_hp &&
			    a->f.level == b->f.level);
			ck_assert_str_eq(a->name, b->name);
			slack = a->f.kind == DELTA_PLAYER ?
			    DELTA_SLACK_PLAYER : DELTA_SLACK_MOB;
			ck_assert_msg(abs(a->f.xq - b->f.xq) <= slack &&
			    abs(a->f.yq - b->f.yq) <= slack, "message %zu: "
			    "%u at (%d, %d), in format 2 (%d, %d)", count,
			    a->f.id, b->f.xq, b->f.yq, a->f.xq, a->f.yq);
			mobs_off += a->f.xq != b->f.xq || a->f.yq != b->f.yq;
		}
		/* A new motion of the viewer starts at this tick. */
		b = delta_view_find(&v3, FIX_VIEWER);
		viewer += count > 0 && b->f.t0 == v3.tick;
		count++;
	}
	ck_assert_ptr_null(fixture_next(&fx3, &off3, &n3));
	ck_assert_uint_eq(count, FIX_TICKS - 1);
	/* Off by some steps now and then: the slack is used. */
	ck_assert_uint_gt(mobs_off, 0);
	/* She starts walking, stops at the 26th tick, walks on. */
	ck_assert_msg(viewer <= 3, "%zu motions of the viewer", viewer);

	delta_view_free(&v2);
	delta_view_free(&v3);
	fixture_free(&fx2);
	fixture_free(&fx3);
	delta_buf_free(&bin);
	delta_buf_free(&json);
}
END_TEST

static Suite *
delta_suite(int forking)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("delta");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_format1_read);
	tcase_add_test(tc, test_update_keys);
	tcase_add_loop_test(tc, test_round_trip, 0, 3);
	tcase_add_loop_test(tc, test_round_trip_tick, 0, 3);
	tcase_add_loop_test(tc, test_round_trip_view, 0, 3);
	tcase_add_test(tc, test_unchanged_free);
	tcase_add_test(tc, test_reckoning);
	tcase_add_loop_test(tc, test_walkers, 0, 3);
	tcase_add_test(tc, test_format2_after_3);
	tcase_add_test(tc, test_tick_save);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_fuzz);
	tcase_add_test(tc, test_quantise);
	tcase_add_test(tc, test_world);
	tcase_add_test(tc, test_no_alloc);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_fixture_v1);
	tcase_add_test(tc, test_fixture_v2);
	tcase_add_test(tc, test_fixture_v3);
	if (forking) {		/* these exit the process */
		tcase_add_exit_test(tc, test_encode_unsorted, 70);
		tcase_add_exit_test(tc, test_encode_bad_index, 70);
	}
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

	if ((fixture = getenv("ZONED_WRITE_DELTA_FIXTURE")) != NULL &&
	    *fixture != '\0') {
		s = suite_create("delta-fixture");
		tc = tcase_create("write");
		tcase_add_test(tc, test_write_fixture);
		suite_add_tcase(s, tc);
		sr = srunner_create(s);
	} else {
		sr = srunner_create(NULL);
		srunner_add_suite(sr,
		    delta_suite(srunner_fork_status(sr) != CK_NOFORK));
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
