/* Hand-over of players to the instances of adjacent areas (handoff.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "dataapi.h"
#include "handoff.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "log.h"
#include "session.h"
#include "sim/area.h"
#include "sim/world.h"
#include "snapfmt.h"
#include "snapworld.h"
#include "ticker.h"
#include "writeback.h"
#include "xmalloc.h"

#define HANDOFF_TICKET_BYTES	16	/* random, as 32 hex digits */
#define HANDOFF_RECLAIM_SLACK	1000	/* ms after the ticket's lifetime */
#define HANDOFF_POLL_MS		5	/* re-check a write-through this often */

enum handoff_phase {
	HANDOFF_FLUSHING,	/* frozen; its character is written through */
	HANDOFF_OFFERING,	/* POST {neighbour}/v1/pending under way */
	HANDOFF_DONE,		/* the neighbour owns it; the client was told */
	HANDOFF_RECLAIMING	/* DELETE {neighbour}/v1/pending/T under way */
};

struct handoff {
	struct instance		*inst;
	uint32_t		 session;	/* its session's id; 0: gone */
	enum handoff_phase	 phase;
	char			*character_id;
	char			*to_area;
	char			*control_url;
	char			*client_url;
	char			 ticket[2 * HANDOFF_TICKET_BYTES + 1];
	struct json_object	*arrival;	/* where to arrive, or NULL */
	struct owned		*owned;		/* ours while offered */
	struct json_object	*doc;		/* what was offered */
	long long		 version;	/* ... and its version */
	struct world_player	 player;	/* out of the world, once offered */
	struct dataapi_request	*req;
	struct event		*poll;		/* while flushing */
	uint64_t		 started_ns;
	uint64_t		 deadline_ms;
	TAILQ_ENTRY(handoff)	 entry;
};

/*
 * Characters handed over lately: until their ticket at the neighbour has
 * expired, they must not be announced here again, or one character could
 * play in two areas at once.
 */
struct handoff_recent {
	char			*character_id;
	char			*to_area;
	uint64_t		 until;		/* monotonic ms */
	TAILQ_ENTRY(handoff_recent) entry;
};

static const char *handoff_phase_names[] = { "flushing", "offering", "done",
    "reclaiming" };

static void
handoff_free(struct handoff *h)
{
	struct instance	*inst = h->inst;
	struct session	*s;

	if (h->session != 0 && (s = session_find(inst, h->session)) != NULL &&
	    s->handoff == h)
		s->handoff = NULL;
	if (h->req != NULL)
		dataapi_cancel(h->req);
	if (h->poll != NULL)
		event_free(h->poll);
	TAILQ_REMOVE(&inst->handoffs, h, entry);
	json_object_put(h->arrival);
	json_object_put(h->doc);
	free(h->character_id);
	free(h->to_area);
	free(h->control_url);
	free(h->client_url);
	free(h);
}

/* The neighbour that runs area, from the allocation (or PUT). */
static int
handoff_neighbour(struct run *run, const char *area, const char **control,
    const char **client)
{
	struct json_object	*n;
	const char		*name;
	size_t			 i;

	for (i = 0; i < json_object_array_length(run->neighbours); i++) {
		n = json_object_array_get_idx(run->neighbours, i);
		if (jsonutil_get_string(n, "area", &name) == 0 &&
		    strcmp(name, area) == 0 &&
		    jsonutil_get_string(n, "control_url", control) == 0 &&
		    jsonutil_get_string(n, "client_url", client) == 0)
			return (0);
	}
	return (-1);
}

static void	handoff_flush(struct handoff *);
static void	handoff_poll_cb(evutil_socket_t, short, void *);

static void
handoff_tell(struct session *s, const char *name, struct json_object *o)
{
	struct json_object	*args;

	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string(name));
	json_object_array_add(args, o);
	session_emit(s, args);
	json_object_put(args);
}

