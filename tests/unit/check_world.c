/*
 * Unit tests for sim/world.c: movement by held direction, collision with
 * solid tiles and the map bounds, input handling, player add/remove and
 * determinism. Areas are built by hand with area_new and solid tiles.
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

#define TILE	16
#define R	WORLD_PLAYER_RADIUS
#define HZ	10
#define STEP	(WORLD_PLAYER_SPEED / HZ)	/* 12 units a step */
#define EPS	0.001f
#define FLUSH	0.05f

/* An open cols x rows area of TILE x TILE tiles. Caller frees. */
static struct area *
make_area(int cols, int rows)
{
	return (area_new("test", cols, rows, TILE, TILE));
}

static void
solid_column(struct area *a, int col)
{
	int	row;

	for (row = 0; row < a->rows; row++)
		simfix_set_solid(a, col, row);
}

static void
solid_row(struct area *a, int row)
{
	int	col;

	for (col = 0; col < a->cols; col++)
		simfix_set_solid(a, col, row);
}

static void
input(struct world *w, uint32_t id, uint64_t seq, float dx, float dy)
{
	simfix_input(w, id, seq, 0, dx, dy, 0);
}

/*
 * The body's box, shrunk by EPS, touches no solid tile and stays in the
 * map: it never entered a wall.
 */
static void
assert_clear(const struct world *w, const struct world_player *p)
{
	const struct area	*a = w->area;

	ck_assert(isfinite(p->x) && isfinite(p->y));
	ck_assert(p->x - R >= -EPS && p->y - R >= -EPS);
	ck_assert(p->x + R <= area_width(a) + EPS);
	ck_assert(p->y + R <= area_height(a) + EPS);
	simfix_assert_no_solid(a, p->x, p->y, "body");
	ck_assert(world_body_fits(w, p->x, p->y));
}

/* The body's edge is within FLUSH of the wall's edge. */
static void
assert_flush(float body_edge, float wall_edge)
{
	float	gap = fabsf(wall_edge - body_edge);

	ck_assert_msg(gap <= FLUSH, "gap %f between body %f and wall %f",
	    (double)gap, (double)body_edge, (double)wall_edge);
}

START_TEST(test_new_free)
{
	struct area	*a = make_area(4, 4);
	struct world	*w;

	w = world_new(a, HZ, 1);
	ck_assert_ptr_eq(w->area, a);
	ck_assert_uint_eq(w->tick_hz, HZ);
	ck_assert_float_eq(w->speed, WORLD_PLAYER_SPEED);
	ck_assert_uint_eq(w->nplayers, 0);
	ck_assert_uint_eq(w->tick, 0);
	ck_assert_ptr_null(world_player_find(w, 1));
	world_step(w, NULL, 0);
	ck_assert_uint_eq(w->tick, 1);
	world_free(w);
	world_free(NULL);
	area_free(a);
}
END_TEST

START_TEST(test_move_straight)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;

	id = simfix_add(w, 320, 320);
	input(w, id, 1, 1, 0);
	p = simfix_find(w, id);
	ck_assert_float_eq_tol(p->x, 320 + STEP, 1e-3);
	ck_assert_float_eq(p->y, 320);
	ck_assert_float_eq(p->dx, 1);
	ck_assert_float_eq(p->dy, 0);
	ck_assert_uint_eq(p->last_seq, 1);

	/* The direction is held without new input. */
	simfix_steps(w, 4);
	ck_assert_float_eq_tol(p->x, 320 + 5 * STEP, 1e-3);
	ck_assert_float_eq(p->y, 320);

	input(w, id, 2, 0, -1);
	ck_assert_float_eq_tol(p->x, 320 + 5 * STEP, 1e-3);
	ck_assert_float_eq_tol(p->y, 320 - STEP, 1e-3);
	input(w, id, 3, -1, 0);
	ck_assert_float_eq_tol(p->x, 320 + 4 * STEP, 1e-3);
	input(w, id, 4, 0, 1);
	ck_assert_float_eq_tol(p->y, 320, 1e-3);
	ck_assert_uint_eq(w->tick, 8);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_speed_and_rate)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, 20, 1);
	struct world_player	*p;
	uint32_t		 id;

	/* speed / tick_hz per step. */
	id = simfix_add(w, 100, 100);
	input(w, id, 1, 1, 0);
	p = simfix_find(w, id);
	ck_assert_float_eq_tol(p->x, 100 + WORLD_PLAYER_SPEED / 20, 1e-3);
	w->speed = 200;
	simfix_steps(w, 1);
	ck_assert_float_eq_tol(p->x, 100 + WORLD_PLAYER_SPEED / 20 + 10,
	    1e-3);
	world_free(w);
	area_free(a);
}
END_TEST

