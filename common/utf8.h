/* utf8: validation of UTF-8 text arriving from outside. */
#ifndef MUCD_UTF8_H
#define MUCD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
bool	 utf8_valid(const char *, size_t);
/* The code point at s (of n bytes) in *cp, and its byte length; 0 if
 * the bytes there are not strict UTF-8. */
size_t	 utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Number of code points; the text must be valid. */
size_t	 utf8_len(const char *, size_t);
/* True if the text has any C0/C1 control character other than TAB/LF/CR. */
bool	 utf8_has_controls(const char *, size_t);
/* The byte length of a bidirectional or invisible format control
 * (U+202E, U+2066, U+200F, U+FEFF…) at s, else 0: text for a terminal
 * replaces them. */
size_t	 utf8_format_control(const char *, size_t);
/*
 * Cut an incomplete character off the end of s: what snprintf leaves when
 * the buffer ends inside one. Text that was valid stays valid.
 */
void	 utf8_chop(char *s);

#endif
