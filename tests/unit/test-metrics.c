/*
 * test-metrics.c -- the metric registry and its text exposition
 * (base/prom.h), and pkvmd's metrics on top of it (base/metrics.h).
 *
 * The renderer is checked against whole expected texts: the format is
 * what a Prometheus server parses, so a byte out of place is a bug.  The
 * integration test health-metrics.sh feeds a real scrape to promtool.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"
#include "base/prom.h"
#include "unit.h"

/* REG rendered, malloc'd. */
static char *
render(struct prom_registry *reg)
{
	char *text = NULL;
	size_t len = 0;

	CHECK_INT(prom_render(reg, &text, &len), 0);
	CHECK_INT(len, text != NULL ? strlen(text) : 0);
	return text;
}

static void
test_counter_and_gauge_render(void)
{
	struct prom_registry *reg;
	struct prom_family *c, *g;
	const struct prom_def cdef = { .name = "x_requests_total",
		.help = "Requests.",
		.type = PROM_COUNTER,
		.labels = { "route", "status" } };
	const struct prom_def gdef = { .name = "x_free_bytes",
		.help = "Free.",
		.type = PROM_GAUGE };
	char *text;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &cdef, &c), 0);
	CHECK_INT(prom_family_add(reg, &gdef, &g), 0);
	CHECK_INT(prom_add(c, (const char *[]){ "/v1/jobs", "200" }, 1), 0);
	CHECK_INT(prom_add(c, (const char *[]){ "/v1/jobs/{id}", "404" }, 2), 0);
	CHECK_INT(prom_add(c, (const char *[]){ "/v1/jobs", "200" }, 3), 0);
	CHECK_INT(prom_set(g, NULL, 1073741824), 0);
	CHECK_INT(prom_set(g, NULL, 0.5), 0);
	text = render(reg);
	CHECK_STR(text,
	    "# HELP x_requests_total Requests.\n"
	    "# TYPE x_requests_total counter\n"
	    "x_requests_total{route=\"/v1/jobs\",status=\"200\"} 4\n"
	    "x_requests_total{route=\"/v1/jobs/{id}\",status=\"404\"} 2\n"
	    "# HELP x_free_bytes Free.\n"
	    "# TYPE x_free_bytes gauge\n"
	    "x_free_bytes 0.5\n");
	CHECK_INT(prom_value(c, (const char *[]){ "/v1/jobs", "200" }), 4);
	CHECK_INT(prom_value(c, (const char *[]){ "/nothing", "200" }), 0);
	free(text);
	prom_registry_free(reg);
}

static void
test_label_values_and_help_are_escaped(void)
{
	struct prom_registry *reg;
	struct prom_family *g;
	const struct prom_def def = { .name = "x_queued_jobs",
		.help = "A back\\slash\nand a \"quote\".",
		.type = PROM_GAUGE,
		.labels = { "owner" } };
	char *text;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &def, &g), 0);
	CHECK_INT(prom_set(g, (const char *[]){ "a\"b\\c\nd" }, 3), 0);
	CHECK_INT(prom_set(g, (const char *[]){ "" }, 1), 0);
	text = render(reg);
	/* HELP escapes the backslash and the newline but not the quote;
	 * label values escape all three. */
	CHECK_STR(text,
	    "# HELP x_queued_jobs A back\\\\slash\\nand a \"quote\".\n"
	    "# TYPE x_queued_jobs gauge\n"
	    "x_queued_jobs{owner=\"a\\\"b\\\\c\\nd\"} 3\n"
	    "x_queued_jobs{owner=\"\"} 1\n");
	free(text);
	prom_registry_free(reg);
}

