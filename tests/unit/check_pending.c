/*
 * Unit tests for pending.c: announced tickets, claims, tombstones and the
 * table's limits. Time is passed in explicitly; nothing sleeps.
 */
#include "config.h"

#include <check.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "snapfmt.h"

#define DOC	"{\"name\":\"Ann\"}"

/* Adds a ticket that must be accepted. */
static void
add_ok(struct pending_table *t, const char *ticket, const char *character,
    uint64_t expires_at, uint64_t now)
{
	char	*cause = NULL;
	int	 status = 0;

	ck_assert_int_eq(pending_add(t, ticket, character, DOC, NULL,
	    expires_at, now, &status, &cause), 0);
	ck_assert_ptr_null(cause);
}

/*
 * Adds a ticket that must be refused with status; the table must not
 * change (same entries, in the same order). The cause must contain want.
 */
static void
add_fails(struct pending_table *t, const char *ticket, const char *character,
    uint64_t expires_at, uint64_t now, int want_status, const char *want)
{
	struct pending	 before[64];
	char		*cause = NULL;
	size_t		 n = t->n, i;
	int		 status = 0;

	ck_assert_uint_le(n, 64);
	if (n > 0)
		memcpy(before, t->entries, n * sizeof *before);
	ck_assert_int_eq(pending_add(t, ticket, character, DOC, NULL,
	    expires_at, now, &status, &cause), -1);
	ck_assert_int_eq(status, want_status);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'",
	    cause, want);
	free(cause);
	ck_assert_uint_eq(t->n, n);
	for (i = 0; i < n; i++) {
		ck_assert_ptr_eq(t->entries[i].ticket, before[i].ticket);
		ck_assert_str_eq(t->entries[i].ticket, before[i].ticket);
		ck_assert_int_eq(t->entries[i].state, before[i].state);
		ck_assert_uint_eq(t->entries[i].expires_at,
		    before[i].expires_at);
		ck_assert_uint_eq(t->entries[i].settled_at,
		    before[i].settled_at);
	}
}

static enum pending_claim
claim(struct pending_table *t, const char *ticket, uint64_t now)
{
	struct pending	*p = NULL;

	return (pending_claim(t, ticket, now, &p));
}

