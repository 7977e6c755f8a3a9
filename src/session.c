/* Game clients: tickets at CONNECT, inputs queued per tick, state out. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dataapi.h"
#include "delta.h"
#include "handoff.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "log.h"
#include "migrate.h"
#include "options.h"
#include "pending.h"
#include "session.h"
#include "sim/area.h"
#include "sim/world.h"
#include "siosock.h"
#include "snapfmt.h"
#include "sync.h"
#include "ticker.h"
#include "utf8.h"
#include "writeback.h"
#include "ws.h"
#include "xmalloc.h"

/* Beyond max-clients, connections are closed before any handshake. */
#define SESSION_HANDSHAKE_SLACK	64

static int	session_connect_cb(struct siosock *, const char *,
		    struct json_object *, void *, const char **,
		    const char **);
static void	session_connected_cb(struct siosock *, const char *,
		    struct json_object *, void *);
static void	session_event_cb(struct siosock *, const char *,
		    struct json_object *, const struct sio_attachment *, size_t,
		    int64_t, void *);
static void	session_disconnect_cb(struct siosock *, const char *, void *);
static void	session_closed_cb(struct siosock *, const char *, void *);

static const struct siosock_callbacks session_callbacks = {
	session_connect_cb, session_connected_cb, session_event_cb,
	session_disconnect_cb, session_closed_cb
};

/* Takes ownership of fd. The session frees itself when its socket closes. */
struct session *
session_new(struct instance *inst, evutil_socket_t fd)
{
	struct session	*s;

	if (inst->nsessions >= inst->max_clients + SESSION_HANDSHAKE_SLACK) {
		log_warn("connections=%zu over max-clients: connection "
		    "dropped", inst->nsessions);
		close(fd);
		return (NULL);
	}
	s = xcalloc(1, sizeof *s);
	s->id = ++inst->next_session_id;
	s->instance = inst;
	s->state = SESSION_HANDSHAKE;
	TAILQ_INSERT_TAIL(&inst->sessions, s, entry);
	inst->nsessions++;
	s->sock = siosock_new(inst->base, fd, &inst->sio_config,
	    &session_callbacks, s);
	return (s);
}

static size_t
session_players(struct instance *inst)
{
	struct session	*s;
	size_t		 n = 0;

	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->state == SESSION_PLAYING)
			n++;
	}
	return (n);
}

/* Where the character stands, if it is in this area and the spot is open. */
static void
session_start_position(struct run *run, struct json_object *doc, float *x,
    float *y)
{
	struct json_object	*vx, *vy;
	const char		*area;

	*x = run->area->spawns[0].x;
	*y = run->area->spawns[0].y;
	if (jsonutil_get_string(doc, "area", &area) != 0 ||
	    strcmp(area, run->area->name) != 0)
		return;
	if (!json_object_object_get_ex(doc, "x", &vx) ||
	    !json_object_object_get_ex(doc, "y", &vy))
		return;
	if (!(json_object_is_type(vx, json_type_double) ||
	    json_object_is_type(vx, json_type_int)) ||
	    !(json_object_is_type(vy, json_type_double) ||
	    json_object_is_type(vy, json_type_int)))
		return;
	*x = (float)json_object_get_double(vx);
	*y = (float)json_object_get_double(vy);
	if (!isfinite(*x) || !isfinite(*y) ||
	    !world_body_fits(run->world, *x, *y)) {
		*x = run->area->spawns[0].x;
		*y = run->area->spawns[0].y;
	}
}

static int
session_connect_cb(struct siosock *sock, const char *nsp,
    struct json_object *auth, void *arg, const char **message,
    const char **code)
{
	struct session		*s = arg;
	struct instance		*inst = s->instance;
	struct run		*run = inst->run;
	struct pending		*p;
	struct json_object	*doc;
	struct world_player	*player;
	const char		*ticket, *name;
	char			*cause;
	long long		 version;
	float			 x, y;

	if (strcmp(nsp, "/") != 0) {
		*message = "Invalid namespace";
		*code = "invalid_namespace";
		return (-1);
	}
	if (inst->state != STATE_RUNNING) {
		*message = "server not running";
		*code = "not_running";
		return (-1);
	}
	if (auth == NULL || jsonutil_get_string(auth, "ticket", &ticket) != 0) {
		*message = "ticket required";
		*code = "ticket_required";
		return (-1);
	}
	if (session_players(inst) >= inst->max_clients) {
		*message = "server full";
		*code = "full";
		return (-1);
	}
	switch (pending_claim(&run->pending, ticket, monotonic_ms(), &p)) {
	case PENDING_CLAIM_OK:
		break;
	case PENDING_CLAIM_UNKNOWN:
		*message = "unknown ticket";
		*code = "ticket_unknown";
		return (-1);
	case PENDING_CLAIM_EXPIRED:
		*message = "ticket expired";
		*code = "ticket_expired";
		return (-1);
	case PENDING_CLAIM_USED:
		*message = "ticket already used";
		*code = "ticket_used";
		return (-1);
	}
	if (writeback_owns(inst->wb, p->character_id)) {
		*message = "character already in play";
		*code = "in_play";
		return (-1);
	}
	doc = jsonutil_parse(p->character, strlen(p->character), &cause);
	if (doc == NULL)
		fatalx("session: stored character no longer parses: %s", cause);
	if (jsonutil_get_string(doc, "name", &name) != 0)
		name = p->character_id;
	session_start_position(run, doc, &x, &y);
	if ((player = world_player_add(run->world, name, x, y)) == NULL) {
		json_object_put(doc);
		*message = "no room in the area";
		*code = "full";
		return (-1);
	}
	if (jsonutil_get_int(doc, "version", &version) != 0)
		version = 0;
	session_load_character(player, doc);
	s->synced = player->changes;
	s->player = player->id;
	s->character_id = xstrdup(p->character_id);
	s->owned = writeback_own(inst->wb, p->character_id,
	    inst->character_base, doc, version);
	json_object_put(doc);
	s->quests = p->quests;
	p->quests = NULL;
	pending_drop_documents(p);
	s->state = SESSION_PLAYING;
	session_sync(s);
	log_info("session=%u client=%s character=%s player=%u joined "
	    "area=%s", s->id, siosock_peer(sock), s->character_id, s->player,
	    run->area->name);
	return (0);
}

