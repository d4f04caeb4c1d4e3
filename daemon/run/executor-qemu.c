/*
 * executor-qemu.c -- run a guest as a local qemu-system-aarch64 child.
 *
 * qemu is started through pkvmd-spawn (see spawn-helper.c) so that it dies
 * with pkvmd, in a session of its own (UV_PROCESS_DETACHED) so that a ^C
 * on pkvmd's terminal reaches pkvmd only.  Its stdout is the guest serial
 * console (-nographic), its stderr goes to JOBDIR/qemu.log, its stdin is
 * a pipe that carries the keys of `pkvmctl attach` to the serial input.
 * The exact command line is written to JOBDIR/qemu.cmd so a developer can
 * rerun the guest by hand.
 *
 * -nographic multiplexes qemu's own monitor onto stdio behind the escape
 * key Ctrl-A: "Ctrl-A c" would hand whoever types the human monitor, which
 * can write host files.  So every Ctrl-A a user types is doubled on its
 * way in, which the multiplexer passes to the guest as one literal Ctrl-A;
 * the monitor is reached only through QMP (monitor.c, with its policy).
 * qemu runs in the job directory and makes its QMP socket in JOBDIR/qmp/
 * (-qmp unix:qmp/sock): a relative name keeps within sun_path's 108 bytes
 * however long the state directory's path is, and with --qemu-user only
 * that directory is qemu's to write in, not the job's outputs.
 *
 * qemu runs under a seccomp sandbox (-sandbox) that denies what a guest
 * never needs qemu to do -- fork or exec, gain privileges, change CPU
 * affinity or scheduling, obsolete system calls -- so an escape from the
 * device models gets less.  With --qemu-user, pkvmd-spawn also drops it
 * to that user, and the files qemu opens by path are made reachable to
 * it first (qemu-user.c).
 *
 * A job's artifacts may also leave the guest over a fast channel
 * (artifact-channel.h): one end of a socketpair is qemu's fd 3, the
 * chardev of a virtio-serial port named ARTIFACT_CHANNEL_PORT, and we
 * read the other.  A socket qemu inherits needs no path, so there is no
 * length limit, no stale file and nothing to grant --qemu-user.  qemu
 * stops taking the guest's bytes while the socket is full, so the guest
 * writes only as fast as we read.  The runner answers each file back
 * through the same socket (qemu_channel_write), so that the guest knows
 * its bytes left qemu before it powers off.
 *
 * The console is read one buffer per turn of the loop: after each read
 * the pipe is left alone until an idle handle starts it again on the next
 * turn.  libuv would otherwise read a busy pipe up to 32 times in a row,
 * and a guest flooding its console (2 MB of invalid UTF-8 for the parser
 * to look at) would hold every HTTP request and every other job's console
 * for as long as that takes (tests/integration/console-floods.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include "base/log.h"
#include "guest/artifact-channel.h"
#include "job/job.h"
#include "run/disks.h"
#include "run/executor.h"
#include "run/firmware.h"
#include "run/qemu-user.h"
#include "run/slurm.h"

#define MAX_ARGS (64 + 4 * PKVM_DISKS_MAX + PKVM_QEMU_ARGS_MAX)

/* Serial input queued but not yet read by qemu, at most; a writer that
 * gets ahead of the guest by more is refused (-ENOBUFS). */
#define INPUT_QUEUE_MAX_BYTES (256 * 1024)

/* A read shorter than this finds a console trickling (a real guest's
 * arrives a byte or two at a time: qemu writes what the UART got), and
 * reading again at once would wake pkvmd, and make qemu wake it, for
 * every byte.  So the next read waits CONSOLE_COALESCE_MS and takes what
 * came meanwhile in one go: at most that much later on the console, and
 * at most 1000 / CONSOLE_COALESCE_MS wake-ups a second.  A flood fills
 * every read and is read again on the next turn. */
#define CONSOLE_COALESCE_BELOW_BYTES 1024
#define CONSOLE_COALESCE_MS 10

struct exec_handle {
	uv_process_t proc;
	uv_pipe_t out;
	uv_pipe_t in; /* the guest's serial input */
	struct exec_callbacks cb;
	int64_t exit_status;
	int term_signal;
	bool exited, eof, reported;
	int open_handles;
	bool released;
	char logpath[PATH_MAX];
	/* One read; its parsing is what one turn of the loop spends on this
	 * console, so it stays small: the parser's worst 32 KB (empty lines)
	 * takes 2 ms, and a 200 MB flood's longest turn was 2 ms.  Not
	 * smaller: each read of a full pipe wakes the flooding writer, and
	 * 16 KB reads captured a flood 13% slower than 32 KB ones. */
	char buf[32 * 1024];
	uv_idle_t resume; /* starts reading the console again next turn */
	uv_timer_t pause; /* ... or a little later, after a short read */
	/* The artifact channel, when the callbacks ask for one. */
	uv_pipe_t chan;
	bool has_chan, chan_eof;
	char chan_buf[256 * 1024];
	/* Through Slurm (slurm.h): the job's name there, its staged files,
	 * whether pkvmd cancelled it, and what was asked of squeue. */
	bool slurm, cancelled, placed, asked_end;
	bool own_stage; /* a payload's files, staged here (the runner stages a
			 * kernel job's and removes them) */
	char slurm_name[64];
	struct slurm_stage stage;
};

