/*
 * fake-qemu.c -- a stand-in for qemu-system-aarch64 in integration tests.
 *
 * Real guests are what the end-to-end tests boot.  This program is only for
 * the faults a real guest cannot produce on demand, or not cheaply: a
 * console that goes silent, floods, carries a corrupt result line, a qemu
 * that dies at start-up with an error, or one that ignores SIGTERM so the
 * daemon has to SIGKILL it.  Each run costs milliseconds instead of the
 * ~10 s of CPU a TCG boot costs.
 *
 * It accepts qemu's command line and ignores it, except for:
 *
 *   -append "..."   the kernel command line; the behaviour is read from it
 *   -initrd FILE    test names are read from its ramfs.exe/ entries
 *   -kernel FILE    the boot's "Linux version ..." line is the banner the
 *                   file carries, as a real kernel prints it (an
 *                   uncompressed Image holds it as text), else a fake one
 *   -pidfile FILE   written like qemu does
 *   -version        prints a qemu-like version line
 *
 * The behaviour is a mode plus parameters, taken from the kernel command
 * line (so one job can ask for it) and from the environment variable
 * FAKE_QEMU_MODE (so a whole daemon under test can); the command line wins.
 * FAKE_QEMU_MODE holds the same words as the command line, without the
 * "fakeqemu" prefix: "panic-at=5" or "fail fail=b delay-ms=50".
 *
 *   fakeqemu=pass            boot lines, then valid result lines: init, a
 *                            begin/end exit=0 pair per test, done; exit 0
 *   fakeqemu=fail            the same, but tests end with exit=1 (or
 *                            fakeqemu.exit-code=N); fakeqemu.fail=a,b
 *                            picks which fail (default: all)
 *   fakeqemu=corrupt         like pass, but the first end line's crc is wrong
 *   fakeqemu=hang            one boot line, then silence forever
 *   fakeqemu=silent-hang     no output at all, forever
 *   fakeqemu=hang-at=N       the first N lines of a pass run, then silence
 *   fakeqemu=flood           boot lines, then printk-like lines forever
 *   fakeqemu=panic-at=N      the first N lines of a pass run, then a kernel
 *                            panic report (as a sysrq crash prints it), then
 *                            exit 0 as qemu does with -no-reboot, panic=-1
 *   fakeqemu=exit=N          an error line on stderr, exit status N
 *   fakeqemu=ignore-sigterm  one boot line, then hang with SIGTERM ignored
 *   fakeqemu=real            exec the real qemu-system-aarch64 (or
 *                            $FAKE_QEMU_REAL) with our own arguments: one
 *                            real guest among fake ones under one daemon
 *                            (bench/soak)
 *
 *   fakeqemu.noise=KIND      after "Run /init", before the tests, print
 *                            noise as fast as the console takes it:
 *                            "long-line" (fakeqemu.noise-bytes of 'x',
 *                            default 100 MB, with no newline, then one),
 *                            "binary" (that many bytes of invalid UTF-8,
 *                            NUL bytes and lone control bytes, in lines),
 *                            "flood" (that many bytes of printk lines);
 *                            the run then goes on as its mode says
 *   fakeqemu.noise-until=FILE  after noise-bytes, go on with the noise
 *                            until FILE exists (looked for every 64 KiB),
 *                            so a test, not the speed of the machine,
 *                            decides when the noise ends
 *   fakeqemu.tests=a,b       test names (default: the initrd's ramfs.exe/
 *                            files in name order, else one test "fake")
 *   fakeqemu.subtests=N      each test prints TAP output with N sub-results
 *                            "case-1" .. "case-N" (as test output, after
 *                            the mark init puts before it), all passing
 *                            but those fakeqemu.subfail=a,b names (a bare
 *                            "case-3", or "TEST:case-3" for one test's);
 *                            fakeqemu.subfail-every=N[+M] fails case-K when
 *                            K % N == M (a pattern for big runs, whose
 *                            lists would not fit the command line);
 *                            fakeqemu.test-ms=N makes test I last N * I ms
 *                            (default 10), for the comparison's timings
 *   fakeqemu.exit-once=FILE  when FILE is not there, make it and exit as
 *                            fakeqemu=exit=1 does; when it is, run as the
 *                            mode says (an attempt the host broke, then a
 *                            good one)
 *   fakeqemu.delay-ms=N      pause before each line, so a test can watch a
 *                            job while it runs
 *   fakeqemu.ignore-sigterm=1  ignore SIGTERM in any mode
 *   fakeqemu.ship=F1,F2      before "done", send these host files as
 *                            artifacts _coverage/<basename> (for the
 *                            coverage tests)
 *   fakeqemu.channel=FILE    before "done", copy this host file's bytes as
 *                            they are to the artifact channel (qemu's fd
 *                            3, when its command line gives it one), then
 *                            close it: a record stream no real guest
 *                            would send (too big, cut short, garbage)
 *   fakeqemu.panic-end=0     leave out the "---[ end Kernel panic" line;
 *                            a real kernel with panic=-1 restarts before
 *                            printing it, so this is what real logs show
 *   fakeqemu.report=FILE     panic-at prints the lines of this host file
 *                            (each after a printk time) instead of the
 *                            sysrq panic (for the symbolizer's tests)
 *   fakeqemu.whoami=1        first print who it runs as and whether it can
 *                            read its -kernel and -initrd, as one line:
 *                            "fake-qemu: uid=U gid=G groups=A,B kernel=ok
 *                            initrd=ok nnp=1", and with disks how each
 *                            -drive file= opens: " disks=rw,ro" (rw: for
 *                            writing, ro: for reading only, else why not)
 *                            (for --qemu-user's tests)
 *
 * Without a mode it behaves as "pass".  Like qemu, it exits 0 on SIGTERM
 * (after "terminating on signal 15" on stderr).  If FAKE_QEMU_PIDFILE is
 * set, it appends its pid and a newline to that file, so a test can check
 * afterwards that no fake qemu outlived the daemon's cleanup.
 *
 * Console lines end in "\r\n", as a serial console's do.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

#define PROG "qemu-system-aarch64"
#define MAX_TESTS 256
#define LINE_MAX_LEN 4200

enum mode {
	MODE_PASS,
	MODE_FAIL,
	MODE_CORRUPT,
	MODE_HANG_AT,
	MODE_FLOOD,
	MODE_PANIC_AT,
	MODE_EXIT,
	MODE_IGNORE_SIGTERM,
	MODE_REAL,
};

enum noise { NOISE_NONE, NOISE_LONG_LINE, NOISE_BINARY, NOISE_FLOOD };

struct config {
	enum mode mode;
	long n; /* the N of hang-at/panic-at/exit */
	char *tests[MAX_TESTS];
	int ntests;
	char *fail_list; /* comma list, NULL = every test */
	int exit_code;
	long delay_ms;
	bool ignore_sigterm;
	bool panic_end;
	bool whoami;
	long subtests; /* TAP sub-results per test */
	char *subfail; /* comma list of failing sub-results: "case-3" or "t:case-3" */
	long subfail_every, subfail_at; /* case-K fails when K % every == at */
	long test_ms; /* test I lasts test_ms * I */
	char *exit_once; /* exit 1 unless this file is there, and make it */
	char *ship; /* comma list of host files sent as _coverage artifacts */
	char *channel; /* host file copied to the artifact channel */
	bool has_channel; /* the command line gives us the channel on fd 3 */
	char *report; /* host file printed as the crash report, or NULL */
	uint64_t clock_us; /* the fake printk clock */
	bool mode_from_cmdline;
	enum noise noise;
	uint64_t noise_bytes;
	char *noise_until; /* host file whose existence ends the noise */
	char banner[512]; /* "Linux version ..." as the kernel prints it */
};

