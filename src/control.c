/*
 * Control-plane handlers. Every request but GET /healthz needs the bearer
 * token when one is configured; bodies are JSON; a bad request gets a 4xx
 * with {"error": ...} and changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "areaload.h"
#include "control.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "migrate.h"
#include "pending.h"
#include "prepare.h"
#include "writeback.h"
#include "dataapi.h"
#include "handoff.h"
#include "session.h"
#include "sim/area.h"
#include "sim/world.h"
#include "sync.h"
#include "ticker.h"
#include "xmalloc.h"

#define CHARACTER_ID_MAX	128

static void
control_reply(struct evhttp_request *req, int status, struct json_object *o)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	const char	*text;
	size_t		 len;

	text = jsonutil_string(o, &len);
	evbuffer_add(out, text, len);
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, status, NULL, NULL);
	json_object_put(o);
}

static void
control_error(struct evhttp_request *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
control_error(struct evhttp_request *req, int status, const char *fmt, ...)
{
	struct json_object	*o;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	log_info("control %s %s -> %d: %s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" :
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    evhttp_request_get_command(req) == EVHTTP_REQ_PUT ? "PUT" :
	    evhttp_request_get_command(req) == EVHTTP_REQ_DELETE ? "DELETE" :
	    "?", evhttp_request_get_uri(req), status, msg);
	free(msg);
	control_reply(req, status, o);
}

static void
control_conflict(struct evhttp_request *req, struct instance *inst)
{
	control_error(req, 409, "not allowed in state %s",
	    lifecycle_state_name(inst->state));
}

/*
 * A request answered later (after a Data API round trip). If the client
 * hangs up meanwhile, evhttp frees the request: the close callback tells
 * us, and the answer is dropped.
 */
struct control_wait {
	struct evhttp_request		*req;
	struct evhttp_connection	*conn;
	char				*what;	/* for the log */
	struct json_object		*ok;	/* the answer on success */
};

static void
control_wait_closed_cb(struct evhttp_connection *conn, void *arg)
{
	struct control_wait	*w = arg;

	w->req = NULL;
}

static struct control_wait *
control_wait_new(struct evhttp_request *req, const char *what)
{
	struct control_wait	*w;

	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->conn = evhttp_request_get_connection(req);
	w->what = xstrdup(what);
	evhttp_connection_set_closecb(w->conn, control_wait_closed_cb, w);
	return (w);
}

/* Answers (if the client is still there) and frees w. Takes o. */
static void
control_wait_done(struct control_wait *w, int status, struct json_object *o)
{
	if (w->req != NULL) {
		evhttp_connection_set_closecb(w->conn, NULL, NULL);
		control_reply(w->req, status, o);
	} else {
		log_info("control %s -> %d, but the client had gone", w->what,
		    status);
		json_object_put(o);
	}
	json_object_put(w->ok);
	free(w->what);
	free(w);
}

static void
control_wait_error(struct control_wait *w, int status, const char *cause)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(cause));
	log_info("control %s -> %d: %s", w->what, status, cause);
	control_wait_done(w, status, o);
}

/* The request body as a JSON object, or NULL after answering 400. */
static struct json_object *
control_body(struct evhttp_request *req)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct json_object	*o;
	size_t			 len = evbuffer_get_length(in);
	char			*cause;

	if (len == 0) {
		control_error(req, 400, "a JSON object body is required");
		return (NULL);
	}
	o = jsonutil_parse((const char *)evbuffer_pullup(in, -1), len, &cause);
	if (o == NULL) {
		control_error(req, 400, "%s", cause);
		free(cause);
		return (NULL);
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		control_error(req, 400, "the body must be a JSON object");
		return (NULL);
	}
	return (o);
}

/* Constant-time comparison, so the token does not leak through timing. */
static int
control_authorized(struct instance *inst, struct evhttp_request *req)
{
	const char	*h;
	size_t		 i, tlen, hlen;
	unsigned char	 diff = 0;

	if (inst->token == NULL)
		return (1);
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return (0);
	h += 7;
	tlen = strlen(inst->token);
	hlen = strlen(h);
	for (i = 0; i < tlen; i++)
		diff |= (unsigned char)inst->token[i] ^
		    (unsigned char)(i < hlen ? h[i] : 0);
	return (diff == 0 && hlen == tlen);
}

