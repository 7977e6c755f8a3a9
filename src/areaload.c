/*
 * Area loader (an adapter): reads a Tiled JSON map ({dir}/{name}.tmj) with
 * json-c and builds the struct area the simulation runs. The conventions
 * (collision layer, solid tiles, spawn, exit, mob_spawner and npc objects,
 * edge properties) and the limits are documented in zoned-area(5).
 *
 * Everything in the file is untrusted: sizes are bounded before anything is
 * allocated, and every refusal names the layer or object at fault.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "utf8.h"
#include "xmalloc.h"
#include "sim/area.h"
#include "areaload.h"

/* Tiled keeps flip and rotation flags in the top four bits of a gid. */
#define AREALOAD_GID_MASK	0x0fffffffU

/* Group layers nest; json-c's own depth limit (32) is lower than this. */
#define AREALOAD_MAX_DEPTH	64

/* Largest coordinate any area can have: arrival points are checked by it. */
#define AREALOAD_MAX_COORD \
	((double)AREALOAD_MAX_TILES * (double)AREALOAD_MAX_TILE_SIZE)

/* Longest layer, tileset or object name quoted in a message. */
#define AREALOAD_QUOTE_MAX	48

/* Passes over the layers: tiles first, so objects can be checked. */
enum areaload_pass {
	AREALOAD_PASS_TILES,
	AREALOAD_PASS_OBJECTS
};

/* One load in progress. */
struct areaload {
	const char	 *name;
	char		**cause;
	struct area	 *area;
	uint32_t	 *solid_gids;	/* sorted; from tileset properties */
	size_t		  nsolid_gids;
	int		  any_solid;	/* some tile is solid */
	uint32_t	 *walkable;	/* summed-area table, built on demand */
	size_t		  nmobs;	/* spawner counts so far */
	double		  player_speed;	/* map property player_speed */
};

/*
 * The numeric properties of a mob spawner, with their ranges and defaults
 * (zoned-area(5)); each is stored at off in struct area_spawner. The
 * ranges are inclusive and keep every value exact in its field's type.
 */
enum areaload_field_type {
	AREALOAD_FIELD_UINT,
	AREALOAD_FIELD_INT,
	AREALOAD_FIELD_FLOAT
};

static const struct areaload_field {
	const char		*key;
	enum areaload_field_type type;
	double			 min, max, def;
	size_t			 off;
} areaload_spawner_fields[] = {
	{ "count", AREALOAD_FIELD_UINT, 1, AREALOAD_MAX_SPAWNER_COUNT, 1,
	    offsetof(struct area_spawner, count) },
	{ "respawn_ms", AREALOAD_FIELD_UINT, 0, 3600000, 10000,
	    offsetof(struct area_spawner, respawn_ms) },
	{ "hp", AREALOAD_FIELD_INT, 1, 1000000, 10,
	    offsetof(struct area_spawner, hp) },
	{ "damage", AREALOAD_FIELD_INT, 0, 100000, 2,
	    offsetof(struct area_spawner, damage) },
	{ "speed", AREALOAD_FIELD_FLOAT, 0, 2000, 60,
	    offsetof(struct area_spawner, speed) },
	{ "sight", AREALOAD_FIELD_FLOAT, 0, 4096, 160,
	    offsetof(struct area_spawner, sight) },
	{ "leash", AREALOAD_FIELD_FLOAT, 0, 16384, 400,
	    offsetof(struct area_spawner, leash) },
	{ "attack_range", AREALOAD_FIELD_FLOAT, 1, 1024, 24,
	    offsetof(struct area_spawner, attack_range) },
	{ "attack_ms", AREALOAD_FIELD_UINT, 50, 60000, 1000,
	    offsetof(struct area_spawner, attack_ms) },
	{ "xp", AREALOAD_FIELD_UINT, 0, 1000000, 5,
	    offsetof(struct area_spawner, xp) },
	{ "wander", AREALOAD_FIELD_FLOAT, 0, 16384, AREA_WANDER_DEFAULT,
	    offsetof(struct area_spawner, wander) },
	{ "rest", AREALOAD_FIELD_FLOAT, 0, 1, AREA_REST_DEFAULT,
	    offsetof(struct area_spawner, rest) }
};

/* Map property player_speed, in units per second. */
#define AREALOAD_PLAYER_SPEED_MIN	1
#define AREALOAD_PLAYER_SPEED_MAX	2000

/* loot_chance: its default is 0.5 with loot and 0 without. */
#define AREALOAD_LOOT_CHANCE_DEFAULT	0.5

static int	 areaload_fail(struct areaload *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
static void	 areaload_quote(char *, size_t, const char *);
static struct json_object *areaload_get(struct json_object *, const char *);
static const char *areaload_string(struct json_object *);
static int	 areaload_int(struct json_object *, int64_t *);
static int	 areaload_number(struct json_object *, double *);
static int	 areaload_prop(struct json_object *, const char *,
		     struct json_object **);
static int	 areaload_size(struct areaload *, struct json_object *,
		     const char *, int, int *);
static int	 areaload_mapprops(struct areaload *, struct json_object *);
static int	 areaload_edges(struct areaload *, struct json_object *);
static int	 areaload_tilesets(struct areaload *, struct json_object *);
static int	 areaload_solid_gid(struct areaload *, uint32_t);
static int	 areaload_layers(struct areaload *, struct json_object *,
		     enum areaload_pass, int, int);
static int	 areaload_tilelayer(struct areaload *, struct json_object *,
		     const char *, const char *, int);
static int	 areaload_objects(struct areaload *, struct json_object *,
		     const char *, int);
static int	 areaload_object(struct areaload *, struct json_object *,
		     const char *, const char *);
static int	 areaload_place(struct areaload *, const char *, double,
		     double);
static int	 areaload_spawn(struct areaload *, const char *, double,
		     double, double, double);
static int	 areaload_walkable_rect(struct areaload *, int, int, int,
		     int);
static int	 areaload_spawner_field(struct areaload *,
		     struct json_object *, const char *,
		     const struct areaload_field *, struct area_spawner *);
static int	 areaload_spawner(struct areaload *, struct json_object *,
		     const char *, double, double, double, double);
static int	 areaload_npc(struct areaload *, struct json_object *,
		     const char *, double, double, double, double);
static int	 areaload_exit(struct areaload *, struct json_object *,
		     const char *, double, double, double, double);
static struct area *areaload_map(struct areaload *, struct json_object *);
static int	 areaload_cmp_gid(const void *, const void *);
static int	 areaload_cmp_name(const void *, const void *);

/* Sets the cause (once) to "area NAME: message". Always returns -1. */
static int
areaload_fail(struct areaload *al, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (al->cause == NULL || *al->cause != NULL)
		return (-1);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(al->cause, "area %s: %s", al->name, msg);
	free(msg);
	return (-1);
}

/*
 * Copies a name from the file for a message: printable ASCII only, and
 * shortened, so a hostile name cannot forge log lines.
 */
static void
areaload_quote(char *buf, size_t size, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < size && i < AREALOAD_QUOTE_MAX;
	    i++) {
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"')
			buf[i] = '?';
		else
			buf[i] = s[i];
	}
	buf[i] = '\0';
}

