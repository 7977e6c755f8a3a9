/*
 * The floor under a tick's cost: one small write() to a loopback TCP
 * socket, which zoned does once per client per tick. On loopback the
 * writer's write() also runs the receiver's side of TCP, so this is what
 * a tick pays per client before any game work; compare it with the
 * server's cost per tick divided by its clients.
 *
 * A pair over 127.0.0.1 with TCP_NODELAY (as zoned's client sockets);
 * the reader is drained every few writes, untimed, so that the buffer
 * never fills and no write waits.
 *
 * With --sockets N, floor_ticks: N connections written in turn each
 * tick, drained by a reader process on another CPU; see below.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "xmalloc.h"
#include "zoned-bench-common.h"

#define FLOOR_DRAIN_EVERY	16
#define FLOOR_WARMUP		1000
#define FLOOR_SYSCALLS		100000

static uint64_t
floor_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

static void
floor_drain(int fd)
{
	char	buf[65536];
	ssize_t	n;

	do
		n = read(fd, buf, sizeof buf);
	while (n > 0 || (n == -1 && errno == EINTR));
}

/* A connected pair over 127.0.0.1: *w writes, *r reads (non-blocking). */
static int
floor_pair(int *w, int *r, char **cause)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			l, one = 1;

	*w = *r = -1;
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		goto fail;
	if ((*w = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(*w, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    (*r = accept(l, NULL, NULL)) == -1)
		goto fail;
	close(l);
	(void)setsockopt(*w, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fcntl(*r, F_SETFL, fcntl(*r, F_GETFL) | O_NONBLOCK) == -1)
		goto fail;
	return (0);

fail:
	xasprintf(cause, "loopback pair: %s", strerror(errno));
	if (l != -1)
		close(l);
	if (*w != -1)
		close(*w);
	if (*r != -1)
		close(*r);
	return (-1);
}

/*
 * Times sends writes of size bytes each. Returns 0, or -1 with *cause
 * (caller frees).
 */
int
floor_run(unsigned sends, size_t size, struct floor_result *res,
    char **cause)
{
	struct hist	*h;
	uint8_t		*buf;
	uint64_t	 t0, t1, clk = 0;
	unsigned	 i;
	ssize_t		 n;
	int		 w, r;

	if (floor_pair(&w, &r, cause) != 0)
		return (-1);
	buf = xcalloc(1, size);
	h = xcalloc(1, sizeof *h);

	/* What the clock itself costs, taken off every sample. */
	t0 = floor_ns();
	for (i = 0; i < 100000; i++)
		(void)floor_ns();
	clk = (floor_ns() - t0) / 100000;

	/*
	 * What entering the kernel costs, the part of a write no socket
	 * adds (much more in some virtual machines than on bare metal).
	 */
	t0 = floor_ns();
	for (i = 0; i < FLOOR_SYSCALLS; i++)
		(void)syscall(SYS_getppid);
	res->syscall_us = (double)(floor_ns() - t0) / FLOOR_SYSCALLS / 1e3;

	for (i = 0; i < FLOOR_WARMUP + sends; i++) {
		t0 = floor_ns();
		do
			n = write(w, buf, size);
		while (n == -1 && errno == EINTR);
		t1 = floor_ns();
		if (n != (ssize_t)size) {
			xasprintf(cause, "write: %s", n == -1 ?
			    strerror(errno) : "short");
			free(buf);
			free(h);
			close(w);
			close(r);
			return (-1);
		}
		if (i >= FLOOR_WARMUP)
			hist_add(h, t1 - t0 > clk ? t1 - t0 - clk : 0);
		if (i % FLOOR_DRAIN_EVERY == FLOOR_DRAIN_EVERY - 1)
			floor_drain(r);
	}
	res->sends = sends;
	res->size = size;
	res->mean_us = hist_mean(h) / 1e3;
	res->p50_us = (double)hist_pct(h, 0.5) / 1e3;
	res->p99_us = (double)hist_pct(h, 0.99) / 1e3;
	res->max_us = (double)h->max / 1e3;
	res->clock_us = (double)clk / 1e3;
	free(buf);
	free(h);
	close(w);
	close(r);
	return (0);
}

/* ---- --sockets: a tick's writes to many clients ------------------------- */

/*
 * What the single pair above leaves out, and the live server pays: the
 * N sockets of a tick are written one after the other, each cold in the
 * cache, and each write wakes a receiver that sleeps in epoll on another
 * CPU (an IPI), whose reads then send ACKs back. So N connections, a
 * reader process pinned to another CPU draining them through epoll as a
 * client process would, and a writer pinned to its own CPU that, every
 * tick_ms (0: back to back), writes one message to each in turn.
 */

#define TICKS_WARMUP		5	/* untimed: new connections' first writes */
#define TICKS_FD_SLACK		64	/* descriptors beyond the 2N sockets */
#define TICKS_EVENTS		256

/* What the reader tells the writer over a pipe: once ready, once done. */
struct ticks_msg {
	int		 cpu;		/* -1: no other CPU, shares the writer's */
	uint64_t	 wakeups;	/* epoll_wait returns with data */
	uint64_t	 events;	/* sockets ready, summed over those */
	uint64_t	 bytes;
};

/* Room for both ends of n connections; a clear error if there is none. */
static int
ticks_nofile(unsigned n, char **cause)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)n * 2 + TICKS_FD_SLACK;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		xasprintf(cause, "getrlimit RLIMIT_NOFILE: %s", strerror(errno));
		return (-1);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			xasprintf(cause, "--sockets %u needs %llu open files "
			    "(both ends), and the hard limit is %llu: raise it "
			    "(ulimit -Hn, limits.conf) or use fewer sockets", n,
			    (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
			return (-1);
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			xasprintf(cause, "setrlimit RLIMIT_NOFILE %llu: %s",
			    (unsigned long long)need, strerror(errno));
			return (-1);
		}
	}
	return (0);
}

