/*
 * main.c -- pkvmd start-up, the event loop, and shutdown.
 *
 * Start-up order matters:
 *   1. settings, state directory, database (migrations applied);
 *   2. recovery: jobs a dead pkvmd left `running` are requeued (or marked
 *      interrupted) and any qemu that survived it is killed, before a new
 *      qemu can be started;
 *   3. blob store and the initramfs base layer;
 *   4. listen, then tell whoever started us that we are ready (the parent
 *      of a daemonised pkvmd, or systemd through $NOTIFY_SOCKET), so a
 *      client started right after never finds the socket missing.
 * SIGTERM/SIGINT stop accepting, let running jobs finish for
 * --shutdown-grace seconds, stop the rest (they are requeued at the next
 * start, as after a crash) and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/loop-turns.h"
#include "base/metrics.h"
#include "build-config.h"
#include "ci/fetch.h"
#include "ci/project.h"
#include "ci/status.h"
#include "ci/unpack.h"
#include "store/ci.h"
#include "config.h"
#include "coverage/capture.h"
#include "coverage/html.h"
#include "http/http.h"
#include "job/events.h"
#include "job/watch.h"
#include "prune/prune.h"
#include "run/executor.h"
#include "run/initramfs.h"
#include "run/procs.h"
#include "run/runner.h"
#include "run/share.h"
#include "run/slurm.h"
#include "sd-notify.h"
#include "fd-limit.h"
#include "state-lock.h"
#include "store/blobs.h"
#include "store/store.h"
#include "symbols/symbolizer.h"

#define CHECKPOINT_INTERVAL_MS 10000
#define DRAIN_TIMEOUT_MS 5000
/* Events GET /v1/events keeps for clients that reconnect (job/events.h). */
#define EVENTS_KEPT 4096

/* The daemon's parts, wired together here once.  Each module gets the
 * parts it works with in an env struct of its own (runner_env,
 * coverage_env, http_env), never this one: none of them knows main.c. */
struct pkvmd {
	uv_loop_t *loop;
	struct config *cfg;
	struct store *store;
	struct blobs *blobs;
	struct initramfs *initramfs;
	struct runner *runner;
	struct watch_list *watches;
	struct event_bus *events; /* GET /v1/events */
	struct http_server *http;
	struct coverage *coverage;
	struct coverage_html *coverage_html; /* genhtml reports, on demand */
	struct symbolizer *symbolizer;
	struct share_config share; /* the runner and the API read it */
	struct prune *prune;
	struct ci_projects *ci_projects; /* --ci-dir's, swapped on SIGHUP */
	struct ci_fetcher *fetcher; /* artifacts in, commit statuses out */
	struct ci_status *ci_status; /* the outbox of commit statuses */
	bool shutting_down;
};

static struct pkvmd daemon_state;
static uv_signal_t sig_term, sig_int, sig_hup;
static uv_timer_t checkpoint_timer;
static uv_work_t checkpoint_work;
static bool checkpoint_busy;
static char db_path[PATH_MAX];

static void
mkdir_or_die(const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		fatalx("cannot create directory '%s': %s", path, strerror(errno));
}

/* Directory of the running binary, to find build-tree neighbours. */
static void
exe_dir(char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0) {
		snprintf(buf, len, ".");
		return;
	}
	path[n] = '\0';
	snprintf(buf, len, "%s", dirname(path));
}