static const char *qemu_bin = "qemu-system-aarch64";
static const char *spawn_bin = "pkvmd-spawn";
/* --qemu-user: who qemu runs as, when has_run_as. */
static struct qemu_user run_as;
static bool has_run_as;

/* What a guest never needs qemu to do (qemu-system(1), -sandbox). */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

struct argv {
	char *v[MAX_ARGS + 1];
	int n;
	int qemu_at; /* where qemu's own command line starts */
	int qmp_at; /* where pkvmd's -qmp is, left out of qemu.cmd */
};

static void arg(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
arg(struct argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n >= MAX_ARGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) >= 0)
		a->n++;
	va_end(ap);
}

static void
argv_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* PATH (shorter than PATH_MAX) with every ',' doubled, as qemu's option
 * syntax wants it, into BUF, which holds twice that. */
static void
opt_escape(const char *path, char buf[2 * PATH_MAX + 1])
{
	size_t k = 0;

	for (const char *p = path; *p && k < 2 * PATH_MAX; p++) {
		if (*p == ',')
			buf[k++] = ',';
		buf[k++] = *p;
	}
	buf[k] = '\0';
}

/* The job's disks as virtio-blk PCI devices, in order: /dev/vda first.
 * The format is always given, so qemu never probes one; an overlay's
 * backing file and format are in its own header, written by us. */
static void
disk_args(struct argv *a, const struct exec_spec *s)
{
	char path[2 * PATH_MAX + 1];

	for (size_t i = 0; i < s->ndisks; i++) {
		const struct run_disk *d = &s->disks[i];

		opt_escape(d->path, path);
		arg(a, "-drive");
		arg(a, "if=none,id=disk%zu,file=%s,format=%s%s", i, path, d->format,
		    d->readonly ? ",readonly=on" : "");
		arg(a, "-device");
		arg(a, "virtio-blk-pci,drive=disk%zu,serial=pkvm-disk%zu", i, i);
	}
}

/* The machine of a payload (docs/PAYLOADS.md), as kvm-unit-tests' arm
 * runner (arm/run) sets it up: virt with no default devices, the console
 * on the first PL011, the chr-testdev through which a test exits with its
 * status (a virtio console on virtio-mmio), and pci-testdev.  An EFI app
 * boots from the firmware's shell on a FAT drive, as arm/efi/run does it:
 * without chr-testdev (its status comes as "EXIT: STATUS=N") and without
 * ACPI, so that the app finds the device tree. */
static void
payload_argv(struct argv *a, const struct exec_spec *s)
{
	const struct job *j = s->job;
	const struct job_exe *p = s->payload;
	bool efi = strcmp(p->format, "efi") == 0;
	const char *props = p->machine ? p->machine : "";

	arg(a, "-nodefaults");
	arg(a, "-machine");
	arg(a, "virt%s%s%s%s", strstr(props, "gic-version=") ? "" : ",gic-version=3",
	    props[0] ? "," : "", props, efi ? ",acpi=off" : "");
	arg(a, "-cpu");
	arg(a, "%s", j->cpu ? j->cpu : JOB_CPU_DEFAULT);
	arg(a, "-m");
	arg(a, "%d", p->mem_mb ? p->mem_mb : j->mem_mb);
	arg(a, "-smp");
	arg(a, "%d", p->smp > 0 ? p->smp : j->smp);
	arg(a, "-display");
	arg(a, "none");
	arg(a, "-serial");
	arg(a, "stdio");
	arg(a, "-no-reboot");
	arg(a, "-sandbox");
	arg(a, QEMU_SANDBOX);
	if (!efi) {
		arg(a, "-device");
		arg(a, "virtio-serial-device");
		arg(a, "-device");
		arg(a, "virtconsole,chardev=ctd");
		arg(a, "-chardev");
		arg(a, "testdev,id=ctd");
	}
	arg(a, "-device");
	arg(a, "pci-testdev");
	if (efi && s->fw != NULL) {
		arg(a, "-drive");
		arg(a, "if=pflash,format=%s,readonly=on,file=%s", s->fw->format, s->fw->code);
		arg(a, "-drive");
		arg(a, "if=pflash,format=%s,file=%s", s->fw->format, s->vars);
		arg(a, "-drive");
		arg(a, "if=virtio,format=raw,readonly=on,file=fat:%s", s->fatdir);
	} else {
		arg(a, "-kernel");
		arg(a, "%s", s->kernel);
		/* As the runner: no -append when there are no arguments. */
		if (p->append != NULL && p->append[0] != '\0') {
			arg(a, "-append");
			arg(a, "%s", p->append);
		}
	}
	if (j->debug_port != 0) {
		arg(a, "-S");
		arg(a, "-gdb");
		arg(a, "tcp:127.0.0.1:%d", j->debug_port);
	}
	for (size_t i = 0; i < j->nqemu_args; i++)
		arg(a, "%s", j->qemu_args[i]);
	a->v[a->n] = NULL;
}

