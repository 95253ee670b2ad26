/*
 * storegroup: the replication group's record of what makes its sites
 * one service (meta.db "repl_group", see store.h): each master writes
 * its own when it starts serving, and the record travels to every site
 * with the rest of the data. The store keeps the bytes; what they say
 * and how they compare is the daemon's (mucd/hagroup.c).
 */
#include "storeint.h"

#include <errno.h>
#include <string.h>

#define GROUP_KEY	"repl_group"

static void
key_of(DBT *k)
{
	memset(k, 0, sizeof(*k));
	k->data = GROUP_KEY;
	k->size = sizeof(GROUP_KEY) - 1;
}

int
store_repl_group_put(struct store *st, const char *rec)
{
	if (strlen(rec) >= STORE_GROUP_MAX) {
		store_set_msg(st, "replication group record: %zu bytes, at "
		    "most %u", strlen(rec), STORE_GROUP_MAX - 1);
		return STORE_ERR;
	}
	return meta_put(st, GROUP_KEY, rec, strlen(rec),
	    "replication group record");
}

int
store_repl_group_get(struct store *st, char *buf, size_t len)
{
	DB_TXN *txn;
	DBT k, d;
	int rc;

	if (len == 0)
		return store_fail(st, EINVAL, "replication group record");
	if ((rc = rtxn_begin(st, &txn)) != 0)
		return store_fail(st, rc, "replication group record");
	key_of(&k);
	memset(&d, 0, sizeof(d));
	d.data = buf;
	d.ulen = (u_int32_t)(len - 1);
	d.flags = DB_DBT_USERMEM;
	rc = st->db[D_META]->get(st->db[D_META], txn, &k, &d, 0);
	rtxn_end(st, txn);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == DB_BUFFER_SMALL) {
		store_set_msg(st, "replication group record: more than %zu "
		    "bytes", len - 1);
		return STORE_ERR;
	}
	if (rc != 0)
		return store_fail(st, rc, "replication group record");
	buf[d.size] = '\0';
	return STORE_OK;
}