static void
control_add_int(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* Data API latency and errors, and the write-back spool. */
static void
control_status_data(struct instance *inst, struct json_object *o)
{
	const struct dataapi_stats	*ds = dataapi_stats(inst->api);
	const struct writeback_stats	*ws = writeback_stats(inst->wb);
	struct json_object		*d, *w;

	d = json_object_new_object();
	json_object_object_add(d, "character_api",
	    json_object_new_string(inst->character_base));
	json_object_object_add(d, "quest_api",
	    json_object_new_string(inst->quest_base));
	control_add_int(d, "requests", ds->requests);
	control_add_int(d, "failures", ds->failures);
	control_add_int(d, "timeouts", ds->timeouts);
	control_add_int(d, "last_ms", ds->last_us / 1000);
	control_add_int(d, "max_ms", ds->max_us / 1000);
	control_add_int(d, "in_flight", ds->in_flight);
	control_add_int(d, "queued", ds->queued);
	json_object_object_add(o, "dataapi", d);
	w = json_object_new_object();
	control_add_int(w, "owned", ws->owned);
	control_add_int(w, "in_flight", ws->in_flight);
	control_add_int(w, "spooled", ws->spooled);
	control_add_int(w, "writes", ws->writes);
	control_add_int(w, "failures", ws->failures);
	control_add_int(w, "conflicts", ws->conflicts);
	control_add_int(w, "rejected", ws->rejected);
	json_object_object_add(o, "writeback", w);
}

/* {"p50", "p99", "max"} in us over the last "ticks". */
static struct json_object *
control_costwin_json(const struct costwin *w)
{
	struct json_object	*o = json_object_new_object();
	struct costwin_pct	 p;

	costwin_get(w, &p);
	json_object_object_add(o, "p50", json_object_new_int64(p.p50));
	json_object_object_add(o, "p99", json_object_new_int64(p.p99));
	json_object_object_add(o, "max", json_object_new_int64(p.max));
	json_object_object_add(o, "ticks", json_object_new_int64(
	    (int64_t)p.n));
	return (o);
}

/* "sync": how states go out and what they cost. */
static void
control_status_sync(struct instance *inst, struct json_object *o)
{
	struct json_object		*s = json_object_new_object();
	const struct sync_stats		*st;
	struct run			*run = inst->run;

	json_object_object_add(s, "format", json_object_new_string(
	    options_get(inst->options, OPT_STATE_FORMAT)));
	json_object_object_add(s, "view_radius", json_object_new_int64(
	    options_number(inst->options, OPT_VIEW_RADIUS)));
	if (run->sync != NULL) {
		st = sync_stats(run->sync);
		json_object_object_add(s, "messages",
		    json_object_new_int64((int64_t)st->messages));
		json_object_object_add(s, "bytes",
		    json_object_new_int64((int64_t)st->bytes));
		json_object_object_add(s, "seen_mean", json_object_new_double(
		    st->messages != 0 ? (double)st->entities_seen /
		    (double)st->messages : 0.0));
		json_object_object_add(s, "resyncs",
		    json_object_new_int64((int64_t)st->resyncs));
		json_object_object_add(s, "slots",
		    json_object_new_int64((int64_t)st->slots));
		json_object_object_add(s, "slot_layouts",
		    json_object_new_int64((int64_t)st->layouts));
	}
	json_object_object_add(o, "sync", s);
}

static void
control_status_migration(struct instance *inst, struct json_object *o)
{
	struct json_object		*m, *last;
	const struct migrate_stats	*ms = &inst->migrate;

	m = json_object_new_object();
	control_add_int(m, "count", ms->count);
	control_add_int(m, "failed", ms->failed);
	json_object_object_add(m, "under_way",
	    json_object_new_boolean(inst->migration != NULL));
	last = json_object_new_object();
	json_object_object_add(last, "pause_ms", json_object_new_double(
	    (double)ms->last_pause_us / 1000.0));
	control_add_int(last, "snapshot_bytes", ms->last_bytes);
	control_add_int(last, "fds", ms->last_fds);
	control_add_int(last, "sessions", ms->last_sessions);
	json_object_object_add(last, "error", ms->last_error[0] != '\0' ?
	    json_object_new_string(ms->last_error) : NULL);
	json_object_object_add(m, "last", last);
	json_object_object_add(o, "migration", m);
}

static void
control_status_handoff(struct instance *inst, struct json_object *o)
{
	const struct handoff_stats	*hs = &inst->handoff;
	struct json_object		*h;

	h = json_object_new_object();
	control_add_int(h, "started", hs->started);
	control_add_int(h, "completed", hs->completed);
	control_add_int(h, "failed", hs->failed);
	control_add_int(h, "reclaimed", hs->reclaimed);
	control_add_int(h, "received", hs->received);
	json_object_object_add(h, "last_ms", json_object_new_double(
	    (double)hs->last_us / 1000.0));
	json_object_object_add(o, "handoff", h);
}

static size_t
control_living_mobs(struct run *run)
{
	size_t	i, n = 0;

	for (i = 0; i < run->world->nmobs; i++) {
		if (run->world->mobs[i].state != MOB_DEAD)
			n++;
	}
	return (n);
}

static void
control_status(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*o, *cfg, *stats;
	const struct ticker_stats *ts;
	struct run		*run = inst->run;
	uint64_t		 now = monotonic_ms();
	size_t			 i;

	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(
	    lifecycle_state_name(inst->state)));
	json_object_object_add(o, "area", run != NULL ?
	    json_object_new_string(run->area->name) : NULL);
	json_object_object_add(o, "tick", json_object_new_int64(run != NULL ?
	    (int64_t)run->world->tick : 0));
	json_object_object_add(o, "tick_hz",
	    json_object_new_int((int)inst->tick_hz));
	json_object_object_add(o, "players", json_object_new_int64(
	    run != NULL ? (int64_t)run->world->nplayers : 0));
	json_object_object_add(o, "mobs", json_object_new_int64(
	    run != NULL ? (int64_t)control_living_mobs(run) : 0));
	json_object_object_add(o, "pending", json_object_new_int64(
	    run != NULL ? (int64_t)pending_waiting(&run->pending, now) : 0));
	json_object_object_add(o, "clients",
	    json_object_new_int64((int64_t)inst->nsessions));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "uptime_s", json_object_new_int64(
	    (int64_t)((now - inst->started_ms) / 1000)));
	json_object_object_add(o, "client_port", json_object_new_int(
	    inst->client_listener != NULL ?
	    listener_port(inst->client_listener) : 0));
	json_object_object_add(o, "control_port",
	    json_object_new_int(inst->control_port));
	if (run != NULL) {
		ts = ticker_stats(run->ticker);
		stats = json_object_new_object();
		json_object_object_add(stats, "ticks",
		    json_object_new_int64((int64_t)ts->ticks));
		json_object_object_add(stats, "skipped",
		    json_object_new_int64((int64_t)ts->skipped));
		json_object_object_add(stats, "last_cost_us",
		    json_object_new_int64((int64_t)(ts->last_cost_ns / 1000)));
		json_object_object_add(stats, "max_cost_us",
		    json_object_new_int64((int64_t)(ts->max_cost_ns / 1000)));
		json_object_object_add(stats, "cost_us",
		    control_costwin_json(&ts->cost));
		if (run->sync != NULL)
			json_object_object_add(stats, "work_us",
			    control_costwin_json(&sync_stats(run->sync)->work));
		json_object_object_add(o, "tick_stats", stats);
		control_status_sync(inst, o);
		json_object_object_add(o, "neighbours",
		    json_object_get(run->neighbours));
	}
	control_status_data(inst, o);
	control_status_migration(inst, o);
	control_status_handoff(inst, o);
	cfg = json_object_new_object();
	for (i = 0; i < OPT__COUNT; i++) {
		const char *v = options_get(inst->options, (enum option_id)i);

		json_object_object_add(cfg, options_table[i].name,
		    v != NULL ? json_object_new_string(v) : NULL);
	}
	json_object_object_add(o, "config", cfg);
	control_reply(req, 200, o);
}

