/*
 * Unit tests for sim/combat.c: the player's attack (nearest mob in reach,
 * cooldown, damage by level), experience and levels, loot and a full
 * inventory, and a player killed by a mob, ignored while dead, respawned.
 * Areas are built by hand with area_new and spawners.
 */
#include "config.h"

#include <check.h>

#include <math.h>
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
#define REACH	(WORLD_PLAYER_RANGE + WORLD_PLAYER_RADIUS)
#define TICKS(ms) (((uint64_t)(ms) * HZ + 999) / 1000)
#define SPAWN_X	800.0f		/* players respawn here */
#define SPAWN_Y	560.0f

/* An open 30 x 20 area of TILE x TILE tiles. */
static struct area *
make_area(void)
{
	struct area	*a;

	a = area_new("test", 30, 20, TILE, TILE);
	area_add_spawn(a, SPAWN_X, SPAWN_Y);
	return (a);
}

/* A dummy mob (see simfix_add_dummy) that stays dead. */
static struct area_spawner *
add_dummy(struct area *a, const char *kind, float x, float y)
{
	return (simfix_add_dummy(a, kind, x, y, 1000000));
}

static size_t
count(const struct world *w, int kind)
{
	size_t	i, n = 0;

	for (i = 0; i < w->nevents; i++)
		n += w->events[i].kind == kind;
	return (n);
}

/*
 * Walks the player up to mob i, waits for its weapon and hits until the
 * mob dies. The killing step's events are left in w->events.
 */
static void
kill_mob(struct world *w, uint32_t pid, size_t i)
{
	struct world_mob	*m = &w->mobs[i];
	struct world_player	*p = simfix_find(w, pid);
	int			 t;

	ck_assert_int_ne(m->state, MOB_DEAD);
	p->x = m->x + 30;
	p->y = m->y;
	ck_assert(world_body_fits(w, p->x, p->y));
	simfix_steps(w, (int)TICKS(WORLD_PLAYER_ATTACK_MS));
	for (t = 0; t < 100; t++) {
		simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
		if (simfix_event(w, EVENT_MOB_KILLED, pid, m->id) != NULL)
			return;
	}
	ck_abort_msg("mob %zu survived", i);
}

/* The nearest living mob in reach is hit; ties go to the lower id. */
START_TEST(test_nearest_in_reach)
{
	struct area		*a = make_area();
	struct world		*w;
	uint32_t		 pid;
	int32_t			 hp_c;

	ck_assert(45 < REACH && 52 > REACH);
	add_dummy(a, "far", 355, 300)->hp = 2;	/* 45 from the player */
	add_dummy(a, "near", 400, 330)->hp = 2;	/* 30 */
	add_dummy(a, "out", 400, 248);		/* 52: out of reach */
	w = world_new(a, HZ, 1);
	hp_c = w->mobs[2].hp;
	pid = simfix_add(w, 400, 300);
	/* the attack uses the last step's index */
	simfix_steps(w, 1);
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_HIT, pid, w->mobs[1].id));
	ck_assert_uint_eq(count(w, EVENT_HIT), 1);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_MOB_KILLED, pid,
	    w->mobs[1].id));
	ck_assert_int_eq(w->mobs[1].state, MOB_DEAD);
	/* The dead one no longer counts: the next nearest is hit. */
	simfix_steps(w, (int)TICKS(WORLD_PLAYER_ATTACK_MS));
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_MOB_KILLED, pid,
	    w->mobs[0].id));
	/* Nothing left in reach. */
	simfix_steps(w, (int)TICKS(WORLD_PLAYER_ATTACK_MS));
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert_uint_eq(count(w, EVENT_HIT), 0);
	ck_assert_int_eq(w->mobs[2].hp, hp_c);
	world_free(w);
	area_free(a);

	/* Two at the same distance: the lower id. */
	a = make_area();
	add_dummy(a, "a", 400 + 40, 300)->hp = 100;
	add_dummy(a, "b", 400 - 40, 300)->hp = 100;
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, 400, 300);
	simfix_steps(w, 1);
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_HIT, pid, w->mobs[0].id));
	ck_assert_int_eq(w->mobs[1].hp, 100);
	world_free(w);
	area_free(a);
}
END_TEST

