/*
 * Unit tests for sim/ai.c: mob ids and spawners, idling and wandering near
 * home, noticing players in sight, chasing along a path around a wall,
 * attacking on cooldown, the leash, death and respawn, turning on an
 * attacker, cheap steps with nobody around, determinism with mobs, the
 * spawner's wander and rest, and the same world as ever with their
 * defaults. Areas are built by hand with area_new, solid tiles and
 * spawners.
 */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/area.h"
#include "sim/world.h"
#include "simfix.h"
#include "xmalloc.h"

#define TILE	32
#define HZ	20
#define R	WORLD_PLAYER_RADIUS
#define EPS	0.001f
#define WANDER	96.0f		/* default wander: goals are home +- this */
#define HOME_NEAR 4.0f		/* AI_HOME_NEAR in ai.c */
#define LOOK_EVERY 4		/* AI_LOOK_EVERY in ai.c */
#define TICKS(ms) (((uint64_t)(ms) * HZ + 999) / 1000)

/* An open cols x rows area of TILE x TILE tiles, players spawning at sx, sy. */
static struct area *
make_area(int cols, int rows, float sx, float sy)
{
	struct area	*a;

	a = area_new("test", cols, rows, TILE, TILE);
	area_add_spawn(a, sx, sy);
	return (a);
}

/* A spawner of count mobs in (x, y, w, h) with numbers easy to reason on. */
static struct area_spawner *
add_spawner(struct area *a, const char *kind, float x, float y, float w,
    float h, unsigned count)
{
	struct area_spawner	*sp;

	sp = area_add_spawner(a);
	sp->kind = xstrdup(kind);
	sp->x = x;
	sp->y = y;
	sp->w = w;
	sp->h = h;
	sp->count = count;
	sp->respawn_ms = 2000;
	sp->hp = 30;
	sp->damage = 1;
	sp->speed = 60;
	sp->sight = 160;
	sp->leash = 2000;
	sp->attack_range = 16;
	sp->attack_ms = 700;
	sp->xp = 10;
	return (sp);
}

/* Did this step report kind from a to b (0 matches any)? */
static int
has_event(const struct world *w, int kind, uint32_t a, uint32_t b)
{
	return (simfix_event(w, kind, a, b) != NULL);
}

static int
busy(const struct world_mob *m)
{
	return (m->state == MOB_CHASE || m->state == MOB_ATTACK);
}

/* The mob's body is in the map and touches no solid tile. */
static void
assert_clear(const struct world *w, const struct world_mob *m)
{
	simfix_assert_no_solid(w->area, m->x, m->y, "mob");
}

START_TEST(test_ids_spawners)
{
	struct area		*a = make_area(24, 24, 700, 700);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	size_t			 i;

	add_spawner(a, "slime", 64, 64, 128, 128, 3);
	add_spawner(a, "bat", 400, 400, 64, 64, 2)->hp = 12;
	w = world_new(a, HZ, 7);
	ck_assert_uint_eq(w->nmobs, 5);
	for (i = 0; i < w->nmobs; i++) {
		m = &w->mobs[i];
		sp = &a->spawners[m->spawner];
		ck_assert_uint_eq(m->id, WORLD_MOB_ID_BASE + i);
		ck_assert_uint_eq(m->spawner, i < 3 ? 0 : 1);
		ck_assert_ptr_eq(world_mob_find(w, m->id), m);
		ck_assert_int_eq(m->state, MOB_IDLE);
		ck_assert_int_eq(m->hp, sp->hp);
		ck_assert_uint_eq(m->target, 0);
		ck_assert(m->x >= sp->x && m->x <= sp->x + sp->w);
		ck_assert(m->y >= sp->y && m->y <= sp->y + sp->h);
		ck_assert_float_eq(m->home_x, m->x);
		ck_assert_float_eq(m->home_y, m->y);
		ck_assert(world_body_fits(w, m->x, m->y));
	}
	ck_assert_ptr_null(world_mob_find(w, WORLD_MOB_ID_BASE + 5));
	ck_assert_ptr_null(world_mob_find(w, WORLD_MOB_ID_BASE - 1));
	ck_assert_ptr_null(world_mob_find(w, 0));
	ck_assert_ptr_null(world_mob_find(w, 1));
	ck_assert_str_eq(world_mob_state_name(MOB_IDLE), "idle");
	ck_assert_str_eq(world_mob_state_name(MOB_DEAD), "dead");
	/* Player ids stay below the mobs'. */
	ck_assert_uint_lt(simfix_add(w, 700, 700), WORLD_MOB_ID_BASE);
	world_free(w);
	area_free(a);
}
END_TEST


