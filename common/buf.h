/*
 * buf: a growable byte buffer with a hard capacity limit.
 *
 * Every buffer that holds bytes from the network or destined for it has a
 * cap, so a misbehaving peer can never make us grow without bound: appends
 * that would cross the cap fail and leave the buffer unchanged.
 */
#ifndef MUCD_BUF_H
#define MUCD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;	/* bytes in use */
	size_t	 off;	/* bytes already consumed from the front */
	size_t	 size;	/* bytes allocated */
	size_t	 cap;	/* hard limit on len; 0 means SIZE_MAX */
};

void	 buf_init(struct buf *, size_t cap);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
/* Ensure room for n more bytes; -1 if that would cross the cap or OOM. */
int	 buf_reserve(struct buf *, size_t n);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, char);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list);
/* Unconsumed bytes. */
static inline const char *buf_head(const struct buf *b) { return b->data + b->off; }
static inline size_t buf_pending(const struct buf *b) { return b->len - b->off; }
/* Mark n bytes at the front consumed; compacts lazily. */
void	 buf_consume(struct buf *, size_t n);
/* When empty, give back memory above keep bytes: a burst must not pin
 * its peak allocation for the life of the connection. */
void	 buf_trim(struct buf *, size_t keep);
/* NUL-terminate without counting the NUL; -1 on cap/OOM. */
int	 buf_cstr(struct buf *);
/* Detach the contents as a malloc'd NUL-terminated string. */
char	*buf_steal(struct buf *);

#endif
