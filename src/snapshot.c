/* The whole instance into a snapshot and back (snapshot.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "areaload.h"
#include "jsonutil.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "control.h"
#include "handoff.h"
#include "session.h"
#include "sim/area.h"
#include "sim/world.h"
#include "snapfmt.h"
#include "snapshot.h"
#include "sync.h"
#include "snapworld.h"
#include "ticker.h"
#include "writeback.h"
#include "xmalloc.h"

#define INST_TAG	"INST"
#define PEND_TAG	"PEND"
#define WBCK_TAG	"WBCK"
#define SESS_TAG	"SESS"
#define HAND_TAG	"HAND"
#define MOTN_TAG	"MOTN"

#define INST_IDLE	0
#define INST_RUNNING	1

static void
snapshot_add_fd(struct snapshot_fds *f, int fd, uint32_t id)
{
	f->fds = xreallocarray(f->fds, f->n + 1, sizeof *f->fds);
	f->ids = xreallocarray(f->ids, f->n + 1, sizeof *f->ids);
	f->fds[f->n] = fd;
	f->ids[f->n] = id;
	f->n++;
}

/*
 * "INST": u8 state (0 idle, 1 running), u64 started (monotonic ms), u32
 * last session id, u64 migrations, u64 failed migrations, u64 when the
 * world stopped (monotonic ns), u32 tick rate; when running: str area,
 * u64 seed, u64 run started (monotonic ms), str neighbours (JSON), str
 * quests given out here (JSON).
 */
static void
snapshot_write_inst(struct instance *inst, uint64_t stop_ns,
    struct snapw *w)
{
	struct run	*run = inst->run;

	snapw_section_begin(w, INST_TAG);
	snapw_u8(w, run != NULL ? INST_RUNNING : INST_IDLE);
	snapw_u64(w, inst->started_ms);
	snapw_u32(w, inst->next_session_id);
	snapw_u64(w, inst->migrate.count);
	snapw_u64(w, inst->migrate.failed);
	snapw_u64(w, stop_ns);
	snapw_u32(w, inst->tick_hz);
	if (run != NULL) {
		snapw_str(w, run->area->name);
		snapw_u64(w, run->seed);
		snapw_u64(w, run->started_ms);
		snapw_str(w, jsonutil_string(run->neighbours, NULL));
		snapw_str(w, jsonutil_string(run->quests, NULL));
	}
	snapw_section_end(w);
}

static int
snapshot_cmp_id(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Whether id is among the n sorted ids of sockets sent before the pause. */
static int
snapshot_sent_early(const uint32_t *early, size_t n, uint32_t id)
{
	return (n != 0 && bsearch(&id, early, n, sizeof *early,
	    snapshot_cmp_id) != NULL);
}

/*
 * Old process, its loop stopped at a tick boundary with nothing in flight:
 * the snapshot into w (started by the caller: snapw_init or
 * snapw_init_reserve) and the sockets that go with it into f (caller
 * frees f's arrays), but for those whose ids are in early (nearly of
 * them, sorted): the replacement has them already. A player whose
 * connection is already closing leaves first; such a connection stays here
 * to finish.
 */
void
snapshot_write(struct instance *inst, uint64_t stop_ns,
    const uint32_t *early, size_t nearly, struct snapw *w,
    struct snapshot_fds *f)
{
	struct session	*s;

	memset(f, 0, sizeof *f);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (!session_migratable(s))
			session_leave_world(s, "closing during a migration");
	}
	snapshot_write_inst(inst, stop_ns, w);
	if (inst->run != NULL) {
		snapworld_write(w, inst->run->world);
		snapw_section_begin(w, PEND_TAG);
		pending_save(&inst->run->pending, w);
		snapw_section_end(w);
	}
	snapw_section_begin(w, WBCK_TAG);
	writeback_save(inst->wb, w);
	snapw_section_end(w);

	if (!snapshot_sent_early(early, nearly, LIFECYCLE_FD_CLIENT))
		snapshot_add_fd(f, listener_fd(inst->client_listener),
		    LIFECYCLE_FD_CLIENT);
	if (!snapshot_sent_early(early, nearly, LIFECYCLE_FD_CONTROL))
		snapshot_add_fd(f, control_listen_fd(inst),
		    LIFECYCLE_FD_CONTROL);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (session_migratable(s))
			f->sessions++;
	}
	snapw_section_begin(w, SESS_TAG);
	snapw_u32(w, (uint32_t)f->sessions);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (!session_migratable(s))
			continue;
		session_save(s, w);
		if (!snapshot_sent_early(early, nearly, s->id))
			snapshot_add_fd(f, session_fd(s), s->id);
	}
	snapw_section_end(w);
	snapw_section_begin(w, HAND_TAG);
	handoff_save(inst, w);
	snapw_section_end(w);
	if (inst->run != NULL) {
		snapw_section_begin(w, MOTN_TAG);
		sync_save(inst, w);
		snapw_section_end(w);
	}
	snapw_finish(w);
}

