/*
 * Unit tests for slots.c, stable entity slots. Every call, through a
 * checking wrapper: slots ascend with the ids and the table holds each
 * id at its slot; the table ascends; a call renumbers exactly when a new
 * id finds no free slot between its neighbours' slots (all its ids
 * already laid out: never); without a renumbering every id of the table
 * keeps its slot; after one, slots_old_id reads the table before back
 * and m ids take at most m + m / 2 + 64 slots. Then: ids close together
 * get no free slots between them, far apart some; an id keeps its slot
 * while absent, however long, until a renumbering, and through one if
 * absent for fewer than SLOTS_KEEP calls (to the call: SLOTS_KEEP calls
 * absent is dropped); ids appended above the highest take the room laid
 * out after it, max(64, m / 4) slots, then renumber; an id inserted
 * between neighbours with no free slot renumbers, into a gap with room
 * it does not; random births (above and in gaps), deaths and rebirths
 * over 16,000 calls against a model of which ids a renumbering keeps;
 * caller bugs (unsorted, repeated ids, SLOTS_FREE) end the process.
 */
#include "config.h"

#include <check.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slots.h"
#include "testrand.h"
#include "xmalloc.h"

/*
 * ck_assert_msg without check's bookkeeping of every passed assertion
 * (a write to a pipe in fork mode), for the hot loops.
 */
#define CHECK(expr, ...) do {						\
	if (!(expr))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* The free slots slots.c leaves after each far id (SLOTS_FAR there). */
#define FAR	64

/* Slots not free: the ids laid out. */
static size_t
taken(const struct slots *sl)
{
	size_t	s, m = 0;

	for (s = 0; s < sl->n; s++)
		m += sl->id[s] != SLOTS_FREE;
	return (m);
}

/* The slot of id in the table, or SIZE_MAX. */
static size_t
slot_in(const struct slots *sl, uint32_t id)
{
	size_t	s;

	for (s = 0; s < sl->n; s++) {
		if (sl->id[s] == id)
			return (s);
	}
	return (SIZE_MAX);
}

/*
 * Whether a call with ids[0..n) must renumber a table tab[0..ntab) (as it
 * was before the call), by the rule of slots.h: some new id finds no
 * free slot between the slots of its neighbours in the table, the free
 * slots between two neighbours going to the new ids between them.
 */
static int
must_renumber(const uint32_t *tab, size_t ntab, const uint32_t *ids,
    size_t n)
{
	size_t	i, s = 0, p = SIZE_MAX, q, want = 0, room = 0;

	for (i = 0; i < n; i++) {
		/* p: the last taken slot with an id below ids[i]. */
		while (s < ntab && (tab[s] == SLOTS_FREE || tab[s] < ids[i])) {
			if (tab[s] != SLOTS_FREE) {
				p = s;
				want = 0;
			}
			s++;
		}
		if (s < ntab && tab[s] == ids[i])
			continue;		/* laid out */
		for (q = s; q < ntab && tab[q] == SLOTS_FREE; q++)
			;
		room = q - (p == SIZE_MAX ? 0 : p + 1);
		if (++want > room)
			return (1);
	}
	return (0);
}

/*
 * slots_assign with the invariants of every call checked (the header
 * comment). Returns what it returned.
 */
