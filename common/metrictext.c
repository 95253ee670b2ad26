#include "metrictext.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

void
mt_hist_init(struct mt_hist *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds = n < MT_BUCKETS_MAX ? n : MT_BUCKETS_MAX;
}

void
mt_hist_observe(struct mt_hist *h, double v)
{
	size_t i;

	for (i = 0; i < h->nbounds && v > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += v;
}

uint64_t
mt_hist_count(const struct mt_hist *h)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i <= h->nbounds; i++)
		n += h->counts[i];
	return n;
}

static void
put(struct mt_writer *w, const char *s, size_t n)
{
	if (!w->failed && buf_append(w->b, s, n) == -1)
		w->failed = true;
}

static void
puts_(struct mt_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
printf_(struct mt_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
printf_(struct mt_writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!w->failed && buf_vprintf(w->b, fmt, ap) == -1)
		w->failed = true;
	va_end(ap);
}

/*
 * Text for a label value (quoted: every format escapes the quote too) or
 * a HELP line (OpenMetrics escapes the quote there, the Prometheus format
 * must not). Whatever s holds, the output is UTF-8 without control
 * characters other than the escaped line feed.
 */
static void
escaped(struct mt_writer *w, const char *s, bool quote)
{
	size_t n = strlen(s), k;
	uint32_t cp;

	while (n > 0) {
		if ((k = utf8_decode(s, n, &cp)) == 0) {
			puts_(w, REPLACEMENT);
			s++;
			n--;
			continue;
		}
		if (cp == '\\')
			puts_(w, "\\\\");
		else if (cp == '\n')
			puts_(w, "\\n");
		else if (cp == '"' && quote)
			puts_(w, "\\\"");
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			puts_(w, REPLACEMENT);
		else
			put(w, s, k);
		s += k;
		n -= k;
	}
}

void
mt_begin(struct mt_writer *w, struct buf *b, enum mt_format fmt,
    long long created)
{
	w->b = b;
	w->fmt = fmt;
	w->created = created;
	w->failed = false;
}

static const char *
type_name(const struct mt_writer *w, enum mt_type t)
{
	switch (t) {
	case MT_COUNTER:	return "counter";
	case MT_GAUGE:		return "gauge";
	case MT_HISTOGRAM:	return "histogram";
	case MT_INFO:		return w->fmt == MT_OPENMETRICS ? "info" :
				    "gauge";
	}
	return "unknown";
}

/* The name the Prometheus format's TYPE and HELP lines give a family:
 * that of its samples. */
static const char *
sample_suffix(enum mt_type t)
{
	return t == MT_COUNTER ? "_total" : t == MT_INFO ? "_info" : "";
}

static bool
unit_ends_name(const char *name, const char *unit)
{
	size_t n = strlen(name), u = strlen(unit);

	return u > 0 && n > u + 1 && name[n - u - 1] == '_' &&
	    strcmp(name + n - u, unit) == 0;
}

void
mt_family(struct mt_writer *w, const char *name, enum mt_type t,
    const char *unit, const char *help)
{
	if (unit != NULL && (t == MT_INFO || !unit_ends_name(name, unit))) {
		w->failed = true;
		return;
	}
	if (w->fmt == MT_OPENMETRICS) {
		printf_(w, "# TYPE %s %s\n", name, type_name(w, t));
		if (unit != NULL)
			printf_(w, "# UNIT %s %s\n", name, unit);
		printf_(w, "# HELP %s ", name);
		escaped(w, help, true);
	} else {
		printf_(w, "# HELP %s%s ", name, sample_suffix(t));
		escaped(w, help, false);
		printf_(w, "\n# TYPE %s%s %s", name, sample_suffix(t),
		    type_name(w, t));
	}
	puts_(w, "\n");
}

static void
line(struct mt_writer *w, const char *name, const char *suffix,
    const char *label, const char *value, const char *number)
{
	printf_(w, "%s%s", name, suffix);
	if (label != NULL) {
		printf_(w, "{%s=\"", label);
		escaped(w, value != NULL ? value : "", true);
		puts_(w, "\"}");
	}
	printf_(w, " %s\n", number);
}

void
mt_sample(struct mt_writer *w, const char *name, enum mt_type t,
    const char *label, const char *value, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, t == MT_INFO ? 1 : v);
	line(w, name, sample_suffix(t), label, value, num);
	if (t == MT_COUNTER && w->fmt == MT_OPENMETRICS && w->created > 0) {
		snprintf(num, sizeof(num), "%lld", w->created);
		line(w, name, "_created", label, value, num);
	}
}

