/*
 * Unit tests for areaload.c: Tiled JSON maps from inline strings (the
 * conventions and every refusal of zoned-area(5)), and the shipped example
 * world from $AREA_DIR (or $top_srcdir/etc/areas, or etc/areas), checked
 * against the quests in $DATA_DIR/areas/AREA/quests.json (or
 * $top_srcdir/etc/data, or etc/data).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "sim/area.h"
#include "areaload.h"

/*
 * A 4x3 map of 16x16 tiles (64x48 units). The collision layer makes
 * column 2, row 1 solid (x 32..48, y 16..32).
 */
#define HEAD_SIZE(w, h, tw, th)						\
	"{\"type\":\"map\",\"orientation\":\"orthogonal\","		\
	"\"infinite\":false,\"width\":" w ",\"height\":" h ","		\
	"\"tilewidth\":" tw ",\"tileheight\":" th ","
#define HEAD		HEAD_SIZE("4", "3", "16", "16")
#define MAP(layers)	HEAD "\"layers\":[" layers "]}"
#define MAP_PROPS(props, layers)					\
	HEAD "\"properties\":[" props "],\"layers\":[" layers "]}"
#define PROP(n, t, v)							\
	"{\"name\":\"" n "\",\"type\":\"" t "\",\"value\":" v "}"
#define GROUND_DATA(data)						\
	"{\"id\":1,\"name\":\"ground\",\"type\":\"tilelayer\","		\
	"\"width\":4,\"height\":3,\"x\":0,\"y\":0,\"data\":[" data "]}"
#define GROUND		GROUND_DATA("1,1,1,1, 1,1,1,1, 1,1,1,1")
#define COLLISION							\
	"{\"id\":2,\"name\":\"collision\",\"type\":\"tilelayer\","	\
	"\"visible\":false,\"width\":4,\"height\":3,"			\
	"\"data\":[0,0,0,0, 0,0,9,0, 0,0,0,0]}"
#define OBJECTS(objs)							\
	"{\"id\":3,\"name\":\"objects\",\"type\":\"objectgroup\","	\
	"\"objects\":[" objs "]}"
#define SPAWN_AT(x, y)							\
	"{\"id\":5,\"name\":\"\",\"type\":\"spawn\",\"point\":true,"	\
	"\"x\":" x ",\"y\":" y ",\"width\":0,\"height\":0}"
#define SPAWN		SPAWN_AT("8", "8")
#define DOOR(props)							\
	"{\"id\":7,\"type\":\"exit\",\"x\":0,\"y\":32,"			\
	"\"width\":16,\"height\":16,\"properties\":[" props "]}"
#define MINIMAL		MAP(GROUND "," COLLISION "," OBJECTS(SPAWN))

/* Spawners and NPCs, in the map above with its spawn point. */
#define RECT(x, y, w, h)						\
	"\"x\":" x ",\"y\":" y ",\"width\":" w ",\"height\":" h
#define POINT(x, y)	"\"point\":true,\"x\":" x ",\"y\":" y
#define SPAWNER(id, geom, props)					\
	"{\"id\":" id ",\"type\":\"mob_spawner\"," geom ","		\
	"\"properties\":[" props "]}"
#define KIND(k)		PROP("kind", "string", "\"" k "\"")
#define NPC(id, name, geom, props)					\
	"{\"id\":" id ",\"type\":\"npc\",\"name\":\"" name "\","	\
	geom ",\"properties\":[" props "]}"
#define WITH_SPAWN(objs)						\
	MAP(GROUND "," COLLISION "," OBJECTS(SPAWN "," objs))
/* A spawner over the whole map with the given properties. */
#define BAD_SPAWNER(props)						\
	WITH_SPAWN(SPAWNER("20", RECT("0", "0", "64", "48"), props))
#define BAD_SPAWNER_AT(geom)	WITH_SPAWN(SPAWNER("20", geom, KIND("slime")))
#define BAD_NPC(name, geom, props)	WITH_SPAWN(NPC("30", name, geom, props))
#define X16		"xxxxxxxxxxxxxxxx"
#define X128		X16 X16 X16 X16 X16 X16 X16 X16

static struct area *
load(const char *json)
{
	struct area	*a;
	char		*cause = NULL;

	a = areaload_buffer("test", json, strlen(json), &cause);
	ck_assert_msg(a != NULL, "refused: %s", cause);
	ck_assert_ptr_null(cause);
	return (a);
}

START_TEST(test_minimal)
{
	struct area	*a;
	int		 col, row;

	a = load(MINIMAL);
	ck_assert_str_eq(a->name, "test");
	ck_assert_int_eq(a->cols, 4);
	ck_assert_int_eq(a->rows, 3);
	ck_assert_int_eq(a->tile_w, 16);
	ck_assert_int_eq(a->tile_h, 16);
	for (row = 0; row < 3; row++) {
		for (col = 0; col < 4; col++) {
			ck_assert_int_eq(area_solid_tile(a, col, row),
			    col == 2 && row == 1);
		}
	}
	ck_assert_uint_eq(a->nspawns, 1);
	ck_assert_float_eq(a->spawns[0].x, 8.0f);
	ck_assert_float_eq(a->spawns[0].y, 8.0f);
	ck_assert_uint_eq(a->nexits, 0);
	area_free(a);
}
END_TEST

/* Without a collision layer nothing is solid; trailing blanks are fine. */
START_TEST(test_no_collision)
{
	struct area	*a;

	a = load(MAP(GROUND "," OBJECTS(SPAWN_AT("40", "24"))) "\n \n");
	ck_assert_int_eq(area_solid_tile(a, 2, 1), 0);
	ck_assert_float_eq(a->spawns[0].x, 40.0f);
	area_free(a);
}
END_TEST

/* Tileset tiles with property solid=true, with flip flags in the gid. */
START_TEST(test_tileset_solid)
{
	struct area	*a;

	a = load(HEAD "\"tilesets\":["
	    "{\"firstgid\":1,\"name\":\"t\",\"tilecount\":4,\"tiles\":["
	    "{\"id\":3,\"properties\":[" PROP("solid", "bool", "true") "]},"
	    "{\"id\":1,\"properties\":[" PROP("solid", "bool", "false") "]}"
	    "]},"
	    "{\"firstgid\":5,\"source\":\"external.tsj\"},"
	    "{\"firstgid\":100,\"name\":\"u\",\"tiles\":["
	    "{\"id\":0,\"properties\":[" PROP("solid", "bool", "true") "]}"
	    "]}],"
	    "\"layers\":["
	    GROUND_DATA("4,2,1,0, 2147483652,0,0,100, 5,1,1,1") ","
	    OBJECTS(SPAWN_AT("40", "24")) "]}");
	ck_assert_int_eq(area_solid_tile(a, 0, 0), 1);	/* gid 4 */
	ck_assert_int_eq(area_solid_tile(a, 1, 0), 0);	/* gid 2: false */
	ck_assert_int_eq(area_solid_tile(a, 2, 0), 0);
	ck_assert_int_eq(area_solid_tile(a, 0, 1), 1);	/* flipped 4 */
	ck_assert_int_eq(area_solid_tile(a, 3, 1), 1);	/* gid 100 */
	ck_assert_int_eq(area_solid_tile(a, 0, 2), 0);	/* external */
	area_free(a);
}
END_TEST

/* Tiled 1.9 writes "class"; rectangles spawn at their centre. */
START_TEST(test_class_and_rect_spawn)
{
	struct area	*a;

	a = load(MAP(GROUND "," OBJECTS(
	    "{\"id\":1,\"class\":\"spawn\",\"x\":0,\"y\":0,"
	    "\"width\":32,\"height\":16},"
	    "{\"id\":2,\"class\":\"\",\"type\":\"spawn\",\"x\":60,\"y\":40,"
	    "\"ellipse\":true,\"width\":2,\"height\":4},"
	    "{\"id\":3,\"type\":\"chest\",\"x\":-100,\"y\":-100},"
	    "{\"id\":4,\"x\":-100,\"y\":-100,\"polygon\":[]}")));
	ck_assert_uint_eq(a->nspawns, 2);
	ck_assert_float_eq(a->spawns[0].x, 16.0f);
	ck_assert_float_eq(a->spawns[0].y, 8.0f);
	ck_assert_float_eq(a->spawns[1].x, 61.0f);
	ck_assert_float_eq(a->spawns[1].y, 42.0f);
	area_free(a);
}
END_TEST

