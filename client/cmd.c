/*
 * cmd.c -- the command table, command lookup, option parsing and usage.
 *
 * Lookup follows tmux: an exact name wins, then an exact alias, then a
 * prefix that matches exactly one name ("st" is status, "s" is ambiguous).
 * Options are parsed here against each entry's option table, so every
 * command accepts "--name VALUE", "--name=VALUE", "-x VALUE" and "-xVALUE"
 * in any order with its positional arguments, rejects unknown options the
 * same way, and answers "--help" / "-h" with its usage.  "--" ends the
 * options; what follows is positional, or for an entry with takes_rest
 * (submit's qemu arguments) is kept apart in args->rest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "wire.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_submit_entry,
	&cmd_list_entry,
	&cmd_status_entry,
	&cmd_logs_entry,
	&cmd_cancel_entry,
	&cmd_attach_entry,
	&cmd_monitor_entry,
	&cmd_gdb_entry,
	&cmd_pin_entry,
	&cmd_unpin_entry,
	&cmd_wait_entry,
	&cmd_results_entry,
	&cmd_crashes_entry,
	&cmd_compare_entry,
	&cmd_history_entry,
	&cmd_flaky_entry,
	&cmd_artifacts_entry,
	&cmd_disk_entry,
	&cmd_coverage_entry,
	&cmd_token_entry,
	&cmd_ci_entry,
	&cmd_login_entry,
	&cmd_whoami_entry,
	&cmd_quota_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	NULL,
};

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *found = NULL;
	size_t len = strlen(name);
	int nfound = 0;

	for (int i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	for (int i = 0; cmd_table[i] != NULL; i++) {
		if (cmd_table[i]->alias != NULL && strcmp(cmd_table[i]->alias, name) == 0)
			return cmd_table[i];
	}
	for (int i = 0; len > 0 && cmd_table[i] != NULL; i++) {
		if (strncmp(cmd_table[i]->name, name, len) == 0) {
			found = cmd_table[i];
			nfound++;
		}
	}
	if (nfound == 1)
		return found;
	if (nfound == 0) {
		fprintf(stderr,
		    "pkvmctl: unknown command '%s' "
		    "(see 'pkvmctl help')\n",
		    name);
		return NULL;
	}
	fprintf(stderr, "pkvmctl: ambiguous command '%s', could be:", name);
	for (int i = 0; cmd_table[i] != NULL; i++) {
		if (strncmp(cmd_table[i]->name, name, len) == 0)
			fprintf(stderr, " %s", cmd_table[i]->name);
	}
	fprintf(stderr, "\n");
	return NULL;
}

void
cmd_print_usage(FILE *f)
{
	fprintf(f,
	    "usage: pkvmctl [--socket PATH | --url URL] [--token-file FILE] [--cacert FILE]\n"
	    "               COMMAND [ARGS]\n"
	    "\n"
	    "Run Linux kernel test jobs on pkvmd.\n"
	    "\n"
	    "global options:\n"
	    "  --socket PATH      daemon's Unix socket (default $PKVM_SOCKET, "
	    "else %s)\n"
	    "  --url URL          talk to a server over TCP, e.g. "
	    "https://lab:8443\n"
	    "                     (default $PKVM_URL, which beats "
	    "$PKVM_SOCKET, then\n"
	    "                     the URL 'pkvmctl login' saved)\n"
	    "  --token-file FILE  the bearer token a TCP server is shown (default\n"
	    "                     $PKVM_TOKEN, then the saved one for its URL)\n"
	    "  --cacert FILE      verify the server's TLS certificate with this CA\n"
	    "                     (default: the system's CAs)\n"
	    "\n"
	    "commands:\n",
	    PKVM_DEFAULT_SOCKET);
	for (int i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f,
	    "\n'pkvmctl help COMMAND' shows the usage of one command; "
	    "commands may be abbreviated.\n");
}

void
cmd_print_entry_usage(const struct cmd_entry *e, FILE *f, bool full)
{
	fprintf(f, "usage: pkvmctl %s %s\n", e->name, e->args);
	if (!full)
		return;
	fprintf(f, "\n%s", e->summary);
	if (e->alias != NULL)
		fprintf(f, " (alias: %s)", e->alias);
	fprintf(f, "\n");
	if (e->details != NULL)
		fprintf(f, "\n%s", e->details);
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pkvmctl %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	cmd_print_entry_usage(e, stderr, false);
	return PKVM_EXIT_USAGE;
}

int
cmd_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v <= 0) {
		fprintf(stderr, "pkvmctl: invalid job id '%s'\n", s);
		return PKVM_EXIT_USAGE;
	}
	*id = v;
	return 0;
}

int
cmd_parse_int(const char *name, const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0) {
		fprintf(stderr, "pkvmctl: invalid %s '%s' (not a number)\n", name, s);
		return PKVM_EXIT_USAGE;
	}
	if (v < min || v > max) {
		fprintf(stderr, "pkvmctl: invalid %s '%s' (must be %lld..%lld)\n", name, s, min,
		    max);
		return PKVM_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int
cmd_args_one_id(const struct cmd_entry *e, struct cmd_args *args, int64_t *id)
{
	const char *pos = NULL;

	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key != CMD_ARG_POSITIONAL)
			continue;
		if (pos != NULL)
			return cmd_usage_error(e, "too many arguments");
		pos = args->v[i].value;
	}
	if (pos == NULL)
		return cmd_usage_error(e, "missing job id");
	return cmd_parse_id(pos, id);
}

/* Where option KEY was last given in ARGS, or -1. */
static int
args_last(const struct cmd_args *args, int key)
{
	for (int i = args->n - 1; i >= 0; i--) {
		if (args->v[i].key == key)
			return i;
	}
	return -1;
}

