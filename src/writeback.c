/* Owned characters and their write-back to the Character Data API. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dataapi.h"
#include "jsonutil.h"
#include "log.h"
#include "snapfmt.h"
#include "spool.h"
#include "ticker.h"
#include "writeback.h"
#include "xmalloc.h"

#define WRITEBACK_MAX_BACKOFF	60	/* seconds between retries, at most */
#define WRITEBACK_MAYBE		8	/* unanswered bodies remembered */

struct owned {
	struct writeback	*wb;
	char			*id;
	char			*base;
	struct json_object	*doc;		/* the latest, NULL: not parsed */
	char			*text;		/* doc as text, NULL if changed */
	size_t			 text_len;
	long long		 version;	/* what the API holds: If-Match */
	int			 dirty;		/* doc not written since change */
	int			 releasing;	/* forget once written */
	int			 spooled;	/* a copy is in the spool */
	int			 uncertain;	/* an attempt may have landed */
	char			*sent;		/* body of the last attempt */
	/*
	 * Bodies of unanswered attempts since the last confirmed version:
	 * any one of them may have landed (the API takes at most one).
	 */
	char			*maybe[WRITEBACK_MAYBE];
	unsigned		 nmaybe;
	struct dataapi_request	*req;		/* PUT or verifying GET */
	unsigned		 attempts;
	struct event		*retry;
	uint64_t		 retry_due;	/* monotonic ms, when armed */
	int			 due;		/* a write waits for unhold */
	int			 frozen;	/* being handed over: no write */
	TAILQ_ENTRY(owned)	 entry;
};

TAILQ_HEAD(owned_list, owned);

struct writeback {
	struct event_base	*base;
	struct dataapi		*api;
	char			*spool_path;
	char			*rejected_dir;
	struct owned_list	 owned;
	struct lh_table		*by_id;		/* owned, by character id */
	writeback_lost_cb	 lost_cb;
	void			*lost_arg;
	writeback_idle_cb	 idle_cb;
	void			*idle_arg;
	int			 held;		/* no new requests (migration) */
	struct writeback_stats	 stats;
};

static struct json_object *owned_doc(struct owned *);
static void	owned_write(struct owned *);
static void	owned_next(struct owned *);

/* Caller frees with writeback_free. */
struct writeback *
writeback_new(struct event_base *base, struct dataapi *api,
    const char *state_dir, writeback_lost_cb lost_cb,
    void *arg)
{
	struct writeback	*wb;

	wb = xcalloc(1, sizeof *wb);
	wb->base = base;
	wb->api = api;
	xasprintf(&wb->spool_path, "%s/spool.json", state_dir);
	xasprintf(&wb->rejected_dir, "%s/rejected", state_dir);
	TAILQ_INIT(&wb->owned);
	if ((wb->by_id = lh_kchar_table_new(64, NULL)) == NULL)
		fatalx("lh_kchar_table_new failed");
	wb->lost_cb = lost_cb;
	wb->lost_arg = arg;
	return (wb);
}

static void
owned_forget_maybe(struct owned *o)
{
	unsigned	i;

	for (i = 0; i < o->nmaybe; i++)
		free(o->maybe[i]);
	o->nmaybe = 0;
}

/* The last attempt got no answer: remember what it carried. */
static void
owned_remember_maybe(struct owned *o)
{
	if (o->sent == NULL)
		return;
	if (o->nmaybe == WRITEBACK_MAYBE) {
		free(o->maybe[0]);
		memmove(&o->maybe[0], &o->maybe[1],
		    (WRITEBACK_MAYBE - 1) * sizeof o->maybe[0]);
		o->nmaybe--;
	}
	o->maybe[o->nmaybe++] = xstrdup(o->sent);
}

