/*
 * zoned-bench: the load generator of issue 7. See zoned-bench-common.h
 * for the files, and zoned-bench.README.txt for how to run scenario S.
 *
 * A run goes through the phases of enum bench_phase: read /v1/status
 * (and allocate the area if zoned is idle), join the clients in batches
 * (ticket, connect, welcome), let them walk for --warmup seconds, then
 * count for --duration seconds, read /v1/status once more and report.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <json-c/json.h>

#include "xmalloc.h"
#include "zoned-bench-common.h"

#define BENCH_WARN_MAX		20	/* warnings printed, then counted */
#define BENCH_POLL_MS		1000
#define BENCH_FINISH_S		10	/* wait for the last /v1/status */
#define BENCH_FD_SLACK		64	/* descriptors beyond the clients */

static void	bench_ramp(struct bench *);
static void	bench_ramp_done(struct bench *);
static void	bench_finish(struct bench *);

uint64_t
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void
bench_warn(struct bench *b, const char *fmt, ...)
{
	va_list	ap;

	if (b->warned++ >= BENCH_WARN_MAX) {
		if (b->warned == BENCH_WARN_MAX + 2)
			fprintf(stderr, "zoned-bench: further warnings are "
			    "only counted\n");
		return;
	}
	fprintf(stderr, "zoned-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Stops the run with an error: exit status code, nothing reported. */
static void
bench_abort(struct bench *b, int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "zoned-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	b->exit_code = code;
	b->phase = BENCH_DONE;
	event_base_loopbreak(b->base);
}

static __attribute__((noreturn)) void
usage(int code)
{
	fprintf(code == EX_OK ? stdout : stderr,
"usage: zoned-bench --scenario S --players N [--control URL] [--client URL]\n"
"                   [--data-dir DIR] [--area NAME] [--duration S]\n"
"                   [--warmup S] [--token T | --token-file FILE]\n"
"                   [--batch K] [--parallel P] [--input-ms MS] [--seed N]\n"
"                   [--join-timeout S] [--decode full|header|K]\n"
"                   [--prefix ID] [--json]\n"
"       zoned-bench --write-area DIR --scenario S --players N\n"
"       zoned-bench --write-floor [--sends K] [--size BYTES] [--json]\n"
"       zoned-bench --write-floor --sockets N [--ticks T] [--tick-ms MS]\n"
"                   [--size BYTES] [--json]\n");
	exit(code);
}

static double
bench_number(const char *flag, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min) ||
	    !(v <= max))
		errx(EX_USAGE, "%s: %s is not a number from %g to %g", flag, s,
		    min, max);
	return (v);
}

/* ---- machine ------------------------------------------------------------ */

struct bench_machine {
	char	 arch[sizeof ((struct utsname *)0)->machine];
	char	 cpu[128];
	long	 nproc;
	char	 self_cpus[64];		/* our affinity */
	char	 zoned_cpus[64];	/* zoned's, when local */
};

/* The value of "key:" in a /proc text file, trimmed; "" if none. */
static void
bench_proc_field(const char *path, const char *key, char *out, size_t size)
{
	FILE	*f;
	char	 line[512], *v;
	size_t	 klen = strlen(key), n;

	out[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) != 0)
			continue;
		v = line + klen;
		while (*v == ' ' || *v == '\t' || *v == ':')
			v++;
		n = strcspn(v, "\n");
		snprintf(out, size, "%.*s", (int)n, v);
		break;
	}
	fclose(f);
}

static void
bench_machine(struct bench *b, struct bench_machine *m)
{
	struct utsname	u;
	char		path[64];

	memset(m, 0, sizeof *m);
	if (uname(&u) == 0)
		snprintf(m->arch, sizeof m->arch, "%s", u.machine);
	bench_proc_field("/proc/cpuinfo", "model name", m->cpu, sizeof m->cpu);
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	bench_proc_field("/proc/self/status", "Cpus_allowed_list",
	    m->self_cpus, sizeof m->self_cpus);
	if (b != NULL && b->server_local) {
		snprintf(path, sizeof path, "/proc/%ld/status", b->first.pid);
		bench_proc_field(path, "Cpus_allowed_list", m->zoned_cpus,
		    sizeof m->zoned_cpus);
	}
}

/* zoned's CPU time (user + system) in us, from /proc; -1 if unknown. */
static int
bench_proc_cpu(long pid, uint64_t *us)
{
	FILE			*f;
	char			 path[64], buf[1024], *p, *tok, *save;
	unsigned long long	 ut = 0, st = 0;
	int			 i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* After the name: field 3 (state) onwards; utime 14, stime 15. */
	for (i = 3, tok = strtok_r(p + 1, " ", &save); tok != NULL && i <= 15;
	    i++, tok = strtok_r(NULL, " ", &save)) {
		if (i == 14)
			ut = strtoull(tok, NULL, 10);
		else if (i == 15)
			st = strtoull(tok, NULL, 10);
	}
	if (i <= 15)
		return (-1);
	*us = (uint64_t)((ut + st) * 1000000ULL /
	    (unsigned long long)sysconf(_SC_CLK_TCK));
	return (0);
}

/*
 * CPU time (us) every CPU spent busy, from /proc/stat: what is left
 * after zoned's and ours is other processes', which spoil a benchmark.
 */
static int
bench_sys_cpu(uint64_t *us, uint64_t *irq)
{
	FILE			*f;
	unsigned long long	 v[8];
	int			 n;

	memset(v, 0, sizeof v);
	if ((f = fopen("/proc/stat", "r")) == NULL)
		return (-1);
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return (-1);
	/*
	 * user nice system idle iowait irq softirq steal. Interrupts
	 * apart: loopback traffic, ours included, is partly handled there
	 * and charged to no process.
	 */
	*us = (uint64_t)((v[0] + v[1] + v[2] + v[7]) * 1000000ULL /
	    (unsigned long long)sysconf(_SC_CLK_TCK));
	*irq = (uint64_t)((v[5] + v[6]) * 1000000ULL /
	    (unsigned long long)sysconf(_SC_CLK_TCK));
	return (0);
}

static uint64_t
bench_self_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return (0);
	return ((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
}

/* Is zoned on this host, in our pid namespace: may we read its /proc? */
static int
bench_server_local(struct bench *b, long pid)
{
	char	path[64], comm[64];
	FILE	*f;
	int	 ok;

	if (pid <= 0 || (strcmp(b->ctl_host, "localhost") != 0 &&
	    strncmp(b->ctl_host, "127.", 4) != 0 &&
	    strcmp(b->ctl_host, "::1") != 0))
		return (0);
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	ok = fgets(comm, sizeof comm, f) != NULL && strstr(comm, "zoned") !=
	    NULL;
	fclose(f);
	return (ok);
}

/* ---- /v1/status --------------------------------------------------------- */

static int
bench_get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object	*x;

	if (o == NULL || !json_object_object_get_ex(o, key, &x) ||
	    !(json_object_is_type(x, json_type_int) ||
	    json_object_is_type(x, json_type_double)))
		return (-1);
	*v = (uint64_t)json_object_get_int64(x);
	return (0);
}

