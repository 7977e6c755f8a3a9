/* The instance's state machine and the tick that drives a running area. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "areaload.h"
#include "dataapi.h"
#include "prepare.h"
#include "questdef.h"
#include "writeback.h"
#include "control.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "migrate.h"
#include "session.h"
#include "sync.h"
#include "takeover.h"
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

/* A character was lost to another owner: its player is told and let go. */
static void
lifecycle_lost_cb(const char *id, const char *why, void *arg)
{
	struct instance	*inst = arg;
	struct session	*s;

	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->owned != NULL && s->character_id != NULL &&
		    strcmp(s->character_id, id) == 0)
			session_lost(s, why);
	}
}

static void
lifecycle_replayed_cb(void *arg)
{
	*(int *)arg = 1;
}

/*
 * The state directory, the data API clients and the write-back spool.
 * What the spool holds is written back before the instance reports idle.
 */
static int
lifecycle_data_init(struct instance *inst, int replay, char **cause)
{
	struct options		*o = inst->options;
	struct dataapi_config	 dc;
	const char		*dir = options_get(o, OPT_STATE_DIR);
	char			*abs;
	int			 replayed = 0;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		xasprintf(cause, "state-dir %s: %s", dir, strerror(errno));
		return (-2);
	}
	if (access(dir, W_OK) == -1) {
		xasprintf(cause, "state-dir %s: %s", dir, strerror(errno));
		return (-2);
	}
	if ((abs = realpath(dir, NULL)) == NULL) {
		xasprintf(cause, "state-dir %s: %s", dir, strerror(errno));
		return (-2);
	}
	if (options_get(o, OPT_CHARACTER_API) != NULL)
		inst->character_base = xstrdup(options_get(o,
		    OPT_CHARACTER_API));
	else
		xasprintf(&inst->character_base, "file://%s/data", abs);
	if (options_get(o, OPT_QUEST_API) != NULL)
		inst->quest_base = xstrdup(options_get(o, OPT_QUEST_API));
	else
		xasprintf(&inst->quest_base, "file://%s/data", abs);
	free(abs);
	if (dataapi_valid_base(inst->character_base, cause) != 0 ||
	    dataapi_valid_base(inst->quest_base, cause) != 0)
		return (-2);
	memset(&dc, 0, sizeof dc);
	dc.timeout_ms = (unsigned)options_number(o, OPT_API_TIMEOUT);
	dc.connect_timeout_ms = dc.timeout_ms;
	dc.max_in_flight = (unsigned)options_number(o, OPT_API_MAX_IN_FLIGHT);
	dc.max_queued = 65536;
	dc.max_response = 16 * 1024 * 1024;
	inst->api = dataapi_new(inst->base, &dc);
	/*
	 * Requests to neighbours (hand-overs) have a pool of their own: were
	 * they to share the data APIs' slots, two instances offering players
	 * to each other could each wait for the other's quest fetches.
	 */
	dc.max_in_flight = LIFECYCLE_PEER_IN_FLIGHT;
	inst->peer_api = dataapi_new(inst->base, &dc);
	inst->wb = writeback_new(inst->base, inst->api, dir,
	    lifecycle_lost_cb, inst);
	log_info("character-api=%s quest-api=%s", inst->character_base,
	    inst->quest_base);
	if (!replay)
		return (0);	/* the old process's spool comes with it */
	if (writeback_replay(inst->wb, cause) != 0)
		return (-2);
	writeback_when_idle(inst->wb, lifecycle_replayed_cb, &replayed);
	while (!replayed)
		event_base_loop(inst->base, EVLOOP_ONCE);
	if (writeback_stats(inst->wb)->spooled != 0)
		log_warn("spool: %zu write-back(s) still waiting for the "
		    "Character Data API; retrying in the background",
		    writeback_stats(inst->wb)->spooled);
	return (0);
}

/* What every start shares: settings, the state directory, the APIs. */
static int
lifecycle_init_common(struct instance *inst, struct event_base *base,
    struct options *o, int replay, char **cause)
{
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
	inst->takeover_fds[0] = inst->takeover_fds[1] = -1;
	TAILQ_INIT(&inst->preps);
	TAILQ_INIT(&inst->handoffs);
	TAILQ_INIT(&inst->handoff_recent);
	return (lifecycle_data_init(inst, replay, cause));
}