/*
 * How states come (zoned-protocol(7)): {"format":"delta", "version",
 * "view_radius", "mob_kinds": the kind of each spawner, which a delta's
 * mob type indexes} or {"format":"json"}.
 */
static struct json_object *
session_sync_json(struct instance *inst)
{
	struct json_object	*o, *kinds;
	const struct area	*area = inst->run->area;
	size_t			 i;

	o = json_object_new_object();
	if (options_choice(inst->options, OPT_STATE_FORMAT) ==
	    SESSION_FORMAT_JSON) {
		json_object_object_add(o, "format",
		    json_object_new_string("json"));
		return (o);
	}
	json_object_object_add(o, "format", json_object_new_string("delta"));
	json_object_object_add(o, "version",
	    json_object_new_int(DELTA_VERSION));
	json_object_object_add(o, "view_radius", json_object_new_int64(
	    options_number(inst->options, OPT_VIEW_RADIUS)));
	kinds = json_object_new_array();
	for (i = 0; i < area->nspawners; i++)
		json_object_array_add(kinds,
		    json_object_new_string(area->spawners[i].kind));
	json_object_object_add(o, "mob_kinds", kinds);
	return (o);
}

static void
session_connected_cb(struct siosock *sock, const char *nsp,
    struct json_object *auth, void *arg)
{
	struct session		*s = arg;
	struct run		*run = s->instance->run;
	struct world_player	*p;
	struct json_object	*args, *w, *quests = NULL;
	char			*cause;

	p = world_player_find(run->world, s->player);
	w = json_object_new_object();
	json_object_object_add(w, "id", json_object_new_int64(p->id));
	json_object_object_add(w, "name", json_object_new_string(p->name));
	json_object_object_add(w, "area",
	    json_object_new_string(run->area->name));
	json_object_object_add(w, "tick",
	    json_object_new_int64((int64_t)run->world->tick));
	json_object_object_add(w, "tick_hz",
	    json_object_new_int((int)s->instance->tick_hz));
	json_object_object_add(w, "x", json_object_new_double(p->x));
	json_object_object_add(w, "y", json_object_new_double(p->y));
	json_object_object_add(w, "speed",
	    json_object_new_double(run->world->speed));
	json_object_object_add(w, "character",
	    json_object_get(writeback_doc(s->owned)));
	json_object_object_add(w, "sync", session_sync_json(s->instance));
	if (s->quests != NULL && (quests = jsonutil_parse(s->quests,
	    strlen(s->quests), &cause)) == NULL)
		free(cause);
	json_object_object_add(w, "quests", quests);
	json_object_object_add(w, "area_quests", json_object_get(run->quests));
	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string("welcome"));
	json_object_array_add(args, w);
	siosock_emit(sock, "/", args, NULL, 0);
	json_object_put(args);
}

/* Tells the client what was wrong with what it sent; the session stays. */
static void
session_error(struct session *s, const char *code, const char *message)
{
	struct json_object	*args, *o;

	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string("error"));
	o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_array_add(args, o);
	siosock_emit(s->sock, "/", args, NULL, 0);
	json_object_put(args);
}

static void
session_reply(struct session *s, int64_t ack_id, const char *error,
    uint64_t seq)
{
	struct json_object	*args, *o;

	if (ack_id < 0)
		return;
	args = json_object_new_array();
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(error == NULL));
	if (error != NULL)
		json_object_object_add(o, "error",
		    json_object_new_string(error));
	else
		json_object_object_add(o, "seq",
		    json_object_new_int64((int64_t)seq));
	json_object_array_add(args, o);
	siosock_ack(s->sock, "/", ack_id, args, NULL, 0);
	json_object_put(args);
}