static struct config cfg = {
	.mode = MODE_PASS,
	.exit_code = 1,
	.test_ms = 10,
	.panic_end = true,
	.noise_bytes = 100u << 20,
	.banner = "Linux version 6.1.0-fake-arm64 (fake-qemu) #1 SMP",
};

/* Leave with a qemu-like error on stderr; for our own usage errors. */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/*
 * POSIX cksum(1): CRC-32 (polynomial 0x04C11DB7, most significant bit
 * first) over the bytes, then over the length in as few bytes as it takes,
 * least significant first, complemented.  Written out here rather than
 * linked from the daemon so that a bug there cannot hide in both.
 */
static uint32_t
cksum_byte(uint32_t crc, unsigned char c)
{
	int k;

	crc ^= (uint32_t)c << 24;
	for (k = 0; k < 8; k++)
		crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
	return crc;
}

static uint32_t
cksum(const char *buf, size_t len)
{
	uint32_t crc = 0;
	size_t i, n;

	for (i = 0; i < len; i++)
		crc = cksum_byte(crc, (unsigned char)buf[i]);
	for (n = len; n > 0; n >>= 8)
		crc = cksum_byte(crc, n & 0xff);
	return ~crc;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Write one console line in one write(2), the way a guest's line reaches
 * the serial port; a closed console (EPIPE) ends us like it ends qemu. */
static void
console_write(const char *line)
{
	char buf[LINE_MAX_LEN + 3];
	size_t len, off;
	ssize_t n;

	if (cfg.delay_ms > 0)
		sleep_ms(cfg.delay_ms);
	len = strlen(line);
	if (len > LINE_MAX_LEN)
		len = LINE_MAX_LEN;
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	len += 2;
	for (off = 0; off < len; off += (size_t)n) {
		n = write(STDOUT_FILENO, buf + off, len - off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			exit(0);
	}
}

/* A printk line: "[   12.345678] text", on an advancing fake clock. */
static void __attribute__((format(printf, 1, 2))) printk(const char *fmt, ...)
{
	char text[LINE_MAX_LEN], line[LINE_MAX_LEN + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "[%5lu.%06lu] %s", (unsigned long)(cfg.clock_us / 1000000),
	    (unsigned long)(cfg.clock_us % 1000000), text);
	cfg.clock_us += 731;
	console_write(line);
}

/* A result line as initramfs/init prints it: body, " crc=", cksum. */
static void __attribute__((format(printf, 2, 3))) result(bool corrupt, const char *fmt, ...)
{
	char body[LINE_MAX_LEN], line[LINE_MAX_LEN + 32];
	uint32_t crc;
	va_list ap;

	va_start(ap, fmt);
	strcpy(body, "@@pkvm:1 ");
	vsnprintf(body + strlen(body), sizeof(body) - strlen(body), fmt, ap);
	va_end(ap);
	crc = cksum(body, strlen(body));
	if (corrupt)
		crc++;
	snprintf(line, sizeof(line), "%s crc=%lu", body, (unsigned long)crc);
	console_write(line);
}

/* A line of a test's own output, as init marks it (docs/GUEST.md). */
static void __attribute__((format(printf, 1, 2))) test_output(const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;

	line[0] = '\036';
	va_start(ap, fmt);
	vsnprintf(line + 1, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	console_write(line);
}

static bool in_list(const char *list, const char *name);

/* Does sub-result "case-K" of test T fail (fakeqemu.subfail)? */
static bool
subtest_fails(const char *t, long k)
{
	char name[64], qualified[512];

	if (cfg.subfail_every > 0 && k % cfg.subfail_every == cfg.subfail_at)
		return true;
	if (cfg.subfail == NULL)
		return false;
	snprintf(name, sizeof(name), "case-%ld", k);
	snprintf(qualified, sizeof(qualified), "%s:%s", t, name);
	return in_list(cfg.subfail, name) || in_list(cfg.subfail, qualified);
}

static bool
in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return false;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_test(const char *name)
{
	int i;

	if (*name == '\0' || cfg.ntests == MAX_TESTS)
		return;
	for (i = 0; i < cfg.ntests; i++)
		if (strcmp(cfg.tests[i], name) == 0)
			return;
	if ((cfg.tests[cfg.ntests] = strdup(name)) == NULL)
		die("out of memory");
	cfg.ntests++;
}

static unsigned long
hex8(const char *p)
{
	char tmp[9];

	memcpy(tmp, p, 8);
	tmp[8] = '\0';
	return strtoul(tmp, NULL, 16);
}

/*
 * Test names from an initrd: the regular files under ramfs.exe/ in every
 * uncompressed "newc" archive of the (possibly concatenated) file.  A
 * compressed or unreadable initrd just yields no names.
 */
static void
tests_from_initrd(const char *path)
{
	static const char dir[] = "ramfs.exe/";
	unsigned long mode, size, namesize;
	char hdr[110], *name;
	FILE *f;
	int c;

	if ((f = fopen(path, "rb")) == NULL)
		return;
	for (;;) {
		/* Archives may be padded with NULs between one another. */
		while ((c = getc(f)) == 0)
			;
		if (c == EOF)
			break;
		hdr[0] = (char)c;
		if (fread(hdr + 1, 1, sizeof(hdr) - 1, f) != sizeof(hdr) - 1 ||
		    memcmp(hdr, "070701", 6) != 0)
			break;
		mode = hex8(hdr + 14);
		size = hex8(hdr + 54);
		namesize = hex8(hdr + 94);
		if (namesize == 0 || namesize > 4096 || (name = malloc(namesize)) == NULL)
			break;
		if (fread(name, 1, namesize, f) != namesize) {
			free(name);
			break;
		}
		name[namesize - 1] = '\0';
		if (strncmp(name, "./", 2) == 0)
			memmove(name, name + 2, strlen(name + 2) + 1);
		if ((mode & 0170000) == 0100000 && strncmp(name, dir, sizeof(dir) - 1) == 0 &&
		    strchr(name + sizeof(dir) - 1, '/') == NULL)
			add_test(name + sizeof(dir) - 1);
		free(name);
		/* Header and name are padded to 4 bytes, then the data. */
		if (fseek(f, (long)((4 - (110 + namesize) % 4) % 4 + (size + 3) / 4 * 4),
			SEEK_CUR) < 0)
			break;
	}
	fclose(f);
	qsort(cfg.tests, (size_t)cfg.ntests, sizeof(cfg.tests[0]), cmp_str);
}

/* The kernel's banner from the kernel file PATH: the first "Linux version
 * " and the printable text after it.  A file without one (compressed, or
 * not a kernel) leaves the fake banner. */
static void
banner_from_kernel(const char *path)
{
	static const char mark[] = "Linux version ";
	const char *map, *at;
	struct stat sb;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &sb) < 0 || sb.st_size < (off_t)sizeof(mark) ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return;
	}
	at = memmem(map, (size_t)sb.st_size, mark, sizeof(mark) - 1);
	if (at != NULL) {
		while (len < sizeof(cfg.banner) - 1 && at + len < map + sb.st_size &&
		    at[len] >= ' ' && at[len] <= '~')
			len++;
		memcpy(cfg.banner, at, len);
		cfg.banner[len] = '\0';
	}
	munmap((void *)map, (size_t)sb.st_size);
	close(fd);
}

static long
number(const char *word, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		die("fakeqemu: bad number in \"%s\"", word);
	return v;
}

/* Apply one word: a mode ("panic-at=5") or a parameter ("tests=a,b"),
 * both without the "fakeqemu=" / "fakeqemu." prefix. */
static void
apply_mode(const char *word)
{
	if (strcmp(word, "pass") == 0)
		cfg.mode = MODE_PASS;
	else if (strcmp(word, "fail") == 0)
		cfg.mode = MODE_FAIL;
	else if (strcmp(word, "corrupt") == 0)
		cfg.mode = MODE_CORRUPT;
	else if (strcmp(word, "hang") == 0) {
		cfg.mode = MODE_HANG_AT;
		cfg.n = 1;
	} else if (strcmp(word, "silent-hang") == 0) {
		cfg.mode = MODE_HANG_AT;
		cfg.n = 0;
	} else if (strncmp(word, "hang-at=", 8) == 0) {
		cfg.mode = MODE_HANG_AT;
		cfg.n = number(word, word + 8);
	} else if (strcmp(word, "flood") == 0)
		cfg.mode = MODE_FLOOD;
	else if (strncmp(word, "panic-at=", 9) == 0) {
		cfg.mode = MODE_PANIC_AT;
		cfg.n = number(word, word + 9);
	} else if (strncmp(word, "exit=", 5) == 0) {
		cfg.mode = MODE_EXIT;
		cfg.n = number(word, word + 5);
	} else if (strcmp(word, "ignore-sigterm") == 0)
		cfg.mode = MODE_IGNORE_SIGTERM;
	else if (strcmp(word, "real") == 0)
		cfg.mode = MODE_REAL;
	else
		die("fakeqemu: unknown mode \"%s\"", word);
}

static void
apply_param(const char *word)
{
	const char *v = strchr(word, '=');
	char *copy, *tok, *save;

	if (v == NULL)
		die("fakeqemu: parameter \"%s\" needs a value", word);
	v++;
	if (strncmp(word, "tests=", 6) == 0) {
		/* The list replaces the one read from the initrd. */
		while (cfg.ntests > 0)
			free(cfg.tests[--cfg.ntests]);
		if ((copy = strdup(v)) == NULL)
			die("out of memory");
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			add_test(tok);
		free(copy);
	} else if (strncmp(word, "fail=", 5) == 0) {
		if ((cfg.fail_list = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "exit-code=", 10) == 0)
		cfg.exit_code = (int)number(word, v);
	else if (strncmp(word, "subtests=", 9) == 0)
		cfg.subtests = number(word, v);
	else if (strncmp(word, "subfail=", 8) == 0) {
		if ((cfg.subfail = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "subfail-every=", 14) == 0) {
		char every[32];
		size_t len = strcspn(v, "+");

		snprintf(every, sizeof(every), "%.*s", (int)len, v);
		cfg.subfail_every = number(word, every);
		cfg.subfail_at = v[len] == '+' ? number(word, v + len + 1) : 0;
	} else if (strncmp(word, "exit-once=", 10) == 0) {
		if ((cfg.exit_once = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "test-ms=", 8) == 0)
		cfg.test_ms = number(word, v);
	else if (strncmp(word, "delay-ms=", 9) == 0)
		cfg.delay_ms = number(word, v);
	else if (strncmp(word, "whoami=", 7) == 0)
		cfg.whoami = number(word, v) != 0;
	else if (strncmp(word, "ignore-sigterm=", 15) == 0)
		cfg.ignore_sigterm = number(word, v) != 0;
	else if (strncmp(word, "panic-end=", 10) == 0)
		cfg.panic_end = number(word, v) != 0;
	else if (strncmp(word, "channel=", 8) == 0) {
		if ((cfg.channel = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "ship=", 5) == 0) {
		if ((cfg.ship = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "noise=", 6) == 0) {
		if (strcmp(v, "long-line") == 0)
			cfg.noise = NOISE_LONG_LINE;
		else if (strcmp(v, "binary") == 0)
			cfg.noise = NOISE_BINARY;
		else if (strcmp(v, "flood") == 0)
			cfg.noise = NOISE_FLOOD;
		else
			die("fakeqemu: unknown noise \"%s\"", v);
	} else if (strncmp(word, "noise-bytes=", 12) == 0)
		cfg.noise_bytes = (uint64_t)number(word, v);
	else if (strncmp(word, "noise-until=", 12) == 0) {
		if ((cfg.noise_until = strdup(v)) == NULL)
			die("out of memory");
	} else if (strncmp(word, "report=", 7) == 0) {
		if ((cfg.report = strdup(v)) == NULL)
			die("out of memory");
	} else
		die("fakeqemu: unknown parameter \"%s\"", word);
}

/* Words of the kernel command line (FROM_CMDLINE) or of FAKE_QEMU_MODE.
 * Other kernel parameters are not ours and are skipped. */
static void
apply_words(const char *words, bool from_cmdline)
{
	char *copy, *w, *save;

	if (words == NULL)
		return;
	if ((copy = strdup(words)) == NULL)
		die("out of memory");
	for (w = strtok_r(copy, " \t\n", &save); w != NULL; w = strtok_r(NULL, " \t\n", &save)) {
		if (from_cmdline) {
			if (strncmp(w, "fakeqemu=", 9) == 0) {
				apply_mode(w + 9);
				cfg.mode_from_cmdline = true;
			} else if (strncmp(w, "fakeqemu.", 9) == 0)
				apply_param(w + 9);
		} else if (strchr(w, '=') == NULL || strncmp(w, "hang-at=", 8) == 0 ||
		    strncmp(w, "panic-at=", 9) == 0 || strncmp(w, "exit=", 5) == 0) {
			/* The command line's mode, if any, wins. */
			if (!cfg.mode_from_cmdline)
				apply_mode(w);
		} else
			apply_param(w);
	}
	free(copy);
}

static void
on_sigterm(int sig, siginfo_t *si, void *uctx)
{
	char msg[128];
	int len;

	(void)uctx;
	/* snprintf is not async-signal-safe in general, but we exit right
	 * after and nothing else runs; qemu prints the same line. */
	len = snprintf(msg, sizeof(msg),
	    PROG ": terminating on signal %d "
		 "from pid %ld\n",
	    sig, (long)si->si_pid);
	if (len > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)len);
	_exit(0);
}

static void __attribute__((noreturn)) hang(void)
{
	for (;;)
		pause();
}

static void
write_pidfile(const char *path, bool append)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		die("cannot create pid file %s: %s", path, strerror(errno));
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len)
		die("cannot write pid file %s: %s", path, strerror(errno));
	close(fd);
}

/* Send host file PATH as the artifact _coverage/<basename> the way /init
 * does (file-begin, 76-column base64 data lines, file-end): how the
 * coverage tests hand pkvmd archives no real guest would make (corrupt,
 * or naming .gcda files without .gcno). */
static void
ship_file(const char *path)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	unsigned char *data = NULL, in[57];
	char hex[SHA256_HEX_LEN + 1], line[128];
	size_t size = 0, nlines = 0;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		die("fakeqemu.ship: cannot open %s: %s", path, strerror(errno));
	while ((n = fread(in, 1, sizeof(in), f)) > 0) {
		data = realloc(data, size + n);
		if (data == NULL)
			die("out of memory");
		memcpy(data + size, in, n);
		size += n;
	}
	fclose(f);
	if (sha256_file_hex(path, hex) < 0)
		die("fakeqemu.ship: cannot hash %s", path);
	result(false, "file-begin test=_coverage path=%s size=%zu sha256=%s", name, size, hex);
	for (size_t off = 0; off < size; off += 57) {
		size_t k = size - off < 57 ? size - off : 57, o = 0;

		o = (size_t)snprintf(line, sizeof(line), "@@pkvm:1 d ");
		for (size_t i = 0; i < k; i += 3) {
			unsigned v = (unsigned)data[off + i] << 16;

			if (i + 1 < k)
				v |= (unsigned)data[off + i + 1] << 8;
			if (i + 2 < k)
				v |= data[off + i + 2];
			line[o++] = b64[(v >> 18) & 63];
			line[o++] = b64[(v >> 12) & 63];
			line[o++] = i + 1 < k ? b64[(v >> 6) & 63] : '=';
			line[o++] = i + 2 < k ? b64[v & 63] : '=';
		}
		line[o] = '\0';
		console_write(line);
		nlines++;
	}
	free(data);
	result(false, "file-end test=_coverage path=%s lines=%zu", name, nlines);
}

/* Copy host file PATH to the artifact channel (fd 3) and close it. */
static void
channel_send(const char *path)
{
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		die("fakeqemu.channel: cannot open %s: %s", path, strerror(errno));
	if (!cfg.has_channel)
		die("fakeqemu.channel: qemu's command line has no artifact channel");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t off = 0; off < n;) {
			ssize_t w = write(3, buf + off, n - off);

			if (w <= 0)
				die("fakeqemu.channel: write: %s", strerror(errno));
			off += (size_t)w;
		}
	fclose(f);
	close(3);
}

static void
ship_files(const char *list)
{
	char *copy = strdup(list), *tok, *save;

	if (copy == NULL)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		ship_file(tok);
	free(copy);
}

/* Write all of BUF, or end as qemu does when its console is closed. */
static void
write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(0);
		buf += n;
		len -= (size_t)n;
	}
}

