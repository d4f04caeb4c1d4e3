/*
 * junit.c -- write a job's results as JUnit XML.
 *
 * The report is one <testsuites> holding one <testsuite name="pkvmd job
 * ID">.  A testcase is what CI systems count and show, so the leaves of the
 * result tree become testcases: each leaf subtest is one <testcase
 * classname="TEST" name="SUB/SUBSUB">, and a test without subtests is one
 * <testcase classname="TEST" name="TEST">.  A test that failed although
 * none of its leaves did (it crashed after its last subtest, or exited
 * non-zero after an all-ok TAP plan) gets a testcase of its own too, so
 * that no failure is lost by the flattening.  Subtests have no duration
 * of their own (time="0"); the test's duration is on its own testcase and
 * in the suite's time.
 *
 * A test's console part (GET /v1/jobs/ID/console?test=NAME) goes into the
 * <system-out> of each of its failing testcases, or of its first testcase
 * when none failed, so the log is next to the failure in the CI's view
 * without repeating it for every passing subtest.  Only its last
 * JUNIT_CONSOLE_MAX bytes are kept; `pkvmctl logs ID --test NAME` has it
 * all.
 *
 * Console text is whatever the kernel printed: invalid UTF-8, escape
 * sequences and control characters that XML 1.0 cannot carry.  Every
 * string goes through xml_put(), which escapes markup, replaces bad UTF-8
 * with U+FFFD, drops characters XML 1.0 forbids and colour escapes.  The
 * file is written next to FILE and renamed over it, so a CI job never
 * picks up half a report.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junit.h"
#include "output.h"
#include "wire.h"

/* The part of each test's console kept in the report. */
#define JUNIT_CONSOLE_MAX (1024 * 1024)

enum junit_kind { KIND_PASS, KIND_FAIL, KIND_ERROR, KIND_SKIP };

/* One <testcase>. */
struct junit_case {
	json_t *test; /* the test object it belongs to */
	json_t *node; /* the subtest, or the test itself */
	char *name; /* the subtest path joined with '/', or the test's name */
	bool test_level; /* node is the test */
	bool console; /* carries the test's console part */
	enum junit_kind kind;
};

struct junit {
	struct junit_case *v;
	size_t n, cap;
	int counts[4]; /* by enum junit_kind */
	double time;
};

/* The last bytes of a console stream. */
struct tail {
	char *data;
	size_t len;
	unsigned long long dropped;
};

static enum junit_kind
kind_of(const char *verdict)
{
	if (verdict == NULL)
		return KIND_ERROR;
	/* Flaky passed in the end, on a rerun (--retry-failed). */
	if (strcmp(verdict, "pass") == 0 || strcmp(verdict, "flaky") == 0)
		return KIND_PASS;
	if (strcmp(verdict, "fail") == 0)
		return KIND_FAIL;
	if (strcmp(verdict, "skip") == 0 || strcmp(verdict, "not-run") == 0)
		return KIND_SKIP;
	return KIND_ERROR; /* error, timeout, running, or one we do not know */
}

/* Why a case failed when its node has no message of its own. */
static const char *
default_message(const char *verdict)
{
	if (verdict == NULL)
		return "no verdict";
	if (strcmp(verdict, "fail") == 0)
		return "failed";
	if (strcmp(verdict, "error") == 0)
		return "did not finish (crash or lost result)";
	if (strcmp(verdict, "timeout") == 0)
		return "killed at its timeout";
	if (strcmp(verdict, "not-run") == 0)
		return "not run: the job ended before its turn";
	if (strcmp(verdict, "running") == 0)
		return "still running";
	return verdict;
}

static int
junit_add(struct junit *j, json_t *test, json_t *node, char *name, bool test_level)
{
	struct junit_case *c;

	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		struct junit_case *p = realloc(j->v, cap * sizeof(*p));

		if (p == NULL) {
			free(name);
			return -ENOMEM;
		}
		j->v = p;
		j->cap = cap;
	}
	c = &j->v[j->n++];
	c->test = test;
	c->node = node;
	c->name = name;
	c->test_level = test_level;
	c->console = false;
	c->kind = kind_of(job_str(node, "verdict"));
	j->counts[c->kind]++;
	return 0;
}

