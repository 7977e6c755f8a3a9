/*
 * A fixed-rate tick on the libevent loop: steps are due at start + k *
 * period on the monotonic clock, so the rate does not drift; a late wakeup
 * runs the missed steps (at most TICKER_MAX_CATCHUP) and skips the rest.
 */
#ifndef TICKER_H
#define TICKER_H

#include <stdint.h>

#include "costwin.h"

#define TICKER_MAX_CATCHUP	5

struct event_base;
struct ticker;

typedef void (*ticker_cb)(uint64_t, void *);

struct ticker_stats {
	uint64_t	ticks;		/* steps run */
	uint64_t	skipped;	/* steps dropped after a long stall */
	uint64_t	last_cost_ns;	/* time spent in the last step */
	uint64_t	max_cost_ns;
	struct costwin	cost;		/* the last steps' costs, us */
};

struct ticker	*ticker_new(struct event_base *, unsigned, ticker_cb, void *);
void		 ticker_free(struct ticker *);
void		 ticker_start(struct ticker *, uint64_t, int);
void		 ticker_fire_now(struct ticker *);
const struct ticker_stats *ticker_stats(const struct ticker *);
uint64_t	 monotonic_ns(void);
uint64_t	 monotonic_ms(void);

#endif