static void
test_histogram_buckets_are_cumulative_with_inf_sum_and_count(void)
{
	struct prom_registry *reg;
	struct prom_family *h;
	const struct prom_def def = { .name = "x_duration_seconds",
		.help = "Durations.",
		.type = PROM_HISTOGRAM,
		.labels = { "result" },
		.buckets = { 0.1, 1, 10 },
		.nbuckets = 3 };
	const char *passed[] = { "passed" };
	char *text;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &def, &h), 0);
	/* A value on a bound is in that bucket (le: less or equal). */
	CHECK_INT(prom_observe(h, passed, 0.1), 0);
	CHECK_INT(prom_observe(h, passed, 0.5), 0);
	CHECK_INT(prom_observe(h, passed, 1), 0);
	/* Past the last bound: only +Inf and the count have it. */
	CHECK_INT(prom_observe(h, passed, 20), 0);
	CHECK_INT(prom_observe(h, passed, -1), 0);
	text = render(reg);
	CHECK_STR(text,
	    "# HELP x_duration_seconds Durations.\n"
	    "# TYPE x_duration_seconds histogram\n"
	    "x_duration_seconds_bucket{result=\"passed\",le=\"0.1\"} 2\n"
	    "x_duration_seconds_bucket{result=\"passed\",le=\"1\"} 4\n"
	    "x_duration_seconds_bucket{result=\"passed\",le=\"10\"} 4\n"
	    "x_duration_seconds_bucket{result=\"passed\",le=\"+Inf\"} 5\n"
	    "x_duration_seconds_sum{result=\"passed\"} 20.6\n"
	    "x_duration_seconds_count{result=\"passed\"} 5\n");
	CHECK_INT(prom_value(h, passed), 5);
	CHECK_INT(prom_observe(h, passed, NAN), -EINVAL);
	free(text);
	prom_registry_free(reg);
}

static void
test_histogram_without_labels(void)
{
	struct prom_registry *reg;
	struct prom_family *h;
	const struct prom_def def = { .name = "x_boot_seconds",
		.help = "Boots.",
		.type = PROM_HISTOGRAM,
		.buckets = { 0.25, 2.5 },
		.nbuckets = 2 };
	char *text;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &def, &h), 0);
	text = render(reg);
	/* No observation yet: the family is declared, with no samples. */
	CHECK_STR(text, "# HELP x_boot_seconds Boots.\n# TYPE x_boot_seconds histogram\n");
	free(text);
	CHECK_INT(prom_observe(h, NULL, 2), 0);
	text = render(reg);
	CHECK_STR(text,
	    "# HELP x_boot_seconds Boots.\n"
	    "# TYPE x_boot_seconds histogram\n"
	    "x_boot_seconds_bucket{le=\"0.25\"} 0\n"
	    "x_boot_seconds_bucket{le=\"2.5\"} 1\n"
	    "x_boot_seconds_bucket{le=\"+Inf\"} 1\n"
	    "x_boot_seconds_sum 2\n"
	    "x_boot_seconds_count 1\n");
	free(text);
	prom_registry_free(reg);
}

static void
test_numbers_are_written_as_prometheus_reads_them(void)
{
	struct prom_registry *reg;
	struct prom_family *g;
	const struct prom_def def = { .name = "x_value",
		.help = "V.",
		.type = PROM_GAUGE,
		.labels = { "k" } };
	char *text;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &def, &g), 0);
	prom_set(g, (const char *[]){ "a" }, 0.1);
	prom_set(g, (const char *[]){ "b" }, 1e21);
	prom_set(g, (const char *[]){ "c" }, INFINITY);
	prom_set(g, (const char *[]){ "d" }, -INFINITY);
	prom_set(g, (const char *[]){ "e" }, NAN);
	prom_set(g, (const char *[]){ "f" }, 9007199254740992.0);
	text = render(reg);
	CHECK_STR(text,
	    "# HELP x_value V.\n"
	    "# TYPE x_value gauge\n"
	    "x_value{k=\"a\"} 0.1\n"
	    "x_value{k=\"b\"} 1e+21\n"
	    "x_value{k=\"c\"} +Inf\n"
	    "x_value{k=\"d\"} -Inf\n"
	    "x_value{k=\"e\"} NaN\n"
	    "x_value{k=\"f\"} 9007199254740992\n");
	free(text);
	prom_registry_free(reg);
}

