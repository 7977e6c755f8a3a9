/*
 * Unit tests for sim/path.c. A* is checked on hand-made maps (a straight
 * line, around a wall, out of a U-shaped trap, enclosed and solid goals,
 * corners it must not cut, the expansion budget) and on seeded random
 * maps against a brute-force Dijkstra with the same moves and costs.
 * Line of sight is checked on hand-made cases (clear, blocked, grazing
 * corners, along edges, ends on boundaries) and on random segments
 * against an exact oracle in integers.
 *
 * countalloc.c defines the xmalloc.h functions, counting calls, so the
 * linker takes them instead of libutil's xmalloc.o.
 */
#include "config.h"

#include <check.h>

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/path.h"
#include "sim/rng.h"
#include "countalloc.h"
#include "xmalloc.h"

/* ---- maps --------------------------------------------------------------- */

#define TILE		16
#define NOLIMIT		SIZE_MAX
#define MAXLEN		1024

/*
 * An area from rows of text: '#' is solid, anything else walkable; 'S'
 * and 'G' mark a start and a goal, returned through the pointers.
 */
static struct area *
map(const char *const *rows, int *sc, int *sr, int *gc, int *gr)
{
	struct area	*a;
	int		 nrows, ncols, c, r;

	for (nrows = 0; rows[nrows] != NULL; nrows++)
		;
	ncols = (int)strlen(rows[0]);
	a = area_new("test", ncols, nrows, TILE, TILE);
	for (r = 0; r < nrows; r++) {
		ck_assert_int_eq((int)strlen(rows[r]), ncols);
		for (c = 0; c < ncols; c++) {
			switch (rows[r][c]) {
			case '#':
				a->solid[r * ncols + c] = 1;
				break;
			case 'S':
				if (sc != NULL) {
					*sc = c;
					*sr = r;
				}
				break;
			case 'G':
				if (gc != NULL) {
					*gc = c;
					*gr = r;
				}
				break;
			}
		}
	}
	return (a);
}

static int
solid(const struct area *a, int c, int r)
{
	return (area_solid_tile(a, c, r));
}

/* May a body step from (c, r) by (dc, dr)? The rule path.h documents. */
static int
step_ok(const struct area *a, int c, int r, int dc, int dr)
{
	if (dc < -1 || dc > 1 || dr < -1 || dr > 1 || (dc == 0 && dr == 0))
		return (0);
	if (solid(a, c + dc, r + dr))
		return (0);
	if (dc != 0 && dr != 0 && (solid(a, c + dc, r) || solid(a, c, r + dr)))
		return (0);
	return (1);
}

/*
 * Checks a path from (c0, r0): each step legal, the last the goal.
 * Returns its cost.
 */
static unsigned long
check_path(const struct area *a, int c0, int r0, int c1, int r1,
    const int *pc, const int *pr, size_t len)
{
	unsigned long	cost = 0;
	int		c = c0, r = r0;
	size_t		i;

	for (i = 0; i < len; i++) {
		ck_assert_msg(step_ok(a, c, r, pc[i] - c, pr[i] - r),
		    "bad step %zu: (%d,%d) -> (%d,%d)", i, c, r, pc[i], pr[i]);
		cost += (pc[i] != c && pr[i] != r) ? PATH_COST_DIAGONAL :
		    PATH_COST_STRAIGHT;
		c = pc[i];
		r = pr[i];
	}
	ck_assert_int_eq(c, c1);
	ck_assert_int_eq(r, r1);
	return (cost);
}

/*
 * Dijkstra by brute force (O(V^2), fine for small maps): the cost of a
 * shortest path from (c0, r0) to (c1, r1), or ULONG_MAX if there is none.
 */
