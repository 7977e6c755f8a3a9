/* Live migration, the old process's side (migrate.h). */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "control.h"
#include "dataapi.h"
#include "delta.h"
#include "fdpass.h"
#include "handoff.h"
#include "heap.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "migrate.h"
#include "options.h"
#include "session.h"
#include "sim/area.h"
#include "snapfmt.h"
#include "snapshot.h"
#include "ticker.h"
#include "writeback.h"
#include "xmalloc.h"

#define MIGRATE_POLL_MS		20	/* how often the child is checked */
#define MIGRATE_WIND_DOWN_MS	3000	/* old process, after the commit */
#define MIGRATE_DRAIN_MS	1000	/* most time to let output drain */
#define MIGRATE_DRAINED		4096	/* unsent bytes a client may keep */
#define MIGRATE_RESUMED_MS	1000	/* most wait for the first tick */
#define MIGRATE_EARLY_MS	200	/* most wait for EARLY_OK */
#define MIGRATE_PREPARED_MS	500	/* most wait for PREPARED */
/* The shared memory's pages are made this much a loop pass. */
#define MIGRATE_MAKE_PIECE	((size_t)1 << 20)
/* Snapshot buffer made ready before the pause: a guess, it can grow. */
#define MIGRATE_SNAP_FIXED	((size_t)4 << 20)
#define MIGRATE_SNAP_SESSION	((size_t)4096)
/* Heap the replacement makes ready for the restore: a guess too. */
#define MIGRATE_HEAP_FIXED	((size_t)16 << 20)
#define MIGRATE_HEAP_SESSION	((size_t)24 << 10)

enum migrate_phase {
	MIGRATE_CONNECTING,	/* the replacement starts and connects */
	MIGRATE_QUIESCING	/* waiting for a tick with nothing in flight */
};

/* Sockets before the pause (migrate_send_early). */
enum migrate_early {
	EARLY_WAITING,		/* for the replacement's EARLY_OK */
	EARLY_MAKING,		/* the shared memory, a piece at a time */
	EARLY_SENT,		/* the sockets; waiting for PREPARED */
	EARLY_DONE,		/* the replacement is ready for the pause */
	EARLY_NONE		/* everything goes in the pause */
};

struct migration {
	struct instance		*inst;
	enum migrate_phase	 phase;
	pid_t			 pid;		/* 0 once reaped */
	int			 listen_fd;
	int			 sock;
	char			*path;
	int			 timeout_ms;
	struct event		*accept_ev;
	struct event		*deadline_ev;
	struct event		*poll_ev;
	struct event		*idle_ev;	/* transfer of an idle instance */
	enum migrate_early	 early_state;
	struct event		*early_ev;	/* the replacement speaks */
	uint64_t		 early_ms;	/* when it last changed */
	uint32_t		*early;		/* ids of sockets sent ahead */
	size_t			 nearly;
	uint64_t		 drain_until;	/* monotonic ms */
	uint64_t		 accepted_ms;	/* monotonic ms */
	migrate_done_cb		 cb;
	void			*arg;
	uint64_t		 started_ns;
	struct snapw		 snap;		/* its buffer, once connected */
	size_t			 snap_cap;	/* how big a buffer to make */
	void			*shared;	/* shared with the replacement */
	size_t			 shared_len;
	int			 shared_fd;	/* until sent, or -1 */
	size_t			 shared_made;	/* bytes whose pages are in */
	struct event		*make_ev;	/* makes the next piece */
	uint64_t		 make_ns;	/* when making began */
	unsigned		 make_passes;
};

static void
migrate_free(struct migration *m)
{
	if (m->accept_ev != NULL)
		event_free(m->accept_ev);
	event_free(m->deadline_ev);
	event_free(m->poll_ev);
	event_free(m->idle_ev);
	if (m->early_ev != NULL)
		event_free(m->early_ev);
	free(m->early);
	if (m->listen_fd != -1) {
		close(m->listen_fd);
		unlink(m->path);
	}
	if (m->sock != -1)
		close(m->sock);
	snapw_free(&m->snap);
	if (m->shared != NULL)
		munmap(m->shared, m->shared_len);
	if (m->shared_fd != -1)
		close(m->shared_fd);
	if (m->make_ev != NULL)
		event_free(m->make_ev);
	free(m->path);
	free(m);
}

