/*
 * metrictext: the OpenMetrics 1.0 and Prometheus 0.0.4 text writers —
 * whole expositions compared byte for byte (metadata lines and sample
 * names per format), label value and HELP escaping (backslash, quote,
 * newline, bytes that are not UTF-8, control characters), histogram
 * buckets (cumulative, canonical "le" values as the OpenMetrics spec
 * lists them), a unit that does not end the name, a full buffer, and
 * Accept header negotiation.
 */
#include <stdlib.h>
#include <string.h>

#include "metrictext.h"
#include "unit.h"

/* The exposition w wrote into b, NUL-terminated. */
static const char *
text(struct buf *b)
{
	if (buf_cstr(b) == -1)
		return "(buf_cstr failed)";
	return b->data;
}

static void
counter_and_gauge(void)
{
	struct mt_writer w;
	struct buf b;

	buf_init(&b, 0);
	mt_begin(&w, &b, MT_OPENMETRICS, 1700000000);
	mt_family(&w, "x_sent_bytes", MT_COUNTER, "bytes", "Bytes sent.");
	mt_sample(&w, "x_sent_bytes", MT_COUNTER, NULL, NULL, 42);
	mt_family(&w, "x_stanzas", MT_COUNTER, NULL, "Stanzas, by kind.");
	mt_sample(&w, "x_stanzas", MT_COUNTER, "kind", "iq", 3);
	mt_family(&w, "x_rooms", MT_GAUGE, NULL, "Rooms.");
	mt_sample(&w, "x_rooms", MT_GAUGE, NULL, NULL, 7);
	CHECK_INT(mt_end(&w), 0);
	CHECK_STR(text(&b),
	    "# TYPE x_sent_bytes counter\n"
	    "# UNIT x_sent_bytes bytes\n"
	    "# HELP x_sent_bytes Bytes sent.\n"
	    "x_sent_bytes_total 42\n"
	    "x_sent_bytes_created 1700000000\n"
	    "# TYPE x_stanzas counter\n"
	    "# HELP x_stanzas Stanzas, by kind.\n"
	    "x_stanzas_total{kind=\"iq\"} 3\n"
	    "x_stanzas_created{kind=\"iq\"} 1700000000\n"
	    "# TYPE x_rooms gauge\n"
	    "# HELP x_rooms Rooms.\n"
	    "x_rooms 7\n"
	    "# EOF\n");
	buf_free(&b);

	/* The same in the Prometheus format: metadata names the samples,
	 * no UNIT, no _created, no EOF. */
	buf_init(&b, 0);
	mt_begin(&w, &b, MT_PROMETHEUS, 1700000000);
	mt_family(&w, "x_sent_bytes", MT_COUNTER, "bytes", "Bytes sent.");
	mt_sample(&w, "x_sent_bytes", MT_COUNTER, NULL, NULL, 42);
	mt_family(&w, "x_rooms", MT_GAUGE, NULL, "Rooms.");
	mt_sample(&w, "x_rooms", MT_GAUGE, NULL, NULL, 7);
	CHECK_INT(mt_end(&w), 0);
	CHECK_STR(text(&b),
	    "# HELP x_sent_bytes_total Bytes sent.\n"
	    "# TYPE x_sent_bytes_total counter\n"
	    "x_sent_bytes_total 42\n"
	    "# HELP x_rooms Rooms.\n"
	    "# TYPE x_rooms gauge\n"
	    "x_rooms 7\n");
	buf_free(&b);
}

/*
 * The exposition of one family, with one sample labelled label="value"
 * unless value is NULL, in format f; mt_end's result in *rc. Freed by
 * CHECK_TEXT.
 */
static char *
family1(enum mt_format f, const char *name, enum mt_type t,
    const char *unit, const char *help, const char *label,
    const char *value, int *rc)
{
	struct mt_writer w;
	struct buf b;
	char *out;

	buf_init(&b, 0);
	mt_begin(&w, &b, f, 0);
	mt_family(&w, name, t, unit, help);
	if (value != NULL)
		mt_sample(&w, name, t, label, value, 1);
	*rc = mt_end(&w);
	out = strdup(text(&b));
	buf_free(&b);
	return out;
}

#define CHECK_TEXT(got, want) do { \
	char *t_ = (got); \
	CHECK_STR(t_, want); \
	free(t_); \
} while (0)