/* Fill in the paths that default to "next to the binary, else installed". */
static void
resolve_paths(struct config *c)
{
	char dir[PATH_MAX], p[PATH_MAX + 32];
	const char *env;

	exe_dir(dir, sizeof(dir));
	if (c->data_dir == NULL) {
		env = getenv("PKVM_DATA_DIR");
		snprintf(p, sizeof(p), "%s/initramfs/init", dir);
		if (env != NULL && env[0] != '\0')
			c->data_dir = strdup(env);
		else if (access(p, R_OK) == 0) {
			snprintf(p, sizeof(p), "%s/initramfs", dir);
			c->data_dir = strdup(p);
		} else
			c->data_dir = strdup(PKVM_DATADIR);
	}
	/* The dashboard is data too, but the build tree keeps it in build/ui
	 * (meson copies a folder into its own build folder), not next to
	 * init in build/initramfs. */
	if (c->ui_dir == NULL) {
		snprintf(p, sizeof(p), "%s/ui/index.html", c->data_dir);
		if (access(p, R_OK) == 0)
			snprintf(p, sizeof(p), "%s/ui", c->data_dir);
		else {
			snprintf(p, sizeof(p), "%s/ui/index.html", dir);
			if (access(p, R_OK) == 0)
				snprintf(p, sizeof(p), "%s/ui", dir);
			else
				snprintf(p, sizeof(p), "%s/ui", PKVM_DATADIR);
		}
		c->ui_dir = strdup(p);
	}
	if (c->spawn_helper == NULL) {
		snprintf(p, sizeof(p), "%s/pkvmd-spawn", dir);
		if (access(p, X_OK) == 0)
			c->spawn_helper = strdup(p);
		else
			c->spawn_helper = strdup(PKVM_LIBEXECDIR "/pkvmd-spawn");
	}
	if (c->capture_helper == NULL) {
		snprintf(p, sizeof(p), "%s/pkvmd-capture", dir);
		if (access(p, X_OK) == 0)
			c->capture_helper = strdup(p);
		else
			c->capture_helper = strdup(PKVM_LIBEXECDIR "/pkvmd-capture");
	}
	if (c->socket == NULL) {
		env = getenv("PKVM_SOCKET");
		c->socket = strdup(env != NULL && env[0] != '\0' ? env : PKVM_DEFAULT_SOCKET);
	}
	if (c->data_dir == NULL || c->ui_dir == NULL || c->spawn_helper == NULL ||
	    c->socket == NULL)
		fatalx("out of memory");
}

/* Requeue (or mark interrupted) jobs left running; WHEN says why, for the log. */
static void
recover(struct pkvmd *d, const char *when)
{
	struct recovered_job *rec = NULL;
	size_t n = 0;
	int err;

	err = store_jobs_recover(d->store, d->cfg->requeue_interrupted, clock_now_ms(), &rec, &n);
	if (err < 0)
		fatalx("recovering interrupted jobs: %s", strerror(-err));
	for (size_t i = 0; i < n; i++) {
		int killed = procs_kill_survivor(rec[i].pid, rec[i].starttime_ticks);

		runner_job_dir_scrub(d->cfg->state_dir, rec[i].id, d->cfg->keep_initrd);

		log_info("job %lld: interrupted by %s, %s%s", (long long)rec[i].id, when,
		    d->cfg->requeue_interrupted ? "requeued" : "marked interrupted",
		    killed > 0 ? " (its surviving qemu was killed)" : "");
	}
	free(rec);
}

/* ---- WAL checkpoints off the loop ---------------------------------------- */

static void
checkpoint_do(uv_work_t *w)
{
	(void)w;
	store_checkpoint(db_path);
}

static void
checkpoint_done(uv_work_t *w, int status)
{
	(void)w;
	(void)status;
	checkpoint_busy = false;
}

static void
on_checkpoint_timer(uv_timer_t *t)
{
	if (checkpoint_busy)
		return;
	checkpoint_busy = true;
	uv_queue_work(t->loop, &checkpoint_work, checkpoint_do, checkpoint_done);
}

/* A job is stored done: its coverage is captured and its crash reports
 * symbolized next.  The runner calls this without knowing that either
 * exists. */
static void
on_job_done(void *arg, const struct job *j)
{
	struct pkvmd *d = arg;

	coverage_job_done(d->coverage, j);
	symbolizer_job_done(d->symbolizer, j);
	prune_job_done(d->prune);
	ci_status_job_done(d->ci_status, j->id);
}

