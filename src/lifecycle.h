/*
 * The instance's state machine (DESIGN.md section 1):
 *	idle -> loading -> running -> draining -> idle
 * State is split by lifetime, as ioquake3 splits svs and sv: struct
 * instance lives as long as the process; struct run is one allocation of an
 * area and is freed in one piece by drain.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/util.h>

#include "handoff.h"
#include "options.h"
#include "pending.h"
#include "siosock.h"

struct area;
struct dataapi;
struct dataapi_request;
struct evhttp;
struct evhttp_bound_socket;
struct event;
struct prepare;
struct sync;
struct writeback;
struct event_base;
struct json_object;
struct listener;
struct migration;
struct session;
struct ticker;
struct world;
struct world_input;

enum instance_state {
	STATE_IDLE,		/* no area; clients are refused */
	STATE_LOADING,		/* an area is being loaded */
	STATE_RUNNING,		/* ticking; clients with tickets get in */
	STATE_DRAINING		/* players are being written back and let go */
};

struct run {
	struct area		*area;
	struct world		*world;
	struct pending_table	 pending;
	struct ticker		*ticker;
	struct json_object	*neighbours;	/* array, as allocated */
	struct json_object	*quests;	/* given out here: {"quests"} */
	struct event		*writeback_timer;
	uint64_t		 started_ms;
	uint64_t		 seed;		/* of the world's generator */
	/* Per-tick scratch, reused every tick. */
	struct world_input	*inputs;
	size_t			 inputs_cap;
	char			*players_json;
	size_t			 players_cap;
	/* The tick's events by player: player << 32 | index, sorted. */
	uint64_t		*event_keys;
	size_t			 nevent_keys, event_keys_cap;
	uint64_t		 event_keys_tick;	/* tick + 1 built for */
	struct sync		*sync;		/* made at the first tick */
};

TAILQ_HEAD(session_list, session);
TAILQ_HEAD(prepare_list, prepare);
TAILQ_HEAD(handoff_list, handoff);
TAILQ_HEAD(handoff_recent_list, handoff_recent);

/* Live migrations, as /v1/status and /metrics report them. */
struct migrate_stats {
	uint64_t	 count;		/* taken over (carried to the new) */
	uint64_t	 failed;	/* called off here */
	uint64_t	 last_pause_us;	/* world stopped: old's stop to new's
					   first tick */
	size_t		 last_bytes;	/* snapshot */
	size_t		 last_fds;
	size_t		 last_sessions;
	char		 last_error[256];
};

/* The answer to an allocation: 200, or 404/422/502/504 with a cause. */
typedef void (*lifecycle_allocate_cb)(int, const char *, void *);

struct instance {
	struct event_base	*base;
	struct options		*options;
	enum instance_state	 state;
	struct run		*run;
	struct listener		*client_listener;
	struct evhttp		*control;
	struct evhttp_bound_socket *control_bound;
	int			 control_port;
	char			*token;		/* NULL: no token required */
	struct session_list	 sessions;
	size_t			 nsessions;
	uint32_t		 next_session_id;
	struct siosock_config	 sio_config;
	uint64_t		 started_ms;
	unsigned		 tick_hz;
	size_t			 max_clients;
	size_t			 output_limit;
	uint64_t		 ticket_ttl_ms;
	struct dataapi		*api;
	struct dataapi		*peer_api;	/* requests to neighbours */
	struct writeback	*wb;
	char			*character_base;
	char			*quest_base;
	struct prepare_list	 preps;		/* POST /v1/pending under way */
	struct handoff_list	 handoffs;	/* players crossing to neighbours */
	struct handoff_recent_list handoff_recent; /* handed over lately */
	struct handoff_stats	 handoff;
	int			 stopping;	/* shutting down: no new work */
	/* An allocation whose quest metadata is being fetched. */
	struct dataapi_request	*loading_req;
	struct run		*loading;
	lifecycle_allocate_cb	 loading_cb;
	void			*loading_arg;
	/* Live migration (migrate.c, takeover.c, snapshot.c). */
	char			**argv;		/* to start a replacement */
	char			*exe;		/* the binary we run */
	struct migration	*migration;	/* under way, or NULL */
	struct migrate_stats	 migrate;
	int			 handed_over;	/* a replacement runs on */
	evutil_socket_t		 takeover_fds[2]; /* listeners, until resume */
	struct area		*takeover_area;	/* loaded before the snapshot */
	uint64_t		 stopped_ns;	/* the old process's last tick */
	uint64_t		 wind_down_ms;	/* handed over: exit by then */
	struct event		*wind_down_ev;
};

/* Requests to neighbours under way at once (the rest wait their turn). */
#define LIFECYCLE_PEER_IN_FLIGHT	1024

/*
 * Ids the listening sockets travel under (sessions use their own ids), and
 * the memory the snapshot is written into (migrate.c).
 */
#define LIFECYCLE_FD_CLIENT	0xfffffff0U
#define LIFECYCLE_FD_CONTROL	0xfffffff1U
#define LIFECYCLE_FD_SNAPSHOT	0xfffffff2U

int		 lifecycle_init(struct instance *, struct event_base *,
		     struct options *, char **);
int		 lifecycle_init_takeover(struct instance *,
		     struct event_base *, struct options *, char **);
void		 lifecycle_run_start(struct instance *, uint64_t, int);
void		 lifecycle_run_free(struct run *);
void		 lifecycle_adopt_listeners(struct instance *);
void		 lifecycle_free(struct instance *);
void		 lifecycle_allocate(struct instance *, const char *,
		     struct json_object *, lifecycle_allocate_cb, void *);
void		 lifecycle_drain(struct instance *, const char *);
void		 lifecycle_shutdown(struct instance *, void (*)(void *),
		     void *);
const char	*lifecycle_state_name(enum instance_state);
int		 lifecycle_set_neighbours(struct instance *,
		     struct json_object *, char **);
int		 lifecycle_valid_neighbours(struct json_object *, char **);

#endif