static void
control_areas(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*o, *a;
	char			**names, *cause;
	size_t			 n, i;

	if (areaload_list(options_get(inst->options, OPT_AREA_DIR), &names, &n,
	    &cause) != 0) {
		control_error(req, 500, "%s", cause);
		free(cause);
		return;
	}
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object_array_add(a, json_object_new_string(names[i]));
		free(names[i]);
	}
	free(names);
	o = json_object_new_object();
	json_object_object_add(o, "areas", a);
	control_reply(req, 200, o);
}

static void
control_allocate_done_cb(int status, const char *cause, void *arg)
{
	struct control_wait	*w = arg;
	struct json_object	*o;

	if (status != 200) {
		control_wait_error(w, status, cause);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string("running"));
	control_wait_done(w, 200, o);
}

static void
control_allocate(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*body, *nb = NULL;
	const char		*area;
	char			*cause;

	if ((body = control_body(req)) == NULL)
		return;
	if (jsonutil_get_string(body, "area", &area) != 0) {
		control_error(req, 400, "area must be a string");
		goto out;
	}
	if (json_object_object_get_ex(body, "neighbours", &nb) &&
	    lifecycle_valid_neighbours(nb, &cause) != 0) {
		control_error(req, 400, "%s", cause);
		free(cause);
		goto out;
	}
	if (inst->migration != NULL) {
		control_error(req, 409, "a live migration is under way");
		goto out;
	}
	if (inst->state != STATE_IDLE) {
		control_conflict(req, inst);
		goto out;
	}
	lifecycle_allocate(inst, area, nb, control_allocate_done_cb,
	    control_wait_new(req, "POST /v1/allocate"));
out:
	json_object_put(body);
}

/* character_id: a non-empty string (or a whole number, made a string). */
static int
control_character_id(struct json_object *body, char *out, size_t size)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(body, "character_id", &v))
		return (-1);
	if (json_object_is_type(v, json_type_int))
		snprintf(out, size, "%lld",
		    (long long)json_object_get_int64(v));
	else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		if (*s == '\0' || strlen(s) >= size || strchr(s, '/') != NULL ||
		    strlen(s) != (size_t)json_object_get_string_len(v))
			return (-1);
		snprintf(out, size, "%s", s);
	} else
		return (-1);
	return (0);
}

