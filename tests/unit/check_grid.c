/*
 * Unit tests for sim/grid.c: queries against a brute-force scan over
 * seeded random points (radius 0, huge and infinite radii, cell borders,
 * area edges, points and centres outside the extent), the documented
 * order, truncation, clear and reserve, bad arguments, and that the hot
 * functions never allocate.
 *
 * countalloc.c defines the xmalloc.h functions, counting calls, so the
 * linker takes them instead of libutil's xmalloc.o.
 */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/grid.h"
#include "sim/rng.h"
#include "countalloc.h"
#include "xmalloc.h"

/* ---- brute force -------------------------------------------------------- */

#define W	200.0f
#define H	150.0f		/* not a multiple of the cell */
#define CELL	16.0f
#define COLS	13		/* ceil(200 / 16) */
#define ROWS	10		/* ceil(150 / 16) */
#define MAXPTS	600

struct pt {
	uint32_t	 id;
	float		 x, y;		/* as inserted */
	float		 cx, cy;	/* clamped into the extent */
	size_t		 cell;
	size_t		 rank;		/* insertion order */
};

static float
clampf(float v, float max)
{
	if (!(v > 0))
		return (0);
	return (v > max ? max : v);
}

static size_t
axis_cell(float v, size_t n)
{
	double	q = floor((double)v / CELL);

	return (q >= (double)n ? n - 1 : (size_t)q);
}

static void
pt_set(struct pt *p, uint32_t id, float x, float y, size_t rank)
{
	p->id = id;
	p->x = x;
	p->y = y;
	p->cx = clampf(x, W);
	p->cy = clampf(y, H);
	p->cell = axis_cell(p->cy, ROWS) * COLS + axis_cell(p->cx, COLS);
	p->rank = rank;
}

static int
pt_cmp(const void *a, const void *b)
{
	const struct pt	*pa = a, *pb = b;

	if (pa->cell != pb->cell)
		return (pa->cell < pb->cell ? -1 : 1);
	if (pa->rank != pb->rank)
		return (pa->rank < pb->rank ? -1 : 1);
	return (0);
}

/* The ids grid_query should return, in its documented order. */
static size_t
brute(const struct pt *pts, size_t n, float x, float y, float radius,
    uint32_t *out)
{
	struct pt	*hit;
	double		 dx, dy, r = radius;
	size_t		 i, k = 0;

	if (!isfinite(x) || !isfinite(y) || !(r >= 0))
		return (0);
	hit = calloc(n + 1, sizeof *hit);
	for (i = 0; i < n; i++) {
		dx = (double)pts[i].cx - x;
		dy = (double)pts[i].cy - y;
		if (dx * dx + dy * dy <= r * r)
			hit[k++] = pts[i];
	}
	qsort(hit, k, sizeof *hit, pt_cmp);
	for (i = 0; i < k; i++)
		out[i] = hit[i].id;
	free(hit);
	return (k);
}

/* A coordinate along an axis of length max: often special, else random. */
static float
coord(struct rng *r, float max)
{
	switch (rng_below(r, 8)) {
	case 0:		/* a cell border, the far edge included */
		return ((float)rng_below(r, (uint32_t)(max / CELL) + 2) * CELL);
	case 1:		/* an edge of the extent */
		return (rng_below(r, 2) ? max : 0.0f);
	case 2:		/* outside */
		return (rng_below(r, 2) ? -1.0f - 100.0f * rng_unit(r) :
		    max + 0.5f + 100.0f * rng_unit(r));
	case 3:		/* just inside a cell border */
		return (nextafterf((float)(rng_below(r,
		    (uint32_t)(max / CELL) + 1) * CELL), 0.0f));
	default:
		return (rng_unit(r) * max);
	}
}

