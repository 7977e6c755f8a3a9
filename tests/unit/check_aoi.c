/*
 * Unit tests for aoi.c: the radius is inclusive, exactly; a viewer always
 * sees itself; entering, leaving after moving out and entering again;
 * adding and removing viewers; random worlds (outside the extent, not
 * finite, crowded on one point) against a brute-force O(N^2) reference,
 * including entered/left/stayed over several ticks; aoi_look_mask's
 * bitmap (bit i, or bit slot_of[i] through a map with gaps) holds what
 * aoi_look_one says each entity sees, nothing else, with its count and
 * word range, and nothing for an index not an entity; the work per viewer
 * does not grow with the world at a fixed density; no allocation in the
 * steady state; caller bugs end the process.
 *
 * countalloc.c defines the xmalloc.h functions, counting calls, so the
 * linker takes them instead of libutil's xmalloc.o.
 */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aoi.h"
#include "countalloc.h"
#include "testrand.h"

/*
 * ck_assert_msg without check's bookkeeping of every passed assertion
 * (a write to a pipe in fork mode), for the hot loops.
 */
#define CHECK(expr, ...) do {						\
	if (!(expr))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* The view of id, which must be a viewer. */
static struct aoi_view
view(const struct aoi *a, uint32_t id)
{
	struct aoi_view	v;

	ck_assert_int_eq(aoi_view(a, id, &v), 0);
	return (v);
}

/* ids[0..n) equals the list want[0..nwant). */
static void
assert_ids(const uint32_t *ids, size_t n, const uint32_t *want,
    size_t nwant, const char *what)
{
	size_t	i;

	CHECK(n == nwant, "%s: %zu ids, want %zu", what, n, nwant);
	for (i = 0; i < n; i++)
		CHECK(ids[i] == want[i], "%s[%zu]: %u, want %u", what, i,
		    ids[i], want[i]);
}

#define IDS(...)	((const uint32_t []){ __VA_ARGS__ })
#define NIDS(...)	(sizeof IDS(__VA_ARGS__) / sizeof (uint32_t))
#define EXPECT(ids, n, what, ...) \
	assert_ids(ids, n, IDS(__VA_ARGS__), NIDS(__VA_ARGS__), what)
#define EXPECT_NONE(ids, n, what)	assert_ids(ids, n, NULL, 0, what)

/* ---- the radius --------------------------------------------------------- */

/*
 * Entities exactly at the radius (on the axes and on a 3-4-5 triangle,
 * all exact in float) are seen; the next float beyond is not.
 */
START_TEST(test_radius_inclusive)
{
	struct aoi_entity	 e[] = {
		{ 1, 1000, 1000 },			/* the viewer */
		{ 2, 1400, 1000 },			/* +400 on x */
		{ 3, 1240, 1320 },			/* 240, 320: 400 */
		{ 4, 1000, 600 },			/* -400 on y */
		{ 5, 0, 0 },				/* set below */
		{ 6, 0, 0 },
		{ 7, 760, 680 },			/* -240, -320 */
		{ 8, 0, 0 },
	};
	struct aoi		*a;
	struct aoi_view		 v;

	e[4].x = nextafterf(1400, 2000);
	e[4].y = 1000;
	e[5].x = 1000;
	e[5].y = nextafterf(600, 0);
	e[7].x = nextafterf(760, 0);
	e[7].y = 680;
	a = aoi_new(4096, 4096, 400);
	ck_assert_int_eq(aoi_viewer_add(a, 1), 0);
	aoi_update(a, e, 8);
	v = view(a, 1);
	EXPECT(v.visible, v.nvisible, "visible", 1, 2, 3, 4, 7);
	EXPECT(v.entered, v.nentered, "entered", 1, 2, 3, 4, 7);
	EXPECT_NONE(v.left, v.nleft, "left");
	EXPECT_NONE(v.stayed, v.nstayed, "stayed");
	ck_assert_uint_eq(v.visible_at[0], 0);
	ck_assert_uint_eq(v.visible_at[4], 6);
	aoi_free(a);
}
END_TEST