static void
control_pending_done_cb(int status, const char *cause, void *arg)
{
	struct control_wait	*w = arg;

	struct json_object	*o;

	if (status != 201) {
		control_wait_error(w, status, cause);
		return;
	}
	o = w->ok;
	w->ok = NULL;
	control_wait_done(w, 201, o);
}

static const char *control_edges[] = { "north", "east", "south", "west" };

/* arrival: {x, y}, or {edge, offset} (a hand-over over an edge). */
static int
control_arrival_valid(struct json_object *a)
{
	const char	*edge;
	double		 x, y;
	size_t		 i;

	if (!json_object_is_type(a, json_type_object))
		return (-1);
	if (jsonutil_get_string(a, "edge", &edge) == 0) {
		for (i = 0; i < 4; i++) {
			if (strcmp(edge, control_edges[i]) == 0)
				return (jsonutil_get_number(a, "offset", &x));
		}
		return (-1);
	}
	return (jsonutil_get_number(a, "x", &x) != 0 ||
	    jsonutil_get_number(a, "y", &y) != 0 ? -1 : 0);
}

/*
 * The character arrives here: its document is placed in this area, at the
 * point given or just inside the edge it comes over (where it lands if
 * the spot is open: session.c checks when it joins).
 */
static void
control_arrive(struct run *run, struct json_object *doc,
    struct json_object *a)
{
	const char	*edge;
	double		 x = 0, y = 0, off = 0, r = WORLD_PLAYER_RADIUS + 1;
	double		 w = area_width(run->area), h = area_height(run->area);

	if (jsonutil_get_string(a, "edge", &edge) == 0) {
		jsonutil_get_number(a, "offset", &off);
		if (strcmp(edge, "west") == 0 || strcmp(edge, "east") == 0) {
			x = strcmp(edge, "west") == 0 ? r : w - r;
			y = off < r ? r : off > h - r ? h - r : off;
		} else {
			y = strcmp(edge, "north") == 0 ? r : h - r;
			x = off < r ? r : off > w - r ? w - r : off;
		}
	} else {
		jsonutil_get_number(a, "x", &x);
		jsonutil_get_number(a, "y", &y);
	}
	json_object_object_add(doc, "area",
	    json_object_new_string(run->area->name));
	json_object_object_add(doc, "x", json_object_new_double(x));
	json_object_object_add(doc, "y", json_object_new_double(y));
}

