/* rebound/backfill: windows, resumable progress, the pull loop. */
#define LOG_COMPONENT "backfill"
#include "rebound/backfill.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/parse.h"

enum err_code backfill_parse_date(const char *s, int64_t *days, struct err *e)
{
	struct tm tm, back;
	int64_t y, m, d;
	char part[5];
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return err_set(e, ERR_INVALID, "\"%s\" is not a date like 2026-11-01 (YYYY-MM-DD)", s);
	snprintf(part, sizeof(part), "%.4s", s);
	if (parse_int64(part, 1970, 9999, &y, NULL) != ERR_OK)
		return err_set(e, ERR_INVALID, "\"%s\": year must be 1970..9999", s);
	snprintf(part, sizeof(part), "%.2s", s + 5);
	if (parse_int64(part, 1, 12, &m, NULL) != ERR_OK)
		return err_set(e, ERR_INVALID, "\"%s\": month must be 01..12", s);
	snprintf(part, sizeof(part), "%.2s", s + 8);
	if (parse_int64(part, 1, 31, &d, NULL) != ERR_OK)
		return err_set(e, ERR_INVALID, "\"%s\": day must be 01..31", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	t = timegm(&tm);
	/* timegm normalises 2026-02-31 to March: refuse instead */
	if (!gmtime_r(&t, &back) || back.tm_mday != (int)d || back.tm_mon != (int)m - 1)
		return err_set(e, ERR_INVALID, "\"%s\" is not a real date", s);
	*days = (int64_t)t / 86400;
	return ERR_OK;
}

void backfill_format_date(int64_t days, bool slashes, char out[11])
{
	time_t t = (time_t)(days * 86400);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 11, "0000-00-00");
		return;
	}
	snprintf(out, 11, slashes ? "%04d/%02d/%02d" : "%04d-%02d-%02d",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
}

/* Saved progress: which window is next, which ids of it are done. */
struct state {
	char key[96];
	int64_t window_from;       /* days */
	json_t *done;              /* ids done in that window */
	json_t *retry;             /* ids whose answer was malformed, any window */
	int64_t returns_done;
	bool finished;
};

static enum err_code load_state(struct store *st, struct state *s,
				int64_t since, struct err *e)
{
	char *v = NULL;
	json_t *j;
	enum err_code rc;

	s->window_from = since;
	s->done = json_array();
	s->retry = json_array();
	s->returns_done = 0;
	s->finished = false;
	rc = store_kv_get(st, s->key, &v, e);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		return ERR_OK;
	}
	if (rc != ERR_OK)
		return rc;
	j = json_loads(v, 0, NULL);
	free(v);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, ERR_STORE, "saved backfill progress %s is damaged; run with --restart", s->key);
	}
	s->window_from = json_integer_value(json_object_get(j, "window_from"));
	s->returns_done = json_integer_value(json_object_get(j, "returns_done"));
	s->finished = json_is_true(json_object_get(j, "finished"));
	if (json_is_array(json_object_get(j, "done"))) {
		json_decref(s->done);
		s->done = json_incref(json_object_get(j, "done"));
	}
	if (json_is_array(json_object_get(j, "retry"))) {
		json_decref(s->retry);
		s->retry = json_incref(json_object_get(j, "retry"));
	}
	json_decref(j);
	return ERR_OK;
}

static enum err_code save_state(struct store *st, const struct state *s,
				struct err *e)
{
	json_t *j = json_pack("{sI sO sO sI sb}", "window_from", (json_int_t)s->window_from,
			      "done", s->done, "retry", s->retry,
			      "returns_done", (json_int_t)s->returns_done,
			      "finished", s->finished);
	char *v = j ? json_dumps(j, JSON_COMPACT) : NULL;
	enum err_code rc;

	rc = v ? store_kv_set(st, s->key, v, e) : err_set(e, ERR_NOMEM, "out of memory");
	free(v);
	json_decref(j);
	return rc;
}

static int index_of(json_t *list, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return (int)i;
	return -1;
}

static bool is_done(const struct state *s, const char *id)
{
	return index_of(s->done, id) >= 0;
}