/* A member of an object, or NULL if absent, null, or o is no object. */
static struct json_object *
areaload_get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return (NULL);
	if (!json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (v);
}

/* A string without embedded NULs, or NULL. */
static const char *
areaload_string(struct json_object *v)
{
	const char	*s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return (NULL);
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return (NULL);
	return (s);
}

/* An integer (or a double with an integral value). */
static int
areaload_int(struct json_object *v, int64_t *out)
{
	double	d;

	if (v == NULL)
		return (-1);
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return (0);
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d) || d != floor(d) || fabs(d) > 9.0e15)
			return (-1);
		*out = (int64_t)d;
		return (0);
	}
	return (-1);
}

/* A finite number, integer or not. */
static int
areaload_number(struct json_object *v, double *out)
{
	double	d;

	if (v == NULL)
		return (-1);
	if (json_object_is_type(v, json_type_int))
		d = (double)json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_double))
		d = json_object_get_double(v);
	else
		return (-1);
	if (!isfinite(d))
		return (-1);
	*out = d;
	return (0);
}

/*
 * Looks up a custom property of a map, layer, tile or object. Tiled 1.2 and
 * later write an array of {name, type, value}; older versions wrote an
 * object of name: value, which is accepted too. Sets *value to NULL if the
 * property is absent; returns -1 only if the properties are malformed.
 */
static int
areaload_prop(struct json_object *holder, const char *key,
    struct json_object **value)
{
	struct json_object	*props, *p;
	const char		*pname;
	size_t			 i, n;

	*value = NULL;
	props = areaload_get(holder, "properties");
	if (props == NULL)
		return (0);
	if (json_object_is_type(props, json_type_object)) {
		*value = areaload_get(props, key);
		return (0);
	}
	if (!json_object_is_type(props, json_type_array))
		return (-1);
	n = json_object_array_length(props);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(props, i);
		if (!json_object_is_type(p, json_type_object))
			return (-1);
		pname = areaload_string(areaload_get(p, "name"));
		if (pname == NULL)
			return (-1);
		if (strcmp(pname, key) == 0) {
			*value = areaload_get(p, "value");
			return (0);
		}
	}
	return (0);
}

/* A required map dimension (width, height, tilewidth, tileheight). */
static int
areaload_size(struct areaload *al, struct json_object *map, const char *key,
    int max, int *out)
{
	struct json_object	*v;
	int64_t			 n;

	v = areaload_get(map, key);
	if (v == NULL)
		return (areaload_fail(al, "missing %s", key));
	if (areaload_int(v, &n) != 0)
		return (areaload_fail(al, "%s is not an integer", key));
	if (n < 1 || n > max) {
		return (areaload_fail(al, "%s %" PRId64 " out of range "
		    "(1 to %d)", key, n, max));
	}
	*out = (int)n;
	return (0);
}

/*
 * The map's own properties: "name", if given, must match the file name;
 * "player_speed", if given, is a number in range (kept in al until the
 * area exists).
 */
static int
areaload_mapprops(struct areaload *al, struct json_object *map)
{
	struct json_object	*v;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	double			 d;

	if (areaload_prop(map, "name", &v) != 0)
		return (areaload_fail(al, "malformed map properties"));
	if (v != NULL) {
		if ((s = areaload_string(v)) == NULL) {
			return (areaload_fail(al, "map property name is not "
			    "a string"));
		}
		if (*s != '\0' && strcmp(s, al->name) != 0) {
			areaload_quote(q, sizeof q, s);
			return (areaload_fail(al, "map property name \"%s\" "
			    "does not match the file name", q));
		}
	}

	al->player_speed = AREA_PLAYER_SPEED_DEFAULT;
	if (areaload_prop(map, "player_speed", &v) != 0)
		return (areaload_fail(al, "malformed map properties"));
	if (v != NULL) {
		if (areaload_number(v, &d) != 0) {
			return (areaload_fail(al, "map property player_speed "
			    "is not a number"));
		}
		if (d < AREALOAD_PLAYER_SPEED_MIN ||
		    d > AREALOAD_PLAYER_SPEED_MAX) {
			return (areaload_fail(al, "map property player_speed "
			    "%g out of range (%d to %d)", d,
			    AREALOAD_PLAYER_SPEED_MIN,
			    AREALOAD_PLAYER_SPEED_MAX));
		}
		al->player_speed = d;
	}
	return (0);
}

/* Edge exits: map properties exit_north, exit_east, exit_south, exit_west. */
static int
areaload_edges(struct areaload *al, struct json_object *map)
{
	static const struct {
		const char	*key;
		enum area_edge	 edge;
	} edges[] = {
		{ "exit_north", AREA_EDGE_NORTH },
		{ "exit_east", AREA_EDGE_EAST },
		{ "exit_south", AREA_EDGE_SOUTH },
		{ "exit_west", AREA_EDGE_WEST }
	};
	struct json_object	*v;
	struct area_exit	*e;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	size_t			 i;

	for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		if (areaload_prop(map, edges[i].key, &v) != 0)
			return (areaload_fail(al, "malformed map properties"));
		if (v == NULL)
			continue;
		if ((s = areaload_string(v)) == NULL) {
			return (areaload_fail(al, "map property %s is not a "
			    "string", edges[i].key));
		}
		if (*s == '\0')
			continue;
		if (!areaload_valid_name(s)) {
			areaload_quote(q, sizeof q, s);
			return (areaload_fail(al, "map property %s: bad area "
			    "name \"%s\"", edges[i].key, q));
		}
		if (al->area->nexits >= AREALOAD_MAX_EXITS) {
			return (areaload_fail(al, "too many exits (limit %d)",
			    AREALOAD_MAX_EXITS));
		}
		e = area_add_exit(al->area);
		e->kind = AREA_EXIT_EDGE;
		e->edge = edges[i].edge;
		e->to_area = xstrdup(s);
	}
	return (0);
}

