/* util: time, errors, checked allocation, small file helpers. */
#include "mucbench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
vwarn_(const char *f, va_list ap)
{
	fputs("mucbench: ", stderr);
	vfprintf(stderr, f, ap);
	fputc('\n', stderr);
}

void
die(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vwarn_(f, ap);
	va_end(ap);
	exit(1);
}

void
warnx_(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vwarn_(f, ap);
	va_end(ap);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void
fmt(char *dst, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(dst, len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		die("internal: formatted string too long (%d bytes)", n);
}

/* Append to a capped buffer; the caps are sized so that a failure here
 * is a bug or a peer that stopped reading: stop with a clear error. */
void
bput(struct buf *b, const char *f, ...)
{
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = buf_vprintf(b, f, ap);
	va_end(ap);
	if (rc == -1)
		die("output buffer cap (%zu bytes) reached", b->cap);
}

int
write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return -1;
	rc = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len ?
	    0 : -1;
	return close(fd) == 0 ? rc : -1;
}

/* Remove a scratch directory tree we created (no symlink following). */
int
rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	struct stat sb;

	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(p))
			continue;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	return rmdir(dir);
}
