/* Socket.IO v5 connections. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "jsonutil.h"
#include "log.h"
#include "siosock.h"
#include "snapfmt.h"
#include "ticker.h"
#include "ws.h"
#include "xmalloc.h"

/* A binary packet waiting for its attachments. */
struct siosock_partial {
	char			*text;		/* the packet's text part */
	size_t			 text_len;
	unsigned		 want;
	unsigned		 have;
	uint8_t			*att[SIO_MAX_ATTACHMENTS];
	size_t			 att_len[SIO_MAX_ATTACHMENTS];
};

struct siosock_nsp {
	char			*name;
	char			 sid[EIO_SID_LEN + 1];
};

struct siosock {
	struct eiosock			*eio;
	struct event			*connect_timer;
	struct siosock_config		 config;
	const struct siosock_callbacks	*cb;
	void				*arg;
	struct siosock_nsp		 nsps[SIOSOCK_MAX_NSPS];
	size_t				 nnsps;
	int				 ever_connected;
	int				 closing;
	uint64_t			 connect_due;	/* monotonic ms */
	struct siosock_partial		 partial;	/* want == 0: none */
};

static void	siosock_open_cb(struct eiosock *, void *);
static void	siosock_message_cb(struct eiosock *, int, const uint8_t *,
		    size_t, void *);
static void	siosock_closed_cb(struct eiosock *, const char *, void *);

static const struct eiosock_callbacks siosock_eio_callbacks = {
	siosock_open_cb, siosock_message_cb, siosock_closed_cb
};

static void
siosock_partial_clear(struct siosock_partial *p)
{
	unsigned	i;

	for (i = 0; i < p->have; i++)
		free(p->att[i]);
	free(p->text);
	memset(p, 0, sizeof *p);
}

static void
siosock_connect_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct siosock	*s = arg;

	log_info("client=%s sid=%s no CONNECT within %u ms: closing",
	    siosock_peer(s), siosock_sid(s), s->config.connect_timeout);
	siosock_close(s, WS_CLOSE_POLICY, "connect timeout");
}

static struct siosock *
siosock_alloc(struct event_base *base, const struct siosock_config *config,
    const struct siosock_callbacks *cb, void *arg)
{
	struct siosock	*s;

	s = xcalloc(1, sizeof *s);
	s->config = *config;
	s->cb = cb;
	s->arg = arg;
	s->connect_timer = evtimer_new(base, siosock_connect_timeout_cb, s);
	return (s);
}

/* Caller frees with siosock_free, normally from the closed callback. */
struct siosock *
siosock_new(struct event_base *base, evutil_socket_t fd,
    const struct siosock_config *config, const struct siosock_callbacks *cb,
    void *arg)
{
	struct siosock	*s;

	s = siosock_alloc(base, config, cb, arg);
	s->eio = eiosock_new(base, fd, &config->eio, &siosock_eio_callbacks,
	    s);
	return (s);
}

void
siosock_free(struct siosock *s)
{
	size_t	i;

	if (s == NULL)
		return;
	eiosock_free(s->eio);
	event_free(s->connect_timer);
	for (i = 0; i < s->nnsps; i++)
		free(s->nsps[i].name);
	siosock_partial_clear(&s->partial);
	free(s);
}

const char *
siosock_peer(struct siosock *s)
{
	return (eiosock_peer(s->eio));
}

const char *
siosock_sid(struct siosock *s)
{
	return (eiosock_sid(s->eio));
}

size_t
siosock_output_queued(struct siosock *s)
{
	return (eiosock_output_queued(s->eio));
}

void
siosock_write_now(struct siosock *s)
{
	eiosock_write_now(s->eio);
}

static struct siosock_nsp *
siosock_find_nsp(struct siosock *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->nnsps; i++) {
		if (strcmp(s->nsps[i].name, name) == 0)
			return (&s->nsps[i]);
	}
	return (NULL);
}

static void
siosock_remove_nsp(struct siosock *s, struct siosock_nsp *n)
{
	size_t	i = (size_t)(n - s->nsps);

	free(n->name);
	memmove(&s->nsps[i], &s->nsps[i + 1],
	    (s->nnsps - i - 1) * sizeof s->nsps[0]);
	s->nnsps--;
}

