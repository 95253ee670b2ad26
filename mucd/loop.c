#include "loop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

uint64_t
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	return 0;
}

void
loop_free(struct loop *l)
{
	if (l->epfd != -1)
		close(l->epfd);
	l->epfd = -1;
}

int
loop_add(struct loop *l, struct loop_io *io)
{
	struct epoll_event ev = { .events = io->events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

int
loop_mod(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (io->events == events)
		return 0;
	io->events = events;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void
loop_del(struct loop *l, struct loop_io *io)
{
	int i;

	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	for (i = l->batch_pos + 1; i < l->batch_len; i++)
		if (l->batch[i].data.ptr == io)
			l->batch[i].data.ptr = NULL;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer **pp;

	if (t->when == 0)
		return;
	for (pp = &l->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->when = 0;
	t->next = NULL;
}

void
loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	struct loop_timer **pp;

	loop_timer_cancel(l, t);
	t->when = loop_now_ms() + ms;
	if (t->when == 0)
		t->when = 1;
	for (pp = &l->timers; *pp != NULL && (*pp)->when <= t->when;
	    pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

static void
run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	struct loop_timer *t;

	/* A callback may re-arm its own timer; it then lands after now and
	 * the loop ends. */
	while ((t = l->timers) != NULL && t->when <= now) {
		l->timers = t->next;
		t->when = 0;
		t->next = NULL;
		t->cb(t);
	}
}

static int
next_timeout(const struct loop *l)
{
	uint64_t now;

	if (l->timers == NULL)
		return -1;
	now = loop_now_ms();
	if (l->timers->when <= now)
		return 0;
	return l->timers->when - now > 60000 ? 60000 :
	    (int)(l->timers->when - now);
}

void
loop_stop(struct loop *l)
{
	l->running = false;
}

void
loop_keep_awake(struct loop *l)
{
	l->awake = true;
}

int
loop_dispatch(struct loop *l, int timeout_ms)
{
	struct loop_io *io;
	int n;

	l->awake = false;
	if (l->before_sleep != NULL)
		l->before_sleep(l->before_sleep_arg);
	n = epoll_wait(l->epfd, l->batch, LOOP_BATCH, l->awake ? 0 :
	    timeout_ms);
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		log_error("epoll_wait: %s", strerror(errno));
		return -1;
	}
	l->batch_len = n;
	for (l->batch_pos = 0; l->batch_pos < n && l->running;
	    l->batch_pos++) {
		if ((io = l->batch[l->batch_pos].data.ptr) != NULL)
			io->cb(io, l->batch[l->batch_pos].events);
	}
	l->batch_len = l->batch_pos = 0;
	return n;
}

void
loop_run(struct loop *l)
{
	l->running = true;
	while (l->running) {
		if (loop_dispatch(l, next_timeout(l)) == -1)
			break;
		run_timers(l);
	}
	if (l->before_sleep != NULL)
		l->before_sleep(l->before_sleep_arg);
}