/* The fast artifact channel: a virtio-serial port whose chardev is the
 * socket qemu inherits as fd 3.  virtio-mmio rather than PCI: the same
 * speed under TCG (docs/ARTIFACTS.md), and one module fewer to load. */
static void
add_artifact_channel(struct argv *a)
{
	arg(a, "-chardev");
	arg(a, "socket,id=pkvmd-artifacts,fd=3");
	arg(a, "-device");
	arg(a, "virtio-serial-device,id=pkvmd-vser");
	arg(a, "-device");
	arg(a, "virtserialport,bus=pkvmd-vser.0,chardev=pkvmd-artifacts,name=%s",
	    ARTIFACT_CHANNEL_PORT);
}

static void
add_word(void *a, const char *word)
{
	arg(a, "%s", word);
}

static void
build_argv(struct argv *a, const struct exec_spec *s, bool channel)
{
	const struct job *j = s->job;

	arg(a, "%s", spawn_bin);
	if (has_run_as) {
		arg(a, "--user");
		arg(a, "%s", run_as.name);
	}
	arg(a, "%d", (int)getpid());
	if (slurm_enabled())
		slurm_srun_words(s, add_word, a);
	a->qemu_at = a->n;
	arg(a, "%s", qemu_bin);
	if (s->payload != NULL) {
		payload_argv(a, s);
		return;
	}
	arg(a, "-M");
	arg(a, "virt,virtualization=on,gic-version=3%s",
	    s->warm_ram ? ",memory-backend=pkvm-ram" : "");
	arg(a, "-cpu");
	arg(a, "%s", j->cpu ? j->cpu : JOB_CPU_DEFAULT);
	arg(a, "-m");
	arg(a, "%d", j->mem_mb);
	if (s->warm_ram != NULL) {
		/* A warm job's RAM is a shared file, which a save copies and a
		 * restore maps (warm.h). */
		char path[2 * PATH_MAX + 1];

		opt_escape(s->warm_ram, path);
		arg(a, "-object");
		arg(a, "memory-backend-file,id=pkvm-ram,size=%dM,mem-path=%s,share=on", j->mem_mb,
		    path);
		if (s->warm_incoming) {
			arg(a, "-incoming");
			arg(a, "defer");
		}
	}
	arg(a, "-smp");
	arg(a, "%d", j->smp);
	arg(a, "-nographic");
	arg(a, "-no-reboot");
	/* qemu installs the filter before the guest starts and never lifts
	 * it: a later -sandbox in an admin's qemu_args cannot turn it off. */
	arg(a, "-sandbox");
	arg(a, QEMU_SANDBOX);
	if (j->net == JOB_NET_USER) {
		/* restrict=on: the guest gets DHCP from qemu but reaches
		 * neither the host (whose loopback services slirp would
		 * otherwise expose at 10.0.2.2) nor anything beyond.  No
		 * option ROM: -kernel boots never PXE, and the ROM's package
		 * is only a recommendation of qemu's. */
		arg(a, "-netdev");
		arg(a, "user,id=net0,restrict=on");
		arg(a, "-device");
		arg(a, "virtio-net-pci,netdev=net0,romfile=");
	} else {
		/* virt adds a NIC by default, which needs efi-virtio.rom. */
		arg(a, "-nic");
		arg(a, "none");
	}
	arg(a, "-kernel");
	arg(a, "%s", s->kernel);
	arg(a, "-initrd");
	arg(a, "%s", s->initrd);
	arg(a, "-append");
	arg(a, "%s", s->cmdline);
	if (j->uefi && s->fw != NULL) {
		arg(a, "-drive");
		arg(a, "if=pflash,format=%s,readonly=on,file=%s", s->fw->format, s->fw->code);
		arg(a, "-drive");
		arg(a, "if=pflash,format=%s,file=%s", s->fw->format, s->vars);
	}
	disk_args(a, s);
	/* The monitor, for pkvmd only (monitor.c); relative to the job
	 * directory, qemu's working directory.  Not on a Slurm node, where
	 * pkvmd could not reach it. */
	a->qmp_at = -1;
	if (!slurm_enabled()) {
		a->qmp_at = a->n;
		arg(a, "-qmp");
		arg(a, "unix:" QEMU_QMP_DIR "/sock,server=on,wait=off");
	}
	if (j->debug_port != 0) {
		/* Stop before the first instruction and wait for gdb. */
		arg(a, "-S");
		arg(a, "-gdb");
		arg(a, "tcp:127.0.0.1:%d", j->debug_port);
	}
	if (channel)
		add_artifact_channel(a);
	for (size_t i = 0; i < j->nqemu_args; i++)
		arg(a, "%s", j->qemu_args[i]);
	a->v[a->n] = NULL;
}

