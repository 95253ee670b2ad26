/*
 * reload: SIGHUP re-reads mucd.conf. Settings that can change at runtime
 * (admins, limits, rates, defaults, log level…) take effect at once;
 * those that cannot (addresses, paths, identity) are reported and keep
 * their old values until a restart. A broken file changes nothing.
 */
#ifndef MUCD_RELOAD_H
#define MUCD_RELOAD_H

#include <stddef.h>

struct mucd;
struct conf;

/* Load and complete a configuration (shared by start-up and reload). */
int	 mucd_load_conf(struct conf *, const char *path, char *err,
	    size_t errlen);
/* Returns 0, or -1 with the reason in err (the old config stays). */
int	 mucd_reload(struct mucd *, char *err, size_t errlen);

#endif
