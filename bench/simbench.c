/*
 * simbench: how fast one world steps; prints figures, tests nothing. A
 * 4096 x 4096-unit area (128 x 128 tiles of 32, walls with gaps), --mobs
 * mobs, --players players walking at WORLD_PLAYER_SPEED, turning every 2 s
 * or so and sometimes attacking, --ticks steps at 20 Hz. All but the timing
 * is seeded: the counts and world_hash match on every machine.
 *
 * --sync also runs what a zoned tick does after the step for every
 * player as a client (src/sync.c, without the sockets): the frame of the
 * tick and the interest grid's layout (aoi.c, --radius, default 400),
 * then for each player its look (aoi_look_one) and its binary delta
 * (delta.c's shared tick: each entity's update made once, then per
 * client a merge of ids), and prints their cost, the tick's whole work,
 * the bytes a client gets and how many entities needed a new motion.
 * "looks and encoding" includes making the shared records.
 *
 * --scenario S steps scenario S instead (README, "Load generator"): the
 * very area zoned-bench --write-area writes (zoned-bench-scenario.c),
 * loaded as zoned loads it, and the players walking as zoned-bench's
 * clients do (a new direction every 2 s +-25%, turning back 48 units from
 * the edge, an input every 100 ms). With --sync, "work a tick" (step,
 * interest and encoding) is issue 7's "work" without the sockets, free
 * of their noise.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aoi.h"
#include "areaload.h"
#include "delta.h"
#include "sim/area.h"
#include "sim/world.h"
#include "xmalloc.h"
#include "zoned-bench-common.h"

#define HZ	20
#define TILE	32
#define SIDE	128		/* tiles */
#define SPAWNERS 8		/* per side: 64 spawners */

#define USAGE	"usage: simbench [--mobs N] [--players M] [--ticks T] " \
	"[--seed S] [--scenario S] [--sync [--radius R] [--lists]]\n"

#define WALK_EDGE	48.0f	/* scenario S: turn back this near the edge */

/* The sync half of a tick, and its figures. */
struct syncbench {
	struct aoi		*aoi;
	struct delta_tick	 dt;
	struct delta_enc	*enc;
	struct delta_known	**clients;
	struct delta_buf	 buf;
	uint64_t		*view;		/* by slot, kept 0 */
	size_t			 viewcap;
	int			 lists;		/* --lists: the long way */
	uint64_t		*aoi_ns, *enc_ns, *work_ns, bytes, seen;
};

static uint64_t
elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((uint64_t)(b->tv_sec - a->tv_sec) * 1000000000u +
	    (uint64_t)b->tv_nsec - (uint64_t)a->tv_nsec);
}

static void
sync_tick(struct syncbench *sb, struct world *w, long t)
{
	struct delta_frame	*fr = delta_tick_frame(&sb->dt);
	struct aoi_view		 v;
	struct timespec		 t0, t1, t2;
	size_t			 i, lo, hi, n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	delta_frame_world(fr, w);
	aoi_layout(sb->aoi, fr->pos, fr->n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	delta_tick_begin(&sb->dt, w->tick, 0);
	if (sb->dt.renumbered) {
		for (i = 0; i < w->nplayers; i++)
			delta_known_rebase(&sb->dt, sb->clients[i]);
	}
	if (sb->dt.nwords > sb->viewcap) {
		free(sb->view);
		sb->view = calloc(sb->dt.nwords, sizeof *sb->view);
		sb->viewcap = sb->dt.nwords;
	}
	/* As src/sync.c: players are the frame's first entities. */
	for (i = 0; i < w->nplayers && !sb->lists; i++) {
		n = aoi_look_mask(sb->aoi, i, sb->dt.slot_of, sb->view, &lo,
		    &hi);
		sb->buf.len = 0;
		sb->bytes += delta_encode_view(&sb->dt, sb->enc,
		    sb->clients[i], &sb->buf, w->players[i].last_seq,
		    sb->view, lo, hi, n);
		sb->seen += n;
	}
	for (i = 0; i < w->nplayers && sb->lists; i++) {
		aoi_look_one(sb->aoi, w->players[i].id, &v);
		sb->buf.len = 0;
		sb->bytes += delta_encode_tick(&sb->dt, sb->enc,
		    sb->clients[i], &sb->buf, w->players[i].last_seq,
		    v.visible, v.visible_at, v.nvisible);
		sb->seen += v.nvisible;
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	sb->aoi_ns[t] = elapsed(&t0, &t1);
	sb->enc_ns[t] = elapsed(&t1, &t2);
}

static uint64_t
next(uint64_t *s)		/* splitmix64: the inputs' own generator */
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static long
number(const char *s, long max)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > max) {
		fputs(USAGE, stderr);
		exit(1);
	}
	return (v);
}