static int
assign(struct slots *sl, const uint32_t *ids, size_t n, uint32_t *slot)
{
	uint32_t	*before;
	size_t		 nbefore = sl->n, i, s, m;
	uint64_t	 gen = sl->gen;
	uint32_t	 prev = 0, id;
	int		 r, want;

	before = xreallocarray(NULL, nbefore + 1, sizeof *before);
	if (nbefore != 0)
		memcpy(before, sl->id, nbefore * sizeof *before);
	want = must_renumber(before, nbefore, ids, n);
	r = slots_assign(sl, ids, n, slot);
	CHECK(r == want, "call %u: returned %d, the rule says %d", sl->calls,
	    r, want);
	CHECK(sl->gen == gen + (uint64_t)r, "call %u: gen %llu after %llu",
	    sl->calls, (unsigned long long)sl->gen, (unsigned long long)gen);

	/* The table ascends; the ids are at their slots, ascending. */
	for (s = 0; s < sl->n; s++) {
		if ((id = sl->id[s]) == SLOTS_FREE)
			continue;
		CHECK(prev == 0 || id > prev, "call %u: slot %zu: %u after %u",
		    sl->calls, s, id, prev);
		prev = id;
	}
	for (i = 0; i < n; i++) {
		CHECK(slot[i] < sl->n, "call %u: slot %u of %zu", sl->calls,
		    slot[i], sl->n);
		CHECK(sl->id[slot[i]] == ids[i], "call %u: id %u at slot %u "
		    "holds %u", sl->calls, ids[i], slot[i], sl->id[slot[i]]);
		CHECK(i == 0 || slot[i - 1] < slot[i], "call %u: slot %u then "
		    "%u", sl->calls, slot[i - 1], slot[i]);
	}

	if (r == 0) {
		/* The same table but for free slots new ids took. */
		CHECK(sl->n == nbefore, "call %u: %zu slots, were %zu",
		    sl->calls, sl->n, nbefore);
		for (s = 0, i = 0; s < nbefore; s++) {
			if (before[s] != SLOTS_FREE) {
				CHECK(sl->id[s] == before[s], "call %u: slot "
				    "%zu: %u, was %u", sl->calls, s,
				    sl->id[s], before[s]);
				continue;
			}
			if (sl->id[s] == SLOTS_FREE)
				continue;
			while (i < n && ids[i] < sl->id[s])
				i++;
			CHECK(i < n && ids[i] == sl->id[s], "call %u: slot "
			    "%zu took %u, not of the call", sl->calls, s,
			    sl->id[s]);
		}
	} else {
		/* The table before, read back; the new one's size. */
		for (s = 0, i = 0; s < nbefore; s++) {
			id = slots_old_id(sl, s);
			if (before[s] != SLOTS_FREE) {
				CHECK(id == before[s], "call %u: old slot %zu: "
				    "%u, was %u", sl->calls, s, id, before[s]);
				continue;
			}
			if (id == SLOTS_FREE)
				continue;
			/* A free slot a new id took before the renumbering. */
			while (i < n && ids[i] < id)
				i++;
			CHECK(i < n && ids[i] == id, "call %u: old slot %zu: "
			    "%u, not of the call", sl->calls, s, id);
		}
		for (s = nbefore; s < nbefore + 70; s++)
			CHECK(slots_old_id(sl, s) == SLOTS_FREE, "call %u: old "
			    "slot %zu of %zu", sl->calls, s, nbefore);
		CHECK(slots_old_id(sl, SIZE_MAX) == SLOTS_FREE, "SIZE_MAX");
		m = taken(sl);
		CHECK(m >= n, "call %u: %zu ids laid out, %zu in the call",
		    sl->calls, m, n);
		CHECK(sl->n <= m + m / 2 + FAR, "call %u: %zu ids in %zu "
		    "slots", sl->calls, m, sl->n);
	}
	free(before);
	return (r);
}

/* ids[0..n): from, from + step, ... */
static void
fill(uint32_t *ids, size_t n, uint32_t from, uint32_t step)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ids[i] = from + (uint32_t)i * step;
}

/* ids[0..n) less id; returns the new count. */
static size_t
without(uint32_t *ids, size_t n, uint32_t id)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++) {
		if (ids[i] != id)
			ids[k++] = ids[i];
	}
	return (k);
}

/* ids[0..n) with id, in order; returns the new count. */
static size_t
with(uint32_t *ids, size_t n, uint32_t id)
{
	size_t	i = n;

	while (i > 0 && ids[i - 1] > id) {
		ids[i] = ids[i - 1];
		i--;
	}
	ck_assert(i == 0 || ids[i - 1] != id);
	ids[i] = id;
	return (n + 1);
}

/* ---- layout ------------------------------------------------------------- */

/*
 * Nothing to lay out renumbers nothing; the first ids do. Ids close
 * together (less than 64 apart) take consecutive slots, far apart ones
 * get free slots between them.
 */