/*
 * A replacement (--takeover): like lifecycle_init, but the spool, the
 * listeners and everything else come from the old process (takeover.c).
 */
int
lifecycle_init_takeover(struct instance *inst, struct event_base *base,
    struct options *o, char **cause)
{
	return (lifecycle_init_common(inst, base, o, 0, cause));
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

	if ((rv = lifecycle_init_common(inst, base, o, 1, cause)) != 0)
		return (rv);
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

void
lifecycle_run_free(struct run *run)
{
	if (run == NULL)
		return;
	ticker_free(run->ticker);
	if (run->writeback_timer != NULL)
		event_free(run->writeback_timer);
	json_object_put(run->quests);
	world_free(run->world);
	area_free(run->area);
	pending_clear(&run->pending);
	json_object_put(run->neighbours);
	free(run->inputs);
	free(run->players_json);
	free(run->event_keys);
	sync_free(run->sync);
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

/*
 * The part of every client's state that is the same for all:
 * "players":[...],"mobs":[...] (living mobs only). Built once per tick.
 */
static size_t
run_players_json(struct run *run)
{
	struct world		*w = run->world;
	struct world_player	*p;
	struct world_mob	*m;
	struct json_object	*name;
	size_t			 used = 0, i;
	char			 buf[384];
	int			 n, first = 1;

	run_append(run, &used, "\"players\":[", 11);
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		name = json_object_new_string(p->name);
		n = snprintf(buf, sizeof buf, "%s{\"id\":%u,\"name\":%s,"
		    "\"x\":%.2f,\"y\":%.2f,\"hp\":%d,\"max_hp\":%d,"
		    "\"level\":%u,\"dead\":%s}", i == 0 ? "" : ",", p->id,
		    jsonutil_string(name, NULL), (double)p->x, (double)p->y,
		    (int)p->hp, (int)p->max_hp, p->level,
		    p->respawn_at != 0 ? "true" : "false");
		json_object_put(name);
		run_append(run, &used, buf, (size_t)n);
	}
	run_append(run, &used, "],\"mobs\":[", 10);
	for (i = 0; i < w->nmobs; i++) {
		m = &w->mobs[i];
		if (m->state == MOB_DEAD)
			continue;
		n = snprintf(buf, sizeof buf, "%s{\"id\":%u,\"kind\":\"%s\","
		    "\"x\":%.2f,\"y\":%.2f,\"hp\":%d,\"state\":\"%s\"}",
		    first ? "" : ",", m->id,
		    run->area->spawners[m->spawner].kind, (double)m->x,
		    (double)m->y, (int)m->hp,
		    world_mob_state_name((enum mob_state)m->state));
		first = 0;
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
	uint64_t	 started_ns = monotonic_ns();

	/* A migration takes over at a tick boundary, before the step. */
	if (inst->handed_over || (inst->migration != NULL &&
	    migrate_tick(inst)))
		return;
	if (inst->stopped_ns != 0) {
		/* The first tick after a migration: how long the world stood. */
		inst->migrate.last_pause_us = (monotonic_ns() -
		    inst->stopped_ns) / 1000;
		inst->stopped_ns = 0;
		log_info("migration: first tick=%llu pause_ms=%.3f",
		    (unsigned long long)run->world->tick,
		    (double)inst->migrate.last_pause_us / 1000.0);
		takeover_first_tick(inst->migrate.last_pause_us);
	}
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
	handoff_tick(inst);
	if (options_choice(inst->options, OPT_STATE_FORMAT) ==
	    SESSION_FORMAT_JSON) {
		len = run_players_json(run);
		TAILQ_FOREACH(s, &inst->sessions, entry)
			session_send_state(s, run->players_json, len,
			    run->world->tick);
	} else
		sync_tick(inst, started_ns);
	if (tick % 64 == 0)
		pending_sweep(&run->pending, monotonic_ms());
}

/*
 * A replacement adopts the listening sockets of the old process (after
 * the commit): clients waiting in their backlogs are served from here.
 */
void
lifecycle_adopt_listeners(struct instance *inst)
{
	inst->client_listener = listener_new_fd(inst->base,
	    inst->takeover_fds[0], lifecycle_accept_cb, inst);
	listener_enable(inst->client_listener, 1);
	control_init_fd(inst, inst->takeover_fds[1]);
	inst->takeover_fds[0] = inst->takeover_fds[1] = -1;
	log_info("listening on=client address=%s (taken over)",
	    listener_address(inst->client_listener));
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
 * Every writeback-interval: note where each player is, and write the
 * characters that changed (DESIGN.md section 7: a crash loses at most one
 * interval).
 */
static void
lifecycle_writeback_cb(evutil_socket_t fd, short events, void *arg)
{
	struct instance	*inst = arg;
	struct session	*s;

	TAILQ_FOREACH(s, &inst->sessions, entry)
		session_sync(s);
	writeback_flush_dirty(inst->wb);
}

/*
 * inst->run starts ticking at first_tick (now, or one period from now)
 * and writing back every writeback-interval. A first tick due now runs
 * before this returns.
 */
void
lifecycle_run_start(struct instance *inst, uint64_t first_tick, int at_once)
{
	struct run	*run = inst->run;
	struct timeval	 tv;

	inst->state = STATE_RUNNING;
	run->ticker = ticker_new(inst->base, inst->tick_hz, lifecycle_tick_cb,
	    inst);
	ticker_start(run->ticker, first_tick, at_once);
	run->writeback_timer = event_new(inst->base, -1, EV_PERSIST,
	    lifecycle_writeback_cb, inst);
	tv.tv_sec = (time_t)options_number(inst->options,
	    OPT_WRITEBACK_INTERVAL);
	tv.tv_usec = 0;
	evtimer_add(run->writeback_timer, &tv);
	if (at_once)
		ticker_fire_now(run->ticker);
}

/* The area's quests arrived (or not): running, or back to idle. */
static void
lifecycle_quests_cb(const struct dataapi_response *r, void *arg)
{
	struct instance		*inst = arg;
	struct run		*run = inst->loading;
	lifecycle_allocate_cb	 cb = inst->loading_cb;
	struct json_object	*q = NULL, *list;
	struct world_quest	*defs;
	size_t			 nq;
	char			*cause = NULL, *why = NULL;
	int			 status = 502;

	inst->loading_req = NULL;
	inst->loading = NULL;
	if (r->status == 200 && (q = jsonutil_parse(r->body, r->len,
	    &cause)) != NULL && (!json_object_object_get_ex(q, "quests",
	    &list) || !json_object_is_type(list, json_type_array))) {
		json_object_put(q);
		q = NULL;
		cause = xstrdup("no \"quests\" array");
	}
	if (q == NULL) {
		if (r->timed_out)
			status = 504;
		if (r->status == 0)
			xasprintf(&why, "Quest Data API: area quests: %s",
			    r->error);
		else if (r->status != 200)
			xasprintf(&why, "Quest Data API: area quests: HTTP %d",
			    r->status);
		else
			xasprintf(&why, "Quest Data API: area quests: %s",
			    cause);
		free(cause);
		log_warn("state=idle area=%s not allocated: %s",
		    run->area->name, why);
		lifecycle_run_free(run);
		inst->state = STATE_IDLE;
		cb(status, why, inst->loading_arg);
		free(why);
		return;
	}
	run->quests = q;
	nq = questdef_parse(q, &defs);
	world_set_quests(run->world, defs, nq);
	free(defs);
	inst->run = run;
	lifecycle_run_start(inst, 0, 0);
	log_info("state=running area=%s size=%dx%d tiles tick_hz=%u "
	    "quests=%zu", run->area->name, run->area->cols, run->area->rows,
	    inst->tick_hz, json_object_array_length(list));
	cb(200, NULL, inst->loading_arg);
}

/*
 * idle -> loading -> running: load the map, fetch the quests given out in
 * the area, then tick. cb runs once, later (never from inside this call
 * unless the map itself fails): 200, or 404 unknown area, 422 a map that
 * does not load, 502/504 the Quest Data API failed. The instance must be
 * idle.
 */
void
lifecycle_allocate(struct instance *inst, const char *name,
    struct json_object *neighbours, lifecycle_allocate_cb cb, void *arg)
{
	struct run	*run;
	struct area	*area;
	char		*why, *esc, *path;

	if (!areaload_valid_name(name)) {
		xasprintf(&why, "unknown area '%s'", name);
		cb(404, why, arg);
		free(why);
		return;
	}
	inst->state = STATE_LOADING;
	log_info("state=loading area=%s", name);
	area = areaload_file(options_get(inst->options, OPT_AREA_DIR), name,
	    &why);
	if (area == NULL) {
		inst->state = STATE_IDLE;
		log_warn("state=idle area=%s not loaded: %s", name, why);
		cb(lifecycle_area_exists(inst, name) ? 422 : 404, why, arg);
		free(why);
		return;
	}
	run = xcalloc(1, sizeof *run);
	run->area = area;
	/*
	 * The world is deterministic given its seed; the seed itself only
	 * has to differ between runs, and is logged so a run can be replayed.
	 */
	run->seed = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
	    monotonic_ns();
	run->world = world_new(area, inst->tick_hz, run->seed);
	log_info("area=%s world seed=%llu mobs=%zu npcs=%zu", name,
	    (unsigned long long)run->seed, run->world->nmobs, area->nnpcs);
	pending_init(&run->pending, PENDING_MAX);
	run->neighbours = neighbours != NULL ? json_object_get(neighbours) :
	    json_object_new_array();
	run->started_ms = monotonic_ms();
	inst->loading = run;
	inst->loading_cb = cb;
	inst->loading_arg = arg;
	esc = dataapi_escape(name);
	xasprintf(&path, "/areas/%s/quests", esc);
	inst->loading_req = dataapi_send(inst->api, "GET", inst->quest_base,
	    path, NULL, NULL, 0, lifecycle_quests_cb, inst);
	free(path);
	free(esc);
}

/*
 * running -> draining -> idle: preparations are refused, every player is
 * told, let go and written back, tickets are forgotten, and the run is
 * freed in one piece. The write-backs go on (or wait in the spool).
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
	prepare_abort_all(inst);
	handoff_free_all(inst);
	for (s = TAILQ_FIRST(&inst->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_kick(s, "shutdown", why);
	}
	lifecycle_run_free(inst->run);
	inst->run = NULL;
	inst->state = STATE_IDLE;
	log_info("state=idle");
}

/*
 * Stop: drain the area, close every connection, and call done once every
 * write-back has landed or is safe in the spool.
 */
void
lifecycle_shutdown(struct instance *inst, void (*done)(void *), void *arg)
{
	struct session	*s, *next;

	inst->stopping = 1;
	migrate_abort(inst, "the server is shutting down");
	if (inst->loading_req != NULL) {
		dataapi_cancel(inst->loading_req);
		inst->loading_req = NULL;
		inst->loading_cb(503, "the server is shutting down",
		    inst->loading_arg);
		lifecycle_run_free(inst->loading);
		inst->loading = NULL;
		inst->state = STATE_IDLE;
	}
	lifecycle_drain(inst, "the server is shutting down");
	for (s = TAILQ_FIRST(&inst->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_kick(s, "shutdown", "the server is shutting down");
	}
	writeback_when_idle(inst->wb, done, arg);
}

/* After the loop: whatever is left is freed without ceremony. */
void
lifecycle_free(struct instance *inst)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&inst->sessions)) != NULL)
		session_free(s);
	while (!TAILQ_EMPTY(&inst->preps))
		prepare_abort_all(inst);
	handoff_free_all(inst);
	control_free(inst);
	listener_free(inst->client_listener);
	lifecycle_run_free(inst->run);
	inst->run = NULL;
	if (inst->loading_req != NULL)
		dataapi_cancel(inst->loading_req);
	lifecycle_run_free(inst->loading);
	inst->loading = NULL;
	area_free(inst->takeover_area);
	inst->takeover_area = NULL;
	if (inst->wind_down_ev != NULL)
		event_free(inst->wind_down_ev);
	writeback_free(inst->wb);
	dataapi_free(inst->api);
	dataapi_free(inst->peer_api);
	free(inst->character_base);
	free(inst->quest_base);
	free(inst->token);
}