static float
dist(float x0, float y0, float x1, float y1)
{
	return (hypotf(x1 - x0, y1 - y0));
}

/*
 * Alone, mobs idle and stroll near home: within the wander square (goals
 * are home +- WANDER on each axis) plus a tile, never in a wall (a pillar
 * stands in reach of the first), never chasing anything.
 */
START_TEST(test_wander_near_home)
{
	struct area		*a = make_area(40, 40, 40, 40);
	struct world		*w;
	struct world_mob	*m;
	float			 moved[4] = { 0 }, hx[4], hy[4], d;
	int			 t, row, wandered = 0;
	size_t			 i;

	for (row = 13; row <= 17; row++) {
		simfix_set_solid(a, 18, row);
		simfix_set_solid(a, 19, row);
	}
	add_spawner(a, "a", 496, 496, 0, 0, 1);
	add_spawner(a, "b", 200, 1000, 0, 0, 1);
	add_spawner(a, "c", 1000, 200, 0, 0, 1);
	add_spawner(a, "d", 1000, 1000, 0, 0, 1);
	w = world_new(a, HZ, 11);
	ck_assert_uint_eq(w->nmobs, 4);
	for (i = 0; i < 4; i++) {
		hx[i] = w->mobs[i].home_x;
		hy[i] = w->mobs[i].home_y;
	}
	for (t = 0; t < 2000; t++) {
		simfix_steps(w, 1);
		ck_assert_uint_eq(w->nevents, 0);
		for (i = 0; i < w->nmobs; i++) {
			m = &w->mobs[i];
			ck_assert(m->state == MOB_IDLE ||
			    m->state == MOB_WANDER);
			wandered |= m->state == MOB_WANDER;
			ck_assert_float_eq(m->home_x, hx[i]);
			ck_assert_float_eq(m->home_y, hy[i]);
			ck_assert_float_le(fabsf(m->x - m->home_x),
			    WANDER + TILE);
			ck_assert_float_le(fabsf(m->y - m->home_y),
			    WANDER + TILE);
			assert_clear(w, m);
			ck_assert(world_body_fits(w, m->x, m->y));
			d = dist(m->x, m->y, m->home_x, m->home_y);
			if (d > moved[i])
				moved[i] = d;
		}
	}
	ck_assert(wandered);
	for (i = 0; i < 4; i++)
		ck_assert_float_gt(moved[i], 16);	/* they did stroll */
	world_free(w);
	area_free(a);
}
END_TEST

/* With no players there is nothing to look at: no chase, no path. */
START_TEST(test_no_players_cheap)
{
	struct area		*a = make_area(40, 40, 40, 40);
	struct world		*w;
	struct world_mob	*m;
	int			 t, row;
	size_t			 i;

	for (row = 5; row < 35; row++)
		simfix_set_solid(a, 20, row);
	add_spawner(a, "a", 100, 100, 400, 400, 20)->sight = 400;
	add_spawner(a, "b", 700, 700, 300, 300, 20)->sight = 400;
	w = world_new(a, HZ, 5);
	for (t = 0; t < 2000; t++) {
		simfix_steps(w, 1);
		ck_assert_uint_eq(w->nevents, 0);
		for (i = 0; i < w->nmobs; i++) {
			m = &w->mobs[i];
			ck_assert(m->state == MOB_IDLE ||
			    m->state == MOB_WANDER);
			ck_assert_uint_eq(m->target, 0);
			ck_assert_uint_eq(m->path_len, 0);
			ck_assert_int_eq(m->hp, 30);
		}
	}
	world_free(w);
	area_free(a);
}
END_TEST

/*
 * A mob at (160, 320) with sight 200 and a player at (px, 320), behind a
 * wall at column 8 or not. Returns the step at which the mob started to
 * chase, or -1 if it never did in n steps.
 */
static int
first_chase(int wall, float px, int n)
{
	struct area		*a = make_area(30, 20, 900, 560);
	struct world		*w;
	struct world_mob	*m;
	uint32_t		 pid;
	int			 t, row, found = -1;

	if (wall) {
		for (row = 0; row < 20; row++)
			simfix_set_solid(a, 8, row);
	}
	add_spawner(a, "a", 160, 320, 0, 0, 1)->sight = 200;
	w = world_new(a, HZ, 21);
	m = &w->mobs[0];
	pid = simfix_add(w, px, 320);
	for (t = 0; t < n && found < 0; t++) {
		simfix_steps(w, 1);
		if (busy(m)) {
			ck_assert_int_eq(m->state, MOB_CHASE);
			ck_assert_uint_eq(m->target, pid);
			found = t;
		} else
			ck_assert_uint_eq(m->target, 0);
	}
	world_free(w);
	area_free(a);
	return (found);
}