static void
session_queue(struct session *s, uint64_t seq, uint8_t kind, float dx,
    float dy, int32_t arg)
{
	struct session_input	*in = &s->queue[s->nqueued++];

	in->seq = seq;
	in->kind = kind;
	in->dx = dx;
	in->dy = dy;
	in->arg = arg;
}

/*
 * "input" {seq, dx, dy, attack?, talk?}: the direction held, and an attack
 * on the nearest mob or a word with an NPC; queued until the next tick.
 */
static void
session_on_input(struct session *s, struct json_object *args, int64_t ack_id)
{
	struct json_object	*o, *v = NULL;
	long long		 seq;
	double			 dx, dy;
	int			 attack, npc;

	o = json_object_array_length(args) == 2 ?
	    json_object_array_get_idx(args, 1) : NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    jsonutil_get_int(o, "seq", &seq) != 0 || seq < 1 ||
	    seq > 9007199254740991LL ||
	    jsonutil_get_number(o, "dx", &dx) != 0 ||
	    jsonutil_get_number(o, "dy", &dy) != 0 ||
	    dx < -1 || dx > 1 || dy < -1 || dy > 1) {
		session_error(s, "bad_input", "input takes one object {seq, "
		    "dx, dy}: seq an integer from 1, dx and dy from -1 to 1");
		session_reply(s, ack_id, "bad_input", 0);
		return;
	}
	if ((uint64_t)seq <= s->last_seq) {
		session_error(s, "stale_seq", "input seq must increase");
		session_reply(s, ack_id, "stale_seq", 0);
		return;
	}
	if (handoff_busy(s)) {
		/* Not an error of the client's: it learns where to go next. */
		session_reply(s, ack_id, "transferring", 0);
		return;
	}
	if (json_object_object_get_ex(o, "attack", &v) &&
	    !json_object_is_type(v, json_type_boolean)) {
		session_error(s, "bad_input", "attack must be true or false");
		session_reply(s, ack_id, "bad_input", 0);
		return;
	}
	attack = v != NULL && json_object_get_boolean(v);
	npc = -1;
	if (json_object_object_get_ex(o, "talk", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    (npc = world_npc_index(s->instance->run->world,
		    json_object_get_string(v))) < 0) {
			session_error(s, "bad_input", "talk names no NPC of "
			    "this area");
			session_reply(s, ack_id, "bad_input", 0);
			return;
		}
	}
	if (s->nqueued + 1 + (attack ? 1 : 0) + (npc >= 0 ? 1 : 0) >
	    SESSION_INPUT_QUEUE - SESSION_INPUT_RESERVED) {
		session_error(s, "input_overflow", "too many inputs in one "
		    "tick: input dropped");
		session_reply(s, ack_id, "input_overflow", 0);
		return;
	}
	session_queue(s, (uint64_t)seq, INPUT_MOVE, (float)dx, (float)dy, 0);
	if (attack)
		session_queue(s, (uint64_t)seq, INPUT_ATTACK, 0, 0, 0);
	if (npc >= 0)
		session_queue(s, (uint64_t)seq, INPUT_TALK, 0, 0, npc);
	s->last_seq = (uint64_t)seq;
	session_reply(s, ack_id, NULL, (uint64_t)seq);
	/*
	 * No room for another input (of up to three entries) this tick: stop
	 * reading until the tick takes these, rather than refuse what comes
	 * (after a pause, a burst of inputs is normal).
	 */
	if (s->nqueued + 3 > SESSION_INPUT_QUEUE - SESSION_INPUT_RESERVED) {
		s->reading_held = 1;
		siosock_pause_reading(s->sock, 1);
	}
}

/* An "accept_quest" on its way to the Quest Data API. */
struct session_accept {
	struct instance	*inst;
	uint32_t	 session;	/* by id: the session may be gone */
	int64_t		 ack_id;
	char		*quest;
};

struct session *
session_find(struct instance *inst, uint32_t id)
{
	struct session	*s;

	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->id == id)
			return (s);
	}
	return (NULL);
}

size_t
session_output_queued(struct session *s)
{
	return (siosock_output_queued(s->sock));
}

/* The session whose player has this id, or NULL. */
struct session *
session_find_player(struct instance *inst, uint32_t player)
{
	struct session	*s;

	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->player == player && s->state == SESSION_PLAYING)
			return (s);
	}
	return (NULL);
}

/* Emits an event to the client: args is the whole array, name first. */
void
session_emit(struct session *s, struct json_object *args)
{
	siosock_emit(s->sock, "/", args, NULL, 0);
}

/* The player stops where it is (a server-side input, at the next tick). */
void
session_stop(struct session *s)
{
	if (s->nqueued < SESSION_INPUT_QUEUE)
		session_queue(s, s->last_seq, INPUT_MOVE, 0, 0, 0);
}