/* Fills a grid with n seeded points (ids shuffled) and mirrors them. */
static void
fill(struct grid *g, struct pt *pts, size_t n, struct rng *r)
{
	uint32_t	ids[MAXPTS], t;
	size_t		i, j;

	for (i = 0; i < n; i++)
		ids[i] = (uint32_t)i;
	for (i = n; i > 1; i--) {
		j = rng_below(r, (uint32_t)i);
		t = ids[i - 1];
		ids[i - 1] = ids[j];
		ids[j] = t;
	}
	grid_clear(g);
	for (i = 0; i < n; i++) {
		pt_set(&pts[i], ids[i], coord(r, W), coord(r, H), i);
		grid_insert(g, pts[i].id, pts[i].x, pts[i].y);
	}
}

static const float radii[] = { 0.0f, 0.25f, 1.0f, 7.99f, 8.0f, 15.9f,
	16.0f, 16.5f, 31.0f, 40.0f, 99.0f, 250.0f, 1e6f, 3e38f };

static void
check_queries(struct grid *g, const struct pt *pts, size_t n, struct rng *r,
    int nq)
{
	uint32_t	want[MAXPTS], got[MAXPTS];
	size_t		i, nw, ng, k;
	float		x, y, rad;
	int		q;

	for (q = 0; q < nq; q++) {
		if (rng_below(r, 4) == 0 && n > 0) {	/* on a point */
			i = rng_below(r, (uint32_t)n);
			x = pts[i].x;
			y = pts[i].y;
		} else {
			x = coord(r, W);
			y = coord(r, H);
		}
		for (k = 0; k < sizeof radii / sizeof radii[0]; k++) {
			rad = radii[k];
			nw = brute(pts, n, x, y, rad, want);
			ng = grid_query(g, x, y, rad, got, MAXPTS);
			ck_assert_msg(ng == nw, "(%g,%g) r=%g: %zu, want %zu",
			    (double)x, (double)y, (double)rad, ng, nw);
			for (i = 0; i < nw; i++)
				ck_assert_uint_eq(got[i], want[i]);
		}
		nw = brute(pts, n, x, y, INFINITY, want);
		ck_assert_uint_eq(nw, n);
		ck_assert_uint_eq(grid_query(g, x, y, INFINITY, got, MAXPTS),
		    n);
		for (i = 0; i < nw; i++)
			ck_assert_uint_eq(got[i], want[i]);
	}
}

START_TEST(test_brute_force)
{
	struct pt	 pts[MAXPTS];
	struct grid	*g;
	struct rng	 r;
	static const size_t counts[] = { 0, 1, 2, 17, 200, MAXPTS };
	size_t		 i;

	rng_seed(&r, 4242);
	g = grid_new(W, H, CELL, MAXPTS);
	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		fill(g, pts, counts[i], &r);
		check_queries(g, pts, counts[i], &r, 300);
	}
	grid_free(g);
}
END_TEST

/* Cells much larger or smaller than the extent, and odd shapes. */
START_TEST(test_brute_force_shapes)
{
	static const float cells[] = { 0.7f, 5.0f, 16.0f, 1000.0f };
	uint32_t	 want[MAXPTS], got[MAXPTS];
	struct pt	 pts[200];
	struct grid	*g;
	struct rng	 r;
	size_t		 i, k, n = 200, nw, ng;
	double		 cols, rows;
	float		 x, y, rad;
	int		 q;

	rng_seed(&r, 77);
	for (k = 0; k < sizeof cells / sizeof cells[0]; k++) {
		g = grid_new(W, H, cells[k], n);
		cols = ceil(W / (double)cells[k]);
		rows = ceil(H / (double)cells[k]);
		for (i = 0; i < n; i++) {
			x = coord(&r, W);
			y = coord(&r, H);
			grid_insert(g, (uint32_t)i, x, y);
			/* pt_set's cells assume CELL: compute them here. */
			pts[i].id = (uint32_t)i;
			pts[i].x = x;
			pts[i].y = y;
			pts[i].cx = clampf(x, W);
			pts[i].cy = clampf(y, H);
			pts[i].cell = (size_t)fmin(floor(pts[i].cy /
			    (double)cells[k]), rows - 1) * (size_t)cols +
			    (size_t)fmin(floor(pts[i].cx / (double)cells[k]),
			    cols - 1);
			pts[i].rank = i;
		}
		for (q = 0; q < 500; q++) {
			x = coord(&r, W);
			y = coord(&r, H);
			rad = radii[rng_below(&r,
			    sizeof radii / sizeof radii[0])];
			nw = brute(pts, n, x, y, rad, want);
			ng = grid_query(g, x, y, rad, got, MAXPTS);
			ck_assert_uint_eq(ng, nw);
			for (i = 0; i < nw; i++)
				ck_assert_uint_eq(got[i], want[i]);
		}
		grid_free(g);
	}
}
END_TEST