static void
bench_get_str(struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object	*x;

	out[0] = '\0';
	if (o != NULL && json_object_object_get_ex(o, key, &x) &&
	    json_object_is_type(x, json_type_string))
		snprintf(out, size, "%s", json_object_get_string(x));
}

/* {p50, p99, max, ticks}: 1 if present. */
static int
bench_get_pct(struct json_object *o, const char *key, uint64_t v[4])
{
	struct json_object	*x;

	if (o == NULL || !json_object_object_get_ex(o, key, &x) ||
	    !json_object_is_type(x, json_type_object))
		return (0);
	if (bench_get_u64(x, "p50", &v[0]) != 0 ||
	    bench_get_u64(x, "p99", &v[1]) != 0 ||
	    bench_get_u64(x, "max", &v[2]) != 0)
		return (0);
	if (bench_get_u64(x, "ticks", &v[3]) != 0)
		v[3] = 0;
	return (1);
}

static int
bench_parse_status(const char *body, struct bench_status *st)
{
	struct json_object	*o, *ts = NULL, *sync = NULL;
	uint64_t		 v;

	memset(st, 0, sizeof *st);
	st->t = bench_now();
	if ((o = json_tokener_parse(body)) == NULL)
		return (-1);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return (-1);
	}
	st->ok = 1;
	bench_get_str(o, "state", st->state, sizeof st->state);
	bench_get_str(o, "area", st->area, sizeof st->area);
	bench_get_u64(o, "tick", &st->tick);
	bench_get_u64(o, "players", &st->players);
	bench_get_u64(o, "clients", &st->clients);
	if (bench_get_u64(o, "tick_hz", &v) == 0)
		st->tick_hz = (int)v;
	if (bench_get_u64(o, "pid", &v) == 0)
		st->pid = (long)v;
	if (bench_get_u64(o, "client_port", &v) == 0)
		st->client_port = (unsigned)v;
	st->ticks = st->tick;
	if (json_object_object_get_ex(o, "tick_stats", &ts)) {
		bench_get_u64(ts, "ticks", &st->ticks);
		bench_get_u64(ts, "skipped", &st->skipped);
		bench_get_u64(ts, "last_cost_us", &st->last_cost_us);
		bench_get_u64(ts, "max_cost_us", &st->max_cost_us);
		st->has_cost = bench_get_pct(ts, "cost_us", st->cost);
		st->has_work = bench_get_pct(ts, "work_us", st->work);
	}
	if (json_object_object_get_ex(o, "sync", &sync)) {
		bench_get_str(sync, "format", st->format, sizeof st->format);
		if (bench_get_u64(sync, "view_radius", &v) == 0)
			st->view_radius = (long)v;
		if (bench_get_u64(sync, "messages", &st->sync_messages) == 0 &&
		    bench_get_u64(sync, "bytes", &st->sync_bytes) == 0)
			st->has_sync = 1;
		(void)bench_get_u64(sync, "resyncs", &st->sync_resyncs);
	}
	json_object_put(o);
	return (0);
}

/* ---- the ramp ----------------------------------------------------------- */

void
bench_client_ticket_done(struct client *c)
{
	c->b->in_flight--;
	bench_ramp(c->b);
}

void
bench_client_joined(struct client *c)
{
	struct bench	*b = c->b;

	b->joined++;
	b->finished++;
	hist_add(&b->join, b->now - c->t_ticket);
	bench_ramp(b);
}

void
bench_client_failed(struct client *c)
{
	struct bench	*b = c->b;

	if (b->phase == BENCH_DONE)
		return;
	b->join_failed++;
	b->finished++;
	bench_warn(b, "client %u did not join: %s", c->idx,
	    c->cause != NULL ? c->cause : "?");
	if (b->phase == BENCH_RAMP)
		bench_ramp(b);
}

void
bench_client_gone(struct client *c)
{
	struct bench	*b = c->b;

	if (b->phase == BENCH_DONE)
		return;
	b->disconnects++;
	bench_warn(b, "client %u disconnected: %s", c->idx,
	    c->cause != NULL ? c->cause : "?");
}

/* A state (delta or JSON) for c: its tick, the entities seen (0: not known). */
void
bench_client_state(struct client *c, uint64_t tick, size_t seen)
{
	struct bench	*b = c->b;

	if (c->last_tick != 0 && tick <= c->last_tick) {
		b->tick_back++;
		bench_warn(b, "client %u: tick %llu after %llu", c->idx,
		    (unsigned long long)tick,
		    (unsigned long long)c->last_tick);
	} else if (b->measuring && c->last_tick != 0)
		c->win.gaps += tick - c->last_tick - 1;
	c->last_tick = tick;
	if (tick > b->max_tick)
		b->max_tick = tick;
	if (b->measuring) {
		c->win.states++;
		if (seen != 0)
			hist_add(&b->seen, seen);
	}
}

/*
 * Starts tickets for the current batch, at most --parallel at once; the
 * next batch once every client of this one joined or failed.
 */
static void
bench_ramp(struct bench *b)
{
	struct client	*c;

	if (b->phase != BENCH_RAMP)
		return;
	for (;;) {
		while (b->started < b->batch_end &&
		    b->in_flight < b->parallel) {
			c = &b->clients[b->started++];
			b->in_flight++;
			client_start(c);
		}
		if (b->finished < b->batch_end)
			return;
		if (b->batch_end == b->n) {
			bench_ramp_done(b);
			return;
		}
		b->batch_end += b->batch;
		if (b->batch_end > b->n)
			b->batch_end = b->n;
	}
}

/* ---- timers ------------------------------------------------------------ */

static void
bench_pace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;
	size_t		 i;

	b->now = bench_now();
	for (i = 0; i < b->started && b->phase != BENCH_DONE; i++)
		client_pace(&b->clients[i], b->now);
}

static void
bench_poll_cb(int status, const char *body, size_t len, void *arg)
{
	struct bench		*b = arg;
	struct bench_status	 st;
	char			 what[64];

	b->polls_in_flight--;
	if (status != 200 || bench_parse_status(body, &st) != 0) {
		bench_warn(b, "GET /v1/status: %s", ctl_what(status, what,
		    sizeof what));
		return;
	}
	if (b->measuring) {
		hist_add(&b->last_cost, st.last_cost_us);
		if (st.has_cost && st.cost[1] > b->max_p99)
			b->max_p99 = st.cost[1];
	}
}

static void
bench_poll_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;

	b->now = bench_now();
	if (b->polls_in_flight != 0)
		return;
	b->polls_in_flight++;
	ctl_request(b, EVHTTP_REQ_GET, "/v1/status", NULL, 10, bench_poll_cb,
	    b);
}