static void
session_accept_cb(const struct dataapi_response *r, void *arg)
{
	struct session_accept	*a = arg;
	struct session		*s = session_find(a->inst, a->session);
	struct json_object	*args, *o;
	const char		*error = NULL;
	int			 qi;

	if (r->status == 200 && s != NULL && s->state == SESSION_PLAYING &&
	    s->nqueued < SESSION_INPUT_QUEUE && (qi = world_quest_index(
	    s->instance->run->world, a->quest)) >= 0)
		session_queue(s, s->last_seq, INPUT_ACCEPT, 0, 0, qi);
	if (r->status == 409)
		error = "not_acceptable";
	else if (r->status == 404)
		error = "unknown_quest";
	else if (r->status != 200)
		error = "quest_api_unavailable";
	if (s != NULL && s->state == SESSION_PLAYING) {
		args = json_object_new_array();
		o = json_object_new_object();
		json_object_object_add(o, "ok",
		    json_object_new_boolean(error == NULL));
		json_object_object_add(o, "quest",
		    json_object_new_string(a->quest));
		if (error != NULL)
			json_object_object_add(o, "error",
			    json_object_new_string(error));
		if (a->ack_id >= 0) {
			json_object_array_add(args, o);
			siosock_ack(s->sock, "/", a->ack_id, args, NULL, 0);
		} else {
			json_object_array_add(args, json_object_new_string(
			    "quest_accepted"));
			json_object_array_add(args, o);
			siosock_emit(s->sock, "/", args, NULL, 0);
		}
		json_object_put(args);
		log_info("session=%u character=%s accept quest=%s: %s", s->id,
		    s->character_id, a->quest, error != NULL ? error : "ok");
	}
	free(a->quest);
	free(a);
}

/* "accept_quest" {quest}: asks the Quest Data API; the answer comes back. */
static void
session_on_accept(struct session *s, struct json_object *args,
    int64_t ack_id)
{
	struct instance		*inst = s->instance;
	struct session_accept	*a;
	struct json_object	*o;
	const char		*quest;
	char			*id, *qid, *path;

	if (handoff_busy(s)) {
		session_reply(s, ack_id, "transferring", 0);
		return;
	}
	o = json_object_array_length(args) == 2 ?
	    json_object_array_get_idx(args, 1) : NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    jsonutil_get_string(o, "quest", &quest) != 0 || *quest == '\0' ||
	    strlen(quest) > 128) {
		session_error(s, "bad_input", "accept_quest takes one object "
		    "{quest}: a quest id");
		session_reply(s, ack_id, "bad_input", 0);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->inst = inst;
	a->session = s->id;
	a->ack_id = ack_id;
	a->quest = xstrdup(quest);
	id = dataapi_escape(s->character_id);
	qid = dataapi_escape(quest);
	xasprintf(&path, "/characters/%s/quests/%s/accept", id, qid);
	dataapi_send(inst->api, "POST", inst->quest_base, path, NULL, "{}", 2,
	    session_accept_cb, a);
	free(path);
	free(qid);
	free(id);
}

static void
session_event_cb(struct siosock *sock, const char *nsp,
    struct json_object *args, const struct sio_attachment *att, size_t natt,
    int64_t ack_id, void *arg)
{
	struct session	*s = arg;
	const char	*name;
	char		 message[160];

	if (s->state != SESSION_PLAYING)
		return;
	name = json_object_get_string(json_object_array_get_idx(args, 0));
	if (strcmp(name, "input") == 0 && natt == 0) {
		session_on_input(s, args, ack_id);
		return;
	}
	if (strcmp(name, "accept_quest") == 0 && natt == 0) {
		session_on_accept(s, args, ack_id);
		return;
	}
	snprintf(message, sizeof message, "unknown event '%.*s'%s",
	    (int)utf8_prefix_len(name, 64), name,
	    natt != 0 ? " (or binary payload where none is taken)" : "");
	log_debug("session=%u %s", s->id, message);
	session_error(s, "unknown_event", message);
	session_reply(s, ack_id, "unknown_event", 0);
}

static long long
session_int(struct json_object *doc, const char *key, long long def,
    long long min, long long max)
{
	long long	v;

	if (jsonutil_get_int(doc, key, &v) != 0 || v < min || v > max)
		return (def);
	return (v);
}

/*
 * A character document's numbers, inventory and quests into the world's
 * player (what is missing or out of range keeps the fresh defaults).
 */