/*
 * The area's player_speed (area_new's default is WORLD_PLAYER_SPEED) is
 * the world's: an input moves a player player_speed / tick_hz a step.
 */
START_TEST(test_area_player_speed)
{
	struct area		*a = make_area(40, 40);
	struct world		*w;
	struct world_player	*p;
	uint32_t		 id;

	ck_assert_float_eq(a->player_speed, WORLD_PLAYER_SPEED);
	a->player_speed = 100;
	w = world_new(a, HZ, 1);
	ck_assert_float_eq(w->speed, 100);
	id = simfix_add(w, 100, 100);
	input(w, id, 1, 1, 0);
	p = simfix_find(w, id);
	ck_assert_float_eq_tol(p->x, 100 + 100.0f / HZ, 1e-3);
	ck_assert_float_eq(p->y, 100);
	simfix_steps(w, 9);
	ck_assert_float_eq_tol(p->x, 100 + 10 * 100.0f / HZ, 1e-3);
	/* Diagonally, the same distance. */
	input(w, id, 2, 1, 1);
	ck_assert_float_eq_tol(p->x, 200 + 100.0f / HZ / sqrtf(2), 1e-3);
	ck_assert_float_eq_tol(p->y, 100 + 100.0f / HZ / sqrtf(2), 1e-3);
	world_free(w);

	/* Another rate, another speed: 1000 / 20 = 50 units a step. */
	a->player_speed = 1000;
	w = world_new(a, 20, 1);
	ck_assert_float_eq(w->speed, 1000);
	id = simfix_add(w, 100, 100);
	input(w, id, 1, 0, 1);
	p = simfix_find(w, id);
	ck_assert_float_eq(p->x, 100);
	ck_assert_float_eq_tol(p->y, 150, 1e-3);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_diagonal_normalised)
{
	static const float	 dirs[][2] = {
		{ 1, 1 }, { -1, 1 }, { 3, 4 }, { -0.01f, -0.01f },
		{ 100, -100 }, { 0.2f, 0 }, { 0, -50 }
	};
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;
	size_t			 i;
	float			 x0, y0, len, ddx, ddy;

	id = simfix_add(w, 320, 320);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		p = simfix_find(w, id);
		x0 = p->x;
		y0 = p->y;
		input(w, id, i + 1, dirs[i][0], dirs[i][1]);
		len = hypotf(dirs[i][0], dirs[i][1]);
		ck_assert_float_eq_tol(hypotf(p->dx, p->dy), 1, 1e-5);
		ck_assert_float_eq_tol(p->dx, dirs[i][0] / len, 1e-5);
		ck_assert_float_eq_tol(p->dy, dirs[i][1] / len, 1e-5);
		ddx = p->x - x0;
		ddy = p->y - y0;
		/* The same speed whatever the direction. */
		ck_assert_float_eq_tol(hypotf(ddx, ddy), STEP, 1e-3);
		ck_assert_float_eq_tol(ddx, STEP * dirs[i][0] / len, 1e-3);
		ck_assert_float_eq_tol(ddy, STEP * dirs[i][1] / len, 1e-3);
	}
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_large_direction)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;

	/* Any finite length is normalised, even one whose square overflows. */
	id = simfix_add(w, 320, 320);
	input(w, id, 1, 1e30f, -1e30f);
	p = simfix_find(w, id);
	ck_assert_float_eq_tol(p->dx, (float)M_SQRT1_2, 1e-5);
	ck_assert_float_eq_tol(p->dy, -(float)M_SQRT1_2, 1e-5);
	ck_assert_float_eq_tol(p->x, 320 + STEP * (float)M_SQRT1_2, 1e-3);
	ck_assert_float_eq_tol(p->y, 320 - STEP * (float)M_SQRT1_2, 1e-3);
	input(w, id, 2, 3.0e38f, 0);
	ck_assert_float_eq(p->dx, 1);
	ck_assert_float_eq(p->dy, 0);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_stop)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;
	float			 x;

	id = simfix_add(w, 320, 320);
	input(w, id, 1, 1, 0);
	input(w, id, 2, 0, 0);
	p = simfix_find(w, id);
	x = p->x;
	ck_assert_float_eq(p->dx, 0);
	ck_assert_float_eq(p->dy, 0);
	ck_assert_uint_eq(p->last_seq, 2);
	simfix_steps(w, 10);
	ck_assert_float_eq(p->x, x);
	ck_assert_float_eq(p->y, 320);

	/* A vanishingly short direction counts as none. */
	input(w, id, 3, 1e-9f, -1e-9f);
	ck_assert_float_eq(p->x, x);
	ck_assert_float_eq(p->y, 320);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_nonfinite_input)
{
	static const float	 bad[][2] = {
		{ NAN, 0 }, { 0, NAN }, { NAN, NAN }, { INFINITY, 0 },
		{ 0, -INFINITY }, { INFINITY, INFINITY }, { -INFINITY, NAN },
		{ NAN, 1 }, { 1, INFINITY }
	};
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;
	size_t			 i;
	float			 x, y;

	id = simfix_add(w, 320, 320);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* Moving, then a non-finite direction: it stops. */
		input(w, id, 2 * i + 1, 1, 1);
		p = simfix_find(w, id);
		x = p->x;
		y = p->y;
		input(w, id, 2 * i + 2, bad[i][0], bad[i][1]);
		ck_assert_msg(p->dx == 0 && p->dy == 0, "case %zu", i);
		ck_assert_float_eq(p->x, x);
		ck_assert_float_eq(p->y, y);
		simfix_steps(w, 3);
		ck_assert_float_eq(p->x, x);
		ck_assert_float_eq(p->y, y);
		assert_clear(w, p);
		ck_assert_uint_eq(p->last_seq, 2 * i + 2);
	}
	/* Still controllable afterwards. */
	input(w, id, 100, -1, 0);
	ck_assert_float_eq_tol(p->x, x - STEP, 1e-3);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_wall_flush)
{
	struct area		*a = make_area(40, 40);
	struct world		*w;
	struct world_player	*p;
	uint32_t		 id;
	int			 i;

	/* A vertical wall at column 20 (x 320..336), horizontal at row 10. */
	solid_column(a, 20);
	solid_row(a, 10);
	w = world_new(a, HZ, 1);

	/* East into the wall's west face. */
	id = simfix_add(w, 200, 400);
	for (i = 0; i < 30; i++) {
		input(w, id, (uint64_t)i + 1, 1, 0);
		assert_clear(w, simfix_find(w, id));
	}
	p = simfix_find(w, id);
	assert_flush(p->x + R, 20 * TILE);
	ck_assert_float_eq(p->y, 400);

	/* West into the wall's east face. */
	id = simfix_add(w, 500, 400);
	for (i = 0; i < 30; i++) {
		input(w, id, (uint64_t)i + 1, -1, 0);
		assert_clear(w, simfix_find(w, id));
	}
	p = simfix_find(w, id);
	assert_flush(p->x - R, 21 * TILE);
	ck_assert_float_eq(p->y, 400);

	/* North into the row's south face, south into its north face. */
	id = simfix_add(w, 100, 300);
	for (i = 0; i < 30; i++) {
		input(w, id, (uint64_t)i + 1, 0, -1);
		assert_clear(w, simfix_find(w, id));
	}
	p = simfix_find(w, id);
	assert_flush(p->y - R, 11 * TILE);
	ck_assert_float_eq(p->x, 100);
	id = simfix_add(w, 100, 40);
	for (i = 0; i < 30; i++) {
		input(w, id, (uint64_t)i + 1, 0, 1);
		assert_clear(w, simfix_find(w, id));
	}
	p = simfix_find(w, id);
	assert_flush(p->y + R, 10 * TILE);
	ck_assert_float_eq(p->x, 100);

	/* Pressing on stays put. */
	simfix_steps(w, 10);
	p = simfix_find(w, id);
	assert_flush(p->y + R, 10 * TILE);
	assert_clear(w, p);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_wall_slide)
{
	struct area		*a = make_area(40, 40);
	struct world		*w;
	struct world_player	*p;
	uint32_t		 id;
	float			 x, y;
	int			 i;

	solid_column(a, 20);
	solid_row(a, 5);
	w = world_new(a, HZ, 1);

	/* South-east into the vertical wall: keeps going south. */
	id = simfix_add(w, 300, 200);
	for (i = 0; i < 5; i++)
		input(w, id, (uint64_t)i + 1, 1, 1);
	p = simfix_find(w, id);
	assert_flush(p->x + R, 20 * TILE);
	assert_clear(w, p);
	for (i = 0; i < 10; i++) {
		y = p->y;
		simfix_steps(w, 1);
		assert_flush(p->x + R, 20 * TILE);
		assert_clear(w, p);
		/* The parallel component continues at its full share. */
		ck_assert_float_eq_tol(p->y - y, STEP * (float)M_SQRT1_2,
		    1e-3);
	}

	/* North-west into the horizontal wall: keeps going west. */
	id = simfix_add(w, 200, 120);
	for (i = 0; i < 5; i++)
		input(w, id, (uint64_t)i + 1, -1, -1);
	p = simfix_find(w, id);
	assert_flush(p->y - R, 6 * TILE);
	for (i = 0; i < 5; i++) {
		x = p->x;
		simfix_steps(w, 1);
		assert_flush(p->y - R, 6 * TILE);
		assert_clear(w, p);
		ck_assert_float_eq_tol(x - p->x, STEP * (float)M_SQRT1_2,
		    1e-3);
	}
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_no_tunnelling)
{
	struct area		*a = make_area(80, 80);
	struct world		*w;
	struct world_player	*p;
	struct world_input	 in[4];
	uint32_t		 east, west, diag, down;
	int			 i;

	/* One-tile walls: column 40 (x 640..656), row 40 (y 640..656). */
	solid_column(a, 40);
	solid_row(a, 40);
	w = world_new(a, HZ, 1);
	w->speed = 5000;	/* 500 units a step, 31 tiles */

	east = simfix_add(w, 600, 300);
	west = simfix_add(w, 700, 300);
	diag = simfix_add(w, 600, 600);
	down = simfix_add(w, 300, 600);
	for (i = 0; i < 5; i++) {
		memset(in, 0, sizeof in);
		in[0].player = east;
		in[0].dx = 1;
		in[1].player = west;
		in[1].dx = -1;
		in[2].player = diag;
		in[2].dx = 1;
		in[2].dy = 1;
		in[3].player = down;
		in[3].dy = 1;
		world_step(w, in, 4);

		p = simfix_find(w, east);
		assert_clear(w, p);
		ck_assert(p->x < 640);
		assert_flush(p->x + R, 640);
		p = simfix_find(w, west);
		assert_clear(w, p);
		ck_assert(p->x > 656);
		assert_flush(p->x - R, 656);
		p = simfix_find(w, diag);
		assert_clear(w, p);
		ck_assert(p->x < 640 && p->y < 640);
		assert_flush(p->x + R, 640);
		assert_flush(p->y + R, 640);
		p = simfix_find(w, down);
		assert_clear(w, p);
		ck_assert(p->y < 640);
		assert_flush(p->y + R, 640);
	}
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_map_bounds)
{
	static const float	 dirs[][2] = {
		{ -1, 0 }, { 1, 0 }, { 0, -1 }, { 0, 1 }, { 1, 1 }, { -1, -1 }
	};
	struct area		*a = make_area(10, 6);	/* 160 x 96 */
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	uint32_t		 id;
	size_t			 i;
	int			 j;

	id = simfix_add(w, 80, 48);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		for (j = 0; j < 30; j++) {
			input(w, id, 1, dirs[i][0], dirs[i][1]);
			assert_clear(w, simfix_find(w, id));
		}
		p = simfix_find(w, id);
		if (dirs[i][0] < 0)
			assert_flush(p->x - R, 0);
		if (dirs[i][0] > 0)
			assert_flush(p->x + R, 160);
		if (dirs[i][1] < 0)
			assert_flush(p->y - R, 0);
		if (dirs[i][1] > 0)
			assert_flush(p->y + R, 96);
	}

	/* Also at a very high speed. */
	w->speed = 1e6f;
	input(w, id, 2, -1, 0);
	p = simfix_find(w, id);
	assert_clear(w, p);
	assert_flush(p->x - R, 0);
	input(w, id, 3, 0, 1);
	assert_clear(w, p);
	assert_flush(p->y + R, 96);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_input_order)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_input	 in[5];
	struct world_player	*p;
	uint32_t		 id1, id2;

	id1 = simfix_add(w, 100, 100);
	id2 = simfix_add(w, 300, 300);
	memset(in, 0, sizeof in);
	in[0] = (struct world_input){ .player = id1, .seq = 10, .dx = 1, .dy = 0 };
	in[1] = (struct world_input){ .player = id2, .seq = 7, .dx = -1, .dy = 0 };
	in[2] = (struct world_input){ .player = id1, .seq = 11, .dx = -1, .dy = 0 };
	in[3] = (struct world_input){ .player = id1, .seq = 12, .dx = 0, .dy = 1 };	/* last wins */
	in[4] = (struct world_input){ .player = id2, .seq = 8, .dx = 0, .dy = -1 };
	world_step(w, in, 5);
	p = simfix_find(w, id1);
	ck_assert_float_eq(p->x, 100);
	ck_assert_float_eq_tol(p->y, 100 + STEP, 1e-3);
	ck_assert_uint_eq(p->last_seq, 12);
	p = simfix_find(w, id2);
	ck_assert_float_eq(p->x, 300);
	ck_assert_float_eq_tol(p->y, 300 - STEP, 1e-3);
	ck_assert_uint_eq(p->last_seq, 8);

	/* A step without input leaves last_seq alone. */
	simfix_steps(w, 1);
	ck_assert_uint_eq(simfix_find(w, id1)->last_seq, 12);
	ck_assert_uint_eq(simfix_find(w, id2)->last_seq, 8);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_unknown_player)
{
	struct area		*a = make_area(40, 40);
	struct world		*w = world_new(a, HZ, 1);
	struct world_input	 in[3];
	struct world_player	*p;
	uint32_t		 id, gone;

	id = simfix_add(w, 100, 100);
	gone = simfix_add(w, 200, 200);
	world_player_remove(w, gone);
	memset(in, 0, sizeof in);
	in[0] = (struct world_input){ .player = 999, .seq = 1, .dx = 1, .dy = 0 };
	in[1] = (struct world_input){ .player = gone, .seq = 2, .dx = 1, .dy = 0 };
	in[2] = (struct world_input){ .player = 0, .seq = 3, .dx = 0, .dy = 1 };
	world_step(w, in, 3);
	ck_assert_uint_eq(w->nplayers, 1);
	ck_assert_ptr_null(world_player_find(w, 999));
	ck_assert_ptr_null(world_player_find(w, gone));
	p = simfix_find(w, id);
	ck_assert_float_eq(p->x, 100);
	ck_assert_float_eq(p->y, 100);
	ck_assert_float_eq(p->dx, 0);
	ck_assert_float_eq(p->dy, 0);
	ck_assert_uint_eq(p->last_seq, 0);
	ck_assert_uint_eq(w->tick, 1);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_add)
{
	struct area		*a = make_area(10, 10);
	struct world		*w = world_new(a, HZ, 1);
	struct world_player	*p;
	char			 longname[100];

	p = world_player_add(w, "alice", 50, 60);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->id, 1);
	ck_assert_str_eq(p->name, "alice");
	ck_assert_float_eq(p->x, 50);
	ck_assert_float_eq(p->y, 60);
	ck_assert_float_eq(p->dx, 0);
	ck_assert_float_eq(p->dy, 0);
	ck_assert_uint_eq(p->last_seq, 0);

	/* Names are cut to fit and always terminated. */
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	p = world_player_add(w, longname, 50, 60);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->id, 2);
	ck_assert_uint_eq(strlen(p->name), WORLD_NAME_MAX - 1);
	ck_assert_int_eq(strncmp(p->name, longname, WORLD_NAME_MAX - 1), 0);
	ck_assert_uint_eq(w->nplayers, 2);
	world_free(w);
	area_free(a);
}
END_TEST

