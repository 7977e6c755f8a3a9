/*
 * A* on the tile grid, with all scratch allocated once per area, and an
 * exact grid traversal for line of sight. Pure.
 *
 * Per-tile search state carries a generation stamp: a tile whose stamp is
 * not the current search's is unvisited, so a search touches only the
 * tiles it explores instead of clearing cols * rows entries. The open set
 * is a binary min-heap of tile indices with a position per tile, so a
 * cheaper route to an open tile updates it in place (decrease-key); with
 * a consistent heuristic a closed tile is never reopened.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim/area.h"
#include "sim/path.h"
#include "xmalloc.h"

#define PATH_NONE	UINT32_MAX	/* no parent */
#define PATH_CLOSED	UINT32_MAX	/* heap position of an expanded tile */

struct path_node {
	uint32_t	 stamp;		/* == pathfinder gen if visited */
	uint32_t	 g;		/* cost from the start */
	uint32_t	 f;		/* g + heuristic */
	uint32_t	 parent;	/* tile index, or PATH_NONE */
	uint32_t	 heap;		/* position in heap, or PATH_CLOSED */
};

struct pathfinder {
	const struct area	*area;
	int			 cols, rows;
	size_t			 ntiles;
	uint32_t		 gen;		/* never 0 */
	struct path_node	*node;		/* ntiles */
	uint32_t		*heap;		/* ntiles */
	size_t			 nheap;
};

/* Neighbours in a fixed order: E, W, S, N, then the diagonals. */
static const int path_dc[8] = { 1, -1, 0, 0, 1, -1, 1, -1 };
static const int path_dr[8] = { 0, 0, 1, -1, 1, 1, -1, -1 };

/*
 * Caller frees with pathfinder_free. The area must outlive it and keep
 * its size; solid tiles are read at each search, so they may change.
 */
struct pathfinder *
pathfinder_new(const struct area *a)
{
	struct pathfinder	*pf;
	uint64_t		 n;

	if (a->cols <= 0 || a->rows <= 0)
		fatalx("pathfinder_new: area is %d x %d", a->cols, a->rows);
	n = (uint64_t)a->cols * (uint64_t)a->rows;
	/* Every g and f must fit in 32 bits. */
	if ((n + (uint64_t)a->cols + (uint64_t)a->rows) * PATH_COST_DIAGONAL >=
	    UINT32_MAX)
		fatalx("pathfinder_new: area of %d x %d tiles is too large",
		    a->cols, a->rows);

	pf = xcalloc(1, sizeof *pf);
	pf->area = a;
	pf->cols = a->cols;
	pf->rows = a->rows;
	pf->ntiles = (size_t)n;
	pf->gen = 1;
	pf->node = xcalloc(pf->ntiles, sizeof *pf->node);
	pf->heap = xcalloc(pf->ntiles, sizeof *pf->heap);
	return (pf);
}

void
pathfinder_free(struct pathfinder *pf)
{
	if (pf == NULL)
		return;
	free(pf->node);
	free(pf->heap);
	free(pf);
}

/* Octile distance in step costs: exact on an open map, so admissible. */
static uint32_t
path_heuristic(int c0, int r0, int c1, int r1)
{
	uint32_t	dc = (uint32_t)abs(c1 - c0);
	uint32_t	dr = (uint32_t)abs(r1 - r0);
	uint32_t	lo = dc < dr ? dc : dr, hi = dc < dr ? dr : dc;

	return (lo * PATH_COST_DIAGONAL + (hi - lo) * PATH_COST_STRAIGHT);
}

/* Is tile a popped before tile b? Lower f, then higher g, then index. */
static int
path_before(const struct pathfinder *pf, uint32_t a, uint32_t b)
{
	const struct path_node	*na = &pf->node[a], *nb = &pf->node[b];

	if (na->f != nb->f)
		return (na->f < nb->f);
	if (na->g != nb->g)
		return (na->g > nb->g);
	return (a < b);
}

static void
path_heap_set(struct pathfinder *pf, size_t i, uint32_t t)
{
	pf->heap[i] = t;
	pf->node[t].heap = (uint32_t)i;
}

static void
path_heap_up(struct pathfinder *pf, size_t i)
{
	uint32_t	t = pf->heap[i];
	size_t		parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!path_before(pf, t, pf->heap[parent]))
			break;
		path_heap_set(pf, i, pf->heap[parent]);
		i = parent;
	}
	path_heap_set(pf, i, t);
}

static void
path_heap_down(struct pathfinder *pf, size_t i)
{
	uint32_t	t = pf->heap[i];
	size_t		child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= pf->nheap)
			break;
		if (child + 1 < pf->nheap &&
		    path_before(pf, pf->heap[child + 1], pf->heap[child]))
			child++;
		if (!path_before(pf, pf->heap[child], t))
			break;
		path_heap_set(pf, i, pf->heap[child]);
		i = child;
	}
	path_heap_set(pf, i, t);
}