static void
bench_s0_cb(int status, const char *body, size_t len, void *arg)
{
	struct bench	*b = arg;
	char		 what[64];

	if (status != 200 || bench_parse_status(body, &b->s0) != 0)
		bench_warn(b, "GET /v1/status at the window's start: %s",
		    ctl_what(status, what, sizeof what));
}

static void
bench_s1_cb(int status, const char *body, size_t len, void *arg)
{
	struct bench	*b = arg;
	char		 what[64];

	if (status != 200 || bench_parse_status(body, &b->s1) != 0)
		bench_warn(b, "GET /v1/status at the window's end: %s",
		    ctl_what(status, what, sizeof what));
	bench_finish(b);
}

static void
bench_finish_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;

	b->now = bench_now();
	bench_warn(b, "no /v1/status within %d s of the window's end",
	    BENCH_FINISH_S);
	bench_finish(b);
}

static void
bench_measure_end(struct bench *b)
{
	struct timeval	tv = { BENCH_FINISH_S, 0 };

	b->measuring = 0;
	b->t1 = b->now;
	b->tick1 = b->max_tick;
	b->self1 = bench_self_cpu();
	if (b->server_local && bench_proc_cpu(b->first.pid, &b->cpu1) != 0)
		b->server_local = 0;
	if (b->has_sys && bench_sys_cpu(&b->sys1, &b->irq1) != 0)
		b->has_sys = 0;
	b->phase = BENCH_FINISH;
	ctl_request(b, EVHTTP_REQ_GET, "/v1/status", NULL, BENCH_FINISH_S,
	    bench_s1_cb, b);
	evtimer_assign(b->phase_timer, b->base, bench_finish_timer_cb, b);
	evtimer_add(b->phase_timer, &tv);
}

static void
bench_measure_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;

	b->now = bench_now();
	bench_measure_end(b);
}

static void
bench_measure_start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;
	struct timeval	 tv;
	size_t		 i;

	b->now = bench_now();
	b->phase = BENCH_MEASURE;
	b->active0 = 0;
	for (i = 0; i < b->n; i++) {
		memset(&b->clients[i].win, 0, sizeof b->clients[i].win);
		if (b->clients[i].state == CLIENT_PLAYING)
			b->active0++;
	}
	hist_reset(&b->latency);
	hist_reset(&b->seen);
	hist_reset(&b->last_cost);
	b->max_p99 = 0;
	b->lat_lost = 0;
	b->t0 = b->now;
	b->tick0 = b->max_tick;
	b->self0 = bench_self_cpu();
	if (b->server_local && bench_proc_cpu(b->first.pid, &b->cpu0) != 0)
		b->server_local = 0;
	b->has_sys = bench_sys_cpu(&b->sys0, &b->irq0) == 0;
	b->measuring = 1;
	ctl_request(b, EVHTTP_REQ_GET, "/v1/status", NULL, 10, bench_s0_cb, b);
	tv.tv_sec = (time_t)b->duration;
	tv.tv_usec = (suseconds_t)((b->duration - (double)tv.tv_sec) * 1e6);
	evtimer_assign(b->phase_timer, b->base, bench_measure_end_cb, b);
	evtimer_add(b->phase_timer, &tv);
}

static void
bench_ramp_done(struct bench *b)
{
	struct timeval	tv, poll = { 0, BENCH_POLL_MS * 1000 };

	b->ramp_t1 = b->now;
	if (b->joined == 0) {
		bench_abort(b, EX_UNAVAILABLE, "no client joined");
		return;
	}
	fprintf(stderr, "zoned-bench: %zu of %zu clients joined in %.1f s; "
	    "warm-up %.0f s, then %.0f s measured\n", b->joined, b->n,
	    (double)(b->ramp_t1 - b->ramp_t0) / 1e6, b->warmup, b->duration);
	b->phase = BENCH_WARMUP;
	b->poll = event_new(b->base, -1, EV_PERSIST, bench_poll_timer_cb, b);
	event_add(b->poll, &poll);
	tv.tv_sec = (time_t)b->warmup;
	tv.tv_usec = (suseconds_t)((b->warmup - (double)tv.tv_sec) * 1e6);
	evtimer_assign(b->phase_timer, b->base, bench_measure_start_cb, b);
	evtimer_add(b->phase_timer, &tv);
}

static void
bench_ramp_start(struct bench *b)
{
	struct timeval	tv = { 0, BENCH_PACE_MS * 1000 };

	b->phase = BENCH_RAMP;
	b->ramp_t0 = b->now;
	b->batch_end = b->batch < b->n ? b->batch : b->n;
	b->pace = event_new(b->base, -1, EV_PERSIST, bench_pace_cb, b);
	event_add(b->pace, &tv);
	bench_ramp(b);
}

/* ---- start: status, client address, allocation ------------------------- */

static int
bench_client_addr(struct bench *b)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	char			 port[16];
	int			 e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", b->cli_port);
	if ((e = evutil_getaddrinfo(b->cli_host, port, &hints, &ai)) != 0) {
		bench_abort(b, EX_NOHOST, "client address %s: %s",
		    b->cli_hostport, evutil_gai_strerror(e));
		return (-1);
	}
	memcpy(&b->cli_addr, ai->ai_addr, ai->ai_addrlen);
	b->cli_addrlen = (socklen_t)ai->ai_addrlen;
	evutil_freeaddrinfo(ai);
	return (0);
}

static void
bench_allocate_cb(int status, const char *body, size_t len, void *arg)
{
	struct bench	*b = arg;
	char		 what[64];

	if (status != 200) {
		bench_abort(b, EX_UNAVAILABLE, "POST /v1/allocate %s: %s %s",
		    b->area, ctl_what(status, what, sizeof what), body);
		return;
	}
	fprintf(stderr, "zoned-bench: allocated area %s\n", b->area);
	bench_ramp_start(b);
}

static void	bench_start_cb(int, const char *, size_t, void *);

static void
bench_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;

	b->now = bench_now();
	ctl_request(b, EVHTTP_REQ_GET, "/v1/status", NULL, 10, bench_start_cb,
	    b);
}

