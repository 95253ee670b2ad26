/*
 * reload: SIGHUP re-reads mucd.conf. Settings that can change at runtime
 * (admins, limits, rates, defaults, log level…) take effect at once;
 * those that cannot (addresses, paths, identity) are reported and keep
 * their old values until a restart. A broken file changes nothing.
 */
#ifndef MUCD_RELOAD_H
#define MUCD_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

struct mucd;
struct conf;

/*
 * Load and complete a configuration. service: the file the service runs
 * with (-t, start-up and reload alike), which must also pass
 * conf_check_service (its owner and mode, a real secret); maintenance
 * mode, which never uses the secret, reads the same file without that.
 */
int	 mucd_load_conf(struct conf *, const char *path, bool service,
	    char *err, size_t errlen);
/* Returns 0, or -1 with the reason in err (the old config stays). */
int	 mucd_reload(struct mucd *, char *err, size_t errlen);

#endif
