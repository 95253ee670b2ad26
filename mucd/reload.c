#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mucd.h"
#include "multicast.h"

/* Derive local domains for room_creation=local: the service's parent. */
static int
default_local_domains(struct conf *c)
{
	const char *dot = strchr(c->domain, '.');

	if (c->nlocal_domains > 0 || dot == NULL)
		return 0;
	if ((c->local_domains = calloc(1, sizeof(char *))) == NULL ||
	    (c->local_domains[0] = strdup(dot + 1)) == NULL)
		return -1;
	c->nlocal_domains = 1;
	return 0;
}

int
mucd_load_conf(struct conf *c, const char *path, bool service, char *err,
    size_t errlen)
{
	conf_defaults(c);
	if (conf_load(c, path, err, errlen) == -1)
		return -1;
	if (service && conf_check_service(c, path, err, errlen) == -1) {
		conf_free(c);
		return -1;
	}
	if (default_local_domains(c) == -1) {
		snprintf(err, errlen, "out of memory");
		conf_free(c);
		return -1;
	}
	return 0;
}

static void
needs_restart(void *arg, const char *key)
{
	(void)arg;
	log_warn("reload: '%s' changed; it takes effect after a restart", key);
}

int
mucd_reload(struct mucd *m, char *err, size_t errlen)
{
	struct conf nc, old = m->conf;
	enum log_level lvl = LOG_LVL_INFO;
	unsigned kept;

	if (mucd_load_conf(&nc, m->conf_path, true, err, errlen) == -1) {
		log_error("reload failed, configuration unchanged: %s", err);
		return -1;
	}
	kept = conf_keep_restart_keys(&nc, &old, needs_restart, NULL);
	m->conf = nc;
	conf_free(&old);
	log_level_parse(m->conf.log_level, &lvl);
	log_set_level(lvl);
	/* Same strings (kept above), new limits. */
	link_configure(&m->link, m->conf.server, m->conf.port, m->conf.domain,
	    m->conf.secret, m->conf.max_stanza_size, m->conf.max_stanza_depth,
	    m->conf.max_stanza_out, m->conf.link_buffer_max,
	    m->conf.reconnect_max);
	log_info("configuration reloaded from %s%s", m->conf_path,
	    kept ? " (some settings need a restart, see above)" : "");
	/* The service, its limits or the domains to ask may have changed. */
	if (link_is_up(&m->link))
		multicast_start(m);
	snprintf(err, errlen, "%u setting(s) need a restart", kept);
	return 0;
}
