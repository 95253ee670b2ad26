/*
 * httpd: metrics_listen's HTTP listener. GET (or HEAD) /metrics answers
 * the exposition (metrics.c) in the format the scraper's Accept header
 * asks for: OpenMetrics 1.0 for Prometheus and other OpenMetrics
 * scrapers, the Prometheus text format 0.0.4 otherwise; any other path
 * gets 404, any other method 405.
 *
 * HTTP is GNU libmicrohttpd's, and this is the only file that knows it.
 * It runs in its external-event mode, in mucd's one thread and loop: its
 * epoll descriptor sits in the loop's epoll set, and a loop timer wakes
 * it when MHD_get_timeout says (connection timeouts). No thread, no second
 * loop. The listening socket is bound here, so a port in use or an
 * address not on this host fails the start with the system's reason.
 *
 * Bounds: HTTPD_MAX_CONNS connections at once (at the limit the
 * listening socket leaves libmicrohttpd's epoll set, so a client beyond
 * it waits, unanswered, in the listening queue until one closes),
 * HTTPD_TIMEOUT_S seconds of inactivity, HTTPD_MEMORY bytes for one
 * connection's request (a larger request gets an HTTP error), and the
 * exposition's own METRICS_TEXT_MAX.
 */
#ifndef MUCD_HTTPD_H
#define MUCD_HTTPD_H

#include <stddef.h>

struct mucd;

#define HTTPD_MAX_CONNS		16
#define HTTPD_TIMEOUT_S		10
#define HTTPD_MEMORY		(32u << 10)

/* Listen on addr (a metrics_listen value) and serve from the daemon's
 * loop: 0, or -1 with the reason in err. */
int	 httpd_open(struct mucd *, const char *addr, char *err,
	    size_t errlen);
/* Stop serving; nothing if not open. */
void	 httpd_close(struct mucd *);

#endif
