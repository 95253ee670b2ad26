/*
 * hmap: string-keyed map with linear probing and backward-shift deletion,
 * checked against a trivial reference (an array indexed by key number) and
 * against the structural invariant of linear probing: no empty slot lies
 * between an entry's home slot and the slot it occupies.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "unit.h"

/* Every entry is reachable from its home slot without crossing a hole. */
static bool
probe_invariant(const struct hmap *m)
{
	size_t i, j, mask, n = 0;

	if (m->cap == 0)
		return m->count == 0;
	mask = m->cap - 1;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		n++;
		for (j = m->slots[i].hash & mask; j != i; j = (j + 1) & mask)
			if (m->slots[j].key == NULL)
				return false;
	}
	return n == m->count;
}

static void
basic(void)
{
	struct hmap m;
	int a = 1, b = 2, c = 3;
	char key[] = "alice";

	CHECK_INT(hmap_init(&m), 0);
	CHECK_INT(hmap_count(&m), 0);
	CHECK(hmap_get(&m, "alice") == NULL);
	CHECK(hmap_del(&m, "alice") == NULL);
	CHECK_INT(hmap_put(&m, "alice", &a), 0);
	CHECK_INT(hmap_put(&m, "bob", &b), 0);
	CHECK_INT(hmap_count(&m), 2);
	CHECK(hmap_get(&m, "alice") == &a);
	CHECK(hmap_get(&m, "bob") == &b);
	CHECK(hmap_get(&m, "carol") == NULL);
	/* Lookup is by content, not by pointer. */
	CHECK(hmap_get(&m, key) == &a);
	/* Keys differing only in case or by a prefix are distinct. */
	CHECK(hmap_get(&m, "Alice") == NULL);
	CHECK(hmap_get(&m, "alic") == NULL);
	CHECK(hmap_get(&m, "alicee") == NULL);
	/* Replace keeps the count and returns the new value. */
	CHECK_INT(hmap_put(&m, key, &c), 0);
	CHECK_INT(hmap_count(&m), 2);
	CHECK(hmap_get(&m, "alice") == &c);
	/* Delete returns the old value, once. */
	CHECK(hmap_del(&m, "alice") == &c);
	CHECK_INT(hmap_count(&m), 1);
	CHECK(hmap_get(&m, "alice") == NULL);
	CHECK(hmap_del(&m, "alice") == NULL);
	CHECK_INT(hmap_count(&m), 1);
	CHECK(hmap_get(&m, "bob") == &b);
	/* The empty string is a key like any other. */
	CHECK_INT(hmap_put(&m, "", &a), 0);
	CHECK(hmap_get(&m, "") == &a);
	CHECK(hmap_del(&m, "") == &a);
	CHECK(hmap_get(&m, "") == NULL);
	/* A NULL value is storable, though indistinguishable on get. */
	CHECK_INT(hmap_put(&m, "nil", NULL), 0);
	CHECK_INT(hmap_count(&m), 2);
	CHECK(probe_invariant(&m));
	hmap_free(&m);
	CHECK_INT(hmap_count(&m), 0);
	CHECK(hmap_get(&m, "bob") == NULL);
	/* Usable again after free. */
	CHECK_INT(hmap_put(&m, "bob", &b), 0);
	CHECK(hmap_get(&m, "bob") == &b);
	hmap_free(&m);
}

