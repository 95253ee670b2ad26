/*
 * log: leveled logging to stderr (foreground) or syslog (daemon).
 * The destination and level are process-wide, set once at start-up and on
 * reload, like OpenBSD's log.c.
 */
#ifndef MUCD_LOG_H
#define MUCD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	 log_init(const char *ident, bool to_stderr, enum log_level);
void	 log_set_level(enum log_level);
enum log_level log_get_level(void);
int	 log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
bool	 log_debug_enabled(void);

#endif