static void
ticks_close(int *fds, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * n connections over 127.0.0.1, both ends non-blocking: w[i] writes with
 * TCP_NODELAY (as zoned's client sockets), r[i] reads. Connected and
 * accepted one at a time, so the listen queue never overflows.
 */
static int
ticks_conns(unsigned n, int *w, int *r, char **cause)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	const char		*what;
	unsigned		i;
	int			l, one = 1;

	for (i = 0; i < n; i++)
		w[i] = r[i] = -1;
	what = "socket";
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	what = "listen";
	if (bind(l, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(l, 16) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		what = "connect";
		if ((w[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1 ||
		    connect(w[i], (struct sockaddr *)&sin, sizeof sin) == -1)
			goto fail;
		what = "accept";
		if ((r[i] = accept4(l, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) == -1)
			goto fail;
		what = "TCP_NODELAY";
		if (setsockopt(w[i], IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one) == -1)
			goto fail;
		what = "O_NONBLOCK";
		if (fcntl(w[i], F_SETFL, fcntl(w[i], F_GETFL) | O_NONBLOCK) ==
		    -1)
			goto fail;
	}
	close(l);
	return (0);

fail:
	xasprintf(cause, "loopback connection %u of %u: %s: %s", i + 1, n,
	    what, strerror(errno));
	if (l != -1)
		close(l);
	ticks_close(w, n);
	ticks_close(r, n);
	return (-1);
}

/*
 * Pins us to one CPU, the first we may run on; its number, or -1 with
 * *cause. *was keeps what we had, to give it back and to pick the
 * reader's CPU from.
 */
static int
ticks_pin_writer(cpu_set_t *was, char **cause)
{
	cpu_set_t	set;
	int		cpu;

	if (sched_getaffinity(0, sizeof *was, was) == -1) {
		xasprintf(cause, "sched_getaffinity: %s", strerror(errno));
		return (-1);
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, was))
			continue;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) == -1) {
			xasprintf(cause, "sched_setaffinity CPU %d: %s", cpu,
			    strerror(errno));
			return (-1);
		}
		return (cpu);
	}
	xasprintf(cause, "sched_getaffinity: no CPU");
	return (-1);
}

/*
 * Pins the reader to a CPU other than the writer's: one we were allowed
 * first (taskset), else any online. -1 if there is none.
 */
static int
ticks_pin_reader(int wcpu, const cpu_set_t *was)
{
	cpu_set_t	set;
	long		conf = sysconf(_SC_NPROCESSORS_CONF);
	int		cpu, pass;

	if (conf < 1 || conf > CPU_SETSIZE)
		conf = CPU_SETSIZE;
	for (pass = 0; pass < 2; pass++) {
		for (cpu = 0; cpu < conf; cpu++) {
			if (cpu == wcpu || (pass == 0) != CPU_ISSET(cpu, was))
				continue;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof set, &set) == 0)
				return (cpu);
		}
	}
	return (-1);
}

