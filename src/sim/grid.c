/*
 * A uniform spatial hash grid for points. Each cell holds a singly linked
 * list of ids threaded through per-id arrays (head/tail per cell, next
 * per id), so an insert is O(1) and appends, which keeps insertion order
 * within a cell. The cells that received a point since the last clear are
 * listed in touched[], so a clear costs O(cells used), not O(cells).
 * Pure: no clock, no I/O; memory comes only from grid_new and
 * grid_reserve.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim/grid.h"
#include "xmalloc.h"

#define GRID_NONE	UINT32_MAX	/* end of a list, or an empty cell */

/*
 * The query box is widened by this fraction of |centre| + radius, far
 * more than the rounding error of the distance test, so a point that
 * passes the test always lies in a cell the query visits.
 */
#define GRID_SLACK	1e-12

struct grid {
	float		 width, height;	/* extent [0, width] x [0, height] */
	double		 cell;		/* side of a square cell */
	size_t		 cols, rows, ncells;

	uint32_t	*head;		/* ncells: first id, or GRID_NONE */
	uint32_t	*tail;		/* ncells: last id, valid if head is */
	uint32_t	*touched;	/* ncells: cells with a point */
	size_t		 ntouched;

	size_t		 cap;		/* ids are below cap */
	uint32_t	*next;		/* cap: next id in the same cell */
	float		*px, *py;	/* cap: clamped positions */
	uint32_t	*stamp;		/* cap: == gen if inserted */
	uint32_t	 gen;		/* never 0 */
};

/*
 * Cells along one axis for a coordinate: floor(v / cell) clamped to
 * [0, n - 1]. Monotonic in v, which the query relies on.
 */
size_t
grid_coord(double v, double cell, size_t n)
{
	double	q;

	if (!(v > 0))		/* negative, or NaN */
		return (0);
	q = floor(v / cell);
	if (q >= (double)n)
		return (n - 1);
	return ((size_t)q);
}

static float
grid_clamp(float v, float max)
{
	if (!(v > 0))		/* negative, or NaN */
		return (0);
	if (v > max)
		return (max);
	return (v);
}

/*
 * A grid over [0, width] x [0, height] with square cells of side cell,
 * for ids below cap. Bad sizes are a caller bug. Caller frees with
 * grid_free.
 */
struct grid *
grid_new(float width, float height, float cell, size_t cap)
{
	struct grid	*g;
	double		 cols, rows;

	if (!(width > 0) || !(height > 0) || !(cell > 0) ||
	    !isfinite(width) || !isfinite(height))
		fatalx("grid_new: bad extent %g x %g or cell %g",
		    (double)width, (double)height, (double)cell);
	cols = ceil((double)width / (double)cell);
	rows = ceil((double)height / (double)cell);
	cols = cols < 1 ? 1 : cols;
	rows = rows < 1 ? 1 : rows;
	if (cols * rows >= (double)GRID_NONE)
		fatalx("grid_new: %g x %g cells is too many", cols, rows);

	g = xcalloc(1, sizeof *g);
	g->width = width;
	g->height = height;
	g->cell = cell;
	g->cols = (size_t)cols;
	g->rows = (size_t)rows;
	g->ncells = g->cols * g->rows;
	g->head = xreallocarray(NULL, g->ncells, sizeof *g->head);
	memset(g->head, 0xff, g->ncells * sizeof *g->head);	/* GRID_NONE */
	g->tail = xcalloc(g->ncells, sizeof *g->tail);
	g->touched = xcalloc(g->ncells, sizeof *g->touched);
	g->gen = 1;
	grid_reserve(g, cap);
	return (g);
}

void
grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	free(g->head);
	free(g->tail);
	free(g->touched);
	free(g->next);
	free(g->px);
	free(g->py);
	free(g->stamp);
	free(g);
}

