/* log: levelled logging to stderr or a file, as text or JSON lines. The
 * macros test the level before formatting anything. Each .c that logs
 * defines LOG_COMPONENT before including this header. Thread-safe. */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdbool.h>

#include "util/err.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG__COUNT };
enum log_format { LOG_FMT_TEXT = 0, LOG_FMT_JSON };

#ifndef LOG_COMPONENT
#define LOG_COMPONENT "main"
#endif

extern _Atomic int log_current_level;

/* Level name ("info") and its reverse; log_level_parse returns -1 when
 * the name is unknown. */
const char *log_level_name(enum log_level lv);
int log_level_parse(const char *name);

/* (Re)configure: level, format, and a file path ("" or NULL = stderr).
 * A file is opened for append before the old one is closed, so a failed
 * reopen keeps logging where it did. Safe to call from any thread. */
MUST_CHECK enum err_code log_setup(enum log_level lv, enum log_format fmt,
				   const char *path, struct err *e);

/* Close the log file, if any; logging goes to stderr afterwards. */
void log_shutdown(void);

void log_write(enum log_level lv, const char *component, int with_errno,
	       const char *fmt, ...) PRINTF_LIKE(4, 5);

#define log_at(lv, en, ...) do { \
	if ((int)(lv) <= log_current_level) \
		log_write((lv), LOG_COMPONENT, (en), __VA_ARGS__); \
} while (0)

#define log_err(...) log_at(LOG_ERROR, 0, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, 0, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, 0, __VA_ARGS__)
/* append ": strerror(errno)" */
#define log_err_errno(...) log_at(LOG_ERROR, 1, __VA_ARGS__)
#define log_warn_errno(...) log_at(LOG_WARN, 1, __VA_ARGS__)

#endif