static int
ticks_msg_write(int fd, const struct ticks_msg *m)
{
	ssize_t	n;

	do
		n = write(fd, m, sizeof *m);
	while (n == -1 && errno == EINTR);
	return (n == (ssize_t)sizeof *m ? 0 : -1);
}

static int
ticks_msg_read(int fd, struct ticks_msg *m)
{
	ssize_t	n;

	do
		n = read(fd, m, sizeof *m);
	while (n == -1 && errno == EINTR);
	return (n == (ssize_t)sizeof *m ? 0 : -1);
}

/*
 * The reader process: epoll on every socket, one read each time it is
 * ready, as a client's event loop would; done when the writer has closed
 * them all. Never returns.
 */
static __attribute__((noreturn)) void
ticks_reader(int *r, unsigned n, int wcpu, const cpu_set_t *was, int out)
{
	struct epoll_event	ev, evs[TICKS_EVENTS];
	struct ticks_msg	m;
	char			buf[65536];
	const char		*what;
	unsigned		open = n, i;
	ssize_t			got;
	int			ep, nev, k, any;

	memset(&m, 0, sizeof m);
	m.cpu = ticks_pin_reader(wcpu, was);
	what = "epoll_create1";
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail;
	what = "epoll_ctl";
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, r[i], &ev) == -1)
			goto fail;
	}
	what = "pipe to the writer";
	if (ticks_msg_write(out, &m) != 0)
		goto fail;
	while (open != 0) {
		if ((nev = epoll_wait(ep, evs, TICKS_EVENTS, -1)) == -1) {
			what = "epoll_wait";
			if (errno == EINTR)
				continue;
			goto fail;
		}
		any = 0;
		for (k = 0; k < nev; k++) {
			i = evs[k].data.u32;
			got = read(r[i], buf, sizeof buf);
			if (got > 0) {
				m.bytes += (uint64_t)got;
				any = 1;
			} else if (got == 0) {
				/* The writer is done with this one. */
				close(r[i]);
				r[i] = -1;
				open--;
			} else if (errno != EAGAIN && errno != EINTR) {
				what = "read";
				goto fail;
			}
		}
		if (any) {
			m.wakeups++;
			m.events += (uint64_t)nev;
		}
	}
	what = "pipe to the writer";
	if (ticks_msg_write(out, &m) != 0)
		goto fail;
	_exit(0);

fail:
	fprintf(stderr, "zoned-bench: reader: %s: %s\n", what,
	    strerror(errno));
	_exit(1);
}

/* Why the reader is gone, for an error; reaps it. */
static const char *
ticks_reap(pid_t pid, char *buf, size_t size)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(buf, size, "waitpid: %s", strerror(errno));
			return (buf);
		}
	}
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "status %#x", status);
	return (buf);
}

static void
ticks_jadd(struct json_object *o, const char *key, double v)
{
	char	buf[64];

	snprintf(buf, sizeof buf, "%.3f", v);
	json_object_object_add(o, key, json_object_new_double_s(v, buf));
}

/*
 * ticks timed passes (after TICKS_WARMUP untimed) of one size-byte write
 * to each of n sockets, every tick_ms; prints the report. Returns a
 * sysexits status.
 */
