/*
 * Unit tests for options.c: the table's defaults, value validation, the
 * command line, the config file and address_parse.
 */
#include "config.h"

#include <check.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

#define ARGV_MAX	32

/* Runs options_parse_argv on "zoned" and the NULL-terminated arguments. */
static int
parse(struct options *o, int *action, char **cause, ...)
{
	char		*argv[ARGV_MAX + 1];
	const char	*s;
	va_list		 ap;
	int		 argc = 0, rc, i;

	argv[argc++] = strdup("zoned");
	va_start(ap, cause);
	while ((s = va_arg(ap, const char *)) != NULL) {
		ck_assert_int_lt(argc, ARGV_MAX);
		argv[argc++] = strdup(s);
	}
	va_end(ap);
	argv[argc] = NULL;
	*action = -1;
	*cause = NULL;
	rc = options_parse_argv(o, argc, argv, action, cause);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return (rc);
}

/* The parse must fail with a cause containing want. */
static void
parse_fails(const char *want, ...)
{
	struct options	 o;
	char		*argv[ARGV_MAX + 1], *cause = NULL;
	const char	*s;
	va_list		 ap;
	int		 argc = 0, action, i;

	options_init(&o);
	argv[argc++] = strdup("zoned");
	va_start(ap, want);
	while ((s = va_arg(ap, const char *)) != NULL) {
		ck_assert_int_lt(argc, ARGV_MAX);
		argv[argc++] = strdup(s);
	}
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_int_eq(options_parse_argv(&o, argc, argv, &action, &cause),
	    -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'",
	    cause, want);
	for (i = 0; cause[i] != '\0'; i++)
		ck_assert_msg(isprint((unsigned char)cause[i]),
		    "unprintable byte in cause '%s'", cause);
	free(cause);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	options_free(&o);
}

/* Writes text to a new file in /tmp. Caller unlinks and frees the path. */
static char *
write_temp(const char *text)
{
	char	*path;
	int	 fd;
	size_t	 len = strlen(text);

	path = strdup("/tmp/check_options.XXXXXX");
	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
	return (path);
}

static void
remove_temp(char *path)
{
	unlink(path);
	free(path);
}

/* Loads text as a config file; on failure returns the cause. */
static int
load(struct options *o, const char *text, char **path_out, char **cause)
{
	char	*path;
	int	 rc;

	path = write_temp(text);
	*cause = NULL;
	rc = options_load_file(o, path, cause);
	if (path_out != NULL)
		*path_out = path;
	else
		remove_temp(path);
	return (rc);
}

/* Every value of o equals the one in p (both may be NULL). */
static void
assert_same(const struct options *o, const struct options *p)
{
	size_t	i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (o->value[i] == NULL || p->value[i] == NULL)
			ck_assert_msg(o->value[i] == p->value[i], "%s",
			    options_table[i].name);
		else
			ck_assert_str_eq(o->value[i], p->value[i]);
	}
}

static void
set_ok(struct options *o, enum option_id id, const char *value)
{
	char	*cause = NULL;

	ck_assert_msg(options_set(o, id, value, &cause) == 0, "%s '%s': %s",
	    options_table[id].name, value, cause != NULL ? cause : "");
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(options_get(o, id), value);
}

/* Refused, with the option's name in the cause, and the value kept. */
static void
set_bad(struct options *o, enum option_id id, const char *value)
{
	char	*cause = NULL, *before;

	before = o->value[id] != NULL ? strdup(o->value[id]) : NULL;
	ck_assert_msg(options_set(o, id, value, &cause) == -1, "%s '%s'",
	    options_table[id].name, value);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, options_table[id].name) != NULL, "%s",
	    cause);
	free(cause);
	if (before == NULL)
		ck_assert_ptr_null(o->value[id]);
	else
		ck_assert_str_eq(o->value[id], before);
	free(before);
}

