/* State sync: interest, binary deltas, one write a client a tick. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "aoi.h"
#include "delta.h"
#include "lifecycle.h"
#include "log.h"
#include "options.h"
#include "session.h"
#include "siosock.h"
#include "sim/area.h"
#include "sim/world.h"
#include "snapfmt.h"
#include "sync.h"
#include "ticker.h"
#include "xmalloc.h"

struct sync {
	struct aoi		*aoi;
	struct delta_tick	 dt;	/* this tick's entities, shared */
	struct delta_enc	*enc;
	struct delta_buf	 buf;	/* one client's message */
	uint64_t		*view;	/* one client's, by slot; kept 0 */
	size_t			 viewcap;
	struct sync_stats	 stats;
};

/* Interest over the area's extent; NULL if the area has none. */
struct sync *
sync_new(const struct area *area, float radius)
{
	struct sync	*sy;
	struct aoi	*aoi;

	if ((aoi = aoi_new(area_width(area), area_height(area),
	    radius)) == NULL)
		return (NULL);
	sy = xcalloc(1, sizeof *sy);
	sy->aoi = aoi;
	sy->enc = delta_enc_new();
	return (sy);
}

void
sync_free(struct sync *sy)
{
	if (sy == NULL)
		return;
	aoi_free(sy->aoi);
	delta_tick_free(&sy->dt);
	delta_enc_free(sy->enc);
	delta_buf_free(&sy->buf);
	free(sy->view);
	free(sy);
}

/* s's delta for this tick, queued on its socket. */
static void
sync_send(struct sync *sy, struct session *s, struct world *w)
{
	struct world_player	*p = world_player_find(w, s->player);
	struct delta_frame	*fr = &sy->dt.frames[sy->dt.cur];
	const struct delta_entity *e;
	struct sio_attachment	 att;
	size_t			 len, self, lo, hi, nview;

	if (s->dk == NULL)
		s->dk = delta_known_new();
	/*
	 * Its entity's index in the frame: the players come first, in the
	 * world's order (delta_frame_world); else looked for.
	 */
	self = p != NULL ? (size_t)(p - w->players) : SIZE_MAX;
	if (self != SIZE_MAX && (self >= fr->n ||
	    fr->ents[self].f.id != s->player))
		self = (e = delta_frame_find(fr, s->player)) != NULL ?
		    (size_t)(e - fr->ents) : SIZE_MAX;
	/* Looked at now, to be encoded while in the cache. */
	nview = aoi_look_mask(sy->aoi, self, sy->dt.slot_of, sy->view, &lo,
	    &hi);
	sy->buf.len = 0;
	len = delta_encode_view(&sy->dt, sy->enc, s->dk, &sy->buf,
	    p != NULL ? p->last_seq : 0, sy->view, lo, hi, nview);
	att.data = sy->buf.p;
	att.len = len;
	siosock_emit_raw_binary(s->sock, "/", SYNC_EVENT_JSON,
	    sizeof SYNC_EVENT_JSON - 1, &att, 1);
	session_send_events(s);
	sy->stats.messages++;
	sy->stats.bytes += len;
	sy->stats.entities_seen += nview;
}

/*
 * After the world stepped: every due client gets its delta, then every
 * socket is written. started_ns is when the tick began (for the work
 * window: simulation, interest and encoding, not the writes).
 */
/* The run's sync, made on first use. */
static struct sync *
sync_get(struct instance *inst)
{
	struct run	*run = inst->run;

	if (run->sync == NULL && (run->sync = sync_new(run->area,
	    (float)options_number(inst->options, OPT_VIEW_RADIUS))) == NULL)
		fatalx("sync: area %s has no extent", run->area->name);
	return (run->sync);
}

/*
 * Live migration, section "MOTN": the motions of the entities as the
 * clients know them (delta_tick_save), so that the replacement's deltas
 * go on from them. Without it (an older zoned) every entity stands where
 * it is at the snapshot's tick, which is what a client of format 2 knew.
 */
void
sync_save(struct instance *inst, struct snapw *w)
{
	struct run	*run = inst->run;

	if (run->sync == NULL) {
		snapw_u32(w, 0);
		return;
	}
	delta_tick_save(&run->sync->dt, run->world->tick, w);
}

/* Before the replacement's first tick (sync_seed): no I/O. */
int
sync_restore(struct instance *inst, struct snapr *r, char **cause)
{
	struct sync	*sy = sync_get(inst);

	return (delta_tick_restore(&sy->dt, inst->run->world->tick, r,
	    cause));
}

/*
 * What dk holds as ids, as delta_known_save wants them (session.c, in a
 * live migration).
 */
void
sync_known_ids(struct instance *inst, struct delta_known *dk)
{
	struct run	*run = inst->run;

	if (run != NULL && run->sync != NULL)
		delta_known_rebase(&run->sync->dt, dk);
}

/* Room for one client's view, by slot: all zero. */
static void
sync_view_room(struct sync *sy)
{
	if (sy->dt.nwords <= sy->viewcap)
		return;
	free(sy->view);
	sy->view = xcalloc(sy->dt.nwords, sizeof *sy->view);
	sy->viewcap = sy->dt.nwords;
}

/*
 * A restored world, before its first tick: the frame the first tick's
 * deltas are against, that of the snapshot's tick, which the clients
 * whose tables came current know, with the motions sync_restore read.
 */
void
sync_seed(struct instance *inst)
{
	struct sync	*sy = sync_get(inst);

	delta_frame_world(delta_tick_frame(&sy->dt), inst->run->world);
	delta_tick_begin(&sy->dt, inst->run->world->tick, 1);
}

void
sync_tick(struct instance *inst, uint64_t started_ns)
{
	struct run	*run = inst->run;
	struct sync		*sy = sync_get(inst);
	struct delta_frame	*frame;
	struct session		*s;

	frame = delta_tick_frame(&sy->dt);
	delta_frame_world(frame, run->world);
	delta_tick_begin(&sy->dt, run->world->tick, 0);
	if (sy->dt.renumbered) {
		/* What clients know by slot, read back while it can be. */
		TAILQ_FOREACH(s, &inst->sessions, entry) {
			if (s->dk != NULL)
				delta_known_rebase(&sy->dt, s->dk);
		}
	}
	sync_view_room(sy);
	aoi_layout(sy->aoi, frame->pos, frame->n);
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (session_state_due(s))
			sync_send(sy, s, run->world);
	}
	costwin_add(&sy->stats.work, (monotonic_ns() - started_ns) / 1000);
	sy->stats.resyncs = sy->dt.resyncs;
	sy->stats.slots = sy->dt.slots.n;
	sy->stats.layouts = sy->dt.slots.gen;
	TAILQ_FOREACH(s, &inst->sessions, entry) {
		if (s->state != SESSION_CLOSING)
			siosock_write_now(s->sock);
	}
}

const struct sync_stats *
sync_stats(const struct sync *sy)
{
	return (&sy->stats);
}