/* Shell-quote the command into JOBDIR/qemu.cmd for humans. */
static void
write_cmd(const char *jobdir, const struct argv *a, bool append)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/qemu.cmd", jobdir);
	/* A payload job's qemus, one line each, in the order they ran. */
	f = fopen(path, append ? "ae" : "we");
	if (f == NULL)
		return;
	/* Skip pkvmd-spawn and its arguments: they are ours, not the user's.
	 * So is the QMP socket, relative to the job directory: a rerun by
	 * hand from elsewhere would fail to make it, and has no pkvmd to
	 * talk to it. */
	for (int i = a->qemu_at; i < a->n; i++) {
		if (i == a->qmp_at) {
			i++;
			continue;
		}
		if (i > a->qemu_at)
			fputc(' ', f);
		fputc('\'', f);
		for (const char *p = a->v[i]; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		}
		fputc('\'', f);
	}
	fputc('\n', f);
	fclose(f);
}

/* The last non-empty line of qemu's stderr log, from its last
 * QEMU_LOG_TAIL_BYTES, into BUF; false when there is none. */
#define QEMU_LOG_TAIL_BYTES 4096

static bool
log_last_line(const char *path, char *buf, size_t len)
{
	char tail[QEMU_LOG_TAIL_BYTES + 1];
	char *end, *start;
	off_t size;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size = lseek(fd, 0, SEEK_END);
	n = size < 0 ? -1
		     : pread(fd, tail, QEMU_LOG_TAIL_BYTES,
			   size > QEMU_LOG_TAIL_BYTES ? size - QEMU_LOG_TAIL_BYTES : 0);
	close(fd);
	if (n <= 0)
		return false;
	tail[n] = '\0';
	end = tail + n;
	while (end > tail && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	if (end == tail)
		return false;
	start = memrchr(tail, '\n', (size_t)(end - tail));
	start = start != NULL ? start + 1 : tail;
	snprintf(buf, len, "%s", start);
	return true;
}

static void
report(struct exec_handle *h)
{
	char line[512];

	h->reported = true;
	h->cb.on_exit(h->cb.arg, h->exit_status, h->term_signal,
	    log_last_line(h->logpath, line, sizeof(line)) ? line : NULL);
}

/* Slurm's word on a run that ended: an infrastructure failure is the
 * runner's to hear before the exit (srun exits 0 when qemu does on
 * SIGTERM, whoever sent it). */
static void
on_slurm_end(void *arg, const struct slurm_job *j)
{
	struct exec_handle *h = arg;
	const char *why = j->id > 0 ? slurm_state_lost(j->state, h->cancelled) : NULL;

	if (!h->released) {
		if (why != NULL && h->cb.on_lost != NULL)
			h->cb.on_lost(h->cb.arg, why);
		report(h);
	}
	/* The query held H open, as a handle does. */
	if (--h->open_handles == 0)
		free(h);
}

static void
maybe_report(struct exec_handle *h)
{
	int err;

	if (h->reported || !h->exited || !h->eof || (h->has_chan && !h->chan_eof))
		return;
	if (h->slurm && !h->asked_end) {
		h->asked_end = true;
		if ((err = slurm_query(h->proc.loop, h->slurm_name, on_slurm_end, h)) == 0) {
			h->open_handles++;
			return;
		}
		log_warnx("slurm: cannot ask squeue about %s: %s", h->slurm_name, uv_strerror(err));
	}
	report(h);
}

/* Where Slurm runs the guest, once it printed something (it runs). */
static void
on_slurm_placed(void *arg, const struct slurm_job *j)
{
	struct exec_handle *h = arg;
	char where[160];

	if (!h->released && j->id > 0 && h->cb.on_placed != NULL) {
		snprintf(where, sizeof(where), "Slurm job %lld on node %s", (long long)j->id,
		    j->node[0] ? j->node : "?");
		h->cb.on_placed(h->cb.arg, where);
	}
	if (--h->open_handles == 0)
		free(h);
}

static void
on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct exec_handle *h = handle->data;

	(void)suggested;
	buf->base = h->buf;
	buf->len = sizeof(h->buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void
read_again(struct exec_handle *h)
{
	if (!h->released && !h->eof)
		uv_read_start((uv_stream_t *)&h->out, on_alloc, on_read);
}

static void
on_resume(uv_idle_t *idle)
{
	uv_idle_stop(idle);
	read_again(idle->data);
}

static void
on_pause_end(uv_timer_t *t)
{
	read_again(t->data);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct exec_handle *h = s->data;

	if (n > 0) {
		if (h->slurm && !h->placed) {
			h->placed = true;
			if (slurm_query(s->loop, h->slurm_name, on_slurm_placed, h) == 0)
				h->open_handles++;
		}
		h->cb.on_output(h->cb.arg, buf->base, (size_t)n);
		if (!h->released) {
			uv_read_stop(s);
			if (n < CONSOLE_COALESCE_BELOW_BYTES)
				uv_timer_start(&h->pause, on_pause_end, CONSOLE_COALESCE_MS, 0);
			else
				uv_idle_start(&h->resume, on_resume);
		}
		return;
	}
	if (n < 0) {
		/* EOF or an error: either way no more console. */
		uv_read_stop(s);
		h->eof = true;
		maybe_report(h);
	}
}

static void
on_chan_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct exec_handle *h = handle->data;

	(void)suggested;
	buf->base = h->chan_buf;
	buf->len = sizeof(h->chan_buf);
}

static void
on_chan_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct exec_handle *h = s->data;

	if (n > 0) {
		h->cb.on_channel(h->cb.arg, buf->base, (size_t)n);
		return;
	}
	if (n < 0) {
		uv_read_stop(s);
		h->chan_eof = true;
		maybe_report(h);
	}
}