START_TEST(test_defaults)
{
	struct options	 o, p;
	char		*cause = NULL;
	size_t		 i;

	options_init(&o);
	ck_assert_str_eq(options_get(&o, OPT_CLIENT_LISTEN), "0.0.0.0:7000");
	ck_assert_str_eq(options_get(&o, OPT_CONTROL_LISTEN),
	    "127.0.0.1:7001");
	ck_assert_str_eq(options_get(&o, OPT_AREA_DIR), ZONED_AREA_DIR);
	ck_assert_str_eq(options_get(&o, OPT_STATE_DIR), ZONED_STATE_DIR);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "info");
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 20);
	ck_assert_int_eq(options_number(&o, OPT_WRITEBACK_INTERVAL), 10);
	ck_assert_int_eq(options_number(&o, OPT_PING_INTERVAL), 25000);
	ck_assert_int_eq(options_number(&o, OPT_PING_TIMEOUT), 20000);
	ck_assert_int_eq(options_number(&o, OPT_CONNECT_TIMEOUT), 45000);
	ck_assert_int_eq(options_number(&o, OPT_MAX_PAYLOAD), 1000000);
	ck_assert_int_eq(options_number(&o, OPT_MAX_CLIENTS), 4096);
	ck_assert_int_eq(options_number(&o, OPT_CLIENT_OUTPUT_LIMIT), 1048576);
	ck_assert_int_eq(options_number(&o, OPT_TICKET_TTL), 30000);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);
	ck_assert_str_eq(options_get(&o, OPT_DAEMON), "no");
	ck_assert_ptr_null(options_get(&o, OPT_CONTROL_TOKEN_FILE));
	ck_assert_ptr_null(options_get(&o, OPT_AREA));
	ck_assert_ptr_null(options_get(&o, OPT_CHARACTER_API));
	ck_assert_ptr_null(options_get(&o, OPT_QUEST_API));
	ck_assert_ptr_null(options_get(&o, OPT_PID_FILE));
	ck_assert_ptr_null(options_get(&o, OPT_TAKEOVER));
	ck_assert_ptr_null(options_get(&o, OPT_CONFIG));

	/* The table is complete, and every default passes its own check. */
	options_init(&p);
	for (i = 0; i < OPT__COUNT; i++) {
		const struct option_entry *e = &options_table[i];

		ck_assert_ptr_nonnull(e->name);
		ck_assert_ptr_nonnull(e->help);
		ck_assert_int_eq(options_find(e->name), (int)i);
		ck_assert_int_eq(o.from_cli[i], 0);
		if (e->type == OPTION_NUMBER)
			ck_assert_int_le(e->min, e->max);
		if (e->default_value != NULL) {
			ck_assert_int_eq(options_set(&p, (enum option_id)i,
			    e->default_value, &cause), 0);
			ck_assert_str_eq(o.value[i], e->default_value);
		}
	}
	ck_assert_int_eq(options_find("nope"), -1);
	ck_assert_int_eq(options_find(""), -1);
	ck_assert_int_eq(options_find("tick"), -1);
	assert_same(&o, &p);
	options_free(&o);
	options_free(&p);
	for (i = 0; i < OPT__COUNT; i++)
		ck_assert_ptr_null(o.value[i]);
}
END_TEST

START_TEST(test_set_number)
{
	static const char	*bad[] = {
		"", " ", "abc", "12abc", "1.5", "1e3", "0x10", "20 ", "- 1",
		"99999999999999999999999", "-99999999999999999999999"
	};
	struct options		 o;
	char			 buf[64];
	size_t			 i, k;

	options_init(&o);
	set_ok(&o, OPT_TICK_HZ, "1");
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 1);
	set_ok(&o, OPT_TICK_HZ, "1000");
	set_ok(&o, OPT_TICK_HZ, "60");
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 60);
	set_bad(&o, OPT_TICK_HZ, "0");
	set_bad(&o, OPT_TICK_HZ, "1001");
	set_bad(&o, OPT_TICK_HZ, "-5");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		set_bad(&o, OPT_TICK_HZ, bad[i]);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 60);

	/* Each number: its bounds are in, one beyond is out. */
	for (k = 0; k < OPT__COUNT; k++) {
		const struct option_entry *e = &options_table[k];

		if (e->type != OPTION_NUMBER)
			continue;
		snprintf(buf, sizeof buf, "%lld", e->min);
		set_ok(&o, (enum option_id)k, buf);
		ck_assert_int_eq(options_number(&o, (enum option_id)k),
		    e->min);
		snprintf(buf, sizeof buf, "%lld", e->max);
		set_ok(&o, (enum option_id)k, buf);
		ck_assert_int_eq(options_number(&o, (enum option_id)k),
		    e->max);
		snprintf(buf, sizeof buf, "%lld", e->min - 1);
		set_bad(&o, (enum option_id)k, buf);
		snprintf(buf, sizeof buf, "%lld", e->max + 1);
		set_bad(&o, (enum option_id)k, buf);
		set_bad(&o, (enum option_id)k, "garbage");
		set_bad(&o, (enum option_id)k, "");
	}
	options_free(&o);
}
END_TEST