/* The documented order, spelled out: by cell, then insertion order. */
START_TEST(test_order)
{
	struct grid	*g;
	uint32_t	 out[16];
	size_t		 n;

	g = grid_new(64, 64, 16, 16);	/* 4 x 4 cells */
	grid_insert(g, 9, 40, 40);	/* cell 10 */
	grid_insert(g, 3, 1, 1);	/* cell 0 */
	grid_insert(g, 7, 20, 1);	/* cell 1 */
	grid_insert(g, 1, 2, 2);	/* cell 0 */
	grid_insert(g, 5, 17, 17);	/* cell 5 */
	grid_insert(g, 0, 3, 3);	/* cell 0 */
	grid_insert(g, 2, 1, 20);	/* cell 4 */
	n = grid_query(g, 32, 32, 1000, out, 16);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(out[0], 3);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_uint_eq(out[2], 0);
	ck_assert_uint_eq(out[3], 7);
	ck_assert_uint_eq(out[4], 2);
	ck_assert_uint_eq(out[5], 5);
	ck_assert_uint_eq(out[6], 9);

	/* The same data in another grid gives the same answer. */
	grid_clear(g);
	grid_insert(g, 0, 3, 3);
	grid_insert(g, 1, 2, 2);
	grid_insert(g, 3, 1, 1);
	n = grid_query(g, 0, 0, 10, out, 16);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_uint_eq(out[2], 3);
	grid_free(g);
}
END_TEST

/* Two grids fed the same points agree, query for query. */
START_TEST(test_deterministic)
{
	struct grid	*a, *b;
	struct rng	 r, r2;
	uint32_t	 oa[MAXPTS], ob[MAXPTS];
	size_t		 i, na, nb;
	float		 x, y;

	a = grid_new(W, H, CELL, MAXPTS);
	rng_seed(&r, 1);
	for (i = 0; i < MAXPTS; i++)
		grid_insert(a, (uint32_t)i, coord(&r, W), coord(&r, H));
	/* b is made after a few unrelated allocations, at other addresses. */
	free(malloc(12345));
	b = grid_new(W, H, CELL, 10);
	grid_reserve(b, MAXPTS);
	rng_seed(&r, 1);
	for (i = 0; i < MAXPTS; i++)
		grid_insert(b, (uint32_t)i, coord(&r, W), coord(&r, H));
	rng_seed(&r2, 2);
	for (i = 0; i < 200; i++) {
		x = coord(&r2, W);
		y = coord(&r2, H);
		na = grid_query(a, x, y, 30, oa, MAXPTS);
		nb = grid_query(b, x, y, 30, ob, MAXPTS);
		ck_assert_uint_eq(na, nb);
		ck_assert_int_eq(memcmp(oa, ob, na * sizeof *oa), 0);
	}
	grid_free(a);
	grid_free(b);
}
END_TEST

START_TEST(test_exact_distance)
{
	struct grid	*g;
	uint32_t	 out[8];

	g = grid_new(64, 64, 16, 8);
	grid_insert(g, 0, 48, 40);	/* exactly 16 east of (32, 40) */
	grid_insert(g, 1, 32, 24);	/* exactly 16 north */
	grid_insert(g, 2, 44, 50);	/* about 15.6 away: inside */
	grid_insert(g, 3, 44, 52);	/* about 16.97 away: outside */
	ck_assert_uint_eq(grid_query(g, 32, 40, 16, out, 8), 3);
	ck_assert_uint_eq(out[0], 1);	/* cell 6 */
	ck_assert_uint_eq(out[1], 0);	/* cell 11 */
	ck_assert_uint_eq(out[2], 2);	/* cell 14 */
	ck_assert_uint_eq(grid_query(g, 32, 40, 15.99f, out, 8), 1);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(grid_query(g, 48, 40, 0, out, 8), 1);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(grid_query(g, 48, 40.001f, 0, out, 8), 0);
	grid_free(g);
}
END_TEST