static void
control_pending_add(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*body, *character, *v, *arrival = NULL;
	struct prepare_request	 pr;
	struct control_wait	*w;
	const char		*ticket, *from_area = NULL, *to;
	char			 id[CHARACTER_ID_MAX + 1], docid[CHARACTER_ID_MAX + 2];
	long long		 expires_ms;

	if ((body = control_body(req)) == NULL)
		return;
	if (jsonutil_get_string(body, "ticket", &ticket) != 0 ||
	    !pending_valid_ticket(ticket)) {
		control_error(req, 400, "ticket must be a string of 1 to %d "
		    "characters from A-Z a-z 0-9 - . _ ~", PENDING_TICKET_MAX);
		goto out;
	}
	if (control_character_id(body, id, sizeof id) != 0) {
		control_error(req, 400, "character_id must be a non-empty "
		    "string (at most %d bytes, no '/') or an integer",
		    CHARACTER_ID_MAX);
		goto out;
	}
	expires_ms = (long long)inst->ticket_ttl_ms;
	if (json_object_object_get_ex(body, "expires_ms", &v) &&
	    (jsonutil_get_int(body, "expires_ms", &expires_ms) != 0 ||
	    expires_ms < 1 || expires_ms > 86400000)) {
		control_error(req, 400, "expires_ms must be an integer from 1 "
		    "to 86400000");
		goto out;
	}
	if (json_object_object_get_ex(body, "from_area", &v) &&
	    jsonutil_get_string(body, "from_area", &from_area) != 0) {
		control_error(req, 400, "from_area must be a string");
		goto out;
	}
	if (!json_object_object_get_ex(body, "character", &character))
		character = NULL;
	if (json_object_object_get_ex(body, "arrival", &arrival) &&
	    (character == NULL || control_arrival_valid(arrival) != 0)) {
		control_error(req, 400, "arrival must be {x, y} or {edge "
		    "(north, east, south or west), offset}, and comes with "
		    "an inline character");
		goto out;
	}
	if (character == NULL)
		goto checked;
	if (!json_object_is_type(character, json_type_object)) {
		control_error(req, 400, "character must be an object");
		goto out;
	}
	if (json_object_object_get_ex(character, "id", &v)) {
		if (json_object_is_type(v, json_type_int))
			snprintf(docid, sizeof docid, "%lld",
			    (long long)json_object_get_int64(v));
		else
			snprintf(docid, sizeof docid, "%s",
			    json_object_get_string(v));
		if (strcmp(docid, id) != 0) {
			control_error(req, 400, "character.id does not match "
			    "character_id");
			goto out;
		}
	}
	if (!json_object_object_get_ex(character, "version", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		control_error(req, 400, "character.version must be an integer "
		    "(the version the Character Data API holds)");
		goto out;
	}
checked:
	if (inst->state != STATE_RUNNING) {
		control_conflict(req, inst);
		goto out;
	}
	if (writeback_owns(inst->wb, id)) {
		control_error(req, 409, "character %s is still in this "
		    "instance (playing or being written back)", id);
		goto out;
	}
	/* Unless the area we handed it to offers it back: it owns it. */
	if ((to = handoff_handed_to(inst, id)) != NULL &&
	    (from_area == NULL || strcmp(from_area, to) != 0)) {
		control_error(req, 409, "character %s was just handed over to "
		    "area %s, whose ticket for it may still be used", id, to);
		goto out;
	}
	/* Checked again once prepared; here to spare the data APIs. */
	if (pending_known(&inst->run->pending, ticket)) {
		control_error(req, 409, "ticket %s was already announced",
		    ticket);
		goto out;
	}
	if (pending_find_character(&inst->run->pending, id,
	    monotonic_ms()) != NULL) {
		control_error(req, 409, "character %s already has a waiting "
		    "ticket", id);
		goto out;
	}
	if (arrival != NULL)
		control_arrive(inst->run, character, arrival);
	pr.ticket = ticket;
	pr.character_id = id;
	pr.character = character;
	pr.from_area = from_area;
	pr.expires_ms = expires_ms;
	w = control_wait_new(req, "POST /v1/pending");
	w->ok = json_object_new_object();
	json_object_object_add(w->ok, "ticket", json_object_new_string(ticket));
	json_object_object_add(w->ok, "character_id",
	    json_object_new_string(id));
	json_object_object_add(w->ok, "expires_ms",
	    json_object_new_int64(expires_ms));
	prepare_start(inst, &pr, control_pending_done_cb, w);
out:
	json_object_put(body);
}

static void
control_pending_delete(struct instance *inst, struct evhttp_request *req,
    const char *ticket)
{
	if (!pending_valid_ticket(ticket)) {
		control_error(req, 400, "malformed ticket");
		return;
	}
	if (inst->state != STATE_RUNNING) {
		control_conflict(req, inst);
		return;
	}
	/* A neighbour takes a player back only if nobody came with it. */
	if (pending_used(&inst->run->pending, ticket)) {
		control_error(req, 409, "ticket already used");
		return;
	}
	if (pending_remove(&inst->run->pending, ticket) != 0) {
		control_error(req, 404, "unknown ticket");
		return;
	}
	log_info("ticket withdrawn");
	evhttp_send_reply(req, 204, NULL, NULL);
}

static void
control_neighbours(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*body, *nb, *o;
	char			*cause;

	if ((body = control_body(req)) == NULL)
		return;
	if (!json_object_object_get_ex(body, "neighbours", &nb)) {
		control_error(req, 400, "neighbours is required");
		goto out;
	}
	if (lifecycle_valid_neighbours(nb, &cause) != 0) {
		control_error(req, 400, "%s", cause);
		free(cause);
		goto out;
	}
	if (inst->state != STATE_RUNNING) {
		control_conflict(req, inst);
		goto out;
	}
	lifecycle_set_neighbours(inst, nb, &cause);
	o = json_object_new_object();
	json_object_object_add(o, "neighbours", json_object_get(nb));
	control_reply(req, 200, o);
out:
	json_object_put(body);
}

static void
control_drain(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*o;

	if (inst->migration != NULL) {
		control_error(req, 409, "a live migration is under way");
		return;
	}
	if (inst->state != STATE_RUNNING) {
		control_conflict(req, inst);
		return;
	}
	lifecycle_drain(inst, "the area is being drained");
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(
	    lifecycle_state_name(inst->state)));
	control_reply(req, 202, o);
}

static void
control_migrate_done_cb(int status, struct json_object *o, void *arg)
{
	struct control_wait	*w = arg;

	if (status != 200) {
		log_info("control %s -> %d: %s", w->what, status,
		    json_object_get_string(json_object_object_get(o,
		    "error")));
	}
	control_wait_done(w, status, o);
}

