/*
 * Interest management: which entities each client sees. Pure and
 * deterministic: it takes positions, never a clock or a socket.
 *
 * A viewer is a player id. Each aoi_update is given every entity of the
 * tick (players and living mobs: id and position) and works out, for
 * every viewer, the ids within the view radius of its own entity, plus
 * the viewer itself, and how that set changed since the previous
 * aoi_update: entered, left, stayed. Every list is in ascending id order.
 *
 * The rules, so that tests and clients can rely on them:
 *  - An entity is seen when its distance to the viewer is at most the
 *    radius: (x - vx)^2 + (y - vy)^2 <= radius^2, computed in double from
 *    the float positions. The radius is inclusive: exactly at the radius
 *    is inside, the next float beyond is outside.
 *  - A viewer whose entity is in the update always sees itself, whatever
 *    its position. A viewer whose entity is not in the update (not in the
 *    world, or not yet) sees nothing, so everything it saw leaves.
 *  - An entity whose position is not finite is seen by itself only.
 *  - Positions outside [0, w] x [0, h] are fine (they go to the border
 *    cells of the grid); the extent only sizes the grid.
 *
 * aoi_set_diffs(a, 0) stops working out entered, left and stayed (they
 * stay empty): a user that needs only visible saves a merge per viewer.
 *
 * aoi_layout does only the first half of an update (the entities into
 * their cells); aoi_look_one(a, id, &view) then gives what entity id
 * sees, by the same rules, looked at now and good until the next look,
 * with no viewer to register and no entered, left or stayed. sync.c
 * looks at each client's view just before it encodes it, while the view
 * is in the cache. aoi_look_mask(a, index, slot_of, bits, &lo, &hi) is the
 * same look by the entity's index, as bits set in a bitmap of the
 * caller's, renumbered through slot_of (stable slots: slots.h) so that
 * sync.c compares it with the bitmap of what the client was sent.
 *
 * Cost: an update sorts the entities into a uniform grid of cells of side
 * half the radius (larger on a huge map, to cap the cell count) in
 * O(entities + cells), then, per viewer, tests the entities of the cells
 * its circle's box covers (about 5 x 5) and orders the hits through a bitmap in O(hits), plus a scan of at
 * most 1024 words (entities / 4096 beyond 65536 entities): the work grows
 * with the viewers and what they can see, not with entities^2. Memory is
 * allocated by aoi_new, aoi_viewer_add and when a capacity grows (more
 * entities, or a viewer seeing more than ever before); an update in the
 * steady state allocates nothing.
 */
#ifndef AOI_H
#define AOI_H

#include <stddef.h>
#include <stdint.h>

#define AOI_RADIUS_DEFAULT	400.0f	/* world units */

struct aoi;

/* One entity at this tick. */
struct aoi_entity {
	uint32_t	 id;
	float		 x, y;
};

/*
 * What one viewer sees after the last aoi_update. The arrays belong to
 * the aoi and stay valid until the next aoi_update or the removal of this
 * viewer. visible is entered and stayed together.
 */
struct aoi_view {
	const uint32_t	*visible;	/* ids seen now, itself included */
	const uint32_t	*visible_at;	/* index of each in the entities */
	size_t		 nvisible;
	const uint32_t	*entered;	/* seen now, not at the update before */
	size_t		 nentered;
	const uint32_t	*left;		/* seen at the update before, not now */
	size_t		 nleft;
	const uint32_t	*stayed;	/* seen at both */
	size_t		 nstayed;
};

/* What the last aoi_update did, for metrics and the tests. */
struct aoi_stats {
	size_t		 entities;
	size_t		 viewers;
	size_t		 tested;	/* distance tests, all viewers */
	size_t		 visible;	/* sum of nvisible */
	size_t		 cells;		/* cells in the grid */
	float		 cell;		/* side of a cell */
};

struct aoi	*aoi_new(float, float, float);
void		 aoi_free(struct aoi *);
int		 aoi_viewer_add(struct aoi *, uint32_t);
int		 aoi_viewer_remove(struct aoi *, uint32_t);
size_t		 aoi_viewer_count(const struct aoi *);
void		 aoi_set_diffs(struct aoi *, int);
void		 aoi_update(struct aoi *, const struct aoi_entity *, size_t);
void		 aoi_layout(struct aoi *, const struct aoi_entity *, size_t);
void		 aoi_look_one(struct aoi *, uint32_t, struct aoi_view *);
size_t		 aoi_look_mask(struct aoi *, size_t, const uint32_t *,
		     uint64_t *, size_t *, size_t *);
int		 aoi_view(const struct aoi *, uint32_t, struct aoi_view *);
void		 aoi_stats(const struct aoi *, struct aoi_stats *);

#endif
