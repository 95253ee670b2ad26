#include "mucd.h"

#include <string.h>

#include "log.h"

const char *const mucd_conditions[MUCD_NCONDS] = {
#define MUCD_X_NAME(id, name)	[COND_##id] = name,
	MUCD_CONDITIONS(MUCD_X_NAME)
#undef MUCD_X_NAME
};

const double mucd_sync_bounds[MUCD_SYNC_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
};

void
mucd_send(struct mucd *m, const struct xnode *st)
{
	if (st != NULL)
		link_send(&m->link, st);
}

void
mucd_send_free(struct mucd *m, struct xnode *st)
{
	mucd_send(m, st);
	x_free(st);
}

void
mucd_send_to(struct mucd *m, const char *ser, size_t len, size_t split,
    const char *to)
{
	link_send_to(&m->link, ser, len, split, to);
}

void
mucd_send_spliced(struct mucd *m, const char *ser, size_t len, size_t split,
    const char *attr, size_t alen)
{
	link_send_spliced(&m->link, ser, len, split, attr, alen);
}

void
mucd_error_sent(struct mucd *m, const char *cond)
{
	unsigned i;

	for (i = 0; i < MUCD_NCONDS; i++)
		if (strcmp(mucd_conditions[i], cond) == 0)
			break;
	m->stats.errors[i < MUCD_NCONDS ? i : COND_UNDEFINED_CONDITION]++;
}

void
mucd_send_iov(struct mucd *m, const struct iovec *iov, int n)
{
	link_send_iov(&m->link, iov, n);
}

void
mucd_store_dirty(struct mucd *m)
{
	m->store_dirty = true;
}

bool
mucd_is_admin(const struct mucd *m, const char *bare)
{
	return conf_is_admin(&m->conf, bare);
}

void
mucd_stop(struct mucd *m, int code)
{
	if (m->shutting_down)
		return;
	m->shutting_down = true;
	m->exit_code = code;
	log_info("shutting down");
	loop_stop(&m->loop);
}
