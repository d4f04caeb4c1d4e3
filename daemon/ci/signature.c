/*
 * signature.c -- webhook signatures and tokens, checked in constant time
 * (signature.h).
 *
 * The header's hex is decoded to the 32 bytes of the MAC and those are
 * compared with CRYPTO_memcmp: comparing hex text would make "ABC" and
 * "abc" differ, and strcmp would stop at the first differing byte.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "ci/signature.h"

#define MAC_BYTES 32

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
mac(const void *key, size_t keylen, const void *body, size_t len, unsigned char out[MAC_BYTES])
{
	unsigned int n = 0;

	if (keylen > INT32_MAX ||
	    HMAC(EVP_sha256(), key, (int)keylen, body, len, out, &n) == NULL || n != MAC_BYTES)
		return -EIO;
	return 0;
}

int
ci_hmac_sha256_hex(const void *key, size_t keylen, const void *body, size_t len,
    char hex[CI_HMAC_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char m[MAC_BYTES];
	int err;

	if ((err = mac(key, keylen, body, len, m)) < 0)
		return err;
	for (int i = 0; i < MAC_BYTES; i++) {
		hex[2 * i] = digits[m[i] >> 4];
		hex[2 * i + 1] = digits[m[i] & 15];
	}
	hex[CI_HMAC_HEX_LEN] = '\0';
	return 0;
}

int
ci_signature_check(const char *header, const void *key, size_t keylen, const void *body, size_t len)
{
	unsigned char want[MAC_BYTES], got[MAC_BYTES];
	int err;

	if (header == NULL || strncmp(header, "sha256=", 7) != 0 ||
	    strlen(header + 7) != 2 * MAC_BYTES)
		return -EINVAL;
	for (int i = 0; i < MAC_BYTES; i++) {
		int hi = hex_digit(header[7 + 2 * i]), lo = hex_digit(header[8 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	if ((err = mac(key, keylen, body, len, want)) < 0)
		return err;
	return CRYPTO_memcmp(want, got, MAC_BYTES) == 0 ? 0 : -EBADMSG;
}

int
ci_token_check(const char *header, const char *secret, size_t secret_len)
{
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	if (header == NULL || header[0] == '\0')
		return -EINVAL;
	if (SHA256((const unsigned char *)header, strlen(header), a) == NULL ||
	    SHA256((const unsigned char *)secret, secret_len, b) == NULL)
		return -EIO;
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0 ? 0 : -EBADMSG;
}