/* Numeric ids in numeric order, others after, as text. */
static int by_id(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	size_t lx = strlen(x), ly = strlen(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

static enum err_code sorted_ids(json_t *ids, json_t ***out, size_t *n,
				struct err *e)
{
	size_t i;

	*n = json_array_size(ids);
	*out = calloc(*n + 1, sizeof(**out));
	if (!*out)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < *n; i++)
		(*out)[i] = json_array_get(ids, i);
	qsort(*out, *n, sizeof(**out), by_id);
	return ERR_OK;
}

static void report(const struct backfill_opts *o, struct backfill_progress *p)
{
	if (o->progress)
		o->progress(p, o->arg);
}

/* One window: search, then pull every id not done yet. */
static enum err_code run_window(struct rbclient *cl, struct store *st,
				const struct feed *f, const struct backfill_opts *o,
				struct state *s, int64_t to, struct backfill_progress *p,
				struct err *e)
{
	char from_s[11], to_s[11];
	json_t *ids = NULL, **list = NULL;
	size_t i, n = 0;
	struct err pe = ERR_INIT;
	enum err_code rc;
	const char *id;

	backfill_format_date(s->window_from, true, from_s);
	backfill_format_date(to, true, to_s);
	backfill_format_date(s->window_from, false, p->from);
	backfill_format_date(to, false, p->to);
	rc = legacy_search(rbclient_legacy(cl), from_s, to_s, &ids, e);
	if (rc != ERR_OK)
		return rc;
	rc = sorted_ids(ids, &list, &n, e);
	if (rc != ERR_OK)
		goto out;
	p->in_window = (int64_t)n;
	p->done_in_window = 0;
	p->window_finished = false;
	for (i = 0; i < n; i++) {
		id = json_string_value(list[i]);
		if (is_done(s, id)) {
			p->done_in_window++;
			p->skipped++;
			continue;
		}
		err_clear(&pe);
		rc = pull_legacy_return(cl, st, f, id, "backfill", &p->counts, &pe);
		if (rc == ERR_INVALID) {
			/* one malformed answer must not stop history: left
			 * out of `done`, so the next run tries it again */
			log_warn("return %s skipped (tried again by the next run): %s", id, pe.msg);
			if (index_of(s->retry, id) < 0)
				json_array_append_new(s->retry, json_string(id));
			rc = ERR_OK;
		} else if (rc != ERR_OK) {
			err_set(e, rc, "return %s: %s", id, pe.msg);
			goto out;
		} else {
			json_array_append_new(s->done, json_string(id));
			s->returns_done++;
		}
		p->done_in_window++;
		p->returns_done = s->returns_done;
		rc = save_state(st, s, e);
		if (rc != ERR_OK)
			goto out;
		report(o, p);
	}
out:
	free(list);
	json_decref(ids);
	return rc;
}

/* Returns an earlier run could not read: try them again first. */
static enum err_code run_retries(struct rbclient *cl, struct store *st,
				 const struct feed *f, struct state *s,
				 struct backfill_progress *p, struct err *e)
{
	struct err pe = ERR_INIT;
	enum err_code rc;
	char id[128];
	size_t i = 0;

	while (i < json_array_size(s->retry)) {
		snprintf(id, sizeof(id), "%s", json_string_value(json_array_get(s->retry, i)));
		err_clear(&pe);
		rc = pull_legacy_return(cl, st, f, id, "backfill", &p->counts, &pe);
		if (rc == ERR_INVALID) {
			log_warn("return %s still unreadable: %s", id, pe.msg);
			i++;
			continue;
		}
		if (rc != ERR_OK)
			return err_set(e, rc, "return %s: %s", id, pe.msg);
		json_array_remove(s->retry, i);
		s->returns_done++;
		rc = save_state(st, s, e);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

enum err_code backfill_run(struct rbclient *cl, struct store *st,
			   const struct feed *f, const struct backfill_opts *o,
			   struct backfill_progress *p, struct err *e)
{
	int64_t since, until, wdays, to;
	struct state s;
	enum err_code rc;

	memset(p, 0, sizeof(*p));
	memset(&s, 0, sizeof(s));
	p->started_ms = clock_mono_ms();
	rc = backfill_parse_date(o->since, &since, e);
	if (rc != ERR_OK)
		return err_prefix(e, "--since");
	if (o->until) {
		rc = backfill_parse_date(o->until, &until, e);
		if (rc != ERR_OK)
			return err_prefix(e, "--until");
	} else {
		until = clock_now_ms() / 86400000;
	}
	if (until < since)
		return err_set(e, ERR_INVALID, "--until %s is before --since %s", o->until ? o->until : "(today)", o->since);
	if (!rbclient_legacy(cl))
		return err_set(e, ERR_UNSUPPORTED, "backfill needs Rebound's legacy API (only it can search returns by date): set rebound.legacy_login and rebound.legacy_api_key; with the platform API alone the poller re-checks the orders returnbridge knows");
	backfill_format_date(since, false, p->since);
	backfill_format_date(until, false, p->until);
	wdays = rbclient_opts(cl)->search_window_days;
	p->windows = (int)((until - since) / wdays + 1);
	snprintf(s.key, sizeof(s.key), "rebound.backfill:%s:%s", p->since, p->until);
	if (o->restart) {
		rc = store_kv_set(st, s.key, NULL, e);
		if (rc != ERR_OK)
			return rc;
	}
	rc = load_state(st, &s, since, e);
	if (rc != ERR_OK)
		goto out;
	if (s.finished) {
		p->returns_done = s.returns_done;
		rc = err_set(e, ERR_EXISTS, "the backfill %s..%s finished before (%lld returns); --restart pulls it again (nothing is stored twice)",
			     p->since, p->until, (long long)s.returns_done);
		goto out;
	}
	p->resumed = s.window_from != since || json_array_size(s.done) > 0 ||
		     json_array_size(s.retry) > 0;
	p->returns_done = s.returns_done;
	if (p->resumed)
		log_info("resuming backfill %s..%s at window %s (%lld returns done before)",
			 p->since, p->until, (backfill_format_date(s.window_from, false, p->from), p->from),
			 (long long)s.returns_done);
	rc = run_retries(cl, st, f, &s, p, e);
	if (rc != ERR_OK)
		goto out;
	while (s.window_from <= until) {
		to = s.window_from + wdays - 1;
		if (to > until)
			to = until;
		p->window_no = (int)((s.window_from - since) / wdays + 1);
		rc = run_window(cl, st, f, o, &s, to, p, e);
		if (rc != ERR_OK)
			goto out;
		p->window_finished = true;
		report(o, p);
		s.window_from = to + 1;
		json_decref(s.done);
		s.done = json_array();
		rc = save_state(st, &s, e);
		if (rc != ERR_OK)
			goto out;
	}
	s.finished = json_array_size(s.retry) == 0;
	p->returns_done = s.returns_done;
	rc = save_state(st, &s, e);
out:
	json_decref(s.retry);
	json_decref(s.done);
	return rc;
}
