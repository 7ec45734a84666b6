/* log: one line per message, written with a single write() under a lock so
 * lines from the HTTP thread and the main loop never interleave. */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"

_Atomic int log_current_level = LOG_INFO;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;            /* -1: stderr */
static enum log_format log_fmt = LOG_FMT_TEXT;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};
_Static_assert(ARRAY_LEN(level_names) == LOG__COUNT, "log level names");

const char *log_level_name(enum log_level lv)
{
	if ((unsigned)lv >= LOG__COUNT)
		return "?";
	return level_names[lv];
}

int log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(level_names); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warning") == 0)
		return LOG_WARN;
	return -1;
}

enum err_code log_setup(enum log_level lv, enum log_format fmt,
			const char *path, struct err *e)
{
	int fd = -1;
	int old;
	char eb[128];

	if (path && *path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0)
			return err_set(e, ERR_IO, "cannot open log file %s: %s",
				       path, err_errno_str(errno, eb, sizeof(eb)));
	}
	pthread_mutex_lock(&lock);
	old = log_fd;
	log_fd = fd;
	log_fmt = fmt;
	log_current_level = (int)lv;
	pthread_mutex_unlock(&lock);
	if (old >= 0)
		close(old);
	return ERR_OK;
}

void log_shutdown(void)
{
	int old;

	pthread_mutex_lock(&lock);
	old = log_fd;
	log_fd = -1;
	pthread_mutex_unlock(&lock);
	if (old >= 0)
		close(old);
}

static void json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c < 0x20) {
			buf_addf(b, "\\u%04x", c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

void log_write(enum log_level lv, const char *component, int with_errno,
	       const char *fmt, ...)
{
	int saved = errno;
	char ts[CLOCK_ISO_LEN];
	char eb[128];
	struct buf msg = BUF_INIT(16 * 1024);
	struct buf line = BUF_INIT(32 * 1024);
	va_list ap;
	ssize_t w;
	int fd;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (with_errno)
		buf_addf(&msg, ": %s", err_errno_str(saved, eb, sizeof(eb)));
	clock_iso(clock_now_ms(), ts, sizeof(ts));

	pthread_mutex_lock(&lock);
	if (log_fmt == LOG_FMT_JSON) {
		buf_addf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", ts, log_level_name(lv));
		json_str(&line, component);
		buf_adds(&line, ",\"msg\":");
		json_str(&line, buf_str(&msg));
		buf_adds(&line, "}\n");
	} else {
		buf_addf(&line, "%s %-5s %s: %s\n", ts, log_level_name(lv), component, buf_str(&msg));
	}
	fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
	w = write(fd, buf_str(&line), line.len);
	(void)w; /* nowhere left to report a failed log write */
	pthread_mutex_unlock(&lock);
	buf_release(&msg);
	buf_release(&line);
	errno = saved;
}