/* fakeqemu.noise: cfg.noise_bytes of what a broken guest may print, in
 * big writes, as fast as the reader takes them. */
static void
noise(void)
{
	/* Invalid UTF-8 (a lone continuation byte, an overlong '/', a
	 * surrogate, 0xff), NULs, a bell, a backspace, an escape. */
	static const char bad[] = "\x80\xc0\xaf\xed\xa0\x80\xff\xfe\x00\x00\x07\x08\x1b[31m"
				  "\x00tail\xc3\r\n";
	static const char line[] = "[    9.999999] fake-qemu: noise noise noise\r\n";
	static char buf[1 << 16];
	uint64_t left = cfg.noise_bytes;
	size_t n, i;

	switch (cfg.noise) {
	case NOISE_NONE:
		return;
	case NOISE_LONG_LINE:
		memset(buf, 'x', sizeof(buf));
		break;
	case NOISE_BINARY:
		for (i = 0; i + sizeof(bad) - 1 <= sizeof(buf); i += sizeof(bad) - 1)
			memcpy(buf + i, bad, sizeof(bad) - 1);
		memset(buf + i, 0, sizeof(buf) - i);
		break;
	case NOISE_FLOOD:
		for (i = 0; i + sizeof(line) - 1 <= sizeof(buf); i += sizeof(line) - 1)
			memcpy(buf + i, line, sizeof(line) - 1);
		memset(buf + i, '\n', sizeof(buf) - i);
		break;
	}
	while (left > 0) {
		n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		write_all(buf, n);
		left -= n;
	}
	while (cfg.noise_until != NULL && access(cfg.noise_until, F_OK) != 0)
		write_all(buf, sizeof(buf));
	write_all("\r\n", 2);
}

