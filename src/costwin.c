/* Percentiles over the last ticks' costs (see costwin.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "costwin.h"

void
costwin_add(struct costwin *w, uint64_t us)
{
	w->v[w->next] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	w->next = (w->next + 1) % COSTWIN_TICKS;
	if (w->n < COSTWIN_TICKS)
		w->n++;
}

static int
costwin_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Nearest rank: the smallest value with at least p% at or below it. */
static uint32_t
costwin_rank(const uint32_t *sorted, size_t n, unsigned p)
{
	size_t	k = (n * p + 99) / 100;

	return (sorted[k > 0 ? k - 1 : 0]);
}

void
costwin_get(const struct costwin *w, struct costwin_pct *out)
{
	uint32_t	sorted[COSTWIN_TICKS];

	memset(out, 0, sizeof *out);
	if (w->n == 0)
		return;
	memcpy(sorted, w->v, w->n * sizeof *sorted);
	qsort(sorted, w->n, sizeof *sorted, costwin_cmp);
	out->n = w->n;
	out->p50 = costwin_rank(sorted, w->n, 50);
	out->p99 = costwin_rank(sorted, w->n, 99);
	out->max = sorted[w->n - 1];
}