START_TEST(test_notice)
{
	int	t;

	/* In sight and in line of sight: noticed at the next look. */
	t = first_chase(0, 320, 400);
	ck_assert_int_ge(t, 0);
	ck_assert_int_lt(t, LOOK_EVERY);
	/* The same distance behind a wall: never. */
	ck_assert_int_eq(first_chase(1, 320, 400), -1);
	/* Beyond sight, even after wandering towards the player: never. */
	ck_assert_int_eq(first_chase(0, 560, 400), -1);
}
END_TEST

/*
 * A mob chases a player who went behind a wall: it follows a path down to
 * the gap, through it and up the other side, and gets in range.
 */
START_TEST(test_chase_around_wall)
{
	struct area		*a = make_area(24, 16, 700, 450);
	struct world		*w;
	struct world_mob	*m;
	struct world_player	*p;
	struct area_spawner	*sp;
	uint32_t		 pid;
	int			 t, row, pathed = 0, reached = -1;

	for (row = 0; row < 12; row++)
		/* x 384..416; a gap below 384 */
		simfix_set_solid(a, 12, row);
	sp = add_spawner(a, "a", 272, 144, 0, 0, 1);
	sp->sight = 200;
	sp->speed = 80;
	w = world_new(a, HZ, 8);
	m = &w->mobs[0];
	pid = simfix_add(w, 372, 144);
	p = simfix_find(w, pid);
	p->hp = p->max_hp = 10000;
	for (t = 0; t < LOOK_EVERY && !busy(m); t++)
		simfix_steps(w, 1);
	ck_assert(busy(m));
	ck_assert_uint_eq(m->target, pid);
	/* The player steps behind the wall. */
	p->x = 496;
	p->y = 144;
	ck_assert(world_body_fits(w, p->x, p->y));
	for (t = 0; t < 400 && reached < 0; t++) {
		simfix_steps(w, 1);
		assert_clear(w, m);
		ck_assert(busy(m));
		ck_assert_uint_eq(m->target, pid);
		pathed |= m->path_len > 0;
		if (dist(m->x, m->y, p->x, p->y) <= sp->attack_range + R)
			reached = t;
	}
	ck_assert_msg(reached >= 0, "mob stuck at %f,%f", (double)m->x,
	    (double)m->y);
	ck_assert(pathed);
	ck_assert_float_gt(m->x, 416);		/* went round */
	/* And it hits. */
	for (t = 0; t < (int)TICKS(sp->attack_ms) + 2; t++) {
		simfix_steps(w, 1);
		if (has_event(w, EVENT_HIT, m->id, pid))
			break;
	}
	ck_assert_int_lt(t, (int)TICKS(sp->attack_ms) + 2);
	ck_assert_int_eq(m->state, MOB_ATTACK);
	world_free(w);
	area_free(a);
}
END_TEST

/* Hits are spaced exactly attack_ms apart (rounded up to steps). */
static void
check_cooldown(unsigned attack_ms, int damage)
{
	struct area		*a = make_area(20, 20, 600, 600);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_player	*p;
	struct world_event	*e;
	uint32_t		 pid, mid;
	uint64_t		 last = 0, gap = TICKS(attack_ms);
	size_t			 i, n = 0;
	int			 t;

	sp = add_spawner(a, "wolf", 200, 200, 0, 0, 1);
	sp->attack_ms = attack_ms;
	sp->damage = damage;
	w = world_new(a, HZ, 3);
	mid = w->mobs[0].id;
	pid = simfix_add(w, 220, 200);
	p = simfix_find(w, pid);
	p->hp = p->max_hp = 100000;
	for (t = 0; t < 300; t++) {
		simfix_steps(w, 1);
		for (i = 0; i < w->nevents; i++) {
			e = &w->events[i];
			if (e->kind != EVENT_HIT || e->a != mid)
				continue;
			ck_assert_uint_eq(e->b, pid);
			ck_assert_int_eq(e->value, damage);
			ck_assert_str_eq(e->text, "wolf");
			if (n == 0)
				ck_assert_int_le(t, LOOK_EVERY);
			else
				ck_assert_uint_eq(w->tick - 1 - last, gap);
			last = w->tick - 1;
			n++;
		}
	}
	ck_assert_uint_ge(n, (300 - LOOK_EVERY - 1) / gap);
	ck_assert_int_eq(p->hp, 100000 - (int32_t)n * damage);
	ck_assert_int_eq(w->mobs[0].state, MOB_ATTACK);
	world_free(w);
	area_free(a);
}