/* Makes room for ids below cap. Never shrinks; keeps what is inserted. */
void
grid_reserve(struct grid *g, size_t cap)
{
	if (cap <= g->cap)
		return;
	if (cap > GRID_NONE)
		fatalx("grid_reserve: capacity %zu is too large", cap);
	g->next = xreallocarray(g->next, cap, sizeof *g->next);
	g->px = xreallocarray(g->px, cap, sizeof *g->px);
	g->py = xreallocarray(g->py, cap, sizeof *g->py);
	g->stamp = xreallocarray(g->stamp, cap, sizeof *g->stamp);
	memset(g->stamp + g->cap, 0, (cap - g->cap) * sizeof *g->stamp);
	g->cap = cap;
}

/* Empties the grid in O(cells used). */
void
grid_clear(struct grid *g)
{
	size_t	i;

	for (i = 0; i < g->ntouched; i++)
		g->head[g->touched[i]] = GRID_NONE;
	g->ntouched = 0;
	if (++g->gen == 0) {	/* wrapped: forget every old stamp */
		memset(g->stamp, 0, g->cap * sizeof *g->stamp);
		g->gen = 1;
	}
}

/*
 * Adds the point id at (x, y), clamped into the extent (NaN becomes 0).
 * An id at or above the capacity, or one inserted twice since the last
 * clear, is a caller bug.
 */
void
grid_insert(struct grid *g, uint32_t id, float x, float y)
{
	size_t		c;
	uint32_t	cell;

	if (id >= g->cap)
		fatalx("grid_insert: id %u, capacity %zu", id, g->cap);
	if (g->stamp[id] == g->gen)
		fatalx("grid_insert: id %u inserted twice", id);
	g->stamp[id] = g->gen;

	x = grid_clamp(x, g->width);
	y = grid_clamp(y, g->height);
	g->px[id] = x;
	g->py[id] = y;
	g->next[id] = GRID_NONE;

	c = grid_coord(y, g->cell, g->rows) * g->cols +
	    grid_coord(x, g->cell, g->cols);
	cell = (uint32_t)c;
	if (g->head[cell] == GRID_NONE) {
		g->head[cell] = id;
		g->touched[g->ntouched++] = cell;
	} else
		g->next[g->tail[cell]] = id;
	g->tail[cell] = id;
}

/*
 * Finds the points within radius of (x, y): those whose stored (clamped)
 * position p has (p.x - x)^2 + (p.y - y)^2 <= radius^2, computed in
 * double. Writes the first max of them to out, in the order given in
 * grid.h, and returns how many there are in all (more than max means out
 * was cut short). A centre that is not finite, or a radius that is
 * negative or NaN, finds nothing; an infinite radius finds every point.
 * Visits every cell of the query's bounding box.
 */
size_t
grid_query(const struct grid *g, float x, float y, float radius,
    uint32_t *out, size_t max)
{
	double		 cx = x, cy = y, r = radius, r2, dx, dy, sx, sy;
	size_t		 c0, c1, r0, r1, col, row, n = 0;
	uint32_t	 id;

	if (!isfinite(cx) || !isfinite(cy) || !(r >= 0))
		return (0);
	r2 = r * r;
	sx = (fabs(cx) + r) * GRID_SLACK;
	sy = (fabs(cy) + r) * GRID_SLACK;
	c0 = grid_coord(cx - r - sx, g->cell, g->cols);
	c1 = grid_coord(cx + r + sx, g->cell, g->cols);
	r0 = grid_coord(cy - r - sy, g->cell, g->rows);
	r1 = grid_coord(cy + r + sy, g->cell, g->rows);

	for (row = r0; row <= r1; row++) {
		for (col = c0; col <= c1; col++) {
			id = g->head[row * g->cols + col];
			for (; id != GRID_NONE; id = g->next[id]) {
				dx = (double)g->px[id] - cx;
				dy = (double)g->py[id] - cy;
				if (dx * dx + dy * dy > r2)
					continue;
				if (n < max)
					out[n] = id;
				n++;
			}
		}
	}
	return (n);
}