static void
owned_free(struct owned *o)
{
	struct writeback	*wb = o->wb;

	TAILQ_REMOVE(&wb->owned, o, entry);
	lh_table_delete(wb->by_id, o->id);
	wb->stats.owned--;
	if (o->req != NULL)
		dataapi_cancel(o->req);
	event_free(o->retry);
	json_object_put(o->doc);
	owned_forget_maybe(o);
	free(o->sent);
	free(o->text);
	free(o->base);
	free(o->id);
	free(o);
}

void
writeback_free(struct writeback *wb)
{
	struct owned	*o;

	if (wb == NULL)
		return;
	while ((o = TAILQ_FIRST(&wb->owned)) != NULL)
		owned_free(o);
	lh_table_free(wb->by_id);
	free(wb->spool_path);
	free(wb->rejected_dir);
	free(wb);
}

/* Rewrites the spool from the entries marked spooled. */
static void
writeback_spool(struct writeback *wb)
{
	struct spool_entry	*e;
	struct owned		*o;
	size_t			 n = 0;
	char			*cause;

	e = xcalloc(wb->stats.owned + 1, sizeof *e);
	TAILQ_FOREACH(o, &wb->owned, entry) {
		if (!o->spooled)
			continue;
		e[n].id = o->id;
		e[n].base = o->base;
		e[n].version = o->version;
		e[n].doc = owned_doc(o);
		n++;
	}
	wb->stats.spooled = n;
	if (spool_save(wb->spool_path, e, n, &cause) != 0) {
		/* Still in memory and retried; only a crash could lose it. */
		log_error("spool: %s", cause);
		free(cause);
	}
	free(e);
}

static void
writeback_check_idle(struct writeback *wb)
{
	writeback_idle_cb	cb = wb->idle_cb;

	if (cb == NULL || writeback_busy(wb))
		return;
	wb->idle_cb = NULL;
	cb(wb->idle_arg);
}

static void
owned_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	owned_write(arg);
}

static void
owned_retry_in(struct owned *o, unsigned seconds)
{
	struct timeval	tv = { seconds, 0 };

	o->retry_due = monotonic_ms() + (uint64_t)seconds * 1000;
	evtimer_add(o->retry, &tv);
}

static struct owned *
owned_new(struct writeback *wb, const char *id, const char *base,
    struct json_object *doc, long long version)
{
	struct owned	*o;

	o = xcalloc(1, sizeof *o);
	o->wb = wb;
	o->id = xstrdup(id);
	o->base = xstrdup(base);
	o->doc = doc;
	o->version = version;
	o->retry = evtimer_new(wb->base, owned_retry_cb, o);
	TAILQ_INSERT_TAIL(&wb->owned, o, entry);
	if (lh_table_insert(wb->by_id, o->id, o) != 0)
		fatalx("lh_table_insert failed");
	wb->stats.owned++;
	return (o);
}

/*
 * The document as text. Kept until the document changes, because most
 * documents change once per writeback-interval at most while the text
 * is wanted for every write and every snapshot.
 */
static const char *
owned_text(struct owned *o, size_t *len)
{
	const char	*t;

	if (o->text == NULL) {
		t = jsonutil_string(o->doc, &o->text_len);
		o->text = xstrndup(t, o->text_len);
	}
	if (len != NULL)
		*len = o->text_len;
	return (o->text);
}

/*
 * The document as an object. One that came with a snapshot is parsed on
 * first use (the next writeback-interval, mostly), not in the migration's
 * pause: 1,000 documents take 6 ms. Its text is json-c's own rendering in
 * an earlier process and passed the snapshot's checksum, so it parses;
 * if not, that process wrote a broken snapshot, and this one stops rather
 * than write a guess back.
 */
static struct json_object *
owned_doc(struct owned *o)
{
	char	*why;

	if (o->doc == NULL && (o->doc = jsonutil_parse(o->text, o->text_len,
	    &why)) == NULL)
		fatalx("character=%s: the document that came with the "
		    "snapshot does not parse: %s", o->id, why);
	return (o->doc);
}