static unsigned long
dijkstra(const struct area *a, int c0, int r0, int c1, int r1)
{
	size_t		 n = (size_t)a->cols * (size_t)a->rows, i, best;
	unsigned long	*d, nd, result;
	char		*done;
	int		 c, r, dc, dr;

	if (solid(a, c1, r1))
		return (ULONG_MAX);
	d = malloc(n * sizeof *d);
	done = calloc(n, 1);
	for (i = 0; i < n; i++)
		d[i] = ULONG_MAX;
	d[(size_t)r0 * (size_t)a->cols + (size_t)c0] = 0;
	for (;;) {
		best = n;
		for (i = 0; i < n; i++) {
			if (!done[i] && d[i] != ULONG_MAX &&
			    (best == n || d[i] < d[best]))
				best = i;
		}
		if (best == n)
			break;
		done[best] = 1;
		c = (int)(best % (size_t)a->cols);
		r = (int)(best / (size_t)a->cols);
		for (dr = -1; dr <= 1; dr++) {
			for (dc = -1; dc <= 1; dc++) {
				if (!step_ok(a, c, r, dc, dr))
					continue;
				nd = d[best] + (dc != 0 && dr != 0 ?
				    PATH_COST_DIAGONAL : PATH_COST_STRAIGHT);
				i = (size_t)(r + dr) * (size_t)a->cols +
				    (size_t)(c + dc);
				if (nd < d[i])
					d[i] = nd;
			}
		}
	}
	result = d[(size_t)r1 * (size_t)a->cols + (size_t)c1];
	free(d);
	free(done);
	return (result);
}

/* Finds a path with no budget, checks it and compares with Dijkstra. */
static size_t
find_checked(struct pathfinder *pf, const struct area *a, int c0, int r0,
    int c1, int r1, int *pc, int *pr)
{
	unsigned long	want;
	size_t		len = 12345;
	int		rc;

	want = dijkstra(a, c0, r0, c1, r1);
	rc = pathfinder_find(pf, c0, r0, c1, r1, NOLIMIT, pc, pr, MAXLEN,
	    &len);
	if (want == ULONG_MAX) {
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(len, 0);
		return (0);
	}
	ck_assert_msg(rc == 0, "(%d,%d) -> (%d,%d) not found", c0, r0, c1,
	    r1);
	ck_assert_uint_eq(check_path(a, c0, r0, c1, r1, pc, pr, len), want);
	return (len);
}

/* ---- A* ----------------------------------------------------------------- */

