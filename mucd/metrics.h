/*
 * metrics: every measurement the daemon exposes, defined once in one
 * table — name, type, unit, help, where its value comes from, and where
 * `status` shows it — for the `metrics` control command and the
 * metrics_listen HTTP listener (httpd.c), in either text format
 * (common/metrictext.h), and for `status`, whose numbers are read from
 * the same table. mucd(8), METRICS, lists them.
 *
 * Every value is read when asked for (a scrape, a status request); the
 * counters themselves are the plain integers the handlers, the link and
 * the store keep. Nothing here has a label whose values grow with use:
 * the exposition is a few hundred lines, however large the service.
 */
#ifndef MUCD_METRICS_H
#define MUCD_METRICS_H

#include <jansson.h>

#include "buf.h"
#include "metrictext.h"

struct mucd;

/* The most an exposition may take: ten times what it does. */
#define METRICS_TEXT_MAX	(256u << 10)

/* The exposition in fmt, appended to b: 0, or -1 (out of memory). */
int	 metrics_render(struct mucd *, enum mt_format, struct buf *);
/*
 * Set status's numbers in its result object: each metric the table
 * gives a place there ("counters.messages", "link.connects", "occupants"),
 * creating the sections in table order. -1: out of memory.
 */
int	 metrics_status(struct mucd *, json_t *status);

#endif