/* One hit per WORLD_PLAYER_ATTACK_MS however often the player attacks. */
START_TEST(test_cooldown_damage)
{
	struct area		*a = make_area();
	struct world		*w;
	struct world_player	*p;
	const struct world_event *e;
	uint32_t		 pid, level;
	uint64_t		 last = 0;
	int32_t			 dmg, hp;
	size_t			 n;
	int			 t;

	add_dummy(a, "rock", 300, 300)->hp = 100000;
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, 330, 300);
	p = simfix_find(w, pid);
	simfix_steps(w, 1);
	for (level = 1; level <= 4; level += 3) {
		p->level = level;
		dmg = 3 + 2 * (int32_t)level;
		n = 0;
		for (t = 0; t < 100; t++) {
			hp = w->mobs[0].hp;
			simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
			if ((e = simfix_event(w, EVENT_HIT, pid, 0)) == NULL) {
				ck_assert_int_eq(w->mobs[0].hp, hp);
				continue;
			}
			ck_assert_uint_eq(e->b, w->mobs[0].id);
			ck_assert_int_eq(e->value, dmg);
			ck_assert_int_eq(w->mobs[0].hp, hp - dmg);
			if (n > 0)
				ck_assert_uint_eq(w->tick - 1 - last,
				    TICKS(WORLD_PLAYER_ATTACK_MS));
			last = w->tick - 1;
			n++;
		}
		ck_assert_uint_eq(n, 100 / TICKS(WORLD_PLAYER_ATTACK_MS));
	}
	world_free(w);
	area_free(a);
}
END_TEST

/* Kills pay experience; levels come at world_xp_for_level thresholds. */
START_TEST(test_xp_levels)
{
	struct area		*a = make_area();
	struct world		*w;
	struct world_player	*p;
	const struct world_event *e;
	uint32_t		 pid;
	size_t			 i;

	ck_assert_uint_eq(world_xp_for_level(1), 20);
	ck_assert_uint_eq(world_xp_for_level(2), 80);
	ck_assert_uint_eq(world_xp_for_level(4), 320);
	add_dummy(a, "rat", 200, 200)->xp = 19;
	add_dummy(a, "mouse", 400, 200)->xp = 1;
	add_dummy(a, "ogre", 600, 200)->xp = 300;
	add_dummy(a, "rat", 200, 400)->xp = 0;
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, SPAWN_X, SPAWN_Y);
	p = simfix_find(w, pid);

	kill_mob(w, pid, 0);
	e = simfix_event(w, EVENT_MOB_KILLED, pid, w->mobs[0].id);
	ck_assert_int_eq(e->value, 19);
	ck_assert_str_eq(e->text, "rat");
	ck_assert_uint_eq(p->xp, 19);
	ck_assert_uint_eq(p->level, 1);
	ck_assert_uint_eq(count(w, EVENT_LEVEL_UP), 0);

	/* Exactly on the threshold: level 2, 5 more hp, healed. */
	p->hp = 3;
	kill_mob(w, pid, 1);
	ck_assert_uint_eq(p->xp, 20);
	ck_assert_uint_eq(p->level, 2);
	ck_assert_int_eq(p->max_hp, 25);
	ck_assert_int_eq(p->hp, 25);
	ck_assert_uint_eq(count(w, EVENT_LEVEL_UP), 1);
	e = simfix_event(w, EVENT_LEVEL_UP, pid, 0);
	ck_assert_int_eq(e->value, 2);
	ck_assert(e > simfix_event(w, EVENT_MOB_KILLED, pid, 0));

	/* 320 in all: levels 3, 4 and 5 at once. */
	p->hp = 1;
	kill_mob(w, pid, 2);
	ck_assert_uint_eq(p->xp, 320);
	ck_assert_uint_eq(p->level, 5);
	ck_assert_int_eq(p->max_hp, 40);
	ck_assert_int_eq(p->hp, 40);
	ck_assert_uint_eq(count(w, EVENT_LEVEL_UP), 3);
	for (i = 0; i < w->nevents; i++) {
		if (w->events[i].kind == EVENT_LEVEL_UP)
			break;
	}
	ck_assert_int_eq(w->events[i].value, 3);
	ck_assert_int_eq(w->events[i + 1].value, 4);
	ck_assert_int_eq(w->events[i + 2].value, 5);

	/* No experience, no change. */
	kill_mob(w, pid, 3);
	ck_assert_uint_eq(p->xp, 320);
	ck_assert_uint_eq(p->level, 5);
	world_free(w);
	area_free(a);
}
END_TEST