static void
migrate_answer(struct migration *m, int status, struct json_object *o)
{
	migrate_done_cb	 cb = m->cb;
	void		*arg = m->arg;

	m->inst->migration = NULL;
	migrate_free(m);
	if (cb != NULL)
		cb(status, o, arg);
	else
		json_object_put(o);
}

/* Called off: the replacement goes, this process carries on. */
static void
migrate_fail(struct migration *m, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
migrate_fail(struct migration *m, int status, const char *fmt, ...)
{
	struct instance		*inst = m->inst;
	struct json_object	*o;
	va_list			 ap;
	char			*why;

	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	if (m->pid > 0) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
	}
	if (m->phase == MIGRATE_QUIESCING)
		writeback_hold(inst->wb, 0);
	inst->migrate.failed++;
	snprintf(inst->migrate.last_error, sizeof inst->migrate.last_error,
	    "%s", why);
	log_warn("migration: failed: %s; carrying on", why);
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(why));
	free(why);
	migrate_answer(m, status, o);
}

static void
migrate_arm_deadline(struct migration *m)
{
	struct timeval	tv;

	tv.tv_sec = m->timeout_ms / 1000;
	tv.tv_usec = (m->timeout_ms % 1000) * 1000;
	evtimer_add(m->deadline_ev, &tv);
}

static void
migrate_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;

	if (m->phase == MIGRATE_CONNECTING)
		migrate_fail(m, 504, "the replacement did not connect within "
		    "%d ms", m->timeout_ms);
	else
		migrate_fail(m, 504, "no tick without Data API requests in "
		    "flight came within %d ms", m->timeout_ms);
}

/* The replacement must not die before it connected (or at all). */
static void
migrate_poll_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;
	int			 status;

	if (waitpid(m->pid, &status, WNOHANG) != m->pid)
		return;
	m->pid = 0;
	if (WIFEXITED(status))
		migrate_fail(m, 502, "the replacement exited with status %d "
		    "before taking over", WEXITSTATUS(status));
	else
		migrate_fail(m, 502, "the replacement was killed by signal %d "
		    "before taking over", WTERMSIG(status));
}

/*
 * Nothing may be in flight at the hand-over: requests cannot move, so the
 * snapshot is taken when every answer is in. Writes that fall due
 * meanwhile are held and go with the snapshot.
 */
static int
migrate_quiet(struct instance *inst)
{
	const struct dataapi_stats	*ds = dataapi_stats(inst->api);
	const struct dataapi_stats	*ps = dataapi_stats(inst->peer_api);
	struct session			*s;

	if (ds->in_flight != 0 || ds->queued != 0 || ps->in_flight != 0 ||
	    ps->queued != 0 ||
	    inst->loading_req != NULL || !TAILQ_EMPTY(&inst->preps))
		return (0);
	/*
	 * Let what clients have not read yet drain (for a while), rather
	 * than carry stale frames across; what is left still moves with the
	 * snapshot.
	 */
	if (monotonic_ms() >= inst->migration->drain_until)
		return (1);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (session_output_queued(s) > MIGRATE_DRAINED)
			return (0);
	}
	return (1);
}

/*
 * Full JSON states are not sent while a migration gets ready (session.c),
 * for at most MIGRATE_DRAIN_MS, so that the few hundred KiB each client
 * may have unread drain rather than travel; a migration still waiting for
 * the Data API after that does not freeze the clients' view meanwhile.
 * Deltas are small and go on: holding them would lengthen the pause the
 * clients see and make every client resynchronise afterwards.
 */
int
migrate_holding_states(struct instance *inst)
{
	return (inst->migration != NULL &&
	    inst->migration->phase == MIGRATE_QUIESCING &&
	    options_choice(inst->options, OPT_STATE_FORMAT) ==
	    SESSION_FORMAT_JSON &&
	    monotonic_ms() < inst->migration->drain_until);
}

