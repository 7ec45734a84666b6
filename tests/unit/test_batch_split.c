/* batch_split: a batch Odoo refuses whole is split until the refused
 * records are alone; other failures are not split. And the gate that caps
 * the engine's Odoo calls in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "odoo/gate.h"

struct fake {
	bool bad[16];              /* records Odoo refuses */
	enum err_code other;       /* a failure for any call, or ERR_OK */
	int calls;
};

static enum err_code fake_write(struct worker *wk, size_t from, size_t n, void *arg,
				struct err *e)
{
	struct fake *f = arg;
	size_t i;

	(void)wk;
	f->calls++;
	if (f->other != ERR_OK)
		return err_set(e, f->other, "network");
	for (i = from; i < from + n; i++)
		if (f->bad[i])
			return err_set(e, ERR_REJECTED, "record %zu refused", i);
	return ERR_OK;
}

static void all_good_is_one_call(void **state)
{
	struct fake f = { .other = ERR_OK };
	enum err_code rcs[8];
	struct err errs[8];
	size_t i;

	(void)state;
	assert_int_equal(batch_split(NULL, 8, fake_write, &f, rcs, errs), 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(rcs[i], ERR_OK);
}

static void one_bad_record_is_isolated(void **state)
{
	struct fake f = { .other = ERR_OK };
	enum err_code rcs[8];
	struct err errs[8];
	size_t i, calls;

	(void)state;
	f.bad[5] = true;
	calls = batch_split(NULL, 8, fake_write, &f, rcs, errs);
	/* 8 -> 4+4 -> 2+2 -> 1+1: 7 calls, log2 of the batch per bad record */
	assert_int_equal(calls, 7);
	for (i = 0; i < 8; i++)
		assert_int_equal(rcs[i], i == 5 ? ERR_REJECTED : ERR_OK);
	assert_non_null(strstr(errs[5].msg, "record 5 refused"));
}

static void network_failure_is_not_split(void **state)
{
	struct fake f = { .other = ERR_UNKNOWN_OUTCOME };
	enum err_code rcs[8];
	struct err errs[8];
	size_t i;

	(void)state;
	assert_int_equal(batch_split(NULL, 8, fake_write, &f, rcs, errs), 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(rcs[i], ERR_UNKNOWN_OUTCOME);
}

struct gate_run {
	struct rpc_gate *g;
	int in, max;
	pthread_mutex_t m;
};

static void *caller(void *arg)
{
	struct gate_run *r = arg;
	int i;

	for (i = 0; i < 20; i++) {
		rpc_gate_enter(r->g);
		pthread_mutex_lock(&r->m);
		if (++r->in > r->max)
			r->max = r->in;
		pthread_mutex_unlock(&r->m);
		usleep(200);
		pthread_mutex_lock(&r->m);
		r->in--;
		pthread_mutex_unlock(&r->m);
		rpc_gate_leave(r->g, false);
	}
	return NULL;
}

static void gate_caps_calls_in_flight(void **state)
{
	struct rpc_gate g;
	struct gate_run r = { &g, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[6];
	int i;

	(void)state;
	rpc_gate_init(&g, 2, 5000);
	for (i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, caller, &r);
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.max, 2);
	assert_int_equal(g.max_in_flight, 2);
	assert_int_equal(g.calls, 120);
	rpc_gate_destroy(&g);
}

static void gate_pauses_everyone_when_odoo_is_overloaded(void **state)
{
	struct rpc_gate g;

	(void)state;
	rpc_gate_init(&g, 2, 4000);
	rpc_gate_enter(&g);
	rpc_gate_leave(&g, true);          /* a 503: 1 s pause */
	assert_int_equal(g.pause_ms, 1000);
	assert_true(g.pause_until_ms > 0);
	rpc_gate_enter(&g);                /* another 503 inside the pause: */
	rpc_gate_leave(&g, true);          /* doubled, once the pause is over */
	assert_int_equal(g.pause_ms, 2000);
	assert_int_equal(g.pauses, 2);
	assert_int_equal(g.waits, 1);      /* the second call waited */
	rpc_gate_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_good_is_one_call),
		cmocka_unit_test(one_bad_record_is_isolated),
		cmocka_unit_test(network_failure_is_not_split),
		cmocka_unit_test(gate_caps_calls_in_flight),
		cmocka_unit_test(gate_pauses_everyone_when_odoo_is_overloaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
