/*
 * Loading areas: Tiled JSON maps ({dir}/{name}.tmj) turned into a ready
 * struct area. The conventions on top of Tiled's format are documented in
 * zoned-area(5); keep the two in step.
 */
#ifndef AREALOAD_H
#define AREALOAD_H

#include <stddef.h>

struct area;

#define AREALOAD_SUFFIX		".tmj"
#define AREALOAD_NAME_MAX	64		/* characters in an area name */
#define AREALOAD_MAX_FILE	(16 * 1024 * 1024) /* bytes in a map file */
#define AREALOAD_MAX_TILES	4096		/* columns or rows */
#define AREALOAD_MAX_TILE_SIZE	512		/* world units per tile side */
#define AREALOAD_MAX_SPAWNS	1024
#define AREALOAD_MAX_EXITS	256
#define AREALOAD_MAX_SPAWNER_COUNT 500		/* mobs kept by one spawner */
#define AREALOAD_MAX_MOBS	20000		/* all spawners' counts */
#define AREALOAD_MAX_NPCS	1024
#define AREALOAD_DISPLAY_NAME_MAX 128		/* bytes in a display_name */

struct area	*areaload_file(const char *, const char *, char **);
struct area	*areaload_buffer(const char *, const char *, size_t, char **);
int		 areaload_list(const char *, char ***, size_t *, char **);
int		 areaload_valid_name(const char *);

#endif
