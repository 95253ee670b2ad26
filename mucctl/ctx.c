/*
 * ctx: the one context — where the configuration comes from, which
 * socket and data directory follow from it, and errors on their way to
 * the user.
 */
#include "mucctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
ctx_init(struct mucctl *m)
{
	memset(m, 0, sizeof(*m));
	m->conf_path = CONF_DEFAULT_PATH;
	client_init(&m->client);
	conf_defaults(&m->conf);
	m->conf_state = CONF_UNREADABLE;
}

void
ctx_free(struct mucctl *m)
{
	client_close(&m->client);
	conf_free(&m->conf);
	cands_clear(&m->cands);
	free(m->cands.v);
	free(m->history_path);
}

/*
 * A configuration we cannot open is normal for an unprivileged admin
 * (mucd.conf holds the component secret): remember why, and only say so
 * when the guess that follows from it goes wrong. A file that opens but
 * does not parse is remembered the same way, with its parse error.
 */
void
ctx_load_conf(struct mucctl *m)
{
	/* Not fopen: a FIFO would block here; conf_load refuses one. */
	if (access(m->conf_path, R_OK) == -1) {
		snprintf(m->conf_err, sizeof(m->conf_err), "%s: %s",
		    m->conf_path, strerror(errno));
		m->conf_state = CONF_UNREADABLE;
		return;
	}
	conf_free(&m->conf);
	conf_defaults(&m->conf);
	if (conf_load(&m->conf, m->conf_path, m->conf_err,
	    sizeof(m->conf_err)) == -1) {
		/* conf_load freed it; keep usable defaults. */
		conf_defaults(&m->conf);
		m->conf_state = CONF_INVALID;
		return;
	}
	m->conf_state = CONF_OK;
}

const char *
ctx_socket_path(const struct mucctl *m)
{
	if (m->socket_opt != NULL)
		return m->socket_opt;
	if (m->conf_state == CONF_OK)
		return m->conf.control;
	return MUCCTL_FALLBACK_SOCKET;
}

const char *
ctx_socket_note(const struct mucctl *m, char *buf, size_t len)
{
	if (m->socket_opt != NULL || m->conf_state == CONF_OK)
		return "";
	snprintf(buf, len, " (the socket path is the default because the "
	    "configuration was not usable: %s; use -s SOCKET or -c CONFIG)",
	    m->conf_err);
	return buf;
}

const char *
ctx_datadir(struct mucctl *m, struct mc_err *e)
{
	if (m->datadir_opt != NULL)
		return m->datadir_opt;
	if (m->conf_state == CONF_OK)
		return m->conf.datadir;
	mc_fail(e, EXIT_UNREACHABLE, "", "mucd is not running and the data "
	    "directory is unknown: %s (use -D DATADIR or -c CONFIG)",
	    m->conf_err);
	return NULL;
}

int
mc_fail(struct mc_err *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->absent = false;
	e->condition[0] = '\0';
	e->master[0] = '\0';
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}
