#include "fanout.h"

#include <string.h>
#include <sys/uio.h>

#include "mucd.h"
#include "multicast.h"

/* fanout_add's attribute is " to='JID'": the address takes "'JID'". */
#define TO_PREFIX_LEN	(sizeof(" to=") - 1)

static const char address_open[] = "<address type='bcc' jid=";
static const char addresses_open[] = "<addresses xmlns='" NS_ADDRESS "'>";
static const char addresses_close[] = "</addresses>";
/* The service's compact form (multicast.h): a JID a line. */
static const char bcc_open[] = "<bcc xmlns='" NS_MUCD_BCC "'>";
static const char bcc_close[] = "</bcc>";

/*
 * Bytes of addresses a stanza of len bytes may carry: MC_ADDRESS_BYTES,
 * or less where the multicast stanza (the service's 'to', the addresses'
 * element, an end tag for an empty element) would exceed max_stanza_out,
 * which the link does not send.
 */
static size_t
address_room(const struct mucd *m, size_t len, size_t split)
{
	size_t frame = len + m->mcast.to_len + sizeof(addresses_open) - 1 +
	    sizeof(addresses_close) - 1 + split + 3, room;

	if (frame >= m->conf.max_stanza_out)
		return 0;
	room = m->conf.max_stanza_out - frame;
	return room < MC_ADDRESS_BYTES ? room : MC_ADDRESS_BYTES;
}

void
fanout_begin(struct fanout *f, struct mucd *m, const char *ser, size_t len,
    size_t split)
{
	memset(f, 0, sizeof(*f));
	f->m = m;
	f->ser = ser;
	f->len = len;
	f->split = split;
	f->max = multicast_limit(m, ser[1] == 'p');
	f->compact = m->mcast.compact;
	f->room = address_room(m, len, split);
	buf_init(&f->addrs, 0);
}

static void
copy(struct fanout *f, const char *attr, size_t alen)
{
	mucd_send_spliced(f->m, f->ser, f->len, f->split, attr, alen);
	f->m->stats.fanout_bytes += f->len + alen;
}

/* The <address/> for a recipient: its attribute's quoted value reused;
 * in the compact form the value unquoted (escaped as attribute values
 * are, which text may be too) and a line feed. A session's JID passed
 * jid_parse (resourceprep and nodeprep prohibit controls, the domain
 * check allows none), so no JID holds the line feed that ends it. */
static size_t
address_len(const struct fanout *f, size_t alen)
{
	if (f->compact)
		return alen - TO_PREFIX_LEN - 2 + 1;
	return sizeof(address_open) - 1 + alen - TO_PREFIX_LEN + 2;
}

static int
pend(struct fanout *f, const char *attr, size_t alen)
{
	size_t before = f->addrs.len;
	int rc;

	if (f->compact)
		rc = buf_append(&f->addrs, attr + TO_PREFIX_LEN + 1,
		    alen - TO_PREFIX_LEN - 2) == -1 ||
		    buf_append(&f->addrs, "\n", 1) == -1 ? -1 : 0;
	else
		rc = buf_append(&f->addrs, address_open,
		    sizeof(address_open) - 1) == -1 ||
		    buf_append(&f->addrs, attr + TO_PREFIX_LEN,
		    alen - TO_PREFIX_LEN) == -1 ||
		    buf_append(&f->addrs, "/>", 2) == -1 ? -1 : 0;
	if (rc == -1)
		f->addrs.len = before;
	return rc;
}

static void
part(struct iovec *iov, int *n, const void *p, size_t len)
{
	iov[*n].iov_base = (void *)p;
	iov[*n].iov_len = len;
	(*n)++;
}

/*
 * The stanza to the service: addressed to it, the addresses as its last
 * child. An element without children ends in "/>" and gets an end tag.
 */
static void
flush(struct fanout *f)
{
	const struct multicast *mc = &f->m->mcast;
	size_t name = f->split - 1, end;
	bool empty = f->len >= 2 && f->ser[f->len - 2] == '/';
	struct iovec iov[10];
	int n = 0;

	if (f->n == 0)
		return;
	if (f->n == 1) {
		copy(f, f->first, f->first_len);
		goto done;
	}
	end = empty ? f->len - 2 : f->len - (name + 3);
	part(iov, &n, f->ser, f->split);
	part(iov, &n, mc->to_attr, mc->to_len);
	part(iov, &n, f->ser + f->split, end - f->split);
	if (empty)
		part(iov, &n, ">", 1);
	if (f->compact)
		part(iov, &n, bcc_open, sizeof(bcc_open) - 1);
	else
		part(iov, &n, addresses_open, sizeof(addresses_open) - 1);
	part(iov, &n, f->addrs.data, f->addrs.len);
	if (f->compact)
		part(iov, &n, bcc_close, sizeof(bcc_close) - 1);
	else
		part(iov, &n, addresses_close, sizeof(addresses_close) - 1);
	if (empty) {
		part(iov, &n, "</", 2);
		part(iov, &n, f->ser + 1, name);
		part(iov, &n, ">", 1);
	} else
		part(iov, &n, f->ser + end, f->len - end);
	mucd_send_iov(f->m, iov, n);
	while (n-- > 0)
		f->m->stats.fanout_bytes += iov[n].iov_len;
	multicast_sent(f->m, f->n);
done:
	f->addrs.len = 0;
	f->n = 0;
}

void
fanout_add(struct fanout *f, const char *jid, const char *attr, size_t alen)
{
	/* The sender of the stanza being handled gets a plain copy: what
	 * mucd answers it next (the result of its request) goes straight
	 * to it, and a service that is a process of its own (ejabberd's)
	 * would let that answer overtake the broadcast. */
	if (f->max == 0 || (f->m->sender != NULL &&
	    strcmp(jid, f->m->sender) == 0)) {
		copy(f, attr, alen);
		return;
	}
	/* A batch of one is a plain copy, whatever the room. */
	if (f->n > 0 && f->addrs.len + address_len(f, alen) > f->room)
		flush(f);
	/* Out of memory, this recipient gets its copy at once. */
	if (pend(f, attr, alen) == -1) {
		copy(f, attr, alen);
		return;
	}
	if (f->n++ == 0) {
		f->first = attr;
		f->first_len = alen;
	}
	if (f->n == f->max)
		flush(f);
}

void
fanout_end(struct fanout *f)
{
	flush(f);
	buf_free(&f->addrs);
}
