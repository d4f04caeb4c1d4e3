/*
 * fuzz-signature.c -- the checks of webhook signatures and tokens
 * (daemon/ci/signature.c): GitHub's "X-Hub-Signature-256: sha256=HEX"
 * and the generic hook's, GitLab's "X-Gitlab-Token".
 *
 * The input is a key, a header and a body, cut at the first two '\0'.
 * The fuzzed header must verify exactly when it spells the HMAC that
 * ci_hmac_sha256_hex() computes (either case); that HMAC, as GitHub would
 * send it, must always verify, and must not verify the body with one
 * more byte.  A token verifies exactly when it equals the secret.
 */
#include <ctype.h>
#include <strings.h>
#include <errno.h>

#include "ci/signature.h"
#include "fuzz.h"

static void
fuzz_one(const uint8_t *data, size_t len)
{
	size_t klen, hlen, blen;
	const uint8_t *key = fuzz_field(&data, &len, '\0', &klen);
	const uint8_t *hdr = fuzz_field(&data, &len, '\0', &hlen);
	const uint8_t *body = data;
	char hex[CI_HMAC_HEX_LEN + 1], good[8 + CI_HMAC_HEX_LEN];
	char *header = fuzz_strndup(hdr, hlen);
	char *longer;
	bool same;
	int rc;

	blen = len;
	fuzz_check(ci_hmac_sha256_hex(key, klen, body, blen, hex) == 0, "ci_hmac_sha256_hex");
	snprintf(good, sizeof(good), "sha256=%s", hex);
	fuzz_check(ci_signature_check(good, key, klen, body, blen) == 0, "the right HMAC refused");
	longer = fuzz_strndup(body, blen);
	fuzz_check(ci_signature_check(good, key, klen, longer, blen + 1) == -EBADMSG,
	    "an HMAC verified a longer body");
	free(longer);

	rc = ci_signature_check(header, key, klen, body, blen);
	same = strlen(header) == strlen(good) && strncmp(header, "sha256=", 7) == 0 &&
	    strcasecmp(header + 7, hex) == 0;
	fuzz_check((rc == 0) == same, "a header verified that is not the HMAC, or the reverse");
	fuzz_check(rc == 0 || rc == -EBADMSG || rc == -EINVAL, "an unexpected error");

	rc = ci_token_check(header, (const char *)key, klen);
	same = strlen(header) == klen && memcmp(header, key, klen) == 0 && klen > 0;
	fuzz_check((rc == 0) == same, "a token verified that is not the secret, or the reverse");
	free(header);
}