static void
on_closed(uv_handle_t *handle)
{
	struct exec_handle *h = handle->data;

	if (--h->open_handles == 0)
		free(h);
}

#define CHAN_SOCKET_BYTES (4 * 1024 * 1024)

/* Our end of the channel's socketpair into H->chan, qemu's into *CHILD;
 * false (and no channel) when the system refuses. */
static bool
chan_open(uv_loop_t *loop, struct exec_handle *h, int *child)
{
	int sv[2];

	/* CLOEXEC on both: only qemu may hold its end (uv_spawn makes it
	 * its fd 3), or the channel would not end when qemu does. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return false;
	/* Room for a few MB in flight, so that qemu rarely has to hold the
	 * port back while we write to disk (the kernel caps it at its
	 * wmem_max without privileges; only speed depends on it). */
	for (int i = 0; i < 2; i++) {
		int size = CHAN_SOCKET_BYTES;

		if (setsockopt(sv[i], SOL_SOCKET, i ? SO_SNDBUFFORCE : SO_RCVBUFFORCE, &size,
			sizeof(size)) != 0)
			(void)setsockopt(sv[i], SOL_SOCKET, i ? SO_SNDBUF : SO_RCVBUF, &size,
			    sizeof(size));
	}
	uv_pipe_init(loop, &h->chan, 0);
	h->chan.data = h;
	if (uv_pipe_open(&h->chan, sv[0]) != 0) {
		close(sv[0]);
		close(sv[1]);
		/* Counted like the others: H lives until it is closed. */
		h->open_handles++;
		uv_close((uv_handle_t *)&h->chan, on_closed);
		return false;
	}
	*child = sv[1];
	return true;
}

/* The console's pipe into H->out, qemu's end into *CHILD: 0 or negative
 * errno.  A pipe, not libuv's UV_CREATE_PIPE, which is a socketpair:
 * qemu writes the guest's serial output a byte per write(2), and a Unix
 * socket charges each write a whole buffer of its send room, so it was
 * full after a few hundred bytes and held the guest's vCPU until we read
 * (the kernel reached /init 0.4 s later in its own clock than with the
 * same command run by hand: docs/PERFORMANCE.md, section 9).  A pipe
 * packs small writes into its pages; CONSOLE_PIPE_BYTES of them let the
 * console wait out CONSOLE_COALESCE_MS at any speed a guest prints. */
#define CONSOLE_PIPE_BYTES (1024 * 1024)

