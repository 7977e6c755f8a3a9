/* The instance's state machine and the tick that drives a running area. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "areaload.h"
#include "control.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "session.h"
#include "sim/area.h"
#include "sim/world.h"
#include "ticker.h"
#include "xmalloc.h"

#define PENDING_MAX	65536	/* tickets and tombstones held at once */

static const char *state_names[] = { "idle", "loading", "running",
    "draining" };

const char *
lifecycle_state_name(enum instance_state state)
{
	return (state_names[state]);
}

static void
lifecycle_accept_cb(evutil_socket_t fd, void *arg)
{
	session_new(arg, fd);
}

/*
 * Opens the listeners and the control plane. On failure *cause says why and
 * the result is -2 for a configuration error, -1 for a system one.
 */
int
lifecycle_init(struct instance *inst, struct event_base *base,
    struct options *o, char **cause)
{
	char	*why;
	int	 rv;

	memset(inst, 0, sizeof *inst);
	TAILQ_INIT(&inst->sessions);
	inst->base = base;
	inst->options = o;
	inst->state = STATE_IDLE;
	inst->started_ms = monotonic_ms();
	inst->tick_hz = (unsigned)options_number(o, OPT_TICK_HZ);
	inst->max_clients = (size_t)options_number(o, OPT_MAX_CLIENTS);
	inst->output_limit = (size_t)options_number(o,
	    OPT_CLIENT_OUTPUT_LIMIT);
	inst->ticket_ttl_ms = (uint64_t)options_number(o, OPT_TICKET_TTL);
	inst->sio_config.eio.path = "/socket.io/";
	inst->sio_config.eio.ping_interval = (unsigned)options_number(o,
	    OPT_PING_INTERVAL);
	inst->sio_config.eio.ping_timeout = (unsigned)options_number(o,
	    OPT_PING_TIMEOUT);
	inst->sio_config.eio.max_payload = (size_t)options_number(o,
	    OPT_MAX_PAYLOAD);
	inst->sio_config.eio.output_limit = inst->output_limit;
	inst->sio_config.connect_timeout = (unsigned)options_number(o,
	    OPT_CONNECT_TIMEOUT);
	inst->sio_config.close_on_refusal = 1;

	inst->client_listener = listener_new(base,
	    options_get(o, OPT_CLIENT_LISTEN), lifecycle_accept_cb, inst, &why);
	if (inst->client_listener == NULL) {
		xasprintf(cause, "client-listen %s", why);
		free(why);
		return (-1);
	}
	log_info("listening on=client address=%s",
	    listener_address(inst->client_listener));
	if ((rv = control_init(inst, &why)) != 0) {
		if (rv == -2)
			*cause = why;
		else {
			xasprintf(cause, "control-listen %s", why);
			free(why);
		}
		return (rv);
	}
	log_info("state=idle waiting for an allocation");
	return (0);
}

static void
run_free(struct run *run)
{
	if (run == NULL)
		return;
	ticker_free(run->ticker);
	world_free(run->world);
	area_free(run->area);
	pending_clear(&run->pending);
	json_object_put(run->neighbours);
	free(run->inputs);
	free(run->players_json);
	free(run);
}

/* Appends to the run's players scratch buffer, growing it if needed. */
static void
run_append(struct run *run, size_t *used, const char *s, size_t len)
{
	if (*used + len + 1 > run->players_cap) {
		run->players_cap = (*used + len + 1) * 2;
		run->players_json = xrealloc(run->players_json,
		    run->players_cap);
	}
	memcpy(run->players_json + *used, s, len);
	*used += len;
	run->players_json[*used] = '\0';
}

static size_t
run_players_json(struct run *run)
{
	struct world		*w = run->world;
	struct world_player	*p;
	struct json_object	*name;
	size_t			 used = 0, i;
	char			 buf[256];
	int			 n;

	run_append(run, &used, "[", 1);
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		name = json_object_new_string(p->name);
		n = snprintf(buf, sizeof buf, "%s{\"id\":%u,\"name\":%s,"
		    "\"x\":%.2f,\"y\":%.2f}", i == 0 ? "" : ",", p->id,
		    jsonutil_string(name, NULL), (double)p->x, (double)p->y);
		json_object_put(name);
		run_append(run, &used, buf, (size_t)n);
	}
	run_append(run, &used, "]", 1);
	return (used);
}

/*
 * One tick: drain every client's queued inputs (the seed's "event stack"),
 * step the world, then queue each client's state. The bufferevents flush
 * once the loop goes back to waiting.
 */
static void
lifecycle_tick_cb(uint64_t tick, void *arg)
{
	struct instance	*inst = arg;
	struct run	*run = inst->run;
	struct session	*s;
	size_t		 n = 0, need, len;

	need = inst->nsessions * SESSION_INPUT_QUEUE;
	if (need > run->inputs_cap) {
		run->inputs_cap = need * 2;
		run->inputs = xreallocarray(run->inputs, run->inputs_cap,
		    sizeof *run->inputs);
	}
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->state == SESSION_PLAYING)
			n += session_drain_inputs(s, run->inputs + n);
	}
	world_step(run->world, run->inputs, n);
	len = run_players_json(run);
	TAILQ_FOREACH(s, &inst->sessions, entry)
		session_send_state(s, run->players_json, len, run->world->tick);
	if (tick % 64 == 0)
		pending_sweep(&run->pending, monotonic_ms());
}