static void
path_heap_push(struct pathfinder *pf, uint32_t t)
{
	pf->heap[pf->nheap++] = t;
	path_heap_up(pf, pf->nheap - 1);
}

static uint32_t
path_heap_pop(struct pathfinder *pf)
{
	uint32_t	top = pf->heap[0];

	if (--pf->nheap > 0) {
		pf->heap[0] = pf->heap[pf->nheap];
		path_heap_down(pf, 0);
	}
	pf->node[top].heap = PATH_CLOSED;
	return (top);
}

/* Starts a search: every tile becomes unvisited. */
static void
path_begin(struct pathfinder *pf)
{
	size_t	i;

	pf->nheap = 0;
	if (++pf->gen == 0) {	/* wrapped: forget every old stamp */
		for (i = 0; i < pf->ntiles; i++)
			pf->node[i].stamp = 0;
		pf->gen = 1;
	}
}

/* Writes the first max_len steps of the path that ends at goal. */
static size_t
path_emit(const struct pathfinder *pf, uint32_t goal, int *out_cols,
    int *out_rows, size_t max_len)
{
	size_t		steps = 0, i;
	uint32_t	t;

	for (t = goal; pf->node[t].parent != PATH_NONE; t = pf->node[t].parent)
		steps++;
	i = steps;
	for (t = goal; pf->node[t].parent != PATH_NONE;
	    t = pf->node[t].parent) {
		if (--i < max_len) {
			out_cols[i] = (int)(t % (uint32_t)pf->cols);
			out_rows[i] = (int)(t / (uint32_t)pf->cols);
		}
	}
	return (steps < max_len ? steps : max_len);
}

/*
 * Finds a shortest path from tile (c0, r0) to tile (c1, r1). On success
 * returns 0 and writes the tiles after the start up to and including the
 * goal (or the first max_len of them if it is longer) to out_cols and
 * out_rows, and their number to *len; start == goal is an empty path.
 * Returns -1, with *len = 0, if the start is off the map, the goal is
 * solid or off the map, no path exists, or the goal is not reached
 * within max_expand expansions (each tile taken from the open set,
 * the start and the goal included, counts as one). Whether the start
 * tile is solid does not matter: a body may overlap one.
 * Never allocates.
 */
int
pathfinder_find(struct pathfinder *pf, int c0, int r0, int c1, int r1,
    size_t max_expand, int *out_cols, int *out_rows, size_t max_len,
    size_t *len)
{
	const struct area	*a = pf->area;
	struct path_node	*n, *m;
	uint32_t		 start, goal, t, u, cost;
	size_t			 expanded = 0;
	int			 c, r, nc, nr, k;

	*len = 0;
	if (c0 < 0 || r0 < 0 || c0 >= pf->cols || r0 >= pf->rows)
		return (-1);
	if (area_solid_tile(a, c1, r1))		/* off the map too */
		return (-1);
	if (c0 == c1 && r0 == r1)
		return (0);

	start = (uint32_t)r0 * (uint32_t)pf->cols + (uint32_t)c0;
	goal = (uint32_t)r1 * (uint32_t)pf->cols + (uint32_t)c1;
	path_begin(pf);
	n = &pf->node[start];
	n->stamp = pf->gen;
	n->g = 0;
	n->f = path_heuristic(c0, r0, c1, r1);
	n->parent = PATH_NONE;
	path_heap_push(pf, start);

	while (pf->nheap > 0) {
		if (expanded++ == max_expand)
			return (-1);
		t = path_heap_pop(pf);
		if (t == goal) {
			*len = path_emit(pf, goal, out_cols, out_rows,
			    max_len);
			return (0);
		}
		n = &pf->node[t];
		c = (int)(t % (uint32_t)pf->cols);
		r = (int)(t / (uint32_t)pf->cols);
		for (k = 0; k < 8; k++) {
			nc = c + path_dc[k];
			nr = r + path_dr[k];
			if (area_solid_tile(a, nc, nr))
				continue;
			if (k >= 4) {
				if (area_solid_tile(a, nc, r) ||
				    area_solid_tile(a, c, nr))
					continue;
				cost = PATH_COST_DIAGONAL;
			} else
				cost = PATH_COST_STRAIGHT;
			u = (uint32_t)nr * (uint32_t)pf->cols + (uint32_t)nc;
			m = &pf->node[u];
			if (m->stamp != pf->gen) {
				m->stamp = pf->gen;
				m->g = n->g + cost;
				m->f = m->g + path_heuristic(nc, nr, c1, r1);
				m->parent = t;
				path_heap_push(pf, u);
			} else if (m->heap != PATH_CLOSED &&
			    n->g + cost < m->g) {
				m->f -= m->g - (n->g + cost);
				m->g = n->g + cost;
				m->parent = t;
				path_heap_up(pf, m->heap);
			}
		}
	}
	return (-1);
}

