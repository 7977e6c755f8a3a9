/*
 * Unit tests for sim/quest.c: accepting quests (once, known ones, up to
 * WORLD_PLAYER_QUESTS), kill, collect and talk objectives, completion with
 * its rewards, and progress that never passes the count. Areas are built
 * by hand: two NPCs and two kinds of mob that die in one hit.
 */
#include "config.h"

#include <check.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/world.h"
#include "simfix.h"
#include "xmalloc.h"

#define TILE	32
#define HZ	20
#define TICKS(ms) (((uint64_t)(ms) * HZ + 999) / 1000)

/* Indexes of the quests set by setup(). */
enum {
	Q_SLAY,		/* kill 3 slime; 10 xp, 5 coin */
	Q_GATHER,	/* collect 2 gel; 5 xp, 1 potion */
	Q_GREET,	/* talk to the elder; 1 xp */
	Q_MIXED,	/* kill 1 bat, collect 1 gel, talk to the smith; 7 xp */
	Q_HUNT,		/* kill 3 slime, talk to the smith */
	Q_FETCH,	/* collect 5 coin; 2 xp */
	Q_MIXED2,	/* collect 2 gel, kill 1 bat; 3 xp */
	NQUESTS
};
enum { NPC_ELDER, NPC_SMITH };
enum { MOB_SLIME, MOB_BAT };	/* indexes in w->mobs */

#define ELDER_X	400.0f
#define ELDER_Y	400.0f
#define SMITH_X	800.0f
#define SMITH_Y	400.0f

static struct area	*A;
static struct world	*W;
static struct world_player *P;	/* valid while no player is added */
static uint32_t		 PID;

static void
add_npc(struct area *a, const char *id, float x, float y)
{
	struct area_npc	*n;

	n = area_add_npc(a);
	n->id = xstrdup(id);
	n->name = xstrdup(id);
	n->x = x;
	n->y = y;
}

static void
quest(struct world_quest *q, const char *id, uint32_t xp)
{
	memset(q, 0, sizeof *q);
	snprintf(q->id, sizeof q->id, "%s", id);
	snprintf(q->giver, sizeof q->giver, "elder");
	q->reward_xp = xp;
}

static void
objective(struct world_quest *q, enum quest_objective_kind kind,
    const char *target, uint32_t count)
{
	unsigned	i = q->nobjectives++;

	q->objectives[i].kind = kind;
	snprintf(q->objectives[i].target, sizeof q->objectives[i].target,
	    "%s", target);
	q->objectives[i].count = count;
}

static void
reward(struct world_quest *q, const char *id, uint32_t count)
{
	unsigned	i = q->nrewards++;

	snprintf(q->rewards[i].id, sizeof q->rewards[i].id, "%s", id);
	q->rewards[i].count = count;
}

static void
setup(void)
{
	struct world_quest	 q[NQUESTS];
	struct area_spawner	*sp;

	A = area_new("test", 30, 20, TILE, TILE);
	area_add_spawn(A, 100, 100);
	add_npc(A, "elder", ELDER_X, ELDER_Y);
	add_npc(A, "smith", SMITH_X, SMITH_Y);
	sp = simfix_add_dummy(A, "slime", 200, 560, 200);
	sp->loot = xstrdup("gel");
	sp->loot_chance = 1;
	simfix_add_dummy(A, "bat", 600, 560, 200);

	quest(&q[Q_SLAY], "slay", 10);
	objective(&q[Q_SLAY], QUEST_KILL, "slime", 3);
	reward(&q[Q_SLAY], "coin", 5);
	quest(&q[Q_GATHER], "gather", 5);
	objective(&q[Q_GATHER], QUEST_COLLECT, "gel", 2);
	reward(&q[Q_GATHER], "potion", 1);
	quest(&q[Q_GREET], "greet", 1);
	objective(&q[Q_GREET], QUEST_TALK, "elder", 1);
	quest(&q[Q_MIXED], "mixed", 7);
	objective(&q[Q_MIXED], QUEST_KILL, "bat", 1);
	objective(&q[Q_MIXED], QUEST_COLLECT, "gel", 1);
	objective(&q[Q_MIXED], QUEST_TALK, "smith", 1);
	quest(&q[Q_HUNT], "hunt", 0);
	objective(&q[Q_HUNT], QUEST_KILL, "slime", 3);
	objective(&q[Q_HUNT], QUEST_TALK, "smith", 1);
	quest(&q[Q_FETCH], "fetch", 2);
	objective(&q[Q_FETCH], QUEST_COLLECT, "coin", 5);
	quest(&q[Q_MIXED2], "mixed2", 3);
	objective(&q[Q_MIXED2], QUEST_COLLECT, "gel", 2);
	objective(&q[Q_MIXED2], QUEST_KILL, "bat", 1);

	W = world_new(A, HZ, 3);
	world_set_quests(W, q, NQUESTS);
	P = world_player_add(W, "p", 100, 100);
	ck_assert_ptr_nonnull(P);
	PID = P->id;
	world_step(W, NULL, 0);
}