/* The requested spot is solid: the player lands on the nearest free one. */
START_TEST(test_add_nearest_free)
{
	struct area		*a = make_area(20, 20);
	struct world		*w;
	struct world_player	*p;

	/* A wall along row 5 (y 80..96): free just above and just below. */
	solid_row(a, 5);
	w = world_new(a, HZ, 1);
	ck_assert(!world_body_fits(w, 160, 88));
	p = world_player_add(w, "p", 160, 88);
	ck_assert_ptr_nonnull(p);
	assert_clear(w, p);
	/* The nearest free centres are y = 70 and y = 106, 18 away. */
	ck_assert_float_eq(p->x, 160);
	ck_assert_float_le(fabsf(p->y - 88), 18 + EPS);

	/* Overlapping a wall a little moves only a little. */
	p = world_player_add(w, "q", 200, 72);
	ck_assert_ptr_nonnull(p);
	assert_clear(w, p);
	ck_assert_float_eq(p->x, 200);
	ck_assert_float_le(fabsf(p->y - 72), 2 + EPS);
	world_free(w);
	area_free(a);
}
END_TEST

/* Room the size of a body, off the tile lattice of the requested spot. */
START_TEST(test_add_tight_room)
{
	struct area		*a = make_area(10, 10);
	struct world		*w;
	struct world_player	*p;
	int			 c, r;

	/* All solid except the 2x2 tiles at columns 4-5, rows 6-7. */
	memset(a->solid, 1, 100);
	for (r = 6; r <= 7; r++)
		for (c = 4; c <= 5; c++)
			a->solid[r * 10 + c] = 0;
	w = world_new(a, HZ, 1);
	p = world_player_add(w, "p", 23.5f, 11.25f);
	ck_assert_ptr_nonnull(p);
	assert_clear(w, p);
	ck_assert_float_ge(p->x, 64 + R);
	ck_assert_float_le(p->x, 96 - R);
	ck_assert_float_ge(p->y, 96 + R);
	ck_assert_float_le(p->y, 128 - R);

	/* Requested outside the map. */
	p = world_player_add(w, "q", -1000, 5000);
	ck_assert_ptr_nonnull(p);
	assert_clear(w, p);
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_add_all_solid)
{
	struct area	*a = make_area(6, 5);
	struct world	*w;

	memset(a->solid, 1, 30);
	w = world_new(a, HZ, 1);
	ck_assert_ptr_null(world_player_add(w, "p", 40, 40));
	ck_assert_ptr_null(world_player_add(w, "p", -5, 1e6f));
	ck_assert_uint_eq(w->nplayers, 0);
	world_free(w);
	area_free(a);

	/* A map smaller than a body has no room either. */
	a = make_area(1, 1);
	w = world_new(a, HZ, 1);
	ck_assert_ptr_null(world_player_add(w, "p", 8, 8));
	world_free(w);
	area_free(a);
}
END_TEST

