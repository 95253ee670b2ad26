/*
 * words: the spellings an operator may write for a value, shared by
 * mucd.conf and room settings so that "yes" means the same in both.
 */
#ifndef MUCD_WORDS_H
#define MUCD_WORDS_H

#include <stdbool.h>

/* yes/true/on/1 or no/false/off/0, any case; -1 for anything else. */
int	 word_bool(const char *, bool *);
/* Index of the exact name in names[0..n-1]; -1 if absent. */
int	 word_enum(const char *, const char *const *, int);

#endif