/* A job started: a CI job's commit says "running". */
static void
on_job_start(void *arg, const struct job *j)
{
	struct pkvmd *d = arg;

	ci_status_job_started(d->ci_status, j->id);
}

/* A queued job was cancelled: it is done without having run. */
static void
on_job_cancelled(void *arg, int64_t id)
{
	struct pkvmd *d = arg;

	ci_status_job_done(d->ci_status, id);
}

/* ---- shutdown --------------------------------------------------------------- */

static void
on_http_closed(void *arg)
{
	struct pkvmd *d = arg;

	d->http = NULL;
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_hup, NULL);
	uv_close((uv_handle_t *)&checkpoint_timer, NULL);
	prune_stop(d->prune);
	ci_status_stop(d->ci_status);
	/* Transfers still running are abandoned (statuses stay in the
	 * outbox for the next start).  Here, not after the loop: libcurl's
	 * sockets are handles of the loop, which would not end while they
	 * are watched. */
	ci_fetcher_free(d->fetcher);
	d->fetcher = NULL;
}

static void
on_http_drained(void *arg)
{
	struct pkvmd *d = arg;

	http_server_close(d->http, on_http_closed, d);
}

static void
on_symbolizer_stopped(void *arg)
{
	struct pkvmd *d = arg;

	/* Clients waiting on jobs that just ended are being answered; give
	 * them the time to read it (and to ask for the result). */
	http_server_drain(d->http, DRAIN_TIMEOUT_MS, on_http_drained, d);
}

static void
on_renders_stopped(void *arg)
{
	struct pkvmd *d = arg;

	symbolizer_shutdown(d->symbolizer, on_symbolizer_stopped, d);
}

static void
on_coverage_stopped(void *arg)
{
	struct pkvmd *d = arg;

	coverage_html_shutdown(d->coverage_html, on_renders_stopped, d);
}

static bool runner_stopped;

static void
on_runner_stopped(void *arg)
{
	struct pkvmd *d = arg;

	runner_stopped = true;
	/* Jobs stopped by the shutdown are still `running` in the store:
	 * requeue them (or mark them interrupted) now, as a restart would. */
	recover(d, "the shutdown");
	coverage_shutdown(d->coverage, on_coverage_stopped, d);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct pkvmd *d = s->data;

	if (signum == SIGHUP) {
		http_server_reload(d->http);
		if (d->cfg->ci_dir != NULL)
			ci_projects_reload(d->cfg->ci_dir, &d->ci_projects);
		return;
	}
	if (d->shutting_down) {
		/* Past the runner, what is left (captures, draining clients)
		 * ends by itself within seconds. */
		if (runner_stopped)
			return;
		log_info("second signal: stopping running jobs now");
		runner_shutdown(d->runner, 0, on_runner_stopped, d);
		return;
	}
	log_info("signal %d: shutting down", signum);
	d->shutting_down = true;
	sd_notify_send("STOPPING=1");
	http_stop_listening(d->http);
	runner_shutdown(d->runner, d->cfg->shutdown_grace_s, on_runner_stopped, d);
}

/* ---- the executor ----------------------------------------------------------- */

/* --executor: qemu here, or through Slurm (docs/SLURM.md), whose jobs an
 * earlier pkvmd left running are cancelled before anything is recovered
 * (their console went with that pkvmd: recovery requeues the job or marks
 * it interrupted, as after any restart).  0, or -1 after saying why on
 * stderr, before the daemon leaves the terminal. */
