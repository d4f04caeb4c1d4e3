/*
 * fuzz-console.c -- the console parser (daemon/guest/console.c) on
 * arbitrary bytes in arbitrary chunkings.
 *
 * The input is fed twice: whole, and cut into chunks whose sizes come
 * from its first bytes (so the fuzzer explores the cuts too: in the
 * middle of a "@@pkvm:1" marker, a '\r\n', a data line, a crc).  Both
 * feeds must produce the same events, the same serial log and the same
 * line count, since a parser that depends on how qemu's reads happened
 * to split the console would give a job different results on a rerun.
 * Every event's strings are read in full, so a missing NUL or a stale
 * pointer is AddressSanitizer's to find.
 */
#include "fuzz.h"
#include "guest/console.h"

/* What a feed produced: a running hash of its events and its log. */
struct digest {
	uint64_t events;
	uint64_t log;
	uint64_t nevents;
	uint64_t log_len;
};

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	/* FNV-1a: order-sensitive, cheap. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t
mix_str(uint64_t h, const char *s)
{
	return s == NULL ? mix(h, "\1", 1) : mix(h, s, strlen(s) + 1);
}

static void
on_event(void *arg, const struct console_event *ev)
{
	struct digest *d = arg;
	uint64_t h = d->events;
	int64_t nums[] = { ev->kind, (int64_t)ev->lineno, ev->seq, ev->exit_code, ev->duration_ms,
		ev->ntests, ev->timeout_s, ev->killed_timeout, ev->ok, ev->from_test, ev->uptime_ms,
		(int64_t)ev->size, (int64_t)ev->nlines, (int64_t)ev->offset, ev->crash, ev->fatal,
		(int64_t)ev->last_lineno, (int64_t)ev->fatal_lineno, ev->retry };

	h = mix(h, nums, sizeof(nums));
	h = mix_str(h, ev->line);
	h = mix_str(h, ev->test);
	h = mix_str(h, ev->limit);
	h = mix_str(h, ev->path);
	h = mix_str(h, ev->sha256);
	h = mix_str(h, ev->title);
	h = mix_str(h, ev->report);
	h = mix_str(h, ev->version);
	if (ev->data != NULL)
		h = mix(h, ev->data, ev->data_len);
	if (ev->version != NULL)
		fuzz_check(strlen(ev->version) <= CONSOLE_KERNEL_VERSION_MAX, "version too long");
	if (ev->line != NULL)
		fuzz_check(strlen(ev->line) <= CONSOLE_LINE_MAX, "line too long");
	d->events = h;
	d->nevents++;
}

static void
on_output(void *arg, const char *buf, size_t len)
{
	struct digest *d = arg;

	d->log = mix(d->log, buf, len);
	d->log_len += len;
}

/* One parser for every input, reset between feeds: a new one is a
 * 280 KiB allocation whose pages fault in afresh, most of a unit's time. */
static struct console_parser *parser;
static struct digest current;

/* Feed DATA through the reset parser in chunks of the sizes CUTS gives (all
 * at once when NCUTS is 0); the digest in *D. */
static void
feed(const uint8_t *data, size_t len, const uint8_t *cuts, size_t ncuts, struct digest *d,
    uint64_t *lines)
{
	size_t off = 0, i = 0;

	if (parser == NULL) {
		fuzz_check(console_parser_new(&parser, on_event, &current) == 0,
		    "console_parser_new");
		console_parser_set_output(parser, on_output, &current);
	}
	console_parser_reset(parser);
	memset(&current, 0, sizeof(current));
	while (off < len) {
		size_t n = ncuts == 0 ? len - off : (size_t)cuts[i++ % ncuts] + 1;

		if (n > len - off)
			n = len - off;
		console_parser_feed(parser, (const char *)data + off, n);
		off += n;
	}
	console_parser_flush(parser);
	*lines = console_parser_lines(parser);
	*d = current;
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct digest whole, cut;
	uint64_t lines_whole, lines_cut;
	size_t ncuts;

	/* First byte: how many of the following bytes are chunk sizes. */
	if (len == 0)
		return;
	ncuts = data[0] % 16;
	data++;
	len--;
	if (ncuts > len)
		ncuts = len;
	feed(data + ncuts, len - ncuts, NULL, 0, &whole, &lines_whole);
	if (ncuts == 0)
		return;
	feed(data + ncuts, len - ncuts, data, ncuts, &cut, &lines_cut);
	fuzz_check(whole.nevents == cut.nevents, "chunking changed the number of events");
	fuzz_check(whole.events == cut.events, "chunking changed the events");
	fuzz_check(whole.log_len == cut.log_len && whole.log == cut.log,
	    "chunking changed the serial log");
	fuzz_check(lines_whole == lines_cut, "chunking changed the line count");
	fuzz_check(whole.log_len <= len - ncuts, "the serial log is longer than the input");
}
