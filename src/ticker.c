/* The fixed-rate simulation clock (ioquake3's SV_Frame idea). */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "ticker.h"
#include "xmalloc.h"

struct ticker {
	struct event		*ev;
	uint64_t		 period_ns;
	uint64_t		 next_ns;	/* when the next step is due */
	uint64_t		 tick;		/* number of the next step */
	ticker_cb		 cb;
	void			*arg;
	struct ticker_stats	 stats;
};

uint64_t
monotonic_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

uint64_t
monotonic_ms(void)
{
	return (monotonic_ns() / 1000000ULL);
}

static void
ticker_schedule(struct ticker *t, uint64_t now)
{
	uint64_t	wait = t->next_ns > now ? t->next_ns - now : 0;
	struct timeval	tv;

	tv.tv_sec = (time_t)(wait / 1000000000ULL);
	tv.tv_usec = (suseconds_t)((wait % 1000000000ULL) / 1000);
	evtimer_add(t->ev, &tv);
}

static void
ticker_fire_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ticker	*t = arg;
	uint64_t	 now, start, missed;
	unsigned	 steps = 0;

	now = monotonic_ns();
	while (now >= t->next_ns && steps < TICKER_MAX_CATCHUP) {
		start = monotonic_ns();
		t->cb(t->tick, t->arg);
		t->tick++;
		t->stats.ticks++;
		t->next_ns += t->period_ns;
		steps++;
		now = monotonic_ns();
		t->stats.last_cost_ns = now - start;
		if (t->stats.last_cost_ns > t->stats.max_cost_ns)
			t->stats.max_cost_ns = t->stats.last_cost_ns;
		costwin_add(&t->stats.cost, t->stats.last_cost_ns / 1000);
	}
	if (now >= t->next_ns) {
		missed = (now - t->next_ns) / t->period_ns + 1;
		t->next_ns += missed * t->period_ns;
		t->stats.skipped += missed;
		log_warn("tick=%llu fell behind: skipped %llu steps",
		    (unsigned long long)t->tick, (unsigned long long)missed);
	}
	ticker_schedule(t, now);
}

/* Caller frees with ticker_free. Nothing runs before ticker_start. */
struct ticker *
ticker_new(struct event_base *base, unsigned hz, ticker_cb cb, void *arg)
{
	struct ticker	*t;

	t = xcalloc(1, sizeof *t);
	t->period_ns = 1000000000ULL / hz;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(base, ticker_fire_cb, t);
	return (t);
}

void
ticker_free(struct ticker *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

/* The first step (numbered first_tick) runs one period from now. */
/* The first step is first_tick, due now (at_once) or a period from now. */
void
ticker_start(struct ticker *t, uint64_t first_tick, int at_once)
{
	uint64_t	now = monotonic_ns();

	t->tick = first_tick;
	t->next_ns = at_once ? now : now + t->period_ns;
	ticker_schedule(t, now);
}

/*
 * Runs the steps due now, here rather than from the loop: a first step
 * due at once after a migration's pause would otherwise wait behind the
 * I/O of that loop pass, every client's input of the pause and the acks
 * (20 ms at 1,000 clients).
 */
void
ticker_fire_now(struct ticker *t)
{
	ticker_fire_cb(-1, 0, t);
}

const struct ticker_stats *
ticker_stats(const struct ticker *t)
{
	return (&t->stats);
}
