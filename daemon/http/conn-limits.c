/*
 * conn-limits.c -- how many client connections may be open at once, in all and
 * from one client address, so that a client holding connections (idle,
 * slow, or many long polls) cannot take them all from the others.
 *
 * The counts are the server's, over all of its listeners, and over both
 * MHD daemons of a TLS listener while a reload lets the old one finish:
 * MHD's own MHD_OPTION_PER_IP_CONNECTION_LIMIT counts per daemon, so a
 * client could hold its share on each.  server.c asks http_limits_admit()
 * from MHD's accept policy callback, which runs after accept(); a refused
 * connection is closed at once, before a byte of it is read (the client
 * sees the connection closed or reset, without an HTTP reply: answering
 * would mean reading its request, which is what the cap is there to
 * avoid).  The counting itself follows MHD's notifications that a
 * connection started and closed, which come in pairs.
 *
 * A client address is an IPv4 address, or the /64 prefix of an IPv6 one
 * (one host commonly holds a whole /64); an IPv4-mapped IPv6 address is its
 * IPv4 address.  Unix socket clients have no address: only the total cap
 * applies to them (their users are known by uid, and the socket's mode
 * says who may connect).  The addresses with connections open are kept in
 * a list: a lab has tens of them, not thousands.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "http/private.h"

/* A refusal is logged at most this often (with a count of those not
 * logged), so that a client hammering the cap cannot flood the log. */
#define REFUSAL_LOG_INTERVAL_MS 10000

/* Bytes of a client address key: family + IPv4 address or IPv6 /64. */
#define KEY_BYTES 9

struct client {
	unsigned char key[KEY_BYTES];
	int64_t open;
	struct client *next;
};

struct http_limits {
	int64_t max_total;
	int64_t max_per_ip;
	int64_t open;
	struct client *clients; /* addresses with connections open */
	struct client local; /* Unix socket clients, under the total cap only */
	uint64_t last_log_ms;
	uint64_t refused_unlogged;
};

static uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The key of ADDR's client; false when it has no IP address. */
static bool
client_key(const struct sockaddr *addr, unsigned char key[KEY_BYTES])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(key, 0, KEY_BYTES);
	if (addr == NULL)
		return false;
	if (addr->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)addr)->sin_addr, 4);
		return true;
	}
	if (addr->sa_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;

		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 8);
		}
		return true;
	}
	return false;
}

static struct client *
client_find(struct http_limits *lim, const unsigned char key[KEY_BYTES])
{
	for (struct client *c = lim->clients; c != NULL; c = c->next)
		if (memcmp(c->key, key, KEY_BYTES) == 0)
			return c;
	return NULL;
}

static void
key_text(const unsigned char key[KEY_BYTES], char *buf, size_t len)
{
	unsigned char a6[16] = { 0 };

	if (key[0] == 4) {
		inet_ntop(AF_INET, key + 1, buf, len);
		return;
	}
	memcpy(a6, key + 1, 8);
	if (inet_ntop(AF_INET6, a6, buf, len) != NULL)
		strncat(buf, "/64", len - strlen(buf) - 1);
}

int
http_limits_new(struct http_limits **out, int64_t max_total, int64_t max_per_ip)
{
	struct http_limits *lim = calloc(1, sizeof(*lim));

	if (lim == NULL)
		return -ENOMEM;
	lim->max_total = max_total;
	lim->max_per_ip = max_per_ip;
	*out = lim;
	return 0;
}

void
http_limits_free(struct http_limits *lim)
{
	struct client *c, *next;

	if (lim == NULL)
		return;
	for (c = lim->clients; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(lim);
}

static void
log_refusal(struct http_limits *lim, const char *fmt, const char *who, int64_t cap)
{
	uint64_t now = monotonic_ms();
	char msg[256];

	if (lim->last_log_ms != 0 && now - lim->last_log_ms < REFUSAL_LOG_INTERVAL_MS) {
		lim->refused_unlogged++;
		return;
	}
	snprintf(msg, sizeof(msg), fmt, who, (long long)cap);
	if (lim->refused_unlogged > 0)
		log_warnx("http: %s (and %llu more refused since the last such message)", msg,
		    (unsigned long long)lim->refused_unlogged);
	else
		log_warnx("http: %s", msg);
	lim->last_log_ms = now;
	lim->refused_unlogged = 0;
}

bool
http_limits_admit(struct http_limits *lim, const struct sockaddr *addr, socklen_t len)
{
	unsigned char key[KEY_BYTES];
	struct client *c;
	char who[INET6_ADDRSTRLEN + 8] = "a Unix socket client";

	(void)len;
	if (client_key(addr, key))
		key_text(key, who, sizeof(who));
	if (lim->open >= lim->max_total) {
		log_refusal(lim,
		    "connection from %s refused: %lld connections are open (--max-connections)",
		    who, lim->max_total);
		return false;
	}
	if (key[0] == 0 || lim->max_per_ip == 0)
		return true;
	c = client_find(lim, key);
	if (c != NULL && c->open >= lim->max_per_ip) {
		log_refusal(lim,
		    "connection from %s refused: it has %lld open (--max-connections-per-ip)", who,
		    lim->max_per_ip);
		return false;
	}
	return true;
}

void *
http_limits_opened(struct http_limits *lim, const struct sockaddr *addr)
{
	unsigned char key[KEY_BYTES];
	struct client *c = &lim->local;

	lim->open++;
	if (client_key(addr, key) && (c = client_find(lim, key)) == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			/* Not counted by address: the total still holds. */
			lim->local.open++;
			return &lim->local;
		}
		memcpy(c->key, key, KEY_BYTES);
		c->next = lim->clients;
		lim->clients = c;
	}
	c->open++;
	return c;
}

void
http_limits_closed(struct http_limits *lim, void *handle)
{
	struct client *c = handle, **pp;

	if (c == NULL)
		return;
	lim->open--;
	if (--c->open > 0 || c == &lim->local)
		return;
	for (pp = &lim->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			free(c);
			return;
		}
	}
}
