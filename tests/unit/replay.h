/* replay: a test transport for odoo/rpc that answers with the replies a
 * real Odoo gave (the .jsonl files in tests/data/odoo-contract/VERSION/). A test
 * queues the recorded steps it expects, in order; each request the client
 * sends is checked against the recorded request (same call, and optionally
 * the same arguments), then answered with the recorded response under the
 * client's own JSON-RPC id. Network faults and raw HTTP replies can be
 * queued too. Test code only. */
#ifndef TESTS_REPLAY_H
#define TESTS_REPLAY_H

#include <jansson.h>

#include "odoo/rpc.h"

struct replay;

enum replay_match {
	REPLAY_CALL = 0,   /* same service/method, model and method */
	REPLAY_ARGS,       /* and the same positional args */
	REPLAY_REQUEST,    /* and the same keyword args: the very same call */
};

/* Load setup, flow and batch.jsonl of tests/data/odoo-contract/VERSION. Fails the test
 * on error. */
struct replay *replay_load(const char *version);
void replay_free(struct replay *r);

/* The recorded record of a step (borrowed); fails the test when absent. */
const json_t *replay_record(const struct replay *r, const char *step);

/* Queue answers, served in order. */
void replay_expect(struct replay *r, const char *step, enum replay_match m);
void replay_fault(struct replay *r, enum rpc_net net);
void replay_http(struct replay *r, long status, const char *body);
/* Answer the next request, whatever it is, with this JSON result (a call
 * the recordings do not have, such as a write of another field). */
void replay_result(struct replay *r, const char *json_result);

/* Answers still queued. */
size_t replay_pending(const struct replay *r);

/* Requests received so far, and the params of the i-th (borrowed). */
size_t replay_count(const struct replay *r);
const json_t *replay_sent(const struct replay *r, size_t i);

/* The transport: rpc_set_transport(rpc, replay_post, r). */
enum rpc_net replay_post(const char *body, size_t len, long *status,
			 struct buf *reply, char *why, size_t whylen, void *arg);

/* An instant rpc_sleep_fn that counts the pauses asked for. */
void replay_sleep(int64_t ms, void *arg);
int replay_sleeps(const struct replay *r);

#endif