static void
siosock_open_cb(struct eiosock *eio, void *arg)
{
	struct siosock	*s = arg;
	struct timeval	 tv;

	tv.tv_sec = s->config.connect_timeout / 1000;
	tv.tv_usec = (s->config.connect_timeout % 1000) * 1000;
	s->connect_due = monotonic_ms() + s->config.connect_timeout;
	evtimer_add(s->connect_timer, &tv);
}

static void
siosock_closed_cb(struct eiosock *eio, const char *reason, void *arg)
{
	struct siosock	*s = arg;

	evtimer_del(s->connect_timer);
	s->cb->closed(s, reason, s->arg);
}

/* A protocol violation: log it and close the whole connection. */
static void
siosock_violation(struct siosock *s, const char *why)
{
	log_info("client=%s sid=%s socket.io protocol error: %s: closing",
	    siosock_peer(s), siosock_sid(s), why);
	siosock_close(s, WS_CLOSE_POLICY, why);
}

/* Sends "header" + "json" as one Engine.IO message, then attachments. */
static int
siosock_send_packet(struct siosock *s, enum sio_type type, const char *nsp,
    int64_t ack_id, const char *json, size_t len,
    const struct sio_attachment *att, size_t natt)
{
	char	hdr[SIO_MAX_NSP + 64];
	int	n;
	size_t	i;

	if (s->closing)
		return (-1);
	if (natt > 0)
		type = type == SIO_ACK ? SIO_BINARY_ACK : SIO_BINARY_EVENT;
	n = sio_encode_header(hdr, sizeof hdr, type, (unsigned)natt, nsp,
	    ack_id);
	if (n < 0)
		return (-1);
	if (eiosock_send_parts(s->eio, hdr, (size_t)n, json, len) != 0)
		return (-1);
	for (i = 0; i < natt; i++) {
		if (eiosock_send(s->eio, 1, att[i].data, att[i].len) != 0)
			return (-1);
	}
	return (0);
}

static void
siosock_connect_error(struct siosock *s, const char *nsp, const char *message,
    const char *code)
{
	struct json_object	*o, *data;
	const char		*text;
	size_t			 len;

	o = json_object_new_object();
	json_object_object_add(o, "message", json_object_new_string(message));
	if (code != NULL) {
		data = json_object_new_object();
		json_object_object_add(data, "code",
		    json_object_new_string(code));
		json_object_object_add(o, "data", data);
	}
	text = jsonutil_string(o, &len);
	siosock_send_packet(s, SIO_CONNECT_ERROR, nsp, -1, text, len, NULL, 0);
	json_object_put(o);
}

static void
siosock_on_connect(struct siosock *s, const char *nsp, const char *data,
    size_t len)
{
	struct json_object	*auth = NULL;
	struct siosock_nsp	*n;
	const char		*message = "Invalid namespace", *code = NULL;
	char			*cause, reply[64];
	uint8_t			 rnd[15];

	if (len != 0) {
		if ((auth = jsonutil_parse(data, len, &cause)) == NULL) {
			siosock_violation(s, cause);
			free(cause);
			return;
		}
		if (!json_object_is_type(auth, json_type_object)) {
			json_object_put(auth);
			siosock_violation(s, "CONNECT payload is not an object");
			return;
		}
	}
	if (siosock_find_nsp(s, nsp) != NULL) {
		json_object_put(auth);
		siosock_violation(s, "CONNECT to a namespace already joined");
		return;
	}
	if (s->nnsps == SIOSOCK_MAX_NSPS) {
		json_object_put(auth);
		siosock_violation(s, "too many namespaces");
		return;
	}
	if (s->cb->connect(s, nsp, auth, s->arg, &message, &code) != 0) {
		json_object_put(auth);
		log_info("client=%s sid=%s nsp=%s connect refused: %s",
		    siosock_peer(s), siosock_sid(s), nsp, message);
		siosock_connect_error(s, nsp, message, code);
		/*
		 * Once refused, a connection that never joined any namespace
		 * is of no further use.
		 */
		if (s->nnsps == 0 && s->config.close_on_refusal)
			siosock_close(s, WS_CLOSE_POLICY, message);
		return;
	}
	evtimer_del(s->connect_timer);
	s->ever_connected = 1;
	n = &s->nsps[s->nnsps++];
	n->name = xstrdup(nsp);
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("RAND_bytes failed");
	eio_sid_format(n->sid, rnd);
	snprintf(reply, sizeof reply, "{\"sid\":\"%s\"}", n->sid);
	siosock_send_packet(s, SIO_CONNECT, nsp, -1, reply, strlen(reply),
	    NULL, 0);
	if (s->cb->connected != NULL)
		s->cb->connected(s, nsp, auth, s->arg);
	json_object_put(auth);
}