static void
owned_changed(struct owned *o)
{
	o->dirty = 1;
	free(o->text);
	o->text = NULL;
}

/*
 * This instance now owns the character (fetched, or handed over): takes a
 * reference to doc. The caller must have checked writeback_owns first.
 */
struct owned *
writeback_own(struct writeback *wb, const char *id, const char *base,
    struct json_object *doc, long long version)
{
	return (owned_new(wb, id, base, json_object_get(doc), version));
}

int
writeback_owns(struct writeback *wb, const char *id)
{
	return (writeback_find(wb, id) != NULL);
}

struct json_object *
writeback_doc(struct owned *o)
{
	return (owned_doc(o));
}

static int
doc_number_equal(struct json_object *doc, const char *key, double v)
{
	struct json_object	*x;

	return (json_object_object_get_ex(doc, key, &x) &&
	    (json_object_is_type(x, json_type_double) ||
	    json_object_is_type(x, json_type_int)) &&
	    json_object_get_double(x) == v);
}

/* Where the character is now; marks it for the next write if it moved. */
void
writeback_update(struct owned *o, const char *area, double x, double y)
{
	struct json_object	*doc = owned_doc(o);
	const char		*cur;

	if (jsonutil_get_string(doc, "area", &cur) != 0 ||
	    strcmp(cur, area) != 0) {
		json_object_object_add(doc, "area",
		    json_object_new_string(area));
		owned_changed(o);
	}
	if (!doc_number_equal(doc, "x", x)) {
		json_object_object_add(doc, "x", json_object_new_double(x));
		owned_changed(o);
	}
	if (!doc_number_equal(doc, "y", y)) {
		json_object_object_add(doc, "y", json_object_new_double(y));
		owned_changed(o);
	}
}

/* Replaces a member of the document (takes val) and marks it changed. */
void
writeback_set(struct owned *o, const char *key, struct json_object *val)
{
	json_object_object_add(owned_doc(o), key, val);
	owned_changed(o);
}

/* Writes every changed character that has no write under way. */
void
writeback_flush_dirty(struct writeback *wb)
{
	struct owned	*o;
	int		 respool = 0;

	if (wb->held)
		return;		/* the next flush (or process) writes them */
	TAILQ_FOREACH(o, &wb->owned, entry) {
		if (!o->dirty)
			continue;
		/* A spooled copy must follow the document (crash safety). */
		if (o->spooled)
			respool = 1;
		if (o->req == NULL && !evtimer_pending(o->retry, NULL))
			owned_write(o);
	}
	if (respool)
		writeback_spool(wb);
}

/* The player left: write once more (even unchanged), then let go. */
void
writeback_release(struct owned *o)
{
	o->releasing = 1;
	o->dirty = 1;
	if (o->spooled)
		writeback_spool(o->wb);
	if (o->req == NULL && !evtimer_pending(o->retry, NULL))
		owned_write(o);
}

/* Anything waiting for an answer? (Spooled retries do not count.) */
int
writeback_busy(struct writeback *wb)
{
	return (wb->stats.in_flight != 0);
}

void
writeback_when_idle(struct writeback *wb, writeback_idle_cb cb, void *arg)
{
	wb->idle_cb = cb;
	wb->idle_arg = arg;
	writeback_check_idle(wb);
}

const struct writeback_stats *
writeback_stats(struct writeback *wb)
{
	return (&wb->stats);
}

/* Another instance owns the character: let go, and never write it again. */
static void
owned_lost(struct owned *o, const char *why)
{
	struct writeback	*wb = o->wb;
	int			 was_spooled = o->spooled;

	log_warn("character=%s write-back refused: %s: letting go", o->id,
	    why);
	wb->stats.conflicts++;
	if (wb->lost_cb != NULL)
		wb->lost_cb(o->id, why, wb->lost_arg);
	owned_free(o);
	if (was_spooled)
		writeback_spool(wb);
}