static void
handoff_tell_failed(struct session *s, const char *area, const char *code,
    const char *message)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "area", json_object_new_string(area));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	handoff_tell(s, "transfer_failed", o);
}

/*
 * Where to arrive in the neighbour's area: a door's arrival point, or the
 * opposite edge at the same offset along it (the neighbour knows its own
 * size; see zoned-protocol(7)).
 */
static struct json_object *
handoff_arrival(const struct area_exit *e, const struct world_player *p)
{
	struct json_object	*o;
	const char		*edge = NULL;
	float			 offset = 0;

	if (e->kind == AREA_EXIT_DOOR) {
		if (!e->has_arrival)
			return (NULL);
		o = json_object_new_object();
		json_object_object_add(o, "x", json_object_new_double(e->to_x));
		json_object_object_add(o, "y", json_object_new_double(e->to_y));
		return (o);
	}
	switch (e->edge) {
	case AREA_EDGE_EAST:
		edge = "west";
		offset = p->y;
		break;
	case AREA_EDGE_WEST:
		edge = "east";
		offset = p->y;
		break;
	case AREA_EDGE_NORTH:
		edge = "south";
		offset = p->x;
		break;
	case AREA_EDGE_SOUTH:
		edge = "north";
		offset = p->x;
		break;
	case AREA_EDGE_NONE:
		return (NULL);
	}
	o = json_object_new_object();
	json_object_object_add(o, "edge", json_object_new_string(edge));
	json_object_object_add(o, "offset", json_object_new_double(offset));
	return (o);
}

/* A player crossed exit i: freeze it and start writing it through. */
static void
handoff_start(struct instance *inst, struct session *s, size_t i)
{
	struct run		*run = inst->run;
	const struct area_exit	*e = &run->area->exits[i];
	struct world_player	*p;
	struct handoff		*h;
	const char		*control, *client;
	uint8_t			 rnd[HANDOFF_TICKET_BYTES];
	char			 why[256];
	size_t			 k;

	if ((p = world_player_find(run->world, s->player)) == NULL ||
	    s->owned == NULL)
		return;
	inst->handoff.started++;
	if (handoff_neighbour(run, e->to_area, &control, &client) != 0) {
		inst->handoff.failed++;
		snprintf(why, sizeof why, "no instance is known to run area "
		    "%s", e->to_area);
		log_info("session=%u character=%s hand-over to area=%s "
		    "failed: %s", s->id, s->character_id, e->to_area, why);
		handoff_tell_failed(s, e->to_area, "no_neighbour", why);
		return;
	}
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("RAND_bytes failed");
	h = xcalloc(1, sizeof *h);
	h->inst = inst;
	h->session = s->id;
	h->phase = HANDOFF_FLUSHING;
	h->character_id = xstrdup(s->character_id);
	h->to_area = xstrdup(e->to_area);
	h->control_url = xstrdup(control);
	h->client_url = xstrdup(client);
	for (k = 0; k < sizeof rnd; k++)
		snprintf(h->ticket + 2 * k, 3, "%02x", rnd[k]);
	h->arrival = handoff_arrival(e, p);
	h->started_ns = monotonic_ns();
	h->deadline_ms = monotonic_ms() + 2 * (uint64_t)options_number(
	    inst->options, OPT_API_TIMEOUT);
	TAILQ_INSERT_TAIL(&inst->handoffs, h, entry);
	s->handoff = h;
	world_player_stop(run->world, s->player);
	session_stop(s);
	h->poll = evtimer_new(inst->base, handoff_poll_cb, h);
	log_info("session=%u character=%s crossed to area=%s: handing over",
	    s->id, s->character_id, h->to_area);
	handoff_flush(h);
}

/*
 * Kept here (the neighbour refused, could not be reached, or gave the
 * ticket back): the player goes back where it stood, or, if its client
 * has gone meanwhile, the character is written back and let go.
 */