/* Neighbours: [{area, control_url, client_url}], all strings. */
int
lifecycle_valid_neighbours(struct json_object *a, char **cause)
{
	struct json_object	*o;
	const char		*v;
	size_t			 i;
	static const char	*keys[] = { "area", "control_url",
				    "client_url" };
	size_t			 k;

	if (!json_object_is_type(a, json_type_array)) {
		*cause = xstrdup("neighbours must be an array");
		return (-1);
	}
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		if (!json_object_is_type(o, json_type_object)) {
			xasprintf(cause, "neighbours[%zu] is not an object", i);
			return (-1);
		}
		for (k = 0; k < 3; k++) {
			if (jsonutil_get_string(o, keys[k], &v) != 0 ||
			    *v == '\0') {
				xasprintf(cause, "neighbours[%zu].%s must be a "
				    "non-empty string", i, keys[k]);
				return (-1);
			}
		}
	}
	return (0);
}

int
lifecycle_set_neighbours(struct instance *inst, struct json_object *a,
    char **cause)
{
	if (lifecycle_valid_neighbours(a, cause) != 0)
		return (-1);
	json_object_put(inst->run->neighbours);
	inst->run->neighbours = json_object_get(a);
	log_info("area=%s neighbours=%zu replaced", inst->run->area->name,
	    json_object_array_length(a));
	return (0);
}

static int
lifecycle_area_exists(struct instance *inst, const char *name)
{
	char	*path;
	int	 exists;

	xasprintf(&path, "%s/%s%s", options_get(inst->options, OPT_AREA_DIR),
	    name, AREALOAD_SUFFIX);
	exists = access(path, F_OK) == 0;
	free(path);
	return (exists);
}

/*
 * idle -> loading -> running. On failure the instance stays idle, *status
 * is the HTTP status (404 unknown area, 422 a map that does not load) and
 * *cause says why.
 */
int
lifecycle_allocate(struct instance *inst, const char *name,
    struct json_object *neighbours, int *status, char **cause)
{
	struct run	*run;
	struct area	*area;
	char		*why;

	if (!areaload_valid_name(name)) {
		*status = 404;
		xasprintf(cause, "unknown area '%s'", name);
		return (-1);
	}
	inst->state = STATE_LOADING;
	log_info("state=loading area=%s", name);
	area = areaload_file(options_get(inst->options, OPT_AREA_DIR), name,
	    &why);
	if (area == NULL) {
		inst->state = STATE_IDLE;
		*status = lifecycle_area_exists(inst, name) ? 422 : 404;
		*cause = why;
		log_warn("state=idle area=%s not loaded: %s", name, why);
		return (-1);
	}
	run = xcalloc(1, sizeof *run);
	run->area = area;
	run->world = world_new(area, inst->tick_hz);
	pending_init(&run->pending, PENDING_MAX);
	run->neighbours = neighbours != NULL ? json_object_get(neighbours) :
	    json_object_new_array();
	run->started_ms = monotonic_ms();
	run->ticker = ticker_new(inst->base, inst->tick_hz, lifecycle_tick_cb,
	    inst);
	inst->run = run;
	inst->state = STATE_RUNNING;
	ticker_start(run->ticker, 0);
	log_info("state=running area=%s size=%dx%d tiles tick_hz=%u", name,
	    area->cols, area->rows, inst->tick_hz);
	return (0);
}

/*
 * running -> draining -> idle: every player is told and let go, tickets
 * are forgotten, the run is freed in one piece.
 */
void
lifecycle_drain(struct instance *inst, const char *why)
{
	struct session	*s, *next;

	if (inst->run == NULL)
		return;
	inst->state = STATE_DRAINING;
	log_info("state=draining area=%s players=%zu: %s",
	    inst->run->area->name, inst->run->world->nplayers, why);
	for (s = TAILQ_FIRST(&inst->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_kick(s, "shutdown", why);
	}
	run_free(inst->run);
	inst->run = NULL;
	inst->state = STATE_IDLE;
	log_info("state=idle");
}

/* Stop: drain the area and close every connection, in or not. */
void
lifecycle_shutdown(struct instance *inst)
{
	struct session	*s, *next;

	lifecycle_drain(inst, "the server is shutting down");
	for (s = TAILQ_FIRST(&inst->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_kick(s, "shutdown", "the server is shutting down");
	}
}

/* After the loop: whatever is left is freed without ceremony. */
void
lifecycle_free(struct instance *inst)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&inst->sessions)) != NULL)
		session_free(s);
	control_free(inst);
	listener_free(inst->client_listener);
	run_free(inst->run);
	inst->run = NULL;
	free(inst->token);
}