static int
areaload_cmp_gid(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Embedded tilesets: collects the gids of tiles whose custom property
 * "solid" is true. External tilesets ("source") are not read.
 */
static int
areaload_tilesets(struct areaload *al, struct json_object *map)
{
	struct json_object	*sets, *ts, *tiles, *tile, *v;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1], desc[96];
	size_t			 i, j, nsets, ntiles;
	int64_t			 first, id;

	sets = areaload_get(map, "tilesets");
	if (sets == NULL)
		return (0);
	if (!json_object_is_type(sets, json_type_array))
		return (areaload_fail(al, "tilesets is not an array"));
	nsets = json_object_array_length(sets);
	for (i = 0; i < nsets; i++) {
		ts = json_object_array_get_idx(sets, i);
		if (!json_object_is_type(ts, json_type_object)) {
			return (areaload_fail(al, "tileset #%zu is not an "
			    "object", i));
		}
		s = areaload_string(areaload_get(ts, "name"));
		areaload_quote(q, sizeof q, s != NULL ? s : "");
		snprintf(desc, sizeof desc, "tileset #%zu \"%s\"", i, q);
		if (areaload_get(ts, "source") != NULL)
			continue;
		if (areaload_int(areaload_get(ts, "firstgid"), &first) != 0 ||
		    first < 1 || first > (int64_t)AREALOAD_GID_MASK) {
			return (areaload_fail(al, "%s: missing or bad firstgid",
			    desc));
		}
		tiles = areaload_get(ts, "tiles");
		if (tiles == NULL)
			continue;
		if (!json_object_is_type(tiles, json_type_array)) {
			return (areaload_fail(al, "%s: tiles is not an array",
			    desc));
		}
		ntiles = json_object_array_length(tiles);
		for (j = 0; j < ntiles; j++) {
			tile = json_object_array_get_idx(tiles, j);
			if (areaload_int(areaload_get(tile, "id"), &id) != 0 ||
			    id < 0 || id > (int64_t)AREALOAD_GID_MASK - first) {
				return (areaload_fail(al, "%s: tile #%zu has a "
				    "missing or bad id", desc, j));
			}
			if (areaload_prop(tile, "solid", &v) != 0) {
				return (areaload_fail(al, "%s: tile %" PRId64
				    ": malformed properties", desc, id));
			}
			if (v == NULL)
				continue;
			if (!json_object_is_type(v, json_type_boolean)) {
				return (areaload_fail(al, "%s: tile %" PRId64
				    ": property solid is not a bool", desc,
				    id));
			}
			if (!json_object_get_boolean(v))
				continue;
			al->solid_gids = xreallocarray(al->solid_gids,
			    al->nsolid_gids + 1, sizeof *al->solid_gids);
			al->solid_gids[al->nsolid_gids++] =
			    (uint32_t)(first + id);
		}
	}
	if (al->nsolid_gids != 0) {
		qsort(al->solid_gids, al->nsolid_gids,
		    sizeof *al->solid_gids, areaload_cmp_gid);
	}
	return (0);
}

static int
areaload_solid_gid(struct areaload *al, uint32_t gid)
{
	if (al->nsolid_gids == 0)
		return (0);
	return (bsearch(&gid, al->solid_gids, al->nsolid_gids,
	    sizeof *al->solid_gids, areaload_cmp_gid) != NULL);
}

/*
 * Walks the layer list (recursing into groups) and handles the tile layers
 * or the object layers, depending on the pass. Offsets of enclosing groups
 * are inherited: offset is non-zero if any enclosing group is shifted.
 */
static int
areaload_layers(struct areaload *al, struct json_object *layers,
    enum areaload_pass pass, int depth, int offset)
{
	struct json_object	*layer, *v;
	const char		*type, *lname;
	char			 q[AREALOAD_QUOTE_MAX + 1], desc[128];
	size_t			 i, n;
	int64_t			 id;
	double			 off;
	int			 shifted;

	if (depth > AREALOAD_MAX_DEPTH)
		return (areaload_fail(al, "layer groups nested too deeply"));
	if (!json_object_is_type(layers, json_type_array))
		return (areaload_fail(al, "layers is not an array"));
	n = json_object_array_length(layers);
	for (i = 0; i < n; i++) {
		layer = json_object_array_get_idx(layers, i);
		if (!json_object_is_type(layer, json_type_object))
			return (areaload_fail(al, "layer #%zu is not an object",
			    i));
		lname = areaload_string(areaload_get(layer, "name"));
		if (lname == NULL)
			lname = "";
		areaload_quote(q, sizeof q, lname);
		if (areaload_int(areaload_get(layer, "id"), &id) == 0)
			snprintf(desc, sizeof desc, "layer %" PRId64 " \"%s\"",
			    id, q);
		else
			snprintf(desc, sizeof desc, "layer #%zu \"%s\"", i, q);

		shifted = offset;
		if ((v = areaload_get(layer, "offsetx")) != NULL) {
			if (areaload_number(v, &off) != 0)
				return (areaload_fail(al, "%s: bad offsetx",
				    desc));
			if (off != 0)
				shifted = 1;
		}
		if ((v = areaload_get(layer, "offsety")) != NULL) {
			if (areaload_number(v, &off) != 0)
				return (areaload_fail(al, "%s: bad offsety",
				    desc));
			if (off != 0)
				shifted = 1;
		}

		type = areaload_string(areaload_get(layer, "type"));
		if (type == NULL)
			return (areaload_fail(al, "%s: missing type", desc));
		if (strcmp(type, "group") == 0) {
			v = areaload_get(layer, "layers");
			if (v == NULL)
				continue;
			if (areaload_layers(al, v, pass, depth + 1,
			    shifted) != 0)
				return (-1);
		} else if (strcmp(type, "tilelayer") == 0) {
			if (pass == AREALOAD_PASS_TILES &&
			    areaload_tilelayer(al, layer, desc, lname,
			    shifted) != 0)
				return (-1);
		} else if (strcmp(type, "objectgroup") == 0) {
			if (pass == AREALOAD_PASS_OBJECTS &&
			    areaload_objects(al, layer, desc, shifted) != 0)
				return (-1);
		}
		/* Image layers and unknown types are ignored. */
	}
	return (0);
}