/* The lines of a normal run, up to LIMIT of them (-1 for all); returns
 * how many were printed. */
static long
run_script(const char *cmdline, long limit)
{
	long printed = 0;
	int i, code;

#define LINE(stmt) \
	do { \
		if (limit >= 0 && printed >= limit) \
			return printed; \
		stmt; \
		printed++; \
	} while (0)

	cfg.clock_us = 0;
	LINE(printk("Booting Linux on physical CPU 0x0000000000 [0x000f0510]"));
	LINE(printk("%s", cfg.banner));
	LINE(printk("Kernel command line: %s", cmdline));
	cfg.clock_us = 217070;
	LINE(printk("CPU features: detected: Protected KVM"));
	cfg.clock_us = 6145808;
	LINE(printk("kvm [1]: Protected nVHE mode initialized successfully"));
	cfg.clock_us = 10542395;
	LINE(printk("Run /init as init process"));
	noise();
	LINE(result(false, "init uptime=%lu.%02lu", (unsigned long)(cfg.clock_us / 1000000),
	    (unsigned long)(cfg.clock_us % 1000000 / 10000)));
	for (i = 0; i < cfg.ntests; i++) {
		const char *t = cfg.tests[i];

		code = 0;
		if (cfg.mode == MODE_FAIL && (cfg.fail_list == NULL || in_list(cfg.fail_list, t)))
			code = cfg.exit_code;
		LINE(result(false, "begin test=%s seq=%d", t, i + 1));
		LINE(printk("fake-qemu: test %s is running", t));
		if (cfg.subtests > 0) {
			LINE(test_output("TAP version 13"));
			LINE(test_output("1..%ld", cfg.subtests));
			for (long k = 1; k <= cfg.subtests; k++) {
				bool bad = subtest_fails(t, k);

				if (bad && code == 0)
					code = 1;
				LINE(test_output("%sok %ld case-%ld", bad ? "not " : "", k, k));
			}
		}
		LINE(result(cfg.mode == MODE_CORRUPT && i == 0, "end test=%s seq=%d exit=%d ms=%ld",
		    t, i + 1, code, cfg.test_ms * (i + 1)));
		cfg.clock_us += 200000;
	}
	if (cfg.ship != NULL)
		ship_files(cfg.ship);
	if (cfg.channel != NULL)
		channel_send(cfg.channel);
	LINE(result(false, "done tests=%d", cfg.ntests));
	LINE(printk("reboot: Power down"));
#undef LINE
	return printed;
}

