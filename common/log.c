#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
	const char	*ident;
	bool		 to_stderr;
	bool		 journal;	/* stderr is systemd's journal stream */
	enum log_level	 level;
} logger = { "mucd", true, false, LOG_LVL_INFO };

/*
 * Under systemd, stderr may be a stream into the journal ($JOURNAL_STREAM
 * names its device:inode). Lines then carry a "<priority>" prefix, which
 * the journal turns into the entry's priority (so `journalctl -p err`
 * works), and no timestamp, which the journal adds itself.
 */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &sb) == -1)
		return false;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

static const char *names[] = { "error", "warning", "info", "debug" };

void
log_init(const char *ident, bool to_stderr, enum log_level level)
{
	logger.ident = ident;
	logger.to_stderr = to_stderr;
	logger.journal = to_stderr && stderr_is_journal();
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
	if (logger.journal) {
		fprintf(stderr, "<%d>", prio[l]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
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
