/*
 * Announced connections: tickets that let one client in, once, before they
 * expire. Time is passed in (milliseconds on a monotonic clock), so the
 * table is testable without a loop. Used and expired tickets stay a while
 * as tombstones so a late client hears why it was refused.
 */
#ifndef PENDING_H
#define PENDING_H

#include <stddef.h>
#include <stdint.h>

#define PENDING_TICKET_MAX	128	/* bytes in a ticket */
#define PENDING_TOMBSTONE_MS	300000	/* how long refusals stay precise */

enum pending_state {
	PENDING_WAITING,	/* announced, not used yet */
	PENDING_USED		/* a client came with it */
};

enum pending_claim {
	PENDING_CLAIM_OK,
	PENDING_CLAIM_UNKNOWN,
	PENDING_CLAIM_EXPIRED,
	PENDING_CLAIM_USED
};

struct pending {
	char			*ticket;
	char			*character_id;
	char			*character;	/* JSON text of the document */
	char			*from_area;	/* NULL unless a hand-over */
	char			*quests;	/* JSON quest progress, or NULL */
	uint64_t		 expires_at;
	uint64_t		 settled_at;	/* used or expired */
	enum pending_state	 state;
};

struct pending_table {
	struct pending		*entries;
	size_t			 n;
	size_t			 cap;
	size_t			 max;		/* waiting + tombstones */
};

void		 pending_init(struct pending_table *, size_t);
void		 pending_clear(struct pending_table *);
int		 pending_valid_ticket(const char *);
int		 pending_add(struct pending_table *, const char *,
		     const char *, const char *, const char *, uint64_t,
		     uint64_t, int *, char **);
enum pending_claim pending_claim(struct pending_table *, const char *,
		     uint64_t, struct pending **);
int		 pending_remove(struct pending_table *, const char *);
void		 pending_drop_documents(struct pending *);
int		 pending_used(const struct pending_table *, const char *);
int		 pending_known(const struct pending_table *, const char *);
void		 pending_set_quests(struct pending_table *, const char *,
		     const char *);
void		 pending_sweep(struct pending_table *, uint64_t);
size_t		 pending_waiting(const struct pending_table *, uint64_t);
const struct pending *pending_find_character(const struct pending_table *,
		     const char *, uint64_t);

/* Live migration (pending.c says what travels). */
struct snapr;
struct snapw;
void		 pending_save(const struct pending_table *, struct snapw *);
int		 pending_restore(struct pending_table *, struct snapr *,
		     char **);

#endif