/* Points off the extent are stored clamped onto its edge. */
START_TEST(test_clamped)
{
	struct grid	*g;
	uint32_t	 out[8];

	g = grid_new(100, 50, 10, 8);
	grid_insert(g, 0, -30, -5);	/* (0, 0) */
	grid_insert(g, 1, 1e30f, 25);	/* (100, 25) */
	grid_insert(g, 2, 50, INFINITY);	/* (50, 50) */
	grid_insert(g, 3, NAN, NAN);	/* (0, 0) */
	grid_insert(g, 4, 100, 50);	/* the far corner, in the last cell */
	ck_assert_uint_eq(grid_query(g, 0, 0, 0, out, 8), 2);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 3);
	ck_assert_uint_eq(grid_query(g, -30, -5, 1, out, 8), 0);
	ck_assert_uint_eq(grid_query(g, 100, 25, 0, out, 8), 1);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(grid_query(g, 50, 50, 0, out, 8), 1);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(grid_query(g, 100, 50, 0, out, 8), 1);
	ck_assert_uint_eq(out[0], 4);
	/* A centre outside the extent still finds what is in reach. */
	ck_assert_uint_eq(grid_query(g, 130, 50, 30, out, 8), 1);
	ck_assert_uint_eq(out[0], 4);
	ck_assert_uint_eq(grid_query(g, -1e6f, -1e6f, 1e7f, out, 8), 5);
	grid_free(g);
}
END_TEST

START_TEST(test_bad_query)
{
	struct grid	*g;
	uint32_t	 out[4];

	g = grid_new(100, 100, 10, 4);
	grid_insert(g, 0, 10, 10);
	ck_assert_uint_eq(grid_query(g, NAN, 10, 5, out, 4), 0);
	ck_assert_uint_eq(grid_query(g, 10, NAN, 5, out, 4), 0);
	ck_assert_uint_eq(grid_query(g, INFINITY, 10, INFINITY, out, 4), 0);
	ck_assert_uint_eq(grid_query(g, 10, 10, NAN, out, 4), 0);
	ck_assert_uint_eq(grid_query(g, 10, 10, -1, out, 4), 0);
	ck_assert_uint_eq(grid_query(g, 10, 10, 0, out, 4), 1);
	grid_free(g);
}
END_TEST

/* More hits than room: the first max in order, and the full count. */
START_TEST(test_truncated)
{
	struct grid	*g;
	uint32_t	 all[32], out[32];
	size_t		 i, n;

	g = grid_new(64, 64, 8, 32);
	for (i = 0; i < 32; i++)
		grid_insert(g, (uint32_t)(31 - i), (float)(i * 2), 30);
	n = grid_query(g, 32, 30, 100, all, 32);
	ck_assert_uint_eq(n, 32);
	for (i = 0; i < 32; i++)
		out[i] = 0xdeadbeef;
	ck_assert_uint_eq(grid_query(g, 32, 30, 100, out, 5), 32);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(out[i], all[i]);
	ck_assert_uint_eq(out[5], 0xdeadbeef);
	ck_assert_uint_eq(grid_query(g, 32, 30, 100, NULL, 0), 32);
	grid_free(g);
}
END_TEST

