/* cmd_request: what a person asks of a return — release, cancel, approve,
 * reject (issues 8/9). The engine owns every state change (cancelling may
 * need Odoo), so these commands only check that the request makes sense
 * now and record it durably, with an audit row; the daemon's engine
 * applies it at its next round and records the result. */
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/parse.h"

#define MAX_PICKED 256

struct request_opts {
	const char *config;
	const char *comment;
	const char *by;
	const char *lines;
	char actor[128];
};

/* What the return looks like now, copied out of store_return_get's
 * callback (its strings are borrowed). */
struct return_view {
	int64_t id;
	char state[32];
	int nlines;
	int *line_nos;
};

static void on_return(const struct store_return *r,
		      const struct store_exception_row *x, int nx, void *arg)
{
	struct return_view *v = arg;
	int i;

	(void)x;
	(void)nx;
	v->id = r->id;
	snprintf(v->state, sizeof(v->state), "%s", r->state);
	v->line_nos = calloc(r->nlines > 0 ? (size_t)r->nlines : 1, sizeof(int));
	if (!v->line_nos)
		return;
	for (i = 0; i < r->nlines; i++)
		v->line_nos[i] = r->lines[i].line_no;
	v->nlines = r->nlines;
}

/* --by, else who ran sudo, else the login name */
void cli_default_actor(char *out, size_t n)
{
	const char *env[] = { "SUDO_USER", "USER" };
	struct passwd pw, *found = NULL;
	char pbuf[1024];
	size_t i;

	for (i = 0; i < ARRAY_LEN(env); i++) {
		if (getenv(env[i]) && *getenv(env[i])) {
			snprintf(out, n, "%s", getenv(env[i]));
			return;
		}
	}
	if (getpwuid_r(getuid(), &pw, pbuf, sizeof(pbuf), &found) == 0 && found)
		snprintf(out, n, "%s", found->pw_name);
	else
		snprintf(out, n, "uid %ld", (long)getuid());
}

/* Returns -1 to go on, or an exit code. */
static int parse_request_opts(struct cli *cli, const char *name, int argc,
			      char **argv, struct request_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "comment", required_argument, NULL, 'm' },
		{ "by", required_argument, NULL, 'b' },
		{ "lines", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *cmd = cli_find(name);
	int c;

	for (;;) {
		c = getopt_long(argc, argv, "c:m:h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			o->comment = optarg;
			break;
		case 'b':
			o->by = optarg;
			break;
		case 'l':
			if (!strstr(cmd->usage, "--lines")) {
				fprintf(cli->err, "%s %s: --lines is for approve and reject; %s applies to the whole return\n",
					cli->prog, name, name);
				return CLI_USAGE;
			}
			o->lines = optarg;
			break;
		case 'h':
			cli_usage(cli, cmd, cli->out);
			return CLI_OK;
		default:
			goto bad;
		}
	}
	if (optind + 1 != argc) {
		fprintf(cli->err, "%s %s: give exactly one RETURN_ID (the Rebound return id)\n",
			cli->prog, name);
		return CLI_USAGE;
	}
	if (!o->comment || !*o->comment) {
		fprintf(cli->err, "%s %s: --comment TEXT is required: say why, for whoever reads the return's history later\n",
			cli->prog, name);
		return CLI_USAGE;
	}
	if (o->by && !*o->by) {
		fprintf(cli->err, "%s %s: --by needs a name\n", cli->prog, name);
		return CLI_USAGE;
	}
	if (o->by)
		snprintf(o->actor, sizeof(o->actor), "%s", o->by);
	else
		cli_default_actor(o->actor, sizeof(o->actor));
	return -1;
bad:
	fprintf(cli->err, "%s %s: bad option %s\n", cli->prog, name, argv[optind - 1]);
	cli_usage(cli, cmd, cli->err);
	return CLI_USAGE;
}

static bool has_line(const struct return_view *v, int64_t no)
{
	int i;

	for (i = 0; i < v->nlines; i++)
		if (v->line_nos[i] == no)
			return true;
	return false;
}

/* "1,2,3" -> "[1,2,3]" (each a line of the return, each once), or a
 * message in msg and false. */
