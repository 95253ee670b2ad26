#include "hmap.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
hash(const struct hmap *m, const char *key)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)key, strlen(key), m->seed);
	memcpy(&h, out, sizeof(h));
	return h;
}

int
hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(m->seed, sizeof(m->seed));
	return 0;
}

void
hmap_free(struct hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

static size_t
find(const struct hmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	for (;;) {
		const struct hmap_entry *e = &m->slots[i];

		if (e->key == NULL)
			return i;
		if (e->hash == h && strcmp(e->key, key) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static int
grow(struct hmap *m)
{
	struct hmap_entry *old = m->slots;
	size_t oldcap = m->cap, i, ncap = m->cap ? m->cap * 2 : 16;

	if ((m->slots = calloc(ncap, sizeof(*m->slots))) == NULL) {
		m->slots = old;
		return -1;
	}
	m->cap = ncap;
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			m->slots[find(m, old[i].key, old[i].hash)] = old[i];
	free(old);
	return 0;
}

void *
hmap_get(const struct hmap *m, const char *key)
{
	size_t i;

	if (m->count == 0)
		return NULL;
	i = find(m, key, hash(m, key));
	return m->slots[i].key ? m->slots[i].val : NULL;
}

int
hmap_put(struct hmap *m, const char *key, void *val)
{
	uint64_t h = hash(m, key);
	size_t i;

	/* Keep the load factor under 3/4 so probes stay short. */
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) == -1)
		return -1;
	i = find(m, key, h);
	if (m->slots[i].key == NULL)
		m->count++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->slots[i].hash = h;
	return 0;
}

/* Remove slot i, shifting later members of its probe run back. */
static void
remove_slot(struct hmap *m, size_t i)
{
	size_t mask = m->cap - 1, j = i, home;

	m->slots[i].key = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (m->slots[j].key == NULL)
			break;
		home = m->slots[j].hash & mask;
		/* Move j back to i if i lies cyclically in [home, j). */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	m->count--;
}

void *
hmap_del(struct hmap *m, const char *key)
{
	size_t i;
	void *v;

	if (m->count == 0)
		return NULL;
	i = find(m, key, hash(m, key));
	if (m->slots[i].key == NULL)
		return NULL;
	v = m->slots[i].val;
	remove_slot(m, i);
	return v;
}

int
hmap_next(const struct hmap *m, size_t *i, const char **key, void **val)
{
	while (*i < m->cap) {
		const struct hmap_entry *e = &m->slots[(*i)++];

		if (e->key != NULL) {
			if (key != NULL)
				*key = e->key;
			if (val != NULL)
				*val = e->val;
			return 1;
		}
	}
	return 0;
}