void
session_load_character(struct world_player *p, struct json_object *doc)
{
	struct json_object		*a, *it, *prog;
	struct world_player_quest	*pq;
	const char			*id;
	size_t				 i, j, n;
	long long			 c;

	p->max_hp = (int32_t)session_int(doc, "max_hp", p->max_hp, 1,
	    1000000000);
	p->hp = (int32_t)session_int(doc, "hp", p->max_hp, 1, p->max_hp);
	p->level = (uint32_t)session_int(doc, "level", 1, 1, 100000);
	p->xp = (uint64_t)session_int(doc, "xp", 0, 0, 1LL << 53);
	if (json_object_object_get_ex(doc, "inventory", &a) &&
	    json_object_is_type(a, json_type_array)) {
		n = json_object_array_length(a);
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(a, i);
			if (jsonutil_get_string(it, "id", &id) != 0 ||
			    *id == '\0')
				continue;
			c = session_int(it, "count", 1, 1, UINT32_MAX);
			world_give_item(p, id, (uint32_t)c);
		}
	}
	if (json_object_object_get_ex(doc, "quests_in_progress", &a) &&
	    json_object_is_type(a, json_type_array)) {
		n = json_object_array_length(a);
		for (i = 0; i < n && p->nquests < WORLD_PLAYER_QUESTS; i++) {
			it = json_object_array_get_idx(a, i);
			if (jsonutil_get_string(it, "id", &id) != 0 ||
			    *id == '\0' || strlen(id) >= WORLD_QUEST_ID_MAX)
				continue;
			pq = &p->quests[p->nquests++];
			memset(pq, 0, sizeof *pq);
			memcpy(pq->id, id, strlen(id) + 1);
			if (json_object_object_get_ex(it, "progress", &prog) &&
			    json_object_is_type(prog, json_type_array)) {
				for (j = 0; j < WORLD_QUEST_OBJECTIVES &&
				    j < json_object_array_length(prog); j++)
					pq->progress[j] = (uint32_t)
					    json_object_get_int64(
					    json_object_array_get_idx(prog, j));
			}
			pq->done = session_int(it, "done", 0, 0, 1) != 0 ||
			    (json_object_object_get_ex(it, "done", &prog) &&
			    json_object_get_boolean(prog));
		}
	}
}

/* The player's progress back into its character document. */
static void
session_store_character(struct session *s, struct world_player *p)
{
	struct json_object	*a, *o, *prog;
	unsigned		 i, j;

	writeback_set(s->owned, "hp", json_object_new_int(p->hp));
	writeback_set(s->owned, "max_hp", json_object_new_int(p->max_hp));
	writeback_set(s->owned, "level", json_object_new_int64(p->level));
	writeback_set(s->owned, "xp", json_object_new_int64((int64_t)p->xp));
	a = json_object_new_array();
	for (i = 0; i < p->nitems; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id",
		    json_object_new_string(p->items[i].id));
		json_object_object_add(o, "count",
		    json_object_new_int64(p->items[i].count));
		json_object_array_add(a, o);
	}
	writeback_set(s->owned, "inventory", a);
	a = json_object_new_array();
	for (i = 0; i < p->nquests; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id",
		    json_object_new_string(p->quests[i].id));
		prog = json_object_new_array();
		for (j = 0; j < WORLD_QUEST_OBJECTIVES; j++)
			json_object_array_add(prog, json_object_new_int64(
			    p->quests[i].progress[j]));
		json_object_object_add(o, "progress", prog);
		json_object_object_add(o, "done",
		    json_object_new_boolean(p->quests[i].done));
		json_object_array_add(a, o);
	}
	writeback_set(s->owned, "quests_in_progress", a);
	s->synced = p->changes;
}

/* Copies where the player stands, and its progress, into its document. */
void
session_sync(struct session *s)
{
	struct run		*run = s->instance->run;
	struct world_player	*p;

	if (s->state != SESSION_PLAYING || s->owned == NULL || run == NULL)
		return;
	if ((p = world_player_find(run->world, s->player)) == NULL)
		return;
	writeback_update(s->owned, run->area->name, p->x, p->y);
	if (p->changes != s->synced)
		session_store_character(s, p);
}

/*
 * The player leaves the world (logout, disconnect or kick): its character
 * is written back one last time and let go.
 */
static void
session_leave(struct session *s, const char *why)
{
	struct run	*run = s->instance->run;

	handoff_session_gone(s);
	if (s->state == SESSION_PLAYING && run != NULL) {
		session_sync(s);
		world_player_remove(run->world, s->player);
		log_info("session=%u character=%s player=%u left area=%s: %s",
		    s->id, s->character_id, s->player, run->area->name, why);
	}
	if (s->owned != NULL)
		writeback_release(s->owned);
	s->owned = NULL;
	s->player = 0;
	s->state = SESSION_CLOSING;
}

/*
 * A migration does not take a connection that is closing: its player
 * leaves now, so that its character is released with the snapshot.
 */
void
session_leave_world(struct session *s, const char *why)
{
	if (s->state == SESSION_PLAYING)
		session_leave(s, why);
}

/* Another instance owns the character now: the player must go. */
void
session_lost(struct session *s, const char *why)
{
	s->owned = NULL;
	session_kick(s, "ownership_lost", "another instance owns this "
	    "character now; connect again through the server manager");
}

static void
session_disconnect_cb(struct siosock *sock, const char *nsp, void *arg)
{
	struct session	*s = arg;

	session_leave(s, "client disconnected");
	siosock_close(sock, WS_CLOSE_NORMAL, "client disconnected");
}

