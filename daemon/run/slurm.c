/*
 * slurm.c -- the Slurm side of the qemu executor (slurm.h, docs/SLURM.md).
 *
 * Job names carry the pkvmd job id and a tag of this pkvmd (a hash of its
 * host name and state directory): "pkvmd-1a2b3c4d-812".  The tag keeps two
 * pkvmd on one cluster from taking each other's jobs for leftovers.
 *
 * squeue answers from slurmctld's memory, where a finished job stays for
 * MinJobAge (300 s by default): that is where a run's end state is read,
 * so no accounting database (sacct, slurmdbd) is needed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/files.h"
#include "disk-image.h"
#include "base/log.h"
#include "job/job.h"
#include "run/disks.h"
#include "run/executor.h"
#include "run/firmware.h"
#include "run/slurm.h"

extern char **environ;

/* What squeue prints of a job, one line each: id|state|node|reason. */
#define SQUEUE_FORMAT "%i|%T|%N|%r"
/* The most of a command's output kept. */
#define CMD_OUT_MAX (64 * 1024)
/* Slurm's time limit is the job's own plus this: pkvmd's timer ends a run
 * first and says why; Slurm's is the backstop when pkvmd is gone. */
#define TIME_LIMIT_SLACK_S 120
/* Memory asked beyond the guest's: qemu's own (TCG's translation cache,
 * device models). */
#define QEMU_OVERHEAD_MB 512

static struct {
	bool on;
	char partition[128], account[128];
	char shared_dir[PATH_MAX]; /* its real path */
	char state_dir[PATH_MAX]; /* the state directory's real path */
	char tag[16];
	char srun[PATH_MAX], scancel[PATH_MAX], squeue[PATH_MAX];
} conf;

static void
bin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (dir != NULL)
		snprintf(buf, len, "%s/%s", dir, name);
	else
		snprintf(buf, len, "%s", name);
}

int
slurm_configure(const struct slurm_options *o, char **cause)
{
	char probe[PATH_MAX + 32], host[256] = "";
	uint32_t h = 2166136261u;
	int fd;

	*cause = NULL;
	if (o->shared_dir == NULL || realpath(o->shared_dir, conf.shared_dir) == NULL) {
		if (asprintf(cause, "--slurm-shared-dir %s: %s", o->shared_dir ? o->shared_dir : "",
			o->shared_dir ? strerror(errno) : "needed with --executor slurm") < 0)
			*cause = NULL;
		return -EINVAL;
	}
	/* Writable by us: every run stages its files there. */
	snprintf(probe, sizeof(probe), "%s/.pkvmd-probe-XXXXXX", conf.shared_dir);
	if ((fd = mkstemp(probe)) < 0) {
		if (asprintf(cause, "--slurm-shared-dir %s is not writable: %s", conf.shared_dir,
			strerror(errno)) < 0)
			*cause = NULL;
		return -EACCES;
	}
	close(fd);
	unlink(probe);
	if (o->state_dir == NULL || realpath(o->state_dir, conf.state_dir) == NULL)
		conf.state_dir[0] = '\0';
	snprintf(conf.partition, sizeof(conf.partition), "%s", o->partition ? o->partition : "");
	snprintf(conf.account, sizeof(conf.account), "%s", o->account ? o->account : "");
	bin_path(conf.srun, sizeof(conf.srun), o->bin_dir, "srun");
	bin_path(conf.scancel, sizeof(conf.scancel), o->bin_dir, "scancel");
	bin_path(conf.squeue, sizeof(conf.squeue), o->bin_dir, "squeue");
	/* FNV-1a of host and state directory: this pkvmd's tag. */
	gethostname(host, sizeof(host) - 1);
	for (const char *p = host; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = conf.state_dir; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(conf.tag, sizeof(conf.tag), "%08x", h);
	conf.on = true;
	return 0;
}

bool
slurm_enabled(void)
{
	return conf.on;
}

void
slurm_job_name(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "pkvmd-%s-%lld", conf.tag, (long long)id);
}

/* ---- staging -------------------------------------------------------------- */