START_TEST(test_first_layout)
{
	struct slots	sl;
	uint32_t	ids[300] = { 0 }, slot[300];
	size_t		i;

	memset(&sl, 0, sizeof sl);
	ck_assert_int_eq(assign(&sl, ids, 0, slot), 0);
	ck_assert_int_eq(assign(&sl, ids, 0, slot), 0);
	ck_assert_uint_eq(sl.gen, 0);
	ck_assert_uint_eq(slots_old_id(&sl, 0), SLOTS_FREE);

	/* Ids 1, 2, ..., then 5 apart, then 2000 apart. */
	for (i = 0; i < 300; i++)
		ids[i] = i < 100 ? (uint32_t)i + 1 : i < 200 ?
		    100 + 5 * ((uint32_t)i - 99) : 600 + 2000 *
		    ((uint32_t)i - 199);
	ck_assert_int_eq(assign(&sl, ids, 300, slot), 1);
	ck_assert_uint_eq(sl.gen, 1);
	for (i = 1; i < 200; i++)
		ck_assert_uint_eq(slot[i], slot[i - 1] + 1);
	ck_assert_uint_gt(slot[200], slot[199] + 1);	/* 100 apart */
	ck_assert_uint_gt(slot[201], slot[200] + 1);
	ck_assert_uint_eq(taken(&sl), 300);
	/* Nothing from before: the table was empty. */
	for (i = 0; i < sl.n; i++)
		ck_assert_uint_eq(slots_old_id(&sl, i), SLOTS_FREE);
	/* The same ids again, and none: no renumbering. */
	ck_assert_int_eq(assign(&sl, ids, 300, slot), 0);
	ck_assert_int_eq(assign(&sl, ids, 0, slot), 0);
	ck_assert_uint_eq(sl.gen, 1);
	slots_free(&sl);
}
END_TEST

/* ---- stability ---------------------------------------------------------- */

/*
 * An id keeps its slot while no renumbering happens, present or absent
 * (even far longer than SLOTS_KEEP calls); absent for fewer than
 * SLOTS_KEEP calls it keeps a slot through a renumbering (a new one, the
 * old read back by slots_old_id) and comes back into it without
 * renumbering again.
 */
START_TEST(test_stable)
{
	struct slots	sl;
	uint32_t	all[64], ids[64], slot[64], first[64], again[64];
	size_t		i, n, s250, s260;
	uint32_t	call;

	memset(&sl, 0, sizeof sl);
	fill(all, 50, 10, 10);				/* 10, ..., 500 */
	ck_assert_int_eq(assign(&sl, all, 50, first), 1);

	/* 260 absent for 10000 calls, 250 for the first 100 of them. */
	for (call = 0; call < 10000; call++) {
		memcpy(ids, all, sizeof all);
		n = without(ids, 50, 260);
		if (call < 100)
			n = without(ids, n, 250);
		CHECK(assign(&sl, ids, n, slot) == 0, "call %u", call);
		for (i = 0; i < n; i++)
			CHECK(slot[i] == first[(ids[i] - 10) / 10],
			    "call %u: id %u moved", call, ids[i]);
	}
	ck_assert_int_eq(assign(&sl, all, 50, slot), 0);	/* 260 back */
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(slot[i], first[i]);
	ck_assert_uint_eq(sl.gen, 1);

	/* 250 absent for 100 calls, then 245 comes: no room, renumbered. */
	memcpy(ids, all, sizeof all);
	n = without(ids, 50, 250);
	for (call = 0; call < 99; call++)
		ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	n = with(ids, n, 245);
	ck_assert_int_eq(assign(&sl, ids, n, again), 1);
	ck_assert_uint_eq(sl.gen, 2);
	s250 = slot_in(&sl, 250);
	ck_assert_uint_ne(s250, SIZE_MAX);		/* kept */
	ck_assert_uint_eq(slots_old_id(&sl, first[24]), 250);
	/* Every id of the table before: read back at its old slot. */
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(slots_old_id(&sl, first[i]), all[i]);

	/* 250 comes back, into the slot it was laid out in. */
	n = with(ids, n, 250);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	ck_assert_uint_eq(slot[25], s250);
	for (i = 0; i < n; i++) {
		if (ids[i] != 250)
			ck_assert_uint_eq(slot[i], again[i < 25 ? i : i - 1]);
	}

	/* And keeps it, absent or not, until the next renumbering. */
	s260 = slot_in(&sl, 260);
	n = without(ids, n, 250);
	for (call = 0; call < 7000; call++)
		CHECK(assign(&sl, ids, n, slot) == 0, "call %u", call);
	n = with(ids, n, 250);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	ck_assert_uint_eq(slot[25], s250);
	ck_assert_uint_eq(slot[26], s260);
	ck_assert_uint_eq(sl.gen, 2);
	slots_free(&sl);
}
END_TEST