static int
executor_setup(const struct config *cfg)
{
	struct slurm_options o = { .partition = cfg->slurm_partition,
		.account = cfg->slurm_account,
		.shared_dir = cfg->slurm_shared_dir,
		.state_dir = cfg->state_dir };
	char *cause = NULL;
	int n;

	if (strcmp(cfg->executor, "qemu") == 0)
		return 0;
	if (strcmp(cfg->executor, "slurm") != 0) {
		fprintf(stderr, "pkvmd: --executor %s: qemu or slurm\n", cfg->executor);
		return -1;
	}
	if (cfg->qemu_user != NULL) {
		fprintf(stderr,
		    "pkvmd: --qemu-user does not go with --executor slurm: Slurm runs "
		    "qemu as the user pkvmd runs as\n");
		return -1;
	}
	if (slurm_configure(&o, &cause) < 0 || (n = slurm_cancel_leftovers(&cause)) < 0) {
		fprintf(stderr, "pkvmd: %s\n", cause ? cause : "Slurm is not usable");
		free(cause);
		return -1;
	}
	if (n > 0)
		fprintf(stderr, "pkvmd: cancelled %d Slurm job%s an earlier pkvmd left\n", n,
		    n == 1 ? "" : "s");
	return 0;
}

/* ---- daemonising ---------------------------------------------------------- */

/* Fork into the background; the parent exits only once the child reports
 * it is listening (write end returned), so `pkvmd ... && pkvmctl ...` has
 * no race.  Returns the fd to report readiness on. */
