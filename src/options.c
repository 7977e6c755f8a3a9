/* The options table and its parsers: command line, config file, values. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "options.h"
#include "xmalloc.h"

const struct option_entry options_table[OPT__COUNT] = {
	[OPT_CLIENT_LISTEN] = { "client-listen", 'l', OPTION_ADDRESS,
	    "HOST:PORT", "0.0.0.0:7000", 0, 0,
	    "Socket.IO/WebSocket address for players", 0 },
	[OPT_CONTROL_LISTEN] = { "control-listen", 'c', OPTION_ADDRESS,
	    "HOST:PORT", "127.0.0.1:7001", 0, 0,
	    "HTTP control plane address", 0 },
	[OPT_CONTROL_TOKEN_FILE] = { "control-token-file", 0, OPTION_STRING,
	    "FILE", NULL, 0, 0,
	    "file holding the bearer token the control plane requires", 0 },
	[OPT_AREA_DIR] = { "area-dir", 0, OPTION_STRING, "DIR",
	    ZONED_AREA_DIR, 0, 0, "directory of area maps (NAME.tmj)", 0 },
	[OPT_AREA] = { "area", 'a', OPTION_STRING, "NAME", NULL, 0, 0,
	    "allocate this area at start-up", 0 },
	[OPT_CHARACTER_API] = { "character-api", 0, OPTION_STRING, "URL",
	    NULL, 0, 0, "Character Data API base URL "
	    "(default file://STATE-DIR/data)", 0 },
	[OPT_QUEST_API] = { "quest-api", 0, OPTION_STRING, "URL", NULL, 0, 0,
	    "Quest Data API base URL (default file://STATE-DIR/data)", 0 },
	[OPT_STATE_DIR] = { "state-dir", 0, OPTION_STRING, "DIR",
	    ZONED_STATE_DIR, 0, 0, "spool and embedded data directory", 0 },
	[OPT_TICK_HZ] = { "tick-hz", 't', OPTION_NUMBER, "N", "20", 1, 1000,
	    "simulation ticks per second", 0 },
	[OPT_VIEW_RADIUS] = { "view-radius", 0, OPTION_NUMBER, "UNITS", "400",
	    1, 1000000, "how far a player sees other players and mobs", 0 },
	[OPT_STATE_FORMAT] = { "state-format", 0, OPTION_CHOICE, "delta|json",
	    "delta", 0, 0, "what clients get every tick: binary deltas of "
	    "what they see, or the whole area as JSON", 0 },
	[OPT_WRITEBACK_INTERVAL] = { "writeback-interval", 0, OPTION_NUMBER,
	    "SECONDS", "10", 1, 86400,
	    "periodic character write-back interval", 0 },
	[OPT_PING_INTERVAL] = { "ping-interval", 0, OPTION_NUMBER, "MS",
	    "25000", 50, 3600000, "Engine.IO ping interval", 0 },
	[OPT_PING_TIMEOUT] = { "ping-timeout", 0, OPTION_NUMBER, "MS",
	    "20000", 50, 3600000,
	    "how long a client may take to answer a ping", 0 },
	[OPT_CONNECT_TIMEOUT] = { "connect-timeout", 0, OPTION_NUMBER, "MS",
	    "45000", 50, 3600000,
	    "how long a client may take to send its Socket.IO CONNECT", 0 },
	[OPT_MAX_PAYLOAD] = { "max-payload", 0, OPTION_NUMBER, "BYTES",
	    "1000000", 64, 104857600,
	    "largest WebSocket message a client may send", 0 },
	[OPT_MAX_CLIENTS] = { "max-clients", 0, OPTION_NUMBER, "N", "4096",
	    1, 1000000, "most client connections at once", 0 },
	[OPT_CLIENT_OUTPUT_LIMIT] = { "client-output-limit", 0, OPTION_NUMBER,
	    "BYTES", "1048576", 4096, 1073741824,
	    "queued output per client before state updates are skipped", 0 },
	[OPT_TICKET_TTL] = { "ticket-ttl", 0, OPTION_NUMBER, "MS", "30000",
	    1, 86400000, "default ticket lifetime when expires_ms is absent",
	    0 },
	[OPT_API_TIMEOUT] = { "api-timeout", 0, OPTION_NUMBER, "MS", "5000",
	    100, 600000, "time allowed for one Data API request", 0 },
	[OPT_MIGRATE_TIMEOUT] = { "migrate-timeout", 0, OPTION_NUMBER, "MS",
	    "5000", 100, 600000, "time allowed for each step of a live "
	    "migration before it is called off", 0 },
	[OPT_API_MAX_IN_FLIGHT] = { "api-max-in-flight", 0, OPTION_NUMBER,
	    "N", "32", 1, 10000,
	    "Data API requests under way at once; more wait their turn", 0 },
	[OPT_LOG_LEVEL] = { "log-level", 'L', OPTION_LEVEL,
	    "error|warn|info|debug", "info", 0, 0, "least severe level logged",
	    0 },
	[OPT_DAEMON] = { "daemon", 'd', OPTION_FLAG, NULL, "no", 0, 0,
	    "detach and log to syslog", 0 },
	[OPT_PID_FILE] = { "pid-file", 'p', OPTION_STRING, "FILE", NULL, 0, 0,
	    "write the process id to FILE", 0 },
	[OPT_TAKEOVER] = { "takeover", 0, OPTION_STRING, "PATH", NULL, 0, 0,
	    "internal: start as a replacement and receive state over PATH", 1 },
	[OPT_CONFIG] = { "config", 'f', OPTION_STRING, "FILE", NULL, 0, 0,
	    "read options from FILE", 1 },
};

void
options_init(struct options *o)
{
	size_t	i;

	memset(o, 0, sizeof *o);
	for (i = 0; i < OPT__COUNT; i++) {
		if (options_table[i].default_value != NULL)
			o->value[i] = xstrdup(options_table[i].default_value);
	}
}

void
options_free(struct options *o)
{
	size_t	i;

	for (i = 0; i < OPT__COUNT; i++) {
		free(o->value[i]);
		o->value[i] = NULL;
	}
}

int
options_find(const char *name)
{
	size_t	i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (strcmp(options_table[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

/*
 * Split HOST:PORT ([v6]:PORT too). On success *host is allocated (caller
 * frees); on failure *cause is set (caller frees).
 */