static void
handoff_keep(struct handoff *h, const char *code, const char *why)
{
	struct instance	*inst = h->inst;
	struct session	*s = h->session != 0 ?
			    session_find(inst, h->session) : NULL;

	inst->handoff.failed++;
	log_info("character=%s hand-over to area=%s failed: %s; kept here",
	    h->character_id, h->to_area, why);
	if (h->owned != NULL)
		writeback_freeze(h->owned, 0);
	if (s == NULL || s->state != SESSION_PLAYING || inst->run == NULL) {
		if (h->owned != NULL)
			writeback_release(h->owned);
		handoff_free(h);
		return;
	}
	if (h->phase != HANDOFF_FLUSHING &&
	    world_player_put(inst->run->world, &h->player) != 0)
		fatalx("handoff: player %u is in the world twice",
		    h->player.id);
	if (h->owned != NULL)
		s->owned = h->owned;
	h->owned = NULL;
	handoff_tell_failed(s, h->to_area, code, why);
	handoff_free(h);
}

static void
handoff_recent_free(struct instance *inst, struct handoff_recent *r)
{
	TAILQ_REMOVE(&inst->handoff_recent, r, entry);
	free(r->character_id);
	free(r->to_area);
	free(r);
}

static void
handoff_remember(struct instance *inst, const char *id, const char *area)
{
	struct handoff_recent	*r;

	r = xcalloc(1, sizeof *r);
	r->character_id = xstrdup(id);
	r->to_area = xstrdup(area);
	r->until = monotonic_ms() + inst->ticket_ttl_ms +
	    HANDOFF_RECLAIM_SLACK;
	TAILQ_INSERT_TAIL(&inst->handoff_recent, r, entry);
}

/*
 * The area a character was handed to lately (its ticket there may still
 * be used), or NULL. Entries past their time are forgotten here.
 */
const char *
handoff_handed_to(struct instance *inst, const char *id)
{
	struct handoff_recent	*r, *next;
	uint64_t		 now = monotonic_ms();

	for (r = TAILQ_FIRST(&inst->handoff_recent); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (now >= r->until) {
			handoff_recent_free(inst, r);
			continue;
		}
		if (strcmp(r->character_id, id) == 0)
			return (r->to_area);
	}
	return (NULL);
}

/* A character taken back after its hand-over may be announced again. */
static void
handoff_forget_recent(struct instance *inst, const char *id)
{
	struct handoff_recent	*r, *next;

	for (r = TAILQ_FIRST(&inst->handoff_recent); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (strcmp(r->character_id, id) == 0)
			handoff_recent_free(inst, r);
	}
}

static void
handoff_withdrawn_cb(const struct dataapi_response *r, void *arg)
{
	char	*what = arg;

	log_info("%s: HTTP %d", what, r->status);
	free(what);
}

/*
 * An offer that got no answer may still have been taken: withdraw the
 * ticket (best effort), or the neighbour would refuse this character
 * until the ticket expired. The character stays ours either way: nobody
 * was told where to go.
 */
static void
handoff_withdraw(struct handoff *h)
{
	struct instance	*inst = h->inst;
	char		*path, *what;

	xasprintf(&path, "/v1/pending/%s", h->ticket);
	xasprintf(&what, "character=%s withdrew its unanswered offer to "
	    "area=%s", h->character_id, h->to_area);
	dataapi_send_bearer(inst->peer_api, "DELETE", h->control_url, path,
	    NULL, inst->token, NULL, 0, handoff_withdrawn_cb, what);
	free(path);
}