static void
info(void)
{
	int rc;

	CHECK_TEXT(family1(MT_OPENMETRICS, "x_error", MT_INFO, NULL, "Why.",
	    "error", "refused", &rc),
	    "# TYPE x_error info\n"
	    "# HELP x_error Why.\n"
	    "x_error_info{error=\"refused\"} 1\n"
	    "# EOF\n");
	CHECK_INT(rc, 0);
	CHECK_TEXT(family1(MT_PROMETHEUS, "x_error", MT_INFO, NULL, "Why.",
	    "error", "refused", &rc),
	    "# HELP x_error_info Why.\n"
	    "# TYPE x_error_info gauge\n"
	    "x_error_info{error=\"refused\"} 1\n");
	CHECK_INT(rc, 0);
}

/* Label value v in both formats gives the sample line want. */
static void
check_label(const char *v, const char *want)
{
	enum mt_format f;
	char *got, *line;
	int rc;

	for (f = MT_PROMETHEUS; f <= MT_OPENMETRICS; f++) {
		got = family1(f, "g", MT_GAUGE, NULL, "G.", "l", v, &rc);
		CHECK_INT(rc, 0);
		if ((line = strstr(got, "\ng{")) != NULL) {
			line++;
			line[strcspn(line, "\n") + 1] = '\0';
		}
		CHECK_STR(line, want);
		free(got);
	}
}

static void
label_escaping(void)
{
	check_label("plain", "g{l=\"plain\"} 1\n");
	check_label("a\\b", "g{l=\"a\\\\b\"} 1\n");
	check_label("say \"hi\"", "g{l=\"say \\\"hi\\\"\"} 1\n");
	check_label("two\nlines", "g{l=\"two\\nlines\"} 1\n");
	check_label("\\\"\n", "g{l=\"\\\\\\\"\\n\"} 1\n");
	/* An escape sequence in the input is text, escaped in turn. */
	check_label("\\n", "g{l=\"\\\\n\"} 1\n");
	check_label("", "g{l=\"\"} 1\n");
	/* UTF-8 stays; what is not UTF-8, and control characters other
	 * than the line feed (a terminal escape, a carriage return, C1),
	 * become U+FFFD: the exposition is UTF-8 without raw controls. */
	check_label("caf\xc3\xa9 \xe2\x82\xac", "g{l=\"caf\xc3\xa9 \xe2\x82\xac\"} 1\n");
	check_label("a\xff" "b", "g{l=\"a\xef\xbf\xbd" "b\"} 1\n");
	check_label("cut \xe2\x82", "g{l=\"cut \xef\xbf\xbd\xef\xbf\xbd\"} 1\n");
	check_label("\x1b[31mred\r", "g{l=\"\xef\xbf\xbd[31mred\xef\xbf\xbd\"} 1\n");
	check_label("c1 \xc2\x85", "g{l=\"c1 \xef\xbf\xbd\"} 1\n");
}

static void
help_escaping(void)
{
	int rc;

	/* OpenMetrics escapes the quote in HELP too (its escaped-string
	 * has no bare DQUOTE); the Prometheus format must not. */
	CHECK_TEXT(family1(MT_OPENMETRICS, "g", MT_GAUGE, NULL,
	    "a \"b\" \\ c\nd", NULL, NULL, &rc), "# TYPE g gauge\n"
	    "# HELP g a \\\"b\\\" \\\\ c\\nd\n# EOF\n");
	CHECK_INT(rc, 0);
	CHECK_TEXT(family1(MT_PROMETHEUS, "g", MT_GAUGE, NULL,
	    "a \"b\" \\ c\nd", NULL, NULL, &rc),
	    "# HELP g a \"b\" \\\\ c\\nd\n# TYPE g gauge\n");
	CHECK_INT(rc, 0);
}

static void
histogram(void)
{
	static const double bounds[] = { 0.001, 0.01, 0.1 };
	struct mt_writer w;
	struct mt_hist h;
	struct buf b;

	mt_hist_init(&h, bounds, 3);
	mt_hist_observe(&h, 0.0005);
	mt_hist_observe(&h, 0.001);	/* on a bound: that bucket */
	mt_hist_observe(&h, 0.05);
	mt_hist_observe(&h, 2.5);
	CHECK_INT(mt_hist_count(&h), 4);
	buf_init(&b, 0);
	mt_begin(&w, &b, MT_OPENMETRICS, 5);
	mt_family(&w, "x_seconds", MT_HISTOGRAM, "seconds", "Time.");
	mt_histogram(&w, "x_seconds", &h);
	CHECK_INT(mt_end(&w), 0);
	CHECK_STR(text(&b),
	    "# TYPE x_seconds histogram\n"
	    "# UNIT x_seconds seconds\n"
	    "# HELP x_seconds Time.\n"
	    "x_seconds_bucket{le=\"0.001\"} 2\n"
	    "x_seconds_bucket{le=\"0.01\"} 2\n"
	    "x_seconds_bucket{le=\"0.1\"} 3\n"
	    "x_seconds_bucket{le=\"+Inf\"} 4\n"
	    "x_seconds_count 4\n"
	    "x_seconds_sum 2.5515\n"
	    "x_seconds_created 5\n"
	    "# EOF\n");
	buf_free(&b);
}

