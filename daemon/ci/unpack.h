/*
 * unpack.h -- archives a push brought (a zip, a tar, compressed or not)
 * into a directory, as regular files and directories only, within a budget
 * of bytes and entries.  Blocking I/O: callers run it on the thread pool.
 *
 * docs/CI.md ("What the artifact must hold") states the rules.
 */
#ifndef PKVM_CI_UNPACK_H
#define PKVM_CI_UNPACK_H

#include <stddef.h>
#include <stdint.h>

/* What the archives of one push may still take; shared by all of them, so
 * a tar inside a zip cannot double the cap. */
struct ci_unpack_budget {
	int64_t bytes_left; /* file bytes written, holes of sparse files included */
	int64_t entries_left;
};

/* How many entry names an unpack remembers for messages. */
#define CI_UNPACK_SEEN_MAX 6

/* What an archive held, for messages and for the tar-in-a-zip rule. */
struct ci_unpack_seen {
	char names[CI_UNPACK_SEEN_MAX][160]; /* the first entries' clean paths */
	size_t n; /* of names */
	size_t entries; /* all entries */
	size_t tars; /* regular files named *.tar, *.tar.gz, *.tgz, *.tar.xz, *.tar.zst */
	char tar[4096]; /* the first of them */
};

/* Unpack the archive in file ARCHIVE into the directory DIR_FD (relative
 * to it, never through a link), charging B.  0, or negative errno with WHY
 * (WHY_LEN bytes) saying which entry and why: -ENOEXEC the file is not a
 * zip or tar, -EFBIG over B, -EPERM an absolute path, a ".." component, a
 * link of any kind but a hard link to an earlier file, a device, fifo or
 * socket, -EEXIST a path twice, -EINVAL a corrupt archive, -EIO a write
 * that failed.  What was written stays on failure: remove the tree. */
int ci_unpack(const char *archive, int dir_fd, struct ci_unpack_budget *b,
    struct ci_unpack_seen *seen, char *why, size_t why_len);

/* PATH made clean into OUT (OUT_LEN bytes): "./" and empty components
 * dropped; 0, or -EPERM when absolute or holding "..", -ENAMETOOLONG, or
 * -EINVAL when nothing is left. */
int ci_path_clean(const char *path, char *out, size_t out_len);

/* Remove PATH and all below it, following no link; 0 when it is gone (or
 * was never there), else negative errno. */
int ci_tree_remove(const char *path);

#endif