START_TEST(test_attack_cooldown)
{
	check_cooldown(700, 2);
	check_cooldown(250, 3);
	check_cooldown(1000, 1);
}
END_TEST

/*
 * Hurt, the mob chases its attacker; led beyond its leash it gives up,
 * walks home and is healed there.
 */
START_TEST(test_leash_return_heal)
{
	struct area		*a = make_area(60, 12, 1800, 192);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	uint32_t		 pid;
	int			 t, gave_up = 0, home = 0;

	sp = add_spawner(a, "a", 200, 192, 0, 0, 1);
	sp->sight = 120;
	sp->leash = 150;
	w = world_new(a, HZ, 4);
	m = &w->mobs[0];
	pid = simfix_add(w, 240, 192);
	simfix_steps(w, 1);
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert(has_event(w, EVENT_HIT, pid, m->id));
	ck_assert_int_eq(m->hp, 30 - 5);
	ck_assert(busy(m));
	ck_assert_uint_eq(m->target, pid);
	simfix_act(w, pid, INPUT_MOVE, 1, 0, 0);
	for (t = 0; t < 600 && !home; t++) {
		simfix_steps(w, 1);
		if (!gave_up && m->state == MOB_RETURN) {
			gave_up = 1;
			ck_assert_uint_eq(m->target, 0);
			ck_assert_float_gt(dist(m->x, m->y, m->home_x,
			    m->home_y), sp->leash);
			ck_assert_int_eq(m->hp, 25);
		} else if (gave_up) {
			ck_assert(!busy(m));
			if (m->state == MOB_IDLE) {
				home = 1;
				ck_assert_float_le(dist(m->x, m->y, m->home_x,
				    m->home_y), HOME_NEAR);
				ck_assert_int_eq(m->hp, sp->hp);
			} else {
				ck_assert_int_eq(m->state, MOB_RETURN);
				ck_assert_int_eq(m->hp, 25);
			}
		} else
			ck_assert(busy(m));
	}
	ck_assert(gave_up);
	ck_assert(home);
	world_free(w);
	area_free(a);
}
END_TEST

/*
 * A killed mob is dead: no target for attacks, no hits. It comes back
 * after respawn_ms, somewhere in its spawner's rectangle, healed.
 */
START_TEST(test_death_respawn)
{
	struct area		*a = make_area(30, 30, 800, 800);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	struct world_player	*p;
	uint32_t		 pid;
	uint64_t		 k, killed, back = TICKS(1500);
	float			 first_x = 0;
	int			 cycle, varied = 0;

	sp = add_spawner(a, "slime", 320, 320, 96, 96, 1);
	sp->hp = 5;
	sp->respawn_ms = 1500;
	sp->sight = 0;
	sp->speed = 0;
	w = world_new(a, HZ, 12);
	m = &w->mobs[0];
	pid = simfix_add(w, 800, 800);
	p = simfix_find(w, pid);
	for (cycle = 0; cycle < 6; cycle++) {
		ck_assert_int_eq(m->state, MOB_IDLE);
		p->x = m->x + 30;
		p->y = m->y;
		simfix_steps(w, 1);
		simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
		ck_assert(has_event(w, EVENT_MOB_KILLED, pid, m->id));
		killed = w->tick - 1;
		ck_assert_int_eq(m->state, MOB_DEAD);
		ck_assert_int_eq(m->hp, 0);
		ck_assert_uint_eq(m->target, 0);
		ck_assert_uint_eq(m->respawn_at, killed + back);
		for (k = 1; k < back; k++) {
			if (k == TICKS(WORLD_PLAYER_ATTACK_MS) + 1) {
				/* Ready again, but nothing alive to hit. */
				simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
				ck_assert_uint_eq(p->next_attack, w->tick - 1 +
				    TICKS(WORLD_PLAYER_ATTACK_MS));
				/* Out of the way: nothing pushes it back. */
				p->x = 800;
				p->y = 800;
			} else
				simfix_steps(w, 1);
			ck_assert(!has_event(w, EVENT_HIT, 0, 0));
			ck_assert_int_eq(m->state, MOB_DEAD);
		}
		simfix_steps(w, 1);
		ck_assert_int_eq(m->state, MOB_IDLE);
		ck_assert_int_eq(m->hp, sp->hp);
		ck_assert_uint_eq(m->respawn_at, 0);
		ck_assert(m->x >= sp->x && m->x <= sp->x + sp->w);
		ck_assert(m->y >= sp->y && m->y <= sp->y + sp->h);
		ck_assert_float_eq(m->home_x, m->x);
		ck_assert_float_eq(m->home_y, m->y);
		if (cycle == 0)
			first_x = m->x;
		else if (m->x != first_x)
			varied = 1;
	}
	ck_assert(varied);
	world_free(w);
	area_free(a);
}
END_TEST

