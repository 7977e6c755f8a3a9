/* Preparing announced connections: fetch, then make the ticket. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <json-c/json.h>

#include "dataapi.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "log.h"
#include "pending.h"
#include "prepare.h"
#include "sim/area.h"
#include "ticker.h"
#include "writeback.h"
#include "xmalloc.h"

struct prepare {
	struct instance		*inst;
	char			*ticket;
	char			*character_id;
	char			*from_area;
	long long		 expires_ms;
	struct json_object	*character;
	struct json_object	*quests;
	struct dataapi_request	*char_req;
	struct dataapi_request	*quest_req;
	int			 status;	/* first failure, 0 if none */
	char			*cause;
	prepare_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(prepare)	 entry;
};

static void
prepare_free(struct prepare *p)
{
	TAILQ_REMOVE(&p->inst->preps, p, entry);
	if (p->char_req != NULL)
		dataapi_cancel(p->char_req);
	if (p->quest_req != NULL)
		dataapi_cancel(p->quest_req);
	json_object_put(p->character);
	json_object_put(p->quests);
	free(p->ticket);
	free(p->character_id);
	free(p->from_area);
	free(p->cause);
	free(p);
}

static void
prepare_fail(struct prepare *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Remembers the first failure; the others add nothing. */
static void
prepare_fail(struct prepare *p, int status, const char *fmt, ...)
{
	va_list	ap;

	if (p->status != 0)
		return;
	p->status = status;
	va_start(ap, fmt);
	xvasprintf(&p->cause, fmt, ap);
	va_end(ap);
}

/* Both answers are in: make the ticket, or report the failure. */
static void
prepare_finish(struct prepare *p)
{
	struct instance	*inst = p->inst;
	int		 status = 201;
	char		*cause = NULL;
	uint64_t	 now = monotonic_ms();

	if (p->char_req != NULL || p->quest_req != NULL)
		return;
	if (p->status != 0) {
		log_info("ticket for character=%s not prepared: %s",
		    p->character_id, p->cause);
		p->cb(p->status, p->cause, p->arg);
		prepare_free(p);
		return;
	}
	if (inst->state != STATE_RUNNING) {
		p->cb(409, "the instance stopped running meanwhile", p->arg);
		prepare_free(p);
		return;
	}
	if (writeback_owns(inst->wb, p->character_id)) {
		p->cb(409, "the character is still in this instance", p->arg);
		prepare_free(p);
		return;
	}
	if (pending_add(&inst->run->pending, p->ticket, p->character_id,
	    jsonutil_string(p->character, NULL), p->from_area,
	    now + (uint64_t)p->expires_ms, now, &status, &cause) != 0) {
		p->cb(status, cause, p->arg);
		free(cause);
		prepare_free(p);
		return;
	}
	pending_set_quests(&inst->run->pending, p->ticket,
	    jsonutil_string(p->quests, NULL));
	if (p->from_area != NULL)
		inst->handoff.received++;
	log_info("ticket announced character=%s expires_ms=%lld%s%s",
	    p->character_id, p->expires_ms, p->from_area != NULL ?
	    " from_area=" : "", p->from_area != NULL ? p->from_area : "");
	p->cb(201, NULL, p->arg);
	prepare_free(p);
}

/* A failed answer: 404 passes through, the rest are the API's fault. */
static void
prepare_api_failure(struct prepare *p, const char *what,
    const struct dataapi_response *r)
{
	if (r->status == 404)
		prepare_fail(p, 404, "%s: unknown character %s", what,
		    p->character_id);
	else if (r->timed_out)
		prepare_fail(p, 504, "%s timed out after %llu ms", what,
		    (unsigned long long)(r->elapsed_us / 1000));
	else if (r->status == 0)
		prepare_fail(p, 502, "%s unreachable: %s", what, r->error);
	else
		prepare_fail(p, 502, "%s answered HTTP %d", what, r->status);
}

/* The body as a JSON object, or NULL after recording a 502. */
static struct json_object *
prepare_body(struct prepare *p, const char *what,
    const struct dataapi_response *r)
{
	struct json_object	*o;
	char			*cause;

	if ((o = jsonutil_parse(r->body, r->len, &cause)) == NULL) {
		prepare_fail(p, 502, "%s answered bad JSON: %s", what, cause);
		free(cause);
		return (NULL);
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		prepare_fail(p, 502, "%s answered something not an object",
		    what);
		return (NULL);
	}
	return (o);
}

static void
prepare_character_cb(const struct dataapi_response *r, void *arg)
{
	struct prepare		*p = arg;
	struct json_object	*o, *v;
	const char		*id;

	p->char_req = NULL;
	if (r->status != 200)
		prepare_api_failure(p, "Character Data API", r);
	else if ((o = prepare_body(p, "Character Data API", r)) != NULL) {
		if (!json_object_object_get_ex(o, "version", &v) ||
		    !json_object_is_type(v, json_type_int))
			prepare_fail(p, 502, "Character Data API: the "
			    "document has no integer version");
		else if (jsonutil_get_string(o, "id", &id) == 0 &&
		    strcmp(id, p->character_id) != 0)
			prepare_fail(p, 502, "Character Data API: asked for "
			    "%s, got %s", p->character_id, id);
		else {
			p->character = o;
			o = NULL;
		}
		json_object_put(o);
	}
	prepare_finish(p);
}

static void
prepare_quests_cb(const struct dataapi_response *r, void *arg)
{
	struct prepare	*p = arg;

	p->quest_req = NULL;
	if (r->status != 200)
		prepare_api_failure(p, "Quest Data API", r);
	else
		p->quests = prepare_body(p, "Quest Data API", r);
	prepare_finish(p);
}

/*
 * Starts preparing; cb runs later (never from inside this call), once.
 * The instance must be running.
 */
void
prepare_start(struct instance *inst, const struct prepare_request *req,
    prepare_cb cb, void *arg)
{
	struct prepare	*p;
	char		*id, *area, *path;

	p = xcalloc(1, sizeof *p);
	p->inst = inst;
	p->ticket = xstrdup(req->ticket);
	p->character_id = xstrdup(req->character_id);
	p->from_area = req->from_area != NULL ? xstrdup(req->from_area) : NULL;
	p->expires_ms = req->expires_ms;
	p->cb = cb;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&inst->preps, p, entry);

	id = dataapi_escape(req->character_id);
	if (req->character != NULL)
		p->character = json_object_get(req->character);
	else {
		xasprintf(&path, "/characters/%s", id);
		p->char_req = dataapi_send(inst->api, "GET",
		    inst->character_base, path, NULL, NULL, 0,
		    prepare_character_cb, p);
		free(path);
	}
	area = dataapi_escape(inst->run->area->name);
	xasprintf(&path, "/characters/%s/quests?area=%s", id, area);
	p->quest_req = dataapi_send(inst->api, "GET", inst->quest_base, path,
	    NULL, NULL, 0, prepare_quests_cb, p);
	free(path);
	free(area);
	free(id);
}

/* Drain: every preparation under way is answered 409 and dropped. */
void
prepare_abort_all(struct instance *inst)
{
	struct prepare	*p;

	while ((p = TAILQ_FIRST(&inst->preps)) != NULL) {
		p->cb(409, "the area is being drained", p->arg);
		prepare_free(p);
	}
}
