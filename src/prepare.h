/*
 * Preparing an announced connection (POST /v1/pending): the character is
 * fetched from the Character Data API (unless a neighbour handed it over
 * inline) and its quest progress from the Quest Data API, in parallel; the
 * ticket exists only once both arrived. Nothing of a failed preparation
 * stays behind.
 */
#ifndef PREPARE_H
#define PREPARE_H

struct instance;
struct json_object;

/* status: 201, or 404/409/502/504 with cause (static or owned by prepare). */
typedef void (*prepare_cb)(int, const char *, void *);

struct prepare_request {
	const char		*ticket;
	const char		*character_id;
	struct json_object	*character;	/* inline, or NULL to fetch */
	const char		*from_area;	/* NULL unless a hand-over */
	long long		 expires_ms;
};

void	prepare_start(struct instance *, const struct prepare_request *,
	    prepare_cb, void *);
void	prepare_abort_all(struct instance *);

#endif