static void
bench_start_cb(int status, const char *body, size_t len, void *arg)
{
	struct bench		*b = arg;
	struct bench_status	*st = &b->first;
	struct timeval		 tv = { 0, 500000 };
	char			*req, what[64];

	if (status != 200 || bench_parse_status(body, st) != 0) {
		bench_abort(b, EX_UNAVAILABLE, "GET %s/v1/status: %s %s",
		    b->control_url, ctl_what(status, what, sizeof what), body);
		return;
	}
	b->server_local = bench_server_local(b, st->pid);
	if (b->cli_port == 0) {
		if (st->client_port == 0) {
			bench_abort(b, EX_UNAVAILABLE, "/v1/status has no "
			    "client_port: give --client");
			return;
		}
		snprintf(b->cli_host, sizeof b->cli_host, "%s", b->ctl_host);
		b->cli_port = st->client_port;
		snprintf(b->cli_hostport, sizeof b->cli_hostport,
		    strchr(b->cli_host, ':') != NULL ? "[%s]:%u" : "%s:%u",
		    b->cli_host, b->cli_port);
	}
	if (b->cli_addrlen == 0 && bench_client_addr(b) != 0)
		return;
	if (strcmp(st->state, "idle") == 0) {
		xasprintf(&req, "{\"area\":\"%s\"}", b->area);
		ctl_request(b, EVHTTP_REQ_POST, "/v1/allocate", req, 60,
		    bench_allocate_cb, b);
		free(req);
		return;
	}
	if (strcmp(st->state, "loading") == 0) {
		evtimer_assign(b->phase_timer, b->base, bench_restart_cb, b);
		evtimer_add(b->phase_timer, &tv);
		return;
	}
	if (strcmp(st->state, "running") != 0) {
		bench_abort(b, EX_UNAVAILABLE, "zoned is %s, not idle or "
		    "running", st->state);
		return;
	}
	if (strcmp(st->area, b->area) != 0) {
		bench_abort(b, EX_UNAVAILABLE, "zoned runs area %s, not %s: "
		    "drain it, or give --area %s", st->area, b->area,
		    st->area);
		return;
	}
	bench_ramp_start(b);
}

static void
bench_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct bench	*b = arg;

	b->now = bench_now();
	if (b->phase == BENCH_MEASURE) {
		fprintf(stderr, "zoned-bench: interrupted: reporting the "
		    "window so far\n");
		event_del(b->phase_timer);
		bench_measure_end(b);
		return;
	}
	if (b->phase == BENCH_FINISH) {
		bench_finish(b);
		return;
	}
	bench_abort(b, 1, "interrupted");
}

/* ---- the report -------------------------------------------------------- */

struct bench_result {
	double		 dur;			/* s */
	size_t		 active;
	double		 ticks_client, ticks_server;	/* per second */
	uint64_t	 skipped;
	int		 has_server_ticks;
	double		 ws_bps, tcp_bps, ws_bps_max;	/* per client */
	double		 msgs_ps, states_ps, gaps_ps;	/* per client */
	double		 inputs_ps, sent_bps;		/* per client */
	double		 server_bps;			/* per client */
	uint64_t	 resyncs;		/* in the window */
	int		 has_server_bps;
	int		 has_cpu;
	double		 cpu_pct, cpu_per_tick_us, self_pct;
	int		 has_others;
	double		 others_pct;	/* of one CPU, not us */
	double		 irq_pct;	/* interrupts, softirqs */
	const char	*cost_src;
	uint64_t	 cost[4], work[4];
	int		 has_work;
};

static void
bench_compute(struct bench *b, struct bench_result *r)
{
	struct client	*c;
	uint64_t	 ws = 0, tcp = 0, msgs = 0, states = 0, gaps = 0;
	uint64_t	 inputs = 0, sent = 0, ticks, wmax = 0;
	double		 st;
	size_t		 i;

	memset(r, 0, sizeof *r);
	r->dur = (double)(b->t1 - b->t0) / 1e6;
	if (r->dur <= 0)
		r->dur = 1e-6;
	r->active = b->active0 != 0 ? b->active0 : 1;
	for (i = 0; i < b->n; i++) {
		c = &b->clients[i];
		ws += c->win.ws_bytes;
		tcp += c->win.tcp_bytes;
		msgs += c->win.msgs;
		states += c->win.states;
		gaps += c->win.gaps;
		inputs += c->win.inputs;
		sent += c->win.sent_bytes;
		if (c->win.ws_bytes > wmax)
			wmax = c->win.ws_bytes;
	}
	r->ws_bps = (double)ws / (double)r->active / r->dur;
	r->tcp_bps = (double)tcp / (double)r->active / r->dur;
	r->ws_bps_max = (double)wmax / r->dur;
	r->msgs_ps = (double)msgs / (double)r->active / r->dur;
	r->states_ps = (double)states / (double)r->active / r->dur;
	r->gaps_ps = (double)gaps / (double)r->active / r->dur;
	r->inputs_ps = (double)inputs / (double)r->active / r->dur;
	r->sent_bps = (double)sent / (double)r->active / r->dur;
	ticks = b->tick1 - b->tick0;
	r->ticks_client = (double)ticks / r->dur;
	if (b->s0.ok && b->s1.ok && b->s1.t > b->s0.t) {
		st = (double)(b->s1.t - b->s0.t) / 1e6;
		r->has_server_ticks = 1;
		r->ticks_server = (double)(b->s1.ticks - b->s0.ticks) / st;
		r->skipped = b->s1.skipped - b->s0.skipped;
		if (b->s0.has_sync && b->s1.has_sync) {
			r->has_server_bps = 1;
			r->server_bps = (double)(b->s1.sync_bytes -
			    b->s0.sync_bytes) / (double)r->active / st;
			r->resyncs = b->s1.sync_resyncs - b->s0.sync_resyncs;
		}
		if (ticks == 0)
			ticks = b->s1.ticks - b->s0.ticks;
	}
	if (b->server_local && b->cpu1 >= b->cpu0) {
		r->has_cpu = 1;
		r->cpu_pct = (double)(b->cpu1 - b->cpu0) / 1e4 / r->dur;
		r->cpu_per_tick_us = ticks != 0 ? (double)(b->cpu1 - b->cpu0) /
		    (double)ticks : 0;
	}
	r->self_pct = (double)(b->self1 - b->self0) / 1e4 / r->dur;
	if (b->has_sys && r->has_cpu && b->sys1 >= b->sys0) {
		r->has_others = 1;
		r->others_pct = ((double)(b->sys1 - b->sys0) -
		    (double)(b->cpu1 - b->cpu0) -
		    (double)(b->self1 - b->self0)) / 1e4 / r->dur;
		if (r->others_pct < 0)
			r->others_pct = 0;	/* clock granularity */
		r->irq_pct = (double)(b->irq1 - b->irq0) / 1e4 / r->dur;
	}
	if (b->s1.ok && b->s1.has_cost) {
		r->cost_src = "status";
		memcpy(r->cost, b->s1.cost, sizeof r->cost);
		if ((r->has_work = b->s1.has_work))
			memcpy(r->work, b->s1.work, sizeof r->work);
	} else if (b->last_cost.n != 0) {
		/* An older zoned: the last tick's cost, once a poll. */
		r->cost_src = "sampled";
		r->cost[0] = hist_pct(&b->last_cost, 0.5);
		r->cost[1] = hist_pct(&b->last_cost, 0.99);
		r->cost[2] = b->s1.ok ? b->s1.max_cost_us : b->last_cost.max;
		r->cost[3] = b->last_cost.n;
	}
}

