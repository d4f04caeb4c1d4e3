/*
 * config.h -- pkvmd's settings, declared once as data.
 *
 * Every setting is a row in the table in config.c: its name (which is also
 * its --long-option), type, default, bounds and one line of help.  The
 * command line is parsed against that table, --help is printed from it, and
 * the rest of the daemon reads the typed struct below.  A config file can
 * later feed the same table without a second parser.
 */
#ifndef PKVM_CONFIG_H
#define PKVM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An option given once per value (--listen A --listen B). */
struct config_list {
	char **v;
	size_t n;
};

struct config {
	char *state_dir; /* jobs, blobs, database */
	char *socket; /* Unix socket path */
	struct config_list listen; /* unix:PATH[,mode=] / tcp:ADDR:PORT */
	char *pid_file; /* written once listening */
	int64_t socket_mode; /* permission bits of the socket */
	int64_t slots; /* CPU budget; a job's smp may not exceed it */
	bool foreground;
	bool verbose;
	char *qemu; /* qemu-system-aarch64 binary */
	char *qemu_img; /* qemu-img, for disk overlays */
	char *default_cpu; /* qemu -cpu of a job that names none */
	char *data_dir; /* init + busybox (the base layer's inputs) */
	char *ui_dir; /* the dashboard's static files */
	char *spawn_helper; /* pkvmd-spawn */
	char *qemu_user; /* run qemu as this user (pkvmd as root), or NULL */
	char *executor; /* "qemu" or "slurm" */
	char *slurm_partition, *slurm_account, *slurm_shared_dir; /* or NULL */
	int64_t slurm_max_jobs;
	char *capture_helper; /* pkvmd-capture */
	int64_t max_captures; /* coverage captures at once (and HTML renders) */
	int64_t coverage_html_timeout_s; /* a genhtml render is killed after */
	int64_t symbolize_timeout_s; /* s one addr2line run of the symbolizer may take */
	char *firmware_dir; /* QEMU firmware descriptors (UEFI) */
	bool requeue_interrupted;
	int64_t shutdown_grace_s; /* s to let running jobs finish on SIGTERM */
	int64_t stop_grace_s; /* s between SIGTERM and SIGKILL of a qemu */
	int64_t crash_grace_ms; /* ms to keep capturing after a crash */
	int64_t done_grace_s; /* s qemu may take to power off after tests */
	int64_t console_max_bytes; /* bytes of console kept per job */
	int64_t artifact_max_bytes; /* bytes of fast-channel artifacts kept per job */
	int64_t max_blob_bytes; /* bytes per uploaded blob */
	int64_t monitor_file_max_bytes; /* a file a monitor command writes */
	int64_t max_body_bytes; /* bytes per JSON request body */
	int64_t max_jobs_listed;
	int64_t min_free_bytes; /* /v1/health is 503 with less free in state_dir */
	int64_t fair_share_half_life_s; /* s in which past usage halves */
	int64_t quota_running_slots; /* per user; 0 = no limit */
	int64_t quota_queued_jobs; /* per user; 0 = no limit */
	int64_t quota_blob_bytes_per_day; /* per user; 0 = no limit */
	int64_t max_mem_mb; /* MiB a job may ask for */
	char *admin_group; /* admins on the Unix socket, besides root */
	char *ci_dir; /* one JSON file per CI project (docs/CI.md) */
	char *public_url; /* the server's URL as users see it, for links */
	int64_t ci_retry_s; /* a commit status's first retry, doubled per attempt */
	int64_t ci_retry_max_s; /* ... up to this */
	int64_t ci_give_up_s; /* a status not delivered this long after it was queued is given up */
	bool public_read; /* TCP reads need no token */
	char *tls_cert; /* PEM certificate chain of ,tls listeners */
	char *tls_key; /* its PEM private key */
	int64_t max_connections; /* client connections open at once, in all */
	int64_t max_connections_per_ip; /* from one client address (0: no cap) */
	int64_t read_timeout_s; /* s a client may be silent sending a request */
	int64_t events_max_queue_bytes; /* unread events before an events client is cut */
	int64_t keep_days; /* a finished job's directory is pruned after; 0 = kept */
	int64_t keep_bytes; /* all job directories together; 0 = no budget */
	bool keep_initrd; /* keep JOBDIR/initrd when the job ends */
	int64_t blob_grace_s; /* s an unreferenced blob is kept; 0 = forever */
	int64_t prune_interval_s; /* s between prune passes */
};

/* Fill C with defaults and parse ARGV against the table.  0 on success
 * (free C with config_free), 1 when --help/--version was printed, negative
 * errno with *CAUSE set on a bad option; C holds nothing after those two. */
int config_parse(struct config *c, int argc, char **argv, char **cause);
/* Free the strings C owns. */
void config_free(struct config *c);

#endif
