/*
 * Paths on an area's tile grid, for mobs that chase players.
 *
 * pathfinder_find is A* over tiles, 8-connected: a step goes to any of
 * the eight neighbours that is not solid, and a diagonal step also needs
 * both side neighbours it passes between to be free, so a path never
 * cuts the corner of a solid tile. Steps cost PATH_COST_STRAIGHT or
 * PATH_COST_DIAGONAL (costs are in tiles; tile_w and tile_h are ignored)
 * and the heuristic is the octile distance in the same integers, which
 * is exact on an open map, so paths are shortest. Ties are broken by the
 * lower f, then the higher g (nearer the goal), then the lower tile index
 * (row * cols + col): the result depends only on the map and arguments.
 *
 * path_line_of_sight says whether a straight segment stays clear of
 * solid tiles, for "notice a player in sight".
 */
#ifndef SIM_PATH_H
#define SIM_PATH_H

#include <stddef.h>

struct area;
struct pathfinder;

#define PATH_COST_STRAIGHT	70	/* to a side neighbour */
#define PATH_COST_DIAGONAL	99	/* 70 * sqrt(2), rounded */

struct pathfinder *pathfinder_new(const struct area *);
void		 pathfinder_free(struct pathfinder *);
int		 pathfinder_find(struct pathfinder *, int, int, int, int,
		     size_t, int *, int *, size_t, size_t *);
int		 path_line_of_sight(const struct area *, float, float, float,
		     float);

#endif
