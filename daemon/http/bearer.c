/*
 * bearer.c -- bearer tokens: made from OpenSSL's CSPRNG, hashed with
 * sha256, compared in constant time.
 *
 * Why a plain sha256 and not a password hash: a token's secret is 256
 * random bits, so there is no dictionary to try and a preimage search is
 * hopeless; bcrypt or argon2 protect low-entropy passwords, and here they
 * would only make every request slower.  The hash means a copy of the
 * database (a backup, a stolen disk) holds nothing a caller could show.
 *
 * Why the lookup is by KEY: the row is found by the token's public part,
 * and only then is the presented token's hash compared with the stored
 * one, with CRYPTO_memcmp, so how long the comparison takes says nothing
 * about how much of the secret was right.  How long the lookup takes may
 * say whether a key exists; a key is not a secret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "http/bearer.h"

/* Bytes of randomness in a key and in a secret. */
#define KEY_BYTES (STORE_TOKEN_KEY_LEN / 2)
#define SECRET_BYTES (BEARER_SECRET_LEN / 2)

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The sha256 hex of TOKEN into HASH: 0, or -EIO. */
static int
token_hash(const char *token, char hash[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1 ||
	    n != SHA256_HEX_LEN / 2)
		return -EIO;
	hex(md, n, hash);
	return 0;
}

int
bearer_new(char token[BEARER_TOKEN_LEN + 1], char key[STORE_TOKEN_KEY_LEN + 1],
    char hash[SHA256_HEX_LEN + 1])
{
	unsigned char kb[KEY_BYTES], sb[SECRET_BYTES];
	char secret[BEARER_SECRET_LEN + 1];
	int r = -EIO;

	if (RAND_bytes(kb, sizeof(kb)) != 1 || RAND_bytes(sb, sizeof(sb)) != 1)
		goto out;
	hex(kb, sizeof(kb), key);
	hex(sb, sizeof(sb), secret);
	snprintf(token, BEARER_TOKEN_LEN + 1, BEARER_PREFIX "%s_%s", key, secret);
	r = token_hash(token, hash);
out:
	OPENSSL_cleanse(sb, sizeof(sb));
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

int
bearer_key(const char *token, char key[STORE_TOKEN_KEY_LEN + 1])
{
	const size_t plen = sizeof(BEARER_PREFIX) - 1;
	const char *k = token + plen, *sep = k + STORE_TOKEN_KEY_LEN;

	if (strlen(token) != BEARER_TOKEN_LEN || strncmp(token, BEARER_PREFIX, plen) != 0 ||
	    !is_hex(k, STORE_TOKEN_KEY_LEN) || *sep != '_' || !is_hex(sep + 1, BEARER_SECRET_LEN))
		return -EINVAL;
	memcpy(key, k, STORE_TOKEN_KEY_LEN);
	key[STORE_TOKEN_KEY_LEN] = '\0';
	return 0;
}

bool
bearer_matches(const char *token, const char *hash)
{
	char mine[SHA256_HEX_LEN + 1];

	if (strlen(hash) != SHA256_HEX_LEN || token_hash(token, mine) < 0)
		return false;
	return CRYPTO_memcmp(mine, hash, SHA256_HEX_LEN) == 0;
}