static void
teardown(void)
{
	world_free(W);
	area_free(A);
}

static void
act(int kind, int32_t arg)
{
	simfix_act(W, PID, kind, 0, 0, arg);
}

/* This step's first event of kind (b matches any if -1), or NULL. */
static const struct world_event *
event(int kind, int64_t b)
{
	size_t	i;

	for (i = 0; i < W->nevents; i++) {
		if (W->events[i].kind == kind && W->events[i].a == PID &&
		    (b < 0 || W->events[i].b == (uint32_t)b))
			return (&W->events[i]);
	}
	return (NULL);
}

static size_t
count(int kind)
{
	size_t	i, n = 0;

	for (i = 0; i < W->nevents; i++)
		n += W->events[i].kind == kind;
	return (n);
}

/* The progress event of objective b of quest id, with its value. */
static void
assert_progress(const char *id, uint32_t b, int64_t value)
{
	const struct world_event	*e;

	e = event(EVENT_QUEST_PROGRESS, b);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, id);
	ck_assert_int_eq(e->value, value);
}

static struct world_player_quest *
pquest(const char *id)
{
	unsigned	i;

	for (i = 0; i < P->nquests; i++) {
		if (strcmp(P->quests[i].id, id) == 0)
			return (&P->quests[i]);
	}
	ck_abort_msg("quest %s not taken", id);
	return (NULL);
}

static uint32_t
items(const char *id)
{
	unsigned	i;

	for (i = 0; i < P->nitems; i++) {
		if (strcmp(P->items[i].id, id) == 0)
			return (P->items[i].count);
	}
	return (0);
}

/* Kills mob i (waiting for it to be back); its events are in W->events. */
static void
kill_mob(size_t i)
{
	struct world_mob	*m = &W->mobs[i];
	int			 t;

	for (t = 0; t < 100 && m->state == MOB_DEAD; t++)
		world_step(W, NULL, 0);
	ck_assert_int_ne(m->state, MOB_DEAD);
	P->x = m->x + 30;
	P->y = m->y;
	for (t = 0; t < (int)TICKS(WORLD_PLAYER_ATTACK_MS); t++)
		world_step(W, NULL, 0);
	for (t = 0; t < 100; t++) {
		act(INPUT_ATTACK, 0);
		if (event(EVENT_MOB_KILLED, m->id) != NULL)
			return;
	}
	ck_abort_msg("mob %zu survived", i);
}

/* Stands d units east of an NPC and talks to it. */
static void
talk_at(int npc, float d)
{
	P->x = A->npcs[npc].x + d;
	P->y = A->npcs[npc].y;
	act(INPUT_TALK, npc);
}

