/*
 * The characters this instance owns, and their way back to the Character
 * Data API: a PUT of the whole document with If-Match: <version>, one at a
 * time per character, every writeback-interval when it changed, and once
 * more when the player leaves. A write that gets no answer (or a 5xx) is
 * spooled and retried with backoff until it lands or gets a 409; a 409
 * means another instance owns the character: we let go and never write it
 * again.
 */
#ifndef WRITEBACK_H
#define WRITEBACK_H

#include <stddef.h>
#include <stdint.h>

struct dataapi;
struct event_base;
struct json_object;
struct owned;
struct snapr;
struct snapw;
struct writeback;

/* Told when a character was lost to another owner (a 409). */
typedef void (*writeback_lost_cb)(const char *, const char *, void *);
/* Told when nothing is in flight any more (for shutdown). */
typedef void (*writeback_idle_cb)(void *);

struct writeback_stats {
	uint64_t	 writes;	/* PUTs answered 200 */
	uint64_t	 failures;	/* attempts with no answer or a 5xx */
	uint64_t	 conflicts;	/* 409: ownership lost */
	uint64_t	 rejected;	/* other 4xx: kept in the rejected dir */
	size_t		 owned;
	size_t		 spooled;
	size_t		 in_flight;
};

struct writeback *writeback_new(struct event_base *, struct dataapi *,
		     const char *, writeback_lost_cb, void *);
void		 writeback_free(struct writeback *);
int		 writeback_replay(struct writeback *, char **);
struct owned	*writeback_own(struct writeback *, const char *, const char *,
		     struct json_object *, long long);
int		 writeback_owns(struct writeback *, const char *);
void		 writeback_update(struct owned *, const char *, double,
		     double);
struct json_object *writeback_doc(struct owned *);
void		 writeback_set(struct owned *, const char *,
		     struct json_object *);
void		 writeback_release(struct owned *);
void		 writeback_flush_dirty(struct writeback *);
void		 writeback_when_idle(struct writeback *, writeback_idle_cb,
		     void *);
int		 writeback_busy(struct writeback *);
const struct writeback_stats *writeback_stats(struct writeback *);
struct owned	*writeback_find(struct writeback *, const char *);

/* Hand-over to a neighbour (handoff.c). */
int		 writeback_settled(struct owned *);
void		 writeback_write_now(struct owned *);
long long	 writeback_version(struct owned *);
void		 writeback_freeze(struct owned *, int);
void		 writeback_abandon(struct owned *);

/* Live migration (writeback.c says what travels). */
void		 writeback_hold(struct writeback *, int);
void		 writeback_forget_all(struct writeback *);
void		 writeback_save(struct writeback *, struct snapw *);
int		 writeback_restore(struct writeback *, struct snapr *,
		     char **);
void		 writeback_resume(struct writeback *);

#endif