static struct area *
make_area(unsigned mobs)
{
	static const struct area_spawner mob = { .respawn_ms = 5000,
	    .hp = 20, .damage = 2, .speed = 70, .sight = 128, .leash = 320,
	    .attack_range = 16, .attack_ms = 800, .xp = 5,
	    .loot_chance = 0.3f, .wander = AREA_WANDER_DEFAULT,
	    .rest = AREA_REST_DEFAULT };
	struct area		*a;
	struct area_spawner	*sp;
	int			 i, k, n = SPAWNERS * SPAWNERS;
	float			 cell = (float)(SIDE * TILE) / SPAWNERS;

	a = area_new("bench", SIDE, SIDE, TILE, TILE);

	for (k = 1; k < 4; k++) {	/* walls every 32 tiles, gaps of 4 */
		for (i = 8; i < SIDE - 8; i++)
			if (i % 20 >= 4)
				a->solid[i * SIDE + 32 * k] =
				    a->solid[32 * k * SIDE + i] = 1;
	}
	area_add_spawn(a, 2000, 2000);
	for (i = 0; i < n && mobs > 0; i++) {
		sp = area_add_spawner(a);
		*sp = mob;
		sp->kind = xstrdup(i % 2 ? "slime" : "wolf");
		sp->loot = xstrdup("gel");
		sp->x = (float)(i % SPAWNERS) * cell + 64;
		sp->y = (float)(i / SPAWNERS) * cell + 64;
		sp->w = sp->h = cell - 128;
		sp->count = mobs / (unsigned)n + ((unsigned)i < mobs % n);
	}
	return (a);
}

/*
 * Scenario S's area, written by zoned-bench's own code into a temporary
 * directory and loaded from there by zoned's loader. NULL on failure.
 */
static struct area *
scenario_area(unsigned players)
{
	struct area	*a;
	char		 dir[] = "/tmp/simbench.XXXXXX", name[64], *path, *why;

	if (mkdtemp(dir) == NULL) {
		perror("simbench: mkdtemp");
		return (NULL);
	}
	if (scenario_write_area(dir, players, &path) != 0) {
		fprintf(stderr, "simbench: scenario S: %s\n", path);
		free(path);
		rmdir(dir);
		return (NULL);
	}
	scenario_area_name(name, sizeof name, players);
	if ((a = areaload_file(dir, name, &why)) == NULL) {
		fprintf(stderr, "simbench: scenario S: %s\n", why);
		free(why);
	}
	unlink(path);
	free(path);
	rmdir(dir);
	return (a);
}

/* Appends an input from player id to in[*n]. */
static struct world_input *
input(struct world_input *in, size_t *n, uint32_t id, int kind)
{
	static uint64_t		 seq;
	struct world_input	*e = &in[(*n)++];

	memset(e, 0, sizeof *e);
	e->player = id;
	e->seq = ++seq;
	e->kind = (uint8_t)kind;
	return (e);
}

/*
 * Scenario S's walk for player p (as zoned-bench's clients walk): a new
 * unit direction at turn, back from within WALK_EDGE of the edge; an
 * input every other tick.
 */