static void
migrate_wind_down_cb(evutil_socket_t fd, short events, void *arg)
{
	struct instance	*inst = arg;
	struct timeval	 tv = { 0, 200000 };

	if (inst->run != NULL) {
		lifecycle_run_free(inst->run);
		inst->run = NULL;
		inst->state = STATE_IDLE;
	}
	/* Connections that were closing finish here, then we go. */
	if (inst->nsessions == 0 || monotonic_ms() > inst->wind_down_ms) {
		log_info("handed over: exiting (%zu closing connection(s) "
		    "cut)", inst->nsessions);
		event_base_loopexit(inst->base, &tv);
		event_del(inst->wind_down_ev);
	}
}

/*
 * Committed: what moved is let go without a word (the sockets stay open
 * in the replacement), and this process winds down.
 */
static void
migrate_let_go(struct instance *inst)
{
	struct session	*s, *next;
	struct timeval	 tv = { 0, 100000 };

	inst->handed_over = 1;
	for (s = TAILQ_FIRST(&inst->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (session_migratable(s))
			session_forget(s);
	}
	handoff_free_all(inst);
	writeback_forget_all(inst->wb);
	listener_free(inst->client_listener);
	inst->client_listener = NULL;
	/* Inside the ticker's callback: the run is freed a little later. */
	if (inst->run != NULL)
		evtimer_del(inst->run->writeback_timer);
	inst->wind_down_ms = monotonic_ms() + MIGRATE_WIND_DOWN_MS;
	inst->wind_down_ev = event_new(inst->base, -1, EV_PERSIST,
	    migrate_wind_down_cb, inst);
	event_add(inst->wind_down_ev, &tv);
}

/*
 * What is left for this process after the commit (letting go of every
 * session, answering, exiting) runs only when the CPU has nothing else to
 * do: on a CPU it shares with the replacement, it took 33 ms from the
 * replacement's first tick at 1,000 clients.
 */
static void
migrate_step_aside(void)
{
#ifdef SCHED_IDLE
	struct sched_param	sp;

	memset(&sp, 0, sizeof sp);
	if (sched_setscheduler(0, SCHED_IDLE, &sp) == -1)
		log_debug("migration: SCHED_IDLE: %s", strerror(errno));
#endif
}

/*
 * The hand-over itself, with the loop stopped at a tick boundary: the
 * snapshot and the sockets go, the replacement restores and says so, and
 * COMMIT is the point of no return. Returns 1 if this process let go.
 */
static int
migrate_transfer(struct migration *m)
{
	struct instance		*inst = m->inst;
	struct snapw		*w = &m->snap;
	struct snapshot_fds	 f;
	struct json_object	*o;
	uint64_t		 stop_ns, done_ns, written_ns, sent_ns, pause_us;
	uint64_t		 restored_ns;
	char			*cause = NULL;
	int			 rv, status = 502;

	stop_ns = monotonic_ns();
	listener_enable(inst->client_listener, 0);
	control_enable(inst, 0);
	if (w->buf == NULL)	/* no word from the replacement yet */
		snapw_init_reserve(w, m->snap_cap);
	snapshot_write(inst, stop_ns, m->early, m->nearly, w, &f);
	written_ns = monotonic_ns();
	/* In the shared memory, if the replacement has it. */
	if ((m->shared != NULL && w->buf == m->shared && m->nearly != 0 ?
	    fdpass_send_shared(m->sock, w->len, f.fds, f.ids, f.n,
	    m->timeout_ms, &cause) :
	    fdpass_send(m->sock, w->buf, w->len, f.fds, f.ids, f.n,
	    m->timeout_ms, &cause)) != 0 ||
	    ((sent_ns = monotonic_ns()) != 0 &&
	    (rv = fdpass_recv_verdict(m->sock, m->timeout_ms, &cause)) !=
	    FDPASS_RESTORED)) {
		if (strstr(cause, "timed out") != NULL)
			status = 504;
		goto fail;
	}
	/*
	 * The parts of the pause end here, before the commit: once it is
	 * sent, the replacement may tick before this process (sharing a
	 * CPU with it) reads the clock again.
	 */
	restored_ns = monotonic_ns();
	if (fdpass_send_verdict(m->sock, FDPASS_COMMIT, NULL, m->timeout_ms,
	    &cause) != 0)
		goto fail;

	/*
	 * Committed. The pause lasts until the replacement's first tick,
	 * which it reports; one that does not (an older zoned) is taken to
	 * have started at the commit.
	 */
	done_ns = monotonic_ns();
	migrate_step_aside();
	inst->migrate.count++;
	if (fdpass_recv_resumed(m->sock, MIGRATE_RESUMED_MS, &pause_us,
	    &cause) != 0) {
		log_info("migration: no word of the first tick (%s)", cause);
		free(cause);
		cause = NULL;
		pause_us = (done_ns - stop_ns) / 1000;
	}
	inst->migrate.last_pause_us = pause_us;
	inst->migrate.last_bytes = w->len;
	inst->migrate.last_fds = f.n + m->nearly;
	inst->migrate.last_sessions = f.sessions;
	inst->migrate.last_error[0] = '\0';
	log_info("migration: committed new_pid=%ld snapshot_bytes=%zu "
	    "fds=%zu (%zu before the pause) sessions=%zu pause_ms=%.3f "
	    "(write %.3f, send %.3f, restore %.3f, resume %.3f)",
	    (long)m->pid, w->len, f.n + m->nearly, m->nearly,
	    f.sessions, (double)pause_us / 1e3,
	    (double)(written_ns - stop_ns) / 1e6,
	    (double)(sent_ns - written_ns) / 1e6,
	    (double)(restored_ns - sent_ns) / 1e6,
	    (double)pause_us / 1e3 - (double)(restored_ns - stop_ns) / 1e6);
	o = json_object_new_object();
	json_object_object_add(o, "migrated", json_object_new_boolean(1));
	json_object_object_add(o, "old_pid", json_object_new_int(getpid()));
	json_object_object_add(o, "new_pid", json_object_new_int(m->pid));
	json_object_object_add(o, "snapshot_bytes",
	    json_object_new_int64((int64_t)w->len));
	json_object_object_add(o, "fds", json_object_new_int64(
	    (int64_t)(f.n + m->nearly)));
	json_object_object_add(o, "sessions",
	    json_object_new_int64((int64_t)f.sessions));
	json_object_object_add(o, "pause_ms", json_object_new_double(
	    (double)pause_us / 1e3));
	free(f.fds);
	free(f.ids);
	m->pid = 0;	/* not ours to reap: init adopts it when we exit */
	migrate_let_go(inst);
	migrate_answer(m, 200, o);
	return (1);
fail:
	free(f.fds);
	free(f.ids);
	listener_enable(inst->client_listener, 1);
	control_enable(inst, 1);
	migrate_fail(m, status, "%s", cause);
	free(cause);
	return (0);
}

static int	migrate_send_early(struct migration *);

static void
migrate_early_state(struct migration *m, enum migrate_early state)
{
	m->early_state = state;
	m->early_ms = monotonic_ms();
}

/*
 * The snapshot's buffer, in memory shared with the replacement: a memfd
 * that goes with the sockets before the pause, mapped (and its pages
 * made) by both sides then. Passing the 1.1 MB of 1,000 sessions through
 * the socket took 2-4 ms of the pause. Returns 0 with the memory mapped
 * (its pages are made by migrate_make_cb), or -1: the snapshot then goes
 * through the socket.
 */
static int
migrate_share_snapshot(struct migration *m)
{
	void	*p;
	int	 fd;

	if ((fd = memfd_create("zoned-snapshot", MFD_CLOEXEC)) == -1 ||
	    ftruncate(fd, (off_t)m->snap_cap) == -1 ||
	    (p = mmap(NULL, m->snap_cap, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		log_warn("migration: no memory to share with the replacement "
		    "(%s): the snapshot goes through the socket",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	m->shared = p;
	m->shared_len = m->snap_cap;
	m->shared_fd = fd;
	m->shared_made = 0;
	return (0);
}

/*
 * Making the shared memory's pages (heap_populate) took 12-28 ms for the
 * 8 MiB of 1,000 sessions: done a piece a loop pass, so that ticks and
 * clients are served in between; then the sockets go.
 */
static void
migrate_make_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;
	struct timeval		 tv = { 0, 0 };
	size_t			 n = m->shared_len - m->shared_made;

	if (n > MIGRATE_MAKE_PIECE)
		n = MIGRATE_MAKE_PIECE;
	heap_populate((char *)m->shared + m->shared_made, n);
	m->shared_made += n;
	m->make_passes++;
	if (m->shared_made < m->shared_len) {
		evtimer_add(m->make_ev, &tv);	/* after the loop polled */
		return;
	}
	log_info("migration: %zu KiB of shared memory made in %.1f ms "
	    "(%u loop passes)", m->shared_len / 1024,
	    (double)(monotonic_ns() - m->make_ns) / 1e6, m->make_passes);
	snapw_init_buffer(&m->snap, m->shared, m->shared_len);
	migrate_send_early(m);
}

/* EARLY_OK heard: the shared memory first, if there can be one. */
static int
migrate_early_begin(struct migration *m)
{
	struct timeval	tv = { 0, 0 };

	if (migrate_share_snapshot(m) != 0) {
		snapw_init_reserve(&m->snap, m->snap_cap);
		return (migrate_send_early(m));
	}
	migrate_early_state(m, EARLY_MAKING);
	m->make_ns = monotonic_ns();
	m->make_ev = evtimer_new(m->inst->base, migrate_make_cb, m);
	evtimer_add(m->make_ev, &tv);
	return (0);
}

/*
 * What the replacement said before the transfer, if anything: EARLY_OK
 * (the sockets go then) or PREPARED. Returns 1 if it said something it
 * should, 0 if not, -1 if the migration failed.
 */
static int
migrate_early_heard(struct migration *m)
{
	char	*cause;
	int	 rv;

	if (m->early_state != EARLY_WAITING && m->early_state != EARLY_SENT)
		return (0);
	rv = fdpass_poll_word(m->sock, m->early_state == EARLY_WAITING ?
	    FDPASS_EARLY_OK : FDPASS_PREPARED, &cause);
	if (rv == -1) {
		migrate_fail(m, 502, "%s", cause);
		free(cause);
		return (-1);
	}
	if (rv == 1)
		return (0);
	if (m->early_state == EARLY_SENT) {
		migrate_early_state(m, EARLY_DONE);
		return (1);
	}
	return (migrate_early_begin(m) == 0 ? 1 : -1);
}

/*
 * At a tick: whether the hand-over must wait for the early sockets. A
 * tick may come before the loop read the replacement's EARLY_OK, so it
 * is looked for here too; then the replacement sets their connections up
 * (on a CPU it may share with us) and says PREPARED, and the pause waits
 * for that. A replacement that says nothing (an older zoned, which does
 * not know MIGRATE_EARLY_ENV) is waited for MIGRATE_EARLY_MS at most, one
 * that does not say PREPARED MIGRATE_PREPARED_MS. Returns 1 if the
 * hand-over must wait (or the migration failed).
 */
static int
migrate_early_due(struct migration *m)
{
	uint64_t	now;
	int		rv;

	if ((rv = migrate_early_heard(m)) != 0)
		return (rv == -1 || m->early_state != EARLY_DONE);
	now = monotonic_ms();
	switch (m->early_state) {
	case EARLY_WAITING:
		if (now < m->early_ms + MIGRATE_EARLY_MS)
			return (1);
		log_info("migration: the replacement does not take sockets "
		    "early");
		migrate_early_state(m, EARLY_NONE);
		/* The buffer now, the transfer at the next tick. */
		snapw_init_reserve(&m->snap, m->snap_cap);
		return (1);
	case EARLY_MAKING:
		return (1);
	case EARLY_SENT:
		if (now < m->early_ms + MIGRATE_PREPARED_MS)
			return (1);
		log_info("migration: the replacement did not say it was "
		    "prepared within %d ms: going on", MIGRATE_PREPARED_MS);
		migrate_early_state(m, EARLY_DONE);
		return (0);
	default:
		return (0);
	}
}

/* At a tick boundary (lifecycle.c): hand over now if all is quiet. */
int
migrate_tick(struct instance *inst)
{
	struct migration	*m = inst->migration;

	if (m == NULL || m->phase != MIGRATE_QUIESCING)
		return (0);
	if (migrate_early_due(m))
		return (0);
	if (!migrate_quiet(inst))
		return (0);
	return (migrate_transfer(m));
}

/* An idle instance has no ticks: it hands over as soon as it is quiet. */
static void
migrate_idle_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;
	struct timeval		 tv = { 0, MIGRATE_POLL_MS * 1000 };

	if (m->inst->run != NULL)
		return;		/* allocated meanwhile: ticks take over */
	if (!migrate_quiet(m->inst)) {
		evtimer_add(m->idle_ev, &tv);
		return;
	}
	migrate_transfer(m);
}

static int
migrate_cmp_id(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The replacement takes sockets before the pause: the listeners and every
 * client's go now, while we run, so that the pause carries only those of
 * clients that come later (in one test, 1,002 sockets took 3-8 ms of the
 * pause to pass, and setting up their connections 4 more). The
 * replacement's copies keep a connection open after we close ours: ws.c
 * shuts a connection down when it ends, so its client still sees the end.
 */
static int
migrate_send_early(struct migration *m)
{
	struct instance	*inst = m->inst;
	struct session	*s;
	uint64_t	 t0 = monotonic_ns();
	size_t		 n = 0;
	int		*fds, rv;
	char		*cause;

	fds = xcalloc(inst->nsessions + 3, sizeof *fds);
	m->early = xcalloc(inst->nsessions + 3, sizeof *m->early);
	if ((fds[n] = m->shared_fd) != -1)
		m->early[n++] = LIFECYCLE_FD_SNAPSHOT;
	fds[n] = listener_fd(inst->client_listener);
	m->early[n++] = LIFECYCLE_FD_CLIENT;
	fds[n] = control_listen_fd(inst);
	m->early[n++] = LIFECYCLE_FD_CONTROL;
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (!session_migratable(s))
			continue;
		fds[n] = session_fd(s);
		m->early[n++] = s->id;
	}
	rv = fdpass_send_early(m->sock, fds, m->early, n, m->timeout_ms,
	    &cause);
	if (m->shared_fd != -1) {
		close(m->shared_fd);	/* the mapping stays */
		m->shared_fd = -1;
	}
	if (rv != 0) {
		free(fds);
		migrate_fail(m, strstr(cause, "timed out") != NULL ? 504 : 502,
		    "sending the sockets ahead: %s", cause);
		free(cause);
		return (-1);
	}
	free(fds);
	m->nearly = n;
	qsort(m->early, n, sizeof *m->early, migrate_cmp_id);
	migrate_early_state(m, EARLY_SENT);
	event_add(m->early_ev, NULL);	/* for PREPARED */
	log_info("migration: %zu sockets sent ahead in %.1f ms", n,
	    (double)(monotonic_ns() - t0) / 1e6);
	return (0);
}

/* The replacement spoke before the transfer. */
static void
migrate_early_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;

	if (migrate_early_heard(m) == -1)
		return;
	/* After EARLY_OK nothing is due until the sockets went. */
	if (m->early_state == EARLY_WAITING || m->early_state == EARLY_SENT)
		event_add(m->early_ev, NULL);
}

static void
migrate_accept_cb(evutil_socket_t fd, short events, void *arg)
{
	struct migration	*m = arg;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;
	int			 s;

	if ((s = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    cred.uid != geteuid()) {
		log_warn("migration: a stranger (uid %ld) connected to %s: "
		    "ignored", (long)cred.uid, m->path);
		close(s);
		return;
	}
	m->sock = s;
	event_free(m->accept_ev);
	m->accept_ev = NULL;
	close(m->listen_fd);
	unlink(m->path);
	m->listen_fd = -1;
	m->phase = MIGRATE_QUIESCING;
	m->accepted_ms = monotonic_ms();
	m->drain_until = m->accepted_ms + MIGRATE_DRAIN_MS;
	m->snap_cap = MIGRATE_SNAP_FIXED + m->inst->nsessions *
	    MIGRATE_SNAP_SESSION;
	writeback_hold(m->inst->wb, 1);
	m->early_ev = event_new(m->inst->base, s, EV_READ, migrate_early_cb, m);
	event_add(m->early_ev, NULL);
	migrate_early_state(m, EARLY_WAITING);
	evtimer_del(m->deadline_ev);
	migrate_arm_deadline(m);
	log_info("migration: replacement pid=%ld connected after %.1f ms; "
	    "waiting for a quiet tick", (long)m->pid,
	    (double)(monotonic_ns() - m->started_ns) / 1e6);
	if (m->inst->run == NULL)
		event_active(m->idle_ev, EV_TIMEOUT, 0);
}

/* The replacement's command line: ours, with --takeover PATH. */
static char **
migrate_argv(struct instance *inst, const char *binary, const char *path)
{
	char	**argv;
	size_t	  n = 0, i;

	while (inst->argv[n] != NULL)
		n++;
	argv = xcalloc(n + 3, sizeof *argv);
	argv[0] = (char *)binary;
	for (i = 1; i < n; i++)
		argv[i] = inst->argv[i];
	argv[n] = (char *)"--takeover";
	argv[n + 1] = (char *)path;
	return (argv);
}

/* A Unix socket in the state directory for the replacement to call. */
static int
migrate_listen(struct migration *m, char **cause)
{
	struct sockaddr_un	sun;
	const char		*dir = options_get(m->inst->options,
				    OPT_STATE_DIR);

	xasprintf(&m->path, "%s/migrate-%ld.sock", dir, (long)getpid());
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(m->path) >= sizeof sun.sun_path) {
		xasprintf(cause, "state-dir %s is too long a path for a Unix "
		    "socket", dir);
		return (-1);
	}
	memcpy(sun.sun_path, m->path, strlen(m->path));
	m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (m->listen_fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	unlink(m->path);
	if (bind(m->listen_fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    chmod(m->path, 0600) == -1 || listen(m->listen_fd, 1) == -1) {
		xasprintf(cause, "%s: %s", m->path, strerror(errno));
		close(m->listen_fd);
		m->listen_fd = -1;
		unlink(m->path);
		return (-1);
	}
	return (0);
}

/*
 * The replacement process: binary with argv, keeping no descriptor of ours
 * but 0, 1 and 2 (same process group: a terminal's ^C still reaches it).
 * posix_spawn where it can close the rest: glibc's clones without copying
 * our page tables, whereas after a fork every page of ours written before
 * the child's exec faults (measured: a tick of 15 ms took 123 ms after the
 * fork, at 1,000 clients). Returns the pid, or -1 with *cause.
 */
static pid_t
migrate_exec(const char *binary, char **argv, char **cause)
{
	extern char			**environ;
	pid_t				  pid;
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	posix_spawn_file_actions_t	  fa;
	int				  error;

	if ((error = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (error = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (error = posix_spawn(&pid, binary, &fa, NULL, argv,
	    environ)) != 0) {
		xasprintf(cause, "spawn %s: %s", binary, strerror(error));
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	return (pid);
#else
	int				  fd;

	switch (pid = fork()) {
	case -1:
		xasprintf(cause, "fork: %s", strerror(errno));
		return (-1);
	case 0:
		if (close_range(3, ~0U, 0) != 0) {
			for (fd = 3; fd < 65536; fd++)
				close(fd);
		}
		execve(binary, argv, environ);
		fprintf(stderr, "zoned: migration: exec %s: %s\n", binary,
		    strerror(errno));
		_exit(127);
	}
	return (pid);
#endif
}

static int
migrate_spawn(struct migration *m, const char *binary, char **cause)
{
	char		**argv = migrate_argv(m->inst, binary, m->path);
	struct session	 *s;
	char		  heap[32];
	size_t		  want;
	pid_t		  pid;

	/*
	 * How much heap the replacement should have ready (takeover.c): what
	 * restoring a session takes (measured: 22 MiB for 1,000 sessions and
	 * 2,000 mobs) and its delta table, but not more than we use
	 * ourselves.
	 */
	want = MIGRATE_HEAP_FIXED + m->inst->nsessions * MIGRATE_HEAP_SESSION;
	TAILQ_FOREACH(s, &m->inst->sessions, entry) {
		if (s->dk != NULL)
			want += delta_known_bytes(s->dk);
	}
	if (want > heap_in_use())
		want = heap_in_use();
	snprintf(heap, sizeof heap, "%zu", want);
	setenv(MIGRATE_HEAP_ENV, heap, 1);
	if (m->inst->run != NULL)
		setenv(MIGRATE_AREA_ENV, m->inst->run->area->name, 1);
	setenv(MIGRATE_EARLY_ENV, "1", 1);
	pid = migrate_exec(binary, argv, cause);
	unsetenv(MIGRATE_HEAP_ENV);
	unsetenv(MIGRATE_AREA_ENV);
	unsetenv(MIGRATE_EARLY_ENV);
	free(argv);
	if (pid == -1)
		return (-1);
	m->pid = pid;
	return (0);
}

/*
 * Starts a migration to binary (NULL: the binary this process runs).
 * done is told the outcome later. Returns -1 with *status (400, 409,
 * 500) and *cause when it cannot start.
 */
int
migrate_start(struct instance *inst, const char *binary,
    migrate_done_cb done, void *arg, int *status, char **cause)
{
	struct migration	*m;
	struct timeval		 tv = { 0, MIGRATE_POLL_MS * 1000 };

	*status = 409;
	if (inst->migration != NULL) {
		*cause = xstrdup("a migration is already under way");
		return (-1);
	}
	if (inst->stopping || inst->handed_over) {
		*cause = xstrdup("the server is shutting down");
		return (-1);
	}
	if (inst->state != STATE_IDLE && inst->state != STATE_RUNNING) {
		xasprintf(cause, "not possible in state %s",
		    lifecycle_state_name(inst->state));
		return (-1);
	}
	*status = 400;
	if (binary == NULL)
		binary = inst->exe;
	if (*binary != '/') {
		xasprintf(cause, "binary %s: not an absolute path", binary);
		return (-1);
	}
	if (access(binary, X_OK) == -1) {
		xasprintf(cause, "binary %s: %s", binary, strerror(errno));
		return (-1);
	}
	*status = 500;
	m = xcalloc(1, sizeof *m);
	m->inst = inst;
	m->sock = -1;
	m->listen_fd = -1;
	m->shared_fd = -1;
	m->timeout_ms = (int)options_number(inst->options,
	    OPT_MIGRATE_TIMEOUT);
	m->cb = done;
	m->arg = arg;
	m->started_ns = monotonic_ns();
	m->deadline_ev = evtimer_new(inst->base, migrate_deadline_cb, m);
	m->poll_ev = event_new(inst->base, -1, EV_PERSIST, migrate_poll_cb, m);
	m->idle_ev = evtimer_new(inst->base, migrate_idle_cb, m);
	if (migrate_listen(m, cause) != 0 ||
	    migrate_spawn(m, binary, cause) != 0) {
		migrate_free(m);
		return (-1);
	}
	m->accept_ev = event_new(inst->base, m->listen_fd, EV_READ | EV_PERSIST,
	    migrate_accept_cb, m);
	event_add(m->accept_ev, NULL);
	event_add(m->poll_ev, &tv);
	migrate_arm_deadline(m);
	inst->migration = m;
	log_info("migration: started pid=%ld binary=%s", (long)m->pid, binary);
	return (0);
}

/* Shutdown while a migration is under way: call it off. */
void
migrate_abort(struct instance *inst, const char *why)
{
	if (inst->migration != NULL)
		migrate_fail(inst->migration, 503, "%s", why);
}