static void
handoff_offer_cb(const struct dataapi_response *r, void *arg)
{
	struct handoff		*h = arg;
	struct instance		*inst = h->inst;
	struct session		*s;
	struct json_object	*o, *err;
	const char		*text;
	char			 why[512], *cause = NULL;
	uint64_t		 us;

	h->req = NULL;
	if (r->status != 201) {
		text = NULL;
		if (r->status != 0 && (o = jsonutil_parse(r->body, r->len,
		    &cause)) != NULL) {
			if (json_object_object_get_ex(o, "error", &err))
				text = json_object_get_string(err);
			snprintf(why, sizeof why, "area %s refused (HTTP %d%s%s)",
			    h->to_area, r->status, text != NULL ? ": " : "",
			    text != NULL ? text : "");
			json_object_put(o);
		} else if (r->status != 0)
			snprintf(why, sizeof why, "area %s refused (HTTP %d)",
			    h->to_area, r->status);
		else
			snprintf(why, sizeof why, "area %s is unreachable: %s",
			    h->to_area, r->error);
		free(cause);
		if (r->status == 0)
			handoff_withdraw(h);
		handoff_keep(h, r->status == 0 ? "neighbour_unreachable" :
		    "neighbour_refused", why);
		return;
	}
	/* The neighbour owns it: never written here again. */
	writeback_abandon(h->owned);
	h->owned = NULL;
	handoff_remember(inst, h->character_id, h->to_area);
	us = (monotonic_ns() - h->started_ns) / 1000;
	inst->handoff.completed++;
	inst->handoff.last_us = us;
	inst->handoff.sum_us += us;
	s = h->session != 0 ? session_find(inst, h->session) : NULL;
	log_info("character=%s handed over to area=%s in %.1f ms%s",
	    h->character_id, h->to_area, (double)us / 1000.0,
	    s == NULL ? " (its client had gone)" : "");
	if (s == NULL) {
		handoff_free(h);
		return;
	}
	h->phase = HANDOFF_DONE;
	h->deadline_ms = monotonic_ms() + inst->ticket_ttl_ms +
	    HANDOFF_RECLAIM_SLACK;
	o = json_object_new_object();
	json_object_object_add(o, "area", json_object_new_string(h->to_area));
	json_object_object_add(o, "client_url",
	    json_object_new_string(h->client_url));
	json_object_object_add(o, "ticket", json_object_new_string(h->ticket));
	handoff_tell(s, "transfer", o);
}

/* The API holds exactly what this instance has: offer it. */
static void
handoff_offer(struct handoff *h, struct session *s)
{
	struct instance		*inst = h->inst;
	struct world		*w = inst->run->world;
	struct world_player	*p;
	struct json_object	*body;
	const char		*text;
	size_t			 len;

	if ((p = world_player_find(w, s->player)) == NULL)
		fatalx("handoff: session %u has no player", s->id);
	h->player = *p;
	world_player_remove(w, s->player);
	h->owned = s->owned;
	s->owned = NULL;
	writeback_freeze(h->owned, 1);
	h->version = writeback_version(h->owned);
	h->doc = NULL;
	json_object_deep_copy(writeback_doc(h->owned), &h->doc, NULL);
	json_object_object_add(h->doc, "version",
	    json_object_new_int64(h->version));
	body = json_object_new_object();
	json_object_object_add(body, "ticket",
	    json_object_new_string(h->ticket));
	json_object_object_add(body, "character_id",
	    json_object_new_string(h->character_id));
	json_object_object_add(body, "character", json_object_get(h->doc));
	json_object_object_add(body, "from_area",
	    json_object_new_string(inst->run->area->name));
	json_object_object_add(body, "expires_ms",
	    json_object_new_int64((int64_t)inst->ticket_ttl_ms));
	if (h->arrival != NULL)
		json_object_object_add(body, "arrival",
		    json_object_get(h->arrival));
	text = jsonutil_string(body, &len);
	h->phase = HANDOFF_OFFERING;
	evtimer_del(h->poll);
	h->req = dataapi_send_bearer(inst->peer_api, "POST", h->control_url,
	    "/v1/pending", NULL, inst->token, text, len, handoff_offer_cb, h);
	json_object_put(body);
}