/* From the welcome; else from /v1/status (JSON states have none). */
static long
bench_view_radius(struct bench *b)
{
	if (b->view_radius != 0)
		return (b->view_radius);
	if (b->s1.ok && b->s1.view_radius != 0)
		return (b->s1.view_radius);
	return (b->s0.view_radius);
}

static const char *
bench_format(struct bench *b, char *buf, size_t size)
{
	if (b->deltas != 0 && b->json_states != 0)
		snprintf(buf, size, "both delta and JSON (?)");
	else if (b->deltas != 0 && b->decode == 1)
		snprintf(buf, size, "delta (binary, version %d, decoded)",
		    b->delta_version);
	else if (b->deltas != 0 && b->decode == 0)
		snprintf(buf, size, "delta (binary, version %d, headers "
		    "only)", b->delta_version);
	else if (b->deltas != 0)
		snprintf(buf, size, "delta (binary, version %d, decoded by "
		    "1 client in %u, headers only by the others)",
		    b->delta_version, b->decode);
	else if (b->json_states != 0)
		snprintf(buf, size, "json (\"state\" events, whole area)");
	else
		snprintf(buf, size, "none received");
	return (buf);
}

static void
bench_report_text(struct bench *b, const struct bench_machine *m,
    const struct bench_result *r, FILE *f)
{
	char	fmt[128];

	fprintf(f, "zoned-bench: scenario %s, %u players, %u mobs, area %s "
	    "(%d x %d units), seed %llu\n", b->scenario, b->players,
	    b->players * SCENARIO_MOBS_PER_PLAYER, b->area, SCENARIO_SIDE,
	    SCENARIO_SIDE, (unsigned long long)b->seed);
	fprintf(f, "machine: %s, %s, %ld CPUs online; zoned-bench on CPUs "
	    "%s", m->arch, m->cpu[0] != '\0' ? m->cpu : "unknown CPU",
	    m->nproc, m->self_cpus[0] != '\0' ? m->self_cpus : "?");
	if (m->zoned_cpus[0] != '\0')
		fprintf(f, ", zoned (pid %ld) on CPUs %s", b->first.pid,
		    m->zoned_cpus);
	fputc('\n', f);
	fprintf(f, "server: %s, tick_hz %d, view radius %ld, state format "
	    "%s\n", b->ctl_hostport, b->tick_hz != 0 ? b->tick_hz :
	    b->first.tick_hz, bench_view_radius(b),
	    b->format[0] != '\0' ? b->format : "?");
	fprintf(f, "states received: %s\n", bench_format(b, fmt, sizeof fmt));
	fprintf(f, "join: %zu of %zu clients in %.1f s (batches of %u, %u "
	    "tickets at once); ticket to welcome p50 %.1f ms, p99 %.1f ms, "
	    "max %.1f ms\n", b->joined, b->n,
	    (double)(b->ramp_t1 - b->ramp_t0) / 1e6, b->batch, b->parallel,
	    (double)hist_pct(&b->join, 0.5) / 1e3,
	    (double)hist_pct(&b->join, 0.99) / 1e3,
	    (double)b->join.max / 1e3);
	fprintf(f, "window: %.1f s after %.1f s of warm-up, %zu clients "
	    "playing at its start\n", r->dur, b->warmup, b->active0);
	fprintf(f, "ticks: %.2f/s seen by the clients", r->ticks_client);
	if (r->has_server_ticks)
		fprintf(f, ", %.2f/s by /v1/status, %llu skipped",
		    r->ticks_server, (unsigned long long)r->skipped);
	fputc('\n', f);
	if (r->cost_src != NULL)
		fprintf(f, "server tick cost (whole tick, writes included): "
		    "p50 %llu us, p99 %llu us, max %llu us (%s, last %llu "
		    "ticks)\n", (unsigned long long)r->cost[0],
		    (unsigned long long)r->cost[1],
		    (unsigned long long)r->cost[2], strcmp(r->cost_src,
		    "status") == 0 ? "/v1/status tick_stats.cost_us" :
		    "tick_stats.last_cost_us sampled each second",
		    (unsigned long long)r->cost[3]);
	else
		fprintf(f, "server tick cost: unknown (no /v1/status)\n");
	if (r->has_work)
		fprintf(f, "server tick work (simulation, interest, encoding): "
		    "p50 %llu us, p99 %llu us, max %llu us\n",
		    (unsigned long long)r->work[0],
		    (unsigned long long)r->work[1],
		    (unsigned long long)r->work[2]);
	if (r->has_cpu)
		fprintf(f, "server CPU: %.1f%% of one CPU, %.0f us per tick "
		    "(/proc/%ld/stat, everything zoned did)\n", r->cpu_pct,
		    r->cpu_per_tick_us, b->first.pid);
	fprintf(f, "received per client: %.0f B/s WebSocket payload "
	    "(busiest client %.0f B/s), %.0f B/s on the stream with "
	    "WebSocket framing, %.1f messages/s\n", r->ws_bps, r->ws_bps_max,
	    r->tcp_bps, r->msgs_ps);
	if (r->has_server_bps)
		fprintf(f, "delta bytes per client by the server: %.0f B/s "
		    "(/v1/status sync.bytes); %llu deltas sent a client "
		    "behind everything anew (sync.resyncs)\n", r->server_bps,
		    (unsigned long long)r->resyncs);
	fprintf(f, "states per client: %.2f/s; ticks with no state: %.3f/s "
	    "per client\n", r->states_ps, r->gaps_ps);
	fprintf(f, "sent per client: %.2f inputs/s, %.0f B/s\n",
	    r->inputs_ps, r->sent_bps);
	fprintf(f, "input to visible: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
	    "(%llu inputs, %llu without a state)\n",
	    (double)hist_pct(&b->latency, 0.5) / 1e3,
	    (double)hist_pct(&b->latency, 0.99) / 1e3,
	    (double)b->latency.max / 1e3,
	    (unsigned long long)b->latency.n,
	    (unsigned long long)b->lat_lost);
	if (b->seen.n != 0)
		fprintf(f, "entities seen per client (self included): p50 "
		    "%llu, max %llu\n", (unsigned long long)hist_pct(&b->seen,
		    0.5), (unsigned long long)b->seen.max);
	else
		fprintf(f, "entities seen per client: not counted (%s)\n",
		    b->json_states != 0 ? "JSON states carry the whole area" :
		    "--decode header");
	fprintf(f, "zoned-bench CPU: %.1f%% of one CPU\n", r->self_pct);
	if (r->has_others)
		fprintf(f, "other processes: %.1f%% of one CPU during the "
		    "window%s; interrupts: %.1f%%\n", r->others_pct,
		    r->others_pct > 5 ? " (the machine was not quiet: "
		    "figures are suspect)" : "", r->irq_pct);
	fprintf(f, "failures: %llu disconnects, %zu joins failed, %llu decode "
	    "errors, %llu ticks out of order, %llu error events\n",
	    (unsigned long long)b->disconnects, b->join_failed,
	    (unsigned long long)b->decode_errors,
	    (unsigned long long)b->tick_back,
	    (unsigned long long)b->error_events);
	if (r->self_pct > 90)
		fprintf(f, "warning: zoned-bench used %.0f%% of a CPU: its "
		    "latencies include its own queueing\n", r->self_pct);
	fprintf(f, "result: %s\n", b->exit_code == 0 ? "ok" : "FAILED");
}

