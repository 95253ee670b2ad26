#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static struct {
	const char	*ident;
	bool		 to_stderr;
	enum log_level	 level;
} logger = { "mucd", true, LOG_LVL_INFO };

static const char *names[] = { "error", "warning", "info", "debug" };

void
log_init(const char *ident, bool to_stderr, enum log_level level)
{
	logger.ident = ident;
	logger.to_stderr = to_stderr;
	logger.level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level l)
{
	logger.level = l;
}

enum log_level
log_get_level(void)
{
	return logger.level;
}

bool
log_debug_enabled(void)
{
	return logger.level >= LOG_LVL_DEBUG;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	if (strcmp(s, "warn") == 0) {
		*out = LOG_LVL_WARN;
		return 0;
	}
	return -1;
}

const char *
log_level_name(enum log_level l)
{
	return names[l];
}

static void
vlog(enum log_level l, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char stamp[32];
	struct tm tm;
	time_t now;

	if (l > logger.level)
		return;
	if (!logger.to_stderr) {
		vsyslog(prio[l], fmt, ap);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s[%s] ", stamp, logger.ident, names[l]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOGFN(fn, lvl) \
void fn(const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	vlog(lvl, fmt, ap); \
	va_end(ap); \
}

LOGFN(log_error, LOG_LVL_ERROR)
LOGFN(log_warn, LOG_LVL_WARN)
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)
