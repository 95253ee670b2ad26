/*
 * loop: the one event loop (epoll), with one-shot timers and a hook that
 * runs once per turn before sleeping. The daemon does all its work from
 * callbacks here; nothing blocks and there are no threads.
 *
 * The before-sleep hook is where per-turn batching happens: the store's
 * group commit and the flush of everything written to the link during the
 * turn (see mucd.c).
 */
#ifndef MUCD_LOOP_H
#define MUCD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

struct loop_io {
	int		 fd;
	uint32_t	 events;
	void		(*cb)(struct loop_io *, uint32_t events);
	void		*arg;
};

struct loop_timer {
	uint64_t		 when;	/* monotonic ms; 0 when not armed */
	void			(*cb)(struct loop_timer *);
	void			*arg;
	struct loop_timer	*next;
};

#define LOOP_BATCH	256

struct loop {
	int			 epfd;
	bool			 running;
	bool			 awake;		/* next wait must not block */
	struct loop_timer	*timers;	/* sorted by when */
	/* The batch being dispatched: a handle removed by a callback has
	 * its later events in the batch cleared, so no stale event can
	 * reach freed memory however many handles go in one turn. */
	struct epoll_event	 batch[LOOP_BATCH];
	int			 batch_len, batch_pos;
	void			(*before_sleep)(void *);
	void			*before_sleep_arg;
};

int	 loop_init(struct loop *);
void	 loop_free(struct loop *);
int	 loop_add(struct loop *, struct loop_io *);
int	 loop_mod(struct loop *, struct loop_io *, uint32_t events);
void	 loop_del(struct loop *, struct loop_io *);
/* Arm (or re-arm) a timer to fire in ms milliseconds. */
void	 loop_timer_set(struct loop *, struct loop_timer *, uint64_t ms);
void	 loop_timer_cancel(struct loop *, struct loop_timer *);
static inline bool loop_timer_armed(const struct loop_timer *t) { return t->when != 0; }
/* Run until loop_stop. */
void	 loop_run(struct loop *);
/*
 * One turn without timers: before_sleep, then the handlers of what is
 * ready within timeout_ms (0: only what is ready now). loop_run is this
 * plus timers; tests drive a daemon one turn at a time with it. The
 * number of events, or -1 if epoll failed.
 */
int	 loop_dispatch(struct loop *, int timeout_ms);
void	 loop_stop(struct loop *);
/* Work is left that needs no event (e.g. held-back control requests):
 * the next wait polls instead of sleeping. */
void	 loop_keep_awake(struct loop *);
uint64_t loop_now_ms(void);

#endif
