/*
 * Hand-over between adjacent areas (issue 6, DESIGN.md section 7): a
 * player who walks over an edge or through a door with a neighbour behind
 * it is frozen, its character is written through (so the Character Data
 * API holds exactly what moves), then offered to the neighbour with
 * POST {control_url}/v1/pending (the document, its version, a fresh ticket,
 * where to arrive). On 201 the neighbour owns the character and this
 * instance never writes it again; the client is told ("transfer") and
 * goes. Any failure before that keeps the player here, at the boundary
 * ("transfer_failed"). A client that stays past the ticket's lifetime is
 * taken back only if the neighbour gives the ticket up unused (DELETE).
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <stdint.h>

struct instance;
struct session;
struct snapr;
struct snapw;

struct handoff_stats {
	uint64_t	 started;
	uint64_t	 completed;	/* the neighbour took the character */
	uint64_t	 failed;	/* kept here */
	uint64_t	 reclaimed;	/* taken back after the client stayed */
	uint64_t	 received;	/* offered to us by neighbours */
	uint64_t	 last_us;	/* crossing to the neighbour's 201 */
	uint64_t	 sum_us;
};

void	handoff_tick(struct instance *);
int	handoff_busy(struct session *);
int	handoff_in_world(struct session *);
void	handoff_session_gone(struct session *);
void	handoff_free_all(struct instance *);
const char *handoff_handed_to(struct instance *, const char *);
void	handoff_save(struct instance *, struct snapw *);
int	handoff_restore(struct instance *, struct snapr *, char **);

#endif