/* The sockets that came, sorted by id (a million compares otherwise). */
struct snapshot_fd {
	uint32_t	id;
	int		fd;
};

static int
snapshot_cmp_fd(const void *a, const void *b)
{
	return (snapshot_cmp_id(&((const struct snapshot_fd *)a)->id,
	    &((const struct snapshot_fd *)b)->id));
}

static struct snapshot_fd *
snapshot_index_fds(const int *fds, const uint32_t *ids, size_t n)
{
	struct snapshot_fd	*index;
	size_t			 i;

	index = xcalloc(n + 1, sizeof *index);
	for (i = 0; i < n; i++) {
		index[i].id = ids[i];
		index[i].fd = fds[i];
	}
	qsort(index, n, sizeof *index, snapshot_cmp_fd);
	return (index);
}

/* The fd sent under id, or -1. */
static int
snapshot_find_fd(const struct snapshot_fd *index, size_t n, uint32_t id)
{
	const struct snapshot_fd	*found;
	struct snapshot_fd		 key = { id, -1 };

	found = bsearch(&key, index, n, sizeof *index, snapshot_cmp_fd);
	return (found != NULL ? found->fd : -1);
}

/* The run of a running instance: area from disk, world from "WRLD". */
static int
snapshot_restore_run(struct instance *inst, struct snapr *r,
    struct snapr *wrld, struct snapr *pend, char **cause)
{
	struct run	*run;
	char		*name, *neighbours, *quests, *why;

	name = snapr_strdup(r, AREALOAD_NAME_MAX);
	run = xcalloc(1, sizeof *run);
	run->seed = snapr_u64(r);
	run->started_ms = snapr_u64(r);
	neighbours = snapr_strdup(r, 64 * 1024 * 1024);
	quests = snapr_strdup(r, 64 * 1024 * 1024);
	pending_init(&run->pending, 65536);
	inst->run = run;
	if (!snapr_ok(r)) {
		xasprintf(cause, "instance: %s", snapr_strerror(r));
		goto fail;
	}
	if (wrld == NULL) {
		xasprintf(cause, "running, but no world in the snapshot");
		goto fail;
	}
	if ((run->neighbours = jsonutil_parse(neighbours, strlen(neighbours),
	    cause)) == NULL || (run->quests = jsonutil_parse(quests,
	    strlen(quests), cause)) == NULL)
		goto fail;
	if (inst->takeover_area != NULL &&
	    strcmp(inst->takeover_area->name, name) == 0) {
		run->area = inst->takeover_area;
		inst->takeover_area = NULL;
	} else
		run->area = areaload_file(options_get(inst->options,
		    OPT_AREA_DIR), name, &why);
	if (run->area == NULL) {
		xasprintf(cause, "area %s: %s", name, why);
		free(why);
		goto fail;
	}
	run->world = world_new(run->area, inst->tick_hz, run->seed);
	if (snapworld_read(wrld, run->world, cause) != 0)
		goto fail;
	if (pend != NULL && pending_restore(&run->pending, pend, cause) != 0)
		goto fail;
	free(name);
	free(neighbours);
	free(quests);
	return (0);
fail:
	free(name);
	free(neighbours);
	free(quests);
	return (-1);
}