static void
session_closed_cb(struct siosock *sock, const char *reason, void *arg)
{
	struct session	*s = arg;

	session_leave(s, reason);
	log_debug("session=%u client=%s closed: %s", s->id,
	    siosock_peer(sock), reason);
	session_free(s);
}

/* Unlinks and frees a session and its socket (which closes the fd). */
void
session_free(struct session *s)
{
	struct instance	*inst = s->instance;

	TAILQ_REMOVE(&inst->sessions, s, entry);
	inst->nsessions--;
	delta_known_free(s->dk);
	siosock_free(s->sock);
	free(s->character_id);
	free(s->quests);
	free(s);
}

/* Moves this tick's inputs into out (room for SESSION_INPUT_QUEUE). */
size_t
session_drain_inputs(struct session *s, struct world_input *out)
{
	size_t	i, n = s->nqueued;

	for (i = 0; i < n; i++) {
		out[i].player = s->player;
		out[i].seq = s->queue[i].seq;
		out[i].kind = s->queue[i].kind;
		out[i].dx = s->queue[i].dx;
		out[i].dy = s->queue[i].dy;
		out[i].arg = s->queue[i].arg;
	}
	s->nqueued = 0;
	if (s->reading_held) {
		s->reading_held = 0;
		siosock_pause_reading(s->sock, 0);
	}
	return (n);
}

/*
 * Sends this tick's state: the shared players array wrapped with what is
 * the client's own. A client whose output backs up skips frames instead
 * of growing its buffers.
 */
static const char *session_event_names[] = { "hit", "mob_killed",
    "died", "respawned", "level_up", "loot", "quest_accepted",
    "quest_progress", "quest_done", "talk", "exit" };