START_TEST(test_door)
{
	struct area		*a;
	struct area_exit	*e;

	a = load(MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"cave\"") ","
	    PROP("to_x", "float", "100.5") "," PROP("to_y", "int", "7")) ","
	    "{\"id\":8,\"type\":\"exit\",\"x\":48,\"y\":0,\"width\":16,"
	    "\"height\":48,\"properties\":{\"to_area\":\"town\"}}")));
	ck_assert_uint_eq(a->nexits, 2);
	e = &a->exits[0];
	ck_assert_int_eq(e->kind, AREA_EXIT_DOOR);
	ck_assert_int_eq(e->edge, AREA_EDGE_NONE);
	ck_assert_str_eq(e->to_area, "cave");
	ck_assert_float_eq(e->x, 0.0f);
	ck_assert_float_eq(e->y, 32.0f);
	ck_assert_float_eq(e->w, 16.0f);
	ck_assert_float_eq(e->h, 16.0f);
	ck_assert_int_eq(e->has_arrival, 1);
	ck_assert_float_eq(e->to_x, 100.5f);
	ck_assert_float_eq(e->to_y, 7.0f);
	e = &a->exits[1];
	ck_assert_int_eq(e->kind, AREA_EXIT_DOOR);
	ck_assert_str_eq(e->to_area, "town");	/* old properties style */
	ck_assert_int_eq(e->has_arrival, 0);
	area_free(a);
}
END_TEST

START_TEST(test_edges)
{
	struct area	*a;
	int		 seen[5] = { 0 };
	size_t		 i;

	a = load(MAP_PROPS(PROP("exit_north", "string", "\"n\"") ","
	    PROP("exit_east", "string", "\"e-1\"") ","
	    PROP("exit_south", "string", "\"S_2\"") ","
	    PROP("exit_west", "string", "\"w\"") ","
	    PROP("name", "string", "\"test\"") ","
	    PROP("other", "int", "3"),
	    GROUND "," OBJECTS(SPAWN)));
	ck_assert_uint_eq(a->nexits, 4);
	for (i = 0; i < a->nexits; i++) {
		ck_assert_int_eq(a->exits[i].kind, AREA_EXIT_EDGE);
		ck_assert_int_eq(a->exits[i].has_arrival, 0);
		seen[a->exits[i].edge]++;
		switch (a->exits[i].edge) {
		case AREA_EDGE_NORTH:
			ck_assert_str_eq(a->exits[i].to_area, "n");
			break;
		case AREA_EDGE_EAST:
			ck_assert_str_eq(a->exits[i].to_area, "e-1");
			break;
		case AREA_EDGE_SOUTH:
			ck_assert_str_eq(a->exits[i].to_area, "S_2");
			break;
		case AREA_EDGE_WEST:
			ck_assert_str_eq(a->exits[i].to_area, "w");
			break;
		default:
			ck_abort_msg("edge exit without an edge");
		}
	}
	ck_assert_int_eq(seen[AREA_EDGE_NONE], 0);
	ck_assert_int_eq(seen[AREA_EDGE_NORTH], 1);
	ck_assert_int_eq(seen[AREA_EDGE_WEST], 1);
	area_free(a);

	/* An empty value means no exit. */
	a = load(MAP_PROPS(PROP("exit_north", "string", "\"\""),
	    GROUND "," OBJECTS(SPAWN)));
	ck_assert_uint_eq(a->nexits, 0);
	area_free(a);
}
END_TEST

/* Collision layers inside groups count; image layers are ignored. */
START_TEST(test_group)
{
	struct area	*a;

	a = load(MAP(GROUND ","
	    "{\"id\":9,\"name\":\"g\",\"type\":\"group\",\"layers\":["
	    COLLISION "," OBJECTS(SPAWN) "]},"
	    "{\"id\":10,\"name\":\"sky\",\"type\":\"imagelayer\","
	    "\"image\":\"sky.png\"}"));
	ck_assert_int_eq(area_solid_tile(a, 2, 1), 1);
	ck_assert_uint_eq(a->nspawns, 1);
	area_free(a);
}
END_TEST

/* Spawners with every property, with none, at the bounds; old properties. */
START_TEST(test_spawners)
{
	struct area			*a;
	const struct area_spawner	*sp;

	a = load(WITH_SPAWN(
	    SPAWNER("20", RECT("0", "0", "32", "16"), KIND("slime") ","
	    PROP("count", "int", "3") "," PROP("respawn_ms", "int", "5000") ","
	    PROP("hp", "int", "12") "," PROP("damage", "int", "4") ","
	    PROP("speed", "float", "55.5") "," PROP("sight", "float", "100") ","
	    PROP("leash", "float", "300") ","
	    PROP("attack_range", "float", "20.5") ","
	    PROP("attack_ms", "int", "900") "," PROP("xp", "int", "7") ","
	    PROP("loot", "string", "\"herb\"") ","
	    PROP("loot_chance", "float", "0.25") ","
	    PROP("colour", "string", "\"green\"")) ","
	    SPAWNER("21", POINT("8", "40"), KIND("bat")) ","
	    "{\"id\":22,\"class\":\"mob_spawner\",\"x\":34,\"y\":18,"
	    "\"width\":20,\"height\":20,\"properties\":{\"kind\":\"rat\","
	    "\"loot\":\"tail\",\"hp\":10.0,\"speed\":70}},"
	    SPAWNER("23", RECT("0", "0", "64", "48"), KIND("Cave-Slime_2") ","
	    PROP("count", "int", "1") "," PROP("respawn_ms", "int", "0") ","
	    PROP("hp", "int", "1") "," PROP("damage", "int", "0") ","
	    PROP("speed", "float", "0") "," PROP("sight", "float", "0") ","
	    PROP("leash", "float", "0") "," PROP("attack_range", "int", "1") ","
	    PROP("attack_ms", "int", "50") "," PROP("xp", "int", "0") ","
	    PROP("loot", "string", "\"\"") ","
	    PROP("loot_chance", "float", "0")) ","
	    SPAWNER("24", RECT("30", "14", "4", "4"), KIND("k") ","
	    PROP("count", "int", "500") ","
	    PROP("respawn_ms", "int", "3600000") ","
	    PROP("hp", "int", "1000000") "," PROP("damage", "int", "100000") ","
	    PROP("speed", "float", "2000") ","
	    PROP("sight", "float", "4096") ","
	    PROP("leash", "float", "16384") ","
	    PROP("attack_range", "float", "1024") ","
	    PROP("attack_ms", "int", "60000") ","
	    PROP("xp", "int", "1000000") "," PROP("loot", "string", "\"x\"") ","
	    PROP("loot_chance", "float", "1")) ","
	    "{\"id\":25,\"type\":\"Mob_Spawner\",\"x\":-5,\"y\":-5}"));
	ck_assert_uint_eq(a->nspawners, 5);
	ck_assert_uint_eq(a->nspawns, 1);

	sp = &a->spawners[0];
	ck_assert_str_eq(sp->kind, "slime");
	ck_assert_float_eq(sp->x, 0.0f);
	ck_assert_float_eq(sp->y, 0.0f);
	ck_assert_float_eq(sp->w, 32.0f);
	ck_assert_float_eq(sp->h, 16.0f);
	ck_assert_uint_eq(sp->count, 3);
	ck_assert_uint_eq(sp->respawn_ms, 5000);
	ck_assert_int_eq(sp->hp, 12);
	ck_assert_int_eq(sp->damage, 4);
	ck_assert_float_eq(sp->speed, 55.5f);
	ck_assert_float_eq(sp->sight, 100.0f);
	ck_assert_float_eq(sp->leash, 300.0f);
	ck_assert_float_eq(sp->attack_range, 20.5f);
	ck_assert_uint_eq(sp->attack_ms, 900);
	ck_assert_uint_eq(sp->xp, 7);
	ck_assert_str_eq(sp->loot, "herb");
	ck_assert_float_eq(sp->loot_chance, 0.25f);

	/* A point, and every default. */
	sp = &a->spawners[1];
	ck_assert_str_eq(sp->kind, "bat");
	ck_assert_float_eq(sp->x, 8.0f);
	ck_assert_float_eq(sp->y, 40.0f);
	ck_assert_float_eq(sp->w, 0.0f);
	ck_assert_float_eq(sp->h, 0.0f);
	ck_assert_uint_eq(sp->count, 1);
	ck_assert_uint_eq(sp->respawn_ms, 10000);
	ck_assert_int_eq(sp->hp, 10);
	ck_assert_int_eq(sp->damage, 2);
	ck_assert_float_eq(sp->speed, 60.0f);
	ck_assert_float_eq(sp->sight, 160.0f);
	ck_assert_float_eq(sp->leash, 400.0f);
	ck_assert_float_eq(sp->attack_range, 24.0f);
	ck_assert_uint_eq(sp->attack_ms, 1000);
	ck_assert_uint_eq(sp->xp, 5);
	ck_assert_ptr_null(sp->loot);
	ck_assert_float_eq(sp->loot_chance, 0.0f);

	/*
	 * Tiled 1.9's class, old-style properties, an integral double for an
	 * integer; the rectangle overlaps the solid tile and walkable ones.
	 * With loot, loot_chance defaults to 0.5.
	 */
	sp = &a->spawners[2];
	ck_assert_str_eq(sp->kind, "rat");
	ck_assert_float_eq(sp->x, 34.0f);
	ck_assert_float_eq(sp->w, 20.0f);
	ck_assert_int_eq(sp->hp, 10);
	ck_assert_float_eq(sp->speed, 70.0f);
	ck_assert_str_eq(sp->loot, "tail");
	ck_assert_float_eq(sp->loot_chance, 0.5f);

	/* The lower bounds; an empty loot is none. */
	sp = &a->spawners[3];
	ck_assert_str_eq(sp->kind, "Cave-Slime_2");
	ck_assert_uint_eq(sp->count, 1);
	ck_assert_uint_eq(sp->respawn_ms, 0);
	ck_assert_int_eq(sp->hp, 1);
	ck_assert_int_eq(sp->damage, 0);
	ck_assert_float_eq(sp->speed, 0.0f);
	ck_assert_float_eq(sp->sight, 0.0f);
	ck_assert_float_eq(sp->leash, 0.0f);
	ck_assert_float_eq(sp->attack_range, 1.0f);
	ck_assert_uint_eq(sp->attack_ms, 50);
	ck_assert_uint_eq(sp->xp, 0);
	ck_assert_ptr_null(sp->loot);
	ck_assert_float_eq(sp->loot_chance, 0.0f);

	/* The upper bounds; a small rectangle touching a walkable tile. */
	sp = &a->spawners[4];
	ck_assert_uint_eq(sp->count, 500);
	ck_assert_uint_eq(sp->respawn_ms, 3600000);
	ck_assert_int_eq(sp->hp, 1000000);
	ck_assert_int_eq(sp->damage, 100000);
	ck_assert_float_eq(sp->speed, 2000.0f);
	ck_assert_float_eq(sp->sight, 4096.0f);
	ck_assert_float_eq(sp->leash, 16384.0f);
	ck_assert_float_eq(sp->attack_range, 1024.0f);
	ck_assert_uint_eq(sp->attack_ms, 60000);
	ck_assert_uint_eq(sp->xp, 1000000);
	ck_assert_str_eq(sp->loot, "x");
	ck_assert_float_eq(sp->loot_chance, 1.0f);
	area_free(a);

	/* Without a solid tile anywhere, any rectangle in the map will do. */
	a = load(MAP(GROUND "," OBJECTS(SPAWN "," SPAWNER("20",
	    RECT("32", "16", "16", "16"), KIND("slime")))));
	ck_assert_uint_eq(a->nspawners, 1);
	area_free(a);
}
END_TEST

