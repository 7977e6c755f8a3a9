/*
 * The spool: write-backs that could not reach the Character Data API yet,
 * kept on disk (rewritten whole, atomically, fsync'd) so that neither a
 * restart nor a crash loses them. Format, version 1:
 *	{"spool": 1, "writes": [{"id", "base", "version", "doc"}]}
 * Bump SPOOL_FORMAT on change and keep reading the old one.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>

#define SPOOL_FORMAT	1

struct json_object;

struct spool_entry {
	const char		*id;
	const char		*base;		/* Character Data API base URL */
	long long		 version;	/* If-Match for the write */
	struct json_object	*doc;
};

int	spool_save(const char *, const struct spool_entry *, size_t, char **);
int	spool_load(const char *, struct json_object **, char **);

#endif