/* Add a case for every leaf under the subtests SUBS, named PREFIX/NAME. */
static int
junit_add_leaves(struct junit *j, json_t *test, json_t *subs, const char *prefix)
{
	json_t *sub, *children;
	size_t i;
	int err;

	json_array_foreach(subs, i, sub)
	{
		const char *name = job_str(sub, "name");
		char *path;

		if (asprintf(&path, "%s%s%s", prefix, prefix[0] ? "/" : "",
			name != NULL ? name : "?") < 0)
			return -ENOMEM;
		children = json_object_get(sub, "subtests");
		if (json_array_size(children) > 0) {
			err = junit_add_leaves(j, test, children, path);
			free(path);
		} else {
			err = junit_add(j, test, sub, path, false);
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* Turn TESTS into the list of cases of J. */
static int
junit_collect(struct junit *j, json_t *tests)
{
	json_t *test, *d;
	size_t i, k;
	int err;

	json_array_foreach(tests, i, test)
	{
		const char *name = job_str(test, "name");
		enum junit_kind kind = kind_of(job_str(test, "verdict"));
		size_t first = j->n;
		bool failing = false;
		char *copy;

		d = json_object_get(test, "duration");
		if (json_is_number(d))
			j->time += json_number_value(d);
		err = junit_add_leaves(j, test, json_object_get(test, "subtests"), "");
		if (err < 0)
			return err;
		for (k = first; k < j->n; k++)
			failing |= j->v[k].kind == KIND_FAIL || j->v[k].kind == KIND_ERROR;
		if (j->n == first || ((kind == KIND_FAIL || kind == KIND_ERROR) && !failing)) {
			copy = strdup(name != NULL ? name : "?");
			if (copy == NULL || junit_add(j, test, test, copy, true) < 0)
				return -ENOMEM;
			failing |= kind == KIND_FAIL || kind == KIND_ERROR;
		}
		for (k = first; k < j->n; k++)
			j->v[k].console = !failing
			    ? k == first
			    : j->v[k].kind == KIND_FAIL || j->v[k].kind == KIND_ERROR;
	}
	return 0;
}

/* Decode one UTF-8 character from S (LEN bytes left) into *CP; the number
 * of bytes it takes, or 0 when S does not start with a valid one (then one
 * byte should be replaced). */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n;
	unsigned c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, c = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* True when XML 1.0 allows character CP. */
static bool
xml_char_ok(unsigned cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Write the LEN bytes at S to F as XML character data, or as an attribute
 * value (quoted with '"') when ATTR. */
static void
xml_put(FILE *f, const char *str, size_t len, bool attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		/* Colour and cursor escapes (ESC [ ... final byte) mean nothing
		 * in a CI page and XML cannot carry the ESC anyway. */
		if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			i += 2;
			while (i < len && !(s[i] >= 0x40 && s[i] <= 0x7e))
				i++;
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs(attr ? "&quot;" : "\"", f);
			break;
		case '\t':
			fputs(attr ? "&#9;" : "\t", f);
			break;
		case '\n':
			fputs(attr ? "&#10;" : "\n", f);
			break;
		case '\r':
			/* The serial console ends lines with "\r\n". */
			if (!attr && i + 1 < len && s[i + 1] == '\n')
				break;
			fputs("&#13;", f);
			break;
		default:
			if (xml_char_ok(cp))
				fwrite(s + i, 1, n, f);
			break;
		}
		i += n;
	}
}

static void
xml_puts(FILE *f, const char *s, bool attr)
{
	xml_put(f, s, strlen(s), attr);
}

static int
on_console(void *arg, const char *buf, size_t len)
{
	struct tail *t = arg;

	if (t->data == NULL && (t->data = malloc(2 * JUNIT_CONSOLE_MAX)) == NULL)
		return -ENOMEM;
	while (len > 0) {
		size_t n = len < 2 * JUNIT_CONSOLE_MAX - t->len ? len
								: 2 * JUNIT_CONSOLE_MAX - t->len;

		memcpy(t->data + t->len, buf, n);
		t->len += n;
		buf += n;
		len -= n;
		if (t->len == 2 * JUNIT_CONSOLE_MAX) {
			memmove(t->data, t->data + JUNIT_CONSOLE_MAX, JUNIT_CONSOLE_MAX);
			t->len = JUNIT_CONSOLE_MAX;
			t->dropped += JUNIT_CONSOLE_MAX;
		}
	}
	return 0;
}

/* Fetch the console part of TEST into T; a test without one (404) leaves T
 * empty.  0, or negative errno after printing a warning. */
static int
junit_console(struct api *api, int64_t id, const char *test, struct tail *t)
{
	char *name = api_escape(test), *path = NULL;
	int err;

	memset(t, 0, sizeof(*t));
	if (name == NULL ||
	    asprintf(&path, PKVM_API_PREFIX "/jobs/%lld/console?test=%s", (long long)id, name) <
		0) {
		free(name);
		return -ENOMEM;
	}
	err = api_stream(api, path, on_console, t);
	free(name);
	free(path);
	if (err < 0) {
		free(t->data);
		memset(t, 0, sizeof(*t));
		if (err == -EREMOTEIO && api->status == 404)
			return 0;
		fprintf(stderr, "pkvmctl: warning: junit report without the console of '%s': %s\n",
		    test, api->message != NULL ? api->message : strerror(-err));
	}
	return err;
}

/* Is case C a pass that failed first and passed on a rerun? */
static bool
junit_flaky(const struct junit_case *c)
{
	const char *verdict = job_str(c->node, "verdict");

	return verdict != NULL && strcmp(verdict, "flaky") == 0;
}

/* The reruns of a failing test case C, as Maven Surefire writes them
 * (the form CI systems read): one <rerunFailure> each. */
static void
junit_put_reruns(FILE *f, const struct junit_case *c)
{
	json_t *r;
	size_t i;

	if (!c->test_level)
		return;
	json_array_foreach(json_object_get(c->test, "reruns"), i, r)
	{
		const char *verdict = job_str(r, "verdict");
		const char *message = job_str(r, "message");
		long long k = 0;

		if (verdict == NULL || strcmp(verdict, "pass") == 0)
			continue;
		job_int(r, "retry", &k);
		fprintf(f, "      <rerunFailure message=\"rerun %lld: ", k);
		xml_puts(f, message != NULL ? message : default_message(verdict), true);
		fputs("\" type=\"", f);
		xml_puts(f, verdict, true);
		fputs("\"/>\n", f);
	}
}

/* Write the failure, error or skipped element of case C (for a flaky
 * one, Surefire's <flakyFailure>: it passed, after failing). */
static void
junit_put_outcome(FILE *f, const struct junit_case *c)
{
	static const char *const elem[] = { NULL, "failure", "error", "skipped" };
	const char *verdict = job_str(c->node, "verdict");
	const char *message = job_str(c->node, "message");
	json_t *lines = json_object_get(c->node, "lines");
	long long n;

	if (c->kind == KIND_PASS && junit_flaky(c)) {
		fputs("      <flakyFailure message=\"", f);
		xml_puts(f, message != NULL ? message : "failed, then passed on a rerun", true);
		fputs("\" type=\"flaky\"/>\n", f);
		return;
	}
	if (c->kind == KIND_PASS)
		return;
	if (c->kind == KIND_SKIP) {
		fputs("      <skipped", f);
		if (message != NULL) {
			fputs(" message=\"", f);
			xml_puts(f, message, true);
			fputs("\"", f);
		}
		fputs("/>\n", f);
		return;
	}
	if (message == NULL)
		message = default_message(verdict);
	fprintf(f, "      <%s message=\"", elem[c->kind]);
	xml_puts(f, message, true);
	fputs("\" type=\"", f);
	xml_puts(f, verdict != NULL ? verdict : "unknown", true);
	fputs("\">", f);
	xml_puts(f, message, false);
	if (c->test_level && job_int(c->node, "exit_code", &n) &&
	    strstr(message, "exit code") == NULL)
		fprintf(f, "\nexit code %lld", n);
	if (json_array_size(lines) == 2 && json_is_integer(json_array_get(lines, 0)))
		fprintf(f, "\nconsole lines %lld-%lld",
		    (long long)json_integer_value(json_array_get(lines, 0)),
		    (long long)json_integer_value(json_array_get(lines, 1)));
	else if (job_int(c->node, "line", &n))
		fprintf(f, "\nconsole line %lld", n);
	fprintf(f, "</%s>\n", elem[c->kind]);
	junit_put_reruns(f, c);
}

/* Write the document for job ID to F. */
static void
junit_put(FILE *f, struct api *api, int64_t id, struct junit *j)
{
	struct tail t = { 0 };
	json_t *console_of = NULL;

	fprintf(f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites>\n"
	    "  <testsuite name=\"pkvmd job %lld\" tests=\"%zu\" failures=\"%d\" "
	    "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
	    (long long)id, j->n, j->counts[KIND_FAIL], j->counts[KIND_ERROR], j->counts[KIND_SKIP],
	    j->time);
	for (size_t i = 0; i < j->n; i++) {
		struct junit_case *c = &j->v[i];
		const char *test = job_str(c->test, "name");
		json_t *d = json_object_get(c->node, "duration");

		bool out;

		/* The cases of one test are adjacent: fetch its console once. */
		if (c->console && test != NULL && console_of != c->test) {
			free(t.data);
			junit_console(api, id, test, &t);
			console_of = c->test;
		}
		out = c->console && test != NULL && (t.len > 0 || t.dropped > 0);
		fputs("    <testcase classname=\"", f);
		xml_puts(f, test != NULL ? test : "?", true);
		fputs("\" name=\"", f);
		xml_puts(f, c->name, true);
		fprintf(f, "\" time=\"%.3f\"",
		    c->test_level && json_is_number(d) ? json_number_value(d) : 0.0);
		if (c->kind == KIND_PASS && !out && !junit_flaky(c)) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n", f);
		junit_put_outcome(f, c);
		if (out) {
			fputs("      <system-out>", f);
			if (t.dropped > 0)
				fprintf(f,
				    "[%llu bytes left out; see pkvmctl logs %lld --test %s]\n",
				    t.dropped, (long long)id, test);
			xml_put(f, t.data, t.len, false);
			fputs("</system-out>\n", f);
		}
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	free(t.data);
}

int
junit_write(struct api *api, int64_t id, json_t *tests, const char *file)
{
	struct junit j = { 0 };
	char *tmp = NULL;
	FILE *f = NULL;
	mode_t mask;
	int fd = -1, rc = PKVM_EXIT_INFRA;

	if (junit_collect(&j, tests) < 0 || asprintf(&tmp, "%s.XXXXXX", file) < 0) {
		tmp = NULL;
		fprintf(stderr, "pkvmctl: out of memory\n");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "pkvmctl: cannot create '%s': %s\n", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp() makes it 0600; a report is as readable as any new file. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (f == NULL) {
		fprintf(stderr, "pkvmctl: cannot write '%s': %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	junit_put(f, api, id, &j);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		fprintf(stderr, "pkvmctl: cannot write '%s': %s\n", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "pkvmctl: cannot write '%s': %s\n", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, file) < 0) {
		fprintf(stderr, "pkvmctl: cannot rename '%s' to '%s': %s\n", tmp, file,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	for (size_t i = 0; i < j.n; i++)
		free(j.v[i].name);
	free(j.v);
	return rc;
}

int
junit_write_job(struct api *api, int64_t id, const char *file)
{
	json_t *reply = NULL, *tests;
	char path[96];
	int err, rc;

	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/results", (long long)id);
	err = api_get_member(api, path, "tests", JSON_ARRAY, &reply, &tests);
	if (err < 0)
		return api_fail(api, err);
	rc = junit_write(api, id, tests, file);
	json_decref(reply);
	return rc;
}
