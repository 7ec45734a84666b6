/* Unit tests for core/policy: reason and disposition maps, the stricter
 * of the two, the default, and check-config refusing a bad policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"

static const char text[] =
	"[refund]\n"
	"default = full\n"
	"[refund.reason]\n"
	"Damaged by customer = approval\n"
	"Changed mind after use = none\n"
	"[refund.disposition]\n"
	"scrap = approval\n"
	"quarantine = full\n";

static void test_policy__reason_disposition_default(void **state)
{
	struct cfg c;
	struct policy_decision d;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t.ini", NULL, &c, NULL, NULL), ERR_OK);
	policy_for(&c, "damaged BY customer", "stock", &d);
	assert_int_equal(d.policy, CFG_POLICY_APPROVAL);
	assert_string_equal(d.source, "reason");
	/* nothing listed: the default */
	policy_for(&c, "Too large", "stock", &d);
	assert_int_equal(d.policy, CFG_POLICY_FULL);
	assert_string_equal(d.source, "default");
	/* the warehouse scrapped it: a person looks, whatever the reason */
	policy_for(&c, "Too large", "scrap", &d);
	assert_int_equal(d.policy, CFG_POLICY_APPROVAL);
	assert_string_equal(d.source, "disposition");
	/* both listed: the stricter wins */
	policy_for(&c, "Changed mind after use", "scrap", &d);
	assert_int_equal(d.policy, CFG_POLICY_NONE);
	assert_string_equal(d.source, "reason");
	policy_for(&c, "Damaged by customer", "quarantine", &d);
	assert_int_equal(d.policy, CFG_POLICY_APPROVAL);
	policy_for(&c, NULL, "quarantine", &d);
	assert_int_equal(d.policy, CFG_POLICY_FULL);
	assert_string_equal(d.source, "disposition");
	assert_string_equal(policy_name(CFG_POLICY_APPROVAL), "approval");
	cfg_release(&c);
}

static void test_policy__default_can_be_approval(void **state)
{
	struct cfg c;
	struct policy_decision d;

	(void)state;
	assert_int_equal(cfg_load_string("[refund]\ndefault = approval\n", "t.ini", NULL, &c,
					 NULL, NULL), ERR_OK);
	policy_for(&c, "", "", &d);
	assert_int_equal(d.policy, CFG_POLICY_APPROVAL);
	cfg_release(&c);
}

static void test_policy__check_config_refuses_a_bad_policy(void **state)
{
	struct cfg c;
	struct cfg_report rep;
	struct err e = ERR_INIT;

	(void)state;
	memset(&rep, 0, sizeof(rep));
	assert_int_not_equal(cfg_load_string("[refund.reason]\nDamaged = maybe\n", "t.ini", NULL,
					     &c, &rep, &e), ERR_OK);
	assert_true(rep.count >= 1);
	assert_non_null(strstr(rep.items[0].msg, "full, none or approval"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy__reason_disposition_default),
		cmocka_unit_test(test_policy__default_can_be_approval),
		cmocka_unit_test(test_policy__check_config_refuses_a_bad_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
