/*
 * Stable entity slots: a small number for each entity id, the same from
 * tick to tick, in the order of the ids. Pure: no clock, no I/O.
 *
 * The sync layer keeps, for every client, the set of entities it was
 * sent as a bitmap over slots (delta.c): what enters, leaves or changes
 * for that client is then a few word operations against the bitmap of
 * what it sees now (aoi.c), and reading the bits in ascending slot order
 * gives the records in ascending id order, which the format wants.
 *
 * The rules:
 *  - Each tick, slots_assign is given the ids of the tick, strictly
 *    ascending, and gives each its slot. An id keeps the slot it had
 *    (present or not in between) and slots ascend with ids.
 *  - A new id takes a free slot between the slots of its neighbours;
 *    when there is none the table is laid out anew ("renumbered"): the
 *    ids of the tick and those absent for fewer than SLOTS_KEEP calls
 *    (a dead mob that will respawn keeps its slot), in order, with free
 *    slots where ids are far apart (64 or more unused ids between them),
 *    which is where new ones come: a world hands out player ids in
 *    ascending order. Then the generation goes up and the table before
 *    is kept (slots_old_id) until the next renumbering, so that what was
 *    kept by slot can be read back as ids. (A slot that was free before
 *    may read back as an id of the call that renumbered: nothing was
 *    kept by it.)
 *  - A renumbering lays out m ids in at most 1.5 m + 64 slots; between
 *    renumberings the table keeps its size (new ids take free slots).
 *
 * Cost: O(ids + slots) a tick; a renumbering O(ids) and its allocation.
 */
#ifndef SLOTS_H
#define SLOTS_H

#include <stddef.h>
#include <stdint.h>

#define SLOTS_FREE	UINT32_MAX	/* a slot no id took yet */
#define SLOTS_KEEP	6000	/* calls an absent id keeps its slot */
				/* through a renumbering: 5 min at 20 Hz */

struct slots {
	uint32_t	*id;		/* id of each slot, or SLOTS_FREE */
	size_t		 n;		/* slots laid out */
	size_t		 cap;
	uint32_t	*last;		/* call that last had each id present */
	uint32_t	 calls;
	uint32_t	*old;		/* the table before the last renumbering */
	size_t		 nold;
	size_t		 oldcap;
	uint64_t	 gen;		/* renumberings so far */
};

int		 slots_assign(struct slots *, const uint32_t *, size_t,
		     uint32_t *);
uint32_t	 slots_old_id(const struct slots *, size_t);
void		 slots_free(struct slots *);

#endif
