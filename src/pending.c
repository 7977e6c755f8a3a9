/* The table of announced connections (tickets). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "snapfmt.h"
#include "xmalloc.h"

void
pending_init(struct pending_table *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
}

static void
pending_entry_free(struct pending *p)
{
	free(p->ticket);
	free(p->character_id);
	free(p->character);
	free(p->from_area);
	free(p->quests);
}

void
pending_clear(struct pending_table *t)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		pending_entry_free(&t->entries[i]);
	free(t->entries);
	t->entries = NULL;
	t->n = t->cap = 0;
}

/* Tickets are 1 to PENDING_TICKET_MAX URL-safe characters. */
int
pending_valid_ticket(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len > PENDING_TICKET_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("-._~", s[i])))
			return (0);
	}
	return (1);
}

static struct pending *
pending_find(const struct pending_table *t, const char *ticket)
{
	size_t	i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->entries[i].ticket, ticket) == 0)
			return (&t->entries[i]);
	}
	return (NULL);
}

static int
pending_live(const struct pending *p, uint64_t now)
{
	return (p->state == PENDING_WAITING && now < p->expires_at);
}

/* The waiting ticket of a character, if any. */
const struct pending *
pending_find_character(const struct pending_table *t, const char *id,
    uint64_t now)
{
	size_t	i;

	for (i = 0; i < t->n; i++) {
		if (pending_live(&t->entries[i], now) &&
		    strcmp(t->entries[i].character_id, id) == 0)
			return (&t->entries[i]);
	}
	return (NULL);
}

/* Makes room by forgetting the oldest used or expired ticket, if any. */
static void
pending_evict_tombstone(struct pending_table *t, uint64_t now)
{
	struct pending	*p;
	size_t		 i, oldest = t->n;
	uint64_t	 since, best = UINT64_MAX;

	for (i = 0; i < t->n; i++) {
		p = &t->entries[i];
		if (pending_live(p, now))
			continue;
		since = p->state == PENDING_USED ? p->settled_at :
		    p->expires_at;
		if (since < best) {
			best = since;
			oldest = i;
		}
	}
	if (oldest == t->n)
		return;
	pending_entry_free(&t->entries[oldest]);
	t->entries[oldest] = t->entries[--t->n];
}

/*
 * Announces a ticket. On failure *status is the HTTP status (409 for a
 * ticket or character already announced, 503 when the table is full) and
 * *cause says why (caller frees); nothing changes.
 */
/* A new, zeroed entry at the end of the table. */
static struct pending *
pending_append(struct pending_table *t)
{
	struct pending	*p;

	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->entries = xreallocarray(t->entries, t->cap,
		    sizeof *t->entries);
	}
	p = &t->entries[t->n++];
	memset(p, 0, sizeof *p);
	return (p);
}

int
pending_add(struct pending_table *t, const char *ticket,
    const char *character_id, const char *character, const char *from_area,
    uint64_t expires_at, uint64_t now, int *status, char **cause)
{
	struct pending	*p;

	pending_sweep(t, now);
	if (pending_find(t, ticket) != NULL) {
		*status = 409;
		xasprintf(cause, "ticket %s was already announced", ticket);
		return (-1);
	}
	if (pending_find_character(t, character_id, now) != NULL) {
		*status = 409;
		xasprintf(cause, "character %s already has a waiting ticket",
		    character_id);
		return (-1);
	}
	if (t->n >= t->max)
		pending_evict_tombstone(t, now);
	if (t->n >= t->max) {
		*status = 503;
		xasprintf(cause, "too many pending tickets (%zu)", t->max);
		return (-1);
	}
	p = pending_append(t);
	p->ticket = xstrdup(ticket);
	p->character_id = xstrdup(character_id);
	p->character = xstrdup(character);
	p->from_area = from_area != NULL ? xstrdup(from_area) : NULL;
	p->expires_at = expires_at;
	p->state = PENDING_WAITING;
	return (0);
}

/*
 * A client presents a ticket. On PENDING_CLAIM_OK the ticket is marked
 * used and *out points at it until the next call that changes the table.
 */
enum pending_claim
pending_claim(struct pending_table *t, const char *ticket, uint64_t now,
    struct pending **out)
{
	struct pending	*p;

	if ((p = pending_find(t, ticket)) == NULL)
		return (PENDING_CLAIM_UNKNOWN);
	if (p->state == PENDING_USED)
		return (PENDING_CLAIM_USED);
	if (now >= p->expires_at)
		return (PENDING_CLAIM_EXPIRED);
	p->state = PENDING_USED;
	p->settled_at = now;
	*out = p;
	return (PENDING_CLAIM_OK);
}

/* Attaches the character's quest progress (JSON text) to its ticket. */
void
pending_set_quests(struct pending_table *t, const char *ticket,
    const char *quests)
{
	struct pending	*p;

	if ((p = pending_find(t, ticket)) == NULL)
		return;
	free(p->quests);
	p->quests = xstrdup(quests);
}

