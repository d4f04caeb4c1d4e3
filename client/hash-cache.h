/*
 * hash-cache.h -- the sha256 of files pkvmctl hashed before.
 *
 * A developer resubmits the same 30 MB kernel again and again with a new
 * test; hashing it each time cost 33 ms of CPU (and more on a cold page
 * cache).  The cache remembers each file's hash under what identifies its
 * contents without reading them: device, inode, size, mtime and ctime
 * (ctime moves on every write and cannot be set back, so a file rewritten
 * with its old size and mtime restored is still hashed again).  It lives
 * in $PKVM_HASH_CACHE, else $XDG_CACHE_HOME/pkvmd/hashes, else
 * ~/.cache/pkvmd/hashes; PKVM_HASH_CACHE=off turns it off.  A cache that
 * cannot be read or written only costs the hashing it would have saved.
 */
#ifndef PKVM_CLIENT_HASH_CACHE_H
#define PKVM_CLIENT_HASH_CACHE_H

#include "sha256.h"

struct hash_cache;

/* The cache, read from its file (an empty one when there is none).  NULL
 * when it is off or out of memory: hash_file() then always hashes. */
struct hash_cache *hash_cache_open(void);
/* The sha256 of the file at PATH into HEX: from C when it knows the file
 * as it is now, else hashed (and remembered in C).  C may be NULL.  0 or
 * negative errno. */
int hash_file(struct hash_cache *c, const char *path, char hex[SHA256_HEX_LEN + 1]);
/* Write what C learnt back to its file (atomically) and free C; NULL is
 * fine. */
void hash_cache_close(struct hash_cache *c);

#endif
