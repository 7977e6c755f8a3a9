/*
 * The client side of the Character and Quest Data APIs: HTTP requests on
 * libcurl's multi interface driven by the libevent loop (nothing blocks the
 * tick), with a per-request timeout and a bound on requests in flight
 * (the rest wait in order). file:// base URLs are served by filestore.c
 * behind the same interface, so callers never know the difference.
 */
#ifndef DATAAPI_H
#define DATAAPI_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct dataapi;
struct dataapi_request;

struct dataapi_config {
	unsigned	 timeout_ms;		/* whole request */
	unsigned	 connect_timeout_ms;
	unsigned	 max_in_flight;
	size_t		 max_response;		/* bytes of a response body */
	size_t		 max_queued;		/* waiting; 0: no bound */
};

struct dataapi_response {
	int		 status;	/* HTTP status; 0: no answer */
	const char	*body;		/* NUL-terminated, may be empty */
	size_t		 len;
	const char	*error;		/* status 0: why */
	int		 timed_out;	/* status 0 because of the timeout */
	uint64_t	 elapsed_us;
};

struct dataapi_stats {
	uint64_t	 requests;	/* finished */
	uint64_t	 failures;	/* no answer, or 5xx */
	uint64_t	 timeouts;
	uint64_t	 last_us;	/* latency of the last answer */
	uint64_t	 max_us;
	size_t		 in_flight;
	size_t		 queued;
};

typedef void (*dataapi_cb)(const struct dataapi_response *, void *);

struct dataapi	*dataapi_new(struct event_base *,
		     const struct dataapi_config *);
void		 dataapi_free(struct dataapi *);
struct dataapi_request *dataapi_send(struct dataapi *, const char *,
		     const char *, const char *, const char *, const char *,
		     size_t, dataapi_cb, void *);
struct dataapi_request *dataapi_send_bearer(struct dataapi *, const char *,
		     const char *, const char *, const char *, const char *,
		     const char *, size_t, dataapi_cb, void *);
void		 dataapi_cancel(struct dataapi_request *);
const struct dataapi_stats *dataapi_stats(const struct dataapi *);
int		 dataapi_valid_base(const char *, char **);
char		*dataapi_escape(const char *);

#endif