/* A write the API will never take (4xx): keep it for the operator. */
static void
owned_rejected(struct owned *o, int status, const char *body)
{
	struct writeback	*wb = o->wb;
	char			*path;
	FILE			*f;
	int			 was_spooled = o->spooled;

	mkdir(wb->rejected_dir, 0700);
	xasprintf(&path, "%s/%s.v%lld.json", wb->rejected_dir, o->id,
	    o->version);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(owned_text(o, NULL), f);
		fclose(f);
	}
	log_error("character=%s write-back refused with HTTP %d (%s): the "
	    "document is kept in %s", o->id, status, body, path);
	free(path);
	wb->stats.rejected++;
	owned_free(o);
	if (was_spooled)
		writeback_spool(wb);
}

static void
owned_landed(struct owned *o, long long version)
{
	o->version = version;
	o->uncertain = 0;
	o->attempts = 0;
	owned_forget_maybe(o);
	o->wb->stats.writes++;
	log_debug("character=%s written version=%lld", o->id, version);
	if (o->spooled) {
		o->spooled = 0;
		writeback_spool(o->wb);
	}
	owned_next(o);
}

/*
 * After a 409 that followed an attempt with no answer: was the earlier
 * attempt ours? If the API holds exactly what we sent, it landed.
 */
static void
owned_verify_cb(const struct dataapi_response *r, void *arg)
{
	struct owned		*o = arg;
	struct writeback	*wb = o->wb;
	struct json_object	*doc, *sent;
	char			*cause;
	long long		 version = 0;
	unsigned		 i;
	int			 landed = 0;

	o->req = NULL;
	wb->stats.in_flight--;
	doc = r->status == 200 ? jsonutil_parse(r->body, r->len, &cause) :
	    NULL;
	if (r->status == 200 && doc == NULL)
		free(cause);
	if (doc != NULL && json_object_is_type(doc, json_type_object) &&
	    jsonutil_get_int(doc, "version", &version) == 0) {
		json_object_object_del(doc, "version");
		for (i = 0; i < o->nmaybe && !landed; i++) {
			if ((sent = jsonutil_parse(o->maybe[i],
			    strlen(o->maybe[i]), &cause)) == NULL) {
				free(cause);
				continue;
			}
			json_object_object_del(sent, "version");
			landed = jsonutil_equal(doc, sent);
			json_object_put(sent);
		}
	}
	json_object_put(doc);
	if (landed) {
		log_info("character=%s an unanswered write had landed "
		    "(version=%lld)", o->id, version);
		/* What changed since is written on top of it. */
		o->dirty = 1;
		owned_landed(o, version);
	} else if (r->status == 200 || r->status == 404)
		owned_lost(o, "stale version (another instance wrote it)");
	else {
		/* Could not check: try the whole write again later. */
		o->dirty = 1;
		owned_retry_in(o, 1);
	}
	writeback_check_idle(wb);	/* o may be gone: use wb */
}

