/*
 * Scenario S of issue 7, fixed so that other servers can run it too: one
 * area of 4096 x 4096 units, 20 Hz, N players walking at random at 100
 * units/s with a new direction every ~2 s, 2N mobs wandering at the same
 * speed, view radius 400.
 *
 * The area is a Tiled map (zoned-area(5)): 128 x 128 walkable tiles of 32
 * units, player_speed 100, one spawn point in the middle, and an 8 x 8
 * grid of mob spawners of 512 x 512 units each, so that the mobs are
 * spread evenly over the map. The mobs walk at 100 units/s too, do no
 * damage and notice nobody (sight 0): players never die and mobs only
 * wander. They never rest (rest 0): each time a mob thinks, every 1 to 4
 * s, it heads for a new goal up to a cell (wander 512) from home on each
 * axis, so it roams its cell and into the neighbouring ones. The
 * characters start at random places, from the seed, spread over the whole
 * map.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"
#include "zoned-bench-common.h"

#define SCENARIO_GRID		8	/* spawners per side */
#define SCENARIO_MARGIN		64	/* start positions from the edge */

int
scenario_area_name(char *buf, size_t size, unsigned players)
{
	int	n;

	n = snprintf(buf, size, "scenario-s-%u", players);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* mkdir -p; 0 or -1 with errno. */
static int
scenario_mkdirs(const char *dir)
{
	char	*p, *s = xstrdup(dir);

	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0777) == -1 && errno != EEXIST) {
			free(s);
			return (-1);
		}
		*p = '/';
	}
	if (mkdir(s, 0777) == -1 && errno != EEXIST) {
		free(s);
		return (-1);
	}
	free(s);
	return (0);
}

/* Closes f and renames tmp to path; 0, or -1 with *cause. */
static int
scenario_commit(FILE *f, const char *tmp, const char *path, char **cause)
{
	int	bad = ferror(f);

	if (fclose(f) != 0 || bad) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return (-1);
	}
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		return (-1);
	}
	return (0);
}

static void
scenario_prop(FILE *f, const char *name, const char *type, const char *value,
    int last)
{
	fprintf(f, "{\"name\":\"%s\",\"type\":\"%s\",\"value\":%s}%s", name,
	    type, value, last ? "" : ",");
}

/*
 * Writes dir/scenario-s-N.tmj for players N. Returns 0 and the file's
 * path in *out (caller frees), or -1 with the reason in *out.
 */