/* ---- room for new ids --------------------------------------------------- */

/*
 * m ids 1..m laid out leave max(64, m / 4) free slots after the highest:
 * ids appended above it (one a call, or a few) take them, in order,
 * without renumbering, and the one beyond renumbers.
 */
static void
room_case(size_t m, size_t per_call)
{
	struct slots	 sl;
	uint32_t	*ids, *slot, next;
	size_t		 room, n, k, added = 0;
	int		 r;

	room = m / 4 > FAR ? m / 4 : FAR;
	ids = xreallocarray(NULL, m + room + per_call, sizeof *ids);
	slot = xreallocarray(NULL, m + room + per_call, sizeof *slot);
	memset(&sl, 0, sizeof sl);
	fill(ids, m, 1, 1);
	ck_assert_int_eq(assign(&sl, ids, m, slot), 1);
	n = m;
	next = (uint32_t)m + 1;
	for (;;) {
		for (k = 0; k < per_call; k++) {
			next += 1 + (uint32_t)(k % 3);	/* not all adjacent */
			ids[n++] = next;
		}
		r = assign(&sl, ids, n, slot);
		if (r == 1)
			break;
		added += per_call;
		/* In the free slots after the last one, in order. */
		for (k = n - per_call; k < n; k++)
			CHECK(slot[k] == slot[k - 1] + 1, "m %zu: slot %u "
			    "after %u", m, slot[k], slot[k - 1]);
		CHECK(added <= room, "m %zu: %zu appended", m, added);
	}
	ck_assert_msg(added + per_call > room && added <= room,
	    "m %zu, %zu a call: renumbered after %zu appended, room %zu",
	    m, per_call, added, room);
	ck_assert_uint_eq(sl.gen, 2);
	free(ids);
	free(slot);
	slots_free(&sl);
}

START_TEST(test_room_appended)
{
	static const size_t	ms[] = { 1, 100, 256, 257, 1000, 4000 };
	size_t			i;

	for (i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		room_case(ms[i], 1);
		room_case(ms[i], 7);
	}
}
END_TEST

/* ---- renumbering -------------------------------------------------------- */

/*
 * An id between two neighbours with no free slot between renumbers; the
 * table before is read back by slots_old_id until the next renumbering.
 * An id into a gap that has room takes a free slot there.
 */
START_TEST(test_insert_renumbers)
{
	struct slots	 sl;
	uint32_t	 ids[64], slot[64], *copy;
	size_t		 n, i, nold;

	memset(&sl, 0, sizeof sl);
	fill(ids, 30, 10, 10);				/* 10, ..., 300 */
	n = with(ids, 30, 5000);			/* far: room */
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	ck_assert_uint_eq(slot[1], slot[0] + 1);
	ck_assert_uint_gt(slot[30], slot[29] + 1);

	/* Into the gap before 5000: a free slot, no renumbering. */
	n = with(ids, n, 1000);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	ck_assert_uint_gt(slot[30], slot[29]);
	ck_assert_uint_lt(slot[30], slot[31]);

	/* Between 150 and 160, in consecutive slots: renumbered. */
	copy = xreallocarray(NULL, sl.n, sizeof *copy);
	memcpy(copy, sl.id, sl.n * sizeof *copy);
	nold = sl.n;
	n = with(ids, n, 155);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	ck_assert_uint_eq(sl.gen, 2);
	for (i = 0; i < nold; i++)
		ck_assert_uint_eq(slots_old_id(&sl, i), copy[i]);
	ck_assert_uint_eq(slots_old_id(&sl, nold), SLOTS_FREE);
	/* The table keeps the old one until the next renumbering. */
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	n = without(ids, n, 10);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	for (i = 0; i < nold; i++)
		ck_assert_uint_eq(slots_old_id(&sl, i), copy[i]);

	/* The next one: the table before it, not the first. */
	free(copy);
	copy = xreallocarray(NULL, sl.n, sizeof *copy);
	memcpy(copy, sl.id, sl.n * sizeof *copy);
	nold = sl.n;
	n = with(ids, n, 151);			/* 150 and 155: adjacent */
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	ck_assert_uint_eq(sl.gen, 3);
	for (i = 0; i < nold; i++)
		ck_assert_uint_eq(slots_old_id(&sl, i), copy[i]);
	ck_assert_uint_eq(slots_old_id(&sl, nold), SLOTS_FREE);
	/* 10, absent for 2 calls, is kept. */
	ck_assert_uint_ne(slot_in(&sl, 10), SIZE_MAX);
	/* Below the lowest id, next to it: no room there either. */
	n = with(ids, n, 9);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	free(copy);
	slots_free(&sl);
}
END_TEST