/* Is PATH under the shared directory already? */
static bool
shared(const char *path)
{
	char real[PATH_MAX];
	size_t n = strlen(conf.shared_dir);

	return realpath(path, real) != NULL && strncmp(real, conf.shared_dir, n) == 0 &&
	    (real[n] == '/' || real[n] == '\0');
}

/* FROM into DIR/NAME as TO: left where it is when shared, else linked
 * when it can be, else copied. */
static int
stage_file(const char *from, const char *dir, const char *name, char *to, size_t len)
{
	snprintf(to, len, "%s/%s", dir, name);
	if (shared(from)) {
		snprintf(to, len, "%s", from);
		return 0;
	}
	unlink(to);
	if (link(from, to) == 0)
		return 0;
	return files_copy(from, to);
}

/* The files of an EFI payload's FAT directory, copied (a handful). */
static int
stage_dir(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (mkdir(to, 0755) != 0 && errno != EEXIST)
		return -errno;
	if ((d = opendir(from)) == NULL)
		return -errno;
	while (err == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		err = files_copy(a, b);
	}
	closedir(d);
	return err;
}

/* Remove the files in DIR, and DIR's subdirectories' (one level). */
static void
empty_dir(const char *dir, int depth)
{
	char path[PATH_MAX * 2];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0 && errno == EISDIR && depth > 0) {
			empty_dir(path, depth - 1);
			rmdir(path);
		}
	}
	closedir(d);
}

int
slurm_stage_begin(int64_t id, struct slurm_stage *st, char **cause)
{
	char name[64];

	*cause = NULL;
	memset(st, 0, sizeof(*st));
	slurm_job_name(id, name, sizeof(name));
	snprintf(st->dir, sizeof(st->dir), "%s/%s", conf.shared_dir, name);
	/* What an earlier run of this job left (pkvmd was killed). */
	empty_dir(st->dir, 1);
	if (mkdir(st->dir, 0755) != 0 && errno != EEXIST) {
		int err = -errno;

		if (asprintf(cause, "cannot create %s: %s", st->dir, strerror(-err)) < 0)
			*cause = NULL;
		st->dir[0] = '\0';
		return err;
	}
	return 0;
}

int
slurm_stage_file(struct slurm_stage *st, const char *from, const char *name, char *to, char **cause)
{
	char tmp[PATH_MAX];
	int err;

	*cause = NULL;
	if ((err = stage_file(from, st->dir, name, tmp, sizeof(tmp))) < 0) {
		if (asprintf(cause, "cannot stage %s under --slurm-shared-dir: %s", from,
			strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	snprintf(to, PATH_MAX, "%s", tmp);
	return 0;
}

int
slurm_stage_disks(struct slurm_stage *st, const struct job *j, struct run_disk *d, size_t n,
    const char *qemu_img, char **cause)
{
	char name[32], path[PATH_MAX];
	int err;

	*cause = NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), d[i].overlay ? "disk%zu.base" : "disk%zu.img", i + 1);
		if ((err = slurm_stage_file(st, d[i].overlay ? d[i].backing : d[i].path, name, path,
			 cause)) < 0)
			return err;
		if (!d[i].overlay) {
			snprintf(d[i].path, sizeof(d[i].path), "%s", path);
			continue;
		}
		if ((err = disks_rebase(qemu_img, &d[i], path, disk_format_name(j->disks[i].format),
			 cause)) < 0)
			return err;
	}
	return 0;
}

