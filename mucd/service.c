#include "service.h"

#include <sodium.h>
#include <string.h>

#include "adhoc.h"
#include "disco.h"
#include "jid.h"
#include "mucd.h"
#include "stanza.h"

static void
version(struct mucd *m, struct xnode *st)
{
	struct xnode *q = x_new("query", NS_VERSION);

	x_add_child_text(q, "name", "mucd");
	x_add_child_text(q, "version", MUCD_VERSION);
	st_send_result(m, st, q);
}

static void
unique_name(struct mucd *m, struct xnode *st)
{
	struct xnode *u = x_new("unique", NS_MUC_UNIQUE);
	unsigned char raw[12];
	char name[25];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(name, sizeof(name), raw, sizeof(raw));
	x_add_text(u, name);
	st_send_result(m, st, u);
}

static void
service_iq(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const struct xnode *q = st_payload(st);
	bool get = strcmp(st_type(st), "get") == 0;

	if (get && x_is(q, "query", NS_DISCO_INFO))
		disco_service_info(m, st, from);
	else if (get && x_is(q, "query", NS_DISCO_ITEMS))
		disco_service_items(m, st, from);
	else if (get && x_is(q, "ping", NS_PING))
		st_send_result(m, st, NULL);
	else if (get && x_is(q, "query", NS_VERSION))
		version(m, st);
	else if (get && x_is(q, "unique", NS_MUC_UNIQUE))
		unique_name(m, st);
	else if (x_is(q, "command", NS_COMMANDS))
		adhoc_iq(m, st, from);
	else
		st_send_error(m, st, ERR_CANCEL, "service-unavailable", NULL,
		    NULL);
}

void
service_stanza(struct mucd *m, struct xnode *st, const struct jid *from)
{
	if (x_is(st, "iq", NULL)) {
		service_iq(m, st, from);
		return;
	}
	/* Messages have nowhere to go; presence (probes, subscriptions)
	 * to the service needs no answer. */
	if (x_is(st, "message", NULL))
		st_send_error(m, st, ERR_CANCEL, "service-unavailable", NULL,
		    NULL);
}