/* The same at a small radius whose square is not exact in float. */
START_TEST(test_radius_small)
{
	struct aoi_entity	 e[3] = {
		{ 10, 5, 5 }, { 11, 5.3f, 5 }, { 12, 0, 5 },
	};
	struct aoi		*a;
	struct aoi_view		 v;
	double			 d;

	/* Radius: exactly the float distance to entity 11. */
	d = (double)5.3f - 5.0;
	a = aoi_new(10, 10, (float)d);
	ck_assert((double)(float)d == d);
	aoi_viewer_add(a, 10);
	aoi_update(a, e, 3);
	v = view(a, 10);
	EXPECT(v.visible, v.nvisible, "visible", 10, 11);
	e[1].x = nextafterf(5.3f, 6);
	aoi_update(a, e, 3);
	v = view(a, 10);
	EXPECT(v.visible, v.nvisible, "visible", 10);
	EXPECT(v.left, v.nleft, "left", 11);
	aoi_free(a);
}
END_TEST

/* ---- self --------------------------------------------------------------- */

/* A viewer sees itself wherever it is, and nothing that is not finite. */
START_TEST(test_sees_itself)
{
	struct aoi_entity	 e[2];
	struct aoi		*a;
	struct aoi_view		 v;
	const float		 xs[] = { 0, 50, 100, -30, 1e30f, NAN,
				     INFINITY, -INFINITY, 99.999f };
	size_t			 i;

	a = aoi_new(100, 100, 10);
	aoi_viewer_add(a, 5);
	for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		e[0].id = 5;
		e[0].x = xs[i];
		e[0].y = 50;
		aoi_update(a, e, 1);
		v = view(a, 5);
		EXPECT(v.visible, v.nvisible, "alone", 5);
		ck_assert_uint_eq(v.visible_at[0], 0);

		/* Another entity at the very same place. */
		e[1].id = 6;
		e[1].x = xs[i];
		e[1].y = 50;
		aoi_update(a, e, 2);
		v = view(a, 5);
		if (isfinite(xs[i]))	/* 1e30 too: distance 0 */
			EXPECT(v.visible, v.nvisible, "crowd", 5, 6);
		else
			EXPECT(v.visible, v.nvisible, "crowd", 5);
	}
	aoi_free(a);
}
END_TEST

/* A viewer not in the world sees nothing; what it saw leaves. */
START_TEST(test_viewer_not_in_world)
{
	struct aoi_entity	 e[] = { { 1, 10, 10 }, { 2, 12, 10 } };
	struct aoi		*a;
	struct aoi_view		 v;

	a = aoi_new(100, 100, 10);
	aoi_viewer_add(a, 1);
	aoi_viewer_add(a, 3);
	v = view(a, 1);		/* before any update: empty */
	ck_assert_uint_eq(v.nvisible + v.nentered + v.nleft + v.nstayed, 0);
	aoi_update(a, e, 2);
	v = view(a, 3);
	ck_assert_uint_eq(v.nvisible + v.nentered + v.nleft + v.nstayed, 0);
	v = view(a, 1);
	EXPECT(v.visible, v.nvisible, "visible", 1, 2);
	aoi_update(a, e + 1, 1);	/* 1 left the world */
	v = view(a, 1);
	EXPECT_NONE(v.visible, v.nvisible, "visible");
	EXPECT(v.left, v.nleft, "left", 1, 2);
	aoi_update(a, e, 2);		/* back */
	v = view(a, 1);
	EXPECT(v.entered, v.nentered, "entered", 1, 2);
	aoi_free(a);
}
END_TEST

/* ---- moving ------------------------------------------------------------- */

/*
 * Entity 7 walks east past viewer 1 (radius 100): it enters at exactly
 * 100 units, stays, leaves past 100 units on the other side, turns back
 * and enters again; entity 9 stays still, always seen.
 */
