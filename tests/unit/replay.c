/* replay: recorded Odoo replies as a transport (see replay.h). */
#include "replay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAX_QUEUE 256
#define MAX_SENT 512

struct answer {
	const json_t *rec;         /* a recorded step, or NULL */
	enum replay_match match;
	enum rpc_net net;          /* a network fault when rec is NULL */
	long status;               /* a raw HTTP reply when > 0 */
	const char *body;
	const char *result;        /* a JSON result under the request's id */
};

struct replay {
	json_t *records;           /* step -> record */
	struct answer q[MAX_QUEUE];
	size_t head, tail;
	json_t *sent[MAX_SENT];
	size_t nsent;
	int sleeps;
};

static void load_file(struct replay *r, const char *path)
{
	char line[1 << 17];
	FILE *f = fopen(path, "r");
	json_error_t je;
	json_t *rec;
	const char *step;

	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '{')
			continue;
		rec = json_loads(line, 0, &je);
		if (!rec)
			fail_msg("%s: %s", path, je.text);
		step = json_string_value(json_object_get(rec, "step"));
		if (!step || json_object_get(r->records, step))
			fail_msg("%s: missing or duplicate step %s", path, step ? step : "?");
		json_object_set_new(r->records, step, rec);
	}
	fclose(f);
}

struct replay *replay_load(const char *version)
{
	static const char *const files[] = { "setup", "flow", "batch" };
	struct replay *r = calloc(1, sizeof(*r));
	char path[256];
	size_t i;

	assert_non_null(r);
	r->records = json_object();
	for (i = 0; i < 3; i++) {
		/* unit tests run with tests/ as their working directory */
		snprintf(path, sizeof(path), "data/odoo-contract/%s/%s.jsonl",
			 version, files[i]);
		load_file(r, path);
	}
	return r;
}

void replay_free(struct replay *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nsent; i++)
		json_decref(r->sent[i]);
	json_decref(r->records);
	free(r);
}

const json_t *replay_record(const struct replay *r, const char *step)
{
	const json_t *rec = json_object_get(r->records, step);

	if (!rec)
		fail_msg("no recorded step %s", step);
	return rec;
}

static struct answer *push(struct replay *r)
{
	if (r->tail == MAX_QUEUE)
		fail_msg("replay queue full");
	memset(&r->q[r->tail], 0, sizeof(r->q[0]));
	return &r->q[r->tail++];
}

void replay_expect(struct replay *r, const char *step, enum replay_match m)
{
	struct answer *a = push(r);

	a->rec = replay_record(r, step);
	a->match = m;
}

void replay_fault(struct replay *r, enum rpc_net net)
{
	push(r)->net = net;
}

void replay_http(struct replay *r, long status, const char *body)
{
	struct answer *a = push(r);

	a->status = status;
	a->body = body;
}

void replay_result(struct replay *r, const char *json_result)
{
	push(r)->result = json_result;
}

size_t replay_pending(const struct replay *r)
{
	return r->tail - r->head;
}

size_t replay_count(const struct replay *r)
{
	return r->nsent;
}

const json_t *replay_sent(const struct replay *r, size_t i)
{
	assert_true(i < r->nsent);
	return json_object_get(r->sent[i], "params");
}

void replay_sleep(int64_t ms, void *arg)
{
	struct replay *r = arg;

	(void)ms;
	r->sleeps++;
}

int replay_sleeps(const struct replay *r)
{
	return r->sleeps;
}

static void dump_mismatch(const char *what, const json_t *want,
			  const json_t *got)
{
	char *a = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
	char *b = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

	print_error("%s differs\nrecorded: %.3000s\nsent:     %.3000s\n", what,
		    a ? a : "?", b ? b : "?");
	free(a);
	free(b);
}

/* The request must be the recorded call; execute_kw args are
 * [db, uid, key, model, method, args, kwargs]: db, uid and key differ. */
static void check_request(const struct answer *a, const json_t *got)
{
	const json_t *want = json_object_get(json_object_get(a->rec, "request"), "params");
	const json_t *wa = json_object_get(want, "args");
	const json_t *ga = json_object_get(got, "args");
	const char *step = json_string_value(json_object_get(a->rec, "step"));
	size_t i;

	if (!json_equal(json_object_get(want, "service"), json_object_get(got, "service")) ||
	    !json_equal(json_object_get(want, "method"), json_object_get(got, "method")))
		fail_msg("step %s: other service or method", step);
	if (strcmp(json_string_value(json_object_get(want, "method")), "execute_kw") != 0)
		return;
	for (i = 3; i < 7; i++) {
		if (i == 5 && a->match < REPLAY_ARGS)
			break;
		if (i == 6 && a->match < REPLAY_REQUEST)
			break;
		if (!json_equal(json_array_get(wa, i), json_array_get(ga, i))) {
			dump_mismatch(step, json_array_get(wa, i), json_array_get(ga, i));
			fail_msg("step %s: argument %zu is not the recorded one", step, i);
		}
	}
}

enum rpc_net replay_post(const char *body, size_t len, long *status,
			 struct buf *reply, char *why, size_t whylen, void *arg)
{
	struct replay *r = arg;
	struct answer *a;
	json_error_t je;
	json_t *req, *resp;
	char *text;

	req = json_loadb(body, len, 0, &je);
	assert_non_null(req);
	if (r->nsent == MAX_SENT)
		fail_msg("too many requests");
	r->sent[r->nsent++] = req;
	if (r->head == r->tail)
		fail_msg("unexpected request %.300s", body);
	a = &r->q[r->head++];
	if (a->result) {
		*status = 200;
		buf_addf(reply, "{\"jsonrpc\":\"2.0\",\"id\":%" JSON_INTEGER_FORMAT ",\"result\":%s}",
			 json_integer_value(json_object_get(req, "id")), a->result);
		return RPC_NET_OK;
	}
	if (!a->rec && !a->status) {
		snprintf(why, whylen, "injected fault %d", (int)a->net);
		return a->net;
	}
	if (a->status) {
		*status = a->status;
		buf_adds(reply, a->body);
		return RPC_NET_OK;
	}
	check_request(a, json_object_get(req, "params"));
	resp = json_deep_copy(json_object_get(a->rec, "response"));
	json_object_set(resp, "id", json_object_get(req, "id"));
	text = json_dumps(resp, JSON_COMPACT);
	buf_adds(reply, text);
	free(text);
	json_decref(resp);
	*status = (long)json_integer_value(json_object_get(a->rec, "http_status"));
	return RPC_NET_OK;
}