static void
owned_write_cb(const struct dataapi_response *r, void *arg)
{
	struct owned		*o = arg;
	struct writeback	*wb = o->wb;
	struct json_object	*body;
	char			*cause, *path;
	long long		 version;
	unsigned		 delay;

	o->req = NULL;
	wb->stats.in_flight--;
	if (r->status == 200) {
		body = jsonutil_parse(r->body, r->len, &cause);
		if (body == NULL || jsonutil_get_int(body, "version",
		    &version) != 0) {
			if (body == NULL)
				free(cause);
			version = o->version + 1;
			log_warn("character=%s write answer has no version: "
			    "assuming %lld", o->id, version);
		}
		json_object_put(body);
		owned_landed(o, version);
	} else if (r->status == 409 && o->uncertain) {
		xasprintf(&path, "/characters/%s", o->id);
		o->req = dataapi_send(wb->api, "GET", o->base, path, NULL,
		    NULL, 0, owned_verify_cb, o);
		wb->stats.in_flight++;
		free(path);
	} else if (r->status == 409)
		owned_lost(o, "stale version (another instance owns it)");
	else if (r->status == 0 || r->status >= 500 || r->status == 429) {
		wb->stats.failures++;
		o->uncertain = 1;
		owned_remember_maybe(o);
		o->dirty = 1;
		delay = 1U << (o->attempts < 6 ? o->attempts : 6);
		if (delay > WRITEBACK_MAX_BACKOFF)
			delay = WRITEBACK_MAX_BACKOFF;
		o->attempts++;
		log_warn("character=%s write-back failed (%s): spooled, retry "
		    "%u in %u s", o->id, r->status == 0 ? r->error :
		    "server error", o->attempts, delay);
		if (!o->spooled) {
			o->spooled = 1;
			writeback_spool(wb);
		}
		owned_retry_in(o, delay);
	} else
		owned_rejected(o, r->status, r->body);
	writeback_check_idle(wb);
}

static void
owned_write(struct owned *o)
{
	struct writeback	*wb = o->wb;
	char			*path, *esc, version[32];
	size_t			 len;
	const char		*text;

	if (o->req != NULL)
		return;
	if (wb->held || o->frozen) {
		/* Written after the hold: here, or by the next process. */
		o->due = 1;
		return;
	}
	o->due = 0;
	text = owned_text(o, &len);
	free(o->sent);
	o->sent = xstrndup(text, len);
	o->dirty = 0;
	esc = dataapi_escape(o->id);
	xasprintf(&path, "/characters/%s", esc);
	snprintf(version, sizeof version, "%lld", o->version);
	o->req = dataapi_send(wb->api, "PUT", o->base, path, version, o->sent,
	    len, owned_write_cb, o);
	wb->stats.in_flight++;
	free(path);
	free(esc);
}

/* After a write landed: write again if it changed meanwhile, or let go. */
static void
owned_next(struct owned *o)
{
	if (o->dirty)
		owned_write(o);
	else if (o->releasing) {
		log_info("character=%s written back (version=%lld) and "
		    "released", o->id, o->version);
		owned_free(o);
	}
}

/*
 * Start-up: what the spool holds is written again (and released). A spool
 * that cannot be read is an error: it is never thrown away.
 */
int
writeback_replay(struct writeback *wb, char **cause)
{
	struct json_object	*writes, *w, *v;
	struct owned		*o;
	const char		*id, *base;
	long long		 version;
	size_t			 i, n;

	if (spool_load(wb->spool_path, &writes, cause) != 0)
		return (-1);
	n = json_object_array_length(writes);
	for (i = 0; i < n; i++) {
		w = json_object_array_get_idx(writes, i);
		jsonutil_get_string(w, "id", &id);
		jsonutil_get_string(w, "base", &base);
		jsonutil_get_int(w, "version", &version);
		json_object_object_get_ex(w, "doc", &v);
		o = owned_new(wb, id, base, json_object_get(v), version);
		o->spooled = 1;
		o->uncertain = 1;
		o->releasing = 1;
		o->dirty = 1;
		/* The process before us may have landed it unanswered. */
		o->maybe[o->nmaybe++] = xstrdup(owned_text(o, NULL));
	}
	json_object_put(writes);
	wb->stats.spooled = n;
	if (n > 0)
		log_info("spool: replaying %zu write-back(s)", n);
	TAILQ_FOREACH(o, &wb->owned, entry)
		owned_write(o);
	return (0);
}

/*
 * Hand-over (handoff.c): a character is handed on only when the API holds
 * exactly what this instance has: nothing in flight, nothing uncertain,
 * nothing waiting, nothing changed since.
 */
int
writeback_settled(struct owned *o)
{
	return (o->req == NULL && !evtimer_pending(o->retry, NULL) &&
	    !o->uncertain && !o->spooled && !o->due && !o->dirty);
}