/* What a 6.1 arm64 kernel prints for `echo c > /proc/sysrq-trigger`. */
static void
panic_report(void)
{
	static const char *const trace[] = {
		"dump_backtrace+0xe4/0x140",
		"show_stack+0x20/0x30",
		"dump_stack_lvl+0x64/0x80",
		"dump_stack+0x18/0x34",
		"panic+0x184/0x364",
		"sysrq_reset_seq_param_set+0x0/0xa0",
		"__handle_sysrq+0x90/0x19c",
		"write_sysrq_trigger+0x7c/0xc0",
		"proc_reg_write+0xac/0x100",
		"vfs_write+0xdc/0x3a0",
		"ksys_write+0x7c/0x11c",
		"__arm64_sys_write+0x24/0x30",
		"invoke_syscall+0x68/0xe0",
		"el0_svc_common.constprop.0+0x4c/0xf4",
		"do_el0_svc+0x2c/0x9c",
		"el0_svc+0x34/0xdc",
		"el0t_64_sync_handler+0xf4/0x120",
		"el0t_64_sync+0x18c/0x190",
	};
	char line[1024];
	size_t i;
	FILE *f;

	if (cfg.report != NULL) {
		if ((f = fopen(cfg.report, "r")) == NULL)
			die("fakeqemu.report: cannot open %s: %s", cfg.report, strerror(errno));
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			printk("%s", line);
		}
		fclose(f);
		return;
	}
	printk("sysrq: Trigger a crash");
	printk("Kernel panic - not syncing: sysrq triggered crash");
	printk("CPU: 0 PID: 100 Comm: sh Not tainted 6.1.0-fake-arm64 #1");
	printk("Hardware name: linux,dummy-virt (DT)");
	printk("Call trace:");
	for (i = 0; i < sizeof(trace) / sizeof(trace[0]); i++)
		printk(" %s", trace[i]);
	printk("Kernel Offset: 0x37761f000000 from 0xffff800008000000");
	printk("PHYS_OFFSET: 0x40000000");
	printk("CPU features: 0x000000,000f0197,e653f6bf");
	printk("Memory Limit: none");
	if (cfg.panic_end)
		printk("---[ end Kernel panic - not syncing: sysrq triggered "
		       "crash ]---");
}