/* POST /v1/migrate [{"binary"}]: answered once it is over, either way. */
static void
control_migrate(struct instance *inst, struct evhttp_request *req)
{
	struct json_object	*body = NULL, *v;
	struct control_wait	*w;
	const char		*binary = NULL;
	char			*cause;
	int			 status;

	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) != 0) {
		if ((body = control_body(req)) == NULL)
			return;
		if (json_object_object_get_ex(body, "binary", &v) &&
		    !json_object_is_type(v, json_type_null)) {
			if (!json_object_is_type(v, json_type_string)) {
				control_error(req, 400, "binary must be a "
				    "string");
				goto out;
			}
			binary = json_object_get_string(v);
		}
	}
	w = control_wait_new(req, "POST /v1/migrate");
	if (migrate_start(inst, binary, control_migrate_done_cb, w, &status,
	    &cause) != 0) {
		control_wait_error(w, status, cause);
		free(cause);
	}
out:
	json_object_put(body);
}

/* Prometheus quantiles of a cost window (us) as a summary in seconds. */
static void
control_metrics_costwin(struct evbuffer *out, const char *name,
    const char *help, const struct costwin *w)
{
	struct costwin_pct	p;

	costwin_get(w, &p);
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s summary\n"
	    "%s{quantile=\"0.5\"} %.6f\n%s{quantile=\"0.99\"} %.6f\n"
	    "%s{quantile=\"1\"} %.6f\n%s_count %zu\n", name, help, name,
	    name, (double)p.p50 / 1e6, name, (double)p.p99 / 1e6, name,
	    (double)p.max / 1e6, name, p.n);
}

static void
control_metrics(struct instance *inst, struct evhttp_request *req)
{
	struct evbuffer			*out;
	const struct ticker_stats	*ts = NULL;
	struct run			*run = inst->run;
	int				 i;

	out = evhttp_request_get_output_buffer(req);
	if (run != NULL)
		ts = ticker_stats(run->ticker);
	evbuffer_add_printf(out, "# HELP zoned_state 1 for the current "
	    "state.\n# TYPE zoned_state gauge\n");
	for (i = STATE_IDLE; i <= STATE_DRAINING; i++)
		evbuffer_add_printf(out, "zoned_state{state=\"%s\"} %d\n",
		    lifecycle_state_name((enum instance_state)i),
		    inst->state == (enum instance_state)i);
	evbuffer_add_printf(out,
	    "# TYPE zoned_clients gauge\nzoned_clients %zu\n"
	    "# TYPE zoned_players gauge\nzoned_players %zu\n"
	    "# TYPE zoned_ticks_total counter\nzoned_ticks_total %llu\n"
	    "# TYPE zoned_ticks_skipped_total counter\n"
	    "zoned_ticks_skipped_total %llu\n"
	    "# TYPE zoned_tick_seconds gauge\nzoned_tick_seconds %.6f\n"
	    "# TYPE zoned_dataapi_requests_total counter\n"
	    "zoned_dataapi_requests_total %llu\n"
	    "# TYPE zoned_dataapi_failures_total counter\n"
	    "zoned_dataapi_failures_total %llu\n"
	    "# TYPE zoned_dataapi_timeouts_total counter\n"
	    "zoned_dataapi_timeouts_total %llu\n"
	    "# TYPE zoned_dataapi_last_seconds gauge\n"
	    "zoned_dataapi_last_seconds %.6f\n"
	    "# TYPE zoned_writeback_spooled gauge\nzoned_writeback_spooled %zu\n"
	    "# TYPE zoned_writeback_conflicts_total counter\n"
	    "zoned_writeback_conflicts_total %llu\n",
	    inst->nsessions, run != NULL ? run->world->nplayers : 0,
	    ts != NULL ? (unsigned long long)ts->ticks : 0ULL,
	    ts != NULL ? (unsigned long long)ts->skipped : 0ULL,
	    ts != NULL ? (double)ts->last_cost_ns / 1e9 : 0.0,
	    (unsigned long long)dataapi_stats(inst->api)->requests,
	    (unsigned long long)dataapi_stats(inst->api)->failures,
	    (unsigned long long)dataapi_stats(inst->api)->timeouts,
	    (double)dataapi_stats(inst->api)->last_us / 1e6,
	    writeback_stats(inst->wb)->spooled,
	    (unsigned long long)writeback_stats(inst->wb)->conflicts);
	if (ts != NULL)
		control_metrics_costwin(out, "zoned_tick_cost_seconds",
		    "Whole ticks, the writes to clients included, over the "
		    "last ticks.", &ts->cost);
	if (run != NULL && run->sync != NULL) {
		control_metrics_costwin(out, "zoned_tick_work_seconds",
		    "Simulation, interest and encoding of the last ticks.",
		    &sync_stats(run->sync)->work);
		evbuffer_add_printf(out,
		    "# TYPE zoned_sync_messages_total counter\n"
		    "zoned_sync_messages_total %llu\n"
		    "# TYPE zoned_sync_bytes_total counter\n"
		    "zoned_sync_bytes_total %llu\n"
		    "# HELP zoned_sync_resyncs_total Deltas that sent a "
		    "client that had missed ticks everything anew.\n"
		    "# TYPE zoned_sync_resyncs_total counter\n"
		    "zoned_sync_resyncs_total %llu\n",
		    (unsigned long long)sync_stats(run->sync)->messages,
		    (unsigned long long)sync_stats(run->sync)->bytes,
		    (unsigned long long)sync_stats(run->sync)->resyncs);
	}
	evbuffer_add_printf(out,
	    "# TYPE zoned_migrations_total counter\n"
	    "zoned_migrations_total %llu\n"
	    "# TYPE zoned_migrations_failed_total counter\n"
	    "zoned_migrations_failed_total %llu\n"
	    "# HELP zoned_migration_pause_seconds The last migration: from "
	    "the old process's last tick to the new one's first.\n"
	    "# TYPE zoned_migration_pause_seconds gauge\n"
	    "zoned_migration_pause_seconds %.6f\n"
	    "# TYPE zoned_migration_snapshot_bytes gauge\n"
	    "zoned_migration_snapshot_bytes %zu\n"
	    "# TYPE zoned_migration_fds gauge\nzoned_migration_fds %zu\n",
	    (unsigned long long)inst->migrate.count,
	    (unsigned long long)inst->migrate.failed,
	    (double)inst->migrate.last_pause_us / 1e6,
	    inst->migrate.last_bytes, inst->migrate.last_fds);
	evbuffer_add_printf(out,
	    "# TYPE zoned_handovers_started_total counter\n"
	    "zoned_handovers_started_total %llu\n"
	    "# TYPE zoned_handovers_completed_total counter\n"
	    "zoned_handovers_completed_total %llu\n"
	    "# TYPE zoned_handovers_failed_total counter\n"
	    "zoned_handovers_failed_total %llu\n"
	    "# TYPE zoned_handovers_reclaimed_total counter\n"
	    "zoned_handovers_reclaimed_total %llu\n"
	    "# TYPE zoned_handovers_received_total counter\n"
	    "zoned_handovers_received_total %llu\n"
	    "# HELP zoned_handover_seconds From a player's crossing to the "
	    "neighbour's acceptance.\n"
	    "# TYPE zoned_handover_seconds summary\n"
	    "zoned_handover_seconds_sum %.6f\n"
	    "zoned_handover_seconds_count %llu\n",
	    (unsigned long long)inst->handoff.started,
	    (unsigned long long)inst->handoff.completed,
	    (unsigned long long)inst->handoff.failed,
	    (unsigned long long)inst->handoff.reclaimed,
	    (unsigned long long)inst->handoff.received,
	    (double)inst->handoff.sum_us / 1e6,
	    (unsigned long long)inst->handoff.completed);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, NULL, NULL);
}

