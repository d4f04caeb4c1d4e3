/*
 * follow.c -- many followers of one job's console in one process, so that
 * bench/console measures what pkvmd sends, not what a hundred curl
 * processes cost the same two cores.
 *
 *   follow --unix SOCKET --path PATH -n N --ready FILE
 *   follow --hash FILE
 *   follow --ceiling N MB
 *
 * Opens N connections to SOCKET, asks each for PATH (GET, HTTP/1.1, one
 * request), reads the answers with epoll as fast as they come, de-chunks
 * them and hashes each body.  Once every answer's headers are in, it
 * creates FILE (the caller then lets the job start).  When every answer has
 * ended it prints one line:
 *
 *   followers N ok K bytes MIN MAX hashes DISTINCT first HASH last_end EPOCH
 *
 * (K: answers with status 200 that ended cleanly; HASH: the first body's
 * hash; EPOCH: the wall clock of the last body's end, for the lag).
 * --hash FILE prints the same hash of FILE's bytes, to compare with the
 * job's serial file.
 *
 * --ceiling N MB is the machine's bound for any server: one thread writes
 * MB megabytes to each of N Unix socketpairs, 64 KiB at a time in turn,
 * and this one reads them all with epoll, nothing parsed, nothing hashed.
 * It prints the rate each copy got and the total.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A word-at-a-time hash: cheap enough for gigabytes, and any difference
 * in content or length shows. */
struct hash {
	uint64_t v, n;
	uint8_t carry[8];
	int nc;
};

static void
mix(struct hash *h, uint64_t w)
{
	h->v = (h->v ^ w) * 0x9E3779B97F4A7C15ULL;
	h->v ^= h->v >> 29;
}