/* NPCs: points, rectangle centres, display names and their defaults. */
START_TEST(test_npcs)
{
	struct area	*a;

	a = load(WITH_SPAWN(
	    NPC("30", "farmer_gil", POINT("8", "40"),
	    PROP("display_name", "string", "\"Farmer Gil\"")) ","
	    NPC("31", "smith_ulf", RECT("48", "0", "16", "32"),
	    PROP("display_name", "string", "\"Smith \xc3\x9clf\"")) ","
	    "{\"id\":32,\"class\":\"npc\",\"name\":\"mayor_ida\",\"x\":40,"
	    "\"y\":40}," NPC("33", "Oro-2", POINT("0", "0"),
	    PROP("display_name", "string", "\"\"")) ","
	    "{\"id\":34,\"type\":\"npc\",\"name\":\"hermit\",\"ellipse\":true,"
	    "\"x\":0,\"y\":16,\"width\":16,\"height\":8,\"properties\":"
	    "{\"display_name\":\"Old " X16 "\"}}"));
	ck_assert_uint_eq(a->nnpcs, 5);
	ck_assert_str_eq(a->npcs[0].id, "farmer_gil");
	ck_assert_str_eq(a->npcs[0].name, "Farmer Gil");
	ck_assert_float_eq(a->npcs[0].x, 8.0f);
	ck_assert_float_eq(a->npcs[0].y, 40.0f);
	ck_assert_str_eq(a->npcs[1].id, "smith_ulf");
	ck_assert_str_eq(a->npcs[1].name, "Smith \xc3\x9clf");
	ck_assert_float_eq(a->npcs[1].x, 56.0f);
	ck_assert_float_eq(a->npcs[1].y, 16.0f);
	ck_assert_str_eq(a->npcs[2].id, "mayor_ida");
	ck_assert_str_eq(a->npcs[2].name, "mayor_ida");
	ck_assert_str_eq(a->npcs[3].id, "Oro-2");
	ck_assert_str_eq(a->npcs[3].name, "Oro-2");
	ck_assert_float_eq(a->npcs[3].x, 0.0f);
	ck_assert_str_eq(a->npcs[4].id, "hermit");
	ck_assert_str_eq(a->npcs[4].name, "Old " X16);
	ck_assert_float_eq(a->npcs[4].x, 8.0f);
	ck_assert_float_eq(a->npcs[4].y, 20.0f);
	ck_assert_uint_eq(a->nspawners, 0);
	area_free(a);

	/* display_name at its longest. */
	a = load(WITH_SPAWN(NPC("30", "gil", POINT("8", "8"),
	    PROP("display_name", "string", "\"" X128 "\""))));
	ck_assert_uint_eq(strlen(a->npcs[0].name), AREALOAD_DISPLAY_NAME_MAX);
	area_free(a);
}
END_TEST

/* Map property player_speed: the default, any number in range. */
START_TEST(test_player_speed)
{
	struct area	*a;

	a = load(MINIMAL);
	ck_assert_float_eq(a->player_speed, 120.0f);
	area_free(a);
	a = load(MAP_PROPS(PROP("player_speed", "float", "100"),
	    GROUND "," OBJECTS(SPAWN)));
	ck_assert_float_eq(a->player_speed, 100.0f);
	area_free(a);
	a = load(MAP_PROPS(PROP("player_speed", "float", "1"),
	    GROUND "," OBJECTS(SPAWN)));
	ck_assert_float_eq(a->player_speed, 1.0f);
	area_free(a);
	/* An integer, beside the other map properties. */
	a = load(MAP_PROPS(PROP("name", "string", "\"test\"") ","
	    PROP("exit_east", "string", "\"e\"") ","
	    PROP("player_speed", "int", "2000"), GROUND "," OBJECTS(SPAWN)));
	ck_assert_float_eq(a->player_speed, 2000.0f);
	ck_assert_uint_eq(a->nexits, 1);
	area_free(a);
	/* Old-style properties; the name may come without it and after. */
	a = load(HEAD "\"properties\":{\"player_speed\":87.5},"
	    "\"layers\":[" GROUND "," OBJECTS(SPAWN) "]}");
	ck_assert_float_eq(a->player_speed, 87.5f);
	area_free(a);
	a = load(MAP_PROPS(PROP("name", "string", "\"test\""),
	    GROUND "," OBJECTS(SPAWN)));
	ck_assert_float_eq(a->player_speed, 120.0f);
	area_free(a);
}
END_TEST

/* Spawner properties wander and rest: defaults, bounds, any value. */
START_TEST(test_spawner_wander_rest)
{
	struct area			*a;
	const struct area_spawner	*sp;

	a = load(WITH_SPAWN(
	    SPAWNER("20", POINT("8", "40"), KIND("bat")) ","
	    SPAWNER("21", POINT("8", "40"), KIND("slime") ","
	    PROP("wander", "float", "640.5") "," PROP("rest", "float", "0.25"))
	    "," SPAWNER("22", POINT("8", "40"), KIND("rat") ","
	    PROP("wander", "int", "0") "," PROP("rest", "int", "0")) ","
	    SPAWNER("23", POINT("8", "40"), KIND("mole") ","
	    PROP("wander", "float", "16384") "," PROP("rest", "float", "1")) ","
	    "{\"id\":24,\"type\":\"mob_spawner\",\"x\":8,\"y\":8,"
	    "\"properties\":{\"kind\":\"old\",\"wander\":200,"
	    "\"rest\":0.75}}"));
	ck_assert_uint_eq(a->nspawners, 5);
	sp = &a->spawners[0];		/* the defaults */
	ck_assert_float_eq(sp->wander, 96.0f);
	ck_assert_float_eq(sp->rest, 0.5f);
	sp = &a->spawners[1];
	ck_assert_float_eq(sp->wander, 640.5f);
	ck_assert_float_eq(sp->rest, 0.25f);
	ck_assert_float_eq(sp->speed, 60.0f);	/* the others unchanged */
	sp = &a->spawners[2];		/* the lower bounds */
	ck_assert_float_eq(sp->wander, 0.0f);
	ck_assert_float_eq(sp->rest, 0.0f);
	sp = &a->spawners[3];		/* the upper bounds */
	ck_assert_float_eq(sp->wander, 16384.0f);
	ck_assert_float_eq(sp->rest, 1.0f);
	sp = &a->spawners[4];		/* old-style properties */
	ck_assert_float_eq(sp->wander, 200.0f);
	ck_assert_float_eq(sp->rest, 0.75f);
	area_free(a);
}
END_TEST