int
scenario_write_area(const char *dir, unsigned players, char **out)
{
	FILE		*f;
	char		 name[64], count[16], speed[16], wander[16];
	char		*path, *tmp;
	unsigned	 mobs = players * SCENARIO_MOBS_PER_PLAYER;
	unsigned	 side = SCENARIO_SIDE / SCENARIO_TILE, cell, i, n, id;
	unsigned	 per, extra;

	if (scenario_area_name(name, sizeof name, players) != 0) {
		*out = xstrdup("area name too long");
		return (-1);
	}
	if (scenario_mkdirs(dir) == -1) {
		xasprintf(out, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	xasprintf(&path, "%s/%s.tmj", dir, name);
	xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		xasprintf(out, "%s: %s", tmp, strerror(errno));
		free(path);
		free(tmp);
		return (-1);
	}
	cell = SCENARIO_SIDE / SCENARIO_GRID;
	snprintf(wander, sizeof wander, "%u", cell);	/* a cell's side */
	per = mobs / (SCENARIO_GRID * SCENARIO_GRID);
	extra = mobs % (SCENARIO_GRID * SCENARIO_GRID);

	fprintf(f, "{\"type\":\"map\",\"version\":\"1.10\","
	    "\"tiledversion\":\"1.10.2\",\"orientation\":\"orthogonal\","
	    "\"renderorder\":\"right-down\",\"infinite\":false,"
	    "\"width\":%u,\"height\":%u,\"tilewidth\":%d,\"tileheight\":%d,"
	    "\"nextlayerid\":3,\"nextobjectid\":%d,\"properties\":[",
	    side, side, SCENARIO_TILE, SCENARIO_TILE,
	    SCENARIO_GRID * SCENARIO_GRID + 2);
	fprintf(f, "{\"name\":\"name\",\"type\":\"string\",\"value\":\"%s\"},",
	    name);
	snprintf(speed, sizeof speed, "%d", SCENARIO_SPEED);
	scenario_prop(f, "player_speed", "float", speed, 1);
	fputs("],", f);
	fprintf(f, "\"tilesets\":[{\"firstgid\":1,\"name\":\"scenario-s\","
	    "\"tilewidth\":%d,\"tileheight\":%d,\"tilecount\":1,\"columns\":1,"
	    "\"margin\":0,\"spacing\":0,\"image\":\"scenario-s.png\","
	    "\"imagewidth\":%d,\"imageheight\":%d,"
	    "\"tiles\":[{\"id\":0,\"type\":\"grass\"}]}],", SCENARIO_TILE,
	    SCENARIO_TILE, SCENARIO_TILE, SCENARIO_TILE);
	fprintf(f, "\"layers\":[{\"id\":1,\"name\":\"ground\","
	    "\"type\":\"tilelayer\",\"x\":0,\"y\":0,\"width\":%u,\"height\":%u,"
	    "\"opacity\":1,\"visible\":true,\"data\":[", side, side);
	for (i = 0; i < side * side; i++)
		fputs(i == 0 ? "1" : ",1", f);
	fprintf(f, "]},{\"id\":2,\"name\":\"objects\","
	    "\"type\":\"objectgroup\",\"x\":0,\"y\":0,\"opacity\":1,"
	    "\"visible\":true,\"draworder\":\"topdown\",\"objects\":[");
	fprintf(f, "{\"id\":1,\"name\":\"start\",\"type\":\"spawn\","
	    "\"point\":true,\"x\":%d,\"y\":%d,\"width\":0,\"height\":0,"
	    "\"rotation\":0,\"visible\":true}", SCENARIO_SIDE / 2,
	    SCENARIO_SIDE / 2);
	id = 2;
	for (i = 0; i < SCENARIO_GRID * SCENARIO_GRID; i++) {
		if ((n = per + (i < extra ? 1 : 0)) == 0)
			continue;
		fprintf(f, ",{\"id\":%u,\"name\":\"wanderers %u\","
		    "\"type\":\"mob_spawner\",\"x\":%u,\"y\":%u,\"width\":%u,"
		    "\"height\":%u,\"rotation\":0,\"visible\":true,"
		    "\"properties\":[", id++, i, (i % SCENARIO_GRID) * cell,
		    (i / SCENARIO_GRID) * cell, cell, cell);
		snprintf(count, sizeof count, "%u", n);
		scenario_prop(f, "kind", "string", "\"wanderer\"", 0);
		scenario_prop(f, "count", "int", count, 0);
		scenario_prop(f, "hp", "int", "10", 0);
		scenario_prop(f, "damage", "int", "0", 0);
		scenario_prop(f, "speed", "float", speed, 0);
		scenario_prop(f, "sight", "float", "0", 0);
		scenario_prop(f, "wander", "float", wander, 0);
		scenario_prop(f, "rest", "float", "0", 0);
		scenario_prop(f, "xp", "int", "0", 0);
		scenario_prop(f, "respawn_ms", "int", "1000", 1);
		fputs("]}", f);
	}
	fputs("]}]}\n", f);
	if (scenario_commit(f, tmp, path, out) != 0) {
		free(path);
		free(tmp);
		return (-1);
	}
	free(tmp);
	*out = path;
	return (0);
}

/*
 * Writes the characters PREFIX0 .. PREFIX(N-1) of area as
 * dir/characters/ID.json for zoned's file:// Character Data API, at
 * random places from seed. Returns 0, or -1 with *cause (caller frees).
 */
int
scenario_write_characters(const char *dir, const char *prefix,
    const char *area, unsigned players, uint64_t seed, char **cause)
{
	FILE		*f;
	char		*cdir, *path, *tmp;
	double		 x, y, span = SCENARIO_SIDE - 2 * SCENARIO_MARGIN;
	uint64_t	 r = seed ^ 0x5ce7a210c0ffee11ULL, z;
	unsigned	 i, k;
	double		 u[2];

	xasprintf(&cdir, "%s/characters", dir);
	if (scenario_mkdirs(cdir) == -1) {
		xasprintf(cause, "%s: %s", cdir, strerror(errno));
		free(cdir);
		return (-1);
	}
	for (i = 0; i < players; i++) {
		for (k = 0; k < 2; k++) {
			/* splitmix64, as the walkers use */
			z = (r += 0x9e3779b97f4a7c15ULL);
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
			u[k] = (double)(z >> 11) * 0x1.0p-53;
		}
		x = SCENARIO_MARGIN + u[0] * span;
		y = SCENARIO_MARGIN + u[1] * span;
		xasprintf(&path, "%s/%s%u.json", cdir, prefix, i);
		xasprintf(&tmp, "%s.tmp", path);
		if ((f = fopen(tmp, "w")) == NULL) {
			xasprintf(cause, "%s: %s", tmp, strerror(errno));
			free(path);
			free(tmp);
			free(cdir);
			return (-1);
		}
		fprintf(f, "{\"id\":\"%s%u\",\"name\":\"%s%u\",\"area\":\"%s\","
		    "\"x\":%.1f,\"y\":%.1f,\"hp\":20,\"max_hp\":20,\"level\":1,"
		    "\"xp\":0,\"inventory\":[],\"quests_in_progress\":[],"
		    "\"version\":1}\n", prefix, i, prefix, i, area, x, y);
		if (scenario_commit(f, tmp, path, cause) != 0) {
			free(path);
			free(tmp);
			free(cdir);
			return (-1);
		}
		free(path);
		free(tmp);
	}
	free(cdir);
	return (0);
}