/* "ok" when PATH opens for reading, else why not. */
static const char *
readable(const char *path)
{
	int fd;

	if (path == NULL)
		return "none";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return strerror(errno);
	close(fd);
	return "ok";
}

/* The -drive options' files, as pkvmd writes them ("...,file=PATH,..."
 * with ',' doubled in PATH). */
#define DRIVES_MAX 16
static char drive_files[DRIVES_MAX][4096];
static int ndrives;

static void
add_drive(const char *opt)
{
	const char *p = strstr(opt, "file=");
	size_t k = 0;

	if (p == NULL || ndrives == DRIVES_MAX)
		return;
	for (p += 5; *p && k < sizeof(drive_files[0]) - 1; p++) {
		if (*p == ',' && p[1] != ',')
			break;
		if (*p == ',')
			p++;
		drive_files[ndrives][k++] = *p;
	}
	drive_files[ndrives++][k] = '\0';
}

/* "rw" when PATH opens for writing, "ro" when only for reading, else why
 * not. */
static const char *
openable(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return "rw";
	}
	return strcmp(readable(path), "ok") == 0 ? "ro" : readable(path);
}

/* fakeqemu.whoami=1: the credentials qemu would run with. */
static void
print_whoami(const char *kernel, const char *initrd)
{
	gid_t groups[64];
	char list[64 * 12] = "", disks[DRIVES_MAX * 40] = "";
	int n = getgroups(64, groups);
	size_t len = 0;

	for (int i = 0; i < n && len < sizeof(list) - 12; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", i ? "," : "",
		    (unsigned)groups[i]);
	len = 0;
	for (int i = 0; i < ndrives && len < sizeof(disks) - 40; i++)
		len += (size_t)snprintf(disks + len, sizeof(disks) - len, "%s%.30s",
		    i ? "," : " disks=", openable(drive_files[i]));
	printk("fake-qemu: uid=%u gid=%u groups=%s kernel=%s initrd=%s nnp=%d%s",
	    (unsigned)getuid(), (unsigned)getgid(), list, readable(kernel), readable(initrd),
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), disks);
}