static int
console_pipe(struct exec_handle *h, int *child)
{
	int fds[2], err;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	/* Best effort: an unprivileged pkvmd may be held to less. */
	(void)fcntl(fds[0], F_SETPIPE_SZ, CONSOLE_PIPE_BYTES);
	if ((err = uv_pipe_open(&h->out, fds[0])) < 0) {
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	*child = fds[1];
	return 0;
}

static void
on_proc_exit(uv_process_t *p, int64_t status, int sig)
{
	struct exec_handle *h = p->data;

	h->exited = true;
	h->exit_status = status;
	h->term_signal = sig;
	maybe_report(h);
}

/* With --qemu-user, what qemu opens by path must be reachable to it; and
 * the directory of its QMP socket is made (qemu makes the socket in it). */
static int
give_files(const struct exec_spec *s, char **cause)
{
	char qmp[PATH_MAX];
	int err;

	snprintf(qmp, sizeof(qmp), "%s/" QEMU_QMP_DIR, s->jobdir);
	if (mkdir(qmp, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		if (asprintf(cause, "cannot create %s: %s", qmp, strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	if (!has_run_as)
		return 0;
	if ((err = qemu_user_grant(&run_as, s->jobdir, X_OK, cause)) < 0 ||
	    (err = qemu_user_grant(&run_as, qmp, X_OK | W_OK, cause)) < 0 ||
	    (err = qemu_user_check(&run_as, s->kernel, R_OK, cause)) < 0 ||
	    (s->payload == NULL && (err = qemu_user_grant(&run_as, s->initrd, R_OK, cause)) < 0))
		return err;
	if (s->warm_ram != NULL &&
	    (err = qemu_user_grant(&run_as, s->warm_ram, R_OK | W_OK, cause)) < 0)
		return err;
	if (s->payload != NULL && s->fatdir != NULL &&
	    (err = qemu_user_grant(&run_as, s->fatdir, R_OK | X_OK, cause)) < 0)
		return err;
	if ((s->job->uefi || s->fatdir != NULL) && s->fw != NULL &&
	    ((err = qemu_user_check(&run_as, s->fw->code, R_OK, cause)) < 0 ||
		(err = qemu_user_grant(&run_as, s->vars, R_OK | W_OK, cause)) < 0))
		return err;
	/* A blob is read through the store (checked, never changed); an
	 * overlay is the job's own, written by qemu. */
	for (size_t i = 0; i < s->ndisks; i++) {
		const struct run_disk *d = &s->disks[i];

		if (d->overlay &&
		    ((err = qemu_user_grant(&run_as, d->path, R_OK | W_OK, cause)) < 0 ||
			(err = qemu_user_check(&run_as, d->backing, R_OK, cause)) < 0))
			return err;
		if (!d->overlay && (err = qemu_user_check(&run_as, d->path, R_OK, cause)) < 0)
			return err;
	}
	return 0;
}

static int
qemu_start(uv_loop_t *loop, const struct exec_spec *spec, const struct exec_callbacks *cb,
    struct exec_handle **out, char **cause)
{
	struct exec_handle *h;
	struct exec_spec staged;
	uv_process_options_t opt = { 0 };
	uv_stdio_container_t stdio[4];
	struct argv a = { 0 };
	int logfd, chan_fd = -1, out_fd = -1, err;

	*cause = NULL;
	if ((err = give_files(spec, cause)) < 0)
		return err;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->cb = *cb;
	if (slurm_enabled()) {
		/* qemu on a node: the files it opens where every node sees
		 * them, and no socket it could share with us. */
		h->slurm = true;
		slurm_job_name(spec->job->id, h->slurm_name, sizeof(h->slurm_name));
		h->own_stage = spec->payload != NULL;
		if ((err = slurm_stage(spec, &h->stage, cause)) < 0) {
			free(h);
			return err;
		}
		staged = *spec;
		staged.kernel = h->stage.kernel[0] ? h->stage.kernel : spec->kernel;
		staged.initrd = h->stage.initrd[0] ? h->stage.initrd : spec->initrd;
		staged.vars = h->stage.vars[0] ? h->stage.vars : spec->vars;
		staged.fatdir = h->stage.fatdir[0] ? h->stage.fatdir : spec->fatdir;
		spec = &staged;
	}
	snprintf(h->logpath, sizeof(h->logpath), "%s/qemu.log", spec->jobdir);
	logfd = open(h->logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		err = -errno;
		free(h);
		if (asprintf(cause, "cannot create %s: %s", h->logpath, strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	uv_pipe_init(loop, &h->out, 0);
	h->out.data = h;
	uv_pipe_init(loop, &h->in, 0);
	h->in.data = h;
	uv_idle_init(loop, &h->resume);
	h->resume.data = h;
	uv_timer_init(loop, &h->pause);
	h->pause.data = h;
	h->proc.data = h;
	if ((err = console_pipe(h, &out_fd)) < 0) {
		close(logfd);
		if (asprintf(cause, "cannot make the console's pipe: %s", uv_strerror(err)) < 0)
			*cause = NULL;
		/* No uv_spawn yet: the process handle was never made. */
		h->open_handles += 4;
		uv_close((uv_handle_t *)&h->out, on_closed);
		uv_close((uv_handle_t *)&h->in, on_closed);
		uv_close((uv_handle_t *)&h->resume, on_closed);
		uv_close((uv_handle_t *)&h->pause, on_closed);
		return err;
	}

	/* A payload boots no /init of ours: nothing would use the channel. */
	h->has_chan = cb->on_channel != NULL && spec->payload == NULL && !h->slurm &&
	    chan_open(loop, h, &chan_fd);
	build_argv(&a, spec, h->has_chan);
	write_cmd(spec->jobdir, &a, spec->payload != NULL);
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&h->in;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = out_fd;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = logfd;
	opt.file = a.v[0];
	opt.args = a.v;
	opt.exit_cb = on_proc_exit;
	stdio[3].flags = UV_INHERIT_FD;
	stdio[3].data.fd = chan_fd;
	opt.stdio = stdio;
	opt.stdio_count = h->has_chan ? 4 : 3;
	opt.flags = UV_PROCESS_DETACHED;
	/* On a Slurm node, srun starts qemu in the directory it was started
	 * in: one every node has. */
	opt.cwd = h->slurm ? h->stage.dir : spec->jobdir;
	err = uv_spawn(loop, &h->proc, &opt);
	close(logfd);
	close(out_fd);
	if (chan_fd >= 0)
		close(chan_fd);
	if (err < 0) {
		if (asprintf(cause, "cannot start %s via %s: %s", qemu_bin, spawn_bin,
			uv_strerror(err)) < 0)
			*cause = NULL;
		argv_free(&a);
		if (h->own_stage)
			slurm_unstage(&h->stage);
		/* uv_spawn failed: the process handle still needs closing. */
		h->open_handles += h->has_chan ? 6 : 5;
		uv_close((uv_handle_t *)&h->proc, on_closed);
		uv_close((uv_handle_t *)&h->out, on_closed);
		uv_close((uv_handle_t *)&h->in, on_closed);
		uv_close((uv_handle_t *)&h->resume, on_closed);
		uv_close((uv_handle_t *)&h->pause, on_closed);
		if (h->has_chan)
			uv_close((uv_handle_t *)&h->chan, on_closed);
		return err;
	}
	argv_free(&a);
	h->open_handles += h->has_chan ? 6 : 5;
	uv_read_start((uv_stream_t *)&h->out, on_alloc, on_read);
	if (h->has_chan)
		uv_read_start((uv_stream_t *)&h->chan, on_chan_alloc, on_chan_read);
	*out = h;
	return 0;
}

static void
qemu_stop(struct exec_handle *h, bool force)
{
	if (h->exited)
		return;
	if (h->slurm) {
		/* Slurm signals qemu where it runs; forced, srun goes too,
		 * so the run ends here even when Slurm does not answer (its
		 * time limit ends the job there). */
		h->cancelled = true;
		slurm_cancel(h->proc.loop, h->slurm_name, force);
		if (!force)
			return;
	}
	uv_process_kill(&h->proc, force ? SIGKILL : SIGTERM);
}

static pid_t
qemu_pid(struct exec_handle *h)
{
	return h->exited ? 0 : h->proc.pid;
}

static void
qemu_release(struct exec_handle *h)
{
	if (h->released)
		return;
	h->released = true;
	if (h->own_stage)
		slurm_unstage(&h->stage);
	uv_close((uv_handle_t *)&h->proc, on_closed);
	uv_close((uv_handle_t *)&h->out, on_closed);
	uv_close((uv_handle_t *)&h->in, on_closed);
	uv_close((uv_handle_t *)&h->resume, on_closed);
	uv_close((uv_handle_t *)&h->pause, on_closed);
	if (h->has_chan)
		uv_close((uv_handle_t *)&h->chan, on_closed);
}

static void
on_input_written(uv_write_t *w, int status)
{
	(void)status; /* a guest gone is noticed by its exit */
	free(w);
}

static int
qemu_input(struct exec_handle *h, const char *buf, size_t len)
{
	uv_write_t *w;
	uv_buf_t b;
	char *p;
	size_t n = 0;
	int err;

	if (h->exited || h->released || uv_is_closing((uv_handle_t *)&h->in))
		return -EPIPE;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&h->in) > INPUT_QUEUE_MAX_BYTES)
		return -ENOBUFS;
	/* One allocation for the request and its bytes, Ctrl-A doubled. */
	w = malloc(sizeof(*w) + 2 * len);
	if (w == NULL)
		return -ENOMEM;
	p = (char *)(w + 1);
	for (size_t i = 0; i < len; i++) {
		p[n++] = buf[i];
		if (buf[i] == '\x01')
			p[n++] = '\x01';
	}
	b = uv_buf_init(p, (unsigned int)n);
	if ((err = uv_write(w, (uv_stream_t *)&h->in, &b, 1, on_input_written)) < 0) {
		free(w);
		return err;
	}
	return 0;
}

/* kvm-unit-tests' arm/efi/run: the EFI app finds its device tree in the
 * FAT directory, dumped by qemu from the very machine it will boot on
 * (-machine dumpdtb=), since the firmware hands it none with acpi=off.
 * Run here, not through pkvmd-spawn: qemu writes the file and exits at
 * once.  Its stderr goes to JOBDIR/qemu.log. */
static int
qemu_dump_dtb(const struct exec_spec *spec, const char *path, char **cause)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	struct argv a = { 0 };
	char log[PATH_MAX];
	int err, status = 0;
	pid_t pid;

	*cause = NULL;
	build_argv(&a, spec, false);
	arg(&a, "-machine");
	arg(&a, "dumpdtb=%s", path);
	a.v[a.n] = NULL;
	snprintf(log, sizeof(log), "%s/qemu.log", spec->jobdir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	err = posix_spawnp(&pid, qemu_bin, &fa, NULL, a.v + a.qemu_at, environ);
	posix_spawn_file_actions_destroy(&fa);
	argv_free(&a);
	if (err != 0) {
		if (asprintf(cause, "cannot start %s to dump the device tree: %s", qemu_bin,
			strerror(err)) < 0)
			*cause = NULL;
		return -err;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			if (asprintf(cause, "waiting for %s: %s", qemu_bin, strerror(-err)) < 0)
				*cause = NULL;
			return err;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || access(path, R_OK) != 0) {
		if (asprintf(cause,
			"qemu could not dump the machine's device tree (status %d, see qemu.log)",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1) < 0)
			*cause = NULL;
		return -EIO;
	}
	return 0;
}

static int
qemu_channel_write(struct exec_handle *h, const char *buf, size_t len)
{
	uv_os_fd_t fd;
	ssize_t n;

	if (!h->has_chan || h->chan_eof || h->released ||
	    uv_fileno((uv_handle_t *)&h->chan, &fd) != 0)
		return -EPIPE;
	/* A few bytes into a socket with megabytes of room: all or none. */
	n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EAGAIN;
}

struct chan_send {
	uv_write_t req;
	char *buf;
};

static void
on_chan_sent(uv_write_t *req, int status)
{
	struct chan_send *cs = req->data;

	(void)status; /* a guest that is gone reads nothing more */
	free(cs->buf);
	free(cs);
}

static int
qemu_channel_send(struct exec_handle *h, char *buf, size_t len)
{
	struct chan_send *cs;
	uv_buf_t b;
	int err;

	if (!h->has_chan || h->chan_eof || h->released || (cs = malloc(sizeof(*cs))) == NULL) {
		free(buf);
		return h->has_chan ? -ENOMEM : -EPIPE;
	}
	cs->buf = buf;
	cs->req.data = cs;
	b = uv_buf_init(buf, (unsigned int)len);
	if ((err = uv_write(&cs->req, (uv_stream_t *)&h->chan, &b, 1, on_chan_sent)) < 0) {
		free(buf);
		free(cs);
		return err;
	}
	return 0;
}

static const struct executor_ops qemu_ops = {
	.name = "qemu",
	.start = qemu_start,
	.stop = qemu_stop,
	.pid = qemu_pid,
	.release = qemu_release,
	.dump_dtb = qemu_dump_dtb,
	.input = qemu_input,
	.channel_write = qemu_channel_write,
	.channel_send = qemu_channel_send,
};

int
executor_qemu_run_as(const char *user, const char *state_dir, char **cause)
{
	char path[PATH_MAX];
	int err;

	if ((err = qemu_user_lookup(user, &run_as, cause)) < 0 ||
	    (err = qemu_user_grant(&run_as, state_dir, X_OK, cause)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/jobs", state_dir);
	if ((err = qemu_user_grant(&run_as, path, X_OK, cause)) < 0)
		return err;
	/* blobs/ is the store's to create; on a first start it does not
	 * exist yet and is made 0755.  The kernel blob is checked per job. */
	snprintf(path, sizeof(path), "%s/blobs", state_dir);
	if (access(path, F_OK) == 0 && (err = qemu_user_grant(&run_as, path, X_OK, cause)) < 0)
		return err;
	has_run_as = true;
	return 0;
}

const struct executor_ops *
executor_qemu(const char *qemu, const char *spawn_helper)
{
	qemu_bin = qemu;
	spawn_bin = spawn_helper;
	return &qemu_ops;
}