static int
snapshot_restore_all(struct instance *inst, const void *blob, size_t len,
    const struct snapshot_fd *fds, size_t nfds, char **cause)
{
	struct snapr	 r, sec, inst_r, wrld, pend, wbck, sess, hand, motn;
	int		 have_inst = 0, have_wrld = 0, have_pend = 0;
	int		 have_wbck = 0, have_sess = 0, have_hand = 0, rv, fd;
	int		 have_motn = 0;
	struct session	*s;
	char		 tag[SNAP_TAG_LEN + 1];
	unsigned	 format;
	uint32_t	 i, n, id, hz;
	uint8_t		 state;

	if (snapr_open(&r, blob, len, &format, cause) != 0)
		return (-1);
	while ((rv = snapr_next_section(&r, tag, &sec)) == 1) {
		if (strcmp(tag, INST_TAG) == 0 && (have_inst = 1))
			inst_r = sec;
		else if (strcmp(tag, SNAPWORLD_TAG) == 0 && (have_wrld = 1))
			wrld = sec;
		else if (strcmp(tag, PEND_TAG) == 0 && (have_pend = 1))
			pend = sec;
		else if (strcmp(tag, WBCK_TAG) == 0 && (have_wbck = 1))
			wbck = sec;
		else if (strcmp(tag, SESS_TAG) == 0 && (have_sess = 1))
			sess = sec;
		else if (strcmp(tag, HAND_TAG) == 0 && (have_hand = 1))
			hand = sec;
		else if (strcmp(tag, MOTN_TAG) == 0 && (have_motn = 1))
			motn = sec;
		else
			log_info("snapshot: section %s unknown here: skipped",
			    tag);
	}
	if (rv != 0) {
		xasprintf(cause, "snapshot: %s", snapr_strerror(&r));
		return (-1);
	}
	if (!have_inst || !have_wbck || !have_sess) {
		xasprintf(cause, "snapshot: a section is missing");
		return (-1);
	}
	state = snapr_u8(&inst_r);
	inst->started_ms = snapr_u64(&inst_r);
	inst->next_session_id = snapr_u32(&inst_r);
	inst->migrate.count = snapr_u64(&inst_r) + 1;
	inst->migrate.failed = snapr_u64(&inst_r);
	inst->stopped_ns = snapr_u64(&inst_r);
	hz = snapr_u32(&inst_r);
	if (!snapr_ok(&inst_r) || state > INST_RUNNING) {
		xasprintf(cause, "instance: %s", snapr_ok(&inst_r) ?
		    "unknown state" : snapr_strerror(&inst_r));
		return (-1);
	}
	if (hz != inst->tick_hz) {
		log_warn("tick-hz %u here, %u in the snapshot: the world "
		    "keeps ticking at %u", inst->tick_hz, hz, hz);
		inst->tick_hz = hz;
	}
	if (state == INST_RUNNING && snapshot_restore_run(inst, &inst_r,
	    have_wrld ? &wrld : NULL, have_pend ? &pend : NULL, cause) != 0)
		return (-1);
	if (writeback_restore(inst->wb, &wbck, cause) != 0)
		return (-1);
	/*
	 * An older zoned writes no motions (the section is new in format
	 * 6, and skipped by a zoned that does not know it): sync_seed then
	 * has every entity stand where the world has it.
	 */
	if (have_motn && inst->run != NULL &&
	    sync_restore(inst, &motn, cause) != 0)
		return (-1);
	n = snapr_u32(&sess);
	for (i = 0; i < n && snapr_ok(&sess); i++) {
		id = session_peek_id(&sess);
		if ((fd = snapshot_find_fd(fds, nfds, id)) == -1) {
			xasprintf(cause, "session %u came without its socket",
			    id);
			return (-1);
		}
		if (session_restore(inst, &sess, fd, cause) != 0)
			return (-1);
	}
	if (!snapr_ok(&sess)) {
		xasprintf(cause, "sessions: %s", snapr_strerror(&sess));
		return (-1);
	}
	/* Format 2 had no hand-overs. */
	if (have_hand && handoff_restore(inst, &hand, cause) != 0)
		return (-1);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->state == SESSION_PLAYING && s->owned == NULL &&
		    s->handoff == NULL) {
			xasprintf(cause, "session %u: player %u is neither here "
			    "nor handed over", s->id, s->player);
			return (-1);
		}
	}
	inst->takeover_fds[0] = snapshot_find_fd(fds, nfds,
	    LIFECYCLE_FD_CLIENT);
	inst->takeover_fds[1] = snapshot_find_fd(fds, nfds,
	    LIFECYCLE_FD_CONTROL);
	if (inst->takeover_fds[0] == -1 || inst->takeover_fds[1] == -1) {
		xasprintf(cause, "the listening sockets did not come");
		return (-1);
	}
	return (0);
}

/*
 * Replacement: rebuilds inst (from lifecycle_init_takeover) from the
 * snapshot and the sockets that came with it, without any I/O: nothing
 * is read, written or armed before snapshot_resume. On -1 (with a cause)
 * the caller exits at once, which leaves the sockets to the old process.
 */
int
snapshot_restore(struct instance *inst, const void *blob, size_t len,
    const int *fds, const uint32_t *ids, size_t nfds, char **cause)
{
	struct snapshot_fd	*index = snapshot_index_fds(fds, ids, nfds);
	int			 rv;

	rv = snapshot_restore_all(inst, blob, len, index, nfds, cause);
	free(index);
	return (rv);
}

/*
 * After the commit: listeners, clients, ticks and write-backs go on. The
 * first tick runs here, before the clients' input of the pause is read
 * (it can write without that: ws.c writes to the socket itself), so that
 * the pause does not include reading it; that input goes to the next.
 */
void
snapshot_resume(struct instance *inst)
{
	struct session	*s;

	lifecycle_adopt_listeners(inst);
	if (inst->run != NULL) {
		sync_seed(inst);
		lifecycle_run_start(inst, inst->run->world->tick, 1);
	}
	TAILQ_FOREACH(s, &inst->sessions, entry)
		session_resume(s);
	writeback_resume(inst->wb);
}