/* Are all placeholders well formed and within the attachment count? */
static int
siosock_check_placeholders(struct json_object *o, unsigned natt,
    unsigned *seen)
{
	struct json_object	*v;
	size_t			 i, n;
	long long		 k;

	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (siosock_check_placeholders(
			    json_object_array_get_idx(o, i), natt, seen) != 0)
				return (-1);
		}
		return (0);
	}
	if (!json_object_is_type(o, json_type_object))
		return (0);
	if (json_object_object_get_ex(o, "_placeholder", &v) &&
	    json_object_get_boolean(v)) {
		if (jsonutil_get_int(o, "num", &k) != 0 || k < 0 ||
		    k >= (long long)natt)
			return (-1);
		*seen |= 1U << k;
		return (0);
	}
	json_object_object_foreach(o, key, child) {
		(void)key;
		if (siosock_check_placeholders(child, natt, seen) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Names the client library reserves for itself, and names C would cut short
 * at an embedded NUL, are refused.
 */
static int
siosock_bad_event_name(struct json_object *name)
{
	static const char	*reserved[] = { "connect", "connect_error",
				    "disconnect", "disconnecting",
				    "newListener", "removeListener" };
	const char		*s = json_object_get_string(name);
	size_t			 i;

	if (strlen(s) != (size_t)json_object_get_string_len(name))
		return (1);
	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		if (strcmp(s, reserved[i]) == 0)
			return (1);
	}
	return (0);
}

/* An EVENT or ACK (binary or not) whose attachments are all here. */
static void
siosock_on_event(struct siosock *s, const struct sio_packet *p,
    const struct sio_attachment *att, size_t natt)
{
	struct json_object	*args;
	char			*cause, nsp[SIO_MAX_NSP + 1];
	unsigned		 seen = 0;

	memcpy(nsp, p->nsp, p->nsp_len);
	nsp[p->nsp_len] = '\0';
	if (siosock_find_nsp(s, nsp) == NULL) {
		/* The reference server drops these silently; so do we. */
		log_debug("client=%s sid=%s event for unjoined nsp=%s ignored",
		    siosock_peer(s), siosock_sid(s), nsp);
		return;
	}
	if (p->type == SIO_ACK || p->type == SIO_BINARY_ACK) {
		/* We never ask for acknowledgements: any ack id is unknown. */
		siosock_violation(s, "ack for an unknown id");
		return;
	}
	if ((args = jsonutil_parse(p->data, p->data_len, &cause)) == NULL) {
		siosock_violation(s, cause);
		free(cause);
		return;
	}
	if (!json_object_is_type(args, json_type_array) ||
	    json_object_array_length(args) == 0 ||
	    !json_object_is_type(json_object_array_get_idx(args, 0),
	    json_type_string)) {
		json_object_put(args);
		siosock_violation(s, "event payload is not [name, ...]");
		return;
	}
	if (siosock_bad_event_name(json_object_array_get_idx(args, 0))) {
		json_object_put(args);
		siosock_violation(s, "reserved or malformed event name");
		return;
	}
	if (natt > 0 && (siosock_check_placeholders(args, (unsigned)natt,
	    &seen) != 0 || seen != (1U << natt) - 1)) {
		json_object_put(args);
		siosock_violation(s, "attachment placeholders do not match");
		return;
	}
	s->cb->event(s, nsp, args, att, natt, p->ack_id, s->arg);
	json_object_put(args);
}

static void
siosock_on_text(struct siosock *s, const char *text, size_t len)
{
	struct sio_packet	 p;
	struct siosock_nsp	*n;
	const char		*why;
	char			 nsp[SIO_MAX_NSP + 1];

	if (s->partial.want != 0) {
		siosock_violation(s, "text packet while attachments pending");
		return;
	}
	if (sio_decode(text, len, &p, &why) != 0) {
		siosock_violation(s, why);
		return;
	}
	memcpy(nsp, p.nsp, p.nsp_len);
	nsp[p.nsp_len] = '\0';
	switch (p.type) {
	case SIO_CONNECT:
		siosock_on_connect(s, nsp, p.data, p.data_len);
		break;
	case SIO_DISCONNECT:
		if ((n = siosock_find_nsp(s, nsp)) != NULL) {
			siosock_remove_nsp(s, n);
			if (s->cb->disconnect != NULL)
				s->cb->disconnect(s, nsp, s->arg);
		}
		break;
	case SIO_EVENT:
	case SIO_ACK:
		siosock_on_event(s, &p, NULL, 0);
		break;
	case SIO_BINARY_EVENT:
	case SIO_BINARY_ACK:
		s->partial.text = xmalloc(len);
		memcpy(s->partial.text, text, len);
		s->partial.text_len = len;
		s->partial.want = p.attachments;
		break;
	case SIO_CONNECT_ERROR:
		siosock_violation(s, "CONNECT_ERROR from a client");
		break;
	}
}

static void
siosock_on_binary(struct siosock *s, const uint8_t *data, size_t len)
{
	struct siosock_partial	*pa = &s->partial;
	struct sio_attachment	 att[SIO_MAX_ATTACHMENTS];
	struct sio_packet	 p;
	const char		*why;
	unsigned		 i;

	if (pa->want == 0) {
		siosock_violation(s, "binary message with no packet");
		return;
	}
	pa->att[pa->have] = xmalloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(pa->att[pa->have], data, len);
	pa->att_len[pa->have] = len;
	pa->have++;
	if (pa->have < pa->want)
		return;
	if (sio_decode(pa->text, pa->text_len, &p, &why) != 0)
		fatalx("siosock: a stored packet no longer decodes");
	for (i = 0; i < pa->have; i++) {
		att[i].data = pa->att[i];
		att[i].len = pa->att_len[i];
	}
	siosock_on_event(s, &p, att, pa->have);
	siosock_partial_clear(pa);
}

static void
siosock_message_cb(struct eiosock *eio, int binary, const uint8_t *data,
    size_t len, void *arg)
{
	struct siosock	*s = arg;

	if (s->closing)
		return;
	if (binary)
		siosock_on_binary(s, data, len);
	else
		siosock_on_text(s, (const char *)data, len);
}

/* Emits an event: args is the whole array, name first. */
int
siosock_emit(struct siosock *s, const char *nsp, struct json_object *args,
    const struct sio_attachment *att, size_t natt)
{
	const char	*text;
	size_t		 len;

	text = jsonutil_string(args, &len);
	return (siosock_send_packet(s, SIO_EVENT, nsp, -1, text, len, att,
	    natt));
}

/* Emits an event whose array is already JSON text. */
int
siosock_emit_raw(struct siosock *s, const char *nsp, const char *json,
    size_t len)
{
	return (siosock_send_packet(s, SIO_EVENT, nsp, -1, json, len, NULL, 0));
}

/*
 * An event whose arguments are JSON text with placeholders (json) and
 * natt binary attachments: ["delta",{"_placeholder":true,"num":0}].
 */
int
siosock_emit_raw_binary(struct siosock *s, const char *nsp, const char *json,
    size_t len, const struct sio_attachment *att, size_t natt)
{
	return (siosock_send_packet(s, SIO_EVENT, nsp, -1, json, len, att,
	    natt));
}

int
siosock_ack(struct siosock *s, const char *nsp, int64_t ack_id,
    struct json_object *args, const struct sio_attachment *att, size_t natt)
{
	const char	*text;
	size_t		 len;

	text = jsonutil_string(args, &len);
	return (siosock_send_packet(s, SIO_ACK, nsp, ack_id, text, len, att,
	    natt));
}

/* The server ends the client's membership of nsp. */
void
siosock_disconnect(struct siosock *s, const char *nsp)
{
	struct siosock_nsp	*n;

	if ((n = siosock_find_nsp(s, nsp)) == NULL)
		return;
	siosock_send_packet(s, SIO_DISCONNECT, nsp, -1, "", 0, NULL, 0);
	siosock_remove_nsp(s, n);
}

/* Closes the whole connection; the closed callback follows. */
/* Holds (on) or resumes reading the client's messages (backpressure). */
void
siosock_pause_reading(struct siosock *s, int on)
{
	eiosock_pause_reading(s->eio, on);
}

void
siosock_close(struct siosock *s, uint16_t code, const char *reason)
{
	s->closing = 1;
	eiosock_close(s->eio, code, reason);
}

/*
 * Live migration: u8 namespaces, each str name and str sid; u8 ever
 * connected; u8 connect timer armed, u64 when it fires (monotonic ms);
 * the binary packet being assembled: u32 attachments wanted (0: none),
 * blob text, u32 attachments so far, each a blob; then Engine.IO.
 */
int
siosock_migratable(struct siosock *s)
{
	return (!s->closing && eiosock_migratable(s->eio));
}

evutil_socket_t
siosock_fd(struct siosock *s)
{
	return (eiosock_fd(s->eio));
}

void
siosock_save(struct siosock *s, struct snapw *w)
{
	int		armed = evtimer_pending(s->connect_timer, NULL);
	unsigned	i;

	snapw_u8(w, (uint8_t)s->nnsps);
	for (i = 0; i < s->nnsps; i++) {
		snapw_str(w, s->nsps[i].name);
		snapw_str(w, s->nsps[i].sid);
	}
	snapw_u8(w, (uint8_t)s->ever_connected);
	snapw_u8(w, armed ? 1 : 0);
	snapw_u64(w, armed ? s->connect_due : 0);
	snapw_u32(w, s->partial.want);
	snapw_blob(w, s->partial.text, s->partial.want ? s->partial.text_len :
	    0);
	snapw_u32(w, s->partial.have);
	for (i = 0; i < s->partial.have; i++)
		snapw_blob(w, s->partial.att[i], s->partial.att_len[i]);
	eiosock_save(s->eio, w);
}

static int
siosock_restore_fields(struct siosock *s, struct snapr *r)
{
	struct siosock_partial	*pa = &s->partial;
	const void		*p;
	size_t			 n, max = s->config.eio.max_payload;
	unsigned		 i;
	uint8_t			 armed;

	n = snapr_u8(r);
	if (n > SIOSOCK_MAX_NSPS)
		return (-1);
	s->nnsps = n;
	for (i = 0; i < s->nnsps; i++) {
		s->nsps[i].name = snapr_strdup(r, 4096);
		snapr_str(r, s->nsps[i].sid, sizeof s->nsps[i].sid);
		if (!snapr_ok(r)) {
			s->nnsps = i + (s->nsps[i].name != NULL);
			return (-1);
		}
	}
	s->ever_connected = snapr_u8(r) != 0;
	armed = snapr_u8(r);
	s->connect_due = snapr_u64(r);
	if (!armed)
		s->connect_due = 0;
	pa->want = snapr_u32(r);
	p = snapr_blob(r, max, &n);
	if (!snapr_ok(r) || pa->want > SIO_MAX_ATTACHMENTS)
		return (-1);
	if (pa->want != 0) {
		pa->text = xstrndup(p, n);
		pa->text_len = n;
	}
	n = snapr_u32(r);
	if (!snapr_ok(r) || n > pa->want || (pa->want != 0 && n == pa->want))
		return (-1);
	for (i = 0; i < n; i++) {
		if ((p = snapr_blob(r, max, &pa->att_len[i])) == NULL)
			return (-1);
		pa->att[i] = xmalloc(pa->att_len[i] > 0 ? pa->att_len[i] : 1);
		memcpy(pa->att[i], p, pa->att_len[i]);
		pa->have++;
	}
	return (0);
}

struct siosock *
siosock_restore(struct event_base *base, evutil_socket_t fd,
    const struct siosock_config *config, const struct siosock_callbacks *cb,
    void *arg, struct snapr *r, char **cause)
{
	struct siosock	*s;

	s = siosock_alloc(base, config, cb, arg);
	if (siosock_restore_fields(s, r) != 0) {
		xasprintf(cause, "socket.io: %s", snapr_ok(r) ? "malformed" :
		    snapr_strerror(r));
		siosock_free(s);
		return (NULL);
	}
	s->eio = eiosock_restore(base, fd, &config->eio,
	    &siosock_eio_callbacks, s, r, cause);
	if (s->eio == NULL) {
		siosock_free(s);
		return (NULL);
	}
	return (s);
}

void
siosock_resume(struct siosock *s)
{
	struct timeval	tv = { 0, 0 };
	uint64_t	now = monotonic_ms();

	if (s->connect_due != 0) {
		if (s->connect_due > now) {
			tv.tv_sec = (time_t)((s->connect_due - now) / 1000);
			tv.tv_usec = (suseconds_t)((s->connect_due - now) %
			    1000) * 1000;
		}
		evtimer_add(s->connect_timer, &tv);
	}
	eiosock_resume(s->eio);
}