int
floor_ticks(unsigned n, unsigned ticks, unsigned tick_ms, size_t size,
    int json)
{
	struct ticks_msg	 ready, done;
	struct hist		*passes, *writes;
	struct timespec		 ts;
	struct json_object	*o;
	cpu_set_t		 was;
	void			(*oldpipe)(int);
	uint64_t		*t, clk, next, now, pass, d, want;
	uint8_t			*buf;
	unsigned		 i, k;
	ssize_t			 nw = 0;
	char			*cause = NULL, why[64];
	int			*w, *r, fds[2], wcpu, code = EX_OSERR;
	pid_t			 pid;

	if (ticks_nofile(n, &cause) != 0)
		goto out0;
	w = xcalloc(n, sizeof *w);
	r = xcalloc(n, sizeof *r);
	t = xcalloc((size_t)n + 1, sizeof *t);
	buf = xcalloc(1, size);
	passes = xcalloc(1, sizeof *passes);
	writes = xcalloc(1, sizeof *writes);
	/* A reader gone early: an error from write, not a signal. */
	oldpipe = signal(SIGPIPE, SIG_IGN);

	if ((wcpu = ticks_pin_writer(&was, &cause)) == -1)
		goto out1;
	if (ticks_conns(n, w, r, &cause) != 0)
		goto out2;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		xasprintf(&cause, "pipe: %s", strerror(errno));
		ticks_close(w, n);
		ticks_close(r, n);
		goto out2;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		xasprintf(&cause, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		ticks_close(w, n);
		ticks_close(r, n);
		goto out2;
	}
	if (pid == 0) {
		close(fds[0]);
		ticks_close(w, n);
		ticks_reader(r, n, wcpu, &was, fds[1]);
	}
	close(fds[1]);
	ticks_close(r, n);
	if (ticks_msg_read(fds[0], &ready) != 0) {
		xasprintf(&cause, "the reader did not start: %s",
		    ticks_reap(pid, why, sizeof why));
		close(fds[0]);
		ticks_close(w, n);
		goto out2;
	}

	/* What the clock itself costs, taken off every write. */
	now = floor_ns();
	for (i = 0; i < 100000; i++)
		(void)floor_ns();
	clk = (floor_ns() - now) / 100000;

	next = floor_ns();
	for (k = 0; k < TICKS_WARMUP + ticks; k++) {
		/* Sleep to the tick, so the reader is asleep in epoll. */
		if (tick_ms != 0) {
			next += (uint64_t)tick_ms * 1000000;
			if (next < (now = floor_ns()))
				next = now;	/* late: start at once */
			ts.tv_sec = (time_t)(next / 1000000000);
			ts.tv_nsec = (long)(next % 1000000000);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL) == EINTR)
				/* nothing */;
		}
		t[0] = floor_ns();
		for (i = 0; i < n; i++) {
			do
				nw = write(w[i], buf, size);
			while (nw == -1 && errno == EINTR);
			t[i + 1] = floor_ns();
			if (nw != (ssize_t)size)
				break;
		}
		if (i != n) {
			if (nw == -1 && errno == EAGAIN)
				xasprintf(&cause, "tick %u, socket %u: buffer "
				    "full, the reader fell behind (try "
				    "--tick-ms)", k + 1, i + 1);
			else
				xasprintf(&cause, "tick %u, socket %u: write: "
				    "%s", k + 1, i + 1, nw == -1 ?
				    strerror(errno) : "short");
			break;
		}
		if (k < TICKS_WARMUP)
			continue;
		pass = t[n] - t[0];
		pass = pass > clk * n ? pass - clk * n : 0;
		hist_add(passes, pass);
		for (i = 0; i < n; i++) {
			d = t[i + 1] - t[i];
			hist_add(writes, d > clk ? d - clk : 0);
		}
	}

	/* EOF on every socket ends the reader; then its counts. */
	ticks_close(w, n);
	if (ticks_msg_read(fds[0], &done) != 0) {
		if (cause == NULL)
			xasprintf(&cause, "the reader failed: %s",
			    ticks_reap(pid, why, sizeof why));
		else
			(void)ticks_reap(pid, why, sizeof why);
		close(fds[0]);
		goto out2;
	}
	close(fds[0]);
	(void)ticks_reap(pid, why, sizeof why);
	if (cause != NULL)
		goto out2;
	want = (uint64_t)(TICKS_WARMUP + ticks) * n * size;
	if (done.bytes != want) {
		xasprintf(&cause, "the reader got %llu bytes, not %llu",
		    (unsigned long long)done.bytes, (unsigned long long)want);
		goto out2;
	}

	printf("write ticks: %u loopback TCP connections (TCP_NODELAY, "
	    "non-blocking); writer on CPU %d, reader process on ", n, wcpu);
	if (ready.cpu == -1)
		printf("CPU %d too (no other CPU), ", wcpu);
	else
		printf("CPU %d, ", ready.cpu);
	printf("draining them through epoll\n");
	printf("ticks: %u timed (after %u untimed) of one %zu-byte write() "
	    "to each socket in turn, ", ticks, TICKS_WARMUP, size);
	if (tick_ms == 0)
		printf("back to back");
	else
		printf("every %u ms", tick_ms);
	printf(" (clock overhead %.3f us taken off each write)\n",
	    (double)clk / 1e3);
	printf("per write (a tick's pass / %u): mean %.2f us, p50 %.2f us, "
	    "p99 %.2f us; one write() alone: p50 %.2f us, p99 %.2f us, max "
	    "%.1f us\n", n, hist_mean(passes) / 1e3 / n,
	    (double)hist_pct(passes, 0.5) / 1e3 / n,
	    (double)hist_pct(passes, 0.99) / 1e3 / n,
	    (double)hist_pct(writes, 0.5) / 1e3,
	    (double)hist_pct(writes, 0.99) / 1e3, (double)writes->max / 1e3);
	printf("per tick (%u writes): mean %.3f ms, p50 %.3f ms, p99 %.3f ms, "
	    "max %.3f ms\n", n, hist_mean(passes) / 1e6,
	    (double)hist_pct(passes, 0.5) / 1e6,
	    (double)hist_pct(passes, 0.99) / 1e6, (double)passes->max / 1e6);
	printf("reader: woke %.1f times a tick, %.2f sockets ready a wakeup\n",
	    (double)done.wakeups / (TICKS_WARMUP + ticks),
	    done.wakeups == 0 ? 0.0 : (double)done.events / done.wakeups);
	printf("so one write per client per tick costs at least %.1f ms a "
	    "tick for %u clients\n", hist_mean(passes) / 1e6, n);
	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "sockets", json_object_new_int64(n));
		json_object_object_add(o, "ticks", json_object_new_int64(ticks));
		json_object_object_add(o, "tick_ms",
		    json_object_new_int64(tick_ms));
		json_object_object_add(o, "size",
		    json_object_new_int64((int64_t)size));
		json_object_object_add(o, "writer_cpu",
		    json_object_new_int64(wcpu));
		json_object_object_add(o, "reader_cpu",
		    json_object_new_int64(ready.cpu));
		ticks_jadd(o, "write_mean_us", hist_mean(passes) / 1e3 / n);
		ticks_jadd(o, "write_p50_us",
		    (double)hist_pct(passes, 0.5) / 1e3 / n);
		ticks_jadd(o, "write_p99_us",
		    (double)hist_pct(passes, 0.99) / 1e3 / n);
		ticks_jadd(o, "single_write_p50_us",
		    (double)hist_pct(writes, 0.5) / 1e3);
		ticks_jadd(o, "single_write_p99_us",
		    (double)hist_pct(writes, 0.99) / 1e3);
		ticks_jadd(o, "single_write_max_us",
		    (double)writes->max / 1e3);
		ticks_jadd(o, "tick_mean_ms", hist_mean(passes) / 1e6);
		ticks_jadd(o, "tick_p50_ms",
		    (double)hist_pct(passes, 0.5) / 1e6);
		ticks_jadd(o, "tick_p99_ms",
		    (double)hist_pct(passes, 0.99) / 1e6);
		ticks_jadd(o, "tick_max_ms", (double)passes->max / 1e6);
		ticks_jadd(o, "reader_wakeups_per_tick",
		    (double)done.wakeups / (TICKS_WARMUP + ticks));
		ticks_jadd(o, "clock_us", (double)clk / 1e3);
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	}
	code = EX_OK;

out2:
	(void)sched_setaffinity(0, sizeof was, &was);
out1:
	signal(SIGPIPE, oldpipe);
	free(writes);
	free(passes);
	free(buf);
	free(t);
	free(r);
	free(w);
out0:
	if (cause != NULL) {
		fprintf(stderr, "zoned-bench: --write-floor --sockets: %s\n",
		    cause);
		free(cause);
	}
	return (code);
}
