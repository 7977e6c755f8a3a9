/*
 * Quest progress: accepted quests' objectives (kill N of a mob kind,
 * collect an item, talk to an NPC) advance; completion grants the rewards.
 * Pure.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/area.h"
#include "sim/internal.h"
#include "sim/world.h"

static uint32_t
quest_items(const struct world_player *p, const char *id)
{
	unsigned	i;

	for (i = 0; i < p->nitems; i++) {
		if (strcmp(p->items[i].id, id) == 0)
			return (p->items[i].count);
	}
	return (0);
}

static void
quest_take_items(struct world_player *p, const char *id, uint32_t n)
{
	unsigned	i;

	for (i = 0; i < p->nitems; i++) {
		if (strcmp(p->items[i].id, id) != 0)
			continue;
		p->items[i].count -= n < p->items[i].count ? n :
		    p->items[i].count;
		if (p->items[i].count == 0) {
			memmove(&p->items[i], &p->items[i + 1],
			    (p->nitems - i - 1) * sizeof p->items[0]);
			p->nitems--;
		}
		return;
	}
}

/* All objectives met: rewards in, collected items handed over. */
static void
quest_check_done(struct world *w, struct world_player *p,
    struct world_player_quest *pq, const struct world_quest *q)
{
	unsigned	i;

	if (pq->done)
		return;
	for (i = 0; i < q->nobjectives; i++) {
		if (pq->progress[i] < q->objectives[i].count)
			return;
	}
	pq->done = 1;
	for (i = 0; i < q->nobjectives; i++) {
		if (q->objectives[i].kind == QUEST_COLLECT)
			quest_take_items(p, q->objectives[i].target,
			    q->objectives[i].count);
	}
	for (i = 0; i < q->nrewards; i++)
		world_give_item(p, q->rewards[i].id, q->rewards[i].count);
	world_emit(w, EVENT_QUEST_DONE, p->id, 0, q->reward_xp, q->id);
	combat_gain_xp(w, p, q->reward_xp);
	/* Items went and came: other quests' collect objectives follow. */
	quest_on_item(w, p);
}

/*
 * Advances every objective of kind on target in the player's open quests:
 * by one, or (absolute) to the number of target items carried.
 */
static void
quest_advance(struct world *w, struct world_player *p,
    enum quest_objective_kind kind, const char *target, int absolute)
{
	struct world_player_quest	*pq;
	const struct world_quest	*q;
	unsigned			 i, j;
	int				 qi;
	uint32_t			 before, now;

	for (i = 0; i < p->nquests; i++) {
		pq = &p->quests[i];
		if (pq->done || (qi = world_quest_index(w, pq->id)) < 0)
			continue;
		q = &w->quests[qi];
		for (j = 0; j < q->nobjectives; j++) {
			if (q->objectives[j].kind != kind ||
			    strcmp(q->objectives[j].target, target) != 0)
				continue;
			before = pq->progress[j];
			now = absolute ? quest_items(p, target) : before + 1;
			if (now > q->objectives[j].count)
				now = q->objectives[j].count;
			if (now == before)
				continue;
			pq->progress[j] = now;
			p->changes++;
			world_emit(w, EVENT_QUEST_PROGRESS, p->id, j, now,
			    q->id);
		}
		quest_check_done(w, p, pq, q);
	}
}

/* Takes quest qi (index in the world's quests), once. */
void
quest_accept(struct world *w, struct world_player *p, int qi)
{
	const struct world_quest	*q;
	struct world_player_quest	*pq;
	unsigned			 i;

	if (qi < 0 || (size_t)qi >= w->nquests)
		return;
	q = &w->quests[qi];
	for (i = 0; i < p->nquests; i++) {
		if (strcmp(p->quests[i].id, q->id) == 0)
			return;
	}
	if (p->nquests == WORLD_PLAYER_QUESTS)
		return;
	pq = &p->quests[p->nquests++];
	memset(pq, 0, sizeof *pq);
	memcpy(pq->id, q->id, sizeof pq->id);
	p->changes++;
	world_emit(w, EVENT_QUEST_ACCEPTED, p->id, 0, 0, q->id);
	quest_on_item(w, p);	/* items already carried count */
}

/* Talking to an NPC close by. */
void
quest_talk(struct world *w, struct world_player *p, int npc)
{
	const struct area_npc	*n;

	if (npc < 0 || (size_t)npc >= w->area->nnpcs)
		return;
	n = &w->area->npcs[npc];
	if (world_distance(p->x, p->y, n->x, n->y) > WORLD_TALK_RANGE)
		return;
	world_emit(w, EVENT_TALK, p->id, 0, npc, n->id);
	quest_advance(w, p, QUEST_TALK, n->id, 0);
}

void
quest_on_kill(struct world *w, struct world_player *p, const char *kind)
{
	quest_advance(w, p, QUEST_KILL, kind, 0);
}

/* Collect objectives follow what the player carries. */
void
quest_on_item(struct world *w, struct world_player *p)
{
	struct world_player_quest	*pq;
	const struct world_quest	*q;
	unsigned			 i, j;
	int				 qi;

	for (i = 0; i < p->nquests; i++) {
		pq = &p->quests[i];
		if (pq->done || (qi = world_quest_index(w, pq->id)) < 0)
			continue;
		q = &w->quests[qi];
		for (j = 0; j < q->nobjectives; j++) {
			if (q->objectives[j].kind == QUEST_COLLECT)
				quest_advance(w, p, QUEST_COLLECT,
				    q->objectives[j].target, 1);
		}
	}
}