static bool parse_lines(const char *spec, const struct return_view *v,
			struct buf *json, char *msg, size_t n)
{
	int64_t picked[MAX_PICKED], no;
	struct err e = ERR_INIT;
	char item[32];
	const char *p = spec, *end;
	size_t len, np = 0, i;

	buf_adds(json, "[");
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(item)) {
			snprintf(msg, n, "\"%s\" is not a list of line numbers such as 1,2", spec);
			return false;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse_int64(item, 1, 1000000, &no, &e) != ERR_OK) {
			snprintf(msg, n, "\"%s\" is not a line number (%.200s)", item, e.msg);
			return false;
		}
		if (!has_line(v, no)) {
			snprintf(msg, n, "the return has no line %" PRId64 " (`returnbridge status` lists its lines)", no);
			return false;
		}
		for (i = 0; i < np; i++)
			if (picked[i] == no)
				break;
		if (i == np) {
			if (np == MAX_PICKED) {
				snprintf(msg, n, "more than %d lines", MAX_PICKED);
				return false;
			}
			picked[np++] = no;
			buf_addf(json, "%s%" PRId64, np > 1 ? "," : "", no);
		}
		if (!end)
			break;
		p = end + 1;
	}
	buf_adds(json, "]");
	return !buf_failed(json);
}

static bool state_in(const char *state, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(state, *set) == 0)
			return true;
	return false;
}

/* Whether kind makes sense in v's state; if not, why in msg. A note for
 * the person (what the engine will do instead) goes to note. */
static bool allowed(const char *kind, const struct return_view *v, char *msg,
		    size_t n, const char **note)
{
	static const char *const finished[] = { "CREDITED", "NOTIFIED", "CLOSED", "CANCELLED", NULL };

	*note = NULL;
	if (strcmp(kind, "release") == 0) {
		if (strcmp(v->state, "ON_HOLD") == 0)
			return true;
		snprintf(msg, n, "it is %s, not ON_HOLD: only a return on hold can be released", v->state);
		return false;
	}
	if (strcmp(kind, "cancel") == 0) {
		if (state_in(v->state, finished)) {
			snprintf(msg, n, "it is %s: a return that is credited, closed or cancelled cannot be cancelled (a credit note already posted is undone in Odoo, by a person)",
				 v->state);
			return false;
		}
		if (strcmp(v->state, "RECEIVED") == 0 || strcmp(v->state, "ON_HOLD") == 0)
			*note = "if the goods are already received in Odoo, the engine does not cancel the return: it opens an exception for a person to decide what happens to them";
		return true;
	}
	/* approve, reject: the refund policy asked a person (issue 9) */
	if (strcmp(v->state, "AWAITING_APPROVAL") == 0)
		return true;
	snprintf(msg, n, "it is %s, not AWAITING_APPROVAL: there is nothing to %s", v->state, kind);
	return false;
}

static int record(struct cli *cli, const char *kind, const char *rid,
		  struct request_opts *o, struct store *st)
{
	struct return_view v = { 0, "", 0, NULL };
	struct buf lines = BUF_INIT(4096);
	struct store_request rq;
	struct err e = ERR_INIT;
	const char *note = NULL;
	char msg[512];
	int64_t id = 0;
	enum err_code erc;
	int rc = CLI_OK;

