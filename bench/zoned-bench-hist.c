/*
 * Histograms for percentiles: a million latencies cost the same 30 KiB
 * as ten, and adding one is a few instructions, so the clients count
 * every sample instead of keeping them.
 */
#include "config.h"

#include <string.h>

#include "zoned-bench-common.h"

/* Bucket of v: exact below HIST_SUB, then HIST_SUB per power of two. */
static size_t
hist_bucket(uint64_t v)
{
	int	msb;

	if (v < HIST_SUB)
		return ((size_t)v);
	msb = 63 - __builtin_clzll(v);
	return ((size_t)(msb - HIST_SUB_BITS + 1) * HIST_SUB +
	    (size_t)((v >> (msb - HIST_SUB_BITS)) - HIST_SUB));
}

/* The middle of bucket i: what a percentile falling in it reports. */
static uint64_t
hist_value(size_t i)
{
	size_t		group = i / HIST_SUB, sub = i % HIST_SUB;
	unsigned	shift;
	uint64_t	lo;

	if (group == 0)
		return ((uint64_t)i);
	shift = (unsigned)group - 1;
	lo = (uint64_t)(HIST_SUB + sub) << shift;
	return (lo + ((((uint64_t)1) << shift) >> 1));
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

void
hist_add(struct hist *h, uint64_t v)
{
	h->count[hist_bucket(v)]++;
	h->n++;
	h->sum += (double)v;
	if (v > h->max)
		h->max = v;
}

/* The q-quantile (0 < q <= 1), or 0 if nothing was counted. */
uint64_t
hist_pct(const struct hist *h, double q)
{
	uint64_t	rank, seen = 0, v;
	size_t		i;

	if (h->n == 0)
		return (0);
	rank = (uint64_t)(q * (double)h->n + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank) {
			v = hist_value(i);
			return (v > h->max ? h->max : v);
		}
	}
	return (h->max);
}

double
hist_mean(const struct hist *h)
{
	return (h->n == 0 ? 0.0 : h->sum / (double)h->n);
}
