/*
 * A client connection: the HTTP/1.1 upgrade (parsed by httpup.c), then
 * WebSocket framing by wslay on a bufferevent. wslay is fed whole frames
 * only, so between events its parser holds nothing: every byte is either
 * consumed or still in the bufferevent.
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

struct event_base;
struct httpup;
struct snapr;
struct snapw;
struct ws;

struct ws_config {
	size_t		 max_message;	/* largest message accepted */
	size_t		 output_limit;	/* ws_send refuses past this */
	unsigned	 handshake_ms;	/* time allowed for the request */
};

/* Close codes we send (RFC 6455 section 7.4.1). */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_POLICY		1008
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

struct ws_callbacks {
	/*
	 * The request head arrived. Return 0 to upgrade, or -1 after setting
	 * *status and *body (a JSON text the callee allocated; ws frees it).
	 */
	int	(*request)(struct ws *, const struct httpup *, void *, int *,
		    char **);
	/* The 101 answer is queued; messages may be sent from now on. */
	void	(*open)(struct ws *, void *);
	void	(*message)(struct ws *, int, const uint8_t *, size_t, void *);
	/*
	 * The connection is over (called once, from a deferred event, never
	 * from inside another ws callback): the owner may ws_free now.
	 */
	void	(*closed)(struct ws *, const char *, void *);
};

struct ws	*ws_new(struct event_base *, evutil_socket_t,
		    const struct ws_config *, const struct ws_callbacks *,
		    void *);
void		 ws_free(struct ws *);
int		 ws_send(struct ws *, int, const void *, size_t);
int		 ws_send_parts(struct ws *, int, const void *, size_t,
		     const void *, size_t);
void		 ws_close(struct ws *, uint16_t, const char *);
void		 ws_abort(struct ws *, const char *);
void		 ws_pause_reading(struct ws *);
void		 ws_resume_reading(struct ws *);
size_t		 ws_output_queued(struct ws *);
void		 ws_write_now(struct ws *);
const char	*ws_peer(struct ws *);

/* Live migration (ws.c says what travels). */
int		 ws_migratable(struct ws *);
evutil_socket_t	 ws_fd(struct ws *);
void		 ws_save(struct ws *, struct snapw *);
void		 ws_prepare(struct event_base *, evutil_socket_t);
void		 ws_drop_prepared(void);
struct ws	*ws_restore(struct event_base *, evutil_socket_t,
		    const struct ws_config *, const struct ws_callbacks *,
		    void *, struct snapr *, char **);
void		 ws_resume(struct ws *);

#endif
