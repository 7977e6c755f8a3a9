/*
 * Unit tests for delta.c: the example of delta.h byte for byte; random
 * sequences of ticks (moving, hurt, leveling, dying, coming back, kind
 * changes, clients skipping ticks) after each of which the decoded view
 * equals what the encoder remembers sending and the quantised truth;
 * unchanged entities cost nothing; every truncation, hand-made
 * malformations and a few thousand random mutations are refused without
 * a crash and without touching the view; the quantisation bound; a real
 * world through delta_frame_world and aoi.c; no allocation in the steady
 * state; the update records of format 2 (position only without a mask,
 * 3 bytes); format 1 still read; the committed fixtures
 * tests/fixtures/delta-v1.bin (format 1, now only read) and delta-v2.bin
 * (format 2, written byte for byte), read by
 * clients/js/test/delta-selftest.cjs too.
 *
 * ZONED_WRITE_DELTA_FIXTURE=PATH tests/unit/check_delta writes the
 * fixture's messages to PATH and the view they lead to to PATH with
 * ".json" for ".bin". When the format changes, write delta-vN.bin with
 * it, add a test for it like test_fixture_v2, and keep the old ones
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
	0x02, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00, 0xa0, 0x01, 0x27, 0x12, 0x14, 0x02,
	0x03, 'A', 'n', 'n',
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01, 0xc2, 0x0c, 0xa0, 0x06,
	0x0c, 0x0c, 0x01,
	0x00,
};
static const uint8_t golden2[] = {
	0x02, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x03, 0x10, 0x00,			/* key 3: id 1, position */
	0x84, 0x80, 0x80, 0x80, 0x08, 0x02, 0x09,	/* P 0, hp */
};
static const uint8_t golden3[] = {
	0x02, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
};
static const uint8_t golden4[] = {
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

static void
golden_entities(struct delta_entity *e)
{
	memset(e, 0, 2 * sizeof *e);
	e[0].f.id = 1;
	e[0].f.kind = DELTA_PLAYER;
	e[0].f.xq = delta_quantise(10);
	e[0].f.yq = delta_quantise(-2.5f);
	e[0].f.hp = 18;
	e[0].f.max_hp = 20;
	e[0].f.level = 2;
	e[0].name = "Ann";
	e[1].f.id = WORLD_MOB_ID_BASE + 3;
	e[1].f.kind = DELTA_MOB;
	e[1].f.type = 1;
	e[1].f.xq = delta_quantise(100.125f);
	e[1].f.yq = delta_quantise(50);
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
	len = delta_encode(enc, c, &b, 300, 7, e, 2, both, 2);
	assert_bytes(b.p, len, golden1, sizeof golden1);

	e[0].f.xq += 8;
	e[1].f.hp = 9;
	len = delta_encode(enc, c, &b, 301, 8, e, 2, both, 2);
	ck_assert_uint_eq(b.len, sizeof golden1 + len);	/* appended */
	assert_bytes(b.p + sizeof golden1, len, golden2, sizeof golden2);

	b.len = 0;
	len = delta_encode(enc, c, &b, 302, 8, e, 2, ann, 1);
	assert_bytes(b.p, len, golden3, sizeof golden3);

	e[0].f.xq -= 8;
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
	ck_assert_int_eq(v.ents[1].f.xq, 801);
	ck_assert_str_eq(v.ents[1].name, "");
	ck_assert_int_eq(delta_decode(&v, golden2, sizeof golden2, NULL), 0);
	s = delta_view_find(&v, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->f.xq, 88);
	s = delta_view_find(&v, WORLD_MOB_ID_BASE + 3);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->f.hp, 9);
	ck_assert_int_eq(delta_decode(&v, golden3, sizeof golden3, NULL), 0);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_ptr_null(delta_view_find(&v, WORLD_MOB_ID_BASE + 3));
	ck_assert_int_eq(delta_decode(&v, golden4, sizeof golden4, NULL), 0);
	ck_assert_uint_eq(v.tick, 303);
	ck_assert_uint_eq(v.seq, 9);
	ck_assert_int_eq(v.ents[0].f.xq, 80);
	ck_assert_int_eq(v.ents[0].f.yq, -20);
	ck_assert_uint_eq(v.ents[0].f.hp, 17);
	assert_view_known(&v, c);

	delta_view_free(&v);
	delta_buf_free(&b);
	delta_client_free(c);
	delta_enc_free(enc);
}
END_TEST