int
main(int argc, char **argv)
{
	const char *cmdline = "", *initrd = NULL, *pidfile = NULL, *kernel = NULL, *env;
	struct sigaction sa;
	long n;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		/* qemu takes both -opt and --opt. */
		if (strncmp(a, "--", 2) == 0)
			a++;
		if (strcmp(a, "-version") == 0) {
			printf("QEMU emulator version 7.2.0 (fake-qemu)\n");
			return 0;
		}
		if (i + 1 >= argc)
			continue;
		if (strcmp(a, "-chardev") == 0 && i + 1 < argc &&
		    strstr(argv[i + 1], "fd=3") != NULL)
			cfg.has_channel = true;
		if (strcmp(a, "-append") == 0)
			cmdline = argv[++i];
		else if (strcmp(a, "-initrd") == 0)
			initrd = argv[++i];
		else if (strcmp(a, "-pidfile") == 0)
			pidfile = argv[++i];
		else if (strcmp(a, "-kernel") == 0)
			kernel = argv[++i];
		else if (strcmp(a, "-drive") == 0)
			add_drive(argv[++i]);
	}

	if ((env = getenv("FAKE_QEMU_PIDFILE")) != NULL && *env != '\0')
		write_pidfile(env, true);
	if (pidfile != NULL)
		write_pidfile(pidfile, false);

	if (initrd != NULL)
		tests_from_initrd(initrd);
	if (kernel != NULL)
		banner_from_kernel(kernel);
	apply_words(cmdline, true);
	apply_words(getenv("FAKE_QEMU_MODE"), false);
	if (cfg.ntests == 0)
		add_test("fake");

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (cfg.ignore_sigterm || cfg.mode == MODE_IGNORE_SIGTERM)
		sa.sa_handler = SIG_IGN;
	else {
		sa.sa_sigaction = on_sigterm;
		sa.sa_flags = SA_SIGINFO;
	}
	sigaction(SIGTERM, &sa, NULL);

	if (cfg.whoami)
		print_whoami(kernel, initrd);
	if (cfg.exit_once != NULL && access(cfg.exit_once, F_OK) != 0) {
		int fd = open(cfg.exit_once, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		fprintf(stderr, PROG ": fake failure requested (fakeqemu.exit-once=%s)\n",
		    cfg.exit_once);
		return 1;
	}
	switch (cfg.mode) {
	case MODE_PASS:
	case MODE_FAIL:
	case MODE_CORRUPT:
		run_script(cmdline, -1);
		return 0;
	case MODE_HANG_AT:
		run_script(cmdline, cfg.n);
		hang();
	case MODE_IGNORE_SIGTERM:
		run_script(cmdline, 1);
		hang();
	case MODE_FLOOD:
		run_script(cmdline, 6);
		for (n = 1;; n++)
			printk("fake-qemu: flood line %ld: the quick brown fox "
			       "jumps over the lazy dog",
			    n);
	case MODE_PANIC_AT:
		n = run_script(cmdline, cfg.n);
		/* Past the end of a normal run, pad with printk lines so
		 * the panic still comes after exactly N lines. */
		for (; n < cfg.n; n++)
			printk("fake-qemu: line %ld", n + 1);
		panic_report();
		return 0;
	case MODE_REAL:
		env = getenv("FAKE_QEMU_REAL");
		argv[0] = (char *)(env != NULL && *env != '\0' ? env : PROG);
		execvp(argv[0], argv);
		die("fakeqemu=real: cannot run %s: %s", argv[0], strerror(errno));
	case MODE_EXIT:
		fprintf(stderr,
		    PROG ": fake failure requested "
			 "(fakeqemu=exit=%ld)\n",
		    cfg.n);
		return (int)cfg.n;
	}
	return 0;
}