int
address_parse(const char *s, char **host, int *port, char **cause)
{
	const char	*colon, *h = s;
	size_t		 hlen;
	char		*end;
	long		 p;

	colon = strrchr(s, ':');
	if (colon == NULL || colon[1] == '\0') {
		xasprintf(cause, "'%s' is not HOST:PORT", s);
		return (-1);
	}
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0) {
		xasprintf(cause, "'%s' has no host", s);
		return (-1);
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 0 || p > 65535) {
		xasprintf(cause, "'%s' has a bad port (0 to 65535)", s);
		return (-1);
	}
	*host = xstrndup(h, hlen);
	*port = (int)p;
	return (0);
}

/* Which word of e->arg ("a|b|c") value is, from 0; -1 if none. */
static int
options_choice_index(const struct option_entry *e, const char *value)
{
	const char	*p = e->arg, *bar;
	size_t		 len, vlen = strlen(value);
	int		 i;

	for (i = 0; p != NULL; i++) {
		bar = strchr(p, '|');
		len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (len == vlen && strncmp(p, value, len) == 0)
			return (i);
		p = bar != NULL ? bar + 1 : NULL;
	}
	return (-1);
}

/* An OPTION_CHOICE's value as the index of its word in arg. */
int
options_choice(const struct options *o, enum option_id id)
{
	const char	*v = options_get(o, id);

	return (v != NULL ? options_choice_index(&options_table[id], v) : -1);
}

static int
options_check(enum option_id id, const char *value, char **cause)
{
	const struct option_entry	*e = &options_table[id];
	enum log_level			 level;
	long long			 n;
	char				*end, *host;
	int				 port;

	switch (e->type) {
	case OPTION_STRING:
		if (*value == '\0') {
			xasprintf(cause, "%s: empty value", e->name);
			return (-1);
		}
		return (0);
	case OPTION_NUMBER:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    n < e->min || n > e->max) {
			xasprintf(cause, "%s: '%s' is not a number from %lld "
			    "to %lld", e->name, value, e->min, e->max);
			return (-1);
		}
		return (0);
	case OPTION_ADDRESS:
		if (address_parse(value, &host, &port, &end) != 0) {
			xasprintf(cause, "%s: %s", e->name, end);
			free(end);
			return (-1);
		}
		free(host);
		return (0);
	case OPTION_LEVEL:
		if (log_level_parse(value, &level) != 0) {
			xasprintf(cause, "%s: '%s' is not one of %s", e->name,
			    value, e->arg);
			return (-1);
		}
		return (0);
	case OPTION_CHOICE:
		if (options_choice_index(e, value) == -1) {
			xasprintf(cause, "%s: '%s' is not one of %s", e->name,
			    value, e->arg);
			return (-1);
		}
		return (0);
	case OPTION_FLAG:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			xasprintf(cause, "%s: '%s' is not yes or no", e->name,
			    value);
			return (-1);
		}
		return (0);
	}
	return (-1);
}

/* Validates and stores a value; on failure nothing changes. */
int
options_set(struct options *o, enum option_id id, const char *value,
    char **cause)
{
	if (options_check(id, value, cause) != 0)
		return (-1);
	free(o->value[id]);
	o->value[id] = xstrdup(value);
	return (0);
}

const char *
options_get(const struct options *o, enum option_id id)
{
	return (o->value[id]);
}

long long
options_number(const struct options *o, enum option_id id)
{
	return (strtoll(o->value[id], NULL, 10));
}

int
options_flag(const struct options *o, enum option_id id)
{
	return (o->value[id] != NULL && strcmp(o->value[id], "yes") == 0);
}