	erc = store_return_get(st, rid, on_return, &v, &e);
	if (erc == ERR_NOT_FOUND) {
		fprintf(cli->err, "%s %s: no return %s in %s (check the id; `%s events` lists what has arrived)\n",
			cli->prog, kind, rid, store_describe(st), cli->prog);
		rc = CLI_FAIL;
		goto out;
	}
	if (erc != ERR_OK || !v.line_nos) {
		fprintf(cli->err, "%s: %s\n", cli->prog, erc != ERR_OK ? e.msg : "out of memory");
		rc = CLI_FAIL;
		goto out;
	}
	if (!allowed(kind, &v, msg, sizeof(msg), &note)) {
		fprintf(cli->err, "%s %s: return %s: %s. Nothing recorded\n", cli->prog, kind, rid, msg);
		rc = CLI_FAIL;
		goto out;
	}
	if (o->lines && !parse_lines(o->lines, &v, &lines, msg, sizeof(msg))) {
		fprintf(cli->err, "%s %s: --lines: %s\n", cli->prog, kind, msg);
		rc = CLI_USAGE;
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.kind = kind;
	rq.lines = o->lines ? buf_str(&lines) : NULL;
	rq.actor = o->actor;
	rq.comment = o->comment;
	erc = store_request_add(st, rid, &rq, &id, &e);
	if (erc != ERR_OK) {
		fprintf(cli->err, "%s %s: return %s: %s. Nothing recorded\n", cli->prog, kind, rid, e.msg);
		rc = CLI_FAIL;
		goto out;
	}
	fprintf(cli->out, "recorded request #%" PRId64 ": %s return %s%s%s (state %s), by %s: \"%s\"\n",
		id, kind, rid, o->lines ? ", lines " : "", o->lines ? buf_str(&lines) : "",
		v.state, o->actor, o->comment);
	if (note)
		fprintf(cli->out, "note: %s\n", note);
	fprintf(cli->out, "The running daemon's engine applies it within a few seconds;"
			  " `%s status %s` shows the result.\n", cli->prog, rid);
out:
	buf_release(&lines);
	free(v.line_nos);
	return rc;
}

static int run_request(struct cli *cli, const char *kind, int argc, char **argv)
{
	struct request_opts o;
	struct store *st = NULL;
	struct cfg c;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse_request_opts(cli, kind, argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = cli_open_store(cli, o.config, &c, &st);
	if (rc != CLI_OK)
		return rc;
	rc = record(cli, kind, argv[optind], &o, st);
	store_close(st);
	cfg_release(&c);
	return rc;
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	return run_request(cli, "release", argc, argv);
}

int cmd_cancel(struct cli *cli, int argc, char **argv)
{
	return run_request(cli, "cancel", argc, argv);
}

int cmd_approve(struct cli *cli, int argc, char **argv)
{
	return run_request(cli, "approve", argc, argv);
}

int cmd_reject(struct cli *cli, int argc, char **argv)
{
	return run_request(cli, "reject", argc, argv);
}

/* --- requests in `status` --------------------------------------------------- */

static void on_request(const struct store_request *r, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I,s:s,s:o,s:s,s:s,s:I,s:o,s:s?}",
					     "id", (json_int_t)r->id, "kind", r->kind,
					     "lines", r->lines ? json_loads(r->lines, 0, NULL) : json_null(),
					     "by", r->actor, "comment", r->comment,
					     "created_ms", (json_int_t)r->created_ms,
					     "done_ms", r->done_ms ? json_integer(r->done_ms) : json_null(),
					     "result", r->result));
}

enum err_code cli_requests_status(FILE *out, struct store *st, int64_t id,
				  json_t *root, struct err *e)
{
	json_t *all = json_array(), *r, *lines;
	char ts[CLOCK_ISO_LEN];
	enum err_code rc;
	size_t i;
	char *s;

	rc = store_requests_list(st, id, false, on_request, all, e);
	if (rc != ERR_OK || root) {
		if (rc == ERR_OK)
			json_object_set(root, "requests", all);
		json_decref(all);
		return rc;
	}
	fprintf(out, "\nrequests (applied by the daemon's engine)\n");
	if (json_array_size(all) == 0)
		fprintf(out, "  none\n");
	json_array_foreach(all, i, r) {
		lines = json_object_get(r, "lines");
		s = json_is_array(lines) ? json_dumps(lines, JSON_COMPACT) : NULL;
		fprintf(out, "  #%" JSON_INTEGER_FORMAT " %s%s%s by %s at %s: \"%s\"\n      %s%s\n",
			json_integer_value(json_object_get(r, "id")),
			json_string_value(json_object_get(r, "kind")),
			s ? " lines " : "", s ? s : "",
			json_string_value(json_object_get(r, "by")),
			clock_iso(json_integer_value(json_object_get(r, "created_ms")), ts, sizeof(ts)),
			json_string_value(json_object_get(r, "comment")),
			json_is_string(json_object_get(r, "result")) ? "done: " : "open: waiting for the engine",
			json_is_string(json_object_get(r, "result")) ?
			json_string_value(json_object_get(r, "result")) : "");
		free(s);
	}
	json_decref(all);
	return ERR_OK;
}