/* Writes now if it changed and nothing else is under way for it. */
void
writeback_write_now(struct owned *o)
{
	if (o->dirty && o->req == NULL && !evtimer_pending(o->retry, NULL))
		owned_write(o);
}

long long
writeback_version(struct owned *o)
{
	return (o->version);
}

/* While frozen (offered to a neighbour) it is not written. */
void
writeback_freeze(struct owned *o, int on)
{
	o->frozen = on;
	if (!on && o->due && o->req == NULL &&
	    !evtimer_pending(o->retry, NULL))
		owned_write(o);
}

/* A neighbour owns it now: let go without writing (it is settled). */
void
writeback_abandon(struct owned *o)
{
	struct writeback	*wb = o->wb;
	int			 was_spooled = o->spooled;

	log_info("character=%s handed over at version=%lld", o->id,
	    o->version);
	owned_free(o);
	if (was_spooled)
		writeback_spool(wb);
}

struct owned *
writeback_find(struct writeback *wb, const char *id)
{
	void	*o;

	return (lh_table_lookup_ex(wb->by_id, id, &o) ? o : NULL);
}

/*
 * While held (a migration is getting ready), no request starts: writes
 * that come due wait, and go out on unhold, or from the next process.
 */
void
writeback_hold(struct writeback *wb, int on)
{
	struct owned	*o, *next;

	wb->held = on;
	if (on) {
		/* A snapshot comes soon: its texts are made now, not then. */
		TAILQ_FOREACH(o, &wb->owned, entry)
			owned_text(o, NULL);
		return;
	}
	for (o = TAILQ_FIRST(&wb->owned); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		if (o->due && o->req == NULL && !evtimer_pending(o->retry,
		    NULL))
			owned_write(o);
	}
}

/* In the old process after a migration: the characters are owned there. */
void
writeback_forget_all(struct writeback *wb)
{
	struct owned	*o;

	while ((o = TAILQ_FIRST(&wb->owned)) != NULL)
		owned_free(o);
	wb->stats.spooled = 0;
}

/*
 * Live migration, section "WBCK" (nothing may be in flight): u32 owned,
 * then each: str id, str base, str document (JSON), i64 version, u8 flags
 * (1 dirty, 2 releasing, 4 spooled, 8 uncertain, 16 due), u32 attempts,
 * u64 retry time (monotonic ms, 0: none), u8 has sent, str sent, u8
 * maybes, each a str.
 */
#define WBCK_DIRTY	0x01
#define WBCK_RELEASING	0x02
#define WBCK_SPOOLED	0x04
#define WBCK_UNCERTAIN	0x08
#define WBCK_DUE	0x10

void
writeback_save(struct writeback *wb, struct snapw *w)
{
	struct owned	*o;
	unsigned	 i;

	if (wb->stats.in_flight != 0)
		fatalx("writeback: saved with requests in flight");
	snapw_u32(w, (uint32_t)wb->stats.owned);
	TAILQ_FOREACH(o, &wb->owned, entry) {
		snapw_str(w, o->id);
		snapw_str(w, o->base);
		snapw_str(w, owned_text(o, NULL));
		snapw_i64(w, o->version);
		snapw_u8(w, (o->dirty ? WBCK_DIRTY : 0) |
		    (o->releasing ? WBCK_RELEASING : 0) |
		    (o->spooled ? WBCK_SPOOLED : 0) |
		    (o->uncertain ? WBCK_UNCERTAIN : 0) |
		    (o->due ? WBCK_DUE : 0));
		snapw_u32(w, o->attempts);
		snapw_u64(w, evtimer_pending(o->retry, NULL) ? o->retry_due :
		    0);
		snapw_u8(w, o->sent != NULL);
		snapw_str(w, o->sent != NULL ? o->sent : "");
		snapw_u8(w, (uint8_t)o->nmaybe);
		for (i = 0; i < o->nmaybe; i++)
			snapw_str(w, o->maybe[i]);
	}
}