START_TEST(test_remove)
{
	struct area	*a = make_area(20, 20);
	struct world	*w = world_new(a, HZ, 1);
	uint32_t	 ids[40];
	size_t		 i;
	int		 k;

	for (i = 0; i < 40; i++)
		ids[i] = simfix_add(w, 20 + (float)(i % 10) * 25, 20 +
		    (float)(i / 10) * 25);
	for (i = 0; i < 40; i++)
		ck_assert_uint_eq(ids[i], i + 1);

	/* Remove the first, the last and every third of the rest. */
	world_player_remove(w, ids[0]);
	world_player_remove(w, ids[39]);
	for (i = 3; i < 39; i += 3)
		world_player_remove(w, ids[i]);
	world_player_remove(w, 12345);		/* unknown: no-op */
	world_player_remove(w, ids[0]);		/* twice: no-op */
	ck_assert_uint_eq(w->nplayers, 40 - 2 - 12);
	for (i = 0; i < 40; i++) {
		if (i == 0 || i == 39 || i % 3 == 0)
			ck_assert_ptr_null(world_player_find(w, ids[i]));
		else
			ck_assert_uint_eq(simfix_find(w, ids[i])->id, ids[i]);
	}
	for (i = 1; i < w->nplayers; i++)
		ck_assert_uint_lt(w->players[i - 1].id, w->players[i].id);

	/* New ids keep growing; the order holds. */
	ck_assert_uint_eq(simfix_add(w, 200, 200), 41);
	for (i = 1; i < w->nplayers; i++)
		ck_assert_uint_lt(w->players[i - 1].id, w->players[i].id);
	ck_assert_uint_eq(simfix_find(w, 41)->id, 41);
	ck_assert_ptr_null(world_player_find(w, 0));

	/* Remove everything. */
	for (k = 1; k <= 41; k++)
		world_player_remove(w, (uint32_t)k);
	ck_assert_uint_eq(w->nplayers, 0);
	ck_assert_ptr_null(world_player_find(w, 2));
	world_free(w);
	area_free(a);
}
END_TEST