START_TEST(test_set_address)
{
	static const char	*good[] = {
		"127.0.0.1:7000", "0.0.0.0:0", "[::1]:7000", "[::]:0",
		"localhost:65535", "example.org:1", "::1:7000"
	};
	static const char	*bad[] = {
		"", "7000", "localhost", "localhost:", ":7000", "[]:7000",
		"host:65536", "host:-1", "host:abc", "host:80x", "host:1.5",
		"host:99999999999999999999", "[::1]", "[::1]:"
	};
	struct options		 o;
	size_t			 i, k;
	static const enum option_id ids[] = {
		OPT_CLIENT_LISTEN, OPT_CONTROL_LISTEN
	};

	options_init(&o);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof good / sizeof good[0]; i++)
			set_ok(&o, ids[k], good[i]);
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
			set_bad(&o, ids[k], bad[i]);
	}
	options_free(&o);
}
END_TEST

START_TEST(test_set_level_flag_string)
{
	static const char	*levels[] = {
		"error", "warn", "info", "debug"
	};
	static const char	*badlevels[] = {
		"", "INFO", "verbose", "warning", "info ", "0"
	};
	static const char	*badflags[] = {
		"", "YES", "No", "true", "false", "1", "0", "on", "yes "
	};
	struct options		 o;
	size_t			 i;

	options_init(&o);
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		set_ok(&o, OPT_LOG_LEVEL, levels[i]);
	for (i = 0; i < sizeof badlevels / sizeof badlevels[0]; i++)
		set_bad(&o, OPT_LOG_LEVEL, badlevels[i]);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "debug");

	set_ok(&o, OPT_DAEMON, "yes");
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 1);
	set_ok(&o, OPT_DAEMON, "no");
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);
	for (i = 0; i < sizeof badflags / sizeof badflags[0]; i++)
		set_bad(&o, OPT_DAEMON, badflags[i]);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);

	/* Strings: anything but empty. */
	set_ok(&o, OPT_AREA, "meadow");
	set_ok(&o, OPT_CHARACTER_API, "file:///tmp/chars");
	set_ok(&o, OPT_PID_FILE, "/run/zoned pid");
	set_bad(&o, OPT_AREA, "");
	set_bad(&o, OPT_QUEST_API, "");
	ck_assert_ptr_null(options_get(&o, OPT_QUEST_API));
	ck_assert_str_eq(options_get(&o, OPT_AREA), "meadow");
	options_free(&o);
}
END_TEST

START_TEST(test_argv_long)
{
	struct options	 o;
	char		*cause;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "--tick-hz", "50",
	    "--client-listen=127.0.0.1:0", "--control-listen", "[::1]:7001",
	    "--log-level", "debug", "--daemon", "--area", "meadow",
	    "--character-api=file:///srv/c", "--pid-file", "/tmp/z.pid",
	    "--config", "/etc/zoned.conf", "--takeover", "/tmp/sock",
	    "--max-clients", "7", NULL), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(action, 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 50);
	ck_assert_str_eq(options_get(&o, OPT_CLIENT_LISTEN), "127.0.0.1:0");
	ck_assert_str_eq(options_get(&o, OPT_CONTROL_LISTEN), "[::1]:7001");
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "debug");
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 1);
	ck_assert_str_eq(options_get(&o, OPT_AREA), "meadow");
	ck_assert_str_eq(options_get(&o, OPT_CHARACTER_API), "file:///srv/c");
	ck_assert_str_eq(options_get(&o, OPT_PID_FILE), "/tmp/z.pid");
	ck_assert_str_eq(options_get(&o, OPT_CONFIG), "/etc/zoned.conf");
	ck_assert_str_eq(options_get(&o, OPT_TAKEOVER), "/tmp/sock");
	ck_assert_int_eq(options_number(&o, OPT_MAX_CLIENTS), 7);
	ck_assert_int_eq(o.from_cli[OPT_TICK_HZ], 1);
	ck_assert_int_eq(o.from_cli[OPT_DAEMON], 1);
	ck_assert_int_eq(o.from_cli[OPT_MAX_CLIENTS], 1);
	ck_assert_int_eq(o.from_cli[OPT_STATE_DIR], 0);
	ck_assert_int_eq(o.from_cli[OPT_QUEST_API], 0);
	ck_assert_str_eq(options_get(&o, OPT_STATE_DIR), ZONED_STATE_DIR);

	/* The last of a repeated option wins. */
	ck_assert_int_eq(parse(&o, &action, &cause, "--tick-hz", "5",
	    "--tick-hz", "6", NULL), 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 6);
	options_free(&o);

	/* No arguments at all. */
	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, NULL), 0);
	ck_assert_int_eq(action, 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 20);
	options_free(&o);
}
END_TEST

