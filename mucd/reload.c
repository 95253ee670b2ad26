#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mucd.h"

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
mucd_load_conf(struct conf *c, const char *path, char *err, size_t errlen)
{
	conf_defaults(c);
	if (conf_load(c, path, err, errlen) == -1)
		return -1;
	if (default_local_domains(c) == -1) {
		snprintf(err, errlen, "out of memory");
		conf_free(c);
		return -1;
	}
	return 0;
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Keep an immutable string setting, warning if the file changed it. */
static void
keep_str(char **nv, char **ov, const char *name, unsigned *changed)
{
	char *t;

	if (str_differs(*nv, *ov)) {
		log_warn("reload: '%s' changed; it takes effect after a "
		    "restart", name);
		(*changed)++;
	}
	t = *nv;
	*nv = *ov;
	*ov = t;
}

static void
keep_num(size_t nv, size_t ov, const char *name, unsigned *changed)
{
	if (nv != ov) {
		log_warn("reload: '%s' changed; it takes effect after a "
		    "restart", name);
		(*changed)++;
	}
}

int
mucd_reload(struct mucd *m, char *err, size_t errlen)
{
	struct conf nc, old = m->conf;
	enum log_level lvl = LOG_LVL_INFO;
	unsigned kept = 0;

	if (mucd_load_conf(&nc, m->conf_path, err, errlen) == -1) {
		log_error("reload failed, configuration unchanged: %s", err);
		return -1;
	}
	keep_str(&nc.domain, &old.domain, "domain", &kept);
	keep_str(&nc.server, &old.server, "server", &kept);
	keep_str(&nc.secret, &old.secret, "secret", &kept);
	keep_str(&nc.datadir, &old.datadir, "datadir", &kept);
	keep_str(&nc.control, &old.control, "control", &kept);
	keep_str(&nc.control_group, &old.control_group, "control_group", &kept);
	keep_str(&nc.pidfile, &old.pidfile, "pidfile", &kept);
	keep_str(&nc.user, &old.user, "user", &kept);
	keep_str(&nc.group, &old.group, "group", &kept);
	keep_num(nc.port, old.port, "port", &kept);
	nc.port = old.port;
	keep_num(nc.allow_root, old.allow_root, "allow_root", &kept);
	nc.allow_root = old.allow_root;
	keep_num(nc.db_cache_size, old.db_cache_size, "db_cache_size", &kept);
	nc.db_cache_size = old.db_cache_size;
	m->conf = nc;
	conf_free(&old);
	log_level_parse(m->conf.log_level, &lvl);
	log_set_level(lvl);
	/* Same strings (kept above), new limits. */
	link_configure(&m->link, m->conf.server, m->conf.port, m->conf.domain,
	    m->conf.secret, m->conf.max_stanza_size, m->conf.max_stanza_depth,
	    m->conf.link_buffer_max, m->conf.reconnect_max);
	log_info("configuration reloaded from %s%s", m->conf_path,
	    kept ? " (some settings need a restart, see above)" : "");
	snprintf(err, errlen, "%u setting(s) need a restart", kept);
	return 0;
}