static int
daemonize(const char *logpath)
{
	int p[2], fd;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) != 0)
		fatalx("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fatalx("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(0);
		fprintf(stderr, "pkvmd: failed to start; see %s\n", logpath);
		_exit(1);
	}
	close(p[0]);
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		close(fd);
	}
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	return p[1];
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct pkvmd *d = &daemon_state;
	char *cause = NULL;
	char path[PATH_MAX + 64];
	int err, ready_fd = -1, lock_fd, activated;
	pid_t holder;

	err = config_parse(&cfg, argc, argv, &cause);
	if (err == 1)
		return 0;
	if (err < 0) {
		fprintf(stderr, "pkvmd: %s\n", cause ? cause : strerror(-err));
		free(cause);
		return 2;
	}
	resolve_paths(&cfg);
	/* Under systemd, journald adds its own timestamps. */
	log_init(cfg.verbose, getenv("JOURNAL_STREAM") == NULL);
	signal(SIGPIPE, SIG_IGN);

	mkdir_or_die(cfg.state_dir, 0750);
	/* Before the database, the socket or the recovery of jobs: a second
	 * pkvmd would end the first one's running jobs as abandoned.  On the
	 * terminal, before daemonising, so that the caller sees why. */
	err = state_lock(cfg.state_dir, &lock_fd, &holder);
	if (err == -EBUSY) {
		if (holder > 0)
			fprintf(stderr, "pkvmd: %s is in use by pkvmd pid %d\n", cfg.state_dir,
			    (int)holder);
		else
			fprintf(stderr, "pkvmd: %s is in use by another pkvmd\n", cfg.state_dir);
		config_free(&cfg);
		return 1;
	}
	if (err < 0) {
		fprintf(stderr, "pkvmd: cannot lock %s/pkvmd.lock: %s\n", cfg.state_dir,
		    strerror(-err));
		config_free(&cfg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/jobs", cfg.state_dir);
	mkdir_or_die(path, 0750);
	/* On the terminal too: a --qemu-user that cannot work stops us here. */
	if (cfg.qemu_user != NULL &&
	    (err = executor_qemu_run_as(cfg.qemu_user, cfg.state_dir, &cause)) < 0) {
		fprintf(stderr, "pkvmd: %s\n", cause ? cause : strerror(-err));
		free(cause);
		config_free(&cfg);
		return 1;
	}
	if ((err = executor_setup(&cfg)) < 0) {
		config_free(&cfg);
		return 1;
	}
	if (!cfg.foreground) {
		snprintf(path, sizeof(path), "%s/pkvmd.log", cfg.state_dir);
		ready_fd = daemonize(path);
		/* The child inherited the lock; the file names it now. */
		if ((err = state_lock_write_pid(lock_fd)) < 0)
			log_warn(err, "cannot write our pid to the lock file");
	}

	d->loop = uv_default_loop();
	d->cfg = &cfg;
	if ((err = metrics_init(PKVM_VERSION, clock_now_ms())) < 0)
		fatalx("start-up: metrics: %s", strerror(-err));
	if ((err = loop_turns_start(d->loop)) < 0)
		log_warn(err, "start-up: the loop's turns go unmeasured");
	snprintf(db_path, sizeof(db_path), "%s/pkvmd.db", cfg.state_dir);
	err = store_new(&d->store, db_path, &cause);
	if (err < 0)
		fatalx("cannot open database %s: %s", db_path, cause ? cause : strerror(-err));
	recover(d, "the end of the previous pkvmd");
	/* A dead pkvmd's downloads are gone: their deliveries failed (a
	 * redelivery tries again), and what they had fetched goes. */
	if ((err = store_ci_deliveries_interrupt(d->store,
		 "interrupted: pkvmd stopped while its artifact was fetched")) > 0)
		log_info("ci: %d deliveries interrupted by the end of the previous pkvmd", err);
	snprintf(path, sizeof(path), "%s/ci", cfg.state_dir);
	if ((err = ci_tree_remove(path)) < 0 && err != -ENOENT)
		log_warn(err, "ci: removing the downloads of the previous pkvmd in %s", path);

	snprintf(path, sizeof(path), "%s/blobs", cfg.state_dir);
	if ((err = blobs_new(&d->blobs, path)) < 0)
		fatalx("cannot open blob store %s: %s", path, strerror(-err));
	snprintf(path, sizeof(path), "%s/cache", cfg.state_dir);
	if ((err = initramfs_new(&d->initramfs, cfg.data_dir, path, &cause)) < 0)
		fatalx("%s", cause ? cause : strerror(-err));
	if (access(cfg.spawn_helper, X_OK) != 0)
		fatalx("cannot run the spawn helper '%s': %s (pass --spawn-helper)",
		    cfg.spawn_helper, strerror(errno));

	if (watch_list_new(&d->watches) < 0)
		fatalx("out of memory");
	/* Ids start at our start time in ms times 1000, so a later pkvmd's
	 * are higher than ours and a client's id from an earlier one is
	 * told apart (docs/API.md).  The ring holds a few minutes of a busy
	 * lab's events for clients that reconnect. */
	if (event_bus_new(&d->events, clock_now_ms() * 1000, EVENTS_KEPT) < 0)
		fatalx("out of memory");
	struct coverage_env cov_env = {
		.loop = d->loop,
		.store = d->store,
		.watches = d->watches,
		.state_dir = cfg.state_dir,
		.spawn_helper = cfg.spawn_helper,
		.capture_helper = cfg.capture_helper,
		.max_captures = cfg.max_captures,
	};
	struct coverage_html_env html_env = {
		.loop = d->loop,
		.state_dir = cfg.state_dir,
		.spawn_helper = cfg.spawn_helper,
		.capture_helper = cfg.capture_helper,
		.timeout_s = cfg.coverage_html_timeout_s,
		.max_renders = cfg.max_captures,
	};
	struct symbolizer_env sym_env = {
		.loop = d->loop,
		.store = d->store,
		.blobs = d->blobs,
		.watches = d->watches,
		.state_dir = cfg.state_dir,
		.spawn_helper = cfg.spawn_helper,
		.timeout_s = cfg.symbolize_timeout_s,
	};
	d->share = (struct share_config){
		.half_life_s = cfg.fair_share_half_life_s,
		.quota_running_slots = cfg.quota_running_slots,
		.quota_queued_jobs = cfg.quota_queued_jobs,
		.quota_blob_bytes_per_day = cfg.quota_blob_bytes_per_day,
		.max_mem_mb = cfg.max_mem_mb,
	};
	struct runner_env run_env = {
		.loop = d->loop,
		.store = d->store,
		.blobs = d->blobs,
		.initramfs = d->initramfs,
		.watches = d->watches,
		.events = d->events,
		.ex = executor_qemu(cfg.qemu, cfg.spawn_helper),
		.state_dir = cfg.state_dir,
		.firmware_dir = cfg.firmware_dir,
		.slots = slurm_enabled() ? (int)cfg.slurm_max_jobs : (int)cfg.slots,
		.job_per_slot = slurm_enabled(),
		.share = &d->share,
		.console_max_bytes = cfg.console_max_bytes,
		.artifact_max_bytes = cfg.artifact_max_bytes,
		.crash_grace_ms = cfg.crash_grace_ms,
		.stop_grace_s = cfg.stop_grace_s,
		.done_grace_s = cfg.done_grace_s,
		.keep_initrd = cfg.keep_initrd,
		.qemu_img = cfg.qemu_img,
		.on_job_done = on_job_done,
		.on_job_done_arg = d,
		.on_job_start = on_job_start,
		.on_job_cancelled = on_job_cancelled,
	};
	struct prune_env prune_env = {
		.loop = d->loop,
		.store = d->store,
		.blobs = d->blobs,
		.state_dir = cfg.state_dir,
		.keep_days = cfg.keep_days,
		.keep_bytes = cfg.keep_bytes,
		.blob_grace_s = cfg.blob_grace_s,
		.interval_s = cfg.prune_interval_s,
	};
	if (cfg.ci_dir != NULL && (err = ci_projects_reload(cfg.ci_dir, &d->ci_projects)) < 0)
		fatalx("--ci-dir '%s': %s", cfg.ci_dir, strerror(-err));
	struct ci_status_env status_env = {
		.loop = d->loop,
		.store = d->store,
		.projects = &d->ci_projects,
		.public_url = cfg.public_url,
		.retry_first_ms = cfg.ci_retry_s * 1000,
		.retry_max_ms = cfg.ci_retry_max_s * 1000,
		.give_up_ms = cfg.ci_give_up_s * 1000,
	};
	if ((err = ci_fetcher_new(&d->fetcher, d->loop)) < 0 ||
	    (err = prune_new(&d->prune, &prune_env)) < 0 ||
	    (err = coverage_new(&d->coverage, &cov_env)) < 0 ||
	    (err = coverage_html_new(&d->coverage_html, &html_env)) < 0 ||
	    (err = symbolizer_new(&d->symbolizer, &sym_env)) < 0 ||
	    (err = runner_new(&d->runner, &run_env)) < 0)
		fatalx("start-up: %s", strerror(-err));
	status_env.fetcher = d->fetcher;
	if ((err = ci_status_new(&d->ci_status, &status_env)) < 0)
		fatalx("start-up: %s", strerror(-err));
	/* Jobs a stopped pkvmd left half symbolized are finished first. */
	if ((err = symbolizer_resume(d->symbolizer)) < 0)
		log_warn(err, "taking up the unfinished symbolization of crash reports");
	/* Each connection under the cap must be able to get a descriptor. */
	if ((err = fd_limit_fit(&cfg.max_connections, runner_slots_total(d->runner))) < 0)
		log_warn(err, "cannot read the file descriptor limit");
	struct http_env http_env = {
		.loop = d->loop,
		.store = d->store,
		.blobs = d->blobs,
		.runner = d->runner,
		.watches = d->watches,
		.events = d->events,
		.events_max_queue_bytes = cfg.events_max_queue_bytes,
		.coverage = d->coverage,
		.coverage_html = d->coverage_html,
		.prune = d->prune,
		.state_dir = cfg.state_dir,
		.ui_dir = cfg.ui_dir,
		.max_body_bytes = cfg.max_body_bytes,
		.max_blob_bytes = cfg.max_blob_bytes,
		.monitor_file_max_bytes = cfg.monitor_file_max_bytes,
		.max_jobs_listed = cfg.max_jobs_listed,
		.default_cpu = cfg.default_cpu,
		.min_free_bytes = cfg.min_free_bytes,
		.public_read = cfg.public_read,
		.share = &d->share,
		.tls_cert_file = cfg.tls_cert,
		.tls_key_file = cfg.tls_key,
		.max_connections = cfg.max_connections,
		.max_connections_per_ip = cfg.max_connections_per_ip,
		.read_timeout_s = cfg.read_timeout_s,
		.ci_projects = &d->ci_projects,
		.fetcher = d->fetcher,
		.ci_status = d->ci_status,
		.public_url = cfg.public_url,
	};
	{
		struct group *g = getgrnam(cfg.admin_group);

		/* A missing group is normal on a desk: root is the admin. */
		if (g != NULL) {
			http_env.has_admin_gid = true;
			http_env.admin_gid = g->gr_gid;
		}
	}
	if ((err = http_server_new(&d->http, &http_env)) < 0)
		fatalx("start-up: %s", strerror(-err));

	/* Sockets systemd passed replace --listen and --socket. */
	if ((activated = http_listen_activated(d->http, &cause)) < 0)
		fatalx("%s", cause ? cause : strerror(-activated));
	if (activated == 0 && cfg.listen.n == 0) {
		/* The default socket's directory may not exist yet (/run/pkvmd). */
		snprintf(path, sizeof(path), "%s", cfg.socket);
		mkdir(dirname(path), 0755);
		err = http_listen_unix(d->http, cfg.socket, (mode_t)cfg.socket_mode, &cause);
		if (err < 0)
			fatalx("%s", cause ? cause : strerror(-err));
	}
	for (size_t i = 0; activated == 0 && i < cfg.listen.n; i++) {
		if ((err = http_listen(d->http, cfg.listen.v[i], &cause)) < 0)
			fatalx("%s", cause ? cause : strerror(-err));
	}

	uv_signal_init(d->loop, &sig_term);
	uv_signal_init(d->loop, &sig_int);
	uv_signal_init(d->loop, &sig_hup);
	sig_term.data = sig_int.data = sig_hup.data = d;
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_hup, on_signal, SIGHUP);
	uv_timer_init(d->loop, &checkpoint_timer);
	uv_timer_start(&checkpoint_timer, on_checkpoint_timer, CHECKPOINT_INTERVAL_MS,
	    CHECKPOINT_INTERVAL_MS);

	log_info("pkvmd %s listening on %s%s (%d slots, state in %s)", PKVM_VERSION,
	    activated > 0          ? "sockets from systemd"
		: cfg.listen.n > 0 ? cfg.listen.v[0]
				   : cfg.socket,
	    activated == 0 && cfg.listen.n > 1 ? " and more" : "", runner_slots_total(d->runner),
	    cfg.state_dir);
	if (cfg.pid_file != NULL) {
		FILE *f = fopen(cfg.pid_file, "we");

		if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
			fatalx("cannot write pid file '%s': %s", cfg.pid_file, strerror(errno));
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "1", 1) != 1)
			log_warn(-errno, "cannot tell the parent we are ready");
		close(ready_fd);
	}
	sd_notify_send("READY=1");
	/* Statuses first: a job the kick starts says "running" after its
	 * "queued" that a stopped pkvmd left untold. */
	ci_status_resume(d->ci_status);
	runner_kick(d->runner);
	prune_start(d->prune);

	uv_run(d->loop, UV_RUN_DEFAULT);
	loop_turns_stop();
	uv_run(d->loop, UV_RUN_NOWAIT);

	ci_status_free(d->ci_status);
	ci_projects_unref(d->ci_projects);
	runner_free(d->runner);
	prune_free(d->prune);
	symbolizer_free(d->symbolizer);
	coverage_html_free(d->coverage_html);
	coverage_free(d->coverage);
	watch_list_free(d->watches);
	event_bus_free(d->events);
	initramfs_free(d->initramfs);
	blobs_free(d->blobs);
	store_free(d->store);
	metrics_free();
	uv_loop_close(d->loop);
	if (cfg.pid_file != NULL)
		unlink(cfg.pid_file);
	/* The lock goes last: nothing of ours touches the state after it. */
	close(lock_fd);
	log_info("stopped");
	config_free(&cfg);
	return 0;
}