static void
control_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	control_error(req, 405, "method not allowed (allowed: %s)", allow);
}

static void
control_request_cb(struct evhttp_request *req, void *arg)
{
	struct instance		*inst = arg;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = evhttp_uri_get_path(uri);

	if (path == NULL)
		path = "/";
	/*
	 * One request per connection: a kept-alive connection would stay
	 * with this process when a live migration hands the port over.
	 */
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	if (inst->handed_over) {
		control_error(req, 503, "this process handed over to a "
		    "replacement: connect again");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
			control_not_allowed(req, "GET");
			return;
		}
		evbuffer_add(evhttp_request_get_output_buffer(req), "ok\n", 3);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "text/plain");
		evhttp_send_reply(req, 200, NULL, NULL);
		return;
	}
	if (!control_authorized(inst, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"zoned\"");
		control_error(req, 401, "a valid bearer token is required");
		return;
	}
	if (inst->stopping && strcmp(path, "/v1/status") != 0 &&
	    strcmp(path, "/metrics") != 0) {
		control_error(req, 503, "the server is shutting down");
		return;
	}
	if (strcmp(path, "/v1/status") == 0) {
		if (cmd != EVHTTP_REQ_GET)
			control_not_allowed(req, "GET");
		else
			control_status(inst, req);
	} else if (strcmp(path, "/v1/areas") == 0) {
		if (cmd != EVHTTP_REQ_GET)
			control_not_allowed(req, "GET");
		else
			control_areas(inst, req);
	} else if (strcmp(path, "/v1/allocate") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			control_not_allowed(req, "POST");
		else
			control_allocate(inst, req);
	} else if (strcmp(path, "/v1/pending") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			control_not_allowed(req, "POST");
		else
			control_pending_add(inst, req);
	} else if (strncmp(path, "/v1/pending/", 12) == 0) {
		if (cmd != EVHTTP_REQ_DELETE)
			control_not_allowed(req, "DELETE");
		else
			control_pending_delete(inst, req, path + 12);
	} else if (strcmp(path, "/v1/neighbours") == 0) {
		if (cmd != EVHTTP_REQ_PUT)
			control_not_allowed(req, "PUT");
		else
			control_neighbours(inst, req);
	} else if (strcmp(path, "/v1/drain") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			control_not_allowed(req, "POST");
		else
			control_drain(inst, req);
	} else if (strcmp(path, "/v1/migrate") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			control_not_allowed(req, "POST");
		else
			control_migrate(inst, req);
	} else if (strcmp(path, "/metrics") == 0) {
		if (cmd != EVHTTP_REQ_GET)
			control_not_allowed(req, "GET");
		else
			control_metrics(inst, req);
	} else
		control_error(req, 404, "no such endpoint: %s", path);
}