int
options_parse_argv(struct options *o, int argc, char **argv, int *action,
    char **cause)
{
	struct option	 longopts[OPT__COUNT + 3];
	char		 shortopts[3 * OPT__COUNT + 8], *p = shortopts;
	size_t		 i, n = 0;
	int		 ch, idx;

	*action = 0;
	*p++ = ':';
	for (i = 0; i < OPT__COUNT; i++) {
		const struct option_entry *e = &options_table[i];

		longopts[n].name = e->name;
		longopts[n].has_arg = e->type == OPTION_FLAG ? no_argument :
		    required_argument;
		longopts[n].flag = NULL;
		longopts[n].val = 256 + (int)i;
		n++;
		if (e->short_name != 0) {
			*p++ = (char)e->short_name;
			if (e->type != OPTION_FLAG)
				*p++ = ':';
		}
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	*p++ = 'h';
	*p++ = 'V';
	*p = '\0';

	optind = 0;	/* 0, not 1: also forgets a half-read "-hd" */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == 'h') {
			*action = 1;
			return (0);
		}
		if (ch == 'V') {
			*action = 2;
			return (0);
		}
		if (ch == '?') {
			/*
			 * optopt is the option's val when --NAME=VALUE
			 * gives a value to one that takes none.
			 */
			if (optopt >= 256 || optopt == 'h' || optopt == 'V')
				xasprintf(cause, "option %.*s takes no value",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			else if (optopt != 0)
				xasprintf(cause, "unknown option -%c", optopt);
			else
				xasprintf(cause, "unknown option %s",
				    argv[optind - 1]);
			return (-1);
		}
		if (ch == ':') {
			xasprintf(cause, "option %s needs a value",
			    argv[optind - 1]);
			return (-1);
		}
		idx = -1;
		if (ch >= 256)
			idx = ch - 256;
		else {
			for (i = 0; i < OPT__COUNT; i++) {
				if (options_table[i].short_name == ch)
					idx = (int)i;
			}
		}
		if (idx < 0) {
			xasprintf(cause, "unknown option");
			return (-1);
		}
		if (options_set(o, (enum option_id)idx,
		    options_table[idx].type == OPTION_FLAG ? "yes" : optarg,
		    cause) != 0)
			return (-1);
		o->from_cli[idx] = 1;
	}
	if (optind < argc) {
		xasprintf(cause, "unexpected argument '%s'", argv[optind]);
		return (-1);
	}
	return (0);
}

/*
 * The config file holds "name value" lines, '#' starts a comment. Values
 * already given on the command line are kept. All or nothing: on error
 * *cause names the file and line and no option changes.
 */
int
options_load_file(struct options *o, const char *path, char **cause)
{
	struct options	 tmp;
	FILE		*f;
	char		*line = NULL, *name, *value, *end;
	size_t		 size = 0, i;
	unsigned	 lineno = 0;
	int		 id, rc = -1;
	char		*why;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	memset(&tmp, 0, sizeof tmp);
	while (getline(&line, &size, f) != -1) {
		lineno++;
		if ((end = strchr(line, '#')) != NULL)
			*end = '\0';
		name = line;
		while (isspace((unsigned char)*name))
			name++;
		if (*name == '\0')
			continue;
		value = name;
		while (*value != '\0' && !isspace((unsigned char)*value))
			value++;
		if (*value != '\0')
			*value++ = '\0';
		while (isspace((unsigned char)*value))
			value++;
		end = value + strlen(value);
		while (end > value && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if ((id = options_find(name)) == -1 ||
		    options_table[id].cli_only) {
			xasprintf(cause, "%s:%u: unknown option '%s'", path,
			    lineno, name);
			goto out;
		}
		if (*value == '\0' && options_table[id].type == OPTION_FLAG)
			value = "yes";
		if (options_set(&tmp, (enum option_id)id, value, &why) != 0) {
			xasprintf(cause, "%s:%u: %s", path, lineno, why);
			free(why);
			goto out;
		}
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: read error", path);
		goto out;
	}
	for (i = 0; i < OPT__COUNT; i++) {
		if (tmp.value[i] == NULL || o->from_cli[i])
			continue;
		free(o->value[i]);
		o->value[i] = tmp.value[i];
		tmp.value[i] = NULL;
	}
	rc = 0;
out:
	options_free(&tmp);
	free(line);
	fclose(f);
	return (rc);
}

void
options_usage(FILE *f)
{
	size_t	i;
	char	left[64];

	fprintf(f, "usage: zoned [-dhV] [-a name] [-c host:port] "
	    "[-f file] [-L level] [-l host:port]\n"
	    "             [-p file] [-t hz] [--option value ...]\n\n");
	for (i = 0; i < OPT__COUNT; i++) {
		const struct option_entry *e = &options_table[i];

		if (e->short_name != 0)
			snprintf(left, sizeof left, "-%c, --%s%s%s",
			    e->short_name, e->name, e->arg ? " " : "",
			    e->arg ? e->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", e->name,
			    e->arg ? " " : "", e->arg ? e->arg : "");
		fprintf(f, "  %-36s %s", left, e->help);
		if (e->default_value != NULL && e->type != OPTION_FLAG)
			fprintf(f, " (default %s)", e->default_value);
		fputc('\n', f);
	}
	fprintf(f, "  %-36s %s\n", "-h, --help", "show this help and exit");
	fprintf(f, "  %-36s %s\n", "-V, --version", "show the version and exit");
}
