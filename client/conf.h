/*
 * conf.h -- what pkvmctl remembers between runs: the server `pkvmctl
 * login` checked and the token it was shown, in
 * $XDG_CONFIG_HOME/pkvmd/client.conf (default ~/.config/pkvmd/), and
 * tokens read from files.
 *
 * The file holds a secret, so it is written mode 0600 in a directory of
 * mode 0700, through a temporary file renamed into place: a reader sees
 * the old file or the new one, never half of one, and never a moment when
 * the token is readable by others.  It is lines of "key = value": url,
 * token and cacert; '#' starts a comment.
 */
#ifndef PKVM_CLIENT_CONF_H
#define PKVM_CLIENT_CONF_H

#include <stddef.h>

struct client_conf {
	char *url; /* the server, as given to login */
	char *token; /* its bearer token */
	char *cacert; /* the CA file login verified it with, or NULL */
};

/* The path of client.conf into BUF: 0, or -ENOENT when neither
 * $XDG_CONFIG_HOME nor $HOME is set. */
int conf_path(char *buf, size_t len);
/* pkvmd's folder under the XDG base directory ENV ("XDG_CONFIG_HOME",
 * "XDG_CACHE_HOME"), else under $HOME/FALLBACK, into BUF: 0 or -ENOENT. */
int conf_xdg_dir(const char *env, const char *fallback, char *buf, size_t len);
/* Read client.conf into C (conf_free() it): 0, -ENOENT when there is none
 * (or it cannot be reached), or another negative errno with *CAUSE. */
int conf_load(struct client_conf *c, char **cause);
/* Write C as client.conf, atomically and mode 0600: 0, or negative errno
 * with *CAUSE. */
int conf_save(const struct client_conf *c, char **cause);
/* Free what C owns. */
void conf_free(struct client_conf *c);
/* Read a token, the first line of the file at PATH (stdin when PATH is
 * "-"), without surrounding blanks, into *TOKEN (free() it): 0, or
 * negative errno with *CAUSE. */
int conf_read_token(const char *path, char **token, char **cause);

#endif