/* Each refusal: the map, and a phrase the cause must contain. */
static const struct {
	const char	*json;
	const char	*needle;
} refusals[] = {
	{ "this is not json", "not JSON" },
	{ "{\"width\":4,,}", "not JSON: " },
	{ "{\"width\":4,,}", "at offset 11" },
	{ "{\"width\":", "not JSON: unexpected end" },
	{ "", "not JSON" },
	{ MINIMAL " trailing", "not JSON" },
	{ "[1,2,3]", "not a JSON object" },
	{ "{\"type\":\"tileset\",\"name\":\"x\"}", "not a Tiled map" },
	{ "{\"orientation\":\"isometric\",\"width\":1}",
	    "orientation \"isometric\" is not supported" },
	{ "{\"infinite\":true,\"width\":4}", "infinite maps" },
	{ "{\"height\":3,\"tilewidth\":16,\"tileheight\":16,\"layers\":[]}",
	    "missing width" },
	{ "{\"width\":4,\"tilewidth\":16,\"tileheight\":16,\"layers\":[]}",
	    "missing height" },
	{ "{\"width\":4,\"height\":3,\"tileheight\":16,\"layers\":[]}",
	    "missing tilewidth" },
	{ "{\"width\":4,\"height\":3,\"tilewidth\":16,\"layers\":[]}",
	    "missing tileheight" },
	{ HEAD_SIZE("\"4\"", "3", "16", "16") "\"layers\":[]}",
	    "width is not an integer" },
	{ HEAD_SIZE("0", "3", "16", "16") "\"layers\":[]}",
	    "width 0 out of range" },
	{ HEAD_SIZE("4097", "3", "16", "16") "\"layers\":[]}",
	    "width 4097 out of range" },
	{ HEAD_SIZE("4", "100000000", "16", "16") "\"layers\":[]}",
	    "height 100000000 out of range" },
	{ HEAD_SIZE("4", "3", "513", "16") "\"layers\":[]}",
	    "tilewidth 513 out of range" },
	{ HEAD_SIZE("4", "3", "16", "-1") "\"layers\":[]}",
	    "tileheight -1 out of range" },
	{ HEAD "\"nolayers\":1}", "missing layers" },
	{ MAP(GROUND_DATA("1,1,1,1, 1,1,1,1, 1,1,1") "," OBJECTS(SPAWN)),
	    "layer 1 \"ground\": data has 11 entries, expected 12" },
	{ MAP(GROUND_DATA("1,1,1,1, 1,1,1,1, 1,1,1,1,1") "," OBJECTS(SPAWN)),
	    "data has 13 entries" },
	{ MAP(GROUND_DATA("1,1,1,\"x\", 1,1,1,1, 1,1,1,1") "," OBJECTS(SPAWN)),
	    "layer 1 \"ground\": data entry 3 is not a tile id" },
	{ MAP(GROUND_DATA("1,1,1,1, -1,1,1,1, 1,1,1,1") "," OBJECTS(SPAWN)),
	    "data entry 4 is not a tile id" },
	{ MAP(GROUND_DATA("1,1,1,1, 1,1,1,1, 1,1,1,4294967296")),
	    "data entry 11 is not a tile id" },
	{ MAP("{\"id\":4,\"name\":\"b\",\"type\":\"tilelayer\","
	    "\"encoding\":\"base64\",\"data\":\"AAAA\"}"),
	    "layer 4 \"b\": encoding \"base64\" is not supported" },
	{ MAP("{\"id\":4,\"name\":\"z\",\"type\":\"tilelayer\","
	    "\"encoding\":\"csv\",\"compression\":\"zlib\",\"data\":[]}"),
	    "compression \"zlib\" is not supported" },
	{ MAP("{\"id\":4,\"name\":\"s\",\"type\":\"tilelayer\","
	    "\"data\":\"AAAA\"}"), "data is a string" },
	{ MAP("{\"id\":4,\"name\":\"n\",\"type\":\"tilelayer\"}"),
	    "layer 4 \"n\": missing data" },
	{ MAP("{\"id\":4,\"name\":\"c\",\"type\":\"tilelayer\","
	    "\"chunks\":[]}"), "chunked" },
	{ MAP("{\"id\":4,\"name\":\"w\",\"type\":\"tilelayer\","
	    "\"width\":5,\"height\":3,\"data\":[]}"),
	    "layer 4 \"w\": size differs" },
	{ MAP("{\"id\":4,\"name\":\"o\",\"type\":\"tilelayer\","
	    "\"offsetx\":8,\"data\":[0,0,0,0,0,0,0,0,0,0,0,0]}"),
	    "layer 4 \"o\": layer offsets are not supported" },
	{ MAP("{\"id\":4,\"type\":\"group\",\"offsety\":2,\"layers\":["
	    OBJECTS(SPAWN) "]}"), "layer offsets are not supported" },
	{ MAP("{\"id\":4,\"name\":\"x\"}"), "layer 4 \"x\": missing type" },
	{ MAP("7"), "layer #0 is not an object" },
	{ MAP(GROUND), "no spawn point" },
	{ MAP(GROUND "," COLLISION "," OBJECTS("{\"id\":3,\"type\":\"npc\","
	    "\"name\":\"gil\",\"x\":1,\"y\":1}")), "no spawn point" },
	{ MAP(GROUND "," COLLISION "," OBJECTS(SPAWN_AT("40", "24"))),
	    "object 5 (spawn): (40,24) is inside a solid tile (column 2, "
	    "row 1)" },
	{ MAP(GROUND "," OBJECTS(SPAWN_AT("64", "8"))),
	    "object 5 (spawn): (64,8) is outside the map (64x48)" },
	{ MAP(GROUND "," OBJECTS(SPAWN_AT("8", "-0.5"))),
	    "is outside the map" },
	{ MAP(GROUND "," OBJECTS("{\"id\":6,\"type\":\"spawn\",\"x\":1}")),
	    "object 6 (spawn): missing or bad x/y" },
	{ MAP(GROUND "," OBJECTS("{\"id\":6,\"type\":\"spawn\",\"x\":1,"
	    "\"y\":1,\"width\":4,\"height\":4,\"rotation\":45}")),
	    "object 6 (spawn): rotated objects are not supported" },
	{ MAP(GROUND "," OBJECTS("{\"id\":6,\"type\":\"spawn\",\"x\":1,"
	    "\"y\":1,\"polygon\":[{\"x\":0,\"y\":0}]}")),
	    "object 6 (spawn): polygon objects are not supported" },
	{ MAP(GROUND "," OBJECTS(SPAWN "," DOOR(""))),
	    "object 7 (exit): no to_area property" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"\"")))),
	    "object 7 (exit): no to_area property" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "int", "3")))),
	    "object 7 (exit): to_area is not a string" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"../x\"")))),
	    "object 7 (exit): to_area: bad area name \"../x\"" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"a\\u0000b\"")))),
	    "to_area is not a string" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"cave\"") ","
	    PROP("to_x", "float", "1")))),
	    "object 7 (exit): to_x and to_y must be given together" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"cave\"") ","
	    PROP("to_x", "float", "1") "," PROP("to_y", "string", "\"1\"")))),
	    "to_x/to_y is not a number" },
	{ MAP(GROUND "," OBJECTS(SPAWN ","
	    DOOR(PROP("to_area", "string", "\"cave\"") ","
	    PROP("to_x", "float", "-1") "," PROP("to_y", "float", "1")))),
	    "out of range" },
	{ MAP(GROUND "," OBJECTS(SPAWN "," "{\"id\":7,\"type\":\"exit\","
	    "\"point\":true,\"x\":1,\"y\":1,\"properties\":["
	    PROP("to_area", "string", "\"cave\"") "]}")),
	    "object 7 (exit): a door must be a rectangle" },
	{ MAP(GROUND "," OBJECTS(SPAWN "," "{\"id\":7,\"type\":\"exit\","
	    "\"x\":56,\"y\":0,\"width\":16,\"height\":16,\"properties\":["
	    PROP("to_area", "string", "\"cave\"") "]}")),
	    "object 7 (exit): rectangle (56,0 16x16) is not inside the map" },
	{ MAP(GROUND "," OBJECTS(SPAWN "," "{\"id\":7,\"type\":\"exit\","
	    "\"x\":0,\"y\":0,\"width\":16,\"height\":16,\"properties\":7}")),
	    "object 7 (exit): malformed properties" },
	{ MAP_PROPS(PROP("exit_east", "string", "\"../../etc\""),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property exit_east: bad area name" },
	{ MAP_PROPS(PROP("exit_west", "int", "1"), GROUND "," OBJECTS(SPAWN)),
	    "map property exit_west is not a string" },
	{ MAP_PROPS(PROP("name", "string", "\"other\""),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property name \"other\" does not match the file name" },
	{ MAP_PROPS(PROP("player_speed", "float", "0.5"),
	    GROUND "," OBJECTS(SPAWN)),
	    "area test: map property player_speed 0.5 out of range "
	    "(1 to 2000)" },
	{ MAP_PROPS(PROP("player_speed", "int", "0"),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property player_speed 0 out of range (1 to 2000)" },
	{ MAP_PROPS(PROP("player_speed", "float", "2000.5"),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property player_speed 2000.5 out of range (1 to 2000)" },
	{ MAP_PROPS(PROP("player_speed", "float", "-120"),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property player_speed -120 out of range (1 to 2000)" },
	{ MAP_PROPS(PROP("player_speed", "string", "\"fast\""),
	    GROUND "," OBJECTS(SPAWN)),
	    "area test: map property player_speed is not a number" },
	{ MAP_PROPS(PROP("player_speed", "bool", "true"),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property player_speed is not a number" },
	{ MAP_PROPS(PROP("name", "string", "\"test\"") ","
	    PROP("player_speed", "string", "\"100\""),
	    GROUND "," OBJECTS(SPAWN)),
	    "map property player_speed is not a number" },
	{ HEAD "\"properties\":7,\"layers\":[" GROUND "]}",
	    "malformed map properties" },
	{ HEAD "\"tilesets\":[{\"firstgid\":1,\"name\":\"t\",\"tiles\":["
	    "{\"id\":0,\"properties\":[" PROP("solid", "string", "\"yes\"")
	    "]}]}],\"layers\":[]}",
	    "tileset #0 \"t\": tile 0: property solid is not a bool" },
	{ HEAD "\"tilesets\":[{\"name\":\"t\"}],\"layers\":[]}",
	    "tileset #0 \"t\": missing or bad firstgid" },
	{ HEAD "\"tilesets\":[{\"firstgid\":1,\"name\":\"t\\n\\\"\","
	    "\"tiles\":[{\"properties\":[]}]}],\"layers\":[]}",
	    "tileset #0 \"t??\": tile #0 has a missing or bad id" },
	/* Mob spawners: the kind. */
	{ BAD_SPAWNER(""), "object 20 (mob_spawner): no kind property" },
	{ BAD_SPAWNER(PROP("count", "int", "3")),
	    "object 20 (mob_spawner): no kind property" },
	{ BAD_SPAWNER(PROP("kind", "string", "\"\"")),
	    "object 20 (mob_spawner): no kind property" },
	{ BAD_SPAWNER(PROP("kind", "int", "1")),
	    "object 20 (mob_spawner): kind is not a string" },
	{ BAD_SPAWNER(KIND("../slime")),
	    "object 20 (mob_spawner): kind: bad name \"../slime\"" },
	{ BAD_SPAWNER(KIND("a b")), "kind: bad name \"a b\"" },
	{ BAD_SPAWNER(KIND(X128)), "kind: bad name" },
	/* The numbers. */
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "int", "0")),
	    "object 20 (mob_spawner): count 0 out of range (1 to 500)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "int", "501")),
	    "object 20 (mob_spawner): count 501 out of range (1 to 500)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "int", "-1")),
	    "count -1 out of range" },
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "int", "99999999999")),
	    "count 99999999999 out of range" },
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "float", "1.5")),
	    "object 20 (mob_spawner): count is not an integer" },
	{ BAD_SPAWNER(KIND("s") "," PROP("count", "string", "\"3\"")),
	    "object 20 (mob_spawner): count is not an integer" },
	{ BAD_SPAWNER(KIND("s") "," PROP("respawn_ms", "int", "-1")),
	    "respawn_ms -1 out of range (0 to 3600000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("respawn_ms", "int", "3600001")),
	    "respawn_ms 3600001 out of range (0 to 3600000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("hp", "int", "0")),
	    "object 20 (mob_spawner): hp 0 out of range (1 to 1000000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("hp", "int", "1000001")),
	    "hp 1000001 out of range (1 to 1000000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("hp", "bool", "true")),
	    "hp is not an integer" },
	{ BAD_SPAWNER(KIND("s") "," PROP("damage", "int", "-1")),
	    "damage -1 out of range (0 to 100000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("damage", "int", "100001")),
	    "damage 100001 out of range (0 to 100000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("speed", "float", "-0.5")),
	    "object 20 (mob_spawner): speed -0.5 out of range (0 to 2000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("speed", "float", "2000.5")),
	    "speed 2000.5 out of range (0 to 2000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("speed", "string", "\"fast\"")),
	    "object 20 (mob_spawner): speed is not a number" },
	{ BAD_SPAWNER(KIND("s") "," PROP("sight", "float", "-1")),
	    "sight -1 out of range (0 to 4096)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("sight", "float", "4096.5")),
	    "sight 4096.5 out of range (0 to 4096)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("leash", "float", "16385")),
	    "leash 16385 out of range (0 to 16384)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("leash", "float", "-1e300")),
	    "leash -1e+300 out of range" },
	{ BAD_SPAWNER(KIND("s") "," PROP("attack_range", "float", "0.5")),
	    "attack_range 0.5 out of range (1 to 1024)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("attack_range", "float", "1025")),
	    "attack_range 1025 out of range (1 to 1024)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("attack_ms", "int", "49")),
	    "attack_ms 49 out of range (50 to 60000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("attack_ms", "int", "60001")),
	    "attack_ms 60001 out of range (50 to 60000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("xp", "int", "-1")),
	    "xp -1 out of range (0 to 1000000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("xp", "int", "1000001")),
	    "xp 1000001 out of range (0 to 1000000)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("wander", "float", "-0.5")),
	    "object 20 (mob_spawner): wander -0.5 out of range (0 to 16384)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("wander", "float", "16384.5")),
	    "wander 16384.5 out of range (0 to 16384)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("wander", "string", "\"far\"")),
	    "object 20 (mob_spawner): wander is not a number" },
	{ BAD_SPAWNER(KIND("s") "," PROP("rest", "float", "-0.1")),
	    "object 20 (mob_spawner): rest -0.1 out of range (0 to 1)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("rest", "float", "1.5")),
	    "rest 1.5 out of range (0 to 1)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("rest", "bool", "false")),
	    "object 20 (mob_spawner): rest is not a number" },
	/* Loot. */
	{ BAD_SPAWNER(KIND("s") "," PROP("loot", "int", "3")),
	    "object 20 (mob_spawner): loot is not a string" },
	{ BAD_SPAWNER(KIND("s") "," PROP("loot", "string", "\"a/b\"")),
	    "object 20 (mob_spawner): loot: bad item id \"a/b\"" },
	{ BAD_SPAWNER(KIND("s") "," PROP("loot", "string", "\"herb\"") ","
	    PROP("loot_chance", "float", "1.5")),
	    "object 20 (mob_spawner): loot_chance 1.5 out of range (0 to 1)" },
	{ BAD_SPAWNER(KIND("s") "," PROP("loot", "string", "\"herb\"") ","
	    PROP("loot_chance", "float", "-0.1")),
	    "loot_chance -0.1 out of range" },
	{ BAD_SPAWNER(KIND("s") "," PROP("loot", "string", "\"herb\"") ","
	    PROP("loot_chance", "string", "\"half\"")),
	    "loot_chance is not a number" },
	{ BAD_SPAWNER(KIND("s") "," PROP("loot_chance", "float", "0.3")),
	    "object 20 (mob_spawner): loot_chance 0.3 without loot" },
	{ WITH_SPAWN("{\"id\":20,\"type\":\"mob_spawner\",\"x\":0,\"y\":0,"
	    "\"width\":16,\"height\":16,\"properties\":7}"),
	    "object 20 (mob_spawner): malformed properties" },
	/* Where. */
	{ BAD_SPAWNER_AT(RECT("48", "0", "32", "16")),
	    "object 20 (mob_spawner): rectangle (48,0 32x16) is not inside "
	    "the map (64x48)" },
	{ BAD_SPAWNER_AT(RECT("-1", "0", "8", "8")),
	    "rectangle (-1,0 8x8) is not inside the map" },
	{ BAD_SPAWNER_AT(RECT("0", "40", "8", "9")),
	    "rectangle (0,40 8x9) is not inside the map" },
	{ BAD_SPAWNER_AT(RECT("32", "16", "16", "16")),
	    "object 20 (mob_spawner): rectangle (32,16 16x16) has no walkable "
	    "tile" },
	{ BAD_SPAWNER_AT(RECT("34", "18", "4", "4")), "has no walkable tile" },
	{ BAD_SPAWNER_AT(POINT("40", "24")),
	    "object 20 (mob_spawner): (40,24) is inside a solid tile (column "
	    "2, row 1)" },
	{ BAD_SPAWNER_AT(POINT("64", "8")),
	    "object 20 (mob_spawner): (64,8) is outside the map (64x48)" },
	{ BAD_SPAWNER_AT("\"ellipse\":true," RECT("0", "0", "16", "16")),
	    "object 20 (mob_spawner): a spawner must be a point or a "
	    "rectangle, not an ellipse" },
	{ BAD_SPAWNER_AT(RECT("0", "0", "16", "0")),
	    "object 20 (mob_spawner): a spawner must be a point or a "
	    "rectangle with a width and height" },
	{ BAD_SPAWNER_AT(RECT("0", "0", "16", "16") ",\"rotation\":30"),
	    "object 20 (mob_spawner): rotated objects are not supported" },
	{ BAD_SPAWNER_AT("\"x\":0,\"y\":0,\"polyline\":[]"),
	    "object 20 (mob_spawner): polyline objects are not supported" },
	{ MAP(GROUND "," OBJECTS(SPAWN) ",{\"id\":4,\"type\":\"objectgroup\","
	    "\"offsetx\":3,\"objects\":[" SPAWNER("20", POINT("8", "8"),
	    KIND("s")) "]}"),
	    "object 20 (mob_spawner): layer offsets are not supported" },
	/* NPCs. */
	{ BAD_NPC("gil", POINT("40", "24"), ""),
	    "object 30 (npc): (40,24) is inside a solid tile (column 2, "
	    "row 1)" },
	{ BAD_NPC("gil", RECT("32", "16", "16", "16"), ""),
	    "object 30 (npc): (40,24) is inside a solid tile" },
	{ BAD_NPC("gil", POINT("8", "48"), ""),
	    "object 30 (npc): (8,48) is outside the map (64x48)" },
	{ WITH_SPAWN("{\"id\":30,\"type\":\"npc\",\"x\":8,\"y\":8}"),
	    "object 30 (npc): no name (the NPC's id)" },
	{ WITH_SPAWN("{\"id\":30,\"type\":\"npc\",\"name\":5,\"x\":8,"
	    "\"y\":8}"), "object 30 (npc): no name" },
	{ BAD_NPC("", POINT("8", "8"), ""), "object 30 (npc): no name" },
	{ BAD_NPC("gil the farmer", POINT("8", "8"), ""),
	    "object 30 (npc): name: bad NPC id \"gil the farmer\"" },
	{ BAD_NPC("gil", POINT("8", "8"), PROP("display_name", "int", "3")),
	    "object 30 (npc): display_name is not a string" },
	{ BAD_NPC("gil", POINT("8", "8"),
	    PROP("display_name", "string", "\"a\\nb\"")),
	    "object 30 (npc): display_name is not printable UTF-8" },
	{ BAD_NPC("gil", POINT("8", "8"),
	    PROP("display_name", "string", "\"caf\xe9\"")),
	    "display_name is not printable UTF-8" },
	{ BAD_NPC("gil", POINT("8", "8"),
	    PROP("display_name", "string", "\"" X128 "x\"")),
	    "object 30 (npc): display_name is longer than 128 bytes" },
	{ BAD_NPC("gil", POINT("8", "8"), "7"),
	    "object 30 (npc): malformed properties" },
	{ WITH_SPAWN(NPC("30", "gil", POINT("8", "8"), "") ","
	    NPC("31", "ann", POINT("8", "8"), "") ","
	    NPC("32", "gil", POINT("56", "40"), "")),
	    "object 32 (npc): duplicate NPC id \"gil\"" },
};