bool
cmd_args_flag(const struct cmd_args *args, int key)
{
	return args_last(args, key) >= 0;
}

const char *
cmd_args_value(const struct cmd_args *args, int key)
{
	int i = args_last(args, key);

	return i >= 0 ? args->v[i].value : NULL;
}

static const struct cmd_option *
option_long(const struct cmd_entry *e, const char *name, size_t len)
{
	for (const struct cmd_option *o = e->options; o && o->key; o++) {
		if (o->long_name != NULL && strlen(o->long_name) == len &&
		    strncmp(o->long_name, name, len) == 0)
			return o;
	}
	return NULL;
}

static const struct cmd_option *
option_short(const struct cmd_entry *e, char c)
{
	for (const struct cmd_option *o = e->options; o && o->key; o++) {
		if (o->short_name == c)
			return o;
	}
	return NULL;
}

/* What to add to "unknown option" for a command that passes options on. */
static const char *
rest_hint(const struct cmd_entry *e)
{
	return e->takes_rest ? " (qemu arguments go after --)" : "";
}

/* Parse ARGV[1..] against E's options into ARGS; 0, 1 when --help was
 * asked for, or PKVM_EXIT_USAGE after printing why. */
static int
cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *args)
{
	const struct cmd_option *o;
	const char *value;
	int i;

	args->v = calloc((size_t)argc, sizeof(*args->v));
	if (args->v == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		value = NULL;
		if (strcmp(a, "--") == 0) {
			args->dashdash = true;
			i++;
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (a[0] != '-' || a[1] == '\0') {
			args->v[args->n++] = (struct cmd_arg){ 0, a };
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = option_long(e, a + 2, len);
			if (o == NULL)
				return cmd_usage_error(e, "unknown option '%.*s'%s", (int)len + 2,
				    a, rest_hint(e));
			if (eq != NULL && !o->has_arg)
				return cmd_usage_error(e, "option '--%s' takes no value",
				    o->long_name);
			if (eq != NULL)
				value = eq + 1;
		} else {
			o = option_short(e, a[1]);
			/* "-smp 4" is one unknown option, not "-s" plus junk. */
			if (o == NULL || (a[2] != '\0' && !o->has_arg))
				return cmd_usage_error(e, "unknown option '%s'%s", a, rest_hint(e));
			if (a[2] != '\0')
				value = a + 2;
		}
		if (o->has_arg && value == NULL) {
			if (i + 1 >= argc)
				return cmd_usage_error(e, "option '%s' needs a value", a);
			value = argv[++i];
		}
		args->v[args->n++] = (struct cmd_arg){ o->key, value };
	}
	if (e->takes_rest) {
		args->rest = argv + i;
		args->nrest = argc - i;
		return 0;
	}
	for (; i < argc; i++)
		args->v[args->n++] = (struct cmd_arg){ 0, argv[i] };
	return 0;
}

int
cmd_run(struct api *api, int argc, char **argv)
{
	const struct cmd_entry *e = cmd_find(argv[0]);
	struct cmd_args args = { 0 };
	int rc;

	if (e == NULL)
		return PKVM_EXIT_USAGE;
	rc = cmd_parse(e, argc, argv, &args);
	if (rc == 1) {
		cmd_print_entry_usage(e, stdout, true);
		rc = 0;
	} else if (rc == 0) {
		rc = e->exec(e, api, &args);
	}
	free(args.v);
	return rc;
}
