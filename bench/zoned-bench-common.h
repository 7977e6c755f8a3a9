/*
 * zoned-bench: a load generator for zoned (issue 7). One process, one
 * libevent loop: N Socket.IO clients over WebSocket, tickets through the
 * control plane, random walks, and a report of what it cost the server
 * and what the clients saw.
 *
 *	zoned-bench.c		options, the phases of a run, the report
 *	zoned-bench-client.c	one client: TCP, upgrade, wslay, EIO/SIO
 *	zoned-bench-ctl.c	control-plane requests (evhttp)
 *	zoned-bench-hist.c	histograms for percentiles in fixed memory
 *	zoned-bench-scenario.c	the scenario S area and its characters
 *	zoned-bench-floor.c	the cost of a small write() on loopback, one
 *			or one to each of N sockets a tick
 */
#ifndef ZONED_BENCH_COMMON_H
#define ZONED_BENCH_COMMON_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <wslay/wslay.h>

#include "delta.h"

/* Scenario S (issue 7): fixed, so that other servers can run it too. */
#define SCENARIO_SIDE		4096	/* world units, square */
#define SCENARIO_TILE		32
#define SCENARIO_SPEED		100	/* units per second, players and mobs */
#define SCENARIO_TURN_MS	2000	/* a walker changes direction */
#define SCENARIO_MOBS_PER_PLAYER 2
#define SCENARIO_VIEW_RADIUS	400
#define SCENARIO_TICK_HZ	20
#define SCENARIO_MAX_PLAYERS	10000	/* 2N mobs; zoned-area(5): 20000 */

#define BENCH_LAT_RING		64	/* inputs awaiting their state, each */
#define BENCH_PACE_MS		10	/* the walkers' clock */

/*
 * Log-linear buckets: values below HIST_SUB exactly, above that 1/64 of a
 * power of two wide (under 1.6% error). 30 KiB whatever is counted.
 */
#define HIST_SUB_BITS		6
#define HIST_SUB		(1 << HIST_SUB_BITS)
#define HIST_BUCKETS		((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t	 count[HIST_BUCKETS];
	uint64_t	 n;
	uint64_t	 max;
	double		 sum;
};

void		 hist_reset(struct hist *);
void		 hist_add(struct hist *, uint64_t);
uint64_t	 hist_pct(const struct hist *, double);
double		 hist_mean(const struct hist *);

/* One client's connection, from ticket to goodbye. */
enum client_state {
	CLIENT_IDLE = 0,	/* not started */
	CLIENT_TICKET,		/* POST /v1/pending under way */
	CLIENT_RETRY,		/* the ticket was refused for now (409) */
	CLIENT_CONNECTING,	/* TCP connect in progress */
	CLIENT_UPGRADING,	/* HTTP upgrade sent, waiting for the 101 */
	CLIENT_OPENING,		/* waiting for the Engine.IO open packet */
	CLIENT_JOINING,		/* Socket.IO CONNECT sent, no welcome yet */
	CLIENT_PLAYING,		/* welcomed: walking and counting */
	CLIENT_FAILED,		/* never joined; cause says why */
	CLIENT_GONE		/* joined, then lost or closed */
};

/* What one client counted in the measured window. */
struct client_win {
	uint64_t	 ws_bytes;	/* WebSocket payloads received */
	uint64_t	 tcp_bytes;	/* bytes read, with WS framing */
	uint64_t	 msgs;		/* WebSocket messages received */
	uint64_t	 states;	/* deltas or JSON states */
	uint64_t	 gaps;		/* ticks the client got no state for */
	uint64_t	 inputs;
	uint64_t	 sent_bytes;
};

struct bench;

struct client {
	struct bench		*b;
	unsigned		 idx;
	enum client_state	 state;
	const char		*cause;		/* why it failed or went */
	int			 error;		/* fail after the wslay call */
	int			 retries;

	int			 fd;
	struct event		*rev;		/* persistent read */
	struct event		*wev;		/* when wslay has output */
	wslay_event_context_ptr	 ws;
	char			 key[32];	/* Sec-WebSocket-Key */
	char			*hs;		/* the upgrade answer so far */
	size_t			 hslen;
	uint8_t			*pre;		/* read past the 101: wslay's */
	size_t			 prelen, preoff;
	int			 drained;	/* short read: await epoll */

	char			 ticket[64];
	uint64_t		 t_ticket;	/* us: ticket asked for */
	uint64_t		 t_deadline;	/* us: must be welcomed by */
	uint64_t		 t_retry;

	/* The walker. */
	uint64_t		 rng;
	uint32_t		 player;	/* its entity id */
	double			 x, y, speed;
	double			 dx, dy;
	uint64_t		 t_moved, t_turn, t_input;
	uint64_t		 seq;
	struct {
		uint64_t	 seq;
		uint64_t	 t;
	}			 sent[BENCH_LAT_RING];
	unsigned		 sent_head, sent_n;

	/* What it receives. */
	int			 full;		/* decodes whole deltas */
	int			 want_delta;	/* a delta header came */
	unsigned		 skip_att;	/* attachments of others */
	struct delta_view	 view;
	uint64_t		 last_tick;
	struct client_win	 win;
};

void	 client_start(struct client *);
void	 client_pace(struct client *, uint64_t);
void	 client_close(struct client *, const char *);
void	 client_free(struct client *);

