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

#include "options.h"
#include "pending.h"
#include "siosock.h"

struct area;
struct dataapi;
struct dataapi_request;
struct evhttp;
struct event;
struct prepare;
struct writeback;
struct event_base;
struct json_object;
struct listener;
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
};

TAILQ_HEAD(session_list, session);
TAILQ_HEAD(prepare_list, prepare);

/* The answer to an allocation: 200, or 404/422/502/504 with a cause. */
typedef void (*lifecycle_allocate_cb)(int, const char *, void *);

struct instance {
	struct event_base	*base;
	struct options		*options;
	enum instance_state	 state;
	struct run		*run;
	struct listener		*client_listener;
	struct evhttp		*control;
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
	struct writeback	*wb;
	char			*character_base;
	char			*quest_base;
	struct prepare_list	 preps;		/* POST /v1/pending under way */
	int			 stopping;	/* shutting down: no new work */
	/* An allocation whose quest metadata is being fetched. */
	struct dataapi_request	*loading_req;
	struct run		*loading;
	lifecycle_allocate_cb	 loading_cb;
	void			*loading_arg;
};

int		 lifecycle_init(struct instance *, struct event_base *,
		     struct options *, char **);
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
