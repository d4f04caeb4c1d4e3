/*
 * tls.c -- the certificate and key of the TLS listeners: reading the files
 * and checking that they make a pair before a listener is started with them.
 *
 * libmicrohttpd takes the PEM text in memory (MHD_OPTION_HTTPS_MEM_CERT and
 * _KEY) and only says "Failed to initialize TLS support" when GnuTLS
 * refuses it.  So the pair is first loaded here into GnuTLS credentials of
 * our own, as MHD will load it, and GnuTLS's own reason is what the admin
 * sees: at start-up, or in the log when a reload (SIGHUP) keeps the old
 * pair.  The files are read afresh on each reload, so a renewed certificate
 * is taken up without a restart; the key must stay readable by the user
 * pkvmd runs as.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "http/private.h"

/* A certificate chain or key larger than this is not one. */
#define PEM_MAX_BYTES (1024 * 1024)

static void
set_cause(char **cause, const char *fmt, const char *a, const char *b)
{
	if (asprintf(cause, fmt, a, b) < 0)
		*cause = NULL;
}

/* Read PATH whole into a NUL-terminated *OUT of *LEN bytes. */
static int
read_pem(const char *what, const char *path, char **out, size_t *len, char **cause)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > PEM_MAX_BYTES) {
		close(fd);
		set_cause(cause, "%s '%s' is not a PEM file (empty, too big, or not a file)", what,
		    path);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (
	    got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			explicit_bzero(buf, got);
			free(buf);
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	if (asprintf(cause, "cannot read %s '%s': %s", what, path, strerror(-err)) < 0)
		*cause = NULL;
	return err;
}

int
http_tls_load(const char *cert_file, const char *key_file, struct http_tls_pem *pem, char **cause)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key;
	size_t cert_len;
	int r, err;

	*cause = NULL;
	memset(pem, 0, sizeof(*pem));
	if (cert_file == NULL || key_file == NULL) {
		*cause = strdup("a TLS listener needs --tls-cert FILE and --tls-key FILE");
		return -EINVAL;
	}
	if ((err = read_pem("TLS certificate", cert_file, &pem->cert, &cert_len, cause)) < 0)
		return err;
	if ((err = read_pem("TLS key", key_file, &pem->key, &pem->key_len, cause)) < 0)
		goto fail;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		err = -ENOMEM;
		goto fail;
	}
	cert.data = (unsigned char *)pem->cert;
	cert.size = (unsigned)cert_len;
	key.data = (unsigned char *)pem->key;
	key.size = (unsigned)pem->key_len;
	r = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (r < 0) {
		const char *why = gnutls_strerror(r);
		size_t n = strlen(why);

		/* GnuTLS's sentences end in a full stop; ours do not. */
		if (n > 0 && why[n - 1] == '.')
			n--;
		if (asprintf(cause, "TLS certificate '%s' with key '%s': %.*s", cert_file, key_file,
			(int)n, why) < 0)
			*cause = NULL;
		err = -EINVAL;
		goto fail;
	}
	return 0;

fail:
	http_tls_pem_clear(pem);
	return err;
}

void
http_tls_pem_clear(struct http_tls_pem *pem)
{
	if (pem->key != NULL)
		explicit_bzero(pem->key, pem->key_len);
	free(pem->key);
	free(pem->cert);
	memset(pem, 0, sizeof(*pem));
}
