/*
 * nickskel: the "skeleton" of a nickname for collision checks — two nicks
 * that look the same on screen get the same skeleton even when their code
 * points differ (Cyrillic 'о' and Latin 'o', 'l' and 'I' and '1', …), in
 * the spirit of Unicode TR #39's confusable skeletons, for the scripts
 * whose lookalikes are commonly abused. Input must already be
 * resourceprepped (which has applied NFKC and removed invisible
 * characters).
 */
#ifndef MUCD_NICKSKEL_H
#define MUCD_NICKSKEL_H

#include <stddef.h>

/* Write the skeleton of nick (valid UTF-8) to out; -1 if it does not fit. */
int	 nick_skeleton(const char *nick, char *out, size_t outlen);

#endif