START_TEST(test_refusals)
{
	struct area	*a;
	const char	*json = refusals[_i].json;
	char		*cause = NULL;

	a = areaload_buffer("test", json, strlen(json), &cause);
	ck_assert_msg(a == NULL, "accepted #%d: %s", _i, json);
	ck_assert_msg(cause != NULL, "no cause #%d", _i);
	ck_assert_msg(strncmp(cause, "area test: ", 11) == 0,
	    "cause #%d \"%s\" does not name the area", _i, cause);
	ck_assert_msg(strstr(cause, refusals[_i].needle) != NULL,
	    "cause #%d \"%s\" lacks \"%s\"", _i, cause, refusals[_i].needle);
	free(cause);
}
END_TEST

START_TEST(test_bad_names)
{
	struct area	*a;
	char		*cause = NULL;

	a = areaload_buffer("../x", MINIMAL, strlen(MINIMAL), &cause);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(cause, "bad area name \"../x\""));
	free(cause);

	/* The length is refused before the buffer is looked at. */
	cause = NULL;
	a = areaload_buffer("big", "{}", (size_t)AREALOAD_MAX_FILE + 1,
	    &cause);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(cause, "too large"));
	free(cause);

	/* A NULL cause is allowed. */
	ck_assert_ptr_null(areaload_buffer("test", "{", 1, NULL));
}
END_TEST