/* An idle mob that cannot see turns on whoever hurts it. */
START_TEST(test_hurt_turns)
{
	struct area		*a = make_area(20, 20, 600, 600);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	struct world_player	*p;
	uint32_t		 pid;
	int			 t;

	sp = add_spawner(a, "a", 200, 200, 0, 0, 1);
	sp->sight = 0;
	sp->speed = 0;
	w = world_new(a, HZ, 2);
	m = &w->mobs[0];
	pid = simfix_add(w, 240, 200);
	for (t = 0; t < 40; t++) {
		simfix_steps(w, 1);
		ck_assert(!busy(m));
		ck_assert_uint_eq(m->target, 0);
	}
	simfix_act(w, pid, INPUT_ATTACK, 0, 0, 0);
	ck_assert(has_event(w, EVENT_HIT, pid, m->id));
	ck_assert_int_eq(m->state, MOB_CHASE);
	ck_assert_uint_eq(m->target, pid);
	/* In its reach, it hits back at once. */
	p = simfix_find(w, pid);
	p->x = 220;
	simfix_steps(w, 1);
	ck_assert_int_eq(m->state, MOB_ATTACK);
	ck_assert(has_event(w, EVENT_HIT, m->id, pid));
	world_free(w);
	area_free(a);
}
END_TEST

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8);
}

/* Walls with a door, pillars, slimes and bats, and an NPC. */
static struct area *
det_area(void)
{
	struct area		*a = make_area(40, 30, 600, 420);
	struct area_spawner	*sp;
	struct area_npc		*n;
	int			 row, c;

	for (row = 0; row < 30; row++) {
		if (row < 12 || row > 14)
			simfix_set_solid(a, 20, row);
	}
	for (c = 2; c < 18; c += 5)
		simfix_set_solid(a, c, 8);
	sp = add_spawner(a, "slime", 160, 320, 320, 320, 8);
	sp->hp = 12;
	sp->sight = 150;
	sp->leash = 300;
	sp->damage = 3;
	sp->loot = xstrdup("gel");
	sp->loot_chance = 0.5f;
	sp->respawn_ms = 3000;
	sp = add_spawner(a, "bat", 800, 500, 200, 200, 5);
	sp->hp = 20;
	sp->speed = 90;
	sp->sight = 200;
	sp->leash = 400;
	sp->attack_ms = 400;
	sp->damage = 2;
	n = area_add_npc(a);
	n->id = xstrdup("elder");
	n->name = xstrdup("Elder");
	n->x = 600;
	n->y = 380;
	return (a);
}

static struct world *
det_world(const struct area *a, uint64_t seed)
{
	struct world_quest	 q[2];
	struct world		*w;
	int			 i;

	memset(q, 0, sizeof q);
	strcpy(q[0].id, "slay");
	strcpy(q[0].giver, "elder");
	q[0].nobjectives = 1;
	q[0].objectives[0].kind = QUEST_KILL;
	strcpy(q[0].objectives[0].target, "slime");
	q[0].objectives[0].count = 3;
	q[0].reward_xp = 50;
	strcpy(q[1].id, "greet");
	q[1].nobjectives = 1;
	q[1].objectives[0].kind = QUEST_TALK;
	strcpy(q[1].objectives[0].target, "elder");
	q[1].objectives[0].count = 1;
	w = world_new(a, HZ, seed);
	world_set_quests(w, q, 2);
	for (i = 0; i < 8; i++)
		ck_assert_ptr_nonnull(world_player_add(w, "p",
		    100 + 140 * (float)i, 450));
	return (w);
}