/* Integers as such, others with three decimals (not 17 digits). */
static void
bench_jadd(struct json_object *o, const char *key, double v)
{
	char	buf[64];

	if (v == floor(v) && fabs(v) < 9e15) {
		json_object_object_add(o, key,
		    json_object_new_int64((int64_t)v));
		return;
	}
	snprintf(buf, sizeof buf, "%.3f", v);
	json_object_object_add(o, key, json_object_new_double_s(v, buf));
}

static struct json_object *
bench_jpct(uint64_t p50, uint64_t p99, uint64_t max, double scale)
{
	struct json_object	*o = json_object_new_object();

	bench_jadd(o, "p50", (double)p50 / scale);
	bench_jadd(o, "p99", (double)p99 / scale);
	bench_jadd(o, "max", (double)max / scale);
	return (o);
}

static void
bench_report_json(struct bench *b, const struct bench_machine *m,
    const struct bench_result *r)
{
	struct json_object	*o, *x;
	char			 fmt[128];

	o = json_object_new_object();
	json_object_object_add(o, "scenario", json_object_new_string(
	    b->scenario));
	bench_jadd(o, "players", b->players);
	bench_jadd(o, "mobs", b->players * SCENARIO_MOBS_PER_PLAYER);
	json_object_object_add(o, "area", json_object_new_string(b->area));
	bench_jadd(o, "seed", (double)b->seed);
	x = json_object_new_object();
	json_object_object_add(x, "arch", json_object_new_string(m->arch));
	json_object_object_add(x, "cpu", json_object_new_string(m->cpu));
	bench_jadd(x, "nproc", (double)m->nproc);
	json_object_object_add(x, "bench_cpus",
	    json_object_new_string(m->self_cpus));
	json_object_object_add(x, "zoned_cpus",
	    json_object_new_string(m->zoned_cpus));
	json_object_object_add(o, "machine", x);
	bench_jadd(o, "tick_hz", b->tick_hz != 0 ? b->tick_hz :
	    b->first.tick_hz);
	bench_jadd(o, "view_radius", (double)bench_view_radius(b));
	json_object_object_add(o, "state_format", json_object_new_string(
	    b->format));
	json_object_object_add(o, "states_received", json_object_new_string(
	    bench_format(b, fmt, sizeof fmt)));
	x = bench_jpct(hist_pct(&b->join, 0.5), hist_pct(&b->join, 0.99),
	    b->join.max, 1e3);
	bench_jadd(x, "clients", (double)b->joined);
	bench_jadd(x, "failed", (double)b->join_failed);
	bench_jadd(x, "ramp_s", (double)(b->ramp_t1 - b->ramp_t0) / 1e6);
	json_object_object_add(o, "join_ms", x);
	bench_jadd(o, "window_s", r->dur);
	bench_jadd(o, "warmup_s", b->warmup);
	bench_jadd(o, "clients_playing", (double)b->active0);
	bench_jadd(o, "ticks_per_s_clients", r->ticks_client);
	if (r->has_server_ticks) {
		bench_jadd(o, "ticks_per_s_server", r->ticks_server);
		bench_jadd(o, "ticks_skipped", (double)r->skipped);
	}
	if (r->cost_src != NULL) {
		x = bench_jpct(r->cost[0], r->cost[1], r->cost[2], 1);
		bench_jadd(x, "ticks", (double)r->cost[3]);
		json_object_object_add(x, "source",
		    json_object_new_string(r->cost_src));
		json_object_object_add(o, "tick_cost_us", x);
	}
	if (r->has_work) {
		x = bench_jpct(r->work[0], r->work[1], r->work[2], 1);
		bench_jadd(x, "ticks", (double)r->work[3]);
		json_object_object_add(o, "tick_work_us", x);
	}
	if (r->has_cpu) {
		bench_jadd(o, "server_cpu_pct", r->cpu_pct);
		bench_jadd(o, "server_cpu_per_tick_us", r->cpu_per_tick_us);
	}
	x = json_object_new_object();
	bench_jadd(x, "ws_bytes_per_s", r->ws_bps);
	bench_jadd(x, "ws_bytes_per_s_max", r->ws_bps_max);
	bench_jadd(x, "stream_bytes_per_s", r->tcp_bps);
	bench_jadd(x, "messages_per_s", r->msgs_ps);
	bench_jadd(x, "states_per_s", r->states_ps);
	bench_jadd(x, "ticks_without_state_per_s", r->gaps_ps);
	bench_jadd(x, "inputs_per_s", r->inputs_ps);
	bench_jadd(x, "sent_bytes_per_s", r->sent_bps);
	if (r->has_server_bps)
		bench_jadd(x, "server_delta_bytes_per_s", r->server_bps);
	if (r->has_server_bps)
		bench_jadd(x, "server_resyncs", (double)r->resyncs);
	json_object_object_add(o, "per_client", x);
	x = bench_jpct(hist_pct(&b->latency, 0.5), hist_pct(&b->latency, 0.99),
	    b->latency.max, 1e3);
	bench_jadd(x, "inputs", (double)b->latency.n);
	bench_jadd(x, "lost", (double)b->lat_lost);
	json_object_object_add(o, "input_to_visible_ms", x);
	if (b->seen.n != 0)
		json_object_object_add(o, "entities_seen", bench_jpct(
		    hist_pct(&b->seen, 0.5), hist_pct(&b->seen, 0.99),
		    b->seen.max, 1));
	bench_jadd(o, "bench_cpu_pct", r->self_pct);
	if (r->has_others) {
		bench_jadd(o, "other_cpu_pct", r->others_pct);
		bench_jadd(o, "irq_cpu_pct", r->irq_pct);
	}
	bench_jadd(o, "disconnects", (double)b->disconnects);
	bench_jadd(o, "decode_errors", (double)b->decode_errors);
	bench_jadd(o, "ticks_out_of_order", (double)b->tick_back);
	bench_jadd(o, "error_events", (double)b->error_events);
	json_object_object_add(o, "ok",
	    json_object_new_boolean(b->exit_code == 0));
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

static void
bench_finish(struct bench *b)
{
	struct bench_machine	m;
	struct bench_result	r;

	if (b->phase == BENCH_DONE)
		return;
	b->phase = BENCH_DONE;
	event_del(b->phase_timer);
	if (b->disconnects != 0 || b->decode_errors != 0 ||
	    b->join_failed != 0 || b->tick_back != 0)
		b->exit_code = 1;
	bench_machine(b, &m);
	bench_compute(b, &r);
	bench_report_text(b, &m, &r, b->json ? stderr : stdout);
	if (b->json)
		bench_report_json(b, &m, &r);
	fflush(stdout);
	event_base_loopbreak(b->base);
}

/* ---- main -------------------------------------------------------------- */

/* host and port of url into host, port, hostport; scheme defaults. */
static void
bench_url(const char *flag, const char *url, const char *scheme,
    unsigned defport, char *host, size_t hsize, unsigned *port,
    char *hostport, size_t hpsize)
{
	struct evhttp_uri	*u;
	char			*s;
	const char		*h;
	int			 p;

	if (strstr(url, "://") == NULL)
		xasprintf(&s, "%s://%s", scheme, url);
	else
		s = xstrdup(url);
	if ((u = evhttp_uri_parse(s)) == NULL ||
	    (h = evhttp_uri_get_host(u)) == NULL || *h == '\0')
		errx(EX_USAGE, "%s: %s is not a URL", flag, url);
	snprintf(host, hsize, "%s", h);
	p = evhttp_uri_get_port(u);
	*port = p > 0 ? (unsigned)p : defport;
	snprintf(hostport, hpsize, strchr(host, ':') != NULL ? "[%s]:%u" :
	    "%s:%u", host, *port);
	evhttp_uri_free(u);
	free(s);
}

/* Room for a descriptor per client; a clear error if there is none. */
static void
bench_nofile(size_t clients)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)clients + BENCH_FD_SLACK;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(EX_OSERR, "getrlimit");
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		errx(EX_OSERR, "%zu clients need %llu open files, and the hard "
		    "limit is %llu: raise it (ulimit -Hn, limits.conf) or run "
		    "fewer clients", clients, (unsigned long long)need,
		    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(EX_OSERR, "setrlimit RLIMIT_NOFILE %llu",
		    (unsigned long long)need);
}