/* The view after each message of the example, in either format. */
static void
golden_views(struct delta_view v[4], int format)
{
	static const struct {
		const uint8_t	*p;
		size_t		 len;
	} m[2][4] = { {
		{ golden1_v1, sizeof golden1_v1 },
		{ golden2_v1, sizeof golden2_v1 },
		{ golden3_v1, sizeof golden3_v1 },
		{ golden4_v1, sizeof golden4_v1 },
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
 * Format 1 is still read: the example as format 1 sent it leads to the
 * same views as format 2, and a view may go on from one to the other
 * (the version is each message's own).
 */
START_TEST(test_format1_read)
{
	struct delta_view	 v1[4], v2[4], w;
	size_t			 i;

	golden_views(v1, 1);
	golden_views(v2, 2);
	for (i = 0; i < 4; i++)
		assert_same_view(&v1[i], &v2[i], "format 1 vs 2");
	ck_assert_int_eq(v1[1].ents[0].f.xq, 88);
	ck_assert_uint_eq(v1[1].ents[1].f.hp, 9);
	ck_assert_uint_eq(v1[3].ents[0].f.hp, 17);

	/* 1, 2, 1, 2. */
	delta_view_init(&w);
	ck_assert_int_eq(delta_decode(&w, golden1_v1, sizeof golden1_v1,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden2, sizeof golden2, NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden3_v1, sizeof golden3_v1,
	    NULL), 0);
	ck_assert_int_eq(delta_decode(&w, golden4, sizeof golden4, NULL), 0);
	assert_same_view(&w, &v2[3], "formats mixed");
	delta_view_free(&w);
	for (i = 0; i < 4; i++) {
		delta_view_free(&v1[i]);
		delta_view_free(&v2[i]);
	}
}
END_TEST

/*
 * The update records of format 2, from the encoder and back: a
 * position-only update is its key and two zigzags (3 bytes for a small
 * gap and move, 7 for a mob's gap from 0), anything else a key with P 0,
 * the mask and the fields; a mask of 0x01 with P 0 is refused.
 */
START_TEST(test_update_keys)
{
	static const struct {
		const char	*what;
		int32_t		 dxq, dyq;
		uint32_t	 hp, level;
		size_t		 len;
		uint8_t		 rec[12];	/* after 02 02 00 00 00 01 */
	} cases[] = {
	{ "position only, small", 8, -3, 20, 1, 3, { 0x0f, 0x10, 0x05 } },
	{ "position only, the most", 63, -64, 20, 1, 3,
	    { 0x0f, 0x7e, 0x7f } },
	{ "position only, larger", 64, 0, 20, 1, 4,
	    { 0x0f, 0x80, 0x01, 0x00 } },
	{ "hp only", 0, 0, 13, 1, 3, { 0x0e, 0x02, 0x0d } },
	{ "position and hp", -1, 1, 5, 1, 5,
	    { 0x0e, 0x03, 0x01, 0x02, 0x05 } },
	{ "position and level", 2, 0, 20, 4, 5,
	    { 0x0e, 0x09, 0x04, 0x00, 0x04 } },
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
		e[1].f.xq += cases[i].dxq;
		e[1].f.yq += cases[i].dyq;
		e[1].f.hp = cases[i].hp;
		e[1].f.level = cases[i].level;
		b.len = 0;
		len = delta_encode(enc, c, &b, 2, 0, &e[1], 1, at, 1);
		ck_assert_msg(len == 6 + cases[i].len, "%s: %zu bytes",
		    cases[i].what, len);
		/* Tick 2, seq 0, no leave, no enter, 1 update. */
		ck_assert(memcmp(b.p, "\x02\x02\x00\x00\x00\x01", 6) == 0);
		/* The key (gap 7, then P), the mask if P is 0, fields. */
		assert_bytes(b.p + 6, len - 6, cases[i].rec, cases[i].len);
		cause = NULL;
		ck_assert_msg(delta_decode(&v, b.p, len, &cause) == 0,
		    "%s: %s", cases[i].what, cause);
		s = delta_view_find(&v, 7);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(s->f.xq, was.xq + cases[i].dxq);
		ck_assert_int_eq(s->f.yq, was.yq + cases[i].dyq);
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
	e[1].f.yq--;
	b.len = 0;
	len = delta_encode(enc, c, &b, 2, 0, e, 2, at, 2);
	{
		static const uint8_t want[] = {
			0x02, 0x02, 0x00, 0x00, 0x00, 0x02,
			0x0f, 0x02, 0x00,		/* 7: +1, 0 */
			0x81, 0x80, 0x80, 0x80, 0x08, 0x00, 0x01,
		};

		assert_bytes(b.p, len, want, sizeof want);
	}
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_known(&v, c);
	delta_view_free(&v);
	delta_client_free(c);

	/*
	 * By hand, on a view of the example's first message: P 0 with mask
	 * 0x03 is read; mask 0x01 with P 0 is refused, the view unchanged;
	 * a format-1 message may send it.
	 */
	delta_view_init(&v);
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	memcpy(m, (const uint8_t []){ 0x02, 0x05, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x01, 0x10, 0x00 }, 10);
	cause = NULL;
	ck_assert_int_eq(delta_decode(&v, m, 10, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "mask") != NULL, "%s", cause);
	free(cause);
	ck_assert_uint_eq(v.tick, 300);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 80);
	m[0] = 1;
	m[6] = 0x01;		/* format 1: id gap 1, mask 0x01 */
	ck_assert_int_eq(delta_decode(&v, m, 10, NULL), 0);
	ck_assert_int_eq(delta_view_find(&v, 1)->f.xq, 88);
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
 * after every message the view is what is true. Client 0 never skips:
 * its messages are byte for byte the per-client encoder's. Half-way, a
 * live migration: every client's ids go through a snapshot into a new
 * encoder seeded with that tick's frame, and the views carry on.
 */
START_TEST(test_round_trip_tick)
{
	static struct sent	 e[SMAX];
	struct delta_tick	*dt, dts[2];
	struct delta_frame	*fr, classic_fr = { 0 };
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
	for (n = 0; n < 250; n++) {
		nextid += 1 + tbelow(&s, 4);
		sent_random(&s, &e[n], nextid, side);
	}
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
		frame_build(&classic_fr, e, n);
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
			ck_assert_uint_eq(k[i]->n, av.nvisible);
			ck_assert_uint_eq(k[i]->synced, tick);
			if (i == 0) {
				cb.len = 0;
				clen = delta_encode(enc, classic, &cb, tick,
				    tick, classic_fr.ents, classic_fr.n,
				    av.visible_at, av.nvisible);
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
				ck_assert_uint_eq(snapr_left(&sec), 0);
			}
			snapw_free(&w);
			delta_tick_free(dt);
			dt = &dts[1];
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
	delta_frame_free(&classic_fr);
	delta_buf_free(&b);
	delta_buf_free(&cb);
	delta_enc_free(enc);
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
	for (n = 0; n < 250; n++) {
		nextid += 1 + tbelow(&s, 4);
		sent_random(&s, &e[n], nextid, w);
	}
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

/* Entities that did not change cost no byte; a change costs its field. */
START_TEST(test_unchanged_free)
{
	static struct sent	 e[200];
	static uint32_t		 at[200];
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_buf	 b = { 0 };
	struct delta_view	 v;
	uint64_t		 s = 99;
	size_t			 i, len;
	const uint8_t		 quiet[] = { 0x02, 0x05, 0x09, 0, 0, 0 };
	/* Key 11 << 1, the mask, hp; position only: key 12 << 1 | 1. */
	const uint8_t		 one[] = { 0x02, 0x06, 0x09, 0, 0, 1,
				     0x16, DELTA_F_HP, 0x07 };
	const uint8_t		 moved[] = { 0x02, 0x07, 0x09, 0, 0, 1,
				     0x19, 0x02, 0x01 };

	delta_view_init(&v);
	for (i = 0; i < 200; i++) {
		sent_random(&s, &e[i], (uint32_t)i + 1, 500);
		e[i].hp = 20;
		at[i] = (uint32_t)i;
	}
	frame_build(&fr, e, 200);
	len = delta_encode(enc, c, &b, 4, 9, fr.ents, fr.n, at, 200);
	ck_assert_uint_gt(len, 200 * 8);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	b.len = 0;
	len = delta_encode(enc, c, &b, 5, 9, fr.ents, fr.n, at, 200);
	assert_bytes(b.p, len, quiet, sizeof quiet);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	e[10].hp = 7;			/* id 11 */
	frame_build(&fr, e, 200);
	b.len = 0;
	len = delta_encode(enc, c, &b, 6, 9, fr.ents, fr.n, at, 200);
	assert_bytes(b.p, len, one, sizeof one);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);

	/* Moves within the same 1/8 unit are no change; one step is. */
	e[11].x = (float)delta_quantise(e[11].x) / 8 + 0.01f;
	e[11].y = (float)delta_quantise(e[11].y) / 8;
	frame_build(&fr, e, 200);
	b.len = 0;
	len = delta_encode(enc, c, &b, 5, 9, fr.ents, fr.n, at, 200);
	assert_bytes(b.p, len, quiet, sizeof quiet);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	e[11].x = (float)fr.ents[11].f.xq / 8 + 0.125f;
	e[11].y = (float)fr.ents[11].f.yq / 8 - 0.125f;
	frame_build(&fr, e, 200);
	b.len = 0;
	len = delta_encode(enc, c, &b, 7, 9, fr.ents, fr.n, at, 200);
	assert_bytes(b.p, len, moved, sizeof moved);
	ck_assert_int_eq(delta_decode(&v, b.p, len, NULL), 0);
	assert_view_truth(&v, fr.ents, at, 200);

	delta_view_free(&v);
	delta_buf_free(&b);
	delta_client_free(c);
	delta_enc_free(enc);
	delta_frame_free(&fr);
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

/* Hand-made messages, each refused for its reason, on a view of golden1. */
START_TEST(test_refusals)
{
	/*
	 * Format 1 messages; those marked 2 are refused for the same reason
	 * with their version byte set to 2 (nothing of their update list
	 * differs between the formats).
	 */
	static const struct {
		const char	*what;
		const char	*why;
		int		 v2;
		size_t		 len;
		uint8_t		 b[32];
	} bad[] = {
#define B(...)	sizeof ((const uint8_t []){ __VA_ARGS__ }), { __VA_ARGS__ }
#define X2	2	/* also as format 2 */
	{ "empty", "truncated", 0, 0, { 0 } },
	{ "version 3", "version", 0, B(0x03, 0x01, 0x00, 0, 0, 0) },
	{ "version 0", "version", 0, B(0x00, 0x01, 0x00, 0, 0, 0) },
	{ "version 255", "version", 0, B(0xff, 0x01, 0x00, 0, 0, 0) },
	{ "header cut", "truncated", X2, B(0x01, 0xac) },
	{ "counts cut", "truncated", X2, B(0x01, 0x01, 0x00, 0, 0) },
	{ "overlong tick", "shortest", X2, B(0x01, 0x81, 0x00, 0x00, 0, 0, 0) },
	{ "tick of 11 bytes", "too long", X2, B(0x01, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0) },
	{ "tick over 2^64", "out of range", X2, B(0x01, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 0, 0, 0) },
	{ "count over 2^32", "out of range", X2, B(0x01, 0x01, 0x00, 0x80,
	    0x80, 0x80, 0x80, 0x10, 0, 0) },
	{ "count of 6 bytes", "too long", X2, B(0x01, 0x01, 0x00, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x00, 0, 0) },
	{ "leave count too big", "larger", X2, B(0x01, 0x01, 0x00, 0x05, 0x01,
	    0, 0) },
	{ "leave unknown", "not seen", X2, B(0x01, 0x01, 0x00, 0x01, 0x02, 0,
	    0) },
	{ "leave twice", "ascending", X2, B(0x01, 0x01, 0x00, 0x02, 0x01, 0x00,
	    0, 0) },
	{ "leave 2", "not seen", X2, B(0x01, 0x01, 0x00, 0x02, 0x01, 0x01, 0,
	    0) },
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
	{ "trailing byte", "after", X2, B(0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
	    0x00) },
	/* Format 2's update records (the view: golden1's). */
	{ "v2 update unknown", "not seen", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x04, 0x02, 0x05) },
	{ "v2 update mask 0", "mask", 0, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x00, 0x00) },
	{ "v2 update mask 0x10", "mask", 0, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x10, 0x00) },
	{ "v2 update mask 0x01 with P 0", "position only", 0, B(0x02, 0x01,
	    0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 0x10, 0x00) },
	{ "v2 update mask 0x11 with P 0", "mask", 0, B(0x02, 0x01, 0x00,
	    0x00, 0x00, 0x01, 0x02, 0x11, 0x10, 0x00) },
	{ "v2 update out of range", "position", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0xfc, 0xff, 0xff, 0xff, 0x07, 0x00) },
	{ "v2 update after leave", "not seen", 0, B(0x02, 0x01, 0x00, 0x01,
	    0x01, 0x00, 0x01, 0x03, 0x10, 0x00) },
	{ "v2 update after re-enter", "not seen", 0, B(0x02, 0x01, 0x00,
	    0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0x01, 0x03,
	    0x10, 0x00) },
	{ "v2 update twice", "ascending", 0, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x03, 0x10, 0x00, 0x01, 0x10, 0x00) },
	{ "v2 update cut", "truncated", 0, B(0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x02, 0x0f, 0x00, 0x00, 0x05) },
	{ "v2 position only cut", "truncated", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0x82, 0x01) },
	{ "v2 update count too big", "larger", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0x10) },
	{ "v2 key of 2^33 - 1", "not seen", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x10, 0x00) },
	{ "v2 key of 2^34 - 1", "out of range", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x10, 0x00) },
	{ "v2 key of 6 bytes", "too long", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 0x10, 0x00) },
	{ "v2 key not shortest", "shortest", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x83, 0x00, 0x10, 0x00) },
	{ "v2 id over 2^32", "id out of range", 0, B(0x02, 0x01, 0x00, 0x00,
	    0x00, 0x02, 0x87, 0x80, 0x80, 0x80, 0x08, 0x00, 0x02, 0xff, 0xff,
	    0xff, 0xff, 0x1f, 0x10, 0x00) },
	/* Format 1 knows no P: its id 3 is not seen (format 2: key 3). */
	{ "v1 gap 3", "not seen", 0, B(0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x03, 0x01, 0x10, 0x00) },