START_TEST(test_accept)
{
	const struct world_event	*e;
	struct world_input		 in;
	unsigned			 i;

	ck_assert_int_eq(world_quest_index(W, "gather"), Q_GATHER);
	ck_assert_int_eq(world_quest_index(W, "nope"), -1);
	act(INPUT_ACCEPT, Q_SLAY);
	e = event(EVENT_QUEST_ACCEPTED, -1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, "slay");
	ck_assert_uint_eq(count(EVENT_QUEST_ACCEPTED), 1);
	ck_assert_uint_eq(P->nquests, 1);
	ck_assert_str_eq(P->quests[0].id, "slay");
	ck_assert_uint_eq(P->quests[0].done, 0);
	for (i = 0; i < WORLD_QUEST_OBJECTIVES; i++)
		ck_assert_uint_eq(P->quests[0].progress[i], 0);
	/* Again, unknown indexes, an unknown player: nothing. */
	act(INPUT_ACCEPT, Q_SLAY);
	act(INPUT_ACCEPT, -1);
	ck_assert_uint_eq(W->nevents, 0);
	act(INPUT_ACCEPT, NQUESTS);
	ck_assert_uint_eq(W->nevents, 0);
	act(INPUT_ACCEPT, 1000);
	ck_assert_uint_eq(W->nevents, 0);
	memset(&in, 0, sizeof in);
	in.player = PID + 1;
	in.kind = INPUT_ACCEPT;
	in.arg = Q_GATHER;
	world_step(W, &in, 1);
	ck_assert_uint_eq(W->nevents, 0);
	ck_assert_uint_eq(P->nquests, 1);
	act(INPUT_ACCEPT, Q_GREET);
	ck_assert_uint_eq(P->nquests, 2);
	ck_assert_str_eq(P->quests[1].id, "greet");
}
END_TEST

/* No more than WORLD_PLAYER_QUESTS quests at once. */
START_TEST(test_accept_cap)
{
	struct world_quest	 q[WORLD_PLAYER_QUESTS + 1];
	struct world_input	 in[WORLD_PLAYER_QUESTS + 1];
	char			 id[16];
	unsigned		 i;

	for (i = 0; i <= WORLD_PLAYER_QUESTS; i++) {
		snprintf(id, sizeof id, "q%02u", i);
		quest(&q[i], id, 0);
		objective(&q[i], QUEST_KILL, "dragon", 1);
		memset(&in[i], 0, sizeof in[i]);
		in[i].player = PID;
		in[i].seq = ++simfix_seq;
		in[i].kind = INPUT_ACCEPT;
		in[i].arg = (int32_t)i;
	}
	world_set_quests(W, q, WORLD_PLAYER_QUESTS + 1);
	world_step(W, in, WORLD_PLAYER_QUESTS + 1);
	ck_assert_uint_eq(count(EVENT_QUEST_ACCEPTED), WORLD_PLAYER_QUESTS);
	ck_assert_uint_eq(P->nquests, WORLD_PLAYER_QUESTS);
	ck_assert_str_eq(P->quests[WORLD_PLAYER_QUESTS - 1].id, "q15");
	act(INPUT_ACCEPT, WORLD_PLAYER_QUESTS);
	ck_assert_uint_eq(W->nevents, 0);
	ck_assert_uint_eq(P->nquests, WORLD_PLAYER_QUESTS);
}
END_TEST

/* Kills of the kind count, others do not; done once, rewarded once. */
START_TEST(test_kill)
{
	const struct world_event	*e;
	struct world_player_quest	*pq;

	act(INPUT_ACCEPT, Q_SLAY);
	pq = pquest("slay");
	kill_mob(MOB_BAT);
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	ck_assert_uint_eq(pq->progress[0], 0);
	kill_mob(MOB_SLIME);
	assert_progress("slay", 0, 1);
	kill_mob(MOB_SLIME);
	assert_progress("slay", 0, 2);
	ck_assert_uint_eq(count(EVENT_QUEST_DONE), 0);
	ck_assert_uint_eq(P->xp, 0);
	kill_mob(MOB_SLIME);
	assert_progress("slay", 0, 3);
	e = event(EVENT_QUEST_DONE, -1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, "slay");
	ck_assert_int_eq(e->value, 10);
	ck_assert(e > event(EVENT_QUEST_PROGRESS, -1));
	ck_assert_uint_eq(pq->done, 1);
	ck_assert_uint_eq(P->xp, 10);
	ck_assert_uint_eq(items("coin"), 5);
	/* Done: more kills change nothing. */
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	ck_assert_uint_eq(count(EVENT_QUEST_DONE), 0);
	ck_assert_uint_eq(pq->progress[0], 3);
	ck_assert_uint_eq(P->xp, 10);
	ck_assert_uint_eq(items("coin"), 5);
	/* Taking it again does nothing either. */
	act(INPUT_ACCEPT, Q_SLAY);
	ck_assert_uint_eq(W->nevents, 0);
}
END_TEST