static char *
bench_read_token(const char *path)
{
	FILE	*f;
	char	 line[1024];

	if ((f = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	if (fgets(line, sizeof line, f) == NULL)
		errx(EX_DATAERR, "%s: empty", path);
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return (xstrdup(line));
}

static int
bench_floor(unsigned sends, size_t size, int json)
{
	struct floor_result	 r;
	struct bench_machine	 m;
	struct json_object	*o;
	char			*cause;

	bench_machine(NULL, &m);
	if (floor_run(sends, size, &r, &cause) != 0)
		errx(EX_OSERR, "%s", cause);
	printf("machine: %s, %s, %ld CPUs online, on CPUs %s\n", m.arch,
	    m.cpu[0] != '\0' ? m.cpu : "unknown CPU", m.nproc, m.self_cpus);
	printf("write floor: %zu-byte write() to a loopback TCP socket "
	    "(TCP_NODELAY), %u writes: mean %.2f us, p50 %.2f us, p99 %.2f "
	    "us, max %.1f us (clock overhead %.3f us taken off)\n", r.size,
	    r.sends, r.mean_us, r.p50_us, r.p99_us, r.max_us, r.clock_us);
	printf("a system call that does nothing (getppid): %.2f us\n",
	    r.syscall_us);
	printf("so one write per client per tick costs at least %.1f ms a "
	    "tick for 500 clients, %.1f ms for 1000, %.1f ms for 2000\n",
	    r.mean_us * 500 / 1e3, r.mean_us * 1000 / 1e3,
	    r.mean_us * 2000 / 1e3);
	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "arch",
		    json_object_new_string(m.arch));
		json_object_object_add(o, "cpu", json_object_new_string(m.cpu));
		bench_jadd(o, "nproc", (double)m.nproc);
		bench_jadd(o, "size", (double)r.size);
		bench_jadd(o, "sends", r.sends);
		bench_jadd(o, "write_mean_us", r.mean_us);
		bench_jadd(o, "write_p50_us", r.p50_us);
		bench_jadd(o, "write_p99_us", r.p99_us);
		bench_jadd(o, "write_max_us", r.max_us);
		bench_jadd(o, "clock_us", r.clock_us);
		bench_jadd(o, "syscall_us", r.syscall_us);
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	}
	return (EX_OK);
}

enum {
	OPT_SCENARIO = 256, OPT_PLAYERS, OPT_CONTROL, OPT_CLIENT,
	OPT_DATA_DIR, OPT_DURATION, OPT_WARMUP, OPT_TOKEN, OPT_TOKEN_FILE,
	OPT_AREA, OPT_BATCH, OPT_PARALLEL, OPT_INPUT_MS, OPT_SEED,
	OPT_JOIN_TIMEOUT, OPT_DECODE, OPT_PREFIX, OPT_JSON, OPT_WRITE_AREA,
	OPT_WRITE_FLOOR, OPT_SENDS, OPT_SIZE, OPT_SOCKETS, OPT_TICKS,
	OPT_TICK_MS
};

