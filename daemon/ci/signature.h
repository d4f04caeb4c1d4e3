/*
 * signature.h -- how a webhook proves where it comes from: GitHub's and
 * the generic hook's HMAC-SHA256 of the raw body under the project's
 * secret ("sha256=<hex>"), GitLab's secret token sent as it is.
 *
 * Every comparison takes the same time wherever the bytes differ
 * (CRYPTO_memcmp), so that a caller cannot find a valid signature, or the
 * token, a byte at a time by timing the answers.
 */
#ifndef PKVM_CI_SIGNATURE_H
#define PKVM_CI_SIGNATURE_H

#include <stddef.h>

/* Hex digits of an HMAC-SHA256; a buffer for one holds CI_HMAC_HEX_LEN + 1. */
#define CI_HMAC_HEX_LEN 64

/* The HMAC-SHA256 of the LEN bytes at BODY under the KEYLEN bytes at KEY,
 * in lower-case hex, into HEX.  0, or -EIO when libcrypto fails. */
int ci_hmac_sha256_hex(const void *key, size_t keylen, const void *body, size_t len,
    char hex[CI_HMAC_HEX_LEN + 1]);
/* Whether HEADER ("sha256=" and 64 hex digits, either case) is the
 * HMAC-SHA256 of BODY under KEY, compared in constant time: 0 when it is,
 * -EBADMSG when it is not, -EINVAL when HEADER is NULL or not of that
 * shape. */
int ci_signature_check(const char *header, const void *key, size_t keylen, const void *body,
    size_t len);
/* Whether HEADER is the token SECRET, compared in constant time (of their
 * SHA-256 digests, so neither a differing byte nor the length shows): 0,
 * -EBADMSG when not, -EINVAL when HEADER is NULL or empty. */
int ci_token_check(const char *header, const char *secret, size_t secret_len);

#endif