static void
canonical(void)
{
	/* The renderings the OpenMetrics spec asks for ("Canonical
	 * Numbers"), and the fsync buckets mucd uses. */
	static const struct { double v; const char *s; } cases[] = {
		{ 0, "0.0" }, { 0.001, "0.001" }, { 0.002, "0.002" },
		{ 0.01, "0.01" }, { 0.1, "0.1" }, { 0.9, "0.9" },
		{ 0.95, "0.95" }, { 0.99, "0.99" }, { 0.999, "0.999" },
		{ 1, "1.0" }, { 1.7, "1.7" }, { 10, "10.0" },
		{ 1e-10, "1e-10" }, { 1e-9, "1e-09" }, { 1e-5, "1e-05" },
		{ 0.0001, "0.0001" }, { 100000, "100000.0" },
		{ 1e6, "1e+06" }, { 1e10, "1e+10" },
		{ 0.0005, "0.0005" }, { 0.0025, "0.0025" }, { 0.25, "0.25" },
		{ 1.1e23, "1.1e+23" }, { -2.5, "-2.5" },
		{ 0.1 + 0.2, "0.30000000000000004" },
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mt_canonical(cases[i].v, out, sizeof(out));
		CHECK_STR(out, cases[i].s);
	}
}

static void
refusals(void)
{
	struct mt_writer w;
	struct buf b;
	int rc;

	/* A unit must end the name; an info has none. */
	free(family1(MT_OPENMETRICS, "x_size", MT_GAUGE, "bytes", "Size.",
	    NULL, NULL, &rc));
	CHECK_INT(rc, -1);
	free(family1(MT_OPENMETRICS, "x_bytes", MT_INFO, "bytes", "Size.",
	    NULL, NULL, &rc));
	CHECK_INT(rc, -1);
	/* A buffer too small fails the whole exposition. */
	buf_init(&b, 40);
	mt_begin(&w, &b, MT_OPENMETRICS, 0);
	mt_family(&w, "x_rooms", MT_GAUGE, NULL, "Rooms in memory.");
	mt_sample(&w, "x_rooms", MT_GAUGE, NULL, NULL, 7);
	CHECK_INT(mt_end(&w), -1);
	buf_free(&b);
}

static void
negotiation(void)
{
	CHECK_INT(mt_negotiate(NULL), MT_PROMETHEUS);
	CHECK_INT(mt_negotiate(""), MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("*/*"), MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("text/plain"), MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("application/openmetrics-text"),
	    MT_OPENMETRICS);
	/* What Prometheus 2.x sends. */
	CHECK_INT(mt_negotiate("application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), MT_OPENMETRICS);
	/* q decides, not order; case and spaces do not matter. */
	CHECK_INT(mt_negotiate("text/plain; version=0.0.4; q=0.9, "
	    "Application/OpenMetrics-Text; Version=\"1.0.0\"; q=0.3"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("text/plain;q=0.2, "
	    "application/openmetrics-text;q=0.8"), MT_OPENMETRICS);
	/* Versions we do not write, q=0 and bad q are not acceptable. */
	CHECK_INT(mt_negotiate("application/openmetrics-text;version=2.0.0"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("application/openmetrics-text;version=0.0.1"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("application/openmetrics-text;q=0"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("application/openmetrics-text;q=2"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate("application/openmetrics-text;q=x"),
	    MT_PROMETHEUS);
	CHECK_INT(mt_negotiate(",,;;=,application/openmetrics-text;;"),
	    MT_OPENMETRICS);
	CHECK_STR(mt_content_type(MT_OPENMETRICS),
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	CHECK_STR(mt_content_type(MT_PROMETHEUS),
	    "text/plain; version=0.0.4; charset=utf-8");
}

static void
format_names(void)
{
	enum mt_format f = MT_PROMETHEUS;

	CHECK_INT(mt_format_parse("openmetrics", &f), 0);
	CHECK_INT(f, MT_OPENMETRICS);
	CHECK_STR(mt_format_name(f), "openmetrics");
	CHECK_INT(mt_format_parse("prometheus", &f), 0);
	CHECK_INT(f, MT_PROMETHEUS);
	CHECK_INT(mt_format_parse("json", &f), -1);
}

const struct unit_test unit_tests[] = {
	TEST(counter_and_gauge),
	TEST(info),
	TEST(label_escaping),
	TEST(help_escaping),
	TEST(histogram),
	TEST(canonical),
	TEST(refusals),
	TEST(negotiation),
	TEST(format_names),
	{ NULL, NULL }
};