static const struct option bench_options[] = {
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "players", required_argument, NULL, OPT_PLAYERS },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "client", required_argument, NULL, OPT_CLIENT },
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "area", required_argument, NULL, OPT_AREA },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "input-ms", required_argument, NULL, OPT_INPUT_MS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "join-timeout", required_argument, NULL, OPT_JOIN_TIMEOUT },
	{ "decode", required_argument, NULL, OPT_DECODE },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "write-area", required_argument, NULL, OPT_WRITE_AREA },
	{ "write-floor", no_argument, NULL, OPT_WRITE_FLOOR },
	{ "sends", required_argument, NULL, OPT_SENDS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sockets", required_argument, NULL, OPT_SOCKETS },
	{ "ticks", required_argument, NULL, OPT_TICKS },
	{ "tick-ms", required_argument, NULL, OPT_TICK_MS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct bench		*b;
	struct event		*sigint, *sigterm;
	const char		*write_area = NULL;
	char			*cause, area[64];
	unsigned		 sends = 100000, size = 64;
	unsigned		 sockets = 0, ticks = 100, tick_ms = 50;
	int			 ch, write_floor = 0, code, sends_set = 0;
	int			 ticks_set = 0;
	size_t			 i;

	b = xcalloc(1, sizeof *b);
	b->control_url = xstrdup("http://127.0.0.1:7001");
	b->duration = 30;
	b->warmup = 10;
	b->batch = 50;
	b->parallel = 32;
	b->input_ms = 100;
	b->seed = 1;
	b->join_timeout = 60;
	b->decode = 1;
	b->prefix = "zb";
	while ((ch = getopt_long(argc, argv, "h", bench_options, NULL)) != -1) {
		switch (ch) {
		case OPT_SCENARIO:
			b->scenario = optarg;
			break;
		case OPT_PLAYERS:
			b->players = (unsigned)bench_number("--players", optarg,
			    1, SCENARIO_MAX_PLAYERS);
			break;
		case OPT_CONTROL:
			free(b->control_url);
			b->control_url = xstrdup(optarg);
			break;
		case OPT_CLIENT:
			b->client_url = xstrdup(optarg);
			break;
		case OPT_DATA_DIR:
			b->data_dir = optarg;
			break;
		case OPT_DURATION:
			b->duration = bench_number("--duration", optarg, 1,
			    86400);
			break;
		case OPT_WARMUP:
			b->warmup = bench_number("--warmup", optarg, 0, 3600);
			break;
		case OPT_TOKEN:
			b->token = xstrdup(optarg);
			break;
		case OPT_TOKEN_FILE:
			b->token = bench_read_token(optarg);
			break;
		case OPT_AREA:
			b->area = xstrdup(optarg);
			break;
		case OPT_BATCH:
			b->batch = (unsigned)bench_number("--batch", optarg, 1,
			    SCENARIO_MAX_PLAYERS);
			break;
		case OPT_PARALLEL:
			b->parallel = (unsigned)bench_number("--parallel",
			    optarg, 1, 1024);
			break;
		case OPT_INPUT_MS:
			b->input_ms = (unsigned)bench_number("--input-ms",
			    optarg, 0, 60000);
			break;
		case OPT_SEED:
			b->seed = (uint64_t)bench_number("--seed", optarg, 0,
			    9007199254740991.0);
			break;
		case OPT_JOIN_TIMEOUT:
			b->join_timeout = (unsigned)bench_number(
			    "--join-timeout", optarg, 1, 3600);
			break;
		case OPT_DECODE:
			if (strcmp(optarg, "full") == 0)
				b->decode = 1;
			else if (strcmp(optarg, "header") == 0)
				b->decode = 0;
			else
				b->decode = (unsigned)bench_number("--decode "
				    "(full, header or K)", optarg, 1,
				    SCENARIO_MAX_PLAYERS);
			break;
		case OPT_PREFIX:
			b->prefix = optarg;
			if (strlen(optarg) < 1 || strlen(optarg) > 64 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
			    strlen(optarg))
				errx(EX_USAGE, "--prefix: 1 to 64 letters, "
				    "digits, '-', '_' or '.'");
			break;
		case OPT_JSON:
			b->json = 1;
			break;
		case OPT_WRITE_AREA:
			write_area = optarg;
			break;
		case OPT_WRITE_FLOOR:
			write_floor = 1;
			break;
		case OPT_SENDS:
			sends = (unsigned)bench_number("--sends", optarg, 1,
			    1e9);
			sends_set = 1;
			break;
		case OPT_SIZE:
			size = (unsigned)bench_number("--size", optarg, 1,
			    1 << 20);
			break;
		case OPT_SOCKETS:
			sockets = (unsigned)bench_number("--sockets", optarg,
			    1, 50000);
			break;
		case OPT_TICKS:
			ticks = (unsigned)bench_number("--ticks", optarg, 1,
			    1e6);
			ticks_set = 1;
			break;
		case OPT_TICK_MS:
			tick_ms = (unsigned)bench_number("--tick-ms", optarg,
			    0, 10000);
			ticks_set = 1;
			break;
		case 'h':
			usage(EX_OK);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	if (sockets != 0 && sends_set)
		errx(EX_USAGE, "--sends is for the one-pair floor: with "
		    "--sockets, --ticks");
	if (sockets == 0 && ticks_set)
		errx(EX_USAGE, "--ticks and --tick-ms need --sockets");
	if (sockets != 0 && !write_floor)
		errx(EX_USAGE, "--sockets needs --write-floor");
	if (write_floor && sockets != 0)
		return (floor_ticks(sockets, ticks, tick_ms, size, b->json));
	if (write_floor)
		return (bench_floor(sends, size, b->json));
	if (b->scenario == NULL || b->players == 0)
		usage(EX_USAGE);
	if (strcmp(b->scenario, "S") != 0 && strcmp(b->scenario, "s") != 0)
		errx(EX_USAGE, "--scenario: only S is defined (issue 7)");
	b->scenario = "S";
	if (scenario_area_name(area, sizeof area, b->players) != 0)
		errx(EX_SOFTWARE, "area name");
	if (write_area != NULL) {
		if (scenario_write_area(write_area, b->players, &cause) != 0)
			errx(EX_CANTCREAT, "%s", cause);
		printf("%s\n", cause);
		free(cause);
		return (EX_OK);
	}
	if (b->area == NULL)
		b->area = xstrdup(area);

	bench_url("--control", b->control_url, "http", 80, b->ctl_host,
	    sizeof b->ctl_host, &b->ctl_port, b->ctl_hostport,
	    sizeof b->ctl_hostport);
	if (b->client_url != NULL)
		bench_url("--client", b->client_url, "ws", 80, b->cli_host,
		    sizeof b->cli_host, &b->cli_port, b->cli_hostport,
		    sizeof b->cli_hostport);
	bench_nofile(b->players);
	signal(SIGPIPE, SIG_IGN);
	if (b->data_dir != NULL) {
		if (scenario_write_characters(b->data_dir, b->prefix, b->area,
		    b->players, b->seed, &cause) != 0)
			errx(EX_CANTCREAT, "%s", cause);
		fprintf(stderr, "zoned-bench: wrote %u characters %s0..%s%u "
		    "in %s/characters\n", b->players, b->prefix, b->prefix,
		    b->players - 1, b->data_dir);
	}

	if ((b->base = event_base_new()) == NULL)
		errx(EX_OSERR, "event_base_new failed");
	b->mask_rng = b->seed ^ 0x6d61736b6d61736bULL;
	b->n = b->players;
	b->clients = xcalloc(b->n, sizeof *b->clients);
	for (i = 0; i < b->n; i++) {
		b->clients[i].b = b;
		b->clients[i].idx = (unsigned)i;
		b->clients[i].fd = -1;
		b->clients[i].rng = b->seed * 0x100000001b3ULL + i;
		b->clients[i].full = b->decode != 0 && i % b->decode == 0;
		delta_view_init(&b->clients[i].view);
	}
	b->phase_timer = evtimer_new(b->base, bench_restart_cb, b);
	sigint = evsignal_new(b->base, SIGINT, bench_signal_cb, b);
	sigterm = evsignal_new(b->base, SIGTERM, bench_signal_cb, b);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);

	b->now = bench_now();
	ctl_request(b, EVHTTP_REQ_GET, "/v1/status", NULL, 10, bench_start_cb,
	    b);
	event_base_dispatch(b->base);

	/* Goodbye to every client: zoned sees them leave. */
	b->phase = BENCH_DONE;
	for (i = 0; i < b->n; i++) {
		client_close(&b->clients[i], "end of the run");
		client_free(&b->clients[i]);
	}
	code = b->exit_code;
	if (b->pace != NULL)
		event_free(b->pace);
	if (b->poll != NULL)
		event_free(b->poll);
	event_free(b->phase_timer);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(b->base);
	free(b->clients);
	free(b->control_url);
	free(b->client_url);
	free(b->token);
	free(b->area);
	free(b);
	return (code);
}