/*
 * A map with n objects made by fmt (given the object's index twice); the
 * objects come after the spawn point. Caller frees.
 */
static char *
map_with(size_t n, const char *fmt)
{
	static const char	 head[] = HEAD "\"layers\":[" GROUND ","
				    COLLISION ",{\"id\":3,\"name\":"
				    "\"objects\",\"type\":\"objectgroup\","
				    "\"objects\":[" SPAWN;
	static const char	 tail[] = "]}]}";
	char			*json;
	size_t			 size, len, i;
	int			 r;

	size = sizeof head + sizeof tail + n * (strlen(fmt) + 64);
	json = malloc(size);
	ck_assert_ptr_nonnull(json);
	memcpy(json, head, sizeof head);
	len = sizeof head - 1;
	for (i = 0; i < n; i++) {
		json[len++] = ',';
		r = snprintf(json + len, size - len, fmt, i + 100, i);
		ck_assert(r > 0 && (size_t)r < size - len);
		len += (size_t)r;
	}
	ck_assert(len + sizeof tail <= size);
	memcpy(json + len, tail, sizeof tail);
	return (json);
}

#define FULL_SPAWNER							\
	"{\"id\":%zu,\"type\":\"mob_spawner\",\"x\":0,\"y\":0,"		\
	"\"width\":64,\"height\":48,\"properties\":{\"kind\":\"k%zu\","	\
	"\"count\":500}}"

/* The counts of all spawners add up to at most AREALOAD_MAX_MOBS. */
START_TEST(test_mob_cap)
{
	struct area	*a;
	char		*json, *cause = NULL;
	size_t		 full = AREALOAD_MAX_MOBS / 500, i, total = 0;

	ck_assert_uint_eq(AREALOAD_MAX_MOBS % 500, 0);
	json = map_with(full, FULL_SPAWNER);
	a = load(json);
	ck_assert_uint_eq(a->nspawners, full);
	for (i = 0; i < a->nspawners; i++)
		total += a->spawners[i].count;
	ck_assert_uint_eq(total, AREALOAD_MAX_MOBS);
	area_free(a);
	free(json);

	json = map_with(full + 1, FULL_SPAWNER);
	a = areaload_buffer("test", json, strlen(json), &cause);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(cause, "object 140 (mob_spawner): count 500 "
	    "makes 20500 mobs in the map (limit 20000)") != NULL, "%s", cause);
	free(cause);
	free(json);
}
END_TEST