static int
writeback_restore_one(struct writeback *wb, struct snapr *r, char **cause)
{
	struct owned		*o;
	char			*id, *base, *text, *sent;
	long long		 version;
	uint64_t		 retry;
	unsigned		 attempts, i, nmaybe;
	uint8_t			 flags, has_sent;

	id = snapr_strdup(r, 4096);
	base = snapr_strdup(r, 4096);
	text = snapr_strdup(r, 64 * 1024 * 1024);
	version = snapr_i64(r);
	flags = snapr_u8(r);
	attempts = snapr_u32(r);
	retry = snapr_u64(r);
	has_sent = snapr_u8(r);
	sent = snapr_strdup(r, 64 * 1024 * 1024);
	nmaybe = snapr_u8(r);
	if (!snapr_ok(r) || nmaybe > WRITEBACK_MAYBE || *text != '{' ||
	    writeback_find(wb, id) != NULL) {
		if (!snapr_ok(r) || nmaybe > WRITEBACK_MAYBE)
			xasprintf(cause, "characters: %s", snapr_ok(r) ?
			    "too many unanswered writes" : snapr_strerror(r));
		else if (*text != '{')
			xasprintf(cause, "character %s: not a JSON object", id);
		else
			xasprintf(cause, "characters: %s twice", id);
		free(id);
		free(base);
		free(text);
		free(sent);
		return (-1);
	}
	/* The text it came as is the document's, parsed on first use. */
	o = owned_new(wb, id, base, NULL, version);
	o->text = text;
	o->text_len = strlen(text);
	free(id);
	free(base);
	o->dirty = (flags & WBCK_DIRTY) != 0;
	o->releasing = (flags & WBCK_RELEASING) != 0;
	o->spooled = (flags & WBCK_SPOOLED) != 0;
	o->uncertain = (flags & WBCK_UNCERTAIN) != 0;
	o->due = (flags & WBCK_DUE) != 0;
	o->attempts = attempts;
	o->retry_due = retry;
	if (has_sent)
		o->sent = sent;
	else
		free(sent);
	for (i = 0; i < nmaybe; i++) {
		if ((o->maybe[i] = snapr_strdup(r, 64 * 1024 * 1024)) == NULL)
			break;
		o->nmaybe++;
	}
	if (!snapr_ok(r)) {
		xasprintf(cause, "characters: %s", snapr_strerror(r));
		return (-1);
	}
	if (o->spooled)
		wb->stats.spooled++;
	return (0);
}

/*
 * The owned characters from a snapshot; held, with no timer armed, until
 * writeback_resume. On -1 (*cause set) the caller frees wb.
 */
int
writeback_restore(struct writeback *wb, struct snapr *r, char **cause)
{
	uint32_t	i, n;

	wb->held = 1;
	n = snapr_u32(r);
	if (!snapr_ok(r)) {
		xasprintf(cause, "characters: %s", snapr_strerror(r));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (writeback_restore_one(wb, r, cause) != 0)
			return (-1);
	}
	return (0);
}

/* After the commit: retries are armed again and the due writes go out. */
void
writeback_resume(struct writeback *wb)
{
	struct owned	*o;
	uint64_t	 now = monotonic_ms();
	struct timeval	 tv;

	TAILQ_FOREACH(o, &wb->owned, entry) {
		if (o->retry_due == 0)
			continue;
		tv.tv_sec = o->retry_due > now ?
		    (time_t)((o->retry_due - now) / 1000) : 0;
		tv.tv_usec = o->retry_due > now ?
		    (suseconds_t)((o->retry_due - now) % 1000) * 1000 : 0;
		evtimer_add(o->retry, &tv);
	}
	writeback_hold(wb, 0);
}
