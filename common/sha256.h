/*
 * sha256.h -- incremental SHA-256, the name of every blob.
 *
 * Blobs (kernels, test executables) are content-addressed by the lower-case
 * hex SHA-256 of their bytes.  The client hashes before upload to ask which
 * blobs the server lacks; the daemon hashes while receiving to verify.
 * Backed by OpenSSL's libcrypto (EVP), which is already on every Debian host.
 */
#ifndef PKVM_SHA256_H
#define PKVM_SHA256_H

#include <stddef.h>

/* Hex digits in a SHA-256: a buffer for one holds SHA256_HEX_LEN + 1. */
#define SHA256_HEX_LEN 64

struct sha256;

/* Start a new hash; NULL when out of memory. */
struct sha256 *sha256_new(void);
/* Add LEN bytes to the hash. */
void sha256_update(struct sha256 *h, const void *buf, size_t len);
/* Finish the hash into HEX (SHA256_HEX_LEN digits and a NUL) and free it. */
void sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);
/* The hash of what H has taken so far into HEX, H going on unchanged (a
 * growing file's hash after each piece); 0 or -ENOMEM. */
int sha256_peek_hex(const struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);
/* Free an unfinished hash. */
void sha256_free(struct sha256 *h);
/* Hash the file at PATH into HEX; 0 or negative errno. */
int sha256_file_hex(const char *path, char hex[SHA256_HEX_LEN + 1]);

#endif
