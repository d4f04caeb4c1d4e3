/*
 * load.c -- HTTP/1.1 keep-alive load on a Unix socket (or loopback TCP),
 * for what wrk cannot reach: pkvmd's Unix socket.
 *
 *   load [-c CONNECTIONS] [-d SECONDS] (--unix PATH | --tcp HOST:PORT) PATH...
 *
 * Each connection is a thread that sends GET requests for the PATHs in
 * turn, one at a time, and reads each whole answer (Content-Length or
 * chunked) before the next.  At the end it prints one line:
 *
 *   requests N rps R p50_ms A p99_ms B max_ms C errors E
 *
 * With -c 1 and -d 0 it fetches each PATH once and prints the bytes of each
 * answer's body too (a smoke check).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *unix_path, *tcp_host;
static int tcp_port;
static char **paths;
static int npaths;
static double duration_s = 10;
static volatile bool stop;

struct worker {
	pthread_t tid;
	uint64_t *lat_ns;
	size_t n, cap;
	uint64_t errors;
	uint64_t body_bytes;
	char buf[1 << 16];
	size_t len, off; /* unread bytes buf[off .. len) */
	int fd;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
dial(void)
{
	int fd;

	if (unix_path != NULL) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", unix_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(tcp_port) };
		int one = 1;

		inet_pton(AF_INET, tcp_host, &a.sin_addr);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Make at least one more byte readable in W's buffer: false at EOF/error. */
static bool
fill(struct worker *w)
{
	ssize_t n;

	if (w->off == w->len)
		w->off = w->len = 0;
	if (w->len == sizeof(w->buf)) {
		memmove(w->buf, w->buf + w->off, w->len - w->off);
		w->len -= w->off;
		w->off = 0;
	}
	do
		n = read(w->fd, w->buf + w->len, sizeof(w->buf) - w->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	w->len += (size_t)n;
	return true;
}

/* A line ending in CRLF into LINE (NUL-terminated, cut to SIZE). */
static bool
read_line(struct worker *w, char *line, size_t size)
{
	size_t k = 0;

	for (;;) {
		while (w->off < w->len) {
			char c = w->buf[w->off++];

			if (c == '\n') {
				if (k > 0 && line[k - 1] == '\r')
					k--;
				line[k] = '\0';
				return true;
			}
			if (k + 1 < size)
				line[k++] = c;
		}
		if (!fill(w))
			return false;
	}
}

/* Skip N body bytes. */
static bool
skip(struct worker *w, uint64_t n)
{
	while (n > 0) {
		size_t have;

		if (w->off == w->len && !fill(w))
			return false;
		have = w->len - w->off;
		if (have > n)
			have = (size_t)n;
		w->off += have;
		n -= have;
		w->body_bytes += have;
	}
	return true;
}

/* Read one response; its status into *STATUS. */
static bool
read_response(struct worker *w, int *status)
{
	char line[1024];
	int64_t length = -1;
	bool chunked = false;

	if (!read_line(w, line, sizeof(line)) || sscanf(line, "HTTP/1.%*d %d", status) != 1)
		return false;
	while (read_line(w, line, sizeof(line)) && line[0] != '\0') {
		if (strncasecmp(line, "content-length:", 15) == 0)
			length = strtoll(line + 15, NULL, 10);
		else if (strncasecmp(line, "transfer-encoding:", 18) == 0 &&
		    strcasestr(line, "chunked"))
			chunked = true;
	}
	if (!chunked)
		return length >= 0 && skip(w, (uint64_t)length);
	for (;;) {
		uint64_t size;

		if (!read_line(w, line, sizeof(line)))
			return false;
		size = strtoull(line, NULL, 16);
		if (size == 0)
			break;
		if (!skip(w, size) || !read_line(w, line, sizeof(line)))
			return false;
	}
	/* Trailers, then the blank line. */
	while (read_line(w, line, sizeof(line)))
		if (line[0] == '\0')
			return true;
	return false;
}

static void
record(struct worker *w, uint64_t ns)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 4096;
		w->lat_ns = realloc(w->lat_ns, w->cap * sizeof(*w->lat_ns));
		if (w->lat_ns == NULL)
			abort();
	}
	w->lat_ns[w->n++] = ns;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	char req[2048];
	int i = 0;

	w->fd = dial();
	while (!stop) {
		int status = 0, len;
		uint64_t t0;

		if (w->fd < 0 && (w->fd = dial()) < 0) {
			w->errors++;
			usleep(1000);
			continue;
		}
		len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: pkvmd\r\n\r\n",
		    paths[i++ % npaths]);
		t0 = now_ns();
		if (write(w->fd, req, (size_t)len) != len || !read_response(w, &status)) {
			w->errors++;
			close(w->fd);
			w->fd = -1;
			w->off = w->len = 0;
			continue;
		}
		record(w, now_ns() - t0);
		if (status != 200)
			w->errors++;
		if (duration_s == 0 && i == npaths)
			break;
	}
	if (w->fd >= 0)
		close(w->fd);
	return NULL;
}

