/*
 * mkrooms: fill a mucd data directory with N persistent rooms, through
 * the daemon's own store and record code, for the large-scale benchmark
 * (make bench-rooms). Rooms are named r0 .. r<N-1> on DOMAIN; every tenth
 * is public; each has one owner.
 *
 *   mkrooms DATADIR DOMAIN N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "roomcfg.h"
#include "store.h"

#define PER_TXN	10000

static int
put_room(struct store_txn *txn, const struct conf *c, const char *domain,
    unsigned long i)
{
	struct store_aff_rec owner = { AFF_OWNER, NULL, NULL };
	struct room_record rec;
	char jid[256], *json;
	int rc;

	snprintf(jid, sizeof(jid), "r%lu@%s", i, domain);
	roomrec_init(&rec, c);
	rec.cfg.persistent = true;
	rec.cfg.public = i % 10 == 0;
	rec.created = rec.last_used = (long long)time(NULL);
	json = roomrec_encode(&rec);
	roomrec_free(&rec);
	if (json == NULL)
		return STORE_ERR;
	rc = store_room_put(txn, jid, json);
	free(json);
	if (rc == STORE_OK)
		rc = store_aff_put(txn, jid, "owner@bench.example", &owner);
	return rc;
}

int
main(int argc, char **argv)
{
	struct store_opts so = { .cache_size = 64u << 20, .create = true };
	struct store_txn *txn = NULL;
	struct store *st;
	struct conf c;
	unsigned long n, i;
	char err[512];
	time_t t0 = time(NULL);

	if (argc != 4) {
		fprintf(stderr, "usage: mkrooms DATADIR DOMAIN N\n");
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	conf_defaults(&c);
	if (store_open(&st, argv[1], &so, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "mkrooms: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (txn == NULL && store_begin(st, &txn) != STORE_OK)
			goto fail;
		if (put_room(txn, &c, argv[2], i) != STORE_OK) {
			store_abort(txn);
			goto fail;
		}
		if ((i + 1) % PER_TXN == 0 || i + 1 == n) {
			if (store_commit(txn) != STORE_OK)
				goto fail;
			txn = NULL;
		}
		if ((i + 1) % 100000 == 0)
			fprintf(stderr, "mkrooms: %lu rooms\n", i + 1);
	}
	if (store_sync(st) != STORE_OK || store_checkpoint(st) != STORE_OK)
		goto fail;
	store_close(st);
	conf_free(&c);
	printf("mkrooms: %lu rooms in %s in %ld s\n", n, argv[1],
	    (long)(time(NULL) - t0));
	return 0;
fail:
	fprintf(stderr, "mkrooms: %s\n", store_errmsg(st));
	store_close(st);
	return 1;
}