int
slurm_stage(const struct exec_spec *spec, struct slurm_stage *st, char **cause)
{
	char name[64];
	const char *what = NULL;
	int err = 0;

	*cause = NULL;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < spec->ndisks; i++)
		if (!shared(spec->disks[i].path) ||
		    (spec->disks[i].backing[0] != '\0' && !shared(spec->disks[i].backing))) {
			if (asprintf(cause, "disk %zu is not under --slurm-shared-dir %s", i + 1,
				conf.shared_dir) < 0)
				*cause = NULL;
			return -EXDEV;
		}
	slurm_job_name(spec->job->id, name, sizeof(name));
	snprintf(st->dir, sizeof(st->dir), "%s/%s", conf.shared_dir, name);
	if (mkdir(st->dir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		what = st->dir;
	}
	if (err == 0 && spec->kernel != NULL &&
	    (err = stage_file(spec->kernel, st->dir, "kernel", st->kernel, sizeof(st->kernel))) < 0)
		what = spec->kernel;
	if (err == 0 && spec->payload == NULL && spec->initrd != NULL &&
	    (err = stage_file(spec->initrd, st->dir, "initrd", st->initrd, sizeof(st->initrd))) < 0)
		what = spec->initrd;
	/* UEFI variables and a FAT directory only matter with firmware (the
	 * runner names them for payloads that boot without). */
	if (err == 0 && spec->fw != NULL && spec->vars != NULL && spec->vars[0] != '\0' &&
	    (err = stage_file(spec->vars, st->dir, "vars.fd", st->vars, sizeof(st->vars))) < 0)
		what = spec->vars;
	if (err == 0 && spec->fw != NULL && spec->fatdir != NULL && !shared(spec->fatdir)) {
		snprintf(st->fatdir, sizeof(st->fatdir), "%s/fat", st->dir);
		if ((err = stage_dir(spec->fatdir, st->fatdir)) < 0)
			what = spec->fatdir;
	}
	if (err < 0) {
		if (asprintf(cause, "cannot stage %s under --slurm-shared-dir: %s", what,
			strerror(-err)) < 0)
			*cause = NULL;
		slurm_unstage(st);
	}
	return err;
}

void
slurm_unstage(struct slurm_stage *st)
{
	if (st->dir[0] == '\0')
		return;
	empty_dir(st->dir, 1);
	if (rmdir(st->dir) != 0 && errno != ENOENT)
		log_warn(-errno, "slurm: removing %s", st->dir);
	st->dir[0] = '\0';
}

/* ---- srun ----------------------------------------------------------------- */

void
slurm_srun_words(const struct exec_spec *spec, void (*add)(void *arg, const char *word), void *arg)
{
	const struct job *j = spec->job;
	const struct job_exe *p = spec->payload;
	int smp = p != NULL && p->smp > 0 ? p->smp : j->smp;
	int mem = p != NULL && p->mem_mb > 0 ? p->mem_mb : j->mem_mb;
	int limit_min = (j->timeout_s + TIME_LIMIT_SLACK_S + 59) / 60;
	char w[PATH_MAX + 32];

	add(arg, conf.srun);
	/* srun's own chatter ("job queued and waiting") stays out of the
	 * console; errors still reach qemu.log. */
	add(arg, "--quiet");
	/* Line by line as qemu writes it, not in srun's buffers. */
	add(arg, "--unbuffered");
	slurm_job_name(j->id, w, sizeof(w));
	add(arg, "--job-name");
	add(arg, w);
	add(arg, "--ntasks=1");
	snprintf(w, sizeof(w), "--cpus-per-task=%d", smp);
	add(arg, w);
	snprintf(w, sizeof(w), "--mem=%dM", mem + QEMU_OVERHEAD_MB);
	add(arg, w);
	snprintf(w, sizeof(w), "--time=%d", limit_min);
	add(arg, w);
	/* The guest's serial input (pkvmctl attach) goes to the one task. */
	add(arg, "--input=0");
	if (conf.partition[0] != '\0') {
		snprintf(w, sizeof(w), "--partition=%s", conf.partition);
		add(arg, w);
	}
	if (conf.account[0] != '\0') {
		snprintf(w, sizeof(w), "--account=%s", conf.account);
		add(arg, w);
	}
	add(arg, "--");
}

/* ---- what squeue says ----------------------------------------------------- */

bool
slurm_parse_jobs(const char *text, struct slurm_job *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512], *f[4], *tok;
		int k = 0;
		long long id;

		if (n < sizeof(buf)) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			/* strsep keeps empty fields (a pending job has no node). */
			for (tok = buf; k < 4 && (f[k] = strsep(&tok, "|")) != NULL; k++)
				;
			if (k == 4 && sscanf(f[0], "%lld", &id) == 1 && id > out->id) {
				out->id = id;
				snprintf(out->state, sizeof(out->state), "%s", f[1]);
				snprintf(out->node, sizeof(out->node), "%s", f[2]);
				snprintf(out->reason, sizeof(out->reason), "%s", f[3]);
			}
		}
		line = end ? end + 1 : NULL;
	}
	return out->id > 0;
}