START_TEST(test_argv_short)
{
	struct options	 o;
	char		*cause;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-t", "30", "-l",
	    "[::1]:0", "-c", "127.0.0.1:9", "-L", "warn", "-d", "-a", "cave",
	    "-p", "/tmp/p", "-f", "/tmp/f", NULL), 0);
	ck_assert_int_eq(action, 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 30);
	ck_assert_str_eq(options_get(&o, OPT_CLIENT_LISTEN), "[::1]:0");
	ck_assert_str_eq(options_get(&o, OPT_CONTROL_LISTEN), "127.0.0.1:9");
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "warn");
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 1);
	ck_assert_str_eq(options_get(&o, OPT_AREA), "cave");
	ck_assert_str_eq(options_get(&o, OPT_PID_FILE), "/tmp/p");
	ck_assert_str_eq(options_get(&o, OPT_CONFIG), "/tmp/f");
	ck_assert_int_eq(o.from_cli[OPT_CONFIG], 1);
	options_free(&o);

	/* Clustered: -d then -t with its value attached. */
	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-dt5", "-Lerror", NULL),
	    0);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 1);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 5);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "error");
	options_free(&o);
}
END_TEST

START_TEST(test_argv_help_version)
{
	struct options	 o;
	char		*cause;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "--help", NULL), 0);
	ck_assert_int_eq(action, 1);
	ck_assert_int_eq(parse(&o, &action, &cause, "-h", NULL), 0);
	ck_assert_int_eq(action, 1);
	ck_assert_int_eq(parse(&o, &action, &cause, "--version", NULL), 0);
	ck_assert_int_eq(action, 2);
	ck_assert_int_eq(parse(&o, &action, &cause, "-V", NULL), 0);
	ck_assert_int_eq(action, 2);
	ck_assert_int_eq(parse(&o, &action, &cause, "-t", "5", "-h", "-V",
	    NULL), 0);
	ck_assert_int_eq(action, 1);
	ck_assert_ptr_null(cause);
	options_free(&o);
}
END_TEST

/* Each parse starts afresh, even after one stopped inside "-hd". */
START_TEST(test_argv_reparse)
{
	struct options	 o;
	char		*cause;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-hd", NULL), 0);
	ck_assert_int_eq(action, 1);
	options_free(&o);

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-t", "7", NULL), 0);
	ck_assert_int_eq(action, 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 7);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);
	ck_assert_int_eq(o.from_cli[OPT_DAEMON], 0);
	options_free(&o);

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-xd", NULL), -1);
	free(cause);
	options_free(&o);
	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-a", "x", NULL), 0);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);
	options_free(&o);
}
END_TEST

START_TEST(test_argv_errors)
{
	/* Unknown options. */
	parse_fails("unknown option --bogus", "--bogus", NULL);
	parse_fails("unknown option --bogus", "--bogus=1", NULL);
	parse_fails("unknown option -x", "-x", NULL);
	parse_fails("unknown option -x", "-t", "5", "-x", NULL);
	parse_fails("unknown option -z", "-dz", NULL);

	/* Missing values. */
	parse_fails("--tick-hz", "--tick-hz", NULL);
	parse_fails("needs a value", "--tick-hz", NULL);
	parse_fails("needs a value", "--area", NULL);
	parse_fails("-t", "-t", NULL);
	parse_fails("needs a value", "-d", "-a", NULL);

	/* Flags and help take no value. */
	parse_fails("daemon", "--daemon=yes", NULL);
	parse_fails("help", "--help=1", NULL);
	parse_fails("version", "--version=1", NULL);

	/* Bad values name the option. */
	parse_fails("tick-hz", "--tick-hz", "0", NULL);
	parse_fails("tick-hz", "-t", "fast", NULL);
	parse_fails("log-level", "--log-level", "loud", NULL);
	parse_fails("client-listen", "-l", "nohost", NULL);
	parse_fails("area", "--area=", NULL);

	/* Extra arguments. */
	parse_fails("unexpected argument 'extra'", "extra", NULL);
	parse_fails("unexpected argument 'extra'", "--daemon", "extra", NULL);
	parse_fails("unexpected argument 'a'", "-d", "a", "b", NULL);
}
END_TEST