static void
test_bad_declarations_are_refused(void)
{
	struct prom_registry *reg;
	struct prom_family *f;
	const struct prom_def ok = { .name = "x_ok_total", .help = "", .type = PROM_COUNTER };
	const struct prom_def bad[] = {
		{ .name = "9lives", .help = "", .type = PROM_GAUGE },
		{ .name = "x-dash", .help = "", .type = PROM_GAUGE },
		{ .name = "", .help = "", .type = PROM_GAUGE },
		{ .name = "x_ok_total", .help = "taken", .type = PROM_COUNTER },
		{ .name = "x_l", .help = "", .type = PROM_GAUGE, .labels = { "a:b" } },
		{ .name = "x_l", .help = "", .type = PROM_GAUGE, .labels = { "__x" } },
		{ .name = "x_l", .help = "", .type = PROM_GAUGE, .labels = { "a", "a" } },
		{ .name = "x_h",
		    .help = "",
		    .type = PROM_HISTOGRAM,
		    .labels = { "le" },
		    .buckets = { 1 },
		    .nbuckets = 1 },
		{ .name = "x_h", .help = "", .type = PROM_HISTOGRAM },
		{ .name = "x_h",
		    .help = "",
		    .type = PROM_HISTOGRAM,
		    .buckets = { 2, 1 },
		    .nbuckets = 2 },
		{ .name = "x_h",
		    .help = "",
		    .type = PROM_HISTOGRAM,
		    .buckets = { 1, INFINITY },
		    .nbuckets = 2 },
		{ .name = "x_g", .help = "", .type = PROM_GAUGE, .buckets = { 1 }, .nbuckets = 1 },
	};

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &ok, &f), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct prom_family *b = (void *)1;

		if (prom_family_add(reg, &bad[i], &b) != -EINVAL || b != NULL)
			printf("#   declaration %zu (%s) was not refused\n", i, bad[i].name);
		CHECK(b == NULL);
	}
	prom_registry_free(reg);
}

static void
test_updates_that_break_the_type_are_refused(void)
{
	struct prom_registry *reg;
	struct prom_family *c, *g;
	const struct prom_def cdef = { .name = "x_total",
		.help = "",
		.type = PROM_COUNTER,
		.labels = { "a" } };
	const struct prom_def gdef = { .name = "x_g", .help = "", .type = PROM_GAUGE };

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &cdef, &c), 0);
	CHECK_INT(prom_family_add(reg, &gdef, &g), 0);
	/* A counter never goes down, and is never set. */
	CHECK_INT(prom_add(c, (const char *[]){ "x" }, -1), -EINVAL);
	CHECK_INT(prom_add(c, (const char *[]){ "x" }, NAN), -EINVAL);
	CHECK_INT(prom_set(c, (const char *[]){ "x" }, 5), -EINVAL);
	CHECK_INT(prom_observe(c, (const char *[]){ "x" }, 5), -EINVAL);
	/* Every label needs a value. */
	CHECK_INT(prom_add(c, NULL, 1), -EINVAL);
	CHECK_INT(prom_add(c, (const char *[]){ NULL }, 1), -EINVAL);
	CHECK_INT(prom_add(g, NULL, -2), 0);
	CHECK_INT(prom_value(g, NULL), -2);
	prom_registry_free(reg);
}

static void
test_series_are_bounded(void)
{
	struct prom_registry *reg;
	struct prom_family *g;
	const struct prom_def def = { .name = "x_g",
		.help = "",
		.type = PROM_GAUGE,
		.labels = { "k" } };
	char k[32];
	int err = 0;

	CHECK_INT(prom_registry_new(&reg), 0);
	CHECK_INT(prom_family_add(reg, &def, &g), 0);
	for (int i = 0; i < PROM_SERIES_MAX && err == 0; i++) {
		snprintf(k, sizeof(k), "%d", i);
		err = prom_set(g, (const char *[]){ k }, i);
	}
	CHECK_INT(err, 0);
	CHECK_INT(prom_set(g, (const char *[]){ "one more" }, 1), -ENOSPC);
	/* An existing series can still move. */
	CHECK_INT(prom_set(g, (const char *[]){ "7" }, 70), 0);
	CHECK_INT(prom_value(g, (const char *[]){ "7" }), 70);
	/* Cleared, the family takes new series again. */
	prom_family_clear(g);
	CHECK_INT(prom_value(g, (const char *[]){ "7" }), 0);
	CHECK_INT(prom_set(g, (const char *[]){ "one more" }, 1), 0);
	prom_registry_free(reg);
}