/*
 * Same area, seed and inputs: the same world, step after step. Another
 * seed: another world.
 */
START_TEST(test_determinism_mobs)
{
	struct area		*a = det_area();
	struct world		*w1, *w2, *w3;
	struct world_input	 in[12];
	uint64_t		 counts[EVENT_EXIT + 1] = { 0 }, sq = 0;
	uint32_t		 s = 77, v;
	size_t			 n, i;
	int			 t;

	w1 = det_world(a, 99);
	w2 = det_world(a, 99);
	w3 = det_world(a, 100);
	ck_assert_uint_eq(world_hash(w1), world_hash(w2));
	for (t = 0; t < 2000; t++) {
		memset(in, 0, sizeof in);
		n = lcg(&s) % 12;
		for (i = 0; i < n; i++) {
			v = lcg(&s);
			in[i].player = 1 + v % 9;	/* 9 is unknown */
			in[i].seq = ++sq;
			switch (v / 9 % 8) {
			case 4:
			case 5:
				in[i].kind = INPUT_ATTACK;
				break;
			case 6:
				in[i].kind = INPUT_TALK;
				in[i].arg = (int32_t)(lcg(&s) % 3) - 1;
				break;
			case 7:
				in[i].kind = INPUT_ACCEPT;
				in[i].arg = (int32_t)(lcg(&s) % 4) - 1;
				break;
			default:
				in[i].kind = INPUT_MOVE;
				in[i].dx = (float)((int)(lcg(&s) % 201) - 100);
				in[i].dy = (float)((int)(lcg(&s) % 201) - 100);
				break;
			}
		}
		world_step(w1, in, n);
		world_step(w2, in, n);
		world_step(w3, in, n);
		ck_assert_uint_eq(w1->nevents, w2->nevents);
		for (i = 0; i < w1->nevents; i++)
			counts[w1->events[i].kind]++;
		ck_assert_uint_eq(world_hash(w1), world_hash(w2));
	}
	ck_assert_uint_eq(w1->tick, 2000);
	ck_assert_uint_eq(world_hash(w1), world_hash(w2));
	ck_assert_uint_ne(world_hash(w1), world_hash(w3));
	/* The run exercised the mobs, not just the walking. */
	ck_assert_uint_gt(counts[EVENT_HIT], 0);
	ck_assert_uint_gt(counts[EVENT_MOB_KILLED], 0);
	ck_assert_uint_gt(counts[EVENT_QUEST_ACCEPTED], 0);
	world_free(w1);
	world_free(w2);
	world_free(w3);
	area_free(a);
}
END_TEST

/*
 * Four mobs with rest 0 in an open 80x80-tile area, homes around the
 * middle, run for steps: each mob's farthest distance from home, on
 * either axis (far), and whether it ever moved at all (moved).
 */
static void
wander_run(float wander, float rest, int steps, uint64_t seed, float far[4],
    int moved[4])
{
	struct area		*a = make_area(80, 80, 40, 40);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	float			 x0[4], y0[4], d;
	size_t			 i;
	int			 t;

	for (i = 0; i < 4; i++) {
		sp = add_spawner(a, "w", 1100 + 100 * (float)i,
		    1100 + 100 * (float)(i % 2), 0, 0, 1);
		sp->speed = 100;
		sp->sight = 0;
		sp->wander = wander;
		sp->rest = rest;
	}
	w = world_new(a, HZ, seed);
	ck_assert_uint_eq(w->nmobs, 4);
	for (i = 0; i < 4; i++) {
		x0[i] = w->mobs[i].x;
		y0[i] = w->mobs[i].y;
		far[i] = 0;
		moved[i] = 0;
	}
	for (t = 0; t < steps; t++) {
		simfix_steps(w, 1);
		for (i = 0; i < 4; i++) {
			m = &w->mobs[i];
			ck_assert(m->state == MOB_IDLE ||
			    m->state == MOB_WANDER);
			ck_assert_float_eq(m->home_x, x0[i]);
			ck_assert_float_eq(m->home_y, y0[i]);
			assert_clear(w, m);
			d = fmaxf(fabsf(m->x - m->home_x),
			    fabsf(m->y - m->home_y));
			if (d > far[i])
				far[i] = d;
			if (m->x != x0[i] || m->y != y0[i])
				moved[i] = 1;
		}
	}
	world_free(w);
	area_free(a);
}

/*
 * Spawners made in code get the defaults; with rest 0 a mob never rests:
 * it is walking within the first few seconds, and keeps going.
 */