/* An open quest's progress stops at the count. */
START_TEST(test_kill_clamped)
{
	struct world_player_quest	*pq;
	int				 k;

	act(INPUT_ACCEPT, Q_HUNT);
	pq = pquest("hunt");
	for (k = 1; k <= 3; k++) {
		kill_mob(MOB_SLIME);
		assert_progress("hunt", 0, k);
	}
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	ck_assert_uint_eq(pq->progress[0], 3);
	ck_assert_uint_eq(pq->done, 0);
	talk_at(NPC_SMITH, 10);
	assert_progress("hunt", 1, 1);
	ck_assert_ptr_nonnull(event(EVENT_QUEST_DONE, -1));
	ck_assert_uint_eq(pq->done, 1);
}
END_TEST

/*
 * Collect follows the inventory, counting what was carried before; done,
 * the collected items are handed over.
 */
START_TEST(test_collect)
{
	struct world_player_quest	*pq;
	const struct world_event	*e;

	ck_assert_int_eq(world_give_item(P, "gel", 1), 0);
	act(INPUT_ACCEPT, Q_GATHER);
	ck_assert_ptr_nonnull(event(EVENT_QUEST_ACCEPTED, -1));
	assert_progress("gather", 0, 1);
	ck_assert_uint_eq(count(EVENT_QUEST_DONE), 0);
	pq = pquest("gather");
	kill_mob(MOB_SLIME);
	ck_assert_ptr_nonnull(event(EVENT_LOOT, -1));
	assert_progress("gather", 0, 2);
	e = event(EVENT_QUEST_DONE, -1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, "gather");
	ck_assert_int_eq(e->value, 5);
	ck_assert_uint_eq(pq->done, 1);
	ck_assert_uint_eq(items("gel"), 0);
	ck_assert_uint_eq(items("potion"), 1);
	ck_assert_uint_eq(P->nitems, 1);
	ck_assert_uint_eq(P->xp, 5);
	/* Done: more gel stays. */
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	ck_assert_uint_eq(items("gel"), 1);
	ck_assert_uint_eq(pq->progress[0], 2);
	ck_assert_uint_eq(P->xp, 5);
}
END_TEST

/* Carrying more than asked: progress stops at the count, the rest stays. */
START_TEST(test_collect_clamped)
{
	ck_assert_int_eq(world_give_item(P, "gel", 5), 0);
	act(INPUT_ACCEPT, Q_GATHER);
	assert_progress("gather", 0, 2);
	ck_assert_ptr_nonnull(event(EVENT_QUEST_DONE, -1));
	ck_assert_uint_eq(pquest("gather")->progress[0], 2);
	ck_assert_uint_eq(items("gel"), 3);
	ck_assert_uint_eq(items("potion"), 1);
}
END_TEST

/* Talking counts within WORLD_TALK_RANGE of the very NPC. */
START_TEST(test_talk)
{
	const struct world_event	*e;

	ck_assert_int_eq(world_npc_index(W, "smith"), NPC_SMITH);
	ck_assert_int_eq(world_npc_index(W, "nobody"), -1);
	act(INPUT_ACCEPT, Q_GREET);
	act(INPUT_TALK, NPC_ELDER);		/* from the spawn, far */
	ck_assert_uint_eq(W->nevents, 0);
	talk_at(NPC_ELDER, WORLD_TALK_RANGE + 6);
	ck_assert_uint_eq(W->nevents, 0);
	P->x = ELDER_X;		/* next to the elder, talking to no one */
	P->y = ELDER_Y;
	act(INPUT_TALK, -1);
	ck_assert_uint_eq(W->nevents, 0);
	act(INPUT_TALK, 2);
	ck_assert_uint_eq(W->nevents, 0);
	act(INPUT_TALK, NPC_SMITH);		/* not in range of the smith */
	ck_assert_uint_eq(W->nevents, 0);
	ck_assert_uint_eq(pquest("greet")->progress[0], 0);
	talk_at(NPC_ELDER, WORLD_TALK_RANGE - 4);
	e = event(EVENT_TALK, -1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, "elder");
	ck_assert_int_eq(e->value, NPC_ELDER);
	assert_progress("greet", 0, 1);
	e = event(EVENT_QUEST_DONE, -1);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->text, "greet");
	ck_assert_uint_eq(P->xp, 1);
	/* Talking again: heard, but the quest is done. */
	talk_at(NPC_ELDER, 0);
	ck_assert_ptr_nonnull(event(EVENT_TALK, -1));
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	ck_assert_uint_eq(count(EVENT_QUEST_DONE), 0);
	ck_assert_uint_eq(pquest("greet")->progress[0], 1);
}
END_TEST

