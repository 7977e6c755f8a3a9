/*
 * State sync (issue 7): every tick, each playing client is sent what it
 * sees, as one binary delta (delta.h) against what it was sent before:
 * interest by aoi.c within --view-radius, one Socket.IO binary event
 * "delta" per client, written at once (one write(2) per client per
 * tick). The per-tick work (the world's entities, the interest grid,
 * encoding) is shared; only each client's visible set and table are its
 * own. With --state-format json the tick sends the old full-area JSON
 * "state" instead (lifecycle.c), and none of this runs.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stdint.h>

#include "costwin.h"

struct area;
struct instance;
struct sync;

/* The event's text part: the attachment is the delta. */
#define SYNC_EVENT_JSON	"[\"delta\",{\"_placeholder\":true,\"num\":0}]"

struct sync_stats {
	uint64_t	 messages;	/* deltas sent */
	uint64_t	 bytes;		/* their attachments' bytes */
	uint64_t	 entities_seen;	/* sum over the deltas of what each saw */
	uint64_t	 resyncs;	/* deltas that sent a client, behind, */
					/* everything anew */
	uint64_t	 slots;		/* entity slots (slots.h) */
	uint64_t	 layouts;	/* times they were laid out */
	struct costwin	 work;		/* tick start to all encoded, us */
};

struct sync	*sync_new(const struct area *, float);
void		 sync_free(struct sync *);
void		 sync_tick(struct instance *, uint64_t);
void		 sync_seed(struct instance *);
struct snapr;
struct snapw;
void		 sync_save(struct instance *, struct snapw *);
int		 sync_restore(struct instance *, struct snapr *, char **);
const struct sync_stats *sync_stats(const struct sync *);
struct delta_known;
void		 sync_known_ids(struct instance *, struct delta_known *);

#endif
