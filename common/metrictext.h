/*
 * metrictext: the two text formats metrics are exposed in, written and
 * negotiated here and nowhere else.
 *
 *   OpenMetrics 1.0 (application/openmetrics-text; version=1.0.0): a
 *   family's TYPE, UNIT and HELP name the family ("mucd_x"), a counter's
 *   samples are mucd_x_total (and mucd_x_created, the time counting
 *   began), an info's mucd_x_info, and the exposition ends with "# EOF".
 *
 *   The Prometheus text format 0.0.4 (text/plain; version=0.0.4), which
 *   node_exporter's textfile collector and promtool read: TYPE and HELP
 *   name the samples ("mucd_x_total"), an info is a gauge, and there is
 *   no UNIT and no EOF.
 *
 * A sample has at most one label. Label values are escaped as both
 * formats require (backslash, double quote, line feed); bytes that are
 * not UTF-8, and control characters, become U+FFFD, so any text (a
 * server's error message) can be a label value. Histogram bucket bounds
 * are written in OpenMetrics' canonical form (0.0005, 1.0, 1e+06).
 *
 * Errors: a writer that runs out of room or memory remembers it, and
 * mt_end says so; nothing is ever half-escaped.
 */
#ifndef MUCD_METRICTEXT_H
#define MUCD_METRICTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum mt_format { MT_PROMETHEUS, MT_OPENMETRICS };
enum mt_type { MT_COUNTER, MT_GAUGE, MT_HISTOGRAM, MT_INFO };

#define MT_BUCKETS_MAX	16

/* A histogram: bucket i counts observations in (bounds[i-1], bounds[i]],
 * the last bucket those above every bound (+Inf). */
struct mt_hist {
	const double	*bounds;	/* increasing, at most MT_BUCKETS_MAX */
	size_t		 nbounds;
	uint64_t	 counts[MT_BUCKETS_MAX + 1];
	double		 sum;
};

void	 mt_hist_init(struct mt_hist *, const double *bounds, size_t n);
void	 mt_hist_observe(struct mt_hist *, double);
uint64_t mt_hist_count(const struct mt_hist *);

struct mt_writer {
	struct buf	*b;
	enum mt_format	 fmt;
	long long	 created;	/* counters' _created (OpenMetrics); 0:
					   not written */
	bool		 failed;
};

void	 mt_begin(struct mt_writer *, struct buf *, enum mt_format,
	    long long created);
/* A family's metadata. unit (or NULL) must end name, after a '_'. */
void	 mt_family(struct mt_writer *, const char *name, enum mt_type,
	    const char *unit, const char *help);
/* A counter's, gauge's or info's sample; label NULL: none. An info's
 * value is 1 whatever v says. */
void	 mt_sample(struct mt_writer *, const char *name, enum mt_type,
	    const char *label, const char *value, uint64_t v);
/* A histogram's buckets, count and sum (no labels). */
void	 mt_histogram(struct mt_writer *, const char *name,
	    const struct mt_hist *);
/* Ends the exposition; 0, or -1 if anything could not be written. */
int	 mt_end(struct mt_writer *);

/* The format a scraper's Accept header asks for (NULL: none sent): the
 * acceptable one with the highest q; the Prometheus format when none is. */
enum mt_format mt_negotiate(const char *accept);
const char *mt_content_type(enum mt_format);
/* "prometheus" or "openmetrics", and back (-1: neither). */
const char *mt_format_name(enum mt_format);
int	 mt_format_parse(const char *, enum mt_format *);
/* A bound as OpenMetrics wants "le" values written, into out (>= 32). */
void	 mt_canonical(double, char *out, size_t outlen);

#endif
