/* Unit tests for sim/area.c: solid tiles, bounds, spawns and exits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sim/area.h"

static struct area *
make_area(void)
{
	struct area	*a;

	/* 4 columns, 3 rows of 16x8 units: 64x24 in all. */
	a = area_new("test", 4, 3, 16, 8);
	a->solid[1 * 4 + 2] = 1;		/* column 2, row 1 */
	return (a);
}

START_TEST(test_new)
{
	struct area	*a;
	int		 col, row;

	a = area_new("meadow", 4, 3, 16, 8);
	ck_assert_str_eq(a->name, "meadow");
	ck_assert_int_eq(a->cols, 4);
	ck_assert_int_eq(a->rows, 3);
	ck_assert_int_eq(a->tile_w, 16);
	ck_assert_int_eq(a->tile_h, 8);
	ck_assert_ptr_nonnull(a->solid);
	ck_assert_uint_eq(a->nspawns, 0);
	ck_assert_uint_eq(a->nexits, 0);
	for (row = 0; row < 3; row++) {
		for (col = 0; col < 4; col++)
			ck_assert_int_eq(area_solid_tile(a, col, row), 0);
	}
	ck_assert_float_eq(area_width(a), 64.0f);
	ck_assert_float_eq(area_height(a), 24.0f);
	area_free(a);
}
END_TEST

START_TEST(test_name_copied)
{
	struct area	*a;
	char		 name[] = "cave";

	a = area_new(name, 1, 1, 1, 1);
	name[0] = 'x';
	ck_assert_str_eq(a->name, "cave");
	area_free(a);
}
END_TEST

START_TEST(test_solid_tile)
{
	struct area	*a = make_area();

	ck_assert_int_eq(area_solid_tile(a, 2, 1), 1);
	ck_assert_int_eq(area_solid_tile(a, 1, 1), 0);
	ck_assert_int_eq(area_solid_tile(a, 2, 0), 0);
	ck_assert_int_eq(area_solid_tile(a, 2, 2), 0);
	ck_assert_int_eq(area_solid_tile(a, 3, 1), 0);
	area_free(a);
}
END_TEST

START_TEST(test_out_of_bounds)
{
	struct area	*a = make_area();

	ck_assert_int_eq(area_solid_tile(a, -1, 0), 1);
	ck_assert_int_eq(area_solid_tile(a, 0, -1), 1);
	ck_assert_int_eq(area_solid_tile(a, 4, 0), 1);
	ck_assert_int_eq(area_solid_tile(a, 0, 3), 1);
	ck_assert_int_eq(area_solid_tile(a, 1000000, 1000000), 1);
	ck_assert_int_eq(area_solid_tile(a, -1000000, 2), 1);

	ck_assert_int_eq(area_solid_at(a, -0.5f, 1.0f), 1);
	ck_assert_int_eq(area_solid_at(a, 1.0f, -0.001f), 1);
	ck_assert_int_eq(area_solid_at(a, 64.0f, 1.0f), 1);
	ck_assert_int_eq(area_solid_at(a, 1.0f, 24.0f), 1);
	ck_assert_int_eq(area_solid_at(a, 63.9f, 23.9f), 0);
	ck_assert_int_eq(area_solid_at(a, 0.0f, 0.0f), 0);
	area_free(a);
}
END_TEST

START_TEST(test_solid_at)
{
	struct area	*a = make_area();

	/* Column 2 spans x 32..48, row 1 spans y 8..16. */
	ck_assert_int_eq(area_solid_at(a, 32.0f, 8.0f), 1);
	ck_assert_int_eq(area_solid_at(a, 40.0f, 12.0f), 1);
	ck_assert_int_eq(area_solid_at(a, 47.99f, 15.99f), 1);
	ck_assert_int_eq(area_solid_at(a, 31.99f, 12.0f), 0);
	ck_assert_int_eq(area_solid_at(a, 48.0f, 12.0f), 0);
	ck_assert_int_eq(area_solid_at(a, 40.0f, 7.99f), 0);
	ck_assert_int_eq(area_solid_at(a, 40.0f, 16.0f), 0);
	area_free(a);
}
END_TEST

START_TEST(test_spawns)
{
	struct area	*a = make_area();
	int		 i;

	area_add_spawn(a, 8.0f, 4.0f);
	area_add_spawn(a, 56.5f, 20.25f);
	ck_assert_uint_eq(a->nspawns, 2);
	ck_assert_float_eq(a->spawns[0].x, 8.0f);
	ck_assert_float_eq(a->spawns[0].y, 4.0f);
	ck_assert_float_eq(a->spawns[1].x, 56.5f);
	ck_assert_float_eq(a->spawns[1].y, 20.25f);

	for (i = 0; i < 100; i++)
		area_add_spawn(a, (float)i, 1.0f);
	ck_assert_uint_eq(a->nspawns, 102);
	ck_assert_float_eq(a->spawns[101].x, 99.0f);
	ck_assert_float_eq(a->spawns[0].x, 8.0f);
	area_free(a);
}
END_TEST

START_TEST(test_exits)
{
	struct area		*a = make_area();
	struct area_exit	*e;

	e = area_add_exit(a);
	ck_assert_uint_eq(a->nexits, 1);
	ck_assert_int_eq(e->kind, AREA_EXIT_EDGE);
	ck_assert_int_eq(e->edge, AREA_EDGE_NONE);
	ck_assert_ptr_null(e->to_area);
	ck_assert_int_eq(e->has_arrival, 0);
	e->edge = AREA_EDGE_EAST;
	e->to_area = strdup("town");

	e = area_add_exit(a);
	ck_assert_uint_eq(a->nexits, 2);
	ck_assert_ptr_null(e->to_area);
	e->kind = AREA_EXIT_DOOR;
	e->x = 16.0f;
	e->y = 8.0f;
	e->w = 16.0f;
	e->h = 8.0f;
	e->to_area = strdup("cave");
	e->has_arrival = 1;
	e->to_x = 100.0f;
	e->to_y = 200.0f;

	/* The array may have moved: read back through the area. */
	ck_assert_int_eq(a->exits[0].kind, AREA_EXIT_EDGE);
	ck_assert_int_eq(a->exits[0].edge, AREA_EDGE_EAST);
	ck_assert_str_eq(a->exits[0].to_area, "town");
	ck_assert_int_eq(a->exits[1].kind, AREA_EXIT_DOOR);
	ck_assert_str_eq(a->exits[1].to_area, "cave");
	ck_assert_float_eq(a->exits[1].w, 16.0f);
	ck_assert_float_eq(a->exits[1].to_y, 200.0f);
	area_free(a);		/* frees to_area too (ASan checks) */
}
END_TEST

START_TEST(test_free_null)
{
	area_free(NULL);
}
END_TEST

static Suite *
area_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("area");
	tc = tcase_create("core");
	tcase_add_test(tc, test_new);
	tcase_add_test(tc, test_name_copied);
	tcase_add_test(tc, test_solid_tile);
	tcase_add_test(tc, test_out_of_bounds);
	tcase_add_test(tc, test_solid_at);
	tcase_add_test(tc, test_spawns);
	tcase_add_test(tc, test_exits);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(area_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
