/*
 * Live migration, the old process's side (issue 5, DESIGN.md section 1):
 * start a replacement (fork + exec with --takeover PATH), wait until it
 * connects, then for a tick boundary with no Data API request in flight;
 * stop there, send the snapshot and every socket (snapshot.c, fdpass.c)
 * and commit once the replacement says it rebuilt everything. Short of
 * that commit, this process takes everything back and carries on.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

struct instance;
struct json_object;

/*
 * The environment variable that tells a replacement how much heap its
 * restore will take (bytes), so that it has that much ready (heap.h)
 * before the snapshot comes. A hint: an older replacement ignores it.
 */
#define MIGRATE_HEAP_ENV	"ZONED_TAKEOVER_HEAP"
/*
 * And which area it will restore, so that it loads the area file from
 * --area-dir before the pause rather than in it. A hint too.
 */
#define MIGRATE_AREA_ENV	"ZONED_TAKEOVER_AREA"
/*
 * And that the old process can send the sockets before the pause
 * (fdpass.h): a replacement that can take them says EARLY_OK first.
 */
#define MIGRATE_EARLY_ENV	"ZONED_TAKEOVER_EARLY"

/*
 * The outcome: 200 (taken over) or 502/503/504 with {"error"}; takes the
 * answer object.
 */
typedef void (*migrate_done_cb)(int, struct json_object *, void *);

int	migrate_start(struct instance *, const char *, migrate_done_cb, void *,
	    int *, char **);
int	migrate_tick(struct instance *);
int	migrate_holding_states(struct instance *);
void	migrate_abort(struct instance *, const char *);

#endif