static int
by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int conns = 8, i;
	struct worker *ws;
	uint64_t *all, total = 0, errors = 0, bytes = 0, t0, t1;
	size_t k = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conns = atoi(argv[++i]);
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			duration_s = atof(argv[++i]);
		else if (strcmp(argv[i], "--unix") == 0 && i + 1 < argc)
			unix_path = argv[++i];
		else if (strcmp(argv[i], "--tcp") == 0 && i + 1 < argc) {
			static char host[64];
			char *colon;

			snprintf(host, sizeof(host), "%s", argv[++i]);
			if ((colon = strrchr(host, ':')) == NULL)
				break;
			*colon = '\0';
			tcp_host = host;
			tcp_port = atoi(colon + 1);
		} else
			break;
	}
	if (i >= argc || conns < 1 || (unix_path == NULL) == (tcp_host == NULL)) {
		fprintf(stderr,
		    "usage: load [-c CONNECTIONS] [-d SECONDS] (--unix PATH | --tcp "
		    "HOST:PORT) PATH...\n");
		return 2;
	}
	paths = argv + i;
	npaths = argc - i;
	if ((ws = calloc((size_t)conns, sizeof(*ws))) == NULL)
		return 1;
	t0 = now_ns();
	for (i = 0; i < conns; i++)
		pthread_create(&ws[i].tid, NULL, work, &ws[i]);
	if (duration_s > 0) {
		struct timespec ts = { (time_t)duration_s,
			(long)((duration_s - (double)(time_t)duration_s) * 1e9) };

		nanosleep(&ts, NULL);
		stop = true;
	}
	for (i = 0; i < conns; i++) {
		pthread_join(ws[i].tid, NULL);
		total += ws[i].n;
		errors += ws[i].errors;
		bytes += ws[i].body_bytes;
	}
	t1 = now_ns();
	if ((all = calloc(total + 1, sizeof(*all))) == NULL)
		return 1;
	for (i = 0; i < conns; i++) {
		memcpy(all + k, ws[i].lat_ns, ws[i].n * sizeof(*all));
		k += ws[i].n;
	}
	qsort(all, total, sizeof(*all), by_value);
	printf("requests %llu rps %.0f p50_ms %.3f p99_ms %.3f max_ms %.3f errors %llu bytes "
	       "%llu\n",
	    (unsigned long long)total, (double)total / ((double)(t1 - t0) / 1e9),
	    total ? (double)all[total / 2] / 1e6 : 0,
	    total ? (double)all[total * 99 / 100] / 1e6 : 0,
	    total ? (double)all[total - 1] / 1e6 : 0, (unsigned long long)errors,
	    (unsigned long long)bytes);
	return errors > 0 ? 1 : 0;
}
