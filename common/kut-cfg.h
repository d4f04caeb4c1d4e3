/*
 * kut-cfg.h -- kvm-unit-tests' unittests.cfg, read as its runner reads it.
 *
 * kvm-unit-tests lists its tests in an INI-like file (scripts/common.bash,
 * for_each_unittest): a "[name]" line starts an entry, and "key = value"
 * lines set its file, smp, test_args, extra_params (also spelled
 * qemu_params, and written over several lines between triple quotes),
 * groups, arch, machine, accel, timeout, check and disabled_if.  Lines
 * that match none of those -- comments, blank lines, keys for other VMMs
 * such as kvmtool_params -- are ignored, as the runner ignores them.
 *
 * Values are kept as written (the runner passes them to a shell);
 * kut_cfg_words() splits one into words the way that shell would for the
 * quoting these files use ('...', "...", backslash).
 */
#ifndef PKVM_KUT_CFG_H
#define PKVM_KUT_CFG_H

#include <stddef.h>

struct kut_cfg_entry {
	char *name;
	char *file; /* relative to the cfg's directory; NULL when missing */
	char *smp; /* a number or "$MAX_SMP"; NULL: 1 */
	char *test_args; /* NULL when none */
	char *params; /* extra_params / qemu_params, NULL when none */
	char *groups; /* space-separated, NULL when none */
	char *arch, *machine, *accel, *timeout, *check, *disabled_if; /* NULL when none */
	int line; /* of its "[name]" */
};

struct kut_cfg {
	struct kut_cfg_entry *v;
	size_t n;
};

/* Parse the unittests.cfg TEXT into *OUT (free with kut_cfg_free): 0,
 * -ENOMEM, or -EINVAL with *WHY (malloc'd) naming the line, e.g. an
 * unterminated triple-quoted value or a key outside any entry. */
int kut_cfg_parse(const char *text, struct kut_cfg *out, char **why);
/* Free what kut_cfg_parse() put in C. */
void kut_cfg_free(struct kut_cfg *c);
/* Split S into words as a shell would ('...', "...", \x); *WORDS is a
 * NULL-terminated malloc'd array of malloc'd words, *N their count: 0,
 * -ENOMEM, or -EINVAL for an unterminated quote or a `$(...)`/backtick
 * expansion, which only a shell could evaluate. */
int kut_cfg_words(const char *s, char ***words, size_t *n);
/* Free what kut_cfg_words() made. */
void kut_cfg_words_free(char **words);
/* Parse a kvm-unit-tests timeout ("90", "90s", "10m", "1h", "1d", as
 * timeout(1) takes it) into whole seconds (rounded up): 0, or -EINVAL. */
int kut_cfg_timeout_s(const char *s, long long *out);

#endif