/*
 * A tile layer: every layer is checked; a tile is solid if the layer is
 * named "collision" and the gid is not zero, or if the gid belongs to a
 * tileset tile whose property solid is true.
 */
static int
areaload_tilelayer(struct areaload *al, struct json_object *layer,
    const char *desc, const char *lname, int shifted)
{
	struct area		*a = al->area;
	struct json_object	*data, *v;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	size_t			 i, n, want;
	int64_t			 w, h, gid;
	int			 collision;

	if (areaload_get(layer, "chunks") != NULL) {
		return (areaload_fail(al, "%s: chunked tile data (infinite "
		    "maps) is not supported", desc));
	}
	if ((v = areaload_get(layer, "encoding")) != NULL) {
		if ((s = areaload_string(v)) == NULL)
			return (areaload_fail(al, "%s: bad encoding", desc));
		if (strcmp(s, "csv") != 0) {
			areaload_quote(q, sizeof q, s);
			return (areaload_fail(al, "%s: encoding \"%s\" is not "
			    "supported; save tile layer data as CSV", desc,
			    q));
		}
	}
	if ((v = areaload_get(layer, "compression")) != NULL) {
		if ((s = areaload_string(v)) == NULL)
			return (areaload_fail(al, "%s: bad compression", desc));
		if (*s != '\0') {
			areaload_quote(q, sizeof q, s);
			return (areaload_fail(al, "%s: compression \"%s\" is "
			    "not supported; save tile layer data as "
			    "uncompressed CSV", desc, q));
		}
	}
	if (((v = areaload_get(layer, "width")) != NULL &&
	    (areaload_int(v, &w) != 0 || w != a->cols)) ||
	    ((v = areaload_get(layer, "height")) != NULL &&
	    (areaload_int(v, &h) != 0 || h != a->rows))) {
		return (areaload_fail(al, "%s: size differs from the map's "
		    "%dx%d", desc, a->cols, a->rows));
	}
	if (shifted)
		return (areaload_fail(al, "%s: layer offsets are not "
		    "supported", desc));

	data = areaload_get(layer, "data");
	if (data == NULL)
		return (areaload_fail(al, "%s: missing data", desc));
	if (json_object_is_type(data, json_type_string)) {
		return (areaload_fail(al, "%s: data is a string (base64?); "
		    "save tile layer data as CSV", desc));
	}
	if (!json_object_is_type(data, json_type_array))
		return (areaload_fail(al, "%s: data is not an array", desc));
	n = json_object_array_length(data);
	want = (size_t)a->cols * (size_t)a->rows;
	if (n != want) {
		return (areaload_fail(al, "%s: data has %zu entries, expected "
		    "%zu (%dx%d)", desc, n, want, a->cols, a->rows));
	}

	collision = (strcmp(lname, "collision") == 0);
	for (i = 0; i < n; i++) {
		if (areaload_int(json_object_array_get_idx(data, i), &gid) != 0
		    || gid < 0 || gid > (int64_t)UINT32_MAX) {
			return (areaload_fail(al, "%s: data entry %zu is not a "
			    "tile id", desc, i));
		}
		gid &= AREALOAD_GID_MASK;
		if (gid == 0)
			continue;
		if (collision || areaload_solid_gid(al, (uint32_t)gid)) {
			a->solid[i] = 1;
			al->any_solid = 1;
		}
	}
	return (0);
}

/*
 * An object layer: spawn, exit, mob_spawner and npc objects; other objects
 * are ignored.
 */
static int
areaload_objects(struct areaload *al, struct json_object *layer,
    const char *desc, int shifted)
{
	struct json_object	*objects, *o;
	const char		*kind;
	char			 odesc[64];
	size_t			 i, n;
	int64_t			 id;

	objects = areaload_get(layer, "objects");
	if (objects == NULL)
		return (0);
	if (!json_object_is_type(objects, json_type_array))
		return (areaload_fail(al, "%s: objects is not an array", desc));
	n = json_object_array_length(objects);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(objects, i);
		if (!json_object_is_type(o, json_type_object)) {
			return (areaload_fail(al, "%s: object #%zu is not an "
			    "object", desc, i));
		}
		/* Tiled 1.9 writes "class"; earlier and later write "type". */
		kind = areaload_string(areaload_get(o, "class"));
		if (kind == NULL || *kind == '\0')
			kind = areaload_string(areaload_get(o, "type"));
		if (kind == NULL)
			continue;
		if (strcmp(kind, "spawn") != 0 && strcmp(kind, "exit") != 0 &&
		    strcmp(kind, "mob_spawner") != 0 &&
		    strcmp(kind, "npc") != 0)
			continue;
		if (areaload_int(areaload_get(o, "id"), &id) == 0) {
			snprintf(odesc, sizeof odesc, "object %" PRId64 " (%s)",
			    id, kind);
		} else {
			snprintf(odesc, sizeof odesc, "object #%zu (%s)", i,
			    kind);
		}
		if (shifted) {
			return (areaload_fail(al, "%s: %s: layer offsets are "
			    "not supported", desc, odesc));
		}
		if (areaload_object(al, o, kind, odesc) != 0)
			return (-1);
	}
	return (0);
}

