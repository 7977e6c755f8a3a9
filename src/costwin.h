/*
 * A window of the last costs (microseconds) of something done every
 * tick, for percentiles: /v1/status shows p50/p99/max of the tick's cost
 * and of its work over the last COSTWIN_TICKS ticks. Fixed memory; an
 * add is O(1), a query copies and sorts the window.
 */
#ifndef COSTWIN_H
#define COSTWIN_H

#include <stddef.h>
#include <stdint.h>

#define COSTWIN_TICKS	1200	/* a minute at 20 Hz */

struct costwin {
	uint32_t	 v[COSTWIN_TICKS];
	size_t		 n;		/* filled, up to COSTWIN_TICKS */
	size_t		 next;		/* where the next goes */
};

struct costwin_pct {
	size_t		 n;
	uint32_t	 p50, p99, max;
};

void	costwin_add(struct costwin *, uint64_t);
void	costwin_get(const struct costwin *, struct costwin_pct *);

#endif