const char *
slurm_state_lost(const char *state, bool cancelled_by_us)
{
	static const struct {
		const char *state, *why;
	} lost[] = {
		{ "NODE_FAIL", "the Slurm node failed (NODE_FAIL)" },
		{ "BOOT_FAIL", "the Slurm node failed to boot (BOOT_FAIL)" },
		{ "OUT_OF_MEMORY",
		    "Slurm ended qemu for using more memory than asked (OUT_OF_MEMORY)" },
		{ "PREEMPTED", "Slurm preempted the job (PREEMPTED)" },
		{ "DEADLINE", "the Slurm job reached its deadline (DEADLINE)" },
		{ "TIMEOUT", "the Slurm job reached its time limit (TIMEOUT)" },
		{ "REVOKED", "Slurm revoked the job (REVOKED)" },
	};

	if (strcmp(state, "CANCELLED") == 0)
		return cancelled_by_us ? NULL
				       : "the Slurm job was cancelled outside pkvmd (CANCELLED)";
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++)
		if (strcmp(state, lost[i].state) == 0)
			return lost[i].why;
	return NULL;
}

/* ---- commands ------------------------------------------------------------- */

/* One command run by the loop, its output collected. */
struct cmd {
	uv_process_t proc;
	uv_pipe_t out;
	int open;
	bool exited, eof;
	int64_t status;
	char buf[CMD_OUT_MAX + 1];
	size_t len;
	char name[96];
	void (*done)(struct cmd *c);
	void (*cb)(void *arg, const struct slurm_job *j);
	void *arg;
};

static void
cmd_closed(uv_handle_t *h)
{
	struct cmd *c = h->data;

	if (--c->open == 0)
		free(c);
}

static void
cmd_maybe_done(struct cmd *c)
{
	if (!c->exited || !c->eof)
		return;
	c->buf[c->len] = '\0';
	c->done(c);
	uv_close((uv_handle_t *)&c->proc, cmd_closed);
	uv_close((uv_handle_t *)&c->out, cmd_closed);
}

static void
cmd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct cmd *c = h->data;
	static char sink[4096];

	(void)suggested;
	/* Past the cap, read on into nothing: the command must not block. */
	if (c->len >= CMD_OUT_MAX) {
		buf->base = sink;
		buf->len = sizeof(sink);
		return;
	}
	buf->base = c->buf + c->len;
	buf->len = CMD_OUT_MAX - c->len;
}

static void
cmd_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cmd *c = s->data;

	if (n > 0 && buf->base == c->buf + c->len)
		c->len += (size_t)n;
	if (n < 0) {
		uv_read_stop(s);
		c->eof = true;
		cmd_maybe_done(c);
	}
}

static void
cmd_exit(uv_process_t *p, int64_t status, int sig)
{
	struct cmd *c = p->data;

	c->exited = true;
	c->status = sig ? -sig : status;
	cmd_maybe_done(c);
}

/* Run ARGV (stdout collected, stderr to ours, the log), then DONE(c). */
static int
cmd_start(uv_loop_t *loop, char **argv, struct cmd *c)
{
	uv_process_options_t opt = { 0 };
	uv_stdio_container_t stdio[3];
	int err;

	uv_pipe_init(loop, &c->out, 0);
	c->out.data = c;
	c->proc.data = c;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&c->out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	opt.file = argv[0];
	opt.args = argv;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = cmd_exit;
	c->open = 2;
	if ((err = uv_spawn(loop, &c->proc, &opt)) < 0) {
		uv_close((uv_handle_t *)&c->proc, cmd_closed);
		uv_close((uv_handle_t *)&c->out, cmd_closed);
		return err;
	}
	uv_read_start((uv_stream_t *)&c->out, cmd_alloc, cmd_read);
	return 0;
}