/*
 * Error-free sum: a + b == *s + *e exactly, for doubles rounded to
 * nearest (Knuth's TwoSum). Needs strict IEEE double arithmetic, as the
 * rest of the simulation does.
 */
static void
path_two_sum(double a, double b, double *s, double *e)
{
	double	x, bv, av;

	x = a + b;
	bv = x - a;
	av = x - bv;
	*s = x;
	*e = (a - av) + (b - bv);
}

/*
 * The exact sign of v[0] + ... + v[n - 1], n <= 8: Shewchuk's
 * Grow-Expansion keeps the sum as nonoverlapping components in order of
 * magnitude, and the largest nonzero one has the sign of the whole.
 */
static int
path_sign_sum(const double *v, size_t n)
{
	double	e[8], q;
	size_t	m = 0, i, j;

	for (i = 0; i < n; i++) {
		q = v[i];
		for (j = 0; j < m; j++)
			path_two_sum(q, e[j], &q, &e[j]);
		e[m++] = q;
	}
	while (m-- > 0) {
		if (e[m] != 0)
			return (e[m] > 0 ? 1 : -1);
	}
	return (0);
}

/*
 * The tile along one axis holding coordinate v: floor(v / size), exact
 * (a float divided by an integer below 2^29 never rounds across an
 * integer in double). -1 if off the map.
 */
static int
path_los_tile(float v, int size, int n, int *out)
{
	double	q;

	if (!(v >= 0))		/* negative, or NaN */
		return (-1);
	q = floor((double)v / (double)size);
	if (q >= (double)n)
		return (-1);
	*out = (int)q;
	return (0);
}

/*
 * Does the segment from (x0, y0) to (x1, y1), in world units, touch no
 * solid tile? Every point of the segment, both ends included, counts and
 * belongs to the tile area_solid_at gives it: tiles are half open,
 * [c * tile_w, (c + 1) * tile_w) by [r * tile_h, (r + 1) * tile_h). So a
 * segment that runs along a tile's left or top edge, or through its
 * top-left corner, touches it; one along its right or bottom edge, or
 * through another corner, does not. Off the map is solid. The answer is
 * the same both ways round.
 *
 * This walks the tiles the segment passes through in order (Amanatides
 * and Woo), deciding which boundary comes next by the exact sign of
 * (xb - x0) * dy - (yb - y0) * dx: expanded, its six terms are products
 * of a float and a float or a small integer, exact in double, and their
 * sum is signed exactly. So a segment through a tile corner visits
 * exactly the tiles that hold its points, with no rounding. Exact for
 * maps below 2^29 units on a side.
 */
int
path_line_of_sight(const struct area *a, float x0, float y0, float x1,
    float y1)
{
	double	xb, yb, v[6];
	int	c, r, ce, re, sx, sy, s;

	if (path_los_tile(x0, a->tile_w, a->cols, &c) == -1 ||
	    path_los_tile(y0, a->tile_h, a->rows, &r) == -1 ||
	    path_los_tile(x1, a->tile_w, a->cols, &ce) == -1 ||
	    path_los_tile(y1, a->tile_h, a->rows, &re) == -1)
		return (0);
	sx = x1 > x0 ? 1 : (x1 < x0 ? -1 : 0);
	sy = y1 > y0 ? 1 : (y1 < y0 ? -1 : 0);

	/*
	 * Each pass moves one tile nearer the end tile, which is the last
	 * one the segment touches; off the map is solid, so this stops.
	 */
	for (;;) {
		if (area_solid_tile(a, c, r))
			return (0);
		if (c == ce && r == re)
			return (1);
		if (sy == 0) {
			c += sx;
			continue;
		}
		if (sx == 0) {
			r += sy;
			continue;
		}
		/* The next boundary on each axis, and which comes first. */
		xb = (double)(sx > 0 ? c + 1 : c) * (double)a->tile_w;
		yb = (double)(sy > 0 ? r + 1 : r) * (double)a->tile_h;
		v[0] = xb * (double)y1;
		v[1] = -xb * (double)y0;
		v[2] = -yb * (double)x1;
		v[3] = yb * (double)x0;
		v[4] = (double)x1 * (double)y0;
		v[5] = -((double)x0 * (double)y1);
		s = path_sign_sum(v, 6) * sx * sy;
		if (s < 0)
			c += sx;
		else if (s > 0)
			r += sy;
		else if (sx > 0 && sy < 0)
			c += sx;	/* the corner is in the tile east */
		else if (sx < 0 && sy > 0)
			r += sy;	/* the corner is in the tile south */
		else {
			c += sx;	/* the corner is in the next tile, */
			r += sy;	/* or still in this one */
		}
	}
}
