/*
 * bearer.h -- the bearer tokens TCP callers show: making one, taking one
 * apart, and checking one against its stored hash.
 *
 * A token is "pkvm_" KEY "_" SECRET: KEY is 16 hex digits (64 random
 * bits) that name the token's row, so the daemon finds the row without
 * comparing secrets; SECRET is 64 hex digits (256 bits from OpenSSL's
 * CSPRNG).  The prefix makes a leaked token easy to recognise (secret
 * scanners, logs).  Only the sha256 of the whole token is stored.
 */
#ifndef PKVM_HTTP_BEARER_H
#define PKVM_HTTP_BEARER_H

#include <stdbool.h>

#include "sha256.h"
#include "store/store.h"

#define BEARER_PREFIX "pkvm_"
#define BEARER_SECRET_LEN 64
/* Characters in a token, without the NUL. */
#define BEARER_TOKEN_LEN (sizeof(BEARER_PREFIX) - 1 + STORE_TOKEN_KEY_LEN + 1 + BEARER_SECRET_LEN)

/* Make a new random token into TOKEN, with its KEY and the HASH to store.
 * 0, or -EIO when the random number generator fails. */
int bearer_new(char token[BEARER_TOKEN_LEN + 1], char key[STORE_TOKEN_KEY_LEN + 1],
    char hash[SHA256_HEX_LEN + 1]);
/* The KEY of TOKEN: 0, or -EINVAL when TOKEN is not shaped like a token. */
int bearer_key(const char *token, char key[STORE_TOKEN_KEY_LEN + 1]);
/* Whether TOKEN hashes to HASH (a stored sha256 hex), compared in
 * constant time. */
bool bearer_matches(const char *token, const char *hash);

#endif
