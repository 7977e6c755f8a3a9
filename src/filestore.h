/*
 * The embedded data APIs: file:// base URLs answer the Character and Quest
 * Data API contract (DESIGN.md section 4) from JSON files in a directory,
 * so zoned runs alone with no other service:
 *	DIR/characters/ID.json		character documents (with version)
 *	DIR/characters/ID/quests.json	quest progress of a character
 *	DIR/areas/AREA/quests.json	{"quests": [...]} given out in AREA
 * Writes are atomic (temporary file, fsync, rename).
 */
#ifndef FILESTORE_H
#define FILESTORE_H

#include <stddef.h>

#define FILESTORE_MAX_FILE	(4 * 1024 * 1024)

int	filestore_handle(const char *, const char *, const char *,
	    const char *, const char *, size_t, char **, size_t *);

#endif
