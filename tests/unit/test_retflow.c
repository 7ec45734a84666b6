/* Unit tests for core/retflow: names round-trip, the allowed-transitions
 * table (forward only, cancel only before receipt, hold and release), and
 * the one transition function leaving the state alone when refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/retflow.h"

static void test_retflow__names_round_trip(void **state)
{
	int s, o;

	(void)state;
	for (s = 0; s < RETFLOW__COUNT; s++)
		assert_int_equal(retflow_state_parse(retflow_state_name((enum retflow_state)s)), s);
	for (o = 0; o < RETFLOW_LINE__COUNT; o++)
		assert_int_equal(retflow_line_parse(retflow_line_name((enum retflow_line)o)), o);
	assert_string_equal(retflow_state_name(RETFLOW_AWAITING_RECEIPT), "AWAITING_RECEIPT");
	assert_int_equal(retflow_state_parse("nope"), -1);
	assert_int_equal(retflow_state_parse(NULL), -1);
	assert_null(retflow_state_name(RETFLOW__COUNT));
}

static void test_retflow__the_happy_path_is_allowed_in_order(void **state)
{
	enum retflow_state s = RETFLOW_INTENT;
	struct err e = ERR_INIT;
	int to;

	(void)state;
	for (to = RETFLOW_MATCHED; to <= RETFLOW_CLOSED; to++)
		assert_int_equal(retflow_transition(&s, (enum retflow_state)to, &e), ERR_OK);
	assert_int_equal(s, RETFLOW_CLOSED);
}

static void test_retflow__no_credit_before_receipt(void **state)
{
	enum retflow_state s = RETFLOW_AWAITING_RECEIPT;
	struct err e = ERR_INIT;

	(void)state;
	/* I1: nothing skips the warehouse */
	assert_false(retflow_allowed(RETFLOW_MATCHED, RETFLOW_CREDITED));
	assert_false(retflow_allowed(RETFLOW_INTENT, RETFLOW_RECEIVED));
	assert_int_equal(retflow_transition(&s, RETFLOW_CREDITED, &e), ERR_INVALID);
	assert_int_equal(s, RETFLOW_AWAITING_RECEIPT);
	assert_non_null(strstr(e.msg, "AWAITING_RECEIPT -> CREDITED"));
}

static void test_retflow__cancel_only_before_receipt(void **state)
{
	(void)state;
	assert_true(retflow_allowed(RETFLOW_INTENT, RETFLOW_CANCELLED));
	assert_true(retflow_allowed(RETFLOW_AWAITING_RECEIPT, RETFLOW_CANCELLED));
	assert_false(retflow_allowed(RETFLOW_RECEIVED, RETFLOW_CANCELLED));
	assert_false(retflow_allowed(RETFLOW_CREDITED, RETFLOW_CANCELLED));
	assert_false(retflow_allowed(RETFLOW_CANCELLED, RETFLOW_INTENT));
	assert_false(retflow_allowed(RETFLOW_CLOSED, RETFLOW_ON_HOLD));
}

static void test_retflow__hold_from_work_and_release_back(void **state)
{
	enum retflow_state s = RETFLOW_RECEIVED;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(retflow_transition(&s, RETFLOW_ON_HOLD, &e), ERR_OK);
	assert_int_equal(retflow_transition(&s, RETFLOW_RECEIVED, &e), ERR_OK);
	assert_false(retflow_allowed(RETFLOW_ON_HOLD, RETFLOW_ON_HOLD));
	assert_true(retflow_is_active(RETFLOW_MATCHED));
	assert_false(retflow_is_active(RETFLOW_ON_HOLD));
	/* the engine still notifies a credited return and follows a refund
	 * owed until it is paid; a return waiting for a person is not its */
	assert_true(retflow_is_active(RETFLOW_CREDITED));
	assert_true(retflow_is_active(RETFLOW_NOTIFIED));
	assert_true(retflow_is_active(RETFLOW_CREDIT_DRAFT));
	assert_false(retflow_is_active(RETFLOW_AWAITING_APPROVAL));
	assert_false(retflow_is_active(RETFLOW_CLOSED));
}

static void test_retflow__approval_and_drafts(void **state)
{
	enum retflow_state s = RETFLOW_RECEIVED;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(retflow_transition(&s, RETFLOW_AWAITING_APPROVAL, &e), ERR_OK);
	/* no credit note while a person has not decided */
	assert_int_equal(retflow_transition(&s, RETFLOW_CREDITED, &e), ERR_INVALID);
	assert_int_equal(retflow_transition(&s, RETFLOW_RECEIVED, &e), ERR_OK);
	assert_int_equal(retflow_transition(&s, RETFLOW_CREDIT_DRAFT, &e), ERR_OK);
	assert_int_equal(retflow_transition(&s, RETFLOW_CREDITED, &e), ERR_OK);
	assert_false(retflow_allowed(RETFLOW_AWAITING_APPROVAL, RETFLOW_CANCELLED));
	assert_true(retflow_allowed(RETFLOW_AWAITING_APPROVAL, RETFLOW_CLOSED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retflow__names_round_trip),
		cmocka_unit_test(test_retflow__the_happy_path_is_allowed_in_order),
		cmocka_unit_test(test_retflow__no_credit_before_receipt),
		cmocka_unit_test(test_retflow__cancel_only_before_receipt),
		cmocka_unit_test(test_retflow__approval_and_drafts),
		cmocka_unit_test(test_retflow__hold_from_work_and_release_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
