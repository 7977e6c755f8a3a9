/*
 * Interest management (aoi.h).
 *
 * Each update lays the entities out by cell with a counting sort: the
 * cells become contiguous runs of slots (positions and indices side by
 * side), so a viewer's query reads memory in order, branch-free. The
 * entities come in ascending id order, so index order is id order: the
 * hits are put in a bitmap over entity indices and read back in
 * ascending order, a count of trailing zeros per hit: the sorted visible
 * set without a sort or a merge. Reading back scans the words between the
 * lowest and the highest hit, at most AOI_FLAT_WORDS of them; beyond that
 * many entities a summary bitmap (a bit per word) is kept too and
 * scanned instead, so a viewer costs O(hits + entities / 4096). A linear
 * walk against the previous set (kept per viewer, double-buffered) then
 * yields entered, left and stayed.
 *
 * Pure: no clock, no I/O. Memory comes from aoi_new, aoi_viewer_add and
 * the reserve functions, only when something outgrows its capacity.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aoi.h"
#include "sim/grid.h"
#include "log.h"
#include "xmalloc.h"

#define AOI_NONE	UINT32_MAX	/* no cell, no entity */

/*
 * Cells a grid may have. A small radius on a huge map would make the
 * per-update clear of the cell counts dominate, so the cell side doubles
 * until the grid fits; a cell never gets smaller than half the radius.
 */
#define AOI_MAX_CELLS	16384

/*
 * A cell's side is the radius / AOI_CELL_SPLIT: a look tests the entities
 * of about 5 x 5 cells of half the radius, 6.25 radius^2 of area, against
 * 9 radius^2 for 3 x 3 cells of the radius (scenario S: 8% less time for
 * the looks and the encoding). Smaller cells test less still but cost
 * more in rows (4, with each row cut to the circle's chord: slower).
 */
#define AOI_CELL_SPLIT	2

/*
 * Up to this many words of bitmap (64 entities each), reading back scans
 * the words between the lowest and the highest hit: that costs less than
 * keeping a summary, whose bits the hits of a viewer set over and over.
 */
#define AOI_FLAT_WORDS	1024

/*
 * The query box is widened by this fraction of |centre| + radius, far
 * more than the rounding of the distance test, so an entity that passes
 * the test always lies in a cell the query visits (as in sim/grid.c).
 */
#define AOI_SLACK	1e-12

struct aoi_viewer {
	uint32_t	 id;
	uint32_t	*block;		/* one allocation: the arrays below */
	size_t		 cap;		/* entries in each array */
	uint32_t	*vis[2];	/* ids seen: [cur] now, [!cur] before */
	size_t		 nvis[2];
	unsigned	 cur;
	uint32_t	*vis_at;	/* index of each vis[cur] in entities */
	uint32_t	*entered, *left, *stayed;
	size_t		 nentered, nleft, nstayed;
};

struct aoi {
	float		 width, height, radius;
	double		 cell;		/* side of a square cell, >= radius */
	double		 r2;		/* radius^2 */
	size_t		 cols, rows, ncells;
	uint32_t	*start;		/* ncells + 1: cell c is slots */
					/* [start[c], start[c + 1]) */

	size_t		 ecap;		/* entities the arrays below hold */
	size_t		 nents;		/* in the last update */
	uint32_t	*cellof;	/* ecap: cell of entity i, or NONE */
	float		*sx, *sy;	/* ecap: positions, by slot */
	uint32_t	*sidx;		/* ecap: entity index, by slot */
	uint32_t	*ids;		/* ecap: entity id, by index */
	uint32_t	*hits;		/* ecap: one viewer's hits */
	uint64_t	*bits;		/* a bit per entity; 0 between uses */
	uint64_t	*sum;		/* a bit per word of bits, if more */
					/* than AOI_FLAT_WORDS; 0 too */
	size_t		 nbits, nsum;	/* words allocated */

	struct aoi_viewer *viewers;	/* ascending id */
	size_t		 nviewers, vcap;

	size_t		 tested, visible;	/* last update */
	int		 nodiffs;	/* entered, left, stayed not wanted */

	/* aoi_look_one's: one viewer's sets, each look over the last. */
	struct aoi_viewer scratch;
	const struct aoi_entity *ents;	/* of the last aoi_layout */
};