static void
handoff_poll_cb(evutil_socket_t fd, short events, void *arg)
{
	handoff_flush(arg);
}

/*
 * Frozen: write the character through, then offer it (as soon as the
 * write lands: checked every HANDOFF_POLL_MS, not only every tick).
 */
static void
handoff_flush(struct handoff *h)
{
	struct timeval	 tv = { 0, HANDOFF_POLL_MS * 1000 };
	struct session	*s = session_find(h->inst, h->session);

	if (h->phase != HANDOFF_FLUSHING)
		return;		/* a tick and the re-check may both come */
	if (s == NULL || s->owned == NULL) {
		handoff_free(h);
		return;
	}
	session_sync(s);
	if (writeback_settled(s->owned)) {
		handoff_offer(h, s);
		return;
	}
	if (monotonic_ms() >= h->deadline_ms) {
		handoff_keep(h, "character_busy", "the character could not "
		    "be saved in time; try again");
		return;
	}
	writeback_write_now(s->owned);
	evtimer_add(h->poll, &tv);
}

static void
handoff_reclaim_cb(const struct dataapi_response *r, void *arg)
{
	struct handoff	*h = arg;
	struct instance	*inst = h->inst;
	struct session	*s = session_find(inst, h->session);
	char		 why[256];

	h->req = NULL;
	if (s == NULL) {
		handoff_free(h);
		return;
	}
	if ((r->status == 204 || r->status == 404) &&
	    !writeback_owns(inst->wb, h->character_id)) {
		/* Given back unused (or forgotten): ours again, as offered. */
		h->owned = writeback_own(inst->wb, h->character_id,
		    inst->character_base, h->doc, h->version);
		handoff_forget_recent(inst, h->character_id);
		inst->handoff.reclaimed++;
		handoff_keep(h, "transfer_timeout", "the client did not go "
		    "over in time; it plays on here");
		return;
	}
	snprintf(why, sizeof why, "the hand-over to area %s could not be "
	    "undone; connect again through the server manager", h->to_area);
	log_info("character=%s session=%u stayed after its hand-over to "
	    "area=%s (HTTP %d): let go", h->character_id, s->id, h->to_area,
	    r->status);
	handoff_free(h);
	session_kick(s, "transferred", why);
}

/* The client was told but stayed: may we take the player back? */
static void
handoff_reclaim(struct handoff *h)
{
	struct instance	*inst = h->inst;
	char		*path;

	if (session_find(inst, h->session) == NULL) {
		handoff_free(h);
		return;
	}
	h->phase = HANDOFF_RECLAIMING;
	xasprintf(&path, "/v1/pending/%s", h->ticket);
	h->req = dataapi_send_bearer(inst->peer_api, "DELETE", h->control_url,
	    path, NULL, inst->token, NULL, 0, handoff_reclaim_cb, h);
	free(path);
}

/*
 * Every tick, after the step: players who reached an exit start their
 * hand-over; hand-overs waiting on a write or a client move on.
 */
void
handoff_tick(struct instance *inst)
{
	struct world		*w = inst->run->world;
	struct world_event	*e;
	struct session		*s;
	struct handoff		*h, *next;
	uint64_t		 now = monotonic_ms();
	size_t			 i;

	for (i = 0; i < w->nevents; i++) {
		e = &w->events[i];
		if (e->kind != EVENT_EXIT ||
		    (s = session_find_player(inst, e->a)) == NULL ||
		    s->state != SESSION_PLAYING || s->handoff != NULL ||
		    e->value < 0 || (size_t)e->value >= w->area->nexits)
			continue;
		handoff_start(inst, s, (size_t)e->value);
	}
	for (h = TAILQ_FIRST(&inst->handoffs); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->phase == HANDOFF_FLUSHING)
			handoff_flush(h);
		else if (h->phase == HANDOFF_DONE && now >= h->deadline_ms)
			handoff_reclaim(h);
	}
}