/* Two maps hash differently (per-map random key) but behave the same. */
static void
independent_seeds(void)
{
	struct hmap m1, m2;

	CHECK_INT(hmap_init(&m1), 0);
	CHECK_INT(hmap_init(&m2), 0);
	CHECK(memcmp(m1.seed, m2.seed, sizeof(m1.seed)) != 0);
	CHECK_INT(hmap_put(&m1, "k", "v1"), 0);
	CHECK_INT(hmap_put(&m2, "k", "v2"), 0);
	CHECK_STR(hmap_get(&m1, "k"), "v1");
	CHECK_STR(hmap_get(&m2, "k"), "v2");
	hmap_free(&m1);
	hmap_free(&m2);
}

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* Full comparison with the reference, including iteration. */
static bool
matches(const struct hmap *m, char **keys, const bool *present,
    const int *vals, size_t n)
{
	unsigned char *seen;
	size_t i, count = 0, it;
	const char *k;
	void *v;
	bool ok = true;

	for (i = 0; i < n; i++) {
		void *got = hmap_get(m, keys[i]);

		if (present[i]) {
			count++;
			if (got != &vals[i])
				ok = false;
		} else if (got != NULL)
			ok = false;
	}
	if (count != hmap_count(m))
		ok = false;
	/* Iteration visits each present key exactly once, nothing else. */
	if ((seen = calloc(n, 1)) == NULL)
		return false;
	for (it = 0, count = 0; hmap_next(m, &it, &k, &v); count++) {
		unsigned idx;

		if (sscanf(k, "key-%u", &idx) != 1 || idx >= n ||
		    !present[idx] || seen[idx] || v != &vals[idx] ||
		    k != keys[idx])
			ok = false;
		else
			seen[idx] = 1;
	}
	if (count != hmap_count(m))
		ok = false;
	free(seen);
	return ok && probe_invariant(m);
}

/* 100k keys, random puts, replaces and deletes interleaved. */
static void
random_against_reference(void)
{
	enum { N = 100000, OPS = 600000 };
	char **keys;
	bool *present;
	int *vals;
	struct hmap m;
	size_t i, bad = 0, live = 0, peak = 0;
	unsigned op, k;

	keys = calloc(N, sizeof(*keys));
	present = calloc(N, sizeof(*present));
	vals = calloc(N, sizeof(*vals));
	if (keys == NULL || present == NULL || vals == NULL) {
		CHECK(!"calloc");
		goto out;
	}
	for (i = 0; i < N; i++) {
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "key-%zu", i);
		if ((keys[i] = strdup(tmp)) == NULL) {
			CHECK(!"strdup");
			goto out;
		}
	}
	CHECK_INT(hmap_init(&m), 0);
	/* Phase 1: insert everything in random order, deleting some. */
	for (i = 0; i < OPS; i++) {
		op = rnd(100);
		k = rnd(N);
		if (op < 60 || i < N / 2) {
			/* Lookups through a fresh copy of the key string. */
			char probe[32];

			snprintf(probe, sizeof(probe), "key-%u", k);
			if (hmap_put(&m, keys[k], &vals[k]) != 0)
				bad++;
			if (!present[k])
				live++;
			present[k] = true;
			if (hmap_get(&m, probe) != &vals[k])
				bad++;
		} else if (op < 90) {
			void *want = present[k] ? &vals[k] : NULL;

			if (hmap_del(&m, keys[k]) != want)
				bad++;
			if (present[k])
				live--;
			present[k] = false;
			if (hmap_get(&m, keys[k]) != NULL)
				bad++;
		} else {
			void *want = present[k] ? &vals[k] : NULL;

			if (hmap_get(&m, keys[k]) != want)
				bad++;
		}
		if (hmap_count(&m) != live)
			bad++;
		if (live > peak)
			peak = live;
		if (i % 100000 == 99999 && !matches(&m, keys, present, vals, N))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(peak > N / 2);		/* the map really was big */
	CHECK(matches(&m, keys, present, vals, N));
	/* Phase 2: delete everything, in random order, checking survivors. */
	for (i = 0; i < N; i++) {
		k = rnd(N);
		if (present[k]) {
			if (hmap_del(&m, keys[k]) != &vals[k])
				bad++;
			present[k] = false;
		}
		if (i % 20000 == 0 && !matches(&m, keys, present, vals, N))
			bad++;
	}
	for (i = 0; i < N; i++)
		if (present[i]) {
			if (hmap_del(&m, keys[i]) != &vals[i])
				bad++;
			present[i] = false;
		}
	CHECK_INT(bad, 0);
	CHECK_INT(hmap_count(&m), 0);
	CHECK(matches(&m, keys, present, vals, N));
	hmap_free(&m);
out:
	if (keys != NULL)
		for (i = 0; i < N; i++)
			free(keys[i]);
	free(keys);
	free(present);
	free(vals);
}