/* Three kinds of objective: done when all are met, not before. */
START_TEST(test_mixed)
{
	struct world_player_quest	*pq;

	act(INPUT_ACCEPT, Q_MIXED);
	pq = pquest("mixed");
	talk_at(NPC_ELDER, 0);			/* the wrong NPC */
	ck_assert_ptr_nonnull(event(EVENT_TALK, -1));
	ck_assert_uint_eq(count(EVENT_QUEST_PROGRESS), 0);
	kill_mob(MOB_BAT);
	assert_progress("mixed", 0, 1);
	kill_mob(MOB_SLIME);
	assert_progress("mixed", 1, 1);
	ck_assert_uint_eq(pq->done, 0);
	ck_assert_uint_eq(items("gel"), 1);
	talk_at(NPC_SMITH, 20);
	assert_progress("mixed", 2, 1);
	ck_assert_ptr_nonnull(event(EVENT_QUEST_DONE, -1));
	ck_assert_uint_eq(pq->done, 1);
	ck_assert_uint_eq(items("gel"), 0);
	ck_assert_uint_eq(P->xp, 7);
}
END_TEST

/*
 * Two open quests want the same items: when one is done and takes them,
 * the other's collect progress follows the inventory back down, and it is
 * not done until the items are there again.
 */
START_TEST(test_collect_shared)
{
	struct world_player_quest	*pq;

	act(INPUT_ACCEPT, Q_MIXED2);
	act(INPUT_ACCEPT, Q_GATHER);
	pq = pquest("mixed2");
	kill_mob(MOB_SLIME);
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(pquest("gather")->done, 1);
	ck_assert_uint_eq(items("gel"), 0);
	kill_mob(MOB_BAT);
	ck_assert_msg(pq->done == 0 && count(EVENT_QUEST_DONE) == 0,
	    "mixed2 done without its gel (progress %u, gel %u)",
	    pq->progress[0], items("gel"));
	ck_assert_uint_eq(pq->progress[0], 0);
	kill_mob(MOB_SLIME);
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(pq->done, 1);
	ck_assert_uint_eq(items("gel"), 0);
}
END_TEST

/* Items given as a reward count for another quest's collect objective. */
START_TEST(test_reward_collected)
{
	act(INPUT_ACCEPT, Q_FETCH);
	act(INPUT_ACCEPT, Q_SLAY);
	kill_mob(MOB_SLIME);
	kill_mob(MOB_SLIME);
	kill_mob(MOB_SLIME);
	ck_assert_uint_eq(pquest("slay")->done, 1);
	ck_assert_msg(pquest("fetch")->progress[0] == 5,
	    "fetch progress %u with %u coin", pquest("fetch")->progress[0],
	    items("coin"));
	ck_assert_uint_eq(pquest("fetch")->done, 1);
	ck_assert_uint_eq(items("coin"), 0);
	ck_assert_uint_eq(P->xp, 10 + 2);
}
END_TEST

static Suite *
quest_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("quest");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_accept_cap);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_kill_clamped);
	tcase_add_test(tc, test_collect);
	tcase_add_test(tc, test_collect_clamped);
	tcase_add_test(tc, test_talk);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_collect_shared);
	tcase_add_test(tc, test_reward_collected);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(quest_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