static void
test_pkvmd_metrics(void)
{
	struct metrics_owner_jobs queued[] = { { "alice", 2 }, { "b\"ob", 1 } };
	struct metrics_now now = { .has_jobs = true,
		.jobs = { 3, 1, 40 },
		.queued = queued,
		.nqueued = 2,
		.slots_total = 8,
		.slots_used = 2 };
	char *text;
	size_t len;

	/* Before metrics_init() every call is harmless. */
	metrics_console_bytes_add(5);
	CHECK_INT(metrics_render(&now, &text, &len), -ENODEV);

	CHECK_INT(metrics_init("1.2.3", 1500), 0);
	metrics_jobs_finished(RESULT_PASSED, 1);
	metrics_jobs_finished(RESULT_PASSED, 2);
	metrics_jobs_finished(RESULT_NONE, 1);
	metrics_job_ran(RESULT_FAILED, 12.5);
	metrics_boot_observe(0.75);
	metrics_console_bytes_add(1000);
	metrics_console_bytes_add(24);
	metrics_http_request("GET", "/v1/jobs/{id}", 200, 0.003);
	metrics_http_request("BREW", NULL, 404, 0.001);
	metrics_coverage_capture("none");
	metrics_prune_add(2, 4096, 1);
	CHECK_INT(metrics_render(&now, &text, &len), 0);
	CHECK(strstr(text, "\npkvmd_build_info{version=\"1.2.3\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_start_time_seconds 1.5\n") != NULL);
	CHECK(strstr(text, "\npkvmd_jobs{state=\"queued\"} 3\n") != NULL);
	CHECK(strstr(text, "\npkvmd_jobs{state=\"done\"} 40\n") != NULL);
	CHECK(strstr(text, "\npkvmd_jobs_finished_total{result=\"passed\"} 3\n") != NULL);
	/* Every result is there from the start, at 0. */
	CHECK(strstr(text, "\npkvmd_jobs_finished_total{result=\"interrupted\"} 0\n") != NULL);
	CHECK(strstr(text, "\npkvmd_queued_jobs{owner=\"alice\"} 2\n") != NULL);
	CHECK(strstr(text, "\npkvmd_queued_jobs{owner=\"b\\\"ob\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_slots 8\n") != NULL);
	CHECK(strstr(text, "\npkvmd_slots_used 2\n") != NULL);
	CHECK(strstr(text,
		  "\npkvmd_job_duration_seconds_bucket{result=\"failed\",le=\"10\"} 0\n"
		  "pkvmd_job_duration_seconds_bucket{result=\"failed\",le=\"20\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_boot_duration_seconds_bucket{le=\"1\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_console_bytes_total 1024\n") != NULL);
	CHECK(strstr(text,
		  "\npkvmd_http_requests_total{method=\"GET\",route=\"/v1/jobs/{id}\","
		  "status=\"200\"} 1\n") != NULL);
	/* A method no route has, on no route: bounded labels. */
	CHECK(strstr(text,
		  "\npkvmd_http_requests_total{method=\"other\",route=\"none\",status=\"404\"} "
		  "1\n") != NULL);
	CHECK(strstr(text,
		  "\npkvmd_http_request_duration_seconds_count{method=\"GET\","
		  "route=\"/v1/jobs/{id}\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_coverage_captures_total{outcome=\"none\"} 1\n") != NULL);
	CHECK(strstr(text, "\npkvmd_prune_bytes_total 4096\n") != NULL);
	/* Readings that failed are left out, not reported as 0. */
	CHECK(strstr(text, "\npkvmd_state_free_bytes ") == NULL);
	CHECK(strstr(text, "\npkvmd_blob_store_bytes ") == NULL);
	free(text);

	/* The queue is read afresh at each scrape: alice's jobs started. */
	now.nqueued = 0;
	now.has_free = true;
	now.free_bytes = 5;
	CHECK_INT(metrics_render(&now, &text, &len), 0);
	CHECK(strstr(text, "pkvmd_queued_jobs{") == NULL);
	CHECK(strstr(text, "\npkvmd_state_free_bytes 5\n") != NULL);
	CHECK(strstr(text, "\npkvmd_console_bytes_total 1024\n") != NULL);
	free(text);
	metrics_free();
	metrics_console_bytes_add(5);
}

int
main(void)
{
	RUN(test_counter_and_gauge_render);
	RUN(test_label_values_and_help_are_escaped);
	RUN(test_histogram_buckets_are_cumulative_with_inf_sum_and_count);
	RUN(test_histogram_without_labels);
	RUN(test_numbers_are_written_as_prometheus_reads_them);
	RUN(test_bad_declarations_are_refused);
	RUN(test_updates_that_break_the_type_are_refused);
	RUN(test_series_are_bounded);
	RUN(test_pkvmd_metrics);
	return UNIT_DONE();
}