START_TEST(test_rest_zero_walks)
{
	struct area		*a = make_area(8, 8, 40, 40);
	struct area_spawner	*sp;
	float			 far[4];
	int			 moved[4];
	uint64_t		 seed;
	size_t			 i;

	sp = area_add_spawner(a);
	ck_assert_float_eq(sp->wander, WANDER);
	ck_assert_float_eq(sp->rest, 0.5f);
	area_free(a);

	/* A mob thinks within 2 s of spawning, then every 1 to 4 s. */
	for (seed = 1; seed <= 5; seed++) {
		wander_run(WANDER, 0, 3 * HZ, seed, far, moved);
		for (i = 0; i < 4; i++)
			ck_assert_msg(moved[i], "seed %llu: mob %zu stood "
			    "still", (unsigned long long)seed, i);
	}
	/* Over a minute each strolls well away from home. */
	wander_run(WANDER, 0, 60 * HZ, 7, far, moved);
	for (i = 0; i < 4; i++)
		ck_assert_float_gt(far[i], WANDER / 2);

	/* rest 1: never; wander 0: nowhere to go. Either stands still. */
	wander_run(WANDER, 1, 60 * HZ, 7, far, moved);
	for (i = 0; i < 4; i++)
		ck_assert(!moved[i]);
	wander_run(0, 0, 60 * HZ, 7, far, moved);
	for (i = 0; i < 4; i++)
		ck_assert(!moved[i]);
}
END_TEST

/*
 * A large wander takes mobs beyond the default's square (home +- 96, plus
 * a tile to reach a goal), yet never beyond their own.
 */
START_TEST(test_wander_far)
{
	float	far[4];
	int	moved[4];
	size_t	i;

	wander_run(640, 0, 120 * HZ, 3, far, moved);
	for (i = 0; i < 4; i++) {
		ck_assert_float_gt(far[i], WANDER + TILE);
		ck_assert_float_le(far[i], 640 + TILE);
	}
	/* The default wander, for contrast, stays in its square. */
	wander_run(WANDER, 0, 120 * HZ, 3, far, moved);
	for (i = 0; i < 4; i++)
		ck_assert_float_le(far[i], WANDER + TILE);
}
END_TEST

/*
 * Mobs at home in a corner, with a wander far larger than the map: most
 * of the goals they draw are off it. A wandering mob's goal is always one
 * its body fits at (it walked at a refused one, against the map's edge,
 * until it thought again), and mobs still wander.
 */
START_TEST(test_wander_goal_on_map)
{
	struct area		*a = make_area(20, 20, 40, 40);
	struct area_spawner	*sp;
	struct world		*w;
	struct world_mob	*m;
	size_t			 i, wandering = 0;
	int			 t;

	sp = add_spawner(a, "w", 24, 24, 40, 40, 6);
	sp->speed = 100;
	sp->sight = 0;
	sp->wander = 2000;
	sp->rest = 0;
	w = world_new(a, HZ, 11);
	ck_assert_uint_eq(w->nmobs, 6);
	for (t = 0; t < 120 * HZ; t++) {
		simfix_steps(w, 1);
		for (i = 0; i < w->nmobs; i++) {
			m = &w->mobs[i];
			assert_clear(w, m);
			if (m->state != MOB_WANDER)
				continue;
			wandering++;
			ck_assert_msg(world_body_fits(w, m->goal_x, m->goal_y),
			    "tick %d: mob %zu wanders to (%g, %g), off the map",
			    t, i, (double)m->goal_x, (double)m->goal_y);
		}
	}
	ck_assert_uint_gt(wandering, 0);
	world_free(w);
	area_free(a);
}
END_TEST

/*
 * With the defaults (wander 96, rest 0.5, player speed 120), mobs and
 * players move as they did before those were properties: GOLDEN_HASH is
 * the world_hash of golden_run recorded with zoned before the change (the
 * same numbers drawn in the same order, bit for bit).
 */
#define GOLDEN_HASH	0xaa48ab6a75c39e61ULL

/* A 60x40-tile field: a wall with a gap, a row of pillars, three spawners. */
static struct area *
golden_area(void)
{
	struct area		*a = make_area(60, 40, 300, 1000);
	struct area_spawner	*sp;
	int			 row, c;

	for (row = 0; row < 40; row++) {
		if (row < 18 || row > 21)
			simfix_set_solid(a, 30, row);
	}
	for (c = 4; c < 28; c += 6)
		simfix_set_solid(a, c, 17);
	sp = add_spawner(a, "slime", 160, 160, 480, 320, 10);
	sp->leash = 300;
	sp->hp = 12;
	sp = add_spawner(a, "bat", 1200, 700, 400, 300, 6);
	sp->sight = 0;
	sp->speed = 90;
	sp = add_spawner(a, "mole", 1500, 200, 0, 0, 2);
	sp->sight = 100;
	return (a);
}

