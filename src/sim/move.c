/*
 * Bodies against the map: does a body fit, where is the nearest spot where
 * it does, and moving with sliding and no tunnelling. Pure.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/internal.h"
#include "sim/world.h"
#include "xmalloc.h"

/* Does a body centred at (x, y) touch no solid tile? */
int
world_body_fits(const struct world *w, float x, float y)
{
	const struct area	*a = w->area;
	float			 r = WORLD_PLAYER_RADIUS;
	int			 c0, c1, r0, r1, c, row;

	if (x - r < 0 || y - r < 0 || x + r > area_width(a) ||
	    y + r > area_height(a))
		return (0);
	c0 = (int)floorf((x - r) / (float)a->tile_w);
	c1 = (int)floorf((x + r - 0.001f) / (float)a->tile_w);
	r0 = (int)floorf((y - r) / (float)a->tile_h);
	r1 = (int)floorf((y + r - 0.001f) / (float)a->tile_h);
	for (row = r0; row <= r1; row++) {
		for (c = c0; c <= c1; c++) {
			if (area_solid_tile(a, c, row))
				return (0);
		}
	}
	return (1);
}

/* A centre coordinate where a nearest free spot may lie, on one axis. */
struct world_cand {
	float	 v;
	double	 d;	/* distance from the requested coordinate */
};

static int
world_cand_cmp(const void *a, const void *b)
{
	const struct world_cand	*ca = a, *cb = b;

	if (ca->d != cb->d)
		return (ca->d < cb->d ? -1 : 1);
	if (ca->v != cb->v)
		return (ca->v < cb->v ? -1 : 1);
	return (0);
}

/*
 * Fills c (room for 2 * n + 3) with the coordinates along one axis of n
 * tiles where the nearest free spot can lie: the requested one, and those
 * that put a body's edge on a tile boundary. Sorted nearest first.
 */
static size_t
world_candidates(struct world_cand *c, float want, int n, int size)
{
	float	 r = WORLD_PLAYER_RADIUS, limit = (float)n * (float)size, v;
	size_t	 k = 0;
	int	 i, side;

	c[k].v = want;
	c[k++].d = 0;
	for (i = 0; i <= n; i++) {
		for (side = -1; side <= 1; side += 2) {
			v = (float)i * (float)size + (float)side * r;
			if (v < r || v > limit - r)
				continue;
			c[k].v = v;
			c[k++].d = fabs((double)v - (double)want);
		}
	}
	qsort(c, k, sizeof *c, world_cand_cmp);
	return (k);
}

/*
 * Moves *x and *y to the nearest spot where a body fits. Unless (x, y)
 * fits, that spot has a body's edge on a tile boundary on one axis or
 * both, so only those are tried, nearest first. Returns -1 if there is
 * none.
 */
int
world_find_free_spot(const struct world *w, float *x, float *y)
{
	const struct area	*a = w->area;
	struct world_cand	*cx, *cy;
	size_t			 nx, ny, i, j;
	double			 dx2, d2, best = 0;
	float			 bx = 0, by = 0;
	int			 found = 0;

	if (!isfinite(*x) || !isfinite(*y))
		return (-1);
	if (world_body_fits(w, *x, *y))
		return (0);
	cx = xreallocarray(NULL, 2 * (size_t)a->cols + 3, sizeof *cx);
	cy = xreallocarray(NULL, 2 * (size_t)a->rows + 3, sizeof *cy);
	nx = world_candidates(cx, *x, a->cols, a->tile_w);
	ny = world_candidates(cy, *y, a->rows, a->tile_h);
	for (i = 0; i < nx; i++) {
		dx2 = cx[i].d * cx[i].d;
		if (found && dx2 >= best)
			break;
		for (j = 0; j < ny; j++) {
			d2 = dx2 + cy[j].d * cy[j].d;
			if (found && d2 >= best)
				break;
			if (world_body_fits(w, cx[i].v, cy[j].v)) {
				best = d2;
				bx = cx[i].v;
				by = cy[j].v;
				found = 1;
				break;
			}
		}
	}
	free(cx);
	free(cy);
	if (!found)
		return (-1);
	*x = bx;
	*y = by;
	return (0);
}

/*
 * Moves along one axis in sub-steps no longer than a quarter tile, so a
 * fast body cannot tunnel through a wall; stops flush at the first block.
 */
static void
move_axis(const struct world *w, float *x, float *y, float dist, int xaxis)
{
	float	step, maxstep, left = fabsf(dist), sign = dist < 0 ? -1 : 1;
	float	nx, ny;

	maxstep = (float)(w->area->tile_w < w->area->tile_h ?
	    w->area->tile_w : w->area->tile_h) / 4.0f;
	while (left > 0) {
		step = left < maxstep ? left : maxstep;
		nx = *x + (xaxis ? sign * step : 0);
		ny = *y + (xaxis ? 0 : sign * step);
		if (!world_body_fits(w, nx, ny)) {
			/* Close the remaining gap in small steps. */
			while (step > 0.01f) {
				step /= 2;
				nx = *x + (xaxis ? sign * step : 0);
				ny = *y + (xaxis ? 0 : sign * step);
				if (world_body_fits(w, nx, ny)) {
					*x = nx;
					*y = ny;
				}
			}
			return;
		}
		*x = nx;
		*y = ny;
		left -= step;
	}
}

/*
 * Moves a body by (dx, dy), each axis on its own so that it slides along
 * walls. Returns 1 if it was stopped on either axis.
 */
int
move_body(const struct world *w, float *x, float *y, float dx, float dy)
{
	float	wantx = *x + dx, wanty = *y + dy;

	if (dx != 0)
		move_axis(w, x, y, dx, 1);
	if (dy != 0)
		move_axis(w, x, y, dy, 0);
	return (fabsf(*x - wantx) > 0.01f || fabsf(*y - wanty) > 0.01f);
}
