/*
 * maintenance: `mucd -m`, the daemon without its XMPP side, serving the
 * control protocol to the one process that started it (mucctl's offline
 * mode) on standard input. Same store, same lock, same command code, same
 * privilege drop as the service; no link, no pid file, no control socket.
 * It stops when its client hangs up.
 */
#ifndef MUCD_MAINTENANCE_H
#define MUCD_MAINTENANCE_H

#include <stddef.h>

struct mucd;

#define MAINTENANCE_FD	0	/* the inherited connection */

/* Identity, data directory and store, then the control connection. On
 * failure the connection gets the reason as one error line. */
int	 maintenance_start(struct mucd *, const char *datadir, char *err,
	    size_t errlen);

#endif