/* The geometry common to all objects used, then the kind's own checks. */
static int
areaload_object(struct areaload *al, struct json_object *o,
    const char *kind, const char *odesc)
{
	static const char	*shapes[] = { "polygon", "polyline", "text",
				    "gid" };
	struct json_object	*v;
	double			 x, y, w = 0, h = 0, rot = 0;
	size_t			 i;
	int			 point = 0;

	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		if (areaload_get(o, shapes[i]) != NULL) {
			return (areaload_fail(al, "%s: %s objects are not "
			    "supported", odesc, shapes[i]));
		}
	}
	if (areaload_number(areaload_get(o, "x"), &x) != 0 ||
	    areaload_number(areaload_get(o, "y"), &y) != 0)
		return (areaload_fail(al, "%s: missing or bad x/y", odesc));
	if (((v = areaload_get(o, "width")) != NULL &&
	    areaload_number(v, &w) != 0) ||
	    ((v = areaload_get(o, "height")) != NULL &&
	    areaload_number(v, &h) != 0) || w < 0 || h < 0)
		return (areaload_fail(al, "%s: bad width/height", odesc));
	if ((v = areaload_get(o, "point")) != NULL &&
	    json_object_is_type(v, json_type_boolean))
		point = json_object_get_boolean(v);
	if (point)
		w = h = 0;
	if ((v = areaload_get(o, "rotation")) != NULL &&
	    areaload_number(v, &rot) != 0)
		return (areaload_fail(al, "%s: bad rotation", odesc));
	if (rot != 0 && (w != 0 || h != 0)) {
		return (areaload_fail(al, "%s: rotated objects are not "
		    "supported", odesc));
	}

	if (strcmp(kind, "spawn") == 0)
		return (areaload_spawn(al, odesc, x, y, w, h));
	if (strcmp(kind, "mob_spawner") == 0)
		return (areaload_spawner(al, o, odesc, x, y, w, h));
	if (strcmp(kind, "npc") == 0)
		return (areaload_npc(al, o, odesc, x, y, w, h));
	return (areaload_exit(al, o, odesc, x, y, w, h));
}

/* A position for a spawn point, point spawner or NPC: walkable, in the map. */
static int
areaload_place(struct areaload *al, const char *odesc, double cx, double cy)
{
	struct area	*a = al->area;

	if (cx < 0 || cy < 0 || cx >= area_width(a) || cy >= area_height(a)) {
		return (areaload_fail(al, "%s: (%g,%g) is outside the map "
		    "(%gx%g)", odesc, cx, cy, (double)area_width(a),
		    (double)area_height(a)));
	}
	if (area_solid_at(a, (float)cx, (float)cy)) {
		return (areaload_fail(al, "%s: (%g,%g) is inside a solid tile "
		    "(column %d, row %d)", odesc, cx, cy,
		    (int)(cx / a->tile_w), (int)(cy / a->tile_h)));
	}
	return (0);
}

/* A spawn point: a point, or the centre of a rectangle or ellipse. */
static int
areaload_spawn(struct areaload *al, const char *odesc, double x, double y,
    double w, double h)
{
	struct area	*a = al->area;
	double		 cx = x + w / 2, cy = y + h / 2;

	if (areaload_place(al, odesc, cx, cy) != 0)
		return (-1);
	if (a->nspawns >= AREALOAD_MAX_SPAWNS) {
		return (areaload_fail(al, "too many spawn points (limit %d)",
		    AREALOAD_MAX_SPAWNS));
	}
	area_add_spawn(a, (float)cx, (float)cy);
	return (0);
}

/*
 * 1 if any tile in columns c0..c1 and rows r0..r1 (inclusive, inside the
 * map) is walkable. The first call builds a summed-area table of walkable
 * tiles, so that each spawner costs O(1) however large the map: 4 bytes a
 * tile, little beside the JSON document the tiles came from.
 */
static int
areaload_walkable_rect(struct areaload *al, int c0, int r0, int c1, int r1)
{
	struct area	*a = al->area;
	uint32_t	*t;
	size_t		 stride = (size_t)a->cols + 1, r, c;
	uint32_t	 sum;

	if (!al->any_solid)
		return (1);
	if (al->walkable == NULL) {
		t = xcalloc(stride * ((size_t)a->rows + 1), sizeof *t);
		for (r = 0; r < (size_t)a->rows; r++) {
			sum = 0;
			for (c = 0; c < (size_t)a->cols; c++) {
				sum += !a->solid[r * (size_t)a->cols + c];
				t[(r + 1) * stride + c + 1] =
				    t[r * stride + c + 1] + sum;
			}
		}
		al->walkable = t;
	}
	t = al->walkable;
	sum = t[(size_t)(r1 + 1) * stride + (size_t)(c1 + 1)] -
	    t[(size_t)r0 * stride + (size_t)(c1 + 1)] -
	    t[(size_t)(r1 + 1) * stride + (size_t)c0] +
	    t[(size_t)r0 * stride + (size_t)c0];
	return (sum != 0);
}

/* One numeric property of a spawner: the default, or a value in range. */
static int
areaload_spawner_field(struct areaload *al, struct json_object *o,
    const char *odesc, const struct areaload_field *f,
    struct area_spawner *sp)
{
	struct json_object	*v;
	void			*p = (char *)sp + f->off;
	double			 d = f->def;
	int64_t			 n;

	if (areaload_prop(o, f->key, &v) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	if (v != NULL && f->type == AREALOAD_FIELD_FLOAT) {
		if (areaload_number(v, &d) != 0) {
			return (areaload_fail(al, "%s: %s is not a number",
			    odesc, f->key));
		}
		if (d < f->min || d > f->max) {
			return (areaload_fail(al, "%s: %s %g out of range "
			    "(%.10g to %.10g)", odesc, f->key, d, f->min,
			    f->max));
		}
	} else if (v != NULL) {
		if (areaload_int(v, &n) != 0) {
			return (areaload_fail(al, "%s: %s is not an integer",
			    odesc, f->key));
		}
		if ((double)n < f->min || (double)n > f->max) {
			return (areaload_fail(al, "%s: %s %" PRId64 " out of "
			    "range (%.10g to %.10g)", odesc, f->key, n, f->min,
			    f->max));
		}
		d = (double)n;
	}
	switch (f->type) {
	case AREALOAD_FIELD_UINT:
		*(unsigned *)p = (unsigned)d;
		break;
	case AREALOAD_FIELD_INT:
		*(int *)p = (int)d;
		break;
	case AREALOAD_FIELD_FLOAT:
		*(float *)p = (float)d;
		break;
	}
	return (0);
}

/*
 * A mob spawner: a point on a walkable tile, or a rectangle inside the map
 * covering part of at least one walkable tile; property kind and the
 * numbers of areaload_spawner_fields, loot and loot_chance.
 */
static int
areaload_spawner(struct areaload *al, struct json_object *o,
    const char *odesc, double x, double y, double w, double h)
{
	struct area		*a = al->area;
	struct area_spawner	 sp, *dst;
	struct json_object	*v;
	const char		*kind, *loot = NULL;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	double			 chance;
	size_t			 i;
	int			 c0, r0, c1, r1;

	if ((v = areaload_get(o, "ellipse")) != NULL &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v)) {
		return (areaload_fail(al, "%s: a spawner must be a point or a "
		    "rectangle, not an ellipse", odesc));
	}
	if ((w == 0) != (h == 0)) {
		return (areaload_fail(al, "%s: a spawner must be a point or a "
		    "rectangle with a width and height", odesc));
	}
	if (w == 0) {
		if (areaload_place(al, odesc, x, y) != 0)
			return (-1);
	} else {
		if (x < 0 || y < 0 || x + w > area_width(a) ||
		    y + h > area_height(a)) {
			return (areaload_fail(al, "%s: rectangle (%g,%g %gx%g) "
			    "is not inside the map (%gx%g)", odesc, x, y, w, h,
			    (double)area_width(a), (double)area_height(a)));
		}
		/* The tiles the rectangle overlaps, by more than an edge. */
		c0 = (int)floor(x / a->tile_w);
		r0 = (int)floor(y / a->tile_h);
		c1 = (int)ceil((x + w) / a->tile_w) - 1;
		r1 = (int)ceil((y + h) / a->tile_h) - 1;
		if (c1 < c0)
			c1 = c0;
		if (r1 < r0)
			r1 = r0;
		if (c1 >= a->cols)
			c1 = a->cols - 1;
		if (r1 >= a->rows)
			r1 = a->rows - 1;
		if (!areaload_walkable_rect(al, c0, r0, c1, r1)) {
			return (areaload_fail(al, "%s: rectangle (%g,%g %gx%g) "
			    "has no walkable tile", odesc, x, y, w, h));
		}
	}