START_TEST(test_walk_past)
{
	struct aoi_entity	 e[3] = {
		{ 1, 500, 500 }, { 7, 350, 500 }, { 9, 520, 520 },
	};
	struct aoi		*a;
	struct aoi_view		 v;
	int			 step, seen = 0, now, entered = 0, left = 0;

	a = aoi_new(1000, 1000, 100);
	aoi_viewer_add(a, 1);
	for (step = 0; step < 40; step++) {
		/* x: 350, 375, ..., 700 (step 14), then back west. */
		e[1].x = step <= 14 ? 350.0f + 25.0f * (float)step :
		    700.0f - 25.0f * (float)(step - 14);
		aoi_update(a, e, 3);
		v = view(a, 1);
		now = fabsf(e[1].x - 500.0f) <= 100.0f;
		if (now)
			EXPECT(v.visible, v.nvisible, "visible", 1, 7, 9);
		else
			EXPECT(v.visible, v.nvisible, "visible", 1, 9);
		if (step == 0)
			continue;
		if (now && !seen) {
			EXPECT(v.entered, v.nentered, "entered", 7);
			EXPECT(v.stayed, v.nstayed, "stayed", 1, 9);
			ck_assert(e[1].x == 400.0f || e[1].x == 600.0f);
			entered++;
		} else if (!now && seen) {
			EXPECT(v.left, v.nleft, "left", 7);
			EXPECT(v.stayed, v.nstayed, "stayed", 1, 9);
			ck_assert(e[1].x == 625.0f || e[1].x == 375.0f);
			left++;
		} else {
			EXPECT_NONE(v.entered, v.nentered, "entered");
			EXPECT_NONE(v.left, v.nleft, "left");
			ck_assert_uint_eq(v.nstayed, v.nvisible);
		}
		seen = now;
	}
	ck_assert_int_eq(entered, 2);	/* east, then back west */
	ck_assert_int_eq(left, 2);
	aoi_free(a);
}
END_TEST

/* Removing a viewer forgets it; added again, everything enters again. */
START_TEST(test_viewer_remove)
{
	struct aoi_entity	 e[] = { { 1, 10, 10 }, { 2, 12, 10 },
				     { 3, 14, 10 } };
	struct aoi		*a;
	struct aoi_view		 v;

	a = aoi_new(100, 100, 10);
	ck_assert_int_eq(aoi_viewer_add(a, 2), 0);
	ck_assert_int_eq(aoi_viewer_add(a, 1), 0);
	ck_assert_int_eq(aoi_viewer_add(a, 3), 0);
	ck_assert_int_eq(aoi_viewer_add(a, 1), -1);	/* already */
	ck_assert_uint_eq(aoi_viewer_count(a), 3);
	aoi_update(a, e, 3);
	aoi_update(a, e, 3);
	v = view(a, 2);
	EXPECT(v.stayed, v.nstayed, "stayed", 1, 2, 3);
	ck_assert_int_eq(aoi_viewer_remove(a, 2), 0);
	ck_assert_int_eq(aoi_viewer_remove(a, 2), -1);
	ck_assert_int_eq(aoi_view(a, 2, &v), -1);
	ck_assert_uint_eq(aoi_viewer_count(a), 2);
	v = view(a, 3);			/* the others are untouched */
	EXPECT(v.stayed, v.nstayed, "stayed", 1, 2, 3);
	aoi_update(a, e, 3);
	ck_assert_int_eq(aoi_viewer_add(a, 2), 0);
	v = view(a, 2);
	ck_assert_uint_eq(v.nvisible, 0);
	aoi_update(a, e, 3);
	v = view(a, 2);
	EXPECT(v.entered, v.nentered, "entered", 1, 2, 3);
	EXPECT_NONE(v.stayed, v.nstayed, "stayed");
	v = view(a, 1);
	EXPECT(v.stayed, v.nstayed, "stayed", 1, 2, 3);
	aoi_free(a);
}
END_TEST

/* ---- brute force -------------------------------------------------------- */

#define MAXN	72000		/* beyond 65536: aoi.c's summary bitmap */

struct world_case {
	float		 w, h, radius;
	size_t		 n;
	int		 crowd;		/* many entities on a few points */
	int		 odd;		/* outside the extent, not finite */
	float		 speed;		/* per tick */
};

