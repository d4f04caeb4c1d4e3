/*
 * cmd.h -- pkvmctl's commands, declared as data.
 *
 * Each command lives in cmd-<name>.c and exports one const struct
 * cmd_entry: its name and alias, its usage, its options as a table, and the
 * function that runs it.  cmd.c finds the entry for what the user typed
 * (exact name, alias, or unique prefix), parses the arguments against the
 * option table into a struct cmd_args, and calls the entry's exec function,
 * which returns the process exit code (enum pkvm_exit in wire.h).
 */
#ifndef PKVM_CLIENT_CMD_H
#define PKVM_CLIENT_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "api.h"

/* One option a command accepts.  KEY is what the command sees: the short
 * letter when there is one, else any value above 255. */
struct cmd_option {
	int key;
	const char *long_name; /* without "--", or NULL */
	char short_name; /* 0 when none */
	bool has_arg;
};

/* One parsed argument: an option (KEY from the table, VALUE its argument or
 * NULL) or, with KEY 0, a positional argument. */
struct cmd_arg {
	int key;
	const char *value;
};

/* The parsed command line of one command, options and positionals in the
 * order given. */
struct cmd_args {
	struct cmd_arg *v;
	int n;
	char **rest; /* what followed "--" when the entry takes it */
	int nrest;
	bool dashdash; /* "--" was given */
};

struct cmd_entry {
	const char *name;
	const char *alias; /* or NULL */
	const char *args; /* usage after the name: "[--json] ID" */
	const char *summary; /* one line for the command list */
	const char *details; /* options and exit codes for "help NAME", or NULL */
	const struct cmd_option *options; /* ends with a zero entry */
	bool takes_rest; /* "--" starts arguments passed on as they are */
	int (*exec)(const struct cmd_entry *self, struct api *api, struct cmd_args *args);
};

/* Key of a positional argument in struct cmd_arg. */
#define CMD_ARG_POSITIONAL 0

extern const struct cmd_entry cmd_submit_entry;
extern const struct cmd_entry cmd_disk_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_attach_entry;
extern const struct cmd_entry cmd_monitor_entry;
extern const struct cmd_entry cmd_gdb_entry;
extern const struct cmd_entry cmd_pin_entry;
extern const struct cmd_entry cmd_unpin_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_results_entry;
extern const struct cmd_entry cmd_crashes_entry;
extern const struct cmd_entry cmd_compare_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_flaky_entry;
extern const struct cmd_entry cmd_artifacts_entry;
extern const struct cmd_entry cmd_coverage_entry;
extern const struct cmd_entry cmd_token_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_whoami_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_quota_entry;
extern const struct cmd_entry cmd_ci_entry;
extern const struct cmd_entry cmd_help_entry;

/* The command table, ending with NULL. */
extern const struct cmd_entry *const cmd_table[];

/* Find the command NAME names (exact name, alias or unique prefix); NULL
 * after printing "unknown command" or "ambiguous command". */
const struct cmd_entry *cmd_find(const char *name);
/* Parse ARGV (ARGV[0] is the command name) and run the command found in
 * ARGV[0] against API; returns the exit code. */
int cmd_run(struct api *api, int argc, char **argv);
/* Print the usage of pkvmctl (global options and the command list) to F. */
void cmd_print_usage(FILE *f);
/* Print the usage of command E (with its details when FULL) to F. */
void cmd_print_entry_usage(const struct cmd_entry *e, FILE *f, bool full);

/* Print "pkvmctl NAME: <message>" and E's usage line to stderr; returns
 * PKVM_EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parse a job id (a positive integer) from S into *ID; 0, or
 * PKVM_EXIT_USAGE after printing "invalid job id". */
int cmd_parse_id(const char *s, int64_t *id);
/* Parse a decimal integer option value S of option NAME within MIN..MAX
 * into *OUT; 0, or PKVM_EXIT_USAGE after printing why. */
int cmd_parse_int(const char *name, const char *s, long long min, long long max, long long *out);
/* Parse E's single positional argument as a job id into *ID; 0 or
 * PKVM_EXIT_USAGE. */
int cmd_args_one_id(const struct cmd_entry *e, struct cmd_args *args, int64_t *id);
/* True when option KEY was given in ARGS. */
bool cmd_args_flag(const struct cmd_args *args, int key);
/* The value of option KEY in ARGS, the last one when it was given more
 * than once; NULL when it was not given. */
const char *cmd_args_value(const struct cmd_args *args, int key);

/* Wait for job ID to be done (streaming its console to stdout first when
 * FOLLOW), print the one-line summary to stderr and, when JSON, the final
 * job object to stdout; returns the exit code for its result. */
int cmd_wait_job(struct api *api, int64_t id, bool follow, bool json);
/* Show job ID's progress on stderr from its events until it is done: a
 * live line when TTY, else a line per phase (job-progress.c).  0 once it
 * is done, or negative errno when the stream failed or ended first;
 * *CONTACTED is set once pkvmd answered. */
int job_progress_follow(struct api *api, int64_t id, bool tty, bool *contacted);

#endif
