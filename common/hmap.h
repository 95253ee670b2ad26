/*
 * hmap: string-keyed hash map (open addressing, linear probing with
 * backward-shift deletion, so there are no tombstones to pile up).
 *
 * Keys come from the network (JIDs, nicks), so the hash is SipHash with a
 * per-map random key from libsodium: nobody can aim collisions at it.
 * The map stores the key pointer, not a copy: the key must live as long as
 * its entry, which is natural when the key is a field of the value.
 */
#ifndef MUCD_HMAP_H
#define MUCD_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_entry {
	const char	*key;
	void		*val;
	uint64_t	 hash;
};

struct hmap {
	struct hmap_entry *slots;
	size_t		 cap;	/* power of two, or 0 */
	size_t		 count;
	unsigned char	 seed[16];
};

int	 hmap_init(struct hmap *);
void	 hmap_free(struct hmap *);
void	*hmap_get(const struct hmap *, const char *key);
/* Insert or replace; -1 on OOM. */
int	 hmap_put(struct hmap *, const char *key, void *val);
/* Remove; returns the old value or NULL. */
void	*hmap_del(struct hmap *, const char *key);
static inline size_t hmap_count(const struct hmap *m) { return m->count; }

/*
 * Iteration: for (i = 0; hmap_next(m, &i, &key, &val); ) ...
 * The map must not change during iteration: deletion shifts entries, so
 * callers collect what to delete first.
 */
int	 hmap_next(const struct hmap *, size_t *i, const char **key, void **val);

#endif