/*
 * A renumbering lays m ids out in at most m + m / 2 + 64 slots, even
 * when every id is far from the next (each gap could want room).
 */
START_TEST(test_bound)
{
	static const size_t	 ms[] = { 1, 2, 3, 63, 64, 65, 101, 1001,
				    5000 };
	static const uint32_t	 steps[] = { 1, 65, 66, 1000, 100000 };
	struct slots		 sl;
	uint32_t		*ids, *slot;
	size_t			 i, j, m;

	for (i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		m = ms[i];
		ids = xreallocarray(NULL, m, sizeof *ids);
		slot = xreallocarray(NULL, m, sizeof *slot);
		for (j = 0; j < sizeof steps / sizeof steps[0]; j++) {
			if ((uint64_t)steps[j] * m >= SLOTS_FREE / 2)
				continue;
			memset(&sl, 0, sizeof sl);
			fill(ids, m, steps[j], steps[j]);
			ck_assert_int_eq(assign(&sl, ids, m, slot), 1);
			ck_assert_uint_eq(taken(&sl), m);
			ck_assert_msg(sl.n <= m + m / 2 + FAR, "%zu ids %u "
			    "apart in %zu slots", m, steps[j], sl.n);
			ck_assert_uint_gt(sl.n, m);	/* room after */
			slots_free(&sl);
		}
		free(ids);
		free(slot);
	}
}
END_TEST

/* ---- keeping absent ids ------------------------------------------------- */

/*
 * At a renumbering, an id absent for SLOTS_KEEP calls is dropped (its
 * slot no longer holds it; it comes back as a new id, renumbering), one
 * absent for SLOTS_KEEP - 1 calls is kept (it comes back without).
 */
START_TEST(test_keep_drop)
{
	struct slots	sl;
	uint32_t	all[64], ids[64], slot[64];
	size_t		n, s100, s200;
	uint32_t	call;

	memset(&sl, 0, sizeof sl);
	fill(all, 50, 10, 10);				/* 10, ..., 500 */
	ck_assert_int_eq(assign(&sl, all, 50, slot), 1);	/* call 1 */
	s100 = slot[9];
	s200 = slot[19];
	ck_assert_int_eq(assign(&sl, all, 50, slot), 0);	/* 100's last */
	memcpy(ids, all, sizeof all);
	n = without(ids, 50, 100);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);		/* 200's last */
	n = without(ids, n, 200);
	/* Calls 4 to SLOTS_KEEP + 1: neither. */
	for (call = 4; call <= SLOTS_KEEP + 1; call++)
		CHECK(assign(&sl, ids, n, slot) == 0, "call %u", call);
	ck_assert_uint_eq(sl.id[s100], 100);		/* not yet dropped */
	ck_assert_uint_eq(sl.id[s200], 200);
	ck_assert_uint_eq(sl.gen, 1);

	/*
	 * Call SLOTS_KEEP + 2: 100 absent for SLOTS_KEEP calls, 200 for
	 * SLOTS_KEEP - 1; 105 renumbers (90 and 110 are next to 100).
	 */
	n = with(ids, n, 105);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	ck_assert_uint_eq(slot_in(&sl, 100), SIZE_MAX);
	ck_assert_uint_ne(slot_in(&sl, 200), SIZE_MAX);
	ck_assert_uint_eq(slots_old_id(&sl, s100), 100);
	ck_assert_uint_eq(slots_old_id(&sl, s200), 200);

	/* 200 comes back into its slot; 100 is new: no room, renumbered. */
	n = with(ids, n, 200);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 0);
	n = with(ids, n, 100);
	ck_assert_int_eq(assign(&sl, ids, n, slot), 1);
	ck_assert_uint_eq(sl.gen, 3);
	slots_free(&sl);
}
END_TEST