/*
 * Four players walking, each turning to one of eight directions every
 * 2 s, for 4000 steps from seed 4242; the world's hash at the end.
 */
static uint64_t
golden_run(const struct area *a, unsigned st[6])
{
	static const float	 dirs[8][2] = { { 1, 0 }, { 1, 1 }, { 0, 1 },
	    { -1, 1 }, { -1, 0 }, { -1, -1 }, { 0, -1 }, { 1, -1 } };
	static const float	 at[4][2] = { { 300, 1000 }, { 500, 900 },
	    { 900, 1100 }, { 700, 300 } };
	struct world		*w;
	struct world_input	 in[4];
	uint64_t		 h;
	uint32_t		 s = 5, v;
	size_t			 i, n;
	int			 t;

	w = world_new(a, HZ, 4242);
	for (i = 0; i < 4; i++)
		world_player_add(w, "p", at[i][0], at[i][1]);
	for (t = 0; t < 4000; t++) {
		memset(in, 0, sizeof in);
		n = 0;
		if (t % 40 == 0) {
			for (i = 0; i < 4; i++) {
				v = lcg(&s) % 8;
				in[n].player = (uint32_t)(1 + i);
				in[n].seq = (uint64_t)(t / 40 + 1);
				in[n].kind = INPUT_MOVE;
				in[n].dx = dirs[v][0];
				in[n].dy = dirs[v][1];
				n++;
			}
		}
		world_step(w, in, n);
		for (i = 0; st != NULL && i < w->nmobs; i++)
			st[w->mobs[i].state]++;
	}
	h = world_hash(w);
	world_free(w);
	return (h);
}

START_TEST(test_defaults_unchanged)
{
	struct area	*a = golden_area();
	unsigned	 st[6] = { 0 };
	uint64_t	 h;
	size_t		 i;

	ck_assert_float_eq(a->player_speed, WORLD_PLAYER_SPEED);
	for (i = 0; i < a->nspawners; i++) {
		ck_assert_float_eq(a->spawners[i].wander, WANDER);
		ck_assert_float_eq(a->spawners[i].rest, 0.5f);
	}
	h = golden_run(a, st);
	ck_assert_msg(h == GOLDEN_HASH, "world hash %#llx",
	    (unsigned long long)h);
	/* The run wandered much, and chased some. */
	ck_assert_uint_gt(st[MOB_WANDER], 10000);
	ck_assert_uint_gt(st[MOB_CHASE], 1000);

	/* It depends on each of the three. */
	a->spawners[1].rest = nextafterf(0.5f, 1);
	ck_assert_uint_ne(golden_run(a, NULL), GOLDEN_HASH);
	a->spawners[1].rest = 0.5f;
	a->spawners[1].wander = WANDER + 1;
	ck_assert_uint_ne(golden_run(a, NULL), GOLDEN_HASH);
	a->spawners[1].wander = WANDER;
	a->player_speed = WORLD_PLAYER_SPEED - 1;
	ck_assert_uint_ne(golden_run(a, NULL), GOLDEN_HASH);
	a->player_speed = WORLD_PLAYER_SPEED;
	ck_assert_uint_eq(golden_run(a, NULL), GOLDEN_HASH);
	area_free(a);
}
END_TEST

static Suite *
ai_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ai");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ids_spawners);
	tcase_add_test(tc, test_wander_near_home);
	tcase_add_test(tc, test_no_players_cheap);
	tcase_add_test(tc, test_notice);
	tcase_add_test(tc, test_chase_around_wall);
	tcase_add_test(tc, test_attack_cooldown);
	tcase_add_test(tc, test_leash_return_heal);
	tcase_add_test(tc, test_death_respawn);
	tcase_add_test(tc, test_hurt_turns);
	tcase_add_test(tc, test_determinism_mobs);
	tcase_add_test(tc, test_rest_zero_walks);
	tcase_add_test(tc, test_wander_far);
	tcase_add_test(tc, test_wander_goal_on_map);
	tcase_add_test(tc, test_defaults_unchanged);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(ai_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