/*
 * A view over [0, width] x [0, height] with the given radius. Bad sizes
 * are a caller bug (the radius comes from a checked option). Caller frees
 * with aoi_free.
 */
struct aoi *
aoi_new(float width, float height, float radius)
{
	struct aoi	*a;
	double		 cell, cols, rows;

	if (!(width > 0) || !(height > 0) || !(radius > 0) ||
	    !isfinite(width) || !isfinite(height) || !isfinite(radius))
		fatalx("aoi_new: bad extent %g x %g or radius %g",
		    (double)width, (double)height, (double)radius);
	cell = radius / AOI_CELL_SPLIT;
	for (;;) {
		cols = ceil((double)width / cell);
		rows = ceil((double)height / cell);
		cols = cols < 1 ? 1 : cols;
		rows = rows < 1 ? 1 : rows;
		if (cols * rows <= AOI_MAX_CELLS)
			break;
		cell *= 2;
	}

	a = xcalloc(1, sizeof *a);
	a->width = width;
	a->height = height;
	a->radius = radius;
	a->cell = cell;
	a->r2 = (double)radius * (double)radius;
	a->cols = (size_t)cols;
	a->rows = (size_t)rows;
	a->ncells = a->cols * a->rows;
	a->start = xcalloc(a->ncells + 1, sizeof *a->start);
	return (a);
}

static void
aoi_viewer_clear(struct aoi_viewer *v)
{
	free(v->block);
	memset(v, 0, sizeof *v);
}

void
aoi_free(struct aoi *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nviewers; i++)
		aoi_viewer_clear(&a->viewers[i]);
	aoi_viewer_clear(&a->scratch);
	free(a->viewers);
	free(a->start);
	free(a->cellof);
	free(a->sx);
	free(a->sy);
	free(a->sidx);
	free(a->ids);
	free(a->hits);
	free(a->bits);
	free(a->sum);
	free(a);
}