/* ---- random ------------------------------------------------------------- */

#define RCALLS		16000
#define RMAXID		(1u << 18)
#define RMAXLIVE	4096
#define RDEAD		4096		/* the dead that may come back: */
#define RLONG		8		/* 1 in RLONG kept for long too */

/* Inserts id into live[0..*n), ascending. */
static void
live_add(uint32_t *live, size_t *n, uint8_t *is, uint32_t id)
{
	size_t	lo = 0, hi = *n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (live[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&live[lo + 1], &live[lo], (*n - lo) * sizeof *live);
	live[lo] = id;
	(*n)++;
	is[id] = 1;
}

/*
 * A world's ids over RCALLS calls: players appended above the highest id
 * (one now and then, sometimes a crowd), mobs born in the gaps, deaths,
 * a wipe of half the world now and then, and the dead coming back
 * (recently or long after: some of the dead are remembered for long). Every call goes through assign(); at each
 * renumbering the table must hold exactly the ids present within the
 * last SLOTS_KEEP calls (a model of the call each id was last in), and
 * until the next one the table's size stays within 1.5 times that many
 * and 64.
 */
START_TEST(test_random)
{
	static uint32_t	 last[RMAXID];	/* call id was last in; 0: never */
	static uint8_t	 is[RMAXID];	/* live now */
	static uint32_t	 live[RMAXLIVE], slot[RMAXLIVE], dead[2][RDEAD];
	struct slots	 sl;
	uint64_t	 s = 0x51075eedULL;
	size_t		 nlive = 0, ndead[2] = { 0, 0 }, i, j, k, nd, m;
	size_t		 bound = 0, model, w;
	size_t		 renumbered = 0, dropped = 0, kept = 0, back = 0;
	uint32_t	 call, top = 0, id;
	int		 r;

	memset(last, 0, sizeof last);
	memset(is, 0, sizeof is);
	memset(&sl, 0, sizeof sl);
	for (call = 1; call <= RCALLS; call++) {
		/* Deaths: more when crowded; a wipe now and then. */
		nd = (tbelow(&s, 3) == 0) + (nlive > 300) + 2 * (nlive > 600) +
		    4 * (nlive > 1000);
		if (tbelow(&s, 500) == 0)
			nd = nlive / 2;
		for (k = 0; k < nd && nlive > 0; k++) {
			j = tbelow(&s, (uint32_t)nlive);
			id = live[j];
			is[id] = 0;
			memmove(&live[j], &live[j + 1],
			    (nlive - j - 1) * sizeof *live);
			nlive--;
			dead[0][ndead[0]++ % RDEAD] = id;
			if (tbelow(&s, RLONG) == 0)
				dead[1][ndead[1]++ % RDEAD] = id;
		}
		/* Players above the highest id. */
		nd = tbelow(&s, 3) == 0;
		if (tbelow(&s, 100) == 0)
			nd = 20 + tbelow(&s, 300);
		for (k = 0; k < nd && nlive < RMAXLIVE - 8; k++) {
			top += 1 + tbelow(&s, 3);
			live_add(live, &nlive, is, top);
		}
		/* A mob in a gap; the dead coming back. */
		if (top > 0 && tbelow(&s, 15) == 0) {
			id = 1 + tbelow(&s, top);
			if (!is[id] && nlive < RMAXLIVE)
				live_add(live, &nlive, is, id);
		}
		for (k = tbelow(&s, 3); k > 0; k--) {
			if (ndead[w = tbelow(&s, 2)] == 0)
				continue;
			id = dead[w][tbelow(&s, (uint32_t)(ndead[w] < RDEAD ?
			    ndead[w] : RDEAD))];
			if (!is[id] && nlive < RMAXLIVE) {
				live_add(live, &nlive, is, id);
				back += call - last[id] >= SLOTS_KEEP;
			}
		}

		m = sl.n;	/* before: for dropped below */
		r = assign(&sl, live, nlive, slot);
		for (i = 0; i < nlive; i++)
			last[live[i]] = call;
		if (r == 0) {
			CHECK(sl.n <= bound, "call %u: %zu slots", call, sl.n);
			continue;
		}

		/* The table: exactly the ids of the last SLOTS_KEEP calls. */
		renumbered++;
		for (id = 1, j = 0, model = 0; id <= top; id++) {
			while (j < sl.n && sl.id[j] == SLOTS_FREE)
				j++;
			if (last[id] == 0 || call - last[id] >= SLOTS_KEEP) {
				CHECK(j == sl.n || sl.id[j] != id, "call %u: "
				    "%u kept, last in %u", call, id, last[id]);
				continue;
			}
			CHECK(j < sl.n && sl.id[j] == id, "call %u: %u not "
			    "kept, last in %u", call, id, last[id]);
			kept += last[id] != call;
			model++;
			j++;
		}
		while (j < sl.n && sl.id[j] == SLOTS_FREE)
			j++;
		CHECK(j == sl.n, "call %u: %u in the table", call, sl.id[j]);
		/* Until the next renumbering. */
		bound = model + model / 2 + FAR;
		CHECK(sl.n <= bound, "call %u: %zu slots for %zu ids", call,
		    sl.n, model);
		/* The ids of the table before that it dropped. */
		for (j = 0; j < m; j++) {
			id = slots_old_id(&sl, j);
			dropped += id != SLOTS_FREE &&
			    call - last[id] >= SLOTS_KEEP;
		}
	}
	/* It all happened. */
	ck_assert_uint_gt(renumbered, 20);
	ck_assert_uint_gt(dropped, 0);
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_gt(back, 0);
	slots_free(&sl);
}
END_TEST

/* ---- the rest ----------------------------------------------------------- */

START_TEST(test_free)
{
	struct slots	sl;
	uint32_t	ids[3] = { 1, 2, 3 }, slot[3];

	slots_free(NULL);
	memset(&sl, 0, sizeof sl);
	slots_free(&sl);			/* never used */
	ck_assert_int_eq(assign(&sl, ids, 3, slot), 1);
	slots_free(&sl);
	ck_assert_uint_eq(sl.n, 0);
	ck_assert_uint_eq(sl.gen, 0);
	ck_assert_uint_eq(slots_old_id(&sl, 0), SLOTS_FREE);
	slots_free(&sl);			/* twice */
	/* Used again from nothing. */
	ck_assert_int_eq(assign(&sl, ids, 3, slot), 1);
	ck_assert_uint_eq(sl.gen, 1);
	slots_free(&sl);
}
END_TEST

/* Caller bugs end the process (fatalx exits 70, EX_SOFTWARE). */
START_TEST(test_unsorted)
{
	struct slots	sl;
	uint32_t	ids[] = { 1, 3, 2 }, slot[3];

	memset(&sl, 0, sizeof sl);
	(void)slots_assign(&sl, ids, 3, slot);
}
END_TEST

START_TEST(test_repeated)
{
	struct slots	sl;
	uint32_t	ids[] = { 1, 2, 3 }, slot[3];

	memset(&sl, 0, sizeof sl);
	ck_assert_int_eq(slots_assign(&sl, ids, 3, slot), 1);
	ids[2] = 2;
	(void)slots_assign(&sl, ids, 3, slot);
}
END_TEST

START_TEST(test_free_id)
{
	struct slots	sl;
	uint32_t	ids[] = { 1, 2, SLOTS_FREE }, slot[3];

	memset(&sl, 0, sizeof sl);
	(void)slots_assign(&sl, ids, 3, slot);
}
END_TEST

START_TEST(test_free_id_alone)
{
	struct slots	sl;
	uint32_t	ids[] = { SLOTS_FREE }, slot[1];

	memset(&sl, 0, sizeof sl);
	(void)slots_assign(&sl, ids, 1, slot);
}
END_TEST

static Suite *
slots_suite(int forking)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("slots");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_first_layout);
	tcase_add_test(tc, test_stable);
	tcase_add_test(tc, test_room_appended);
	tcase_add_test(tc, test_insert_renumbers);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_keep_drop);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_free);
	if (forking) {		/* these exit the process */
		tcase_add_exit_test(tc, test_unsorted, 70);
		tcase_add_exit_test(tc, test_repeated, 70);
		tcase_add_exit_test(tc, test_free_id, 70);
		tcase_add_exit_test(tc, test_free_id_alone, 70);
	}
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(NULL);
	srunner_add_suite(sr, slots_suite(srunner_fork_status(sr) !=
	    CK_NOFORK));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