START_TEST(test_file)
{
	struct options	 o;
	char		*cause;

	options_init(&o);
	ck_assert_int_eq(load(&o,
	    "# zoned.conf\n"
	    "\n"
	    "   \n"
	    "\t# indented comment\n"
	    "tick-hz 50\n"
	    "client-listen   [::1]:7000   # trailing comment\n"
	    "  control-listen\t127.0.0.1:0\n"
	    "daemon\n"
	    "log-level debug\r\n"
	    "area-dir /srv/zoned areas\n"
	    "character-api file:///srv/chars",		/* no newline */
	    NULL, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 50);
	ck_assert_str_eq(options_get(&o, OPT_CLIENT_LISTEN), "[::1]:7000");
	ck_assert_str_eq(options_get(&o, OPT_CONTROL_LISTEN), "127.0.0.1:0");
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 1);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "debug");
	ck_assert_str_eq(options_get(&o, OPT_AREA_DIR), "/srv/zoned areas");
	ck_assert_str_eq(options_get(&o, OPT_CHARACTER_API),
	    "file:///srv/chars");
	ck_assert_str_eq(options_get(&o, OPT_STATE_DIR), ZONED_STATE_DIR);
	ck_assert_int_eq(o.from_cli[OPT_TICK_HZ], 0);

	/* A second file overrides the first; "daemon no" turns it off. */
	ck_assert_int_eq(load(&o, "daemon no\ntick-hz 30\n", NULL, &cause),
	    0);
	ck_assert_int_eq(options_flag(&o, OPT_DAEMON), 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 30);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "debug");

	/* An empty file, or only comments, changes nothing. */
	ck_assert_int_eq(load(&o, "", NULL, &cause), 0);
	ck_assert_int_eq(load(&o, "# nothing\n\n", NULL, &cause), 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 30);
	options_free(&o);
}
END_TEST

START_TEST(test_file_cli_wins)
{
	struct options	 o;
	char		*cause;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "--tick-hz", "7", "-L",
	    "warn", NULL), 0);
	ck_assert_int_eq(load(&o, "tick-hz 50\nlog-level debug\n"
	    "max-clients 9\n", NULL, &cause), 0);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 7);
	ck_assert_str_eq(options_get(&o, OPT_LOG_LEVEL), "warn");
	ck_assert_int_eq(options_number(&o, OPT_MAX_CLIENTS), 9);

	/* Even a bad file value for a CLI-set option is still an error. */
	ck_assert_int_eq(load(&o, "tick-hz 0\n", NULL, &cause), -1);
	free(cause);
	ck_assert_int_eq(options_number(&o, OPT_TICK_HZ), 7);
	options_free(&o);
}
END_TEST

