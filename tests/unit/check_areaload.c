/*
 * Unit tests for areaload.c: Tiled JSON maps from inline strings (the
 * conventions and every refusal of zoned-area(5)), and the shipped example
 * world from $AREA_DIR (or $top_srcdir/etc/areas, or etc/areas).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

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
	    "{\"id\":3,\"type\":\"npc\",\"x\":-100,\"y\":-100},"
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
	    "\"x\":1,\"y\":1}")), "no spawn point" },
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
	{ HEAD "\"tilesets\":[{\"firstgid\":1,\"name\":\"t\",\"tiles\":["
	    "{\"id\":0,\"properties\":[" PROP("solid", "string", "\"yes\"")
	    "]}]}],\"layers\":[]}",
	    "tileset #0 \"t\": tile 0: property solid is not a bool" },
	{ HEAD "\"tilesets\":[{\"name\":\"t\"}],\"layers\":[]}",
	    "tileset #0 \"t\": missing or bad firstgid" },
	{ HEAD "\"tilesets\":[{\"firstgid\":1,\"name\":\"t\\n\\\"\","
	    "\"tiles\":[{\"properties\":[]}]}],\"layers\":[]}",
	    "tileset #0 \"t??\": tile #0 has a missing or bad id" },
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

/* A door's arrival point is walkable and not on a door of the target. */
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
	struct area		*a;
	const struct area_exit	*e;

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
	area_free(a);
}
END_TEST

START_TEST(test_cave)
{
	struct area		*a;
	const struct area_exit	*e;

	a = load_file("cave");
	check_spawns(a);
	e = find_exit(a, AREA_EXIT_DOOR, "town");
	ck_assert(!area_solid_at(a, e->x + e->w / 2, e->y + e->h / 2));
	check_arrival(e);
	area_free(a);
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
	tcase_add_loop_test(tc, test_refusals, 0,
	    (int)(sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_valid_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("world");
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_meadow);
	tcase_add_test(tc, test_town);
	tcase_add_test(tc, test_cave);
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