/* Inputs wait: the player is being handed over. */
int
handoff_busy(struct session *s)
{
	return (s->handoff != NULL);
}

/* Is the session's player in the world (not offered, not gone)? */
int
handoff_in_world(struct session *s)
{
	return (s->handoff == NULL || s->handoff->phase == HANDOFF_FLUSHING);
}

/*
 * The session ends. While offered, the hand-over goes on without it (its
 * answer decides who owns the character); otherwise it is over.
 */
void
handoff_session_gone(struct session *s)
{
	struct handoff	*h = s->handoff;

	if (h == NULL)
		return;
	s->handoff = NULL;
	if (h->phase == HANDOFF_OFFERING) {
		h->session = 0;
		return;
	}
	h->session = 0;
	handoff_free(h);
}

/*
 * Drain and shutdown: what was offered was written through first, so the
 * API holds it whoever ends up owning it; let go without writing.
 */
void
handoff_free_all(struct instance *inst)
{
	struct handoff		*h;
	struct handoff_recent	*r;

	while ((r = TAILQ_FIRST(&inst->handoff_recent)) != NULL)
		handoff_recent_free(inst, r);
	while ((h = TAILQ_FIRST(&inst->handoffs)) != NULL) {
		if (h->owned != NULL)
			writeback_abandon(h->owned);
		h->owned = NULL;
		handoff_free(h);
	}
}

/*
 * Live migration, section "HAND" (nothing is in flight then, so only
 * flushing and done hand-overs exist): the counters (u64 started,
 * completed, failed, reclaimed, received, last_us, sum_us), u32 count,
 * then each: u32 session
 * id, u8 phase, str character id, str area, str control_url, str
 * client_url, str ticket, str arrival (JSON, "" for none), u64 started
 * (monotonic ns), u64 deadline (monotonic ms); when done also str
 * document (JSON), i64 version, and the player (as in "WRLD").
 */
void
handoff_save(struct instance *inst, struct snapw *w)
{
	struct handoff		*h;
	struct handoff_recent	*rc;
	uint32_t		 n = 0;

	TAILQ_FOREACH(h, &inst->handoffs, entry)
		n++;
	snapw_u64(w, inst->handoff.started);
	snapw_u64(w, inst->handoff.completed);
	snapw_u64(w, inst->handoff.failed);
	snapw_u64(w, inst->handoff.reclaimed);
	snapw_u64(w, inst->handoff.received);
	snapw_u64(w, inst->handoff.last_us);
	snapw_u64(w, inst->handoff.sum_us);
	snapw_u32(w, n);
	TAILQ_FOREACH(h, &inst->handoffs, entry) {
		if (h->phase != HANDOFF_FLUSHING && h->phase != HANDOFF_DONE)
			fatalx("handoff: saved while %s",
			    handoff_phase_names[h->phase]);
		snapw_u32(w, h->session);
		snapw_u8(w, (uint8_t)h->phase);
		snapw_str(w, h->character_id);
		snapw_str(w, h->to_area);
		snapw_str(w, h->control_url);
		snapw_str(w, h->client_url);
		snapw_str(w, h->ticket);
		snapw_str(w, h->arrival != NULL ?
		    jsonutil_string(h->arrival, NULL) : "");
		snapw_u64(w, h->started_ns);
		snapw_u64(w, h->deadline_ms);
		if (h->phase == HANDOFF_DONE) {
			snapw_str(w, jsonutil_string(h->doc, NULL));
			snapw_i64(w, h->version);
			snapworld_write_player(w, &h->player);
		}
	}
	n = 0;
	TAILQ_FOREACH(rc, &inst->handoff_recent, entry)
		n++;
	snapw_u32(w, n);
	TAILQ_FOREACH(rc, &inst->handoff_recent, entry) {
		snapw_str(w, rc->character_id);
		snapw_str(w, rc->to_area);
		snapw_u64(w, rc->until);
	}
}

