/*
 * fuzz_roomrec: the stored room record (common/roomcfg.c) — what mucd and
 * mucctl read back from rooms.db. A record that decodes must encode, the
 * encoding must decode to the same record, and encoding that again must
 * give the same text (a fixed point after one round). Decoded values must
 * be in range, and roomcfg_get must print every key into a buffer of the
 * size callers use.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "roomcfg.h"

static void
die(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_roomrec: %s\n--- 1\n%s\n--- 2\n%s\n", what,
	    a ? a : "(null)", b ? b : "(null)");
	abort();
}

static bool
same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void
check_ranges(const struct room_record *r, const char *in)
{
	char out[256];
	size_t i;

	if ((unsigned)r->cfg.whois > WHOIS_ANYONE ||
	    (unsigned)r->cfg.allowpm > PM_NONE)
		die("enum out of range", in, NULL);
	if (r->cfg.default_history > r->cfg.history_length)
		die("default_history above history_length", in, NULL);
	if ((r->cfg.presence_broadcast | r->cfg.getmemberlist) & ~0xfu)
		die("role bits out of range", in, NULL);
	if (r->salt[0] != '\0' && strlen(r->salt) != 64)
		die("salt of the wrong length", in, r->salt);
	for (i = 0; roomcfg_keys[i] != NULL; i++)
		if (roomcfg_get(&r->cfg, roomcfg_keys[i], out, sizeof(out)) != 0)
			die("roomcfg_get refuses a listed key", in,
			    roomcfg_keys[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf conf;
	static bool ready;
	struct room_record a, b;
	char err[256], *in, *s1, *s2;

	if (!ready) {
		conf_defaults(&conf);
		ready = true;
	}
	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (roomrec_decode(&a, &conf, in, err, sizeof(err)) == -1) {
		free(in);
		return 0;
	}
	check_ranges(&a, in);
	if ((s1 = roomrec_encode(&a)) == NULL)
		die("decoded record does not encode", in, NULL);
	if (roomrec_decode(&b, &conf, s1, err, sizeof(err)) == -1)
		die("encoding does not decode", s1, err);
	if (!roomcfg_equal(&a.cfg, &b.cfg) ||
	    !same(a.subject.text, b.subject.text) ||
	    !same(a.subject.from, b.subject.from) ||
	    a.subject.time != b.subject.time || a.created != b.created ||
	    a.last_used != b.last_used || strcmp(a.salt, b.salt) != 0)
		die("record changed in a round trip", in, s1);
	if ((s2 = roomrec_encode(&b)) == NULL || strcmp(s1, s2) != 0)
		die("encoding is not a fixed point", s1, s2);
	free(s2);
	free(s1);
	roomrec_free(&b);
	roomrec_free(&a);
	free(in);
	return 0;
}