/* What viewer id sees, by brute force: ids in ascending order. */
static size_t
brute(const struct aoi_entity *e, size_t n, uint32_t id, float radius,
    uint32_t *out)
{
	size_t	i, self, k = 0;
	double	r2 = (double)radius * (double)radius, dx, dy;

	for (self = 0; self < n && e[self].id != id; self++)
		;
	if (self == n)
		return (0);
	for (i = 0; i < n; i++) {
		if (i == self) {
			out[k++] = e[i].id;
			continue;
		}
		if (!isfinite(e[self].x) || !isfinite(e[self].y) ||
		    !isfinite(e[i].x) || !isfinite(e[i].y))
			continue;
		dx = (double)e[i].x - (double)e[self].x;
		dy = (double)e[i].y - (double)e[self].y;
		if (dx * dx + dy * dy <= r2)
			out[k++] = e[i].id;
	}
	return (k);
}

/* a minus b, both ascending. */
static size_t
minus(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    uint32_t *out)
{
	size_t	i, j = 0, k = 0;

	for (i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j == nb || b[j] != a[i])
			out[k++] = a[i];
	}
	return (k);
}

static size_t
both(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    uint32_t *out)
{
	size_t	i, j = 0, k = 0;

	for (i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j < nb && b[j] == a[i])
			out[k++] = a[i];
	}
	return (k);
}

static float
place(uint64_t *s, const struct world_case *wc, float extent)
{
	uint32_t	r;

	if (wc->odd) {
		r = tbelow(s, 100);
		if (r == 0)
			return (NAN);
		if (r == 1)
			return (tbelow(s, 2) ? INFINITY : -INFINITY);
		if (r < 8)		/* a little outside */
			return ((float)((tunit(s) * 1.4 - 0.2) * extent));
	}
	if (wc->crowd && tbelow(s, 3) == 0)	/* one of 4 spots */
		return ((float)(tbelow(s, 4) + 1) * extent / 5);
	return ((float)(tunit(s) * extent));
}

/*
 * Random worlds over several ticks: entities move, some leave the world
 * and new ones come; viewers come and go, one is never in the world. Each
 * tick every viewer's lists must be what brute force says, entered, left
 * and stayed against brute force's set of the tick before.
 */
#define NVIEWERS	24

/*
 * With diffs 0 (aoi_set_diffs, as sync.c uses it), visible must be the
 * same and entered, left and stayed empty.
 */