/* Control-plane requests; status 0 when no answer came. */
typedef void (*ctl_cb)(int, const char *, size_t, void *);
void	 ctl_request(struct bench *, int, const char *, const char *, int,
	     ctl_cb, void *);
const char *ctl_what(int, char *, size_t);

int	 scenario_area_name(char *, size_t, unsigned);
int	 scenario_write_area(const char *, unsigned, char **);
int	 scenario_write_characters(const char *, const char *, const char *,
	     unsigned, uint64_t, char **);

/* The cost of one small write() to a loopback TCP socket. */
struct floor_result {
	unsigned	 sends;
	size_t		 size;
	double		 mean_us, p50_us, p99_us, max_us;
	double		 clock_us;	/* a clock_gettime, subtracted */
	double		 syscall_us;	/* a system call that does nothing */
};

int	 floor_run(unsigned, size_t, struct floor_result *, char **);
int	 floor_ticks(unsigned, unsigned, unsigned, size_t, int);

/* Phases of a run, in order. */
enum bench_phase {
	BENCH_START = 0,	/* reading /v1/status, allocating */
	BENCH_RAMP,		/* tickets and connections, in batches */
	BENCH_WARMUP,
	BENCH_MEASURE,
	BENCH_FINISH,		/* the last /v1/status */
	BENCH_DONE
};

/* A /v1/status answer, what the report needs of it. */
struct bench_status {
	int		 ok;
	uint64_t	 t;		/* us, when it came */
	uint64_t	 ticks, skipped, tick;
	uint64_t	 last_cost_us, max_cost_us;
	int		 has_cost, has_work;
	uint64_t	 cost[4], work[4];	/* p50, p99, max, ticks */
	int		 has_sync;
	uint64_t	 sync_messages, sync_bytes;
	uint64_t	 sync_resyncs;	/* 0 from a zoned without them */
	uint64_t	 players, clients;
	int		 tick_hz;
	long		 pid;
	char		 state[16];
	char		 area[72];
	char		 format[16];
	long		 view_radius;
	unsigned	 client_port;
};

struct bench {
	struct event_base	*base;

	/* Options. */
	const char		*scenario;
	unsigned		 players;
	char			*control_url;
	char			*client_url;
	const char		*data_dir;
	double			 duration, warmup;
	char			*token;
	char			*area;
	unsigned		 batch, parallel;
	unsigned		 input_ms;
	unsigned		 join_timeout;	/* s */
	uint64_t		 seed;
	int			 json;
	unsigned		 decode;	/* 1 in this many decodes all */
	const char		*prefix;	/* of character ids */

	/* Where. */
	char			 ctl_host[256];
	unsigned		 ctl_port;
	char			 ctl_hostport[300];
	char			 cli_host[256];
	unsigned		 cli_port;
	char			 cli_hostport[300];
	struct sockaddr_storage	 cli_addr;
	socklen_t		 cli_addrlen;

	enum bench_phase	 phase;
	int			 exit_code;
	uint64_t		 mask_rng;	/* WebSocket masks */
	uint64_t		 now;		/* us, monotonic, per wakeup */
	struct client		*clients;
	size_t			 n;
	struct event		*pace;
	struct event		*poll;
	struct event		*phase_timer;

	/* The ramp. */
	size_t			 started;	/* clients given a ticket */
	size_t			 batch_end;
	size_t			 finished;	/* joined or failed */
	unsigned		 in_flight;	/* tickets asked for */
	uint64_t		 ramp_t0, ramp_t1;
	size_t			 joined, join_failed;

	/* What came, from the clients. */
	int			 measuring;
	uint64_t		 t0, t1;	/* the measured window */
	size_t			 active0;	/* clients playing at t0 */
	uint64_t		 max_tick;	/* highest tick a client saw */
	uint64_t		 tick0, tick1;
	struct hist		 join;		/* us */
	struct hist		 latency;	/* us */
	struct hist		 seen;		/* entities per state */
	uint64_t		 deltas, json_states;	/* whole run */
	uint64_t		 events, error_events;
	uint64_t		 decode_errors, tick_back;
	uint64_t		 lat_lost;
	uint64_t		 disconnects;
	int			 delta_version;
	long			 view_radius;	/* from the welcome */
	char			 format[16];	/* from the welcome */
	int			 tick_hz;
	unsigned		 warned;

	/* What came, from the server. */
	struct bench_status	 first, s0, s1;
	struct hist		 last_cost;	/* us, one a poll */
	uint64_t		 max_p99;
	unsigned		 polls_in_flight;
	int			 server_local;	/* its /proc is ours to read */
	uint64_t		 cpu0, cpu1;	/* us of zoned's CPU */
	uint64_t		 self0, self1;	/* us of our CPU */
	int			 has_sys;
	uint64_t		 sys0, sys1;	/* us of all CPUs busy */
	uint64_t		 irq0, irq1;	/* us in interrupts */
};

uint64_t bench_now(void);
void	 bench_warn(struct bench *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));
void	 bench_client_joined(struct client *);
void	 bench_client_failed(struct client *);
void	 bench_client_gone(struct client *);
void	 bench_client_ticket_done(struct client *);
void	 bench_client_state(struct client *, uint64_t, size_t);

#endif
