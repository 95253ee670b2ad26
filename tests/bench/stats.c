/* stats: latency samples and result rows (table line + JSON line). */
#include "mucbench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
samples_init(struct samples *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->v = xcalloc(cap, sizeof(*s->v));
}

void
samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
samples_add(struct samples *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->v[s->n++] = ns;
	else
		s->dropped++;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double
samples_q_ms(struct samples *s, double q)
{
	size_t i;

	if (s->n == 0)
		return -1;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	i = (size_t)ceil(q * (double)s->n);
	i = i == 0 ? 0 : i - 1;
	if (i >= s->n)
		i = s->n - 1;
	return (double)s->v[i] / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
median(double *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
row_init(struct row *r, const char *scenario, const char *params)
{
	memset(r, 0, sizeof(*r));
	fmt(r->scenario, sizeof(r->scenario), "%s", scenario);
	fmt(r->params, sizeof(r->params), "%s", params);
	r->p50 = r->p99 = r->max = r->cpu_ms_per_k = -1;
}

static void
row_kv(struct row *r, const char *k, const char *v, bool str)
{
	unsigned i;

	for (i = 0; i < r->nkv; i++)
		if (strcmp(r->kv[i].k, k) == 0)
			break;
	if (i == ROW_MAX_KV)
		die("internal: too many result fields (%s)", k);
	if (i == r->nkv)
		r->nkv++;
	fmt(r->kv[i].k, sizeof(r->kv[i].k), "%s", k);
	snprintf(r->kv[i].v, sizeof(r->kv[i].v), "%s", v);
	r->kv[i].str = str;
}

void
row_num(struct row *r, const char *k, double v)
{
	char s[64];

	if (!isfinite(v))
		fmt(s, sizeof(s), "null");
	else if (v == floor(v) && fabs(v) < 1e15)
		fmt(s, sizeof(s), "%.0f", v);
	else
		fmt(s, sizeof(s), "%.6g", v);
	row_kv(r, k, s, false);
}

void
row_str(struct row *r, const char *k, const char *v)
{
	row_kv(r, k, v, true);
}

void
row_lat(struct row *r, struct samples *s, const char *prefix)
{
	char k[40];

	r->p50 = samples_q_ms(s, 0.50);
	r->p99 = samples_q_ms(s, 0.99);
	r->max = samples_q_ms(s, 1.0);
	fmt(k, sizeof(k), "%sp50_ms", prefix);
	row_num(r, k, r->p50);
	fmt(k, sizeof(k), "%sp99_ms", prefix);
	row_num(r, k, r->p99);
	fmt(k, sizeof(k), "%smax_ms", prefix);
	row_num(r, k, r->max);
	fmt(k, sizeof(k), "%ssamples", prefix);
	row_num(r, k, (double)s->n);
}

void
table_header(FILE *f)
{
	fprintf(f, "%-14s %-22s %12s %-14s %8s %8s %8s %9s  %s\n",
	    "scenario", "params", "rate", "unit", "p50 ms", "p99 ms",
	    "max ms", "cpu/1k", "note");
	fflush(f);
}

static void
put_ms(FILE *f, double v)
{
	if (v < 0)
		fprintf(f, " %8s", "-");
	else
		fprintf(f, " %8.2f", v);
}

void
table_row(FILE *f, const struct row *r)
{
	/* Ratios (units "x ...") would all print as 0 or 1. */
	fprintf(f, "%-14s %-22s %12.*f %-14s", r->scenario, r->params,
	    r->unit[0] == 'x' && r->unit[1] == ' ' ? 2 : 0, r->rate, r->unit);
	put_ms(f, r->p50);
	put_ms(f, r->p99);
	put_ms(f, r->max);
	if (r->cpu_ms_per_k < 0)
		fprintf(f, " %9s", "-");
	else
		fprintf(f, " %6.1f ms", r->cpu_ms_per_k);
	fprintf(f, "  %s\n", r->note);
	fflush(f);
}