void
mt_histogram(struct mt_writer *w, const char *name, const struct mt_hist *h)
{
	char le[32], num[32];
	uint64_t cum = 0;
	size_t i;

	/* Cumulative: each bucket counts everything at or below its bound,
	 * so +Inf's is the count. */
	for (i = 0; i <= h->nbounds; i++) {
		cum += h->counts[i];
		if (i < h->nbounds)
			mt_canonical(h->bounds[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		snprintf(num, sizeof(num), "%" PRIu64, cum);
		line(w, name, "_bucket", "le", le, num);
	}
	snprintf(num, sizeof(num), "%" PRIu64, cum);
	line(w, name, "_count", NULL, NULL, num);
	mt_canonical(h->sum, num, sizeof(num));
	line(w, name, "_sum", NULL, NULL, num);
	if (w->fmt == MT_OPENMETRICS && w->created > 0) {
		snprintf(num, sizeof(num), "%lld", w->created);
		line(w, name, "_created", NULL, NULL, num);
	}
}

int
mt_end(struct mt_writer *w)
{
	if (w->fmt == MT_OPENMETRICS)
		puts_(w, "# EOF\n");
	return w->failed ? -1 : 0;
}

/*
 * Go's shortest %g, the rendering OpenMetrics makes canonical: the fewest
 * digits that read back as the same double, in exponent form below 1e-4
 * and from 1e+6 on, and ".0" on what would read as an integer.
 */
void
mt_canonical(double v, char *out, size_t outlen)
{
	char e[40];
	int digits, exp;

	if (isnan(v) || isinf(v)) {
		snprintf(out, outlen, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" :
		    "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(out, outlen, "0.0");
		return;
	}
	for (digits = 1; digits < 17; digits++) {
		snprintf(e, sizeof(e), "%.*e", digits - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", digits - 1, v);
	exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 6)
		snprintf(out, outlen, "%s", e);
	else
		snprintf(out, outlen, "%.*f", digits - 1 - exp > 0 ?
		    digits - 1 - exp : 0, v);
	if (strpbrk(out, ".e") == NULL && strlen(out) + 2 < outlen)
		strcat(out, ".0");
}

/* Accept header parsing: media ranges with parameters, by q. */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The first c in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, char c)
{
	for (; p < end; p++)
		if (*p == c)
			return p;
	return NULL;
}

static size_t
trimmed_len(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - p);
}

static bool
token_is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(p, want, n) == 0;
}

/* q in thousandths: "1", "0.5", "0.125"; -1 when malformed. */
static int
parse_q(const char *p, size_t n)
{
	int q = 0, scale = 1000;

	if (n == 0 || (*p != '0' && *p != '1'))
		return -1;
	q = (*p++ - '0') * 1000;
	n--;
	if (n > 0 && *p == '.') {
		p++;
		n--;
		for (; n > 0 && isdigit((unsigned char)*p) && scale > 1; n--)
			q += (*p++ - '0') * (scale /= 10);
	}
	return n == 0 && q <= 1000 ? q : -1;
}

struct range {
	bool		 om, prom;	/* which of ours it names */
	const char	*version;
	size_t		 vlen;
	int		 q;
};

static void
param(struct range *r, const char *p, const char *end)
{
	const char *eq = find(p, end, '='), *v;
	size_t klen, vlen;

	if (eq == NULL)
		return;
	klen = trimmed_len(p, eq);
	v = skip_ws(eq + 1, end);
	vlen = trimmed_len(v, end);
	if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	if (token_is(p, klen, "q"))
		r->q = parse_q(v, vlen);
	else if (token_is(p, klen, "version")) {
		r->version = v;
		r->vlen = vlen;
	}
}

static void
parse_range(struct range *r, const char *p, const char *end)
{
	const char *semi, *next;

	memset(r, 0, sizeof(*r));
	r->q = 1000;
	p = skip_ws(p, end);
	semi = find(p, end, ';');
	next = semi != NULL ? semi : end;
	r->om = token_is(p, trimmed_len(p, next),
	    "application/openmetrics-text");
	r->prom = token_is(p, trimmed_len(p, next), "text/plain");
	while (semi != NULL) {
		p = skip_ws(semi + 1, end);
		semi = find(p, end, ';');
		param(r, p, semi != NULL ? semi : end);
	}
}

enum mt_format
mt_negotiate(const char *accept)
{
	enum mt_format best = MT_PROMETHEUS;
	const char *p, *end, *comma;
	struct range r;
	int best_q = 0;

	if (accept == NULL)
		return best;
	for (p = accept, end = p + strlen(p); p < end; p = comma + 1) {
		if ((comma = find(p, end, ',')) == NULL)
			comma = end;
		parse_range(&r, p, comma);
		if (r.q <= best_q)
			continue;
		if (r.om && (r.version == NULL || token_is(r.version, r.vlen,
		    "1.0.0"))) {
			best = MT_OPENMETRICS;
			best_q = r.q;
		} else if (r.prom && (r.version == NULL ||
		    token_is(r.version, r.vlen, "0.0.4"))) {
			best = MT_PROMETHEUS;
			best_q = r.q;
		}
	}
	return best;
}

const char *
mt_content_type(enum mt_format f)
{
	return f == MT_OPENMETRICS ?
	    "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	    "text/plain; version=0.0.4; charset=utf-8";
}

const char *
mt_format_name(enum mt_format f)
{
	return f == MT_OPENMETRICS ? "openmetrics" : "prometheus";
}

int
mt_format_parse(const char *s, enum mt_format *f)
{
	if (strcmp(s, "openmetrics") == 0)
		*f = MT_OPENMETRICS;
	else if (strcmp(s, "prometheus") == 0)
		*f = MT_PROMETHEUS;
	else
		return -1;
	return 0;
}