START_TEST(test_add_claim)
{
	struct pending_table	 t;
	struct pending		*p = NULL;
	char			*cause = NULL;
	int			 status = 0;

	pending_init(&t, 16);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_uint_eq(t.max, 16);
	ck_assert_int_eq(pending_add(&t, "t1", "c1", DOC, NULL, 1000, 0,
	    &status, &cause), 0);
	ck_assert_int_eq(pending_add(&t, "t2", "c2", "{}", "meadow", 1000, 0,
	    &status, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(pending_waiting(&t, 0), 2);

	ck_assert_int_eq(pending_claim(&t, "t1", 500, &p), PENDING_CLAIM_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->ticket, "t1");
	ck_assert_str_eq(p->character_id, "c1");
	ck_assert_str_eq(p->character, DOC);
	ck_assert_ptr_null(p->from_area);
	ck_assert_int_eq(p->state, PENDING_USED);
	ck_assert_uint_eq(p->settled_at, 500);
	ck_assert_uint_eq(p->expires_at, 1000);

	/* Once only; used wins over expired. */
	p = NULL;
	ck_assert_int_eq(pending_claim(&t, "t1", 600, &p), PENDING_CLAIM_USED);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(claim(&t, "t1", 5000), PENDING_CLAIM_USED);

	ck_assert_int_eq(pending_claim(&t, "t2", 999, &p), PENDING_CLAIM_OK);
	ck_assert_str_eq(p->from_area, "meadow");
	ck_assert_str_eq(p->character, "{}");
	ck_assert_uint_eq(pending_waiting(&t, 999), 0);
	ck_assert_uint_eq(t.n, 2);
	pending_clear(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.entries);
}
END_TEST

START_TEST(test_copies)
{
	struct pending_table	 t;
	struct pending		*p = NULL;
	char			 ticket[] = "tk", id[] = "c1", doc[] = "{}";
	char			 from[] = "cave";
	char			*cause = NULL;
	int			 status;

	/* The table keeps its own copies. */
	pending_init(&t, 4);
	ck_assert_int_eq(pending_add(&t, ticket, id, doc, from, 100, 0,
	    &status, &cause), 0);
	ticket[0] = id[0] = doc[0] = from[0] = 'X';
	ck_assert_int_eq(pending_claim(&t, "tk", 1, &p), PENDING_CLAIM_OK);
	ck_assert_str_eq(p->character_id, "c1");
	ck_assert_str_eq(p->character, "{}");
	ck_assert_str_eq(p->from_area, "cave");
	pending_clear(&t);
}
END_TEST

START_TEST(test_unknown)
{
	struct pending_table	 t;
	struct pending		*p = NULL;

	pending_init(&t, 4);
	ck_assert_int_eq(pending_claim(&t, "nope", 0, &p),
	    PENDING_CLAIM_UNKNOWN);
	ck_assert_ptr_null(p);
	add_ok(&t, "t1", "c1", 1000, 0);
	ck_assert_int_eq(pending_claim(&t, "t", 0, &p), PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(pending_claim(&t, "t10", 0, &p),
	    PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(pending_claim(&t, "T1", 0, &p),
	    PENDING_CLAIM_UNKNOWN);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(pending_waiting(&t, 0), 1);
	pending_clear(&t);
}
END_TEST

START_TEST(test_expired)
{
	struct pending_table	 t;
	struct pending		*p = NULL;

	pending_init(&t, 4);
	add_ok(&t, "t1", "c1", 1000, 0);
	add_ok(&t, "t2", "c2", 1000, 0);
	ck_assert_uint_eq(pending_waiting(&t, 999), 2);
	ck_assert_uint_eq(pending_waiting(&t, 1000), 0);

	/* now >= expires_at is too late. */
	ck_assert_int_eq(pending_claim(&t, "t1", 1000, &p),
	    PENDING_CLAIM_EXPIRED);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(claim(&t, "t1", 100000), PENDING_CLAIM_EXPIRED);
	ck_assert_ptr_null(pending_find_character(&t, "c1", 1000));
	pending_clear(&t);

	/* One millisecond earlier is in time. */
	pending_init(&t, 4);
	add_ok(&t, "t2", "c2", 1000, 0);
	ck_assert_int_eq(claim(&t, "t2", 999), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&t, "t2", 1001), PENDING_CLAIM_USED);

	/* Already expired when announced. */
	add_ok(&t, "t3", "c3", 1000, 2000);
	ck_assert_uint_eq(pending_waiting(&t, 2000), 0);
	ck_assert_int_eq(claim(&t, "t3", 2000), PENDING_CLAIM_EXPIRED);
	pending_clear(&t);
}
END_TEST

START_TEST(test_duplicate_ticket)
{
	struct pending_table	 t;

	pending_init(&t, 8);
	add_ok(&t, "t1", "c1", 1000, 0);
	add_fails(&t, "t1", "c2", 2000, 10, 409, "t1");
	add_fails(&t, "t1", "c1", 2000, 10, 409, "t1");

	/* Still refused once used or expired: the tombstone remembers it. */
	ck_assert_int_eq(claim(&t, "t1", 20), PENDING_CLAIM_OK);
	add_fails(&t, "t1", "c2", 2000, 30, 409, "t1");
	add_ok(&t, "t2", "c2", 100, 30);
	add_fails(&t, "t2", "c3", 5000, 200, 409, "t2");
	ck_assert_int_eq(claim(&t, "t1", 40), PENDING_CLAIM_USED);
	pending_clear(&t);
}
END_TEST

START_TEST(test_character_conflict)
{
	struct pending_table	 t;
	const struct pending	*p;

	pending_init(&t, 8);
	add_ok(&t, "t1", "c1", 1000, 0);
	add_fails(&t, "t2", "c1", 2000, 10, 409, "c1");
	p = pending_find_character(&t, "c1", 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->ticket, "t1");
	ck_assert_ptr_null(pending_find_character(&t, "c2", 10));

	/* After the first is used, a new one is fine. */
	ck_assert_int_eq(claim(&t, "t1", 20), PENDING_CLAIM_OK);
	ck_assert_ptr_null(pending_find_character(&t, "c1", 20));
	add_ok(&t, "t2", "c1", 2000, 30);
	add_fails(&t, "t3", "c1", 2000, 40, 409, "c1");

	/* Likewise after it expired. */
	add_ok(&t, "t4", "c2", 1000, 50);
	add_fails(&t, "t5", "c2", 3000, 999, 409, "c2");
	ck_assert_ptr_null(pending_find_character(&t, "c2", 1000));
	add_ok(&t, "t5", "c2", 3000, 1000);
	ck_assert_int_eq(claim(&t, "t4", 1000), PENDING_CLAIM_EXPIRED);
	ck_assert_int_eq(claim(&t, "t5", 1000), PENDING_CLAIM_OK);
	pending_clear(&t);
}
END_TEST

START_TEST(test_remove)
{
	struct pending_table	 t;

	pending_init(&t, 8);
	add_ok(&t, "t1", "c1", 1000, 0);
	add_ok(&t, "t2", "c2", 1000, 0);
	add_ok(&t, "t3", "c3", 1000, 0);
	ck_assert_int_eq(pending_remove(&t, "t1"), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(pending_remove(&t, "t1"), -1);
	ck_assert_int_eq(pending_remove(&t, "nope"), -1);
	ck_assert_int_eq(claim(&t, "t1", 1), PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(claim(&t, "t2", 1), PENDING_CLAIM_OK);

	/* The character may be announced again; tombstones go too. */
	add_ok(&t, "t4", "c1", 1000, 2);
	ck_assert_int_eq(pending_remove(&t, "t2"), 0);
	ck_assert_int_eq(claim(&t, "t2", 3), PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(claim(&t, "t3", 3), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&t, "t4", 3), PENDING_CLAIM_OK);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(pending_remove(&t, "t3"), 0);
	ck_assert_int_eq(pending_remove(&t, "t4"), 0);
	ck_assert_uint_eq(t.n, 0);
	pending_clear(&t);
}
END_TEST

START_TEST(test_valid_ticket)
{
	static const char	*good[] = {
		"a", "Z", "0", "-", ".", "_", "~",
		"abcXYZ019-._~", "3f2a1c9e-5b7d-4e0f-9a1b-c2d3e4f5a6b7"
	};
	static const char	*bad[] = {
		"", " ", "a b", "a/b", "a+b", "a%20", "a=b", "a:b", "a?b",
		"a#b", "a\tb", "a\nb", "\"a\"", "a\\b", "caf\xc3\xa9", "\x7f",
		"a*", "a,b", "a;b", "<a>"
	};
	char	 s[PENDING_TICKET_MAX + 2];
	size_t	 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(pending_valid_ticket(good[i]), "'%s'", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!pending_valid_ticket(bad[i]), "'%s'", bad[i]);
	memset(s, 'k', sizeof s);
	s[PENDING_TICKET_MAX] = '\0';
	ck_assert(pending_valid_ticket(s));
	s[PENDING_TICKET_MAX] = 'k';
	s[PENDING_TICKET_MAX + 1] = '\0';
	ck_assert(!pending_valid_ticket(s));
}
END_TEST

START_TEST(test_sweep)
{
	struct pending_table	 t;
	const uint64_t		 T = PENDING_TOMBSTONE_MS;

	pending_init(&t, 8);
	add_ok(&t, "used", "c1", 1000000, 0);
	add_ok(&t, "gone", "c2", 1000, 0);
	add_ok(&t, "live", "c3", 10 * T, 0);
	ck_assert_int_eq(claim(&t, "used", 100), PENDING_CLAIM_OK);

	/*
	 * A used ticket is remembered from settled_at, an expired one from
	 * expires_at.
	 */
	pending_sweep(&t, 100 + T - 1);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(claim(&t, "used", 100 + T - 1), PENDING_CLAIM_USED);
	pending_sweep(&t, 100 + T + 1);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(claim(&t, "used", 100 + T + 1),
	    PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(claim(&t, "gone", 1000 + T - 1),
	    PENDING_CLAIM_EXPIRED);
	pending_sweep(&t, 1000 + T - 1);
	ck_assert_uint_eq(t.n, 2);
	pending_sweep(&t, 1000 + T + 1);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(claim(&t, "gone", 1000 + T + 1),
	    PENDING_CLAIM_UNKNOWN);

	/* A ticket still waiting is never swept. */
	pending_sweep(&t, 10 * T - 1);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(pending_waiting(&t, 10 * T - 1), 1);

	/* Sweeping an empty table is harmless. */
	pending_clear(&t);
	pending_sweep(&t, 0);
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

START_TEST(test_waiting)
{
	struct pending_table	 t;

	pending_init(&t, 8);
	ck_assert_uint_eq(pending_waiting(&t, 0), 0);
	add_ok(&t, "a", "c1", 1000, 0);
	add_ok(&t, "b", "c2", 2000, 0);
	add_ok(&t, "c", "c3", 3000, 0);
	add_ok(&t, "d", "c4", 4000, 0);
	ck_assert_uint_eq(pending_waiting(&t, 0), 4);
	ck_assert_int_eq(claim(&t, "b", 10), PENDING_CLAIM_OK);
	ck_assert_uint_eq(pending_waiting(&t, 10), 3);
	ck_assert_uint_eq(pending_waiting(&t, 1000), 2);	/* a expired */
	ck_assert_uint_eq(pending_waiting(&t, 3000), 1);
	ck_assert_uint_eq(pending_waiting(&t, 4000), 0);
	ck_assert_uint_eq(t.n, 4);
	pending_clear(&t);
}
END_TEST

START_TEST(test_full)
{
	struct pending_table	 t;

	pending_init(&t, 2);
	add_ok(&t, "t1", "c1", 10000, 0);
	add_ok(&t, "t2", "c2", 10000, 0);
	add_fails(&t, "t3", "c3", 10000, 10, 503, "2");
	ck_assert_int_eq(claim(&t, "t3", 10), PENDING_CLAIM_UNKNOWN);

	/* A tombstone makes room. */
	ck_assert_int_eq(claim(&t, "t1", 20), PENDING_CLAIM_OK);
	add_ok(&t, "t3", "c3", 10000, 30);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(claim(&t, "t1", 40), PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(claim(&t, "t2", 40), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&t, "t3", 40), PENDING_CLAIM_OK);
	pending_clear(&t);

	/* An empty table of no room. */
	pending_init(&t, 0);
	add_fails(&t, "t1", "c1", 10000, 0, 503, "0");
	pending_clear(&t);
}
END_TEST

START_TEST(test_evict_oldest)
{
	struct pending_table	 t;

	/*
	 * a: used at 300. b: expired at 150. c: waiting. The oldest
	 * tombstone goes first (b, then a); waiting tickets never go.
	 */
	pending_init(&t, 3);
	add_ok(&t, "a", "c1", 1000000, 0);
	add_ok(&t, "b", "c2", 150, 0);
	add_ok(&t, "c", "c3", 1000000, 0);
	ck_assert_int_eq(claim(&t, "a", 300), PENDING_CLAIM_OK);

	add_ok(&t, "d", "c4", 1000000, 400);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(claim(&t, "b", 400), PENDING_CLAIM_UNKNOWN);
	ck_assert_int_eq(claim(&t, "a", 400), PENDING_CLAIM_USED);

	add_ok(&t, "e", "c5", 1000000, 500);
	ck_assert_int_eq(claim(&t, "a", 500), PENDING_CLAIM_UNKNOWN);
	ck_assert_uint_eq(pending_waiting(&t, 500), 3);

	add_fails(&t, "f", "c6", 1000000, 600, 503, "3");
	ck_assert_uint_eq(pending_waiting(&t, 600), 3);
	ck_assert_int_eq(claim(&t, "c", 700), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&t, "d", 700), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&t, "e", 700), PENDING_CLAIM_OK);
	pending_clear(&t);
}
END_TEST

START_TEST(test_failed_add_unchanged)
{
	struct pending_table	 t;

	/* Each refusal, with live, used and expired entries present. */
	pending_init(&t, 4);
	add_ok(&t, "live", "c1", 10000, 0);
	add_ok(&t, "used", "c2", 10000, 0);
	add_ok(&t, "late", "c3", 100, 0);
	add_ok(&t, "more", "c4", 10000, 0);
	ck_assert_int_eq(claim(&t, "used", 50), PENDING_CLAIM_OK);

	add_fails(&t, "live", "c9", 20000, 200, 409, "live");
	add_fails(&t, "used", "c9", 20000, 200, 409, "used");
	add_fails(&t, "late", "c9", 20000, 200, 409, "late");
	add_fails(&t, "new", "c1", 20000, 200, 409, "c1");
	add_fails(&t, "new", "c4", 20000, 200, 409, "c4");
	ck_assert_uint_eq(t.n, 4);
	ck_assert_int_eq(claim(&t, "used", 300), PENDING_CLAIM_USED);
	ck_assert_int_eq(claim(&t, "late", 300), PENDING_CLAIM_EXPIRED);
	ck_assert_uint_eq(pending_waiting(&t, 300), 2);

	/* Full of live tickets: 503, nothing evicted. */
	ck_assert_int_eq(pending_remove(&t, "used"), 0);
	ck_assert_int_eq(pending_remove(&t, "late"), 0);
	add_ok(&t, "x", "c5", 10000, 300);
	add_ok(&t, "y", "c6", 10000, 300);
	add_fails(&t, "z", "c7", 10000, 400, 503, "too many");
	ck_assert_uint_eq(pending_waiting(&t, 400), 4);
	pending_clear(&t);
}
END_TEST

START_TEST(test_many)
{
	struct pending_table	 t;
	char			 ticket[32], id[32];
	int			 i;

	/* Growth past the first allocation, then every claim works. */
	pending_init(&t, 100);
	for (i = 0; i < 100; i++) {
		snprintf(ticket, sizeof ticket, "t%d", i);
		snprintf(id, sizeof id, "c%d", i);
		add_ok(&t, ticket, id, 10000, 0);
	}
	ck_assert_uint_eq(pending_waiting(&t, 1), 100);
	for (i = 99; i >= 0; i--) {
		snprintf(ticket, sizeof ticket, "t%d", i);
		ck_assert_int_eq(claim(&t, ticket, 2), PENDING_CLAIM_OK);
	}
	ck_assert_uint_eq(pending_waiting(&t, 2), 0);
	pending_sweep(&t, 2 + PENDING_TOMBSTONE_MS);
	ck_assert_uint_eq(t.n, 0);
	pending_clear(&t);
}
END_TEST

/* Saved and restored: the same entries, states and deadlines. */
START_TEST(test_snapshot)
{
	struct pending_table	 t, u;
	struct snapw		 w;
	struct snapr		 r, sec;
	char			 tag[SNAP_TAG_LEN + 1], *cause = NULL;
	int			 status;
	size_t			 i;

	pending_init(&t, 100);
	add_ok(&t, "a1", "ann", 5000, 0);
	add_ok(&t, "b2", "bob", 6000, 0);
	ck_assert_int_eq(pending_add(&t, "c3", "cyd", DOC, "meadow", 7000, 0,
	    &status, &cause), 0);
	pending_set_quests(&t, "b2", "{\"quests\":[]}");
	ck_assert_int_eq(claim(&t, "a1", 10), PENDING_CLAIM_OK);
	snapw_init(&w);
	snapw_section_begin(&w, "PEND");
	pending_save(&t, &w);
	snapw_section_end(&w);
	snapw_finish(&w);

	pending_init(&u, 100);
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &sec), 1);
	ck_assert_int_eq(pending_restore(&u, &sec, &cause), 0);
	ck_assert_uint_eq(u.n, t.n);
	for (i = 0; i < t.n; i++) {
		ck_assert_str_eq(u.entries[i].ticket, t.entries[i].ticket);
		ck_assert_str_eq(u.entries[i].character_id,
		    t.entries[i].character_id);
		ck_assert_str_eq(u.entries[i].character,
		    t.entries[i].character);
		ck_assert_uint_eq(u.entries[i].expires_at,
		    t.entries[i].expires_at);
		ck_assert_uint_eq(u.entries[i].settled_at,
		    t.entries[i].settled_at);
		ck_assert_int_eq(u.entries[i].state, t.entries[i].state);
		ck_assert_int_eq(u.entries[i].from_area == NULL,
		    t.entries[i].from_area == NULL);
		ck_assert_int_eq(u.entries[i].quests == NULL,
		    t.entries[i].quests == NULL);
	}
	/* The used ticket stays used, the others still let a client in. */
	ck_assert_int_eq(claim(&u, "a1", 20), PENDING_CLAIM_USED);
	ck_assert_int_eq(claim(&u, "c3", 20), PENDING_CLAIM_OK);
	ck_assert_int_eq(claim(&u, "b2", 6001), PENDING_CLAIM_EXPIRED);
	pending_clear(&u);

	/* Cut short: refused, with what the table got so far to clear. */
	pending_init(&u, 100);
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &sec), 1);
	sec.len -= 3;
	ck_assert_int_eq(pending_restore(&u, &sec, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	pending_clear(&u);
	snapw_free(&w);
	pending_clear(&t);
}
END_TEST

static Suite *
pending_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("pending");
	tc = tcase_create("core");
	tcase_add_test(tc, test_add_claim);
	tcase_add_test(tc, test_copies);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_duplicate_ticket);
	tcase_add_test(tc, test_character_conflict);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_valid_ticket);
	tcase_add_test(tc, test_sweep);
	tcase_add_test(tc, test_waiting);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_evict_oldest);
	tcase_add_test(tc, test_failed_add_unchanged);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_snapshot);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(pending_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