static void
run_case(const struct world_case *wc, uint64_t seed, int diffs)
{
	static struct aoi_entity e[MAXN];
	static uint32_t	 prev[NVIEWERS][MAXN], want[MAXN], tmp[MAXN];
	size_t		 nprev[NVIEWERS], n, i, k, nw, nt;
	uint32_t	 viewers[NVIEWERS], nextid = 1;
	uint64_t	 s = seed;
	struct aoi	*a;
	struct aoi_view	 v, one;
	int		 tick;

	a = aoi_new(wc->w, wc->h, wc->radius);
	if (!diffs)
		aoi_set_diffs(a, 0);
	for (n = 0; n < wc->n; n++) {
		nextid += 1 + tbelow(&s, 3);
		e[n].id = nextid;
		e[n].x = place(&s, wc, wc->w);
		e[n].y = place(&s, wc, wc->h);
	}
	/* Viewers: entities (some repeated: refused), one never there. */
	for (i = 0; i < NVIEWERS; i++) {
		viewers[i] = i == 0 || n == 0 ? nextid + 1000 :
		    e[tbelow(&s, (uint32_t)n)].id;
		if (aoi_viewer_add(a, viewers[i]) == -1)
			viewers[i] = 0;
		nprev[i] = 0;
	}

	for (tick = 0; tick < 8; tick++) {
		aoi_update(a, e, n);
		for (i = 0; i < NVIEWERS; i++) {
			if (viewers[i] == 0)
				continue;
			v = view(a, viewers[i]);
			nw = brute(e, n, viewers[i], wc->radius, want);
			assert_ids(v.visible, v.nvisible, want, nw,
			    "visible");
			for (k = 0; k < v.nvisible; k++)
				CHECK(e[v.visible_at[k]].id == v.visible[k],
				    "visible_at[%zu]", k);
			/* A look of its own (sync.c's), the same set. */
			aoi_look_one(a, viewers[i], &one);
			assert_ids(one.visible, one.nvisible, want, nw,
			    "aoi_look_one");
			for (k = 0; k < one.nvisible; k++)
				CHECK(e[one.visible_at[k]].id ==
				    one.visible[k], "look visible_at[%zu]", k);
			CHECK(one.nentered == 0 && one.nleft == 0 &&
			    one.nstayed == 0, "diffs from aoi_look_one");
			if (!diffs) {
				CHECK(v.nentered == 0 && v.nleft == 0 &&
				    v.nstayed == 0, "diffs when off");
			} else {
				nt = minus(want, nw, prev[i], nprev[i], tmp);
				assert_ids(v.entered, v.nentered, tmp, nt,
				    "entered");
				nt = minus(prev[i], nprev[i], want, nw, tmp);
				assert_ids(v.left, v.nleft, tmp, nt, "left");
				nt = both(want, nw, prev[i], nprev[i], tmp);
				assert_ids(v.stayed, v.nstayed, tmp, nt,
				    "stayed");
			}
			memcpy(prev[i], want, nw * sizeof want[0]);
			nprev[i] = nw;
		}

		/* A viewer goes, another comes (it starts from nothing). */
		i = 1 + tbelow(&s, NVIEWERS - 1);
		if (viewers[i] != 0)
			ck_assert_int_eq(aoi_viewer_remove(a, viewers[i]), 0);
		viewers[i] = n == 0 ? 0 : e[tbelow(&s, (uint32_t)n)].id;
		if (viewers[i] != 0 && aoi_viewer_add(a, viewers[i]) == -1)
			viewers[i] = 0;
		nprev[i] = 0;

		/* Move; drop some; bring some new. */
		for (i = 0, k = 0; i < n; i++) {
			if (tbelow(&s, 40) == 0)
				continue;
			e[k] = e[i];
			if (isfinite(e[k].x) && isfinite(e[k].y) &&
			    tbelow(&s, 4) != 0) {
				e[k].x += (float)((tunit(&s) * 2 - 1) *
				    wc->speed);
				e[k].y += (float)((tunit(&s) * 2 - 1) *
				    wc->speed);
			}
			k++;
		}
		n = k;
		nt = tbelow(&s, 30);
		for (k = 0; k < nt && n < MAXN; k++) {
			nextid += 1 + tbelow(&s, 3);
			e[n].id = nextid;
			e[n].x = place(&s, wc, wc->w);
			e[n].y = place(&s, wc, wc->h);
			n++;
		}
	}
	aoi_free(a);
}

/*
 * aoi_layout alone, then a look for each entity and for an id not in the
 * world (which sees nothing): what brute force says, no viewer needed.
 */
START_TEST(test_look_one)
{
	static struct aoi_entity e[600];
	static uint32_t		 want[600];
	struct aoi		*a = aoi_new(1000, 700, 120);
	struct aoi_view		 one;
	uint64_t		 s = 77;
	size_t			 i, n = 600, nw;

	for (i = 0; i < n; i++) {
		e[i].id = (uint32_t)(2 * i + 1);
		e[i].x = (float)(tunit(&s) * 1000);
		e[i].y = (float)(tunit(&s) * 700);
	}
	aoi_layout(a, e, n);
	for (i = 0; i < n; i++) {
		aoi_look_one(a, e[i].id, &one);
		nw = brute(e, n, e[i].id, 120, want);
		ck_assert_uint_gt(nw, 0);		/* itself */
		assert_ids(one.visible, one.nvisible, want, nw, "look");
	}
	aoi_look_one(a, 2, &one);			/* no such entity */
	ck_assert_uint_eq(one.nvisible, 0);
	aoi_free(a);
}
END_TEST