static int
handoff_restore_one(struct instance *inst, struct snapr *r, char **cause)
{
	struct handoff	*h;
	struct session	*s;
	char		*arrival = NULL, *doc = NULL;
	const char	*why;

	h = xcalloc(1, sizeof *h);
	h->inst = inst;
	h->poll = evtimer_new(inst->base, handoff_poll_cb, h);
	TAILQ_INSERT_TAIL(&inst->handoffs, h, entry);
	h->session = snapr_u32(r);
	h->phase = snapr_u8(r);
	h->character_id = snapr_strdup(r, 4096);
	h->to_area = snapr_strdup(r, 4096);
	h->control_url = snapr_strdup(r, 4096);
	h->client_url = snapr_strdup(r, 4096);
	snapr_str(r, h->ticket, sizeof h->ticket);
	arrival = snapr_strdup(r, 4096);
	h->started_ns = snapr_u64(r);
	h->deadline_ms = snapr_u64(r);
	if (snapr_ok(r) && h->phase == HANDOFF_DONE) {
		doc = snapr_strdup(r, 64 * 1024 * 1024);
		h->version = snapr_i64(r);
		if (snapr_ok(r) && (why = snapworld_read_player(r,
		    inst->run->area, &h->player)) != NULL) {
			xasprintf(cause, "hand-over: %s", why);
			goto fail;
		}
	}
	if (!snapr_ok(r) || (h->phase != HANDOFF_FLUSHING &&
	    h->phase != HANDOFF_DONE)) {
		xasprintf(cause, "hand-over: %s", snapr_ok(r) ?
		    "unknown phase" : snapr_strerror(r));
		goto fail;
	}
	if (*arrival != '\0' && (h->arrival = jsonutil_parse(arrival,
	    strlen(arrival), cause)) == NULL)
		goto fail;
	if (doc != NULL && (h->doc = jsonutil_parse(doc, strlen(doc),
	    cause)) == NULL)
		goto fail;
	if ((s = session_find(inst, h->session)) == NULL ||
	    s->character_id == NULL ||
	    strcmp(s->character_id, h->character_id) != 0) {
		xasprintf(cause, "hand-over of %s: no such session %u",
		    h->character_id, h->session);
		goto fail;
	}
	s->handoff = h;
	free(arrival);
	free(doc);
	return (0);
fail:
	free(arrival);
	free(doc);
	return (-1);
}

/* After the sessions (it names them); on -1 the caller gives up. */
int
handoff_restore(struct instance *inst, struct snapr *r, char **cause)
{
	struct handoff_recent	*rc;
	uint32_t		 i, n;

	inst->handoff.started = snapr_u64(r);
	inst->handoff.completed = snapr_u64(r);
	inst->handoff.failed = snapr_u64(r);
	inst->handoff.reclaimed = snapr_u64(r);
	inst->handoff.received = snapr_u64(r);
	inst->handoff.last_us = snapr_u64(r);
	inst->handoff.sum_us = snapr_u64(r);
	n = snapr_u32(r);
	for (i = 0; i < n && snapr_ok(r); i++) {
		if (handoff_restore_one(inst, r, cause) != 0)
			return (-1);
	}
	if (snapr_ok(r) && snapr_left(r) > 0) {
		n = snapr_u32(r);
		for (i = 0; i < n && snapr_ok(r); i++) {
			rc = xcalloc(1, sizeof *rc);
			rc->character_id = snapr_strdup(r, 4096);
			rc->to_area = snapr_strdup(r, 4096);
			rc->until = snapr_u64(r);
			TAILQ_INSERT_TAIL(&inst->handoff_recent, rc, entry);
			if (rc->character_id == NULL || rc->to_area == NULL)
				break;
		}
	}
	if (!snapr_ok(r)) {
		xasprintf(cause, "hand-overs: %s", snapr_strerror(r));
		return (-1);
	}
	return (0);
}
