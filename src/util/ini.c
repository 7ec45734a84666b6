/* ini: line-oriented INI reader with line numbers. */
#include "util/ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/parse.h"

#define INI_MAX_FILE (1024 * 1024)

static void parse_line(char *s, int lineno, char *section, size_t seclen,
		       ini_entry_fn *on_entry, ini_error_fn *on_error,
		       void *arg, int *nerr)
{
	char *eq, *key, *val, *end;
	size_t n;

	s = parse_trim(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || parse_trim(end + 1)[0] != '\0') {
			on_error(lineno, "section header must look like [name]", arg);
			(*nerr)++;
			return;
		}
		*end = '\0';
		key = parse_trim(s + 1);
		if ((size_t)snprintf(section, seclen, "%s", key) >= seclen || !*key) {
			on_error(lineno, "section name is empty or too long", arg);
			(*nerr)++;
			section[0] = '\0';
		}
		return;
	}
	eq = strchr(s, '=');
	if (!eq) {
		on_error(lineno, "expected key = value", arg);
		(*nerr)++;
		return;
	}
	*eq = '\0';
	key = parse_trim(s);
	val = parse_trim(eq + 1);
	if (!*key) {
		on_error(lineno, "missing key before '='", arg);
		(*nerr)++;
		return;
	}
	n = strlen(val);
	if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
		val[n - 1] = '\0';
		val++;
	}
	on_entry(lineno, section, key, val, arg);
}

int ini_parse_string(const char *text, ini_entry_fn *on_entry,
		     ini_error_fn *on_error, void *arg)
{
	char section[128] = "";
	char *copy, *line, *next;
	int lineno = 0, nerr = 0;

	copy = strdup(text);
	if (!copy) {
		on_error(0, "out of memory", arg);
		return 1;
	}
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		parse_line(line, lineno, section, sizeof(section), on_entry,
			   on_error, arg, &nerr);
	}
	free(copy);
	return nerr;
}

enum err_code ini_read_file(const char *path, size_t cap, char **out,
			    struct err *e)
{
	struct buf b = BUF_INIT(cap);
	char chunk[4096];
	char eb[128];
	FILE *f = NULL;
	size_t n;
	enum err_code rc = ERR_OK;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		rc = err_set(e, ERR_IO, "cannot read %s: %s", path,
			     err_errno_str(errno, eb, sizeof(eb)));
		goto out;
	}
	for (;;) {
		n = fread(chunk, 1, sizeof(chunk), f);
		if (n == 0)
			break;
		buf_add(&b, chunk, n);
	}
	if (ferror(f)) {
		rc = err_set(e, ERR_IO, "cannot read %s", path);
		goto out;
	}
	if (buf_failed(&b)) {
		rc = err_set(e, buf_failed(&b), "%s is larger than %zu bytes", path, cap);
		goto out;
	}
	*out = buf_detach(&b, NULL);
	if (!*out)
		rc = err_set(e, ERR_NOMEM, "out of memory reading %s", path);
out:
	if (f)
		fclose(f);
	buf_release(&b);
	return rc;
}

enum err_code ini_parse_file(const char *path, ini_entry_fn *on_entry,
			     ini_error_fn *on_error, void *arg, int *nerrors,
			     struct err *e)
{
	char *text = NULL;
	enum err_code rc;

	rc = ini_read_file(path, INI_MAX_FILE, &text, e);
	if (rc != ERR_OK)
		return rc;
	*nerrors = ini_parse_string(text, on_entry, on_error, arg);
	free(text);
	return ERR_OK;
}
