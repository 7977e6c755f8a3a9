/*
 * The whole instance as a snapshot (snapfmt.h): the old process writes
 * it, a replacement restores it without touching a socket and resumes
 * only after the commit. Each subsystem writes and reads its own section:
 *	"INST" this file: state, area, seed, counters, when the world stopped
 *	"WRLD" snapworld.c	"PEND" pending.c
 *	"WBCK" writeback.c	"SESS" session.c (and its socket layers)
 *	"HAND" handoff.c (format 3 on)
 * The sockets travel beside it (fdpass.c), named by id: the listeners by
 * LIFECYCLE_FD_CLIENT and LIFECYCLE_FD_CONTROL, each session by its id;
 * most of them before the pause (migrate.c), the rest with the snapshot.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct instance;
struct snapw;

struct snapshot_fds {
	int		*fds;
	uint32_t	*ids;
	size_t		 n;
	size_t		 sessions;
};

void	snapshot_write(struct instance *, uint64_t, const uint32_t *, size_t,
	    struct snapw *, struct snapshot_fds *);
int	snapshot_restore(struct instance *, const void *, size_t,
	    const int *, const uint32_t *, size_t, char **);
void	snapshot_resume(struct instance *);

#endif