#define NPC_AT								\
	"{\"id\":%zu,\"type\":\"npc\",\"name\":\"n%zu\","		\
	"\"point\":true,\"x\":8,\"y\":8}"

START_TEST(test_npc_cap)
{
	struct area	*a;
	char		*json, *cause = NULL;

	json = map_with(AREALOAD_MAX_NPCS, NPC_AT);
	a = load(json);
	ck_assert_uint_eq(a->nnpcs, AREALOAD_MAX_NPCS);
	ck_assert_str_eq(a->npcs[AREALOAD_MAX_NPCS - 1].id, "n1023");
	area_free(a);
	free(json);

	json = map_with(AREALOAD_MAX_NPCS + 1, NPC_AT);
	a = areaload_buffer("test", json, strlen(json), &cause);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(cause, "too many NPCs (limit 1024)") != NULL,
	    "%s", cause);
	free(cause);
	free(json);
}
END_TEST

START_TEST(test_valid_name)
{
	char	long_name[AREALOAD_NAME_MAX + 2];

	ck_assert_int_eq(areaload_valid_name("meadow"), 1);
	ck_assert_int_eq(areaload_valid_name("a"), 1);
	ck_assert_int_eq(areaload_valid_name("Az-_09"), 1);
	memset(long_name, 'x', sizeof long_name);
	long_name[AREALOAD_NAME_MAX] = '\0';
	ck_assert_int_eq(areaload_valid_name(long_name), 1);
	long_name[AREALOAD_NAME_MAX] = 'x';
	long_name[AREALOAD_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(areaload_valid_name(long_name), 0);
	ck_assert_int_eq(areaload_valid_name(""), 0);
	ck_assert_int_eq(areaload_valid_name(NULL), 0);
	ck_assert_int_eq(areaload_valid_name(".."), 0);
	ck_assert_int_eq(areaload_valid_name("../x"), 0);
	ck_assert_int_eq(areaload_valid_name("a/b"), 0);
	ck_assert_int_eq(areaload_valid_name("town.tmj"), 0);
	ck_assert_int_eq(areaload_valid_name("a b"), 0);
	ck_assert_int_eq(areaload_valid_name("caf\xc3\xa9"), 0);
}
END_TEST

/* ---- the shipped example world ------------------------------------- */

static char area_dir[4096];
static char data_dir[4096];

static void
find_area_dir(void)
{
	const char	*s;

	if ((s = getenv("AREA_DIR")) != NULL && *s != '\0')
		snprintf(area_dir, sizeof area_dir, "%s", s);
	else if ((s = getenv("top_srcdir")) != NULL && *s != '\0')
		snprintf(area_dir, sizeof area_dir, "%s/etc/areas", s);
	else
		snprintf(area_dir, sizeof area_dir, "etc/areas");
	if ((s = getenv("DATA_DIR")) != NULL && *s != '\0')
		snprintf(data_dir, sizeof data_dir, "%s", s);
	else if ((s = getenv("top_srcdir")) != NULL && *s != '\0')
		snprintf(data_dir, sizeof data_dir, "%s/etc/data", s);
	else
		snprintf(data_dir, sizeof data_dir, "etc/data");
}

static struct area *
load_file(const char *name)
{
	struct area	*a;
	char		*cause = NULL;

	a = areaload_file(area_dir, name, &cause);
	ck_assert_msg(a != NULL, "%s/%s.tmj: %s", area_dir, name, cause);
	ck_assert_str_eq(a->name, name);
	return (a);
}

static const struct area_exit *
find_exit(const struct area *a, enum area_exit_kind kind, const char *to)
{
	size_t	i;

	for (i = 0; i < a->nexits; i++) {
		if (a->exits[i].kind == kind &&
		    strcmp(a->exits[i].to_area, to) == 0)
			return (&a->exits[i]);
	}
	ck_abort_msg("area %s has no exit to %s", a->name, to);
	return (NULL);
}

static int
inside_door(const struct area *a, float x, float y)
{
	const struct area_exit	*e;
	size_t			 i;

	for (i = 0; i < a->nexits; i++) {
		e = &a->exits[i];
		if (e->kind == AREA_EXIT_DOOR && x >= e->x && y >= e->y &&
		    x < e->x + e->w && y < e->y + e->h)
			return (1);
	}
	return (0);
}

/* Every spawn is walkable and off every door. */
static void
check_spawns(const struct area *a)
{
	size_t	i;

	ck_assert_uint_ge(a->nspawns, 1);
	for (i = 0; i < a->nspawns; i++) {
		ck_assert(!area_solid_at(a, a->spawns[i].x, a->spawns[i].y));
		ck_assert(!inside_door(a, a->spawns[i].x, a->spawns[i].y));
	}
}

static const struct area_npc *
find_npc(const struct area *a, const char *id)
{
	size_t	i;

	for (i = 0; i < a->nnpcs; i++) {
		if (strcmp(a->npcs[i].id, id) == 0)
			return (&a->npcs[i]);
	}
	return (NULL);
}

static const struct area_spawner *
find_spawner(const struct area *a, const char *kind)
{
	size_t	i;

	for (i = 0; i < a->nspawners; i++) {
		if (strcmp(a->spawners[i].kind, kind) == 0)
			return (&a->spawners[i]);
	}
	return (NULL);
}

/* How far (x, y) is from a spawner's point or rectangle. */
static double
spawner_distance(const struct area_spawner *sp, double x, double y)
{
	double	dx = 0, dy = 0;

	if (x < sp->x)
		dx = sp->x - x;
	else if (x > sp->x + sp->w)
		dx = x - (sp->x + sp->w);
	if (y < sp->y)
		dy = sp->y - y;
	else if (y > sp->y + sp->h)
		dy = y - (sp->y + sp->h);
	return (sqrt(dx * dx + dy * dy));
}

/* Players do not appear within sight of a spawner's area. */
static void
check_out_of_sight(const struct area *a, double x, double y)
{
	const struct area_spawner	*sp;
	size_t				 i;

	for (i = 0; i < a->nspawners; i++) {
		sp = &a->spawners[i];
		ck_assert_msg(spawner_distance(sp, x, y) > sp->sight,
		    "%s: (%g,%g) is within sight of the %s spawner", a->name,
		    x, y, sp->kind);
	}
}

/*
 * Every NPC is walkable and off the doors; every spawner has mobs and
 * lies in the map; no player spawn point is within a spawner's sight.
 */
static void
check_objects(const struct area *a)
{
	const struct area_spawner	*sp;
	const struct area_npc		*n;
	size_t				 i, j;

	for (i = 0; i < a->nnpcs; i++) {
		n = &a->npcs[i];
		ck_assert_msg(!area_solid_at(a, n->x, n->y), "%s: NPC %s on a "
		    "solid tile", a->name, n->id);
		ck_assert(!inside_door(a, n->x, n->y));
		ck_assert(*n->name != '\0');
		for (j = 0; j < i; j++)
			ck_assert_str_ne(a->npcs[j].id, n->id);
	}
	for (i = 0; i < a->nspawners; i++) {
		sp = &a->spawners[i];
		ck_assert_uint_ge(sp->count, 1);
		ck_assert(sp->x >= 0 && sp->y >= 0);
		ck_assert(sp->x + sp->w <= area_width(a));
		ck_assert(sp->y + sp->h <= area_height(a));
		ck_assert(sp->hp >= 1);
	}
	for (i = 0; i < a->nspawns; i++)
		check_out_of_sight(a, a->spawns[i].x, a->spawns[i].y);
}

/*
 * A door's arrival point is walkable, not on a door of the target and out
 * of sight of its spawners.
 */
static void
check_arrival(const struct area_exit *e)
{
	struct area	*to;

	ck_assert_int_eq(e->has_arrival, 1);
	to = load_file(e->to_area);
	ck_assert_msg(!area_solid_at(to, e->to_x, e->to_y),
	    "arrival (%g,%g) in %s is solid", (double)e->to_x,
	    (double)e->to_y, e->to_area);
	ck_assert(!inside_door(to, e->to_x, e->to_y));
	check_out_of_sight(to, e->to_x, e->to_y);
	area_free(to);
}

START_TEST(test_list)
{
	char	**names, *cause = NULL;
	size_t	  n, i;
	int	  seen = 0;

	ck_assert_msg(areaload_list(area_dir, &names, &n, &cause) == 0,
	    "%s", cause);
	ck_assert_uint_ge(n, 3);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_int_lt(strcmp(names[i - 1], names[i]), 0);
		if (strcmp(names[i], "cave") == 0 ||
		    strcmp(names[i], "meadow") == 0 ||
		    strcmp(names[i], "town") == 0)
			seen++;
		ck_assert(areaload_valid_name(names[i]));
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ck_assert_int_eq(seen, 3);

	ck_assert_int_eq(areaload_list("/nonexistent/zoned-areas", &names, &n,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent/zoned-areas"));
	ck_assert_ptr_null(names);
	ck_assert_uint_eq(n, 0);
	free(cause);
}
END_TEST

START_TEST(test_meadow)
{
	struct area			*a;
	const struct area_exit		*e;
	const struct area_spawner	*sp;
	const struct area_npc		*n;

	a = load_file("meadow");
	ck_assert_int_eq(a->cols, 40);
	ck_assert_int_eq(a->rows, 30);
	ck_assert_int_eq(a->tile_w, 32);
	check_spawns(a);
	e = find_exit(a, AREA_EXIT_EDGE, "town");
	ck_assert_int_eq(e->edge, AREA_EDGE_EAST);
	ck_assert_int_eq(area_solid_tile(a, 20, 5), 1);	/* fence */
	ck_assert_int_eq(area_solid_tile(a, 20, 14), 0);	/* its gap */
	ck_assert_int_eq(area_solid_tile(a, 6, 22), 1);	/* pond: tileset */
	ck_assert_int_eq(area_solid_tile(a, 39, 14), 0);	/* path east */
	check_objects(a);
	sp = find_spawner(a, "slime");
	ck_assert_ptr_nonnull(sp);
	ck_assert_ptr_nonnull(sp->loot);
	n = find_npc(a, "farmer_gil");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->name, "Farmer Gil");
	/* Near the first spawn point. */
	ck_assert_float_le(fabsf(n->x - a->spawns[0].x), 96.0f);
	ck_assert_float_le(fabsf(n->y - a->spawns[0].y), 96.0f);
	area_free(a);
}
END_TEST

START_TEST(test_town)
{
	struct area		*a;
	const struct area_exit	*e;

	a = load_file("town");
	check_spawns(a);
	e = find_exit(a, AREA_EXIT_EDGE, "meadow");
	ck_assert_int_eq(e->edge, AREA_EDGE_WEST);
	ck_assert_int_eq(area_solid_tile(a, 0, 14), 0);	/* road west */
	e = find_exit(a, AREA_EXIT_DOOR, "cave");
	ck_assert(!area_solid_at(a, e->x + e->w / 2, e->y + e->h / 2));
	check_arrival(e);
	check_objects(a);
	ck_assert_ptr_nonnull(find_npc(a, "mayor_ida"));
	ck_assert_ptr_nonnull(find_npc(a, "smith_ulf"));
	ck_assert_ptr_nonnull(find_spawner(a, "rat"));
	area_free(a);
}
END_TEST

START_TEST(test_cave)
{
	struct area			*a;
	const struct area_exit		*e;
	const struct area_spawner	*sp;

	a = load_file("cave");
	check_spawns(a);
	e = find_exit(a, AREA_EXIT_DOOR, "town");
	ck_assert(!area_solid_at(a, e->x + e->w / 2, e->y + e->h / 2));
	check_arrival(e);
	check_objects(a);
	ck_assert_ptr_nonnull(find_npc(a, "hermit_oro"));
	ck_assert_ptr_nonnull(find_spawner(a, "bat"));
	/* The cave's slimes are tougher than the meadow's defaults. */
	sp = find_spawner(a, "cave_slime");
	ck_assert_ptr_nonnull(sp);
	ck_assert_int_gt(sp->hp, 10);
	ck_assert_str_eq(sp->loot, "crystal");
	area_free(a);
}
END_TEST

/* A string member of a quest or objective, or the test fails. */
static const char *
quest_string(struct json_object *o, const char *key, const char *where)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string), "%s: no string %s",
	    where, key);
	return (json_object_get_string(v));
}

