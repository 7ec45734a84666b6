/* ini: a small INI reader that reports line numbers, which the config
 * checker needs for every problem it reports (Debian's libinih does not pass
 * them to the handler). Syntax: [section], key = value, ; or # comments on
 * their own line. Values run to the end of the line, blanks trimmed;
 * double quotes around a value are removed. No continuation lines. */
#ifndef UTIL_INI_H
#define UTIL_INI_H

#include "util/err.h"

/* Called for every key. section is "" before the first [section]. */
typedef void ini_entry_fn(int line, const char *section, const char *key,
			  const char *value, void *arg);
/* Called for every line that is not understood; parsing goes on. */
typedef void ini_error_fn(int line, const char *msg, void *arg);

/* Parse text (NUL-terminated). Returns the number of syntax errors. */
int ini_parse_string(const char *text, ini_entry_fn *on_entry,
		     ini_error_fn *on_error, void *arg);

/* Read and parse a file. ERR_IO (with the reason in e) when it cannot be
 * read; otherwise ERR_OK with *nerrors set to the syntax error count.
 * Files over 1 MiB are refused as ERR_TOO_BIG. */
MUST_CHECK enum err_code ini_parse_file(const char *path, ini_entry_fn *on_entry,
					ini_error_fn *on_error, void *arg,
					int *nerrors, struct err *e);

/* Read a whole small file into a NUL-terminated heap string (free() it).
 * Refuses files over cap bytes with ERR_TOO_BIG. */
MUST_CHECK enum err_code ini_read_file(const char *path, size_t cap, char **out,
				       struct err *e);

#endif