static uint32_t
item_count(const struct world_player *p, const char *id)
{
	unsigned	i;

	for (i = 0; i < p->nitems; i++) {
		if (strcmp(p->items[i].id, id) == 0)
			return (p->items[i].count);
	}
	return (0);
}

/* Loot chance 1 always drops, 0 never; no loot item, no loot. */
START_TEST(test_loot)
{
	struct area		*a = make_area();
	struct area_spawner	*sp;
	struct world		*w;
	struct world_player	*p;
	const struct world_event *e;
	uint32_t		 pid;
	int			 k;

	sp = add_dummy(a, "slime", 200, 200);
	sp->loot = xstrdup("gel");
	sp->loot_chance = 1;
	sp->respawn_ms = 200;
	sp = add_dummy(a, "bat", 500, 200);
	sp->loot = xstrdup("wing");
	sp->loot_chance = 0;
	sp->respawn_ms = 200;
	sp = add_dummy(a, "ghost", 500, 400);
	sp->respawn_ms = 200;
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, SPAWN_X, SPAWN_Y);
	p = simfix_find(w, pid);
	for (k = 1; k <= 8; k++) {
		kill_mob(w, pid, 0);
		e = simfix_event(w, EVENT_LOOT, pid, w->mobs[0].id);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->text, "gel");
		ck_assert_int_eq(e->value, 1);
		ck_assert_uint_eq(item_count(p, "gel"), (uint32_t)k);
		ck_assert_uint_eq(p->nitems, 1);
		kill_mob(w, pid, 1);
		ck_assert_uint_eq(count(w, EVENT_LOOT), 0);
		kill_mob(w, pid, 2);
		ck_assert_uint_eq(count(w, EVENT_LOOT), 0);
		simfix_steps(w, (int)TICKS(200));	/* back to life */
	}
	ck_assert_uint_eq(item_count(p, "wing"), 0);
	ck_assert_uint_eq(p->nitems, 1);
	world_free(w);
	area_free(a);
}
END_TEST

/* A full inventory takes no new item, but still stacks a known one. */
START_TEST(test_inventory_full)
{
	struct area		*a = make_area();
	struct area_spawner	*sp;
	struct world		*w;
	struct world_player	*p;
	char			 id[WORLD_ITEM_MAX];
	uint32_t		 pid;
	int			 i;

	sp = add_dummy(a, "slime", 200, 200);
	sp->loot = xstrdup("gel");
	sp->loot_chance = 1;
	sp->xp = 7;
	sp = add_dummy(a, "bat", 500, 200);
	sp->loot = xstrdup("item05");
	sp->loot_chance = 1;
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, SPAWN_X, SPAWN_Y);
	p = simfix_find(w, pid);
	for (i = 0; i < WORLD_INVENTORY_MAX; i++) {
		snprintf(id, sizeof id, "item%02d", i);
		ck_assert_int_eq(world_give_item(p, id, 1), 0);
	}
	ck_assert_int_eq(world_give_item(p, "extra", 1), -1);
	ck_assert_uint_eq(p->nitems, WORLD_INVENTORY_MAX);
	kill_mob(w, pid, 0);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_MOB_KILLED, pid, 0));
	ck_assert_uint_eq(count(w, EVENT_LOOT), 0);
	ck_assert_uint_eq(p->nitems, WORLD_INVENTORY_MAX);
	ck_assert_uint_eq(item_count(p, "gel"), 0);
	ck_assert_uint_eq(p->xp, 7);
	kill_mob(w, pid, 1);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_LOOT, pid, 0));
	ck_assert_uint_eq(item_count(p, "item05"), 2);
	ck_assert_uint_eq(p->nitems, WORLD_INVENTORY_MAX);
	world_free(w);
	area_free(a);
}
END_TEST