/* A small deterministic generator for the test's inputs. */
static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return (*s >> 8);
}

static void
run_world(struct world *w, uint32_t seed)
{
	struct world_input	 in[8];
	uint32_t		 s = seed, v;
	size_t			 n, i;
	int			 t;
	uint64_t		 seq = 0;

	memset(in, 0, sizeof in);	/* kind INPUT_MOVE */
	for (t = 0; t < 1000; t++) {
		n = lcg(&s) % 8;
		for (i = 0; i < n; i++) {
			v = lcg(&s);
			in[i].player = 1 + v % 7;	/* 7 is unknown */
			in[i].seq = ++seq;
			in[i].dx = (float)((int)(lcg(&s) % 2001) - 1000) /
			    (float)(1 + v % 97);
			in[i].dy = (float)((int)(lcg(&s) % 2001) - 1000) /
			    (float)(1 + v % 89);
			if (v % 53 == 0)
				in[i].dx = NAN;
		}
		world_step(w, in, n);
		if (t == 500)
			world_player_remove(w, 3);
	}
}

START_TEST(test_determinism)
{
	struct area	*a = make_area(30, 30);
	struct world	*w1, *w2;
	int		 i, c;
	size_t		 k;
	float		 x0[6];

	/* Walls and pillars so collisions happen. */
	solid_column(a, 15);
	for (c = 0; c < 30; c += 4)
		simfix_set_solid(a, c, 7);
	a->solid[15 + 10 * 30] = 0;	/* a door in the wall */
	a->solid[15 + 11 * 30] = 0;
	w1 = world_new(a, 20, 1);
	w2 = world_new(a, 20, 1);
	for (i = 0; i < 6; i++) {
		ck_assert_ptr_nonnull(world_player_add(w1, "p",
		    30 + 70 * (float)i, 200));
		ck_assert_ptr_nonnull(world_player_add(w2, "p",
		    30 + 70 * (float)i, 200));
		x0[i] = w1->players[i].x;
	}
	run_world(w1, 42);
	run_world(w2, 42);
	ck_assert_uint_eq(w1->nplayers, 5);
	ck_assert_uint_eq(w1->nplayers, w2->nplayers);
	ck_assert_uint_eq(w1->tick, 1000);
	ck_assert_uint_eq(w1->tick, w2->tick);
	ck_assert_int_eq(memcmp(w1->players, w2->players,
	    w1->nplayers * sizeof *w1->players), 0);
	for (k = 0; k < w1->nplayers; k++)
		assert_clear(w1, &w1->players[k]);
	/* The players did move. */
	for (k = 0; k < w1->nplayers; k++) {
		if (w1->players[k].x != x0[w1->players[k].id - 1])
			break;
	}
	ck_assert_uint_lt(k, w1->nplayers);
	world_free(w1);
	world_free(w2);
	area_free(a);
}
END_TEST

static Suite *
world_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("world");
	tc = tcase_create("core");
	tcase_add_test(tc, test_new_free);
	tcase_add_test(tc, test_move_straight);
	tcase_add_test(tc, test_speed_and_rate);
	tcase_add_test(tc, test_area_player_speed);
	tcase_add_test(tc, test_diagonal_normalised);
	tcase_add_test(tc, test_large_direction);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_nonfinite_input);
	tcase_add_test(tc, test_wall_flush);
	tcase_add_test(tc, test_wall_slide);
	tcase_add_test(tc, test_no_tunnelling);
	tcase_add_test(tc, test_map_bounds);
	tcase_add_test(tc, test_input_order);
	tcase_add_test(tc, test_unknown_player);
	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_add_nearest_free);
	tcase_add_test(tc, test_add_tight_room);
	tcase_add_test(tc, test_add_all_solid);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_determinism);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(world_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
