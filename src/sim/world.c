/* Player movement against the map, one fixed step at a time. Pure. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/world.h"
#include "utf8.h"
#include "xmalloc.h"

/* Caller frees with world_free. The area must outlive the world. */
struct world *
world_new(const struct area *area, unsigned tick_hz)
{
	struct world	*w;

	w = xcalloc(1, sizeof *w);
	w->area = area;
	w->tick_hz = tick_hz;
	w->speed = WORLD_PLAYER_SPEED;
	w->next_id = 1;
	return (w);
}

void
world_free(struct world *w)
{
	if (w == NULL)
		return;
	free(w->players);
	free(w);
}

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

/* Copies a name, cut at a UTF-8 character boundary if it is too long. */
static void
world_copy_name(char dst[WORLD_NAME_MAX], const char *src)
{
	size_t	len = utf8_prefix_len(src, WORLD_NAME_MAX - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Adds a player at (x, y), or the nearest free spot. NULL if none. */
struct world_player *
world_player_add(struct world *w, const char *name, float x, float y)
{
	struct world_player	*p;

	if (world_find_free_spot(w, &x, &y) != 0)
		return (NULL);
	if (w->nplayers == w->cap) {
		w->cap = w->cap == 0 ? 16 : w->cap * 2;
		w->players = xreallocarray(w->players, w->cap,
		    sizeof *w->players);
	}
	p = &w->players[w->nplayers++];
	memset(p, 0, sizeof *p);
	p->id = w->next_id++;
	world_copy_name(p->name, name);
	p->x = x;
	p->y = y;
	return (p);
}

void
world_player_remove(struct world *w, uint32_t id)
{
	struct world_player	*p;
	size_t			 i;

	if ((p = world_player_find(w, id)) == NULL)
		return;
	i = (size_t)(p - w->players);
	memmove(p, p + 1, (w->nplayers - i - 1) * sizeof *p);
	w->nplayers--;
}

/* Players are kept sorted by id (ids only grow), so search by halves. */
struct world_player *
world_player_find(struct world *w, uint32_t id)
{
	size_t	lo = 0, hi = w->nplayers, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->players[mid].id == id)
			return (&w->players[mid]);
		if (w->players[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/*
 * Moves along one axis in sub-steps no longer than a quarter tile, so a
 * fast body cannot tunnel through a wall; stops flush at the first block.
 * Sliding along walls falls out of moving each axis on its own.
 */
static void
world_move_axis(struct world *w, struct world_player *p, float dist, int xaxis)
{
	float	step, maxstep, left = fabsf(dist), sign = dist < 0 ? -1 : 1;
	float	nx, ny;

	maxstep = (float)(w->area->tile_w < w->area->tile_h ?
	    w->area->tile_w : w->area->tile_h) / 4.0f;
	while (left > 0) {
		step = left < maxstep ? left : maxstep;
		nx = p->x + (xaxis ? sign * step : 0);
		ny = p->y + (xaxis ? 0 : sign * step);
		if (!world_body_fits(w, nx, ny)) {
			/* Close the remaining gap in small steps. */
			while (step > 0.01f) {
				step /= 2;
				nx = p->x + (xaxis ? sign * step : 0);
				ny = p->y + (xaxis ? 0 : sign * step);
				if (world_body_fits(w, nx, ny)) {
					p->x = nx;
					p->y = ny;
				}
			}
			return;
		}
		p->x = nx;
		p->y = ny;
		left -= step;
	}
}

/*
 * One fixed step: apply the inputs in order (each sets the held direction),
 * then move every player. Inputs for unknown players are ignored.
 */
void
world_step(struct world *w, const struct world_input *in, size_t n)
{
	struct world_player	*p;
	float			 len, dist;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((p = world_player_find(w, in[i].player)) == NULL)
			continue;
		len = hypotf(in[i].dx, in[i].dy);	/* no overflow */
		if (len < 1e-6f || !isfinite(len)) {
			p->dx = 0;
			p->dy = 0;
		} else {
			p->dx = in[i].dx / len;
			p->dy = in[i].dy / len;
		}
		p->last_seq = in[i].seq;
	}
	dist = w->speed / (float)w->tick_hz;
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		if (p->dx != 0)
			world_move_axis(w, p, p->dx * dist, 1);
		if (p->dy != 0)
			world_move_axis(w, p, p->dy * dist, 0);
	}
	w->tick++;
}
