/*
 * Quest metadata from the Quest Data API ({"quests": [...]}, DESIGN.md
 * section 4) turned into the simulation's struct world_quest. Quests the
 * simulation cannot represent are skipped with a log line, never fatal.
 */
#ifndef QUESTDEF_H
#define QUESTDEF_H

#include <stddef.h>

struct json_object;
struct world_quest;

size_t	questdef_parse(struct json_object *, struct world_quest **);

#endif
