/*
 * xmlmem: every block expat asks for carries a small header naming the
 * budget it was charged to and its size, so free and realloc settle the
 * account without any lookup.
 */
#include "xmlmem.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

struct hdr {
	alignas(max_align_t) struct xmlmem *owner;
	size_t		 size;
};

/*
 * The budget charged by new allocations. Not shared state in any useful
 * sense: set and restored around calls into expat on this thread only,
 * because expat's hooks take no context argument.
 */
static _Thread_local struct xmlmem *current;

struct xmlmem *
xmlmem_enter(struct xmlmem *m)
{
	struct xmlmem *prev = current;

	current = m;
	return prev;
}

void
xmlmem_leave(struct xmlmem *prev)
{
	current = prev;
}

static bool
charge(struct xmlmem *m, size_t add)
{
	if (m == NULL)
		return true;
	if (add > m->cap || m->used > m->cap - add) {
		m->refused = true;
		return false;
	}
	m->used += add;
	return true;
}

static void *
xm_malloc(size_t n)
{
	struct hdr *h;

	if (n > SIZE_MAX - sizeof(*h) || !charge(current, n))
		return NULL;
	if ((h = malloc(sizeof(*h) + n)) == NULL) {
		if (current != NULL)
			current->used -= n;
		return NULL;
	}
	h->owner = current;
	h->size = n;
	return h + 1;
}

static void
xm_free(void *p)
{
	struct hdr *h;

	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	if (h->owner != NULL)
		h->owner->used -= h->size;
	free(h);
}

static void *
xm_realloc(void *p, size_t n)
{
	struct hdr *h, *nh;

	if (p == NULL)
		return xm_malloc(n);
	h = (struct hdr *)p - 1;
	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	if (n > h->size && !charge(h->owner, n - h->size))
		return NULL;
	if ((nh = realloc(h, sizeof(*nh) + n)) == NULL) {
		if (n > h->size && h->owner != NULL)
			h->owner->used -= n - h->size;
		return NULL;
	}
	if (n < nh->size && nh->owner != NULL)
		nh->owner->used -= nh->size - n;
	nh->size = n;
	return nh + 1;
}

const XML_Memory_Handling_Suite *
xmlmem_suite(void)
{
	static const XML_Memory_Handling_Suite suite = {
		xm_malloc, xm_realloc, xm_free
	};

	return &suite;
}