/* Where viewer id is, or where it would go: the first id >= id. */
static size_t
aoi_viewer_pos(const struct aoi *a, uint32_t id)
{
	size_t	lo = 0, hi = a->nviewers, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->viewers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * Adds viewer id (a player id), seeing nothing until the next update.
 * Returns -1 if it is already a viewer.
 */
int
aoi_viewer_add(struct aoi *a, uint32_t id)
{
	size_t	pos = aoi_viewer_pos(a, id);

	if (pos < a->nviewers && a->viewers[pos].id == id)
		return (-1);
	if (a->nviewers == a->vcap) {
		a->vcap = a->vcap < 16 ? 16 : a->vcap * 2;
		a->viewers = xreallocarray(a->viewers, a->vcap,
		    sizeof *a->viewers);
	}
	memmove(&a->viewers[pos + 1], &a->viewers[pos],
	    (a->nviewers - pos) * sizeof *a->viewers);
	a->nviewers++;
	memset(&a->viewers[pos], 0, sizeof a->viewers[pos]);
	a->viewers[pos].id = id;
	return (0);
}

/* Forgets viewer id and what it saw. Returns -1 if it is not a viewer. */
int
aoi_viewer_remove(struct aoi *a, uint32_t id)
{
	size_t	pos = aoi_viewer_pos(a, id);

	if (pos == a->nviewers || a->viewers[pos].id != id)
		return (-1);
	aoi_viewer_clear(&a->viewers[pos]);
	memmove(&a->viewers[pos], &a->viewers[pos + 1],
	    (a->nviewers - pos - 1) * sizeof *a->viewers);
	a->nviewers--;
	return (0);
}

size_t
aoi_viewer_count(const struct aoi *a)
{
	return (a->nviewers);
}

/* Makes room for n entities. Never shrinks. */
static void
aoi_reserve(struct aoi *a, size_t n)
{
	size_t	nbits, nsum;

	if (n <= a->ecap)
		return;
	if (n >= AOI_NONE)
		fatalx("aoi_update: %zu entities is too many", n);
	n = n < 2 * a->ecap ? 2 * a->ecap : n;
	if (n >= AOI_NONE)
		n = AOI_NONE - 1;
	a->cellof = xreallocarray(a->cellof, n, sizeof *a->cellof);
	a->sx = xreallocarray(a->sx, n, sizeof *a->sx);
	a->sy = xreallocarray(a->sy, n, sizeof *a->sy);
	a->sidx = xreallocarray(a->sidx, n, sizeof *a->sidx);
	a->ids = xreallocarray(a->ids, n, sizeof *a->ids);
	a->hits = xreallocarray(a->hits, n, sizeof *a->hits);
	nbits = (n + 63) / 64;
	nsum = (nbits + 63) / 64;
	free(a->bits);			/* all 0: nothing to keep */
	free(a->sum);
	a->bits = xcalloc(nbits, sizeof *a->bits);
	a->sum = xcalloc(nsum, sizeof *a->sum);
	a->nbits = nbits;
	a->nsum = nsum;
	a->ecap = n;
}

/*
 * Makes room for n ids in each of v's arrays, keeping what it saw before
 * (vis[!cur]). Never shrinks.
 */
static void
aoi_viewer_reserve(struct aoi_viewer *v, size_t n)
{
	uint32_t	*block, *prev;
	size_t		 cap, nprev;
	unsigned	 p = !v->cur;

	if (n <= v->cap)
		return;
	cap = v->cap < 16 ? 16 : v->cap;
	while (cap < n)
		cap *= 2;
	block = xreallocarray(NULL, cap, 6 * sizeof *block);
	prev = block + cap;		/* the slot of vis[p] */
	nprev = v->nvis[p];
	if (nprev != 0)
		memcpy(prev, v->vis[p], nprev * sizeof *prev);
	free(v->block);
	v->block = block;
	v->cap = cap;
	v->vis[v->cur] = block;
	v->vis[p] = prev;
	v->vis_at = block + 2 * cap;
	v->entered = block + 3 * cap;
	v->left = block + 4 * cap;
	v->stayed = block + 5 * cap;
}

/*
 * Moves the hits of word wi of the bitmap, ascending, to the end of
 * vis[0..k) and vis_at, and clears it. Returns the new k.
 */
static inline size_t
aoi_drain(struct aoi *a, struct aoi_viewer *v, uint32_t *vis, size_t wi,
    size_t k)
{
	uint64_t	x = a->bits[wi];
	uint32_t	idx;

	a->bits[wi] = 0;
	for (; x != 0; x &= x - 1) {
		idx = (uint32_t)(wi * 64 + (size_t)__builtin_ctzll(x));
		vis[k] = a->ids[idx];
		v->vis_at[k++] = idx;
	}
	return (k);
}

/*
 * What the entity of index self (or NONE) sees, into a->hits, in no
 * order; counts the distance tests. Returns how many.
 */
static size_t
aoi_hits(struct aoi *a, const struct aoi_entity *ents, uint32_t self)
{
	const uint32_t	*start = a->start, *sidx = a->sidx;
	const float	*sx = a->sx, *sy = a->sy;
	uint32_t	*hits = a->hits;
	size_t		 c0, c1, r0, r1, row, s, end, nh = 0;
	double		 cx, cy, r = a->radius, slack, dx, dy;

	if (self != AOI_NONE && a->cellof[self] == AOI_NONE)
		hits[nh++] = self;	/* not finite: sees itself only */
	else if (self != AOI_NONE) {
		cx = ents[self].x;
		cy = ents[self].y;
		slack = (fabs(cx) + r) * AOI_SLACK;
		c0 = grid_coord(cx - r - slack, a->cell, a->cols);
		c1 = grid_coord(cx + r + slack, a->cell, a->cols);
		r0 = grid_coord(cy - r - slack, a->cell, a->rows);
		r1 = grid_coord(cy + r + slack, a->cell, a->rows);
		for (row = r0; row <= r1; row++) {
			s = start[row * a->cols + c0];
			end = start[row * a->cols + c1 + 1];
			a->tested += end - s;
			for (; s < end; s++) {
				/* Branch-free: the hit rate is ~1/3. */
				dx = (double)sx[s] - cx;
				dy = (double)sy[s] - cy;
				hits[nh] = sidx[s];
				nh += dx * dx + dy * dy <= a->r2;
			}
		}
	}
	return (nh);
}

/*
 * One viewer's look at this tick: self is its entity's index, or NONE.
 * Leaves its sets in v.
 */
static void
aoi_look(struct aoi *a, struct aoi_viewer *v, const struct aoi_entity *ents,
    uint32_t self)
{
	uint32_t	*hits = a->hits, *vis;
	uint64_t	*bits = a->bits, *sum = a->sum, w;
	size_t		 i, j, k, sw, wi, lo;
	size_t		 nh, np, nc, ne = 0, nl = 0, ns = 0;
	const uint32_t	*prev;

	v->cur ^= 1;
	nh = aoi_hits(a, ents, self);

	/* Into the bitmap, out in index order, which is id order. */
	aoi_viewer_reserve(v, nh);
	vis = v->vis[v->cur];
	k = 0;
	if (a->nbits <= AOI_FLAT_WORDS) {
		lo = SIZE_MAX;
		for (i = 0; i < nh; i++) {
			wi = hits[i] >> 6;
			bits[wi] |= (uint64_t)1 << (hits[i] & 63);
			lo = wi < lo ? wi : lo;
		}
		for (wi = lo; k < nh; wi++)	/* up to the last hit */
			k = aoi_drain(a, v, vis, wi, k);
	} else {
		for (i = 0; i < nh; i++) {
			bits[hits[i] >> 6] |= (uint64_t)1 << (hits[i] & 63);
			sum[hits[i] >> 12] |= (uint64_t)1 << (hits[i] >> 6 & 63);
		}
		for (sw = 0; k < nh; sw++) {
			w = sum[sw];
			sum[sw] = 0;
			for (; w != 0; w &= w - 1) {
				wi = sw * 64 + (size_t)__builtin_ctzll(w);
				k = aoi_drain(a, v, vis, wi, k);
			}
		}
	}
	nc = v->nvis[v->cur] = nh;

	prev = v->vis[!v->cur];
	np = a->nodiffs ? 0 : v->nvis[!v->cur];
	nc = a->nodiffs ? 0 : nc;
	i = j = 0;
	while (i < np || j < nc) {
		if (j == nc || (i < np && prev[i] < vis[j]))
			v->left[nl++] = prev[i++];
		else if (i == np || vis[j] < prev[i])
			v->entered[ne++] = vis[j++];
		else {
			v->stayed[ns++] = vis[j++];
			i++;
		}
	}
	v->nentered = ne;
	v->nleft = nl;
	v->nstayed = ns;
	a->visible += nh;
}

/* Whether updates work out entered, left and stayed (they do at first). */
void
aoi_set_diffs(struct aoi *a, int on)
{
	a->nodiffs = !on;
}

/*
 * This tick's entities, in strictly ascending id order (the world keeps
 * them so: players by id, then mobs; unsorted or repeated ids are a
 * caller bug). Works out every viewer's sets; see aoi.h.
 */
void
aoi_update(struct aoi *a, const struct aoi_entity *ents, size_t n)
{
	uint32_t	self;
	size_t		j, v;

	aoi_layout(a, ents, n);
	/* Viewers and entities are both by id: find each one's entity. */
	for (v = 0, j = 0; v < a->nviewers; v++) {
		while (j < n && ents[j].id < a->viewers[v].id)
			j++;
		self = j < n && ents[j].id == a->viewers[v].id ?
		    (uint32_t)j : AOI_NONE;
		aoi_look(a, &a->viewers[v], ents, self);
	}
}

/*
 * The entities by cell, for the looks of aoi_look_one: ents must stay as
 * they are until the last of those. aoi_update does this, then every
 * viewer's look.
 */
void
aoi_layout(struct aoi *a, const struct aoi_entity *ents, size_t n)
{
	uint32_t	*start = a->start, c;
	size_t		 i, placed = 0, cum, slot;
	double		 x, y;

	aoi_reserve(a, n);
	memset(start, 0, (a->ncells + 1) * sizeof *start);
	for (i = 0; i < n; i++) {
		if (i > 0 && ents[i].id <= ents[i - 1].id)
			fatalx("aoi_update: id %u after %u", ents[i].id,
			    ents[i - 1].id);
		a->ids[i] = ents[i].id;
		x = ents[i].x;
		y = ents[i].y;
		if (!isfinite(x) || !isfinite(y)) {
			a->cellof[i] = AOI_NONE;
			continue;
		}
		c = (uint32_t)(grid_coord(y, a->cell, a->rows) * a->cols +
		    grid_coord(x, a->cell, a->cols));
		a->cellof[i] = c;
		start[c]++;
		placed++;
	}
	/*
	 * Counts to running totals (start[c]: slots up to the end of c),
	 * then placement backwards decrementing them: start[c] ends at the
	 * first slot of c.
	 */
	for (cum = 0, i = 0; i < a->ncells; i++) {
		cum += start[i];
		start[i] = (uint32_t)cum;
	}
	start[a->ncells] = (uint32_t)placed;
	for (i = n; i-- > 0;) {
		if ((c = a->cellof[i]) == AOI_NONE)
			continue;
		slot = --start[c];
		a->sx[slot] = ents[i].x;
		a->sy[slot] = ents[i].y;
		a->sidx[slot] = (uint32_t)i;
	}
	a->nents = n;
	a->ents = ents;
	a->tested = 0;
	a->visible = 0;
}

/*
 * What entity id sees of the last aoi_layout, looked at now, with no
 * entered, left or stayed: good until the next look. Looking at each
 * client's view just before it is encoded, rather than every view in
 * aoi_update, keeps the view in the cache for its encoding (at 2,000
 * viewers the views are 2.8 MB). An id not among the entities sees
 * nothing.
 */
void
aoi_look_one(struct aoi *a, uint32_t id, struct aoi_view *out)
{
	struct aoi_viewer	*v = &a->scratch;
	size_t			 lo = 0, hi = a->nents, mid;
	int			 nodiffs = a->nodiffs;

	while (lo < hi) {		/* a->ids ascend */
		mid = lo + (hi - lo) / 2;
		if (a->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	a->nodiffs = 1;
	aoi_look(a, v, a->ents, lo < a->nents && a->ids[lo] == id ?
	    (uint32_t)lo : AOI_NONE);
	a->nodiffs = nodiffs;
	memset(out, 0, sizeof *out);
	out->visible = v->vis[v->cur];
	out->visible_at = v->vis_at;
	out->nvisible = v->nvis[v->cur];
}

/*
 * What viewer id sees after the last update (all empty before the first
 * one since it was added). Returns -1 if it is not a viewer.
 */
int
aoi_view(const struct aoi *a, uint32_t id, struct aoi_view *out)
{
	const struct aoi_viewer	*v;
	size_t			 pos = aoi_viewer_pos(a, id);

	if (pos == a->nviewers || a->viewers[pos].id != id)
		return (-1);
	v = &a->viewers[pos];
	out->visible = v->vis[v->cur];
	out->visible_at = v->vis_at;
	out->nvisible = v->nvis[v->cur];
	out->entered = v->entered;
	out->nentered = v->nentered;
	out->left = v->left;
	out->nleft = v->nleft;
	out->stayed = v->stayed;
	out->nstayed = v->nstayed;
	return (0);
}

void
aoi_stats(const struct aoi *a, struct aoi_stats *st)
{
	st->entities = a->nents;
	st->viewers = a->nviewers;
	st->tested = a->tested;
	st->visible = a->visible;
	st->cells = a->ncells;
	st->cell = (float)a->cell;
}

/*
 * What the entity of index self of the last aoi_layout sees (NONE: not
 * an entity, nothing), by the rules of aoi.h, as bits set in a bitmap of
 * the caller's: bit slot_of[i] for each entity i seen (slot_of NULL: bit
 * i). [*lo, *hi) are the words set, empty if none. Returns how many.
 */
size_t
aoi_look_mask(struct aoi *a, size_t self, const uint32_t *slot_of,
    uint64_t *bits, size_t *lo, size_t *hi)
{
	size_t		i, nh, b, wlo = SIZE_MAX, whi = 0;

	nh = aoi_hits(a, a->ents, self < a->nents ? (uint32_t)self :
	    AOI_NONE);
	a->visible += nh;
	for (i = 0; i < nh; i++) {
		b = slot_of != NULL ? slot_of[a->hits[i]] : a->hits[i];
		bits[b / 64] |= (uint64_t)1 << (b % 64);
		wlo = b / 64 < wlo ? b / 64 : wlo;
		whi = b / 64 + 1 > whi ? b / 64 + 1 : whi;
	}
	*lo = nh != 0 ? wlo : 0;
	*hi = whi;
	return (nh);
}