START_TEST(test_straight)
{
	static const char *const rows[] = {
		"..........",
		"S........G",
		"..........",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[MAXLEN], pr[MAXLEN], sc, sr, gc, gr, i;
	size_t			 len;

	a = map(rows, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	len = find_checked(pf, a, sc, sr, gc, gr, pc, pr);
	ck_assert_uint_eq(len, 9);
	for (i = 0; i < 9; i++) {
		ck_assert_int_eq(pc[i], i + 1);
		ck_assert_int_eq(pr[i], 1);
	}
	/* And back, and a pure diagonal. */
	ck_assert_uint_eq(find_checked(pf, a, gc, gr, sc, sr, pc, pr), 9);
	ck_assert_uint_eq(find_checked(pf, a, 0, 0, 2, 2, pc, pr), 2);
	ck_assert_int_eq(pc[0], 1);
	ck_assert_int_eq(pr[0], 1);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_around_wall)
{
	static const char *const rows[] = {
		"..........",
		"....#.....",
		"....#.....",
		"..S.#..G..",
		"....#.....",
		"....#.....",
		"..........",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[MAXLEN], pr[MAXLEN], sc, sr, gc, gr;
	size_t			 len, i;

	a = map(rows, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	len = find_checked(pf, a, sc, sr, gc, gr, pc, pr);
	/* Around either end of the wall: it must reach row 0 or row 6. */
	for (i = 0; i < len; i++) {
		if (pr[i] == 0 || pr[i] == 6)
			break;
	}
	ck_assert_uint_lt(i, len);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_u_trap)
{
	static const char *const rows[] = {
		"............",
		"..#######...",
		"........#...",
		"....S...#.G.",
		"........#...",
		"..#######...",
		"............",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[MAXLEN], pr[MAXLEN], sc, sr, gc, gr;
	size_t			 len;

	a = map(rows, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	len = find_checked(pf, a, sc, sr, gc, gr, pc, pr);
	ck_assert_uint_gt(len, 8);
	/* Leaves the trap by its open west side. */
	ck_assert_int_le(pc[2], 2);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_enclosed)
{
	static const char *const rows[] = {
		"..........",
		"..S...###.",
		"......#G#.",
		"......###.",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[4], pr[4], sc, sr, gc, gr;
	size_t			 len = 99;

	a = map(rows, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, NOLIMIT, pc, pr,
	    4, &len), -1);
	ck_assert_uint_eq(len, 0);
	/* And out of the box. */
	len = 99;
	ck_assert_int_eq(pathfinder_find(pf, gc, gr, sc, sr, NOLIMIT, pc, pr,
	    4, &len), -1);
	ck_assert_uint_eq(len, 0);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_start_is_goal)
{
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[1] = { -7 }, pr[1] = { -7 };
	size_t			 len = 99;

	a = area_new("test", 5, 5, TILE, TILE);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, 2, 3, 2, 3, NOLIMIT, pc, pr, 1,
	    &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(pc[0], -7);
	len = 99;
	ck_assert_int_eq(pathfinder_find(pf, 2, 3, 2, 3, 0, NULL, NULL, 0,
	    &len), 0);
	ck_assert_uint_eq(len, 0);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_goal_solid)
{
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[8], pr[8];
	size_t			 len = 99;

	a = area_new("test", 5, 5, TILE, TILE);
	a->solid[2 * 5 + 4] = 1;
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, 0, 0, 4, 2, NOLIMIT, pc, pr, 8,
	    &len), -1);
	ck_assert_uint_eq(len, 0);
	/* Solid even when the start is there too. */
	ck_assert_int_eq(pathfinder_find(pf, 4, 2, 4, 2, NOLIMIT, pc, pr, 8,
	    &len), -1);
	/* Off the map counts as solid; a start off the map finds nothing. */
	ck_assert_int_eq(pathfinder_find(pf, 0, 0, 5, 0, NOLIMIT, pc, pr, 8,
	    &len), -1);
	ck_assert_int_eq(pathfinder_find(pf, 0, 0, -1, 0, NOLIMIT, pc, pr, 8,
	    &len), -1);
	ck_assert_int_eq(pathfinder_find(pf, -1, 0, 0, 0, NOLIMIT, pc, pr, 8,
	    &len), -1);
	ck_assert_int_eq(pathfinder_find(pf, 0, 5, 0, 0, NOLIMIT, pc, pr, 8,
	    &len), -1);
	ck_assert_uint_eq(len, 0);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* A body overlapping a solid tile can still find its way out. */
START_TEST(test_start_solid)
{
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[8], pr[8];
	size_t			 len;

	a = area_new("test", 5, 1, TILE, TILE);
	a->solid[0] = 1;
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, 0, 0, 3, 0, NOLIMIT, pc, pr, 8,
	    &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(pc[0], 1);
	ck_assert_int_eq(pc[2], 3);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* A diagonal step may not pass a solid tile's corner. */
START_TEST(test_no_corner_cutting)
{
	static const char *const pinch[] = {
		"S#",
		"#G",
		NULL
	};
	static const char *const one[] = {
		"S#",
		".G",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[8], pr[8], sc, sr, gc, gr;
	size_t			 len;

	a = map(pinch, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, NOLIMIT, pc, pr,
	    8, &len), -1);
	pathfinder_free(pf);
	area_free(a);

	a = map(one, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, NOLIMIT, pc, pr,
	    8, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(pc[0], 0);
	ck_assert_int_eq(pr[0], 1);
	ck_assert_int_eq(pc[1], 1);
	ck_assert_int_eq(pr[1], 1);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/*
 * In a corridor one tile wide each expansion opens one tile, so a goal 9
 * steps away takes exactly 10 expansions (the start and goal count).
 */
START_TEST(test_budget)
{
	static const char *const rows[] = {
		"##########",
		"S........G",
		"##########",
		NULL
	};
	static const char *const maze[] = {
		"S.#.......",
		"#.#.#####.",
		"..#.#...#.",
		".##.#.#.#.",
		"....#.#G#.",
		"#####.###.",
		"..........",
		NULL
	};
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[MAXLEN], pr[MAXLEN], sc, sr, gc, gr;
	size_t			 len;

	a = map(rows, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, 10, pc, pr,
	    MAXLEN, &len), 0);
	ck_assert_uint_eq(len, 9);
	len = 99;
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, 9, pc, pr,
	    MAXLEN, &len), -1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, 0, pc, pr,
	    MAXLEN, &len), -1);
	/* A failed search leaves nothing behind for the next one. */
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, 10, pc, pr,
	    MAXLEN, &len), 0);
	ck_assert_uint_eq(len, 9);
	pathfinder_free(pf);
	area_free(a);

	a = map(maze, &sc, &sr, &gc, &gr);
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, sc, sr, gc, gr, 15, pc, pr,
	    MAXLEN, &len), -1);
	len = find_checked(pf, a, sc, sr, gc, gr, pc, pr);
	ck_assert_uint_gt(len, 20);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* A path longer than max_len: its first max_len steps. */
START_TEST(test_max_len)
{
	struct area		*a;
	struct pathfinder	*pf;
	int			 fc[MAXLEN], fr[MAXLEN], pc[8], pr[8];
	size_t			 full, len, k, i;

	a = area_new("test", 20, 20, TILE, TILE);
	for (i = 0; i < 18; i++)
		a->solid[10 * 20 + i] = 1;
	pf = pathfinder_new(a);
	full = find_checked(pf, a, 3, 2, 4, 17, fc, fr);
	ck_assert_uint_gt(full, 8);
	for (k = 0; k <= 8; k++) {
		memset(pc, 0xff, sizeof pc);
		ck_assert_int_eq(pathfinder_find(pf, 3, 2, 4, 17, NOLIMIT,
		    pc, pr, k, &len), 0);
		ck_assert_uint_eq(len, k);
		for (i = 0; i < k; i++) {
			ck_assert_int_eq(pc[i], fc[i]);
			ck_assert_int_eq(pr[i], fr[i]);
		}
		if (k < 8)
			ck_assert_int_eq(pc[k], -1);	/* untouched */
	}
	ck_assert_int_eq(pathfinder_find(pf, 3, 2, 4, 17, NOLIMIT, NULL,
	    NULL, 0, &len), 0);
	ck_assert_uint_eq(len, 0);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* Seeded random maps: every path legal and as short as Dijkstra's. */
START_TEST(test_random_optimal)
{
	static const int	 dims[][2] = { { 1, 1 }, { 1, 7 }, { 9, 1 },
				    { 6, 6 }, { 12, 9 }, { 17, 13 } };
	static const uint32_t	 density[] = { 0, 15, 30, 45 };
	struct area		*a;
	struct pathfinder	*pf;
	struct rng		 r;
	int			 pc[MAXLEN], pr[MAXLEN], c0, r0, c1, r1, q;
	size_t			 d, k, i, n, found = 0, missed = 0;

	rng_seed(&r, 8);
	for (d = 0; d < sizeof dims / sizeof dims[0]; d++) {
		for (k = 0; k < sizeof density / sizeof density[0]; k++) {
			a = area_new("test", dims[d][0], dims[d][1], TILE,
			    TILE);
			n = (size_t)dims[d][0] * (size_t)dims[d][1];
			for (i = 0; i < n; i++)
				a->solid[i] = rng_below(&r, 100) < density[k];
			pf = pathfinder_new(a);
			for (q = 0; q < 40; q++) {
				c0 = (int)rng_below(&r, (uint32_t)a->cols);
				r0 = (int)rng_below(&r, (uint32_t)a->rows);
				c1 = (int)rng_below(&r, (uint32_t)a->cols);
				r1 = (int)rng_below(&r, (uint32_t)a->rows);
				if (dijkstra(a, c0, r0, c1, r1) == ULONG_MAX)
					missed++;
				else
					found++;
				(void)find_checked(pf, a, c0, r0, c1, r1, pc,
				    pr);
			}
			pathfinder_free(pf);
			area_free(a);
		}
	}
	/* Both outcomes were exercised. */
	ck_assert_uint_gt(found, 200);
	ck_assert_uint_gt(missed, 100);
}
END_TEST

/*
 * The same search gives the same path: again, after other searches, and
 * from a fresh pathfinder. An open map has many shortest paths, so the
 * tie-breaking is what is tested.
 */
START_TEST(test_deterministic)
{
	struct area		*a;
	struct pathfinder	*pf, *pf2;
	int			 ac[MAXLEN], ar[MAXLEN], bc[MAXLEN],
				 br[MAXLEN];
	size_t			 la, lb;

	a = area_new("test", 30, 30, TILE, TILE);
	a->solid[15 * 30 + 15] = 1;
	pf = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf, 1, 2, 27, 25, NOLIMIT, ac, ar,
	    MAXLEN, &la), 0);
	(void)pathfinder_find(pf, 3, 3, 20, 4, NOLIMIT, bc, br, MAXLEN, &lb);
	(void)pathfinder_find(pf, 29, 29, 0, 0, 50, bc, br, MAXLEN, &lb);
	ck_assert_int_eq(pathfinder_find(pf, 1, 2, 27, 25, NOLIMIT, bc, br,
	    MAXLEN, &lb), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(ac, bc, la * sizeof *ac), 0);
	ck_assert_int_eq(memcmp(ar, br, la * sizeof *ar), 0);

	pf2 = pathfinder_new(a);
	ck_assert_int_eq(pathfinder_find(pf2, 1, 2, 27, 25, NOLIMIT, bc, br,
	    MAXLEN, &lb), 0);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(ac, bc, la * sizeof *ac), 0);
	ck_assert_int_eq(memcmp(ar, br, la * sizeof *ar), 0);
	pathfinder_free(pf2);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* Solid tiles are read at each search. */
