/*
 * xmlmem: a memory budget for an expat parser.
 *
 * expat allocates beyond what it is fed: namespace-qualified names are
 * expanded in full for every attribute (a 150 KB stanza with one long
 * namespace and many prefixed attributes made it allocate 700 MB), and a
 * long stream keeps every distinct element and attribute name it has
 * seen. A parser created with xmlmem_suite() draws on a struct xmlmem;
 * past its cap, allocations fail and expat stops with
 * XML_ERROR_NO_MEMORY.
 */
#ifndef MUCD_XMLMEM_H
#define MUCD_XMLMEM_H

#include <expat.h>
#include <stdbool.h>
#include <stddef.h>

struct xmlmem {
	size_t		 used;		/* bytes expat holds now */
	size_t		 cap;
	bool		 refused;	/* an allocation hit the cap */
};

/* The allocation functions to pass to XML_ParserCreate_MM. */
const XML_Memory_Handling_Suite *xmlmem_suite(void);

/*
 * expat's allocation hooks carry no context, so the budget that new
 * allocations draw on is set around each call into expat that may
 * allocate (creating the parser, XML_Parse). Returns the previous one
 * for xmlmem_leave (a handler may parse another document). Freeing and
 * resizing find their budget in the block itself.
 */
struct xmlmem	*xmlmem_enter(struct xmlmem *);
void		 xmlmem_leave(struct xmlmem *prev);

#endif
