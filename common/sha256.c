/*
 * sha256.c -- SHA-256 through OpenSSL's EVP interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sha256.h"

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *
sha256_new(void)
{
	struct sha256 *h = malloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void
sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
}

void
sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int n = 0;
	static const char digits[] = "0123456789abcdef";

	EVP_DigestFinal_ex(h->ctx, md, &n);
	for (unsigned int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
	sha256_free(h);
}

int
sha256_peek_hex(const struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 *copy = malloc(sizeof(*copy));

	if (copy == NULL)
		return -ENOMEM;
	copy->ctx = EVP_MD_CTX_new();
	if (copy->ctx == NULL || EVP_MD_CTX_copy_ex(copy->ctx, h->ctx) != 1) {
		sha256_free(copy);
		return -ENOMEM;
	}
	sha256_final_hex(copy, hex);
	return 0;
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int
sha256_file_hex(const char *path, char hex[SHA256_HEX_LEN + 1])
{
	char buf[1 << 16];
	struct sha256 *h;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	h = sha256_new();
	if (h == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		sha256_update(h, buf, (size_t)n);
	}
	close(fd);
	if (err != 0) {
		sha256_free(h);
		return err;
	}
	sha256_final_hex(h, hex);
	return 0;
}