static void
scenario_walk(struct world_input *in, size_t *n, const struct world_player *p,
    float *dir, uint64_t *turn, uint64_t t, uint64_t *s)
{
	struct world_input	*e;
	double			 a;
	int			 send = (t % 2 == 0);

	if (t >= *turn) {
		a = (double)(next(s) >> 11) * 0x1.0p-53 * 2 * M_PI;
		dir[0] = (float)cos(a);
		dir[1] = (float)sin(a);
		*turn = t + (uint64_t)((0.75 + 0.5 * (double)(next(s) >> 11) *
		    0x1.0p-53) * SCENARIO_TURN_MS * HZ / 1000);
		send = 1;
	}
	if ((p->x < WALK_EDGE && dir[0] < 0) ||
	    (p->x > SCENARIO_SIDE - WALK_EDGE && dir[0] > 0)) {
		dir[0] = -dir[0];
		send = 1;
	}
	if ((p->y < WALK_EDGE && dir[1] < 0) ||
	    (p->y > SCENARIO_SIDE - WALK_EDGE && dir[1] > 0)) {
		dir[1] = -dir[1];
		send = 1;
	}
	if (!send)
		return;
	e = input(in, n, p->id, INPUT_MOVE);
	e->dx = dir[0];
	e->dy = dir[1];
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "mobs", 1, NULL, 'm' },
	    { "players", 1, NULL, 'p' }, { "ticks", 1, NULL, 't' },
	    { "seed", 1, NULL, 's' }, { "sync", 0, NULL, 'S' },
	    { "radius", 1, NULL, 'r' }, { "scenario", 1, NULL, 'c' },
	    { "lists", 0, NULL, 'l' },
	    { "help", 0, NULL, 'h' }, { 0 } };
	struct syncbench	 sb;
	int			 sync = 0, scenario = 0, lists = 0;
	float			*dir = NULL;
	long			 radius = 400;
	long			 mobs = 4000, players = 2000, ticks = 1200, t;
	uint64_t		 seed = 1, s, *ns, *turn, maxev = 0, nev = 0;
	uint64_t		 total = 0, kinds[EVENT_EXIT + 1] = { 0 };
	struct world_input	*in, *e;
	struct world		*w;
	struct area		*a;
	struct timespec		 t0, t1;
	size_t			 n, i, states[MOB_DEAD + 1] = { 0 };
	int			 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': mobs = number(optarg, 60000); break;
		case 'p': players = number(optarg, 100000); break;
		case 't': ticks = number(optarg, 10000000); break;
		case 's': seed = (uint64_t)number(optarg, 0x7fffffffL); break;
		case 'S': sync = 1; break;
		case 'l': lists = 1; break;
		case 'r': radius = number(optarg, 1000000); break;
		case 'c':
			if (strcmp(optarg, "S") != 0)
				return (fputs(USAGE, stderr), 1);
			scenario = 1;
			break;
		case 'h': fputs(USAGE, stdout); return (0);
		default: fputs(USAGE, stderr); return (1);
		}
	}
	if (optind != argc || ticks == 0)
		return (fputs(USAGE, stderr), 1);
	if (scenario) {
		if (players > SCENARIO_MAX_PLAYERS)
			return (fputs(USAGE, stderr), 1);
		if ((a = scenario_area((unsigned)players)) == NULL)
			return (1);
	} else
		a = make_area((unsigned)mobs);
	w = world_new(a, HZ, seed);
	s = seed;
	for (i = 0; i < (size_t)players; i++) {
		if (world_player_add(w, "bench", (float)(next(&s) % 4000) + 48,
		    (float)(next(&s) % 4000) + 48) == NULL)
			return (fputs("simbench: no room\n", stderr), 1);
	}
	if (scenario)
		dir = xcalloc((size_t)players * 2 + 1, sizeof *dir);
	in = xcalloc((size_t)players * 2 + 1, sizeof *in);
	turn = xcalloc((size_t)players + 1, sizeof *turn);
	ns = xcalloc((size_t)ticks, sizeof *ns);
	memset(&sb, 0, sizeof sb);
	sb.lists = lists;
	if (sync) {
		sb.aoi = aoi_new(area_width(a), area_height(a), (float)radius);
		sb.enc = delta_enc_new();
		sb.clients = xcalloc(w->nplayers + 1, sizeof *sb.clients);
		for (i = 0; i < w->nplayers; i++)
			sb.clients[i] = delta_known_new();
		sb.aoi_ns = xcalloc((size_t)ticks, sizeof *sb.aoi_ns);
		sb.enc_ns = xcalloc((size_t)ticks, sizeof *sb.enc_ns);
		sb.work_ns = xcalloc((size_t)ticks, sizeof *sb.work_ns);
	}
	for (t = 0; t < ticks; t++) {
		for (i = n = 0; scenario && i < w->nplayers; i++)
			scenario_walk(in, &n, &w->players[i], &dir[2 * i],
			    &turn[i], (uint64_t)t, &s);
		for (i = 0; !scenario && i < w->nplayers; i++) {
			if ((uint64_t)t >= turn[i]) {	/* a new heading */
				turn[i] = (uint64_t)t + 30 + next(&s) % 20;
				e = input(in, &n, w->players[i].id, INPUT_MOVE);
				e->dx = (float)(next(&s) % 201) - 100;
				e->dy = (float)(next(&s) % 201) - 100;
			}
			if (next(&s) % 10 == 0)
				input(in, &n, w->players[i].id, INPUT_ATTACK);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		world_step(w, in, n);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[t] = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
		    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
		total += ns[t];
		nev += w->nevents;
		if (w->nevents > maxev)
			maxev = w->nevents;
		for (i = 0; i < w->nevents; i++)
			kinds[w->events[i].kind]++;
		if (sync) {
			sync_tick(&sb, w, t);
			sb.work_ns[t] = ns[t] + sb.aoi_ns[t] + sb.enc_ns[t];
		}
	}
	for (i = 0; i < w->nmobs; i++)
		states[w->mobs[i].state]++;
	qsort(ns, (size_t)ticks, sizeof *ns, cmp_u64);
	printf("simbench: %s%zu mobs, %ld players, %ld ticks at %d Hz, seed %"
	    PRIu64 "\n", scenario ? "scenario S, " : "", w->nmobs, players,
	    ticks, HZ, seed);
	printf("machine-dependent:\n  steps/s %.0f (%.1fx real time)\n"
	    "  step us p50 %.1f p99 %.1f max %.1f (budget %d)\n",
	    (double)ticks / ((double)total / 1e9),
	    (double)ticks / HZ / ((double)total / 1e9),
	    (double)ns[ticks / 2] / 1e3, (double)ns[ticks * 99 / 100] / 1e3,
	    (double)ns[ticks - 1] / 1e3, 1000000 / HZ);
	if (sync) {
		qsort(sb.aoi_ns, (size_t)ticks, sizeof *ns, cmp_u64);
		qsort(sb.enc_ns, (size_t)ticks, sizeof *ns, cmp_u64);
		qsort(sb.work_ns, (size_t)ticks, sizeof *ns, cmp_u64);
		/* As zoned's tick: the frame and grid, then look and encode. */
		printf("  sync (radius %ld): frame and grid us p50 %.1f p99 "
		    "%.1f, looks and encoding us p50 %.1f p99 %.1f\n", radius,
		    (double)sb.aoi_ns[ticks / 2] / 1e3,
		    (double)sb.aoi_ns[ticks * 99 / 100] / 1e3,
		    (double)sb.enc_ns[ticks / 2] / 1e3,
		    (double)sb.enc_ns[ticks * 99 / 100] / 1e3);
		printf("  work a tick (step and sync) us p50 %.1f p99 %.1f\n",
		    (double)sb.work_ns[ticks / 2] / 1e3,
		    (double)sb.work_ns[ticks * 99 / 100] / 1e3);
	}
	printf("machine-independent:\n  events/step %.1f (max %" PRIu64
	    ", dropped %" PRIu64 ")\n", (double)nev / (double)ticks, maxev,
	    w->events_dropped);
	printf("  hits %" PRIu64 " kills %" PRIu64 " deaths %" PRIu64 " loot %"
	    PRIu64 " level-ups %" PRIu64 "\n", kinds[EVENT_HIT],
	    kinds[EVENT_MOB_KILLED], kinds[EVENT_PLAYER_DIED],
	    kinds[EVENT_LOOT], kinds[EVENT_LEVEL_UP]);
	printf("  mobs at the end:");
	for (i = 0; i <= MOB_DEAD; i++)
		printf(" %s %zu", world_mob_state_name((enum mob_state)i),
		    states[i]);
	printf("\n  world_hash %016" PRIx64 "\n", world_hash(w));
	if (sync && w->nplayers > 0) {
		printf("  sync: seen per client %.1f, bytes per client per "
		    "second %.0f\n", (double)sb.seen / (double)ticks /
		    (double)w->nplayers, (double)sb.bytes / (double)ticks /
		    (double)w->nplayers * HZ);
		/* What dead reckoning saves: motions that had to start anew. */
		printf("  sync: new motions a tick, players %.1f%%, mobs "
		    "%.1f%%\n", sb.dt.carried[0] == 0 ? 0.0 : 100.0 *
		    (double)sb.dt.renewed[0] / (double)sb.dt.carried[0],
		    sb.dt.carried[1] == 0 ? 0.0 : 100.0 *
		    (double)sb.dt.renewed[1] / (double)sb.dt.carried[1]);
		for (i = 0; i < w->nplayers; i++)
			delta_known_free(sb.clients[i]);
		free(sb.clients);
		free(sb.aoi_ns);
		free(sb.enc_ns);
		free(sb.work_ns);
		aoi_free(sb.aoi);
		delta_enc_free(sb.enc);
		delta_tick_free(&sb.dt);
		delta_buf_free(&sb.buf);
		free(sb.view);
	}
	free(in);
	free(dir);
	free(turn);
	free(ns);
	world_free(w);
	area_free(a);
	return (0);
}