static void
query_done(struct cmd *c)
{
	struct slurm_job j;

	if (c->status != 0 || !slurm_parse_jobs(c->buf, &j)) {
		if (c->status != 0)
			log_warnx("slurm: squeue for %s exited with %lld", c->name,
			    (long long)c->status);
		memset(&j, 0, sizeof(j));
	}
	c->cb(c->arg, &j);
}

int
slurm_query(uv_loop_t *loop, const char *name, void (*cb)(void *arg, const struct slurm_job *j),
    void *arg)
{
	struct cmd *c = calloc(1, sizeof(*c));
	char namearg[128];
	char *argv[] = { conf.squeue, "--noheader", "--states=all", namearg,
		"--format=" SQUEUE_FORMAT, NULL };

	if (c == NULL)
		return -ENOMEM;
	snprintf(namearg, sizeof(namearg), "--name=%s", name);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->done = query_done;
	c->cb = cb;
	c->arg = arg;
	return cmd_start(loop, argv, c);
}

static void
cancel_done(struct cmd *c)
{
	if (c->status != 0)
		log_warnx("slurm: scancel of %s exited with %lld", c->name, (long long)c->status);
}

void
slurm_cancel(uv_loop_t *loop, const char *name, bool force)
{
	struct cmd *c = calloc(1, sizeof(*c));
	char namearg[128], me[32];
	/* Only our jobs of that name: --me is the calling user. */
	char *soft[] = { conf.scancel, "--signal=TERM", namearg, me, NULL };
	char *hard[] = { conf.scancel, namearg, me, NULL };
	int err;

	if (c == NULL) {
		log_warnx("slurm: out of memory cancelling %s", name);
		return;
	}
	snprintf(namearg, sizeof(namearg), "--name=%s", name);
	snprintf(me, sizeof(me), "--user=%u", (unsigned)getuid());
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->done = cancel_done;
	if ((err = cmd_start(loop, force ? hard : soft, c)) < 0)
		log_warnx("slurm: cannot run %s for %s: %s", conf.scancel, name, uv_strerror(err));
}

/* Run ARGV to its end, all of its stdout into *OUT (malloc'd,
 * NUL-terminated: free() it); its exit status, or negative errno.  All
 * of it: a child left with a full pipe would never exit. */
static int
run_sync(char **argv, char **out)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status, err;
	size_t got = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	ssize_t n;
	pid_t pid;

	*out = NULL;
	if (buf == NULL)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		free(buf);
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		close(fds[0]);
		free(buf);
		return -err;
	}
	while ((n = read(fds[0], buf + got, cap - 1 - got)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		got += (size_t)n;
		if (got == cap - 1 && (p = realloc(buf, cap * 2)) != NULL) {
			buf = p;
			cap *= 2;
		} else if (got == cap - 1) {
			got = 0; /* no memory: drain the rest, keep nothing */
		}
	}
	buf[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return -errno;
		}
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
slurm_cancel_leftovers(char **cause)
{
	char user[32], prefix[48], *out = NULL, *line, *save = NULL;
	char *list[] = { conf.squeue, "--noheader", user, "--format=%i|%j", NULL };
	int rc, n = 0;

	*cause = NULL;
	snprintf(user, sizeof(user), "--user=%u", (unsigned)getuid());
	snprintf(prefix, sizeof(prefix), "pkvmd-%s-", conf.tag);
	if ((rc = run_sync(list, &out)) != 0) {
		if (asprintf(cause, "%s exited with %d: is Slurm up, and SLURM_CONF right?",
			conf.squeue, rc) < 0)
			*cause = NULL;
		free(out);
		return rc < 0 ? rc : -EIO;
	}
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|'), idbuf[32], *said = NULL;
		char *cancel[] = { conf.scancel, idbuf, NULL };

		if (bar == NULL || strncmp(bar + 1, prefix, strlen(prefix)) != 0)
			continue;
		*bar = '\0';
		snprintf(idbuf, sizeof(idbuf), "%s", line);
		if (run_sync(cancel, &said) == 0) {
			log_info("slurm: cancelled job %s (%s), left by an earlier pkvmd", idbuf,
			    bar + 1);
			n++;
		} else {
			log_warnx("slurm: could not cancel job %s (%s)", idbuf, bar + 1);
		}
		free(said);
	}
	free(out);
	return n;
}