START_TEST(test_clear_and_reuse)
{
	struct grid	*g;
	uint32_t	 out[8];
	int		 round;

	g = grid_new(64, 64, 16, 4);
	for (round = 0; round < 5; round++) {
		grid_clear(g);
		ck_assert_uint_eq(grid_query(g, 32, 32, 1e9f, out, 8), 0);
		/* The same ids again: not a duplicate after a clear. */
		grid_insert(g, 0, 10, 10);
		grid_insert(g, 1, (float)(round * 10), 60);
		grid_insert(g, 2, 10, 10);
		ck_assert_uint_eq(grid_query(g, 10, 10, 0, out, 8), 2);
		ck_assert_uint_eq(out[0], 0);
		ck_assert_uint_eq(out[1], 2);
		ck_assert_uint_eq(grid_query(g, (float)(round * 10), 60, 0,
		    out, 8), 1);
		ck_assert_uint_eq(out[0], 1);
		ck_assert_uint_eq(grid_query(g, 32, 32, 1e9f, out, 8), 3);
	}
	grid_free(g);
}
END_TEST

/* Reserve grows the ids allowed and keeps what is already in. */
START_TEST(test_reserve)
{
	struct grid	*g;
	uint32_t	 out[300];
	uint32_t	 i;

	g = grid_new(64, 64, 16, 0);
	ck_assert_uint_eq(grid_query(g, 0, 0, 1e9f, out, 300), 0);
	grid_reserve(g, 2);
	grid_insert(g, 1, 5, 5);
	grid_insert(g, 0, 5, 5);
	grid_reserve(g, 300);
	grid_reserve(g, 100);		/* never shrinks */
	for (i = 2; i < 300; i++)
		grid_insert(g, i, 5, 5);
	ck_assert_uint_eq(grid_query(g, 5, 5, 0, out, 300), 300);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 0);
	for (i = 2; i < 300; i++)
		ck_assert_uint_eq(out[i], i);
	grid_free(g);
}
END_TEST

/* grid_clear, grid_insert and grid_query never allocate. */
START_TEST(test_no_alloc)
{
	struct grid	*g;
	struct rng	 r;
	uint32_t	 out[MAXPTS];
	unsigned long	 before;
	int		 round, i;

	nallocs = 0;
	g = grid_new(W, H, CELL, MAXPTS);
	ck_assert_uint_gt(nallocs, 0);		/* the counter works */
	rng_seed(&r, 3);
	before = nallocs;
	for (round = 0; round < 50; round++) {
		grid_clear(g);
		for (i = 0; i < MAXPTS; i++)
			grid_insert(g, (uint32_t)i, coord(&r, W),
			    coord(&r, H));
		for (i = 0; i < 20; i++)
			(void)grid_query(g, coord(&r, W), coord(&r, H),
			    radii[i % 14], out, MAXPTS);
	}
	ck_assert_uint_eq(nallocs, before);
	grid_reserve(g, MAXPTS);		/* no growth, no allocation */
	ck_assert_uint_eq(nallocs, before);
	grid_free(g);
}
END_TEST

START_TEST(test_free_null)
{
	grid_free(NULL);
}
END_TEST

/* Caller bugs end the process (fatalx exits 70, EX_SOFTWARE). */
START_TEST(test_id_too_large)
{
	struct grid	*g;

	g = grid_new(10, 10, 1, 4);
	grid_insert(g, 4, 1, 1);
}
END_TEST

START_TEST(test_id_twice)
{
	struct grid	*g;

	g = grid_new(10, 10, 1, 4);
	grid_insert(g, 2, 1, 1);
	grid_insert(g, 2, 5, 5);
}
END_TEST

START_TEST(test_bad_cell)
{
	(void)grid_new(10, 10, 0, 4);
}
END_TEST

static Suite *
grid_suite(int forking)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("grid");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_brute_force);
	tcase_add_test(tc, test_brute_force_shapes);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_exact_distance);
	tcase_add_test(tc, test_clamped);
	tcase_add_test(tc, test_bad_query);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_clear_and_reuse);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_no_alloc);
	tcase_add_test(tc, test_free_null);
	if (forking) {		/* these exit the process */
		tcase_add_exit_test(tc, test_id_too_large, 70);
		tcase_add_exit_test(tc, test_id_twice, 70);
		tcase_add_exit_test(tc, test_bad_cell, 70);
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
	srunner_add_suite(sr, grid_suite(srunner_fork_status(sr) != CK_NOFORK));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