static void
hash_bytes(struct hash *h, const uint8_t *p, size_t len)
{
	h->n += len;
	while (len > 0 && h->nc > 0) {
		h->carry[h->nc++] = *p++;
		len--;
		if (h->nc == 8) {
			uint64_t w;

			memcpy(&w, h->carry, 8);
			mix(h, w);
			h->nc = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		mix(h, w);
	}
	while (len-- > 0)
		h->carry[h->nc++] = *p++;
}

static uint64_t
hash_end(struct hash *h)
{
	uint64_t w = 0;

	memcpy(&w, h->carry, (size_t)h->nc);
	mix(h, w);
	mix(h, h->n);
	return h->v;
}

enum state { HEADERS, SIZE_LINE, DATA, DATA_CRLF, RAW, DONE };

struct conn {
	int fd;
	enum state st;
	bool chunked, ok;
	char head[8192];
	size_t nhead;
	char line[64];
	size_t nline;
	uint64_t left; /* of the current chunk */
	struct hash h;
	uint64_t hash;
};

static void
die(const char *what)
{
	fprintf(stderr, "follow: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Feed BUF to C's body parser; false once the answer is over. */
static bool
body(struct conn *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		switch (c->st) {
		case RAW:
			hash_bytes(&c->h, p, len);
			return true;
		case SIZE_LINE:
			if (*p == '\n') {
				c->line[c->nline] = '\0';
				c->left = strtoull(c->line, NULL, 16);
				c->nline = 0;
				c->st = c->left ? DATA : DONE;
				if (c->st == DONE)
					return false;
			} else if (c->nline < sizeof(c->line) - 1) {
				c->line[c->nline++] = (char)*p;
			}
			p++;
			len--;
			break;
		case DATA: {
			size_t k = len < c->left ? len : (size_t)c->left;

			hash_bytes(&c->h, p, k);
			p += k;
			len -= k;
			c->left -= k;
			if (c->left == 0)
				c->st = DATA_CRLF;
			break;
		}
		case DATA_CRLF:
			if (*p == '\n')
				c->st = SIZE_LINE;
			p++;
			len--;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* Headers into C until their end; what follows goes to body(). Returns
 * false when the answer is over (or bad). */
static bool
headers(struct conn *c, const uint8_t *p, size_t len, int *ready)
{
	char *end;
	size_t room = sizeof(c->head) - 1 - c->nhead, k = len < room ? len : room;

	memcpy(c->head + c->nhead, p, k);
	c->nhead += k;
	c->head[c->nhead] = '\0';
	if ((end = strstr(c->head, "\r\n\r\n")) == NULL)
		return c->nhead < sizeof(c->head) - 1;
	c->ok = strncmp(c->head, "HTTP/1.1 200", 12) == 0;
	c->chunked = strcasestr(c->head, "transfer-encoding: chunked") != NULL;
	c->st = c->chunked ? SIZE_LINE : RAW;
	(*ready)++;
	{
		size_t used = (size_t)(end + 4 - c->head), from = used - (c->nhead - k);

		return body(c, p + from, len - from);
	}
}

static int
hash_file(const char *path)
{
	static uint8_t buf[1 << 20];
	struct hash h = { 0 };
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hash_bytes(&h, buf, (size_t)n);
	printf("%016llx %llu\n", (unsigned long long)hash_end(&h), (unsigned long long)h.n);
	return 0;
}

struct ceiling {
	int n, *fds;
	uint64_t bytes;
};

static void *
ceiling_writer(void *arg)
{
	static char chunk[64 * 1024];
	struct ceiling *c = arg;

	memset(chunk, 'x', sizeof(chunk));
	for (uint64_t done = 0; done < c->bytes; done += sizeof(chunk))
		for (int i = 0; i < c->n; i++)
			if (write(c->fds[i], chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
				die("write");
	for (int i = 0; i < c->n; i++)
		close(c->fds[i]);
	return NULL;
}

static int
ceiling(int n, uint64_t mb)
{
	static uint8_t buf[1 << 18];
	struct ceiling c = { .n = n, .bytes = mb * 1000 * 1000 };
	struct epoll_event ev, evs[64];
	struct timespec t0, t1;
	uint64_t total = 0;
	pthread_t tid;
	int ep, open_fds = n;
	double s;

	if ((c.fds = calloc((size_t)n, sizeof(int))) == NULL || (ep = epoll_create1(0)) < 0)
		die("setup");
	for (int i = 0; i < n; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			die("socketpair");
		c.fds[i] = sv[0];
		ev.events = EPOLLIN;
		ev.data.fd = sv[1];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) != 0)
			die("epoll_ctl");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&tid, NULL, ceiling_writer, &c) != 0)
		die("pthread_create");
	while (open_fds > 0) {
		int m = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < m; i++) {
			ssize_t got = read(evs[i].data.fd, buf, sizeof(buf));

			if (got > 0) {
				total += (uint64_t)got;
			} else if (got == 0) {
				close(evs[i].data.fd);
				open_fds--;
			}
		}
	}
	pthread_join(tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("ceiling: %d copies of %.0f MB in %.2f s: %.1f MB/s each, %.2f GB/s in all\n", n,
	    (double)total / n / 1e6, s, (double)total / n / s / 1e6, (double)total / s / 1e9);
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[1 << 18];
	const char *sock = NULL, *path = NULL, *ready_file = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[64];
	struct conn *cs;
	int n = 1, ep, open_conns, ready = 0, k = 0, distinct = 1;
	bool ready_done = false;
	uint64_t min = UINT64_MAX, max = 0;
	struct timespec last = { 0 };
	char req[1024];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hash") == 0 && i + 1 < argc)
			return hash_file(argv[i + 1]);
		if (strcmp(argv[i], "--ceiling") == 0 && i + 2 < argc)
			return ceiling(atoi(argv[i + 1]), strtoull(argv[i + 2], NULL, 10));
		if (strcmp(argv[i], "--unix") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ready") == 0 && i + 1 < argc)
			ready_file = argv[++i];
		else {
			fprintf(stderr,
			    "usage: follow --unix SOCKET --path PATH -n N --ready FILE\n"
			    "       follow --hash FILE\n");
			return 2;
		}
	}
	if (sock == NULL || path == NULL || n < 1 || strlen(sock) >= sizeof(sa.sun_path))
		return 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: pkvmd\r\nConnection: close\r\n\r\n",
	    path);
	if ((cs = calloc((size_t)n, sizeof(*cs))) == NULL || (ep = epoll_create1(0)) < 0)
		die("setup");
	for (int i = 0; i < n; i++) {
		struct conn *c = &cs[i];

		if ((c->fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    write(c->fd, req, strlen(req)) != (ssize_t)strlen(req))
			die("connect");
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
			die("epoll_ctl");
	}
	for (open_conns = n; open_conns > 0;) {
		int m = epoll_wait(ep, evs, 64, -1);

		if (m < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < m; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t got = read(c->fd, buf, sizeof(buf));
			bool more;

			if (got < 0 && errno == EINTR)
				continue;
			more = got > 0 &&
			    (c->st == HEADERS ? headers(c, buf, (size_t)got, &ready)
					      : body(c, buf, (size_t)got));
			if (!ready_done && ready == n && ready_file != NULL) {
				int fd = open(ready_file, O_WRONLY | O_CREAT, 0644);

				if (fd >= 0)
					close(fd);
				ready_done = true;
			}
			if (more)
				continue;
			/* The answer ended: by its last chunk, or by EOF. */
			if (c->ok && (c->st == DONE || (c->st == RAW && got == 0)))
				c->st = DONE;
			c->hash = hash_end(&c->h);
			clock_gettime(CLOCK_REALTIME, &last);
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			open_conns--;
		}
	}
	for (int i = 0; i < n; i++) {
		if (cs[i].ok && cs[i].st == DONE)
			k++;
		if (cs[i].h.n < min)
			min = cs[i].h.n;
		if (cs[i].h.n > max)
			max = cs[i].h.n;
		if (i > 0 && cs[i].hash != cs[0].hash)
			distinct = 2;
	}
	printf("followers %d ok %d bytes %llu %llu hashes %d first %016llx last_end %lld.%09ld\n",
	    n, k, (unsigned long long)min, (unsigned long long)max, distinct,
	    (unsigned long long)cs[0].hash, (long long)last.tv_sec, last.tv_nsec);
	return 0;
}
