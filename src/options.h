/*
 * The one options table: it drives getopt_long, the config file, the
 * "config" object of /v1/status and the man-page check (tests/integ/man.test).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdio.h>

enum option_type {
	OPTION_STRING,
	OPTION_NUMBER,		/* integer within [min, max] */
	OPTION_ADDRESS,		/* HOST:PORT, port 0 picks a free port */
	OPTION_LEVEL,		/* log level name */
	OPTION_CHOICE,		/* one of the words of arg, "a|b|c" */
	OPTION_FLAG		/* no argument; "yes"/"no" in the config file */
};

/* Keep in the order of zoned(8); bump nothing, these are not on the wire. */
enum option_id {
	OPT_CLIENT_LISTEN,
	OPT_CONTROL_LISTEN,
	OPT_CONTROL_TOKEN_FILE,
	OPT_AREA_DIR,
	OPT_AREA,
	OPT_CHARACTER_API,
	OPT_QUEST_API,
	OPT_STATE_DIR,
	OPT_TICK_HZ,
	OPT_VIEW_RADIUS,
	OPT_STATE_FORMAT,
	OPT_WRITEBACK_INTERVAL,
	OPT_PING_INTERVAL,
	OPT_PING_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_MAX_PAYLOAD,
	OPT_MAX_CLIENTS,
	OPT_CLIENT_OUTPUT_LIMIT,
	OPT_TICKET_TTL,
	OPT_API_TIMEOUT,
	OPT_MIGRATE_TIMEOUT,
	OPT_API_MAX_IN_FLIGHT,
	OPT_LOG_LEVEL,
	OPT_DAEMON,
	OPT_PID_FILE,
	OPT_TAKEOVER,
	OPT_CONFIG,
	OPT__COUNT
};

struct option_entry {
	const char		*name;
	int			 short_name;	/* 0 for none */
	enum option_type	 type;
	const char		*arg;		/* placeholder in usage */
	const char		*default_value;	/* NULL: unset */
	long long		 min, max;	/* OPTION_NUMBER */
	const char		*help;
	int			 cli_only;	/* not allowed in the config file */
};

extern const struct option_entry options_table[OPT__COUNT];

struct options {
	char	*value[OPT__COUNT];	/* NULL when unset */
	int	 from_cli[OPT__COUNT];	/* the command line wins over the file */
};

void		 options_init(struct options *);
void		 options_free(struct options *);
int		 options_set(struct options *, enum option_id, const char *,
		     char **);
/* *action: 0 run, 1 --help, 2 --version. */
int		 options_parse_argv(struct options *, int, char **, int *,
		     char **);
int		 options_load_file(struct options *, const char *, char **);
const char	*options_get(const struct options *, enum option_id);
long long	 options_number(const struct options *, enum option_id);
int		 options_choice(const struct options *, enum option_id);
int		 options_flag(const struct options *, enum option_id);
int		 options_find(const char *);
void		 options_usage(FILE *);
int		 address_parse(const char *, char **, int *, char **);

#endif
