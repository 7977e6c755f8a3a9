/*
 * sio-echo: a protocol conformance server built from zoned's own
 * Engine.IO/Socket.IO code, with no game around it.
 *
 *   eio mode: every Engine.IO message is echoed back (text as text,
 *             binary as binary).
 *   sio mode: "/" and "/custom" accept connections and emit "auth" with the
 *             handshake's auth object; "message" is answered with
 *             "message-back" and the same arguments; "message-with-ack" is
 *             acknowledged with the same arguments; other namespaces get
 *             CONNECT_ERROR "Invalid namespace".
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "eiosock.h"
#include "listen.h"
#include "log.h"
#include "options.h"
#include "siosock.h"
#include "ws.h"
#include "xmalloc.h"

static struct event_base	*base;
static struct siosock_config	 config = {
	{ "/socket.io/", 300, 200, 1000000, 16 * 1024 * 1024 }, 1000, 0
};
static int			 mode_sio = 1;

static void
eio_open_cb(struct eiosock *s, void *arg)
{
}

static void
eio_message_cb(struct eiosock *s, int binary, const uint8_t *data,
    size_t len, void *arg)
{
	eiosock_send(s, binary, data, len);
}

static void
eio_closed_cb(struct eiosock *s, const char *reason, void *arg)
{
	log_debug("client=%s closed: %s", eiosock_peer(s), reason);
	eiosock_free(s);
}

static const struct eiosock_callbacks eio_callbacks = {
	eio_open_cb, eio_message_cb, eio_closed_cb
};

static int
sio_connect_cb(struct siosock *s, const char *nsp, struct json_object *auth,
    void *arg, const char **message, const char **code)
{
	if (strcmp(nsp, "/") != 0 && strcmp(nsp, "/custom") != 0) {
		*message = "Invalid namespace";
		*code = NULL;
		return (-1);
	}
	return (0);
}

static void
sio_connected_cb(struct siosock *s, const char *nsp, struct json_object *auth,
    void *arg)
{
	struct json_object	*args;

	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string("auth"));
	json_object_array_add(args, auth != NULL ? json_object_get(auth) :
	    json_object_new_object());
	siosock_emit(s, nsp, args, NULL, 0);
	json_object_put(args);
}

static void
sio_event_cb(struct siosock *s, const char *nsp, struct json_object *args,
    const struct sio_attachment *att, size_t natt, int64_t ack_id,
    void *arg)
{
	const char		*name;
	struct json_object	*reply;
	size_t			 i, n;

	name = json_object_get_string(json_object_array_get_idx(args, 0));
	n = json_object_array_length(args);
	if (strcmp(name, "message") == 0) {
		reply = json_object_new_array();
		json_object_array_add(reply,
		    json_object_new_string("message-back"));
		for (i = 1; i < n; i++)
			json_object_array_add(reply, json_object_get(
			    json_object_array_get_idx(args, i)));
		siosock_emit(s, nsp, reply, att, natt);
		json_object_put(reply);
	} else if (strcmp(name, "message-with-ack") == 0 && ack_id >= 0) {
		reply = json_object_new_array();
		for (i = 1; i < n; i++)
			json_object_array_add(reply, json_object_get(
			    json_object_array_get_idx(args, i)));
		siosock_ack(s, nsp, ack_id, reply, att, natt);
		json_object_put(reply);
	}
}

static void
sio_closed_cb(struct siosock *s, const char *reason, void *arg)
{
	log_debug("client=%s closed: %s", siosock_peer(s), reason);
	siosock_free(s);
}

static const struct siosock_callbacks sio_callbacks = {
	sio_connect_cb, sio_connected_cb, sio_event_cb, NULL, sio_closed_cb
};

static void
accept_cb(evutil_socket_t fd, void *arg)
{
	if (mode_sio)
		siosock_new(base, fd, &config, &sio_callbacks, NULL);
	else
		eiosock_new(base, fd, &config.eio, &eio_callbacks, NULL);
}

static void
signal_cb(evutil_socket_t sig, short events, void *arg)
{
	event_base_loopexit(base, NULL);
}

static long
number(const char *flag, const char *s, long min, long max)
{
	char	*end;
	long	 n;

	n = strtol(s, &end, 10);
	if (*end != '\0' || end == s || n < min || n > max) {
		fprintf(stderr, "sio-echo: %s: '%s' is not a number from %ld "
		    "to %ld\n", flag, s, min, max);
		exit(64);
	}
	return (n);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sio-echo [--listen HOST:PORT] "
	    "[--ping-interval MS] [--ping-timeout MS]\n"
	    "                [--max-payload BYTES] [--connect-timeout MS] "
	    "[--mode eio|sio]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "ping-interval", required_argument, NULL, 'i' },
		{ "ping-timeout", required_argument, NULL, 't' },
		{ "max-payload", required_argument, NULL, 'm' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*address = "127.0.0.1:3000";
	struct listener	*l;
	struct event	*sigint, *sigterm;
	char		*cause;
	int		 ch;

	log_open("sio-echo", LOG_LEVEL_INFO, 0);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			address = optarg;
			break;
		case 'i':
			config.eio.ping_interval = (unsigned)number(
			    "--ping-interval", optarg, 1, 3600000);
			break;
		case 't':
			config.eio.ping_timeout = (unsigned)number(
			    "--ping-timeout", optarg, 1, 3600000);
			break;
		case 'm':
			config.eio.max_payload = (size_t)number(
			    "--max-payload", optarg, 16, 104857600);
			break;
		case 'c':
			config.connect_timeout = (unsigned)number(
			    "--connect-timeout", optarg, 1, 3600000);
			break;
		case 'M':
			if (strcmp(optarg, "eio") == 0)
				mode_sio = 0;
			else if (strcmp(optarg, "sio") == 0)
				mode_sio = 1;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if ((l = listener_new(base, address, accept_cb, NULL, &cause)) ==
	    NULL) {
		fprintf(stderr, "sio-echo: %s\n", cause);
		return (71);
	}
	log_info("listening on=client address=%s mode=%s",
	    listener_address(l), mode_sio ? "sio" : "eio");
	sigint = evsignal_new(base, SIGINT, signal_cb, NULL);
	sigterm = evsignal_new(base, SIGTERM, signal_cb, NULL);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	event_base_dispatch(base);
	listener_free(l);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(base);
	return (0);
}