START_TEST(test_brute_force)
{
	static const struct world_case cases[] = {
		/* w, h, radius, n, crowd, odd, speed */
		{ 4096, 4096, 400, 2000, 0, 0, 10 },	/* scenario S-like */
		{ 4096, 4096, 400, 3000, 1, 1, 60 },
		{ 1000, 300, 90, 1500, 1, 0, 30 },	/* not a multiple */
		{ 100, 100, 400, 300, 0, 1, 5 },	/* one cell */
		{ 50000, 20000, 3, 2500, 0, 0, 2 },	/* cells enlarged */
		{ 640, 480, 32, 1, 0, 0, 4 },
		{ 640, 480, 32, 0, 0, 0, 4 },
		{ 10, 10, 0.25f, 400, 1, 1, 0.1f },
		{ 20000, 20000, 400, 70000, 1, 1, 50 },	/* many entities */
	};
	size_t		i;
	uint64_t	seed;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (seed = 1; seed <= 3; seed++)
			run_case(&cases[i], seed * 0x9e3779b97f4a7c15ULL + i,
			    seed != 3);
	}
}
END_TEST

/* ---- aoi_look_mask ------------------------------------------------------ */

/*
 * One aoi_look_mask of index self into bits[0..nwords), all 0 before:
 * the bits set must be those of what aoi_look_one says entity self of
 * e[0..n) sees, at map[index] (map NULL: at index), the count returned
 * how many, [lo, hi) from the first word with a bit to the last (0, 0 if
 * none). An index not below n sees nothing. Leaves the bitmap all 0, as
 * the caller must between looks.
 */
static void
check_mask(struct aoi *a, const struct aoi_entity *e, size_t n, size_t self,
    const uint32_t *map, uint64_t *bits, size_t nwords)
{
	struct aoi_view	 one;
	size_t		 lo = 12345, hi = 54321, got, k, b, wlo = 0, whi = 0;
	size_t		 w;
	const char	*how = map != NULL ? "map" : "index";

	got = aoi_look_mask(a, self, map, bits, &lo, &hi);
	memset(&one, 0, sizeof one);
	if (self < n)
		aoi_look_one(a, e[self].id, &one);
	CHECK(got == one.nvisible, "%s: %zu of %zu sees %zu, aoi_look_one "
	    "%zu", how, self, n, got, one.nvisible);
	for (k = 0; k < one.nvisible; k++) {
		b = map != NULL ? map[one.visible_at[k]] : one.visible_at[k];
		CHECK(b / 64 < nwords && (bits[b / 64] >> (b % 64) & 1),
		    "%s: %zu: bit %zu (entity %u) not set", how, self, b,
		    one.visible[k]);
		bits[b / 64] &= ~((uint64_t)1 << (b % 64));
		if (k == 0)
			wlo = b / 64;
		whi = b / 64 + 1;
	}
	CHECK(lo == wlo && hi == whi, "%s: %zu: words [%zu, %zu), want "
	    "[%zu, %zu)", how, self, lo, hi, wlo, whi);
	for (w = 0; w < nwords; w++)
		CHECK(bits[w] == 0, "%s: %zu: word %zu: %#llx more", how, self,
		    w, (unsigned long long)bits[w]);
}

/*
 * Random worlds over three ticks (aoi_layout, aoi_update with viewers,
 * then aoi_layout of fewer entities than before): for each entity (a
 * sample of them in a big world), aoi_look_mask by index and through a
 * strictly increasing map with gaps (not starting at 0, now and then a
 * run of empty words) against aoi_look_one; SIZE_MAX, n and the indices
 * of the bigger world before see nothing.
 */