static int
session_cmp_key(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The tick's events by the player they concern, built once a tick: each
 * client then finds its own by binary search, rather than every client
 * going through every event (2,000 clients and a fight's hundreds of
 * hits a tick). An event concerns its a, and for a hit its b too (a hit
 * b); the keys are player << 32 | index, so a player's come in order.
 */
static void
session_index_events(struct run *run)
{
	struct world		*w = run->world;
	struct world_event	*e;
	size_t			 i, n = 0;

	if (run->event_keys_tick == w->tick + 1)
		return;
	if (2 * w->nevents > run->event_keys_cap) {
		run->event_keys_cap = 2 * w->nevents;
		run->event_keys = xreallocarray(run->event_keys,
		    run->event_keys_cap, sizeof *run->event_keys);
	}
	for (i = 0; i < w->nevents; i++) {
		e = &w->events[i];
		run->event_keys[n++] = (uint64_t)e->a << 32 | i;
		if (e->kind == EVENT_HIT && e->b != e->a)
			run->event_keys[n++] = (uint64_t)e->b << 32 | i;
	}
	if (n > 1)
		qsort(run->event_keys, n, sizeof *run->event_keys,
		    session_cmp_key);
	run->nevent_keys = n;
	run->event_keys_tick = w->tick + 1;
}

/*
 * What happened this step that concerns the player, as JSON objects
 * appended to *buf (NULL or allocated, *len bytes, grown as needed and
 * NUL-terminated once anything is added): {"type", "a", "b", "value",
 * "text"?}.
 */
static void
session_events_json(struct session *s, char **buf, size_t *len)
{
	struct run		*run = s->instance->run;
	struct world		*w = run->world;
	struct world_event	*e;
	struct json_object	*text;
	size_t			 lo = 0, hi, mid, n;
	uint64_t		 key = (uint64_t)s->player << 32;
	char			*item;
	int			 first = 1;

	session_index_events(run);
	for (hi = run->nevent_keys; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if (run->event_keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < run->nevent_keys && run->event_keys[lo] >> 32 ==
	    s->player; lo++) {
		e = &w->events[run->event_keys[lo] & 0xffffffffu];
		text = json_object_new_string(e->text);
		n = (size_t)xasprintf(&item, "%s{\"type\":\"%s\","
		    "\"a\":%u,\"b\":%u,\"value\":%lld,\"text\":%s}",
		    first ? "" : ",", session_event_names[e->kind], e->a, e->b,
		    (long long)e->value, jsonutil_string(text, NULL));
		json_object_put(text);
		*buf = xrealloc(*buf, *len + n + 1);
		memcpy(*buf + *len, item, n + 1);
		*len += n;
		free(item);
		first = 0;
	}
}

/*
 * How much unsent output a client may have before it skips a state: a
 * few states' worth. A newer state replaces an older one, so queueing
 * more only delays the client, costs memory, and makes a live migration
 * carry (and pause for) stale frames.
 */
static size_t
session_state_backlog(struct session *s)
{
	size_t	limit = s->instance->output_limit / 2;

	return (limit < SESSION_STATE_BACKLOG ? limit : SESSION_STATE_BACKLOG);
}

/*
 * Sends this tick's state: the shared players and mobs wrapped with what
 * is the client's own (its last applied input, its events). A client
 * whose output backs up skips frames instead of growing its buffers.
 */
/*
 * Is a state due to s this tick? Not if it is not in the world, nor
 * while a migration holds states; and a client with more than a few
 * states unsent skips this one (counted).
 */
int
session_state_due(struct session *s)
{
	if (s->state != SESSION_PLAYING || !handoff_in_world(s) ||
	    migrate_holding_states(s->instance))
		return (0);
	if (siosock_output_queued(s->sock) > session_state_backlog(s)) {
		s->skipped_states++;
		return (0);
	}
	return (1);
}

/*
 * With binary deltas, what happened to s's player this tick (hits,
 * deaths, loot, ...) comes as the event "events", when there is any.
 */
void
session_send_events(struct session *s)
{
	char	*events = NULL, *msg;
	size_t	 elen = 0;
	int	 n;

	/* Nothing allocated for a client with no events (most of them). */
	session_events_json(s, &events, &elen);
	if (elen != 0) {
		n = xasprintf(&msg, "[\"events\",[%s]]", events);
		siosock_emit_raw(s->sock, "/", msg, (size_t)n);
		free(msg);
	}
	free(events);
}

void
session_send_state(struct session *s, const char *shared, size_t len,
    uint64_t tick)
{
	struct world_player	*p;
	char			*msg, *events;
	size_t			 elen = 0;
	int			 n;

	if (!session_state_due(s))
		return;
	p = world_player_find(s->instance->run->world, s->player);
	events = NULL;
	session_events_json(s, &events, &elen);
	n = xasprintf(&msg, "[\"state\",{\"tick\":%llu,\"seq\":%llu,"
	    "%.*s,\"events\":[%s]}]", (unsigned long long)tick,
	    (unsigned long long)(p != NULL ? p->last_seq : 0), (int)len,
	    shared, events != NULL ? events : "");
	siosock_emit_raw(s->sock, "/", msg, (size_t)n);
	free(events);
	free(msg);
}

/* Sends an error with code and message, then ends the session. */
void
session_kick(struct session *s, const char *code, const char *message)
{
	if (s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_PLAYING) {
		session_error(s, code, message);
		siosock_disconnect(s->sock, "/");
	}
	session_leave(s, message);
	siosock_close(s->sock, WS_CLOSE_NORMAL, message);
}

/*
 * Live migration, section "SESS": u32 sessions, then each:
 *	u32 id (also the id its socket travels under), u8 state, u32 player,
 *	str character id, u8 owns its character, u8 has quests, str quests,
 *	u64 last seq, u64 skipped states, u32 synced, u32 queued inputs,
 *	each u64 seq, u8 kind, f32 dx, f32 dy, i32 arg;
 *	(format 4:) u8 has a delta table, the table in full
 *	(read by delta_client_restore);
 *	(format 5:) u8 has a delta table, the ids it holds
 *	(delta_known_save), whose fields are the world's if it is current;
 *	then its Socket.IO connection (siosock.c).
 * From format 3 a session has no table, from format 4 one that is not
 * current: its first delta resynchronises it.
 * A session that is closing does not move: the old process finishes it.
 */
int
session_migratable(struct session *s)
{
	return (s->state != SESSION_CLOSING && siosock_migratable(s->sock));
}

evutil_socket_t
session_fd(struct session *s)
{
	return (siosock_fd(s->sock));
}

void
session_save(struct session *s, struct snapw *w)
{
	size_t	i;

	snapw_u32(w, s->id);
	snapw_u8(w, (uint8_t)s->state);
	snapw_u32(w, s->player);
	snapw_str(w, s->character_id != NULL ? s->character_id : "");
	snapw_u8(w, s->owned != NULL);
	snapw_u8(w, s->quests != NULL);
	snapw_str(w, s->quests != NULL ? s->quests : "");
	snapw_u64(w, s->last_seq);
	snapw_u64(w, s->skipped_states);
	snapw_u32(w, s->synced);
	snapw_u32(w, (uint32_t)s->nqueued);
	for (i = 0; i < s->nqueued; i++) {
		snapw_u64(w, s->queue[i].seq);
		snapw_u8(w, s->queue[i].kind);
		snapw_f32(w, s->queue[i].dx);
		snapw_f32(w, s->queue[i].dy);
		snapw_i32(w, s->queue[i].arg);
	}
	snapw_u8(w, s->dk != NULL && s->instance->run != NULL);
	if (s->dk != NULL && s->instance->run != NULL) {
		sync_known_ids(s->instance, s->dk);
		delta_known_save(s->dk, s->instance->run->world->tick, w);
	}
	siosock_save(s->sock, w);
}

/* The id a session's socket travels under (session_save writes it). */
uint32_t
session_peek_id(const struct snapr *r)
{
	struct snapr	copy = *r;

	return (snapr_u32(&copy));
}

/*
 * What the client was sent. Format 4 kept each entry's fields: only its
 * ids are of use now, and the next delta resynchronises the client.
 */
static int
session_restore_table(struct session *s, struct snapr *r, char **cause)
{
	struct delta_client		*c;
	const struct delta_fields	*f;
	uint32_t			*ids;
	size_t				 n, i;
	int				 rv;

	s->dk = delta_known_new();
	if (r->version >= 5)
		return (delta_known_restore(s->dk,
		    s->instance->run->world->tick, r, cause));
	c = delta_client_new();
	if ((rv = delta_client_restore(c, r, cause)) == 0) {
		f = delta_client_known(c, &n);
		ids = xcalloc(n + 1, sizeof *ids);
		for (i = 0; i < n; i++)
			ids[i] = f[i].id;
		delta_known_set(s->dk, ids, n, 0);
		free(ids);
	}
	delta_client_free(c);
	return (rv);
}

static int
session_restore_fields(struct session *s, struct snapr *r, uint8_t *owns,
    char **cause)
{
	struct run	*run = s->instance->run;
	size_t		 i;
	uint8_t		 state, has_quests, table = 0;

	s->id = snapr_u32(r);
	state = snapr_u8(r);
	s->player = snapr_u32(r);
	s->character_id = snapr_strdup(r, 4096);
	*owns = snapr_u8(r);
	has_quests = snapr_u8(r);
	s->quests = snapr_strdup(r, 16 * 1024 * 1024);
	s->last_seq = snapr_u64(r);
	s->skipped_states = snapr_u64(r);
	s->synced = snapr_u32(r);
	s->nqueued = snapr_u32(r);
	if (!snapr_ok(r) || s->nqueued > SESSION_INPUT_QUEUE) {
		s->nqueued = 0;
		xasprintf(cause, "session: %s", snapr_ok(r) ?
		    "too many inputs" : snapr_strerror(r));
		return (-1);
	}
	for (i = 0; i < s->nqueued; i++) {
		s->queue[i].seq = snapr_u64(r);
		s->queue[i].kind = snapr_u8(r);
		s->queue[i].dx = snapr_f32(r);
		s->queue[i].dy = snapr_f32(r);
		s->queue[i].arg = snapr_i32(r);
	}
	if (!snapr_ok(r)) {
		xasprintf(cause, "session: %s", snapr_strerror(r));
		return (-1);
	}
	if (r->version >= 4)
		table = snapr_u8(r);
	if (table > 1 || (table && run == NULL)) {
		xasprintf(cause, "session %u: %s", s->id, table > 1 ?
		    "bad delta table flag" : "a delta table without a world");
		return (-1);
	}
	if (table && session_restore_table(s, r, cause) != 0)
		return (-1);
	if (!has_quests) {
		free(s->quests);
		s->quests = NULL;
	}
	if (state != SESSION_HANDSHAKE && state != SESSION_PLAYING) {
		xasprintf(cause, "session %u: state %u cannot move", s->id,
		    state);
		return (-1);
	}
	s->state = state;
	/*
	 * A player is in the world with its character owned here, or (handed
	 * over, waiting for its client to go: handoff.c) neither.
	 */
	if (s->state == SESSION_PLAYING && (run == NULL ||
	    *s->character_id == '\0' || (world_player_find(run->world,
	    s->player) != NULL) != (*owns != 0))) {
		xasprintf(cause, "session %u: player %u is not in the world",
		    s->id, s->player);
		return (-1);
	}
	if (*s->character_id == '\0') {
		free(s->character_id);
		s->character_id = NULL;
	}
	return (0);
}

/*
 * A session from a snapshot, on fd (owned from here on, unless -1 is
 * returned with *cause). Its character must be restored already.
 */
int
session_restore(struct instance *inst, struct snapr *r, evutil_socket_t fd,
    char **cause)
{
	struct session	*s;
	uint8_t		 owns = 0;

	s = xcalloc(1, sizeof *s);
	s->instance = inst;
	if (session_restore_fields(s, r, &owns, cause) != 0)
		goto fail;
	if (owns && (s->owned = writeback_find(inst->wb,
	    s->character_id)) == NULL) {
		xasprintf(cause, "session %u: character %s is not owned",
		    s->id, s->character_id);
		goto fail;
	}
	if ((s->sock = siosock_restore(inst->base, fd, &inst->sio_config,
	    &session_callbacks, s, r, cause)) == NULL)
		goto fail;
	if (s->id > inst->next_session_id)
		inst->next_session_id = s->id;
	TAILQ_INSERT_TAIL(&inst->sessions, s, entry);
	inst->nsessions++;
	return (0);
fail:
	free(s->character_id);
	free(s->quests);
	delta_known_free(s->dk);
	free(s);
	return (-1);
}

/* After the commit: the restored session's I/O starts. */
void
session_resume(struct session *s)
{
	siosock_resume(s->sock);
}

/*
 * In the old process after the commit: the session lives on elsewhere.
 * Freed without a word to the client or the world.
 */
void
session_forget(struct session *s)
{
	s->owned = NULL;
	session_free(s);
}