/*
 * Backward shift: in a small, dense table (12 keys in 16 slots: long runs,
 * some wrapping past the end), delete keys one at a time in random order
 * and check that every other key stays reachable. Each map gets a fresh
 * random seed, so many layouts are exercised.
 */
static void
delete_keeps_others_reachable(void)
{
	enum { K = 12, ROUNDS = 4000 };
	char keys[K][16];
	int vals[K];
	bool present[K];
	unsigned order[K], r, i, j, t, bad = 0, wrapped = 0;
	struct hmap m;

	for (i = 0; i < K; i++)
		snprintf(keys[i], sizeof(keys[i]), "nick%u", i);
	for (r = 0; r < ROUNDS; r++) {
		if (hmap_init(&m) != 0) {
			bad++;
			break;
		}
		for (i = 0; i < K; i++) {
			if (hmap_put(&m, keys[i], &vals[i]) != 0)
				bad++;
			present[i] = true;
			order[i] = i;
		}
		if (m.cap != 16)
			bad++;
		/* Count layouts where a run wraps from the last slot to 0. */
		if (m.slots[m.cap - 1].key != NULL && m.slots[0].key != NULL &&
		    (m.slots[0].hash & (m.cap - 1)) != 0)
			wrapped++;
		for (i = K - 1; i > 0; i--) {
			j = rnd(i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < K; i++) {
			if (hmap_del(&m, keys[order[i]]) != &vals[order[i]])
				bad++;
			present[order[i]] = false;
			for (j = 0; j < K; j++)
				if (hmap_get(&m, keys[j]) !=
				    (present[j] ? &vals[j] : NULL))
					bad++;
			if (!probe_invariant(&m))
				bad++;
		}
		hmap_free(&m);
	}
	CHECK_INT(bad, 0);
	CHECK(wrapped > 0);		/* the wrap-around case was exercised */
}

/* Iteration order is arbitrary but complete; growth keeps all entries. */
static void
iteration_and_growth(void)
{
	enum { N = 5000 };
	static char keys[N][16];
	unsigned char seen[N];
	struct hmap m;
	size_t it, i, visits = 0, dup = 0;
	const char *k;
	void *v;

	memset(seen, 0, sizeof(seen));
	CHECK_INT(hmap_init(&m), 0);
	/* Empty map: no visits. */
	it = 0;
	CHECK_INT(hmap_next(&m, &it, &k, &v), 0);
	for (i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "room%zu", i);
		CHECK_INT(hmap_put(&m, keys[i], keys[i]), 0);
	}
	CHECK_INT(hmap_count(&m), N);
	/* Load factor stays under 3/4 after growth. */
	CHECK(m.count * 4 <= m.cap * 3);
	for (it = 0; hmap_next(&m, &it, &k, &v); visits++) {
		unsigned idx;

		if (sscanf(k, "room%u", &idx) != 1 || idx >= N || v != keys[idx]) {
			dup++;
			continue;
		}
		if (seen[idx]++)
			dup++;
	}
	CHECK_INT(visits, N);
	CHECK_INT(dup, 0);
	/* NULL out-parameters are allowed. */
	it = 0;
	CHECK_INT(hmap_next(&m, &it, NULL, NULL), 1);
	/* Collect-then-delete, as the header prescribes. */
	for (i = 0; i < N; i += 2)
		CHECK(hmap_del(&m, keys[i]) == keys[i]);
	for (it = 0, visits = 0; hmap_next(&m, &it, &k, &v); visits++)
		CHECK(v == k);
	CHECK_INT(visits, N / 2);
	CHECK(probe_invariant(&m));
	hmap_free(&m);
}

const struct unit_test unit_tests[] = {
	TEST(basic),
	TEST(independent_seeds),
	TEST(random_against_reference),
	TEST(delete_keeps_others_reachable),
	TEST(iteration_and_growth),
	{ NULL, NULL }
};