static void
run_mask_case(const struct world_case *wc, uint64_t seed)
{
	static struct aoi_entity e[MAXN];
	static uint32_t	 map[MAXN];
	struct aoi	*a;
	uint64_t	*bits, s = seed;
	size_t		 n, i, step, nwords, before = 0;
	uint32_t	 nextid, b;
	int		 tick;

	a = aoi_new(wc->w, wc->h, wc->radius);
	for (tick = 0; tick < 3; tick++) {
		n = tick < 2 ? wc->n : wc->n / 3;
		nextid = 1 + tbelow(&s, 5);
		for (i = 0; i < n; i++) {
			e[i].id = nextid;
			nextid += 1 + tbelow(&s, 3);
			e[i].x = place(&s, wc, wc->w);
			e[i].y = place(&s, wc, wc->h);
		}
		b = 64 * tbelow(&s, 4) + tbelow(&s, 64);
		for (i = 0; i < n; i++) {
			map[i] = b;
			b += 1 + tbelow(&s, 3);
			if (tbelow(&s, 100) == 0)
				b += 64 + tbelow(&s, 200);
		}
		nwords = (b > n ? b : n) / 64 + 2;
		bits = calloc(nwords, sizeof *bits);
		ck_assert_ptr_nonnull(bits);

		if (tick == 1) {
			for (i = 0; i < n && i < 8; i++)
				aoi_viewer_add(a, e[tbelow(&s,
				    (uint32_t)n)].id);
			aoi_update(a, e, n);
		} else
			aoi_layout(a, e, n);
		step = n <= 4000 ? 1 : n / 2000;
		for (i = tbelow(&s, (uint32_t)step); i < n; i += step) {
			check_mask(a, e, n, i, NULL, bits, nwords);
			check_mask(a, e, n, i, map, bits, nwords);
		}
		check_mask(a, e, n, SIZE_MAX, NULL, bits, nwords);
		check_mask(a, e, n, SIZE_MAX, map, bits, nwords);
		check_mask(a, e, n, n, NULL, bits, nwords);
		check_mask(a, e, n, n, map, bits, nwords);
		for (i = n + 1; i < before; i += 1 + i / 8)
			check_mask(a, e, n, i, NULL, bits, nwords);
		before = n;
		free(bits);
	}
	aoi_free(a);
}

START_TEST(test_look_mask)
{
	static const struct world_case cases[] = {
		/* w, h, radius, n, crowd, odd, speed */
		{ 4096, 4096, 400, 2000, 0, 0, 0 },
		{ 4096, 4096, 400, 3000, 1, 1, 0 },
		{ 1000, 300, 90, 1500, 1, 0, 0 },
		{ 100, 100, 400, 300, 0, 1, 0 },	/* one cell */
		{ 10, 10, 0.25f, 400, 1, 1, 0 },
		{ 640, 480, 32, 1, 0, 0, 0 },
		{ 640, 480, 32, 0, 0, 0, 0 },
		{ 20000, 20000, 400, 70000, 1, 1, 0 },	/* sampled */
	};
	size_t		i;
	uint64_t	seed;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (seed = 1; seed <= 2; seed++)
			run_mask_case(&cases[i], seed * 0x2545f4914f6cdd1dULL +
			    i);
	}
}
END_TEST

/* ---- cost --------------------------------------------------------------- */

/*
 * At a fixed density the distance tests per viewer stay the same when
 * the world grows 4 times (entities and area): the cost follows what a
 * viewer can see, not the number of entities.
 */
static double
tests_per_viewer(float side, size_t n, uint64_t seed)
{
	static struct aoi_entity e[8000];
	struct aoi		*a;
	struct aoi_stats	 st;
	uint64_t		 s = seed;
	size_t			 i;

	a = aoi_new(side, side, 100);
	for (i = 0; i < n; i++) {
		e[i].id = (uint32_t)i + 1;
		e[i].x = (float)(tunit(&s) * side);
		e[i].y = (float)(tunit(&s) * side);
		if (i % 4 == 0)
			aoi_viewer_add(a, e[i].id);
	}
	aoi_update(a, e, n);
	aoi_stats(a, &st);
	ck_assert_uint_eq(st.entities, n);
	ck_assert_uint_eq(st.viewers, n / 4);
	ck_assert_uint_ge(st.visible, st.viewers);	/* itself at least */
	ck_assert_uint_ge(st.tested, st.visible);
	aoi_free(a);
	return ((double)st.tested / (double)st.viewers);
}