/* Is there an NPC with this id in any of the n areas? */
static int
world_has_npc(struct area **areas, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (find_npc(areas[i], id) != NULL)
			return (1);
	}
	return (0);
}

/*
 * The world against the quests given out in it: every giver in
 * DATA/areas/AREA/quests.json is an NPC of AREA, every kill target has a
 * spawner in AREA, and every NPC to talk to exists in some area.
 */
START_TEST(test_quests)
{
	struct json_object	*root, *quests, *q, *objs, *obj;
	struct area		**areas;
	char			**names, *cause = NULL, path[8192], where[256];
	const char		*qid, *giver, *kind, *target;
	size_t			 n, i, j, k, nquests, nkills = 0, ntalks = 0;
	int			 shipped = 0;

	ck_assert_msg(areaload_list(area_dir, &names, &n, &cause) == 0,
	    "%s", cause);
	areas = calloc(n, sizeof *areas);
	ck_assert_ptr_nonnull(areas);
	for (i = 0; i < n; i++)
		areas[i] = load_file(names[i]);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/areas/%s/quests.json",
		    data_dir, names[i]);
		if (strcmp(names[i], "meadow") == 0 ||
		    strcmp(names[i], "town") == 0 ||
		    strcmp(names[i], "cave") == 0)
			shipped++;
		else if (access(path, F_OK) == -1)
			continue;	/* an area without quests */
		root = json_object_from_file(path);
		ck_assert_msg(root != NULL, "%s: %s", path,
		    json_util_get_last_err());
		ck_assert_msg(json_object_object_get_ex(root, "quests",
		    &quests) && json_object_is_type(quests, json_type_array),
		    "%s: no quests array", path);
		nquests = json_object_array_length(quests);
		ck_assert_uint_ge(nquests, 1);
		for (j = 0; j < nquests; j++) {
			q = json_object_array_get_idx(quests, j);
			snprintf(where, sizeof where, "%s quest #%zu", names[i],
			    j);
			qid = quest_string(q, "id", where);
			snprintf(where, sizeof where, "%s quest %s", names[i],
			    qid);
			giver = quest_string(q, "giver", where);
			ck_assert_msg(find_npc(areas[i], giver) != NULL,
			    "%s: giver %s is not an NPC of %s.tmj", where,
			    giver, names[i]);
			ck_assert_msg(json_object_object_get_ex(q, "objectives",
			    &objs) && json_object_is_type(objs,
			    json_type_array), "%s: no objectives", where);
			for (k = 0; k < json_object_array_length(objs); k++) {
				obj = json_object_array_get_idx(objs, k);
				kind = quest_string(obj, "kind", where);
				target = quest_string(obj, "target", where);
				if (strcmp(kind, "kill") == 0) {
					ck_assert_msg(find_spawner(areas[i],
					    target) != NULL, "%s: no spawner "
					    "of %s in %s.tmj", where, target,
					    names[i]);
					nkills++;
				} else if (strcmp(kind, "talk") == 0) {
					ck_assert_msg(world_has_npc(areas, n,
					    target), "%s: no NPC %s in the "
					    "world", where, target);
					ntalks++;
				}
			}
		}
		json_object_put(root);
	}
	ck_assert_int_eq(shipped, 3);
	ck_assert_uint_ge(nkills, 4);	/* slime, rat, bat, cave_slime */
	ck_assert_uint_ge(ntalks, 3);

	for (i = 0; i < n; i++) {
		area_free(areas[i]);
		free(names[i]);
	}
	free(areas);
	free(names);
}
END_TEST

START_TEST(test_file_errors)
{
	struct area	*a;
	char		*cause = NULL;

	a = areaload_file(area_dir, "../areas/meadow", &cause);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(cause, "bad area name"));
	free(cause);

	cause = NULL;
	a = areaload_file(area_dir, "no-such-area", &cause);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(cause, "area no-such-area: "));
	ck_assert_ptr_nonnull(strstr(cause, "no-such-area.tmj"));
	free(cause);
}
END_TEST

static Suite *
areaload_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("areaload");

	tc = tcase_create("buffer");
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_no_collision);
	tcase_add_test(tc, test_tileset_solid);
	tcase_add_test(tc, test_class_and_rect_spawn);
	tcase_add_test(tc, test_door);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_spawners);
	tcase_add_test(tc, test_npcs);
	tcase_add_test(tc, test_player_speed);
	tcase_add_test(tc, test_spawner_wander_rest);
	tcase_add_loop_test(tc, test_refusals, 0,
	    (int)(sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_mob_cap);
	tcase_add_test(tc, test_npc_cap);
	tcase_add_test(tc, test_valid_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("world");
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_meadow);
	tcase_add_test(tc, test_town);
	tcase_add_test(tc, test_cave);
	tcase_add_test(tc, test_quests);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	find_area_dir();
	sr = srunner_create(areaload_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