/* Reads the token file: its first line, trimmed; it must not be empty. */
static int
control_read_token(const char *path, char **token, char **cause)
{
	FILE	*f;
	char	 buf[1024];
	size_t	 len;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "control-token-file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (len == 0) {
		xasprintf(cause, "control-token-file %s: empty token", path);
		return (-1);
	}
	*token = xstrdup(buf);
	return (0);
}

static void
control_setup(struct instance *inst)
{
	inst->control = evhttp_new(inst->base);
	evhttp_set_allowed_methods(inst->control, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_body_size(inst->control, CONTROL_MAX_BODY);
	evhttp_set_max_headers_size(inst->control, 16384);
	evhttp_set_timeout(inst->control, 30);
	evhttp_set_gencb(inst->control, control_request_cb, inst);
}

/*
 * A replacement's control plane, on the listening socket the old process
 * passed (after the commit). The token is read again from the file.
 */
void
control_init_fd(struct instance *inst, evutil_socket_t fd)
{
	const char	*file;
	char		*cause;

	file = options_get(inst->options, OPT_CONTROL_TOKEN_FILE);
	if (file != NULL && control_read_token(file, &inst->token,
	    &cause) != 0) {
		/* The old process checked it; keep the plane closed. */
		log_error("%s: the control plane refuses everything", cause);
		free(cause);
		inst->token = xstrdup("\x01unusable");
	}
	control_setup(inst);
	evutil_make_socket_nonblocking(fd);
	inst->control_bound = evhttp_accept_socket_with_handle(inst->control,
	    fd);
	if (inst->control_bound == NULL)
		fatalx("control: cannot take over the listening socket");
	inst->control_port = socket_local_port(fd);
	log_info("listening on=control port=%d (taken over)",
	    inst->control_port);
}

evutil_socket_t
control_listen_fd(struct instance *inst)
{
	return (evhttp_bound_socket_get_fd(inst->control_bound));
}

/* Accepting stops (callers wait in the backlog) or starts again. */
void
control_enable(struct instance *inst, int on)
{
	struct evconnlistener	*l;

	if (inst->control_bound == NULL)
		return;
	l = evhttp_bound_socket_get_listener(inst->control_bound);
	if (on)
		evconnlistener_enable(l);
	else
		evconnlistener_disable(l);
}

/* Returns -2 for a configuration error (the token file), -1 otherwise. */
int
control_init(struct instance *inst, char **cause)
{
	struct evhttp_bound_socket	*bound;
	const char			*file;
	char				*host, *why;
	int				 port;

	file = options_get(inst->options, OPT_CONTROL_TOKEN_FILE);
	if (file != NULL && control_read_token(file, &inst->token, cause) != 0)
		return (-2);
	if (address_parse(options_get(inst->options, OPT_CONTROL_LISTEN),
	    &host, &port, &why) != 0) {
		*cause = why;
		return (-1);
	}
	control_setup(inst);
	bound = evhttp_bind_socket_with_handle(inst->control, host,
	    (ev_uint16_t)port);
	if (bound == NULL) {
		xasprintf(cause, "%s: cannot listen: %s",
		    options_get(inst->options, OPT_CONTROL_LISTEN),
		    strerror(errno));
		free(host);
		return (-1);
	}
	inst->control_bound = bound;
	inst->control_port = socket_local_port(
	    evhttp_bound_socket_get_fd(bound));
	if (strchr(host, ':') != NULL)
		log_info("listening on=control address=[%s]:%d", host,
		    inst->control_port);
	else
		log_info("listening on=control address=%s:%d", host,
		    inst->control_port);
	if (inst->token == NULL && strcmp(host, "127.0.0.1") != 0 &&
	    strcmp(host, "::1") != 0 && strcmp(host, "localhost") != 0)
		log_warn("control plane on %s has no token: anyone who can "
		    "reach it controls this instance", host);
	free(host);
	return (0);
}

void
control_free(struct instance *inst)
{
	if (inst->control != NULL)
		evhttp_free(inst->control);
	inst->control = NULL;
	inst->control_bound = NULL;
}