/* Was this ticket announced (waiting, used or expired but remembered)? */
int
pending_known(const struct pending_table *t, const char *ticket)
{
	return (pending_find(t, ticket) != NULL);
}

/*
 * The session that claimed p has taken its character and quests: a used
 * ticket is kept (a tombstone) for its id and times only, so that used
 * tickets neither hold nor migrate a copy of every document.
 */
void
pending_drop_documents(struct pending *p)
{
	free(p->character);
	p->character = NULL;
	free(p->quests);
	p->quests = NULL;
}

/* Has a client come with this ticket? */
int
pending_used(const struct pending_table *t, const char *ticket)
{
	const struct pending	*p = pending_find(t, ticket);

	return (p != NULL && p->state == PENDING_USED);
}

/* Withdraws a ticket. Returns -1 if it was never announced. */
int
pending_remove(struct pending_table *t, const char *ticket)
{
	struct pending	*p;
	size_t		 i;

	if ((p = pending_find(t, ticket)) == NULL)
		return (-1);
	i = (size_t)(p - t->entries);
	pending_entry_free(p);
	t->entries[i] = t->entries[--t->n];
	return (0);
}

/* Forgets tombstones older than PENDING_TOMBSTONE_MS. */
void
pending_sweep(struct pending_table *t, uint64_t now)
{
	struct pending	*p;
	uint64_t	 since;
	size_t		 i = 0;

	while (i < t->n) {
		p = &t->entries[i];
		since = p->state == PENDING_USED ? p->settled_at :
		    p->expires_at;
		if ((p->state == PENDING_USED || now >= p->expires_at) &&
		    now - since >= PENDING_TOMBSTONE_MS) {
			pending_entry_free(p);
			t->entries[i] = t->entries[--t->n];
			continue;
		}
		i++;
	}
}

/* Tickets still waiting for their client. */
size_t
pending_waiting(const struct pending_table *t, uint64_t now)
{
	size_t	i, n = 0;

	for (i = 0; i < t->n; i++) {
		if (pending_live(&t->entries[i], now))
			n++;
	}
	return (n);
}

/*
 * Live migration, section "PEND": u32 entries, then each: str ticket, str
 * character id, str character (JSON), u8 has from_area, str from_area, u8
 * has quests, str quests, u64 expires_at, u64 settled_at (monotonic ms:
 * the host's clock, so deadlines carry over), u8 state.
 */
void
pending_save(const struct pending_table *t, struct snapw *w)
{
	const struct pending	*p;
	size_t			 i;

	snapw_u32(w, (uint32_t)t->n);
	for (i = 0; i < t->n; i++) {
		p = &t->entries[i];
		snapw_str(w, p->ticket);
		snapw_str(w, p->character_id);
		snapw_str(w, p->character != NULL ? p->character : "");
		snapw_u8(w, p->from_area != NULL);
		snapw_str(w, p->from_area != NULL ? p->from_area : "");
		snapw_u8(w, p->quests != NULL);
		snapw_str(w, p->quests != NULL ? p->quests : "");
		snapw_u64(w, p->expires_at);
		snapw_u64(w, p->settled_at);
		snapw_u8(w, (uint8_t)p->state);
	}
}

/* Into an empty table; on -1 (*cause set) the caller clears it. */
int
pending_restore(struct pending_table *t, struct snapr *r, char **cause)
{
	struct pending	*p;
	uint32_t	 i, n;
	uint8_t		 has;

	n = snapr_u32(r);
	if (snapr_ok(r) && n > t->max) {
		xasprintf(cause, "tickets: %u over the limit of %zu", n,
		    t->max);
		return (-1);
	}
	for (i = 0; i < n && snapr_ok(r); i++) {
		p = pending_append(t);
		p->ticket = snapr_strdup(r, PENDING_TICKET_MAX);
		p->character_id = snapr_strdup(r, 4096);
		p->character = snapr_strdup(r, 64 * 1024 * 1024);
		has = snapr_u8(r);
		p->from_area = snapr_strdup(r, 4096);
		if (!has) {
			free(p->from_area);
			p->from_area = NULL;
		}
		has = snapr_u8(r);
		p->quests = snapr_strdup(r, 64 * 1024 * 1024);
		if (!has) {
			free(p->quests);
			p->quests = NULL;
		}
		p->expires_at = snapr_u64(r);
		p->settled_at = snapr_u64(r);
		p->state = snapr_u8(r);
		if (snapr_ok(r) && (p->state > PENDING_USED ||
		    !pending_valid_ticket(p->ticket))) {
			xasprintf(cause, "tickets: entry %u is not valid", i);
			return (-1);
		}
	}
	if (!snapr_ok(r)) {
		xasprintf(cause, "tickets: %s", snapr_strerror(r));
		return (-1);
	}
	return (0);
}