/* A failing file leaves every option as it was, and names FILE:LINE:. */
static void
load_fails(const char *text, const char *want_line, const char *want)
{
	struct options	 o, before;
	char		*cause, *path, *prefix;
	int		 action;

	options_init(&o);
	ck_assert_int_eq(parse(&o, &action, &cause, "-t", "9", NULL), 0);
	options_init(&before);
	ck_assert_int_eq(parse(&before, &action, &cause, "-t", "9", NULL), 0);
	ck_assert_int_eq(load(&o, text, &path, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_int_ne(asprintf(&prefix, "%s:%s: ", path, want_line), -1);
	ck_assert_msg(strncmp(cause, prefix, strlen(prefix)) == 0,
	    "cause '%s' does not start with '%s'", cause, prefix);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'",
	    cause, want);
	assert_same(&o, &before);
	free(prefix);
	free(cause);
	remove_temp(path);
	options_free(&o);
	options_free(&before);
}

START_TEST(test_file_errors)
{
	load_fails("log-level debug\nbogus 1\n", "2", "bogus");
	load_fails("log-level debug\n# c\n\ntick-hz 0\n", "4", "tick-hz");
	load_fails("area x\ntick-hz abc\nlog-level debug\n", "2", "tick-hz");
	load_fails("daemon maybe\n", "1", "daemon");
	load_fails("client-listen nohost\n", "1", "client-listen");
	load_fails("client-listen [::1]:70000\n", "1", "client-listen");
	load_fails("log-level\n", "1", "log-level");
	load_fails("tick-hz\n", "1", "tick-hz");
	load_fails("area\n", "1", "area");
	load_fails("--tick-hz 5\n", "1", "--tick-hz");
	load_fails("tick-hz=5\n", "1", "tick-hz=5");

	/* Command-line-only options are refused in the file. */
	load_fails("area x\nconfig /etc/other.conf\n", "2", "config");
	load_fails("takeover /tmp/sock\n", "1", "takeover");
	load_fails("help\n", "1", "help");
}
END_TEST

START_TEST(test_file_missing)
{
	struct options	 o, before;
	char		*cause = NULL, *path;

	path = write_temp("");
	ck_assert_int_eq(unlink(path), 0);
	options_init(&o);
	options_init(&before);
	ck_assert_int_eq(options_load_file(&o, path, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, path) != NULL, "%s", cause);
	assert_same(&o, &before);
	free(cause);
	free(path);

	/* A directory is no config file either. */
	cause = NULL;
	ck_assert_int_eq(options_load_file(&o, "/tmp", &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "/tmp") != NULL, "%s", cause);
	assert_same(&o, &before);
	free(cause);
	options_free(&o);
	options_free(&before);
}
END_TEST

static void
addr_ok(const char *s, const char *want_host, int want_port)
{
	char	*host = NULL, *cause = NULL;
	int	 port = -1;

	ck_assert_msg(address_parse(s, &host, &port, &cause) == 0, "%s: %s",
	    s, cause != NULL ? cause : "");
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(host, want_host);
	ck_assert_int_eq(port, want_port);
	free(host);
}

static void
addr_bad(const char *s)
{
	char	*host = NULL, *cause = NULL;
	int	 port = -1;

	ck_assert_msg(address_parse(s, &host, &port, &cause) == -1, "%s", s);
	ck_assert_ptr_null(host);
	ck_assert_int_eq(port, -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, s) != NULL, "%s", cause);
	free(cause);
}

START_TEST(test_address_parse)
{
	addr_ok("127.0.0.1:7000", "127.0.0.1", 7000);
	addr_ok("0.0.0.0:0", "0.0.0.0", 0);
	addr_ok("localhost:65535", "localhost", 65535);
	addr_ok("[::1]:7000", "::1", 7000);
	addr_ok("[::]:0", "::", 0);
	addr_ok("[fe80::1%eth0]:80", "fe80::1%eth0", 80);
	addr_ok("::1:7000", "::1", 7000);
	addr_ok("example.org:007", "example.org", 7);

	addr_bad("");
	addr_bad("7000");
	addr_bad("localhost");
	addr_bad("localhost:");
	addr_bad(":7000");
	addr_bad("[]:7000");
	addr_bad("host:65536");
	addr_bad("host:-1");
	addr_bad("host:abc");
	addr_bad("host:80x");
	addr_bad("host:1.5");
	addr_bad("host:99999999999999999999");
	addr_bad("[::1]");
	addr_bad("[::1]:");
}
END_TEST

START_TEST(test_usage)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0, i;

	/* Every option is listed. */
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	options_usage(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(strncmp(text, "usage: zoned", 12) == 0);
	for (i = 0; i < OPT__COUNT; i++) {
		char	 want[64];

		snprintf(want, sizeof want, "--%s", options_table[i].name);
		ck_assert_msg(strstr(text, want) != NULL, "%s", want);
	}
	ck_assert(strstr(text, "--help") != NULL);
	ck_assert(strstr(text, "--version") != NULL);
	free(text);
}
END_TEST

static Suite *
options_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("options");
	tc = tcase_create("core");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_set_number);
	tcase_add_test(tc, test_set_address);
	tcase_add_test(tc, test_set_level_flag_string);
	tcase_add_test(tc, test_argv_long);
	tcase_add_test(tc, test_argv_short);
	tcase_add_test(tc, test_argv_help_version);
	tcase_add_test(tc, test_argv_reparse);
	tcase_add_test(tc, test_argv_errors);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_cli_wins);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_address_parse);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(options_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