START_TEST(test_map_changes)
{
	struct area		*a;
	struct pathfinder	*pf;
	int			 pc[MAXLEN], pr[MAXLEN], r;
	size_t			 len;

	a = area_new("test", 9, 5, TILE, TILE);
	pf = pathfinder_new(a);
	ck_assert_uint_eq(find_checked(pf, a, 0, 2, 8, 2, pc, pr), 8);
	for (r = 0; r < 5; r++)
		a->solid[r * 9 + 4] = 1;
	ck_assert_int_eq(pathfinder_find(pf, 0, 2, 8, 2, NOLIMIT, pc, pr,
	    MAXLEN, &len), -1);
	a->solid[0 * 9 + 4] = 0;
	len = find_checked(pf, a, 0, 2, 8, 2, pc, pr);
	ck_assert_uint_eq(len, 8);	/* 4 diagonals up and down */
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

/* pathfinder_find never allocates. */
START_TEST(test_no_alloc)
{
	struct area		*a;
	struct pathfinder	*pf;
	struct rng		 r;
	int			 pc[MAXLEN], pr[MAXLEN], q;
	size_t			 i, len;
	unsigned long		 before;

	nallocs = 0;
	a = area_new("test", 40, 30, TILE, TILE);
	rng_seed(&r, 12);
	for (i = 0; i < 40 * 30; i++)
		a->solid[i] = rng_below(&r, 100) < 25;
	pf = pathfinder_new(a);
	ck_assert_uint_gt(nallocs, 0);		/* the counter works */
	before = nallocs;
	for (q = 0; q < 300; q++)
		(void)pathfinder_find(pf, (int)rng_below(&r, 40),
		    (int)rng_below(&r, 30), (int)rng_below(&r, 40),
		    (int)rng_below(&r, 30), q % 3 == 0 ? 100 : NOLIMIT, pc, pr,
		    MAXLEN, &len);
	ck_assert_uint_eq(nallocs, before);
	pathfinder_free(pf);
	area_free(a);
}
END_TEST

START_TEST(test_free_null)
{
	pathfinder_free(NULL);
}
END_TEST

/* ---- line of sight ------------------------------------------------------ */

/* 4 x 4 tiles of 16 units, (1, 1) solid: it spans [16, 32) x [16, 32). */
static struct area *
los_area(void)
{
	struct area	*a;

	a = area_new("test", 4, 4, TILE, TILE);
	a->solid[1 * 4 + 1] = 1;
	return (a);
}

static int
los2(const struct area *a, float x0, float y0, float x1, float y1)
{
	int	fwd, back;

	fwd = path_line_of_sight(a, x0, y0, x1, y1);
	back = path_line_of_sight(a, x1, y1, x0, y0);
	ck_assert_msg(fwd == back, "(%g,%g)-(%g,%g) not symmetric",
	    (double)x0, (double)y0, (double)x1, (double)y1);
	return (fwd);
}

START_TEST(test_los_clear_blocked)
{
	struct area	*a = los_area();

	ck_assert_int_eq(los2(a, 8, 8, 56, 8), 1);		/* row 0 */
	ck_assert_int_eq(los2(a, 8, 8, 8, 56), 1);		/* col 0 */
	ck_assert_int_eq(los2(a, 40, 8, 56, 56), 1);
	ck_assert_int_eq(los2(a, 8, 40, 56, 50), 1);
	ck_assert_int_eq(los2(a, 8, 8, 8, 8), 1);		/* a point */
	ck_assert_int_eq(los2(a, 8, 24, 56, 24), 0);		/* row 1 */
	ck_assert_int_eq(los2(a, 24, 8, 24, 56), 0);		/* col 1 */
	ck_assert_int_eq(los2(a, 8, 8, 56, 56), 0);		/* diagonal */
	ck_assert_int_eq(los2(a, 2, 30, 40, 20), 0);		/* shallow */
	ck_assert_int_eq(los2(a, 24, 24, 24, 24), 0);		/* inside */
	ck_assert_int_eq(los2(a, 24, 24, 60, 60), 0);		/* leaving */
	area_free(a);
}
END_TEST

/*
 * Corners of tile (1, 1). Its top-left corner (16, 16) belongs to it;
 * the others belong to tiles beside it.
 */
START_TEST(test_los_corners)
{
	struct area	*a = los_area();

	ck_assert_int_eq(los2(a, 8, 24, 24, 8), 0);	/* through (16, 16) */
	ck_assert_int_eq(los2(a, 0, 32, 32, 0), 0);
	ck_assert_int_eq(los2(a, 8, 8, 16, 16), 0);	/* ends on it */
	ck_assert_int_eq(los2(a, 24, 40, 40, 24), 1);	/* through (32, 32) */
	ck_assert_int_eq(los2(a, 16, 48, 48, 16), 1);
	ck_assert_int_eq(los2(a, 24, 8, 40, 24), 1);	/* through (32, 16) */
	ck_assert_int_eq(los2(a, 8, 24, 24, 40), 1);	/* through (16, 32) */
	ck_assert_int_eq(los2(a, 32, 32, 60, 60), 1);	/* from (32, 32) */
	ck_assert_int_eq(los2(a, 0, 16, 32, 48), 1);	/* via (16, 32) */
	ck_assert_int_eq(los2(a, 0, 48, 32, 16), 0);	/* via it, inside */
	/* A hair to either side of a corner. */
	ck_assert_int_eq(los2(a, 24, 40, 40, 23.999998f), 0);
	ck_assert_int_eq(los2(a, 8, 24.000002f, 24, 8), 0);
	ck_assert_int_eq(los2(a, 8, 23.999998f, 24, 8), 1);
	area_free(a);
}
END_TEST

/* Between two solid tiles that meet at a corner. */
START_TEST(test_los_diagonal_pair)
{
	struct area	*a;

	a = area_new("test", 4, 4, TILE, TILE);
	a->solid[1 * 4 + 1] = 1;
	a->solid[2 * 4 + 2] = 1;
	/* (32, 32) belongs to the solid (2, 2). */
	ck_assert_int_eq(los2(a, 40, 24, 24, 40), 0);
	area_free(a);

	a = area_new("test", 4, 4, TILE, TILE);
	a->solid[1 * 4 + 2] = 1;
	a->solid[2 * 4 + 1] = 1;
	/* (32, 32) belongs to the free (2, 2): the segment slips through. */
	ck_assert_int_eq(los2(a, 24, 24, 40, 40), 1);
	ck_assert_int_eq(los2(a, 24, 24, 40, 40.5f), 0);
	area_free(a);
}
END_TEST

START_TEST(test_los_edges)
{
	struct area	*a = los_area();

	ck_assert_int_eq(los2(a, 0, 16, 63, 16), 0);	/* top edge: row 1 */
	ck_assert_int_eq(los2(a, 0, 32, 63, 32), 1);	/* bottom: row 2 */
	ck_assert_int_eq(los2(a, 16, 0, 16, 63), 0);	/* left: col 1 */
	ck_assert_int_eq(los2(a, 32, 0, 32, 63), 1);	/* right: col 2 */
	ck_assert_int_eq(los2(a, 0, 15.999999f, 63, 15.999999f), 1);
	ck_assert_int_eq(los2(a, 15.999999f, 0, 15.999999f, 63), 1);
	/* Ending on a boundary: the end belongs to the tile it starts. */
	ck_assert_int_eq(los2(a, 8, 20, 16, 20), 0);
	ck_assert_int_eq(los2(a, 8, 20, 15.999999f, 20), 1);
	ck_assert_int_eq(los2(a, 40, 20, 32, 20), 1);
	ck_assert_int_eq(los2(a, 40, 20, 31.999998f, 20), 0);
	/* The map's own edges. */
	ck_assert_int_eq(los2(a, 0, 0, 63.99f, 0), 1);
	ck_assert_int_eq(los2(a, 0, 0, 64, 0), 0);	/* off the map */
	ck_assert_int_eq(los2(a, 8, 8, -0.001f, 8), 0);
	ck_assert_int_eq(los2(a, 8, 8, 8, 64), 0);
	ck_assert_int_eq(los2(a, NAN, 8, 8, 8), 0);
	ck_assert_int_eq(los2(a, 8, 8, 8, INFINITY), 0);
	ck_assert_int_eq(los2(a, -1e30f, 8, 8, 8), 0);
	area_free(a);
}
END_TEST

/*
 * Near a corner, a segment from a point a hair off the origin: the terms
 * of the boundary test are 512 and 2^-46 apart, so summing them in plain
 * double arithmetic gets the side of (16, 16) wrong.
 */
START_TEST(test_los_tiny)
{
	struct area	*a;
	float		 e = 0x1p-50f, x0 = 1.5f * e;

	/* The segment passes just right of (16, 16): through (1, 0). */
	a = area_new("test", 4, 4, TILE, TILE);
	a->solid[0 * 4 + 1] = 1;
	ck_assert_int_eq(los2(a, x0, e, 32, 32), 0);
	ck_assert_int_eq(los2(a, e, x0, 32, 32), 1);
	area_free(a);

	a = area_new("test", 4, 4, TILE, TILE);
	a->solid[1 * 4 + 0] = 1;
	ck_assert_int_eq(los2(a, x0, e, 32, 32), 1);
	ck_assert_int_eq(los2(a, e, x0, 32, 32), 0);
	ck_assert_int_eq(los2(a, e, e, 32, 32), 1);	/* exactly the corner */
	area_free(a);
}
END_TEST

/*
 * An exact oracle in integers for points at multiples of 1/SCALE. The
 * tiles a segment touches change only where it meets a tile boundary, so
 * checking those points and one between each pair of them covers every
 * point. Parameters t are fractions n / d with d > 0.
 */
#define SCALE	4
#define MAXEV	512

struct frac {
	int64_t	 n, d;
};

static int
frac_cmp(const void *a, const void *b)
{
	const struct frac	*fa = a, *fb = b;
	int64_t			 l = fa->n * fb->d, r = fb->n * fa->d;

	return (l < r ? -1 : l > r);
}

/* Is the point at t = n / d on the segment in a solid tile? */
static int
oracle_point(const struct area *a, const int64_t *p, struct frac t)
{
	int64_t	x, y, tw = (int64_t)a->tile_w * SCALE,
		th = (int64_t)a->tile_h * SCALE;

	/* Scaled by t.d; both are >= 0 as the ends are on the map. */
	x = p[0] * t.d + t.n * (p[2] - p[0]);
	y = p[1] * t.d + t.n * (p[3] - p[1]);
	return (area_solid_tile(a, (int)(x / (tw * t.d)),
	    (int)(y / (th * t.d))));
}

static int
oracle_los(const struct area *a, const int64_t *p)
{
	struct frac	ev[MAXEV], mid;
	int64_t		size, lo, hi, k, d;
	size_t		n = 0, i;
	int		axis;

	ev[n++] = (struct frac){ 0, 1 };
	ev[n++] = (struct frac){ 1, 1 };
	for (axis = 0; axis < 2; axis++) {
		size = (int64_t)(axis == 0 ? a->tile_w : a->tile_h) * SCALE;
		d = p[axis + 2] - p[axis];
		if (d == 0)
			continue;
		lo = p[axis] < p[axis + 2] ? p[axis] : p[axis + 2];
		hi = p[axis] < p[axis + 2] ? p[axis + 2] : p[axis];
		for (k = (lo / size) * size; k <= hi; k += size) {
			if (k < lo)
				continue;
			ev[n].n = d > 0 ? k - p[axis] : p[axis] - k;
			ev[n++].d = d > 0 ? d : -d;
			ck_assert_uint_lt(n, MAXEV);
		}
	}
	qsort(ev, n, sizeof *ev, frac_cmp);
	for (i = 0; i < n; i++) {
		if (oracle_point(a, p, ev[i]))
			return (0);
		if (i + 1 < n) {
			mid.n = ev[i].n * ev[i + 1].d + ev[i + 1].n * ev[i].d;
			mid.d = 2 * ev[i].d * ev[i + 1].d;
			if (oracle_point(a, p, mid))
				return (0);
		}
	}
	return (1);
}

/*
 * Random segments on random maps, with ends on a lattice of quarter
 * units so that boundaries and corners are hit often; square, wide and
 * odd-sized tiles.
 */
START_TEST(test_los_oracle)
{
	static const int	 tiles[][2] = { { 16, 16 }, { 16, 10 },
				    { 12, 7 }, { 1, 1 } };
	struct area		*a;
	struct rng		 r;
	int64_t			 p[4], w, h, step;
	size_t			 t, i, n, clear = 0, blocked = 0;
	int			 q, want;

	rng_seed(&r, 2718);
	for (t = 0; t < sizeof tiles / sizeof tiles[0]; t++) {
		a = area_new("test", 8, 6, tiles[t][0], tiles[t][1]);
		n = 8 * 6;
		for (i = 0; i < n; i++)
			a->solid[i] = rng_below(&r, 100) < 20;
		w = 8 * (int64_t)tiles[t][0] * SCALE;
		h = 6 * (int64_t)tiles[t][1] * SCALE;
		for (q = 0; q < 20000; q++) {
			/* Coarse lattices make boundary hits common. */
			step = q % 3 == 0 ? 1 : (q % 3 == 1 ? SCALE :
			    SCALE * tiles[t][0] / 2);
			if (step < 1)
				step = 1;
			p[0] = rng_below(&r, (uint32_t)(w / step)) * step;
			p[1] = rng_below(&r, (uint32_t)(h / step)) * step;
			p[2] = rng_below(&r, (uint32_t)(w / step)) * step;
			p[3] = rng_below(&r, (uint32_t)(h / step)) * step;
			if (q % 7 == 0)
				p[3] = p[1];		/* horizontal */
			else if (q % 7 == 1)
				p[2] = p[0];		/* vertical */
			else if (q % 7 == 2) {		/* 45 degrees */
				p[3] = p[1] + (p[2] - p[0]);
				if (p[3] < 0 || p[3] >= h)
					p[3] = p[1];
			}
			want = oracle_los(a, p);
			ck_assert_msg(los2(a, (float)p[0] / SCALE,
			    (float)p[1] / SCALE, (float)p[2] / SCALE,
			    (float)p[3] / SCALE) == want,
			    "tile %dx%d (%g,%g)-(%g,%g): want %d",
			    tiles[t][0], tiles[t][1], (double)p[0] / SCALE,
			    (double)p[1] / SCALE, (double)p[2] / SCALE,
			    (double)p[3] / SCALE, want);
			if (want)
				clear++;
			else
				blocked++;
		}
		area_free(a);
	}
	ck_assert_uint_gt(clear, 5000);
	ck_assert_uint_gt(blocked, 5000);
}
END_TEST

static Suite *
path_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("path");
	tc = tcase_create("astar");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_straight);
	tcase_add_test(tc, test_around_wall);
	tcase_add_test(tc, test_u_trap);
	tcase_add_test(tc, test_enclosed);
	tcase_add_test(tc, test_start_is_goal);
	tcase_add_test(tc, test_goal_solid);
	tcase_add_test(tc, test_start_solid);
	tcase_add_test(tc, test_no_corner_cutting);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_max_len);
	tcase_add_test(tc, test_random_optimal);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_map_changes);
	tcase_add_test(tc, test_no_alloc);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("los");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_los_clear_blocked);
	tcase_add_test(tc, test_los_corners);
	tcase_add_test(tc, test_los_diagonal_pair);
	tcase_add_test(tc, test_los_edges);
	tcase_add_test(tc, test_los_tiny);
	tcase_add_test(tc, test_los_oracle);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(path_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
