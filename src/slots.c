/*
 * Stable entity slots (slots.h).
 *
 * The table is an array of ids by slot, ascending, with SLOTS_FREE in the
 * slots no id took yet. A tick's ids are matched against it in one walk;
 * a new id takes the first free slot after its predecessor's, so ids
 * arriving in ascending order (a world's new players) fill a run of free
 * slots one after the other.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slots.h"
#include "xmalloc.h"

#define SLOTS_FAR	64	/* ids this far apart get free slots between */

/*
 * The free slots to leave after an id, with gap ids between it and the
 * next one, out of what is left of the budget: none where ids are close
 * (a dead mob keeps its own slot), a quarter of the table where they are
 * far apart.
 */
static size_t
slots_room(uint64_t gap, size_t m, size_t *budget)
{
	size_t	want;

	if (gap < SLOTS_FAR)
		return (0);
	want = m / 4 > SLOTS_FAR ? m / 4 : SLOTS_FAR;
	if (want > gap)
		want = (size_t)gap;
	if (want > *budget)
		want = *budget;
	*budget -= want;
	return (want);
}

/*
 * Lays the table out anew: the ids of this call, ids[0..n), and the ids
 * of the table absent for fewer than SLOTS_KEEP calls, with room where
 * they are far apart. The table before becomes the old one.
 */
static void
slots_renumber(struct slots *sl, const uint32_t *ids, size_t n)
{
	uint32_t	*keep, *kept_last, *nid, *nlast, next;
	size_t		 s = 0, i = 0, m = 0, budget, total, k, r, j;

	keep = xreallocarray(NULL, n + sl->n + 1, sizeof *keep);
	kept_last = xreallocarray(NULL, n + sl->n + 1, sizeof *kept_last);
	while (i < n || s < sl->n) {
		if (s < sl->n && sl->id[s] == SLOTS_FREE) {
			s++;
			continue;
		}
		if (s == sl->n || (i < n && ids[i] <= sl->id[s])) {
			if (s < sl->n && ids[i] == sl->id[s])
				s++;
			keep[m] = ids[i++];
			kept_last[m++] = sl->calls;
			continue;
		}
		if (sl->calls - sl->last[s] < SLOTS_KEEP) {
			keep[m] = sl->id[s];
			kept_last[m++] = sl->last[s];
		}
		s++;
	}

	/* Sizes first, then the layout: room goes after each id. */
	budget = m / 2 + SLOTS_FAR;
	total = m + slots_room(m != 0 ? keep[0] : 0, m, &budget);
	for (k = 0; k < m; k++) {
		next = k + 1 < m ? keep[k + 1] : SLOTS_FREE;
		total += slots_room((uint64_t)next - keep[k] - 1, m, &budget);
	}
	nid = xreallocarray(NULL, total + 1, sizeof *nid);
	nlast = xreallocarray(NULL, total + 1, sizeof *nlast);
	budget = m / 2 + SLOTS_FAR;
	j = 0;
	r = slots_room(m != 0 ? keep[0] : 0, m, &budget);
	for (; r > 0; r--, j++) {
		nid[j] = SLOTS_FREE;
		nlast[j] = 0;
	}
	for (k = 0; k < m; k++) {
		nid[j] = keep[k];
		nlast[j++] = kept_last[k];
		next = k + 1 < m ? keep[k + 1] : SLOTS_FREE;
		r = slots_room((uint64_t)next - keep[k] - 1, m, &budget);
		for (; r > 0; r--, j++) {
			nid[j] = SLOTS_FREE;
			nlast[j] = 0;
		}
	}
	free(keep);
	free(kept_last);

	free(sl->old);
	sl->old = sl->id;
	sl->nold = sl->n;
	free(sl->last);
	sl->id = nid;
	sl->last = nlast;
	sl->n = sl->cap = total;
	sl->gen++;
}

/*
 * Gives ids[0..n) their slots, or returns -1 (having taken free slots
 * for some) if one has no room.
 */
static int
slots_fit(struct slots *sl, const uint32_t *ids, size_t n, uint32_t *slot)
{
	size_t		i, s = 0, u = 0;
	uint32_t	x;

	for (i = 0; i < n; i++) {
		x = ids[i];
		/* u: the first slot at or after s that an id took. */
		for (;;) {
			if (u < s)
				u = s;
			while (u < sl->n && sl->id[u] == SLOTS_FREE)
				u++;
			if (u == sl->n || sl->id[u] >= x)
				break;
			s = u + 1;
		}
		if (u < sl->n && sl->id[u] == x)
			s = u;
		else if (s < u)
			sl->id[s] = x;
		else
			return (-1);
		slot[i] = (uint32_t)s;
		sl->last[s++] = sl->calls;
	}
	return (0);
}

/*
 * The slots of this call's ids, ids[0..n) strictly ascending (unsorted or
 * repeated ids, or SLOTS_FREE, are a caller bug), into slot[0..n).
 * Returns 1 if the table was renumbered (slots.h), else 0.
 */
int
slots_assign(struct slots *sl, const uint32_t *ids, size_t n, uint32_t *slot)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (ids[i] == SLOTS_FREE || (i > 0 && ids[i] <= ids[i - 1]))
			fatalx("slots_assign: id %u after %u", ids[i],
			    i > 0 ? ids[i - 1] : 0);
	}
	sl->calls++;
	if (slots_fit(sl, ids, n, slot) == 0)
		return (0);
	slots_renumber(sl, ids, n);
	if (slots_fit(sl, ids, n, slot) != 0)
		fatalx("slots_assign: no room after renumbering");
	return (1);
}

/* The id slot had before the last renumbering, or SLOTS_FREE. */
uint32_t
slots_old_id(const struct slots *sl, size_t slot)
{
	return (slot < sl->nold ? sl->old[slot] : SLOTS_FREE);
}

void
slots_free(struct slots *sl)
{
	if (sl == NULL)
		return;
	free(sl->id);
	free(sl->last);
	free(sl->old);
	memset(sl, 0, sizeof *sl);
}