#undef X2
#undef B
	};
	/* Leave 1 and enter it again as a mob: allowed. */
	static const uint8_t kind_change[] = { 0x01, 0x01, 0x00,
	    0x01, 0x01,				/* leave 1 */
	    0x01, 0x01, 0x01, 0x01,		/* enter 1: mob, type 1 */
	    0x04, 0x00, 0x05, 0x05, 0x02,	/* (0.25, 0), 5/5, state 2 */
	    0x00 };
	struct delta_view	 v;
	struct vsnap		 snap;
	const struct delta_seen	*s;
	uint8_t			 m[32];
	char			*cause;
	size_t			 i, twice = 0;
	int			 format;

	delta_view_init(&v);
	ck_assert_int_eq(delta_decode(&v, golden1, sizeof golden1, NULL), 0);
	vsnap_take(&snap, &v);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (format = 1; format <= 2; format++) {
			memcpy(m, bad[i].b, bad[i].len);
			if (format == 2) {
				if (bad[i].v2 != 2)
					continue;
				ck_assert_uint_eq(m[0], 1);
				m[0] = 2;
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
	ck_assert_uint_ge(twice, 20);
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
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct aoi		*a = aoi_new(400, 400, 120);
	struct aoi_view		 av;
	uint64_t		 s = seed;
	uint32_t		 nextid = 0;
	size_t			 n;

	memset(st, 0, sizeof *st);
	for (n = 0; n < 120; n++) {
		nextid += 1 + tbelow(&s, 3);
		sent_random(&s, &e[n], nextid, 400);
	}
	e[3].alive = 1;
	aoi_viewer_add(a, e[3].id);
	for (st->n = 0; st->n < 64; st->n++) {
		frame_build(&fr, e, n);
		aoi_update(a, fr.pos, fr.n);
		aoi_view(a, e[3].id, &av);
		st->off[st->n] = st->b.len;
		st->len[st->n] = delta_encode(enc, c, &st->b,
		    1000 + st->n * 37, st->n * 3, fr.ents, fr.n,
		    av.visible_at, av.nvisible);
		sent_tick(&s, e, &n, &nextid, 400);
		e[3].alive = 1;		/* the viewer stays */
	}
	aoi_free(a);
	delta_client_free(c);
	delta_enc_free(enc);
	delta_frame_free(&fr);
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
 * Players walk and fight among mobs of a real world; each gets its
 * messages through delta_frame_world and aoi.c, and its view is the
 * world as it is, quantised, within its radius.
 */
START_TEST(test_world)
{
	struct area		*ar = world_area();
	struct world		*w = world_new(ar, 20, 42);
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c[6];
	struct delta_view	 v[6];
	struct delta_buf	 b = { 0 };
	struct world_input	 in[6];
	struct world_player	*p;
	struct aoi		*a;
	struct aoi_view		 av;
	const struct delta_seen	*seen;
	uint32_t		 id[6];
	uint64_t		 s = 4, seq = 0;
	size_t			 i, k, len, mobs_seen = 0, deaths = 0;
	int			 step;

	a = aoi_new(area_width(ar), area_height(ar), 250);
	for (i = 0; i < 6; i++) {
		p = world_player_add(w, i == 2 ? "Zo\xc3\xab" : "p",
		    (float)(300 + 60 * i), (float)(400 + 40 * i));
		ck_assert_ptr_nonnull(p);
		id[i] = p->id;
		aoi_viewer_add(a, id[i]);
		c[i] = delta_client_new();
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

		delta_frame_world(&fr, w);
		aoi_update(a, fr.pos, fr.n);
		for (i = 0; i < 6; i++) {
			aoi_view(a, id[i], &av);
			b.len = 0;
			len = delta_encode(enc, c[i], &b, w->tick,
			    world_player_find(w, id[i])->last_seq, fr.ents,
			    fr.n, av.visible_at, av.nvisible);
			CHECK(delta_decode(&v[i], b.p, len, NULL) == 0,
			    "step %d: refused", step);
			assert_view_truth(&v[i], fr.ents, av.visible_at,
			    av.nvisible);
			CHECK(delta_view_find(&v[i], id[i]) != NULL,
			    "step %d: %u does not see itself", step, id[i]);
			/* The view is the world itself, quantised. */
			for (k = 0; k < v[i].n; k++) {
				seen = &v[i].ents[k];
				if (seen->f.kind == DELTA_MOB) {
					struct world_mob *m =
					    world_mob_find(w, seen->f.id);

					CHECK(m != NULL && m->state != MOB_DEAD &&
					    seen->f.xq == delta_quantise(m->x) &&
					    seen->f.max_hp == (uint32_t)
					    ar->spawners[m->spawner].hp &&
					    seen->f.type == m->spawner &&
					    seen->f.level == m->state,
					    "step %d: mob %u", step, seen->f.id);
					mobs_seen++;
				} else {
					p = world_player_find(w, seen->f.id);
					CHECK(p != NULL &&
					    strcmp(seen->name, p->name) == 0 &&
					    seen->f.level == p->level &&
					    fabs((double)p->y -
					    seen->f.yq / 8.0) <= 1.0 / 16,
					    "step %d: player %u", step,
					    seen->f.id);
				}
			}
		}
	}
	ck_assert_uint_gt(mobs_seen, 0);
	ck_assert_uint_gt(deaths, 0);
	ck_assert_str_eq(delta_view_find(&v[0], id[0])->name, "p");
	for (i = 0; i < 6; i++) {
		delta_client_free(c[i]);
		delta_view_free(&v[i]);
	}
	delta_buf_free(&b);
	delta_frame_free(&fr);
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
 * tick is skipped. Writes the messages to bin (u32 LE length, message,
 * ...) and the JSON of what to expect to json.
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
	struct delta_frame	 fr = { 0 };
	struct delta_enc	*enc = delta_enc_new();
	struct delta_client	*c = delta_client_new();
	struct delta_view	 v;
	struct delta_buf	 msg = { 0 };
	struct aoi		*a = aoi_new(600, 600, 200);
	struct aoi_view		 av;
	uint64_t		 s = 0xde17a, seq = 0;
	size_t			 i, len, nmsg = 0;
	uint8_t			 le[4];
	int			 t;

	delta_view_init(&v);
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
		frame_build(&fr, e, 28);
		aoi_update(a, fr.pos, fr.n);
		if (t == 33)		/* the client's output was full */
			continue;
		aoi_view(a, FIX_VIEWER, &av);
		msg.len = 0;
		len = delta_encode(enc, c, &msg, FIX_TICK0 + (uint64_t)t,
		    seq, fr.ents, fr.n, av.visible_at, av.nvisible);
		ck_assert_int_eq(delta_decode(&v, msg.p, len, NULL), 0);
		assert_view_truth(&v, fr.ents, av.visible_at, av.nvisible);

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
	delta_frame_free(&fr);
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
	tcase_add_test(tc, test_unchanged_free);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_fuzz);
	tcase_add_test(tc, test_quantise);
	tcase_add_test(tc, test_world);
	tcase_add_test(tc, test_no_alloc);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_fixture_v1);
	tcase_add_test(tc, test_fixture_v2);
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