/*
 * Killed by a mob: hp 0, reported, deaf to inputs, given up on by every
 * mob; back at the spawn point with full hp WORLD_PLAYER_RESPAWN_MS later.
 */
START_TEST(test_player_death)
{
	struct area		*a = make_area();
	struct area_spawner	*sp;
	struct world		*w;
	struct world_player	*p;
	const struct world_event *e;
	struct world_mob	*m;
	uint32_t		 pid;
	uint64_t		 died = 0, k, back;
	float			 x, y;
	size_t			 i;
	int			 t;

	for (i = 0; i < 2; i++) {
		sp = add_dummy(a, "wolf", 280, 280 + 40 * (float)i);
		sp->hp = 1000;
		sp->damage = 4;
		sp->attack_ms = 500;
		sp->sight = 150;
		sp->speed = 60;
	}
	w = world_new(a, HZ, 1);
	pid = simfix_add(w, 340, 300);
	p = simfix_find(w, pid);
	p->max_hp = 30;
	p->hp = 30;
	for (t = 0; t < 300; t++) {
		simfix_steps(w, 1);
		if ((e = simfix_event(w, EVENT_PLAYER_DIED, pid, 0)) != NULL)
			break;
		ck_assert_int_gt(p->hp, 0);
	}
	ck_assert_int_lt(t, 300);
	m = world_mob_find(w, e->b);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(e->text, "wolf");
	died = w->tick - 1;
	back = TICKS(WORLD_PLAYER_RESPAWN_MS);
	ck_assert_int_eq(p->hp, 0);
	ck_assert_uint_eq(p->respawn_at, died + back);
	ck_assert_int_eq(m->state, MOB_RETURN);
	ck_assert_uint_eq(m->target, 0);
	x = p->x;
	y = p->y;
	for (k = 1; k < back; k++) {
		switch (k % 4) {
		case 0:
			simfix_act(w, pid, INPUT_MOVE, 1, 0, 0);
			break;
		case 1:
			simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
			break;
		default:
			simfix_steps(w, 1);
			break;
		}
		ck_assert_uint_eq(w->nevents, 0);	/* no hits at all */
		ck_assert_int_eq(p->hp, 0);
		ck_assert_float_eq(p->x, x);
		ck_assert_float_eq(p->y, y);
		ck_assert_float_eq(p->dx, 0);
		ck_assert_uint_eq(p->last_seq, simfix_seq);
		for (i = 0; i < w->nmobs; i++) {
			ck_assert_uint_eq(w->mobs[i].target, 0);
			ck_assert(w->mobs[i].state != MOB_CHASE &&
			    w->mobs[i].state != MOB_ATTACK);
		}
	}
	simfix_steps(w, 1);
	ck_assert_ptr_nonnull(simfix_event(w, EVENT_PLAYER_RESPAWNED, pid, 0));
	ck_assert_uint_eq(p->respawn_at, 0);
	ck_assert_int_eq(p->hp, 30);
	ck_assert_float_eq(p->x, SPAWN_X);
	ck_assert_float_eq(p->y, SPAWN_Y);
	/* Alive again: inputs count. */
	simfix_act(w, pid, INPUT_MOVE, 1, 0, 0);
	ck_assert_float_gt(p->x, SPAWN_X);
	world_free(w);
	area_free(a);
}
END_TEST

static Suite *
combat_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("combat");
	tc = tcase_create("core");
	tcase_add_test(tc, test_nearest_in_reach);
	tcase_add_test(tc, test_cooldown_damage);
	tcase_add_test(tc, test_xp_levels);
	tcase_add_test(tc, test_loot);
	tcase_add_test(tc, test_inventory_full);
	tcase_add_test(tc, test_player_death);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(combat_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