START_TEST(test_cost_follows_density)
{
	double	small, big;

	small = tests_per_viewer(2000, 2000, 5);
	big = tests_per_viewer(4000, 8000, 6);
	/* 9 cells of 100 x 100 at 1 entity per 2000 units^2: about 45. */
	ck_assert_msg(small < 60 && big < 60, "%g, %g tests per viewer",
	    small, big);
	ck_assert_msg(big < small * 1.3, "%g then %g tests per viewer",
	    small, big);
}
END_TEST

/* ---- memory ------------------------------------------------------------- */

/*
 * Once every capacity has grown, updates and views allocate nothing:
 * entities move on a periodic path, so after one period nothing new can
 * be seen.
 */
START_TEST(test_no_alloc)
{
	static struct aoi_entity base[1000], e[1000];
	struct aoi		*a;
	struct aoi_view		 v;
	unsigned long		 before = 0;
	uint64_t		 s = 11;
	size_t			 i, n = 1000;
	int			 tick;
	const int		 period = 16;

	nallocs = 0;
	a = aoi_new(1000, 1000, 100);
	ck_assert_uint_gt(nallocs, 0);		/* the counter works */
	for (i = 0; i < n; i++) {
		base[i].id = (uint32_t)(3 * i + 1);
		base[i].x = (float)(tunit(&s) * 1000);
		base[i].y = (float)(tunit(&s) * 1000);
		if (i % 3 == 0)
			aoi_viewer_add(a, base[i].id);
	}
	for (tick = 0; tick < 6 * period; tick++) {
		if (tick == 2 * period)
			before = nallocs;
		for (i = 0; i < n; i++) {
			e[i] = base[i];
			/* Out and back along a line, 30 units a tick. */
			e[i].x += 30.0f * (float)(tick % period < period / 2 ?
			    tick % period : period - tick % period);
			e[i].y -= 20.0f * (float)(tick % period < period / 2 ?
			    tick % period : period - tick % period);
		}
		aoi_update(a, e, n);
		for (i = 0; i < n; i += 3)
			ck_assert_int_eq(aoi_view(a, base[i].id, &v), 0);
	}
	ck_assert_uint_eq(nallocs, before);
	aoi_free(a);
}
END_TEST

START_TEST(test_free_null)
{
	aoi_free(NULL);
}
END_TEST

/* Caller bugs end the process (fatalx exits 70, EX_SOFTWARE). */
START_TEST(test_unsorted)
{
	struct aoi_entity	 e[] = { { 2, 1, 1 }, { 1, 2, 2 } };
	struct aoi		*a = aoi_new(10, 10, 1);

	aoi_update(a, e, 2);
}
END_TEST

START_TEST(test_repeated)
{
	struct aoi_entity	 e[] = { { 2, 1, 1 }, { 2, 2, 2 } };
	struct aoi		*a = aoi_new(10, 10, 1);

	aoi_update(a, e, 2);
}
END_TEST

START_TEST(test_bad_radius)
{
	(void)aoi_new(10, 10, 0);
}
END_TEST

static Suite *
aoi_suite(int forking)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("aoi");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_radius_inclusive);
	tcase_add_test(tc, test_radius_small);
	tcase_add_test(tc, test_sees_itself);
	tcase_add_test(tc, test_viewer_not_in_world);
	tcase_add_test(tc, test_walk_past);
	tcase_add_test(tc, test_viewer_remove);
	tcase_add_test(tc, test_brute_force);
	tcase_add_test(tc, test_look_one);
	tcase_add_test(tc, test_look_mask);
	tcase_add_test(tc, test_cost_follows_density);
	tcase_add_test(tc, test_no_alloc);
	tcase_add_test(tc, test_free_null);
	if (forking) {		/* these exit the process */
		tcase_add_exit_test(tc, test_unsorted, 70);
		tcase_add_exit_test(tc, test_repeated, 70);
		tcase_add_exit_test(tc, test_bad_radius, 70);
	}
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(NULL);
	srunner_add_suite(sr, aoi_suite(srunner_fork_status(sr) != CK_NOFORK));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
