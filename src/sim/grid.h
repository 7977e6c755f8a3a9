/*
 * A uniform spatial hash grid over an area's extent, for points: entity
 * ids 0..cap-1 with positions. Rebuilt each tick (grid_clear, then one
 * grid_insert per entity) and asked "who is near (x, y)?" by collision
 * and AI code. Memory is allocated only by grid_new and grid_reserve;
 * grid_clear, grid_insert and grid_query never allocate.
 *
 * grid_query returns ids in a fixed order that depends only on the
 * inserted data: cells in ascending index (row-major: by row, then by
 * column), and within a cell in insertion order.
 */
#ifndef SIM_GRID_H
#define SIM_GRID_H

#include <stddef.h>
#include <stdint.h>

struct grid;

struct grid	*grid_new(float, float, float, size_t);
void		 grid_free(struct grid *);
void		 grid_reserve(struct grid *, size_t);
void		 grid_clear(struct grid *);
void		 grid_insert(struct grid *, uint32_t, float, float);
size_t		 grid_query(const struct grid *, float, float, float,
		     uint32_t *, size_t);
size_t		 grid_coord(double, double, size_t);

#endif