	if (areaload_prop(o, "kind", &v) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	if (v == NULL)
		return (areaload_fail(al, "%s: no kind property", odesc));
	if ((kind = areaload_string(v)) == NULL)
		return (areaload_fail(al, "%s: kind is not a string", odesc));
	if (*kind == '\0')
		return (areaload_fail(al, "%s: no kind property", odesc));
	if (!areaload_valid_name(kind)) {
		areaload_quote(q, sizeof q, kind);
		return (areaload_fail(al, "%s: kind: bad name \"%s\"", odesc,
		    q));
	}

	memset(&sp, 0, sizeof sp);
	for (i = 0; i < sizeof areaload_spawner_fields /
	    sizeof areaload_spawner_fields[0]; i++) {
		if (areaload_spawner_field(al, o, odesc,
		    &areaload_spawner_fields[i], &sp) != 0)
			return (-1);
	}

	if (areaload_prop(o, "loot", &v) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	if (v != NULL) {
		if ((loot = areaload_string(v)) == NULL) {
			return (areaload_fail(al, "%s: loot is not a string",
			    odesc));
		}
		if (*loot == '\0')
			loot = NULL;
		else if (!areaload_valid_name(loot)) {
			areaload_quote(q, sizeof q, loot);
			return (areaload_fail(al, "%s: loot: bad item id "
			    "\"%s\"", odesc, q));
		}
	}
	chance = loot != NULL ? AREALOAD_LOOT_CHANCE_DEFAULT : 0;
	if (areaload_prop(o, "loot_chance", &v) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	if (v != NULL) {
		if (areaload_number(v, &chance) != 0) {
			return (areaload_fail(al, "%s: loot_chance is not a "
			    "number", odesc));
		}
		if (chance < 0 || chance > 1) {
			return (areaload_fail(al, "%s: loot_chance %g out of "
			    "range (0 to 1)", odesc, chance));
		}
		if (chance > 0 && loot == NULL) {
			return (areaload_fail(al, "%s: loot_chance %g without "
			    "loot", odesc, chance));
		}
	}

	if (al->nmobs + sp.count > AREALOAD_MAX_MOBS) {
		return (areaload_fail(al, "%s: count %u makes %zu mobs in the "
		    "map (limit %d)", odesc, sp.count, al->nmobs + sp.count,
		    AREALOAD_MAX_MOBS));
	}
	al->nmobs += sp.count;

	dst = area_add_spawner(a);
	*dst = sp;
	dst->kind = xstrdup(kind);
	dst->loot = loot != NULL ? xstrdup(loot) : NULL;
	dst->loot_chance = (float)chance;
	dst->x = (float)x;
	dst->y = (float)y;
	dst->w = (float)w;
	dst->h = (float)h;
	return (0);
}

/*
 * An NPC: a point, or the centre of a rectangle or ellipse, on a walkable
 * tile. The object's name is its id, unique in the map; the property
 * display_name is what players see (the id if absent or empty).
 */
static int
areaload_npc(struct areaload *al, struct json_object *o, const char *odesc,
    double x, double y, double w, double h)
{
	struct area		*a = al->area;
	struct area_npc		*n;
	struct json_object	*v;
	const char		*id, *shown;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	double			 cx = x + w / 2, cy = y + h / 2;
	size_t			 i, len;

	id = areaload_string(areaload_get(o, "name"));
	if (id == NULL || *id == '\0') {
		return (areaload_fail(al, "%s: no name (the NPC's id)",
		    odesc));
	}
	if (!areaload_valid_name(id)) {
		areaload_quote(q, sizeof q, id);
		return (areaload_fail(al, "%s: name: bad NPC id \"%s\"", odesc,
		    q));
	}
	if (areaload_place(al, odesc, cx, cy) != 0)
		return (-1);

	if (areaload_prop(o, "display_name", &v) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	shown = id;
	if (v != NULL) {
		if ((shown = areaload_string(v)) == NULL) {
			return (areaload_fail(al, "%s: display_name is not a "
			    "string", odesc));
		}
		len = strlen(shown);
		if (len > AREALOAD_DISPLAY_NAME_MAX) {
			return (areaload_fail(al, "%s: display_name is longer "
			    "than %d bytes", odesc,
			    AREALOAD_DISPLAY_NAME_MAX));
		}
		for (i = 0; i < len; i++) {
			if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
				break;
		}
		if (i != len || !utf8_valid(shown, len)) {
			return (areaload_fail(al, "%s: display_name is not "
			    "printable UTF-8", odesc));
		}
		if (len == 0)
			shown = id;
	}

	for (i = 0; i < a->nnpcs; i++) {
		if (strcmp(a->npcs[i].id, id) == 0) {
			return (areaload_fail(al, "%s: duplicate NPC id "
			    "\"%s\"", odesc, id));
		}
	}
	if (a->nnpcs >= AREALOAD_MAX_NPCS) {
		return (areaload_fail(al, "too many NPCs (limit %d)",
		    AREALOAD_MAX_NPCS));
	}
	n = area_add_npc(a);
	n->id = xstrdup(id);
	n->name = xstrdup(shown);
	n->x = (float)cx;
	n->y = (float)cy;
	return (0);
}

/*
 * A door: a rectangle inside the map, with property to_area and, together,
 * optional to_x and to_y for the arrival point in the other area.
 */
static int
areaload_exit(struct areaload *al, struct json_object *o, const char *odesc,
    double x, double y, double w, double h)
{
	struct area		*a = al->area;
	struct area_exit	*e;
	struct json_object	*to, *tx, *ty;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	double			 ax = 0, ay = 0;

	if (w <= 0 || h <= 0) {
		return (areaload_fail(al, "%s: a door must be a rectangle "
		    "with a width and height", odesc));
	}
	if ((to = areaload_get(o, "ellipse")) != NULL &&
	    json_object_is_type(to, json_type_boolean) &&
	    json_object_get_boolean(to)) {
		return (areaload_fail(al, "%s: a door must be a rectangle, "
		    "not an ellipse", odesc));
	}
	if (x < 0 || y < 0 || x + w > area_width(a) ||
	    y + h > area_height(a)) {
		return (areaload_fail(al, "%s: rectangle (%g,%g %gx%g) is not "
		    "inside the map (%gx%g)", odesc, x, y, w, h,
		    (double)area_width(a), (double)area_height(a)));
	}
	if (areaload_prop(o, "to_area", &to) != 0 ||
	    areaload_prop(o, "to_x", &tx) != 0 ||
	    areaload_prop(o, "to_y", &ty) != 0)
		return (areaload_fail(al, "%s: malformed properties", odesc));
	if (to == NULL)
		return (areaload_fail(al, "%s: no to_area property", odesc));
	if ((s = areaload_string(to)) == NULL)
		return (areaload_fail(al, "%s: to_area is not a string",
		    odesc));
	if (*s == '\0')
		return (areaload_fail(al, "%s: no to_area property", odesc));
	if (!areaload_valid_name(s)) {
		areaload_quote(q, sizeof q, s);
		return (areaload_fail(al, "%s: to_area: bad area name \"%s\"",
		    odesc, q));
	}
	if ((tx == NULL) != (ty == NULL)) {
		return (areaload_fail(al, "%s: to_x and to_y must be given "
		    "together", odesc));
	}
	if (tx != NULL) {
		if (areaload_number(tx, &ax) != 0 ||
		    areaload_number(ty, &ay) != 0)
			return (areaload_fail(al, "%s: to_x/to_y is not a "
			    "number", odesc));
		if (ax < 0 || ay < 0 || ax >= AREALOAD_MAX_COORD ||
		    ay >= AREALOAD_MAX_COORD)
			return (areaload_fail(al, "%s: to_x/to_y (%g,%g) "
			    "out of range", odesc, ax, ay));
	}
	if (a->nexits >= AREALOAD_MAX_EXITS) {
		return (areaload_fail(al, "too many exits (limit %d)",
		    AREALOAD_MAX_EXITS));
	}
	e = area_add_exit(a);
	e->kind = AREA_EXIT_DOOR;
	e->edge = AREA_EDGE_NONE;
	e->x = (float)x;
	e->y = (float)y;
	e->w = (float)w;
	e->h = (float)h;
	e->to_area = xstrdup(s);
	if (tx != NULL) {
		e->has_arrival = 1;
		e->to_x = (float)ax;
		e->to_y = (float)ay;
	}
	return (0);
}

/* The whole map. Returns a new area or NULL with the cause set. */
static struct area *
areaload_map(struct areaload *al, struct json_object *map)
{
	struct json_object	*v, *layers;
	const char		*s;
	char			 q[AREALOAD_QUOTE_MAX + 1];
	int			 cols, rows, tw, th;

	if ((v = areaload_get(map, "type")) != NULL &&
	    ((s = areaload_string(v)) == NULL || strcmp(s, "map") != 0)) {
		areaload_quote(q, sizeof q, s != NULL ? s : "?");
		areaload_fail(al, "not a Tiled map (type \"%s\")", q);
		return (NULL);
	}
	if ((v = areaload_get(map, "orientation")) != NULL &&
	    ((s = areaload_string(v)) == NULL ||
	    strcmp(s, "orthogonal") != 0)) {
		areaload_quote(q, sizeof q, s != NULL ? s : "?");
		areaload_fail(al, "orientation \"%s\" is not supported; only "
		    "orthogonal maps are", q);
		return (NULL);
	}
	if ((v = areaload_get(map, "infinite")) != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			areaload_fail(al, "infinite is not a bool");
			return (NULL);
		}
		if (json_object_get_boolean(v)) {
			areaload_fail(al, "infinite maps are not supported");
			return (NULL);
		}
	}
	if (areaload_size(al, map, "width", AREALOAD_MAX_TILES, &cols) != 0 ||
	    areaload_size(al, map, "height", AREALOAD_MAX_TILES, &rows) != 0 ||
	    areaload_size(al, map, "tilewidth", AREALOAD_MAX_TILE_SIZE,
	    &tw) != 0 ||
	    areaload_size(al, map, "tileheight", AREALOAD_MAX_TILE_SIZE,
	    &th) != 0)
		return (NULL);
	if ((layers = areaload_get(map, "layers")) == NULL) {
		areaload_fail(al, "missing layers");
		return (NULL);
	}
	if (areaload_mapprops(al, map) != 0 ||
	    areaload_tilesets(al, map) != 0)
		return (NULL);

	al->area = area_new(al->name, cols, rows, tw, th);
	al->area->player_speed = (float)al->player_speed;
	if (areaload_layers(al, layers, AREALOAD_PASS_TILES, 0, 0) != 0 ||
	    areaload_layers(al, layers, AREALOAD_PASS_OBJECTS, 0, 0) != 0 ||
	    areaload_edges(al, map) != 0)
		goto fail;
	if (al->area->nspawns == 0) {
		areaload_fail(al, "no spawn point (an object of type "
		    "\"spawn\")");
		goto fail;
	}
	return (al->area);

fail:
	area_free(al->area);
	al->area = NULL;
	return (NULL);
}

/*
 * Parses a map from memory; name is the area's name (the file name without
 * .tmj). Returns a new area (caller frees with area_free), or NULL with
 * *cause set (caller frees).
 */
struct area *
areaload_buffer(const char *name, const char *json, size_t len, char **cause)
{
	struct areaload		 al;
	struct json_tokener	*tok;
	struct json_object	*root;
	enum json_tokener_error	 jerr;
	struct area		*a;
	char			 q[AREALOAD_QUOTE_MAX + 1];

	memset(&al, 0, sizeof al);
	al.name = name;
	al.cause = cause;
	if (cause != NULL)
		*cause = NULL;
	if (!areaload_valid_name(name)) {
		if (cause != NULL) {
			areaload_quote(q, sizeof q, name);
			xasprintf(cause, "bad area name \"%s\"", q);
		}
		return (NULL);
	}
	if (len > AREALOAD_MAX_FILE) {
		areaload_fail(&al, "map is too large (%zu bytes, limit %d)",
		    len, AREALOAD_MAX_FILE);
		return (NULL);
	}

	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue || jerr ==
		    json_tokener_success)
			areaload_fail(&al, "not JSON: unexpected end of input");
		else
			areaload_fail(&al, "not JSON: %s at offset %zu",
			    json_tokener_error_desc(jerr),
			    json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		return (NULL);
	}
	json_tokener_free(tok);

	if (!json_object_is_type(root, json_type_object)) {
		areaload_fail(&al, "not a Tiled map (not a JSON object)");
		json_object_put(root);
		return (NULL);
	}
	a = areaload_map(&al, root);
	json_object_put(root);
	free(al.solid_gids);
	free(al.walkable);
	return (a);
}

/*
 * Loads {dir}/{name}.tmj. Returns a new area (caller frees with area_free),
 * or NULL with *cause set (caller frees).
 */
struct area *
areaload_file(const char *dir, const char *name, char **cause)
{
	struct area	*a;
	struct stat	 sb;
	char		*path, *buf, q[AREALOAD_QUOTE_MAX + 1];
	size_t		 size, have = 0;
	ssize_t		 r;
	int		 fd, saved;

	if (cause != NULL)
		*cause = NULL;
	if (!areaload_valid_name(name)) {
		if (cause != NULL) {
			areaload_quote(q, sizeof q, name);
			xasprintf(cause, "bad area name \"%s\"", q);
		}
		return (NULL);
	}
	xasprintf(&path, "%s/%s%s", dir, name, AREALOAD_SUFFIX);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	while (fd == -1 && errno == EINTR);
	if (fd == -1) {
		if (cause != NULL)
			xasprintf(cause, "area %s: %s: %s", name, path,
			    strerror(errno));
		free(path);
		return (NULL);
	}
	if (fstat(fd, &sb) == -1) {
		saved = errno;
		close(fd);
		if (cause != NULL)
			xasprintf(cause, "area %s: %s: %s", name, path,
			    strerror(saved));
		free(path);
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > AREALOAD_MAX_FILE) {
		close(fd);
		if (cause != NULL && !S_ISREG(sb.st_mode))
			xasprintf(cause, "area %s: %s: not a regular file",
			    name, path);
		else if (cause != NULL)
			xasprintf(cause, "area %s: %s: file too large (%jd "
			    "bytes, limit %d)", name, path,
			    (intmax_t)sb.st_size, AREALOAD_MAX_FILE);
		free(path);
		return (NULL);
	}

	/* Read what fstat promised; a file that grows meanwhile is cut. */
	size = (size_t)sb.st_size;
	buf = xmalloc(size + 1);
	while (have < size) {
		r = read(fd, buf + have, size - have);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			free(buf);
			if (cause != NULL)
				xasprintf(cause, "area %s: %s: %s", name, path,
				    strerror(saved));
			free(path);
			return (NULL);
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	buf[have] = '\0';

	a = areaload_buffer(name, buf, have, cause);
	free(buf);
	if (a != NULL) {
		log_debug("area=%s loaded %s: %dx%d tiles of %dx%d, %zu "
		    "spawns, %zu exits, %zu spawners, %zu npcs", name, path,
		    a->cols, a->rows, a->tile_w, a->tile_h, a->nspawns,
		    a->nexits, a->nspawners, a->nnpcs);
	}
	free(path);
	return (a);
}

static int
areaload_cmp_name(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * Lists the areas in dir: regular files named NAME.tmj where NAME is a
 * valid area name, sorted. On success *names holds *n names (NULL if
 * none); caller frees each name and the array.
 */
int
areaload_list(const char *dir, char ***names, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		**list = NULL, *stem;
	size_t		 nlist = 0, len, slen = strlen(AREALOAD_SUFFIX), i;
	int		 saved;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		if (cause != NULL)
			xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno == 0)
				break;
			saved = errno;
			for (i = 0; i < nlist; i++)
				free(list[i]);
			free(list);
			closedir(d);
			if (cause != NULL)
				xasprintf(cause, "%s: %s", dir,
				    strerror(saved));
			return (-1);
		}
		len = strlen(de->d_name);
		if (len <= slen ||
		    strcmp(de->d_name + len - slen, AREALOAD_SUFFIX) != 0)
			continue;
		stem = xstrndup(de->d_name, len - slen);
		if (!areaload_valid_name(stem) ||
		    fstatat(dirfd(d), de->d_name, &sb, 0) == -1 ||
		    !S_ISREG(sb.st_mode)) {
			free(stem);
			continue;
		}
		list = xreallocarray(list, nlist + 1, sizeof *list);
		list[nlist++] = stem;
	}
	closedir(d);
	if (nlist != 0)
		qsort(list, nlist, sizeof *list, areaload_cmp_name);
	*names = list;
	*n = nlist;
	return (0);
}

/*
 * 1 if name is a valid area name: 1 to AREALOAD_NAME_MAX characters from
 * [A-Za-z0-9_-]. Such a name is safe to use as a file name in the area
 * directory (no '/', no "..").
 */
int
areaload_valid_name(const char *name)
{
	size_t	i;
	char	c;

	if (name == NULL)
		return (0);
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= AREALOAD_NAME_MAX)
			return (0);
		c = name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-')
			continue;
		return (0);
	}
	return (i != 0);
}
