/* Unit tests for rebound/notice: every documented field shape of the
 * Refund Trigger, Tracking Update and legacy return object, normalised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rebound/notice.h"

static json_t *fixture(const char *name)
{
	char path[256];
	json_error_t je;
	json_t *j;

	/* tests run from tests/ */
	snprintf(path, sizeof(path), "data/rebound/%s", name);
	j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("cannot load %s: %s", path, je.text);
	return j;
}

static enum rb_class parse_text(const char *text, int refund, struct rb_notice *n,
				char *why)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	enum rb_class c;

	assert_non_null(j);
	c = rb_notice_parse(j, refund, n, why, 256);
	json_decref(j);
	return c;
}

static void test_notice__refund_trigger_example(void **state)
{
	json_t *j = fixture("refund-trigger-example.json");
	struct rb_notice n;
	char why[256];

	(void)state;
	assert_int_equal(rb_notice_parse(j, 1, &n, why, sizeof(why)), RB_OK);
	assert_string_equal(n.shape, "refund_trigger");
	assert_string_equal(n.rebound_return_id, "(00)340434181234567890"); /* byte-exact SSCC */
	assert_string_equal(n.client_order_id, "SO0042");
	assert_string_equal(n.location, "DE_ASC_01");
	assert_int_equal(n.milestone, RB_MS_NONE);
	assert_int_equal(n.nitems, 2);
	assert_string_equal(n.items[0].rebound_item_id, "(00)340434181234567906");
	assert_string_equal(n.items[0].ean, "8712345678906");
	assert_string_equal(n.items[0].reason, "Too large");
	assert_int_equal(n.items[0].quantity, 1);
	/* "Not available" means absent; " 2 " is trimmed */
	assert_null(n.items[1].client_item_id);
	assert_null(n.items[1].ean);
	assert_null(n.items[1].reason);
	assert_string_equal(n.items[1].sku, "JEANS-BLUE-32");
	assert_int_equal(n.items[1].quantity, 2);
	assert_null(n.items[1].problem);
	rb_notice_release(&n);
	json_decref(j);
}

static void test_notice__tracking_milestone_spellings(void **state)
{
	(void)state;
	assert_int_equal(rb_milestone_parse("Return Order Created"), RB_MS_CREATED);
	assert_int_equal(rb_milestone_parse("RETURN_ORDER_CREATED"), RB_MS_CREATED);
	assert_int_equal(rb_milestone_parse("entered-our-network"), RB_MS_IN_NETWORK);
	assert_int_equal(rb_milestone_parse("Arrived at Our Hub"), RB_MS_AT_HUB);
	assert_int_equal(rb_milestone_parse("ARRIVED_AT_OUR_HUB"), RB_MS_AT_HUB);
	assert_int_equal(rb_milestone_parse("delivered"), RB_MS_DELIVERED);
	assert_int_equal(rb_milestone_parse("Teleported"), RB_MS_NONE);
	assert_int_equal(rb_milestone_parse(""), RB_MS_NONE);
}

static void test_notice__tracking_fixtures(void **state)
{
	static const struct { const char *file; enum rb_milestone m; size_t items; } cases[] = {
		{ "tracking-return-order-created.json", RB_MS_CREATED, 2 },
		{ "tracking-arrived-at-hub.json", RB_MS_AT_HUB, 0 },
		{ "tracking-delivered-graded.json", RB_MS_DELIVERED, 2 },
	};
	struct rb_notice n;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		json_t *j = fixture(cases[i].file);

		assert_int_equal(rb_notice_parse(j, 0, &n, why, sizeof(why)), RB_OK);
		assert_int_equal(n.milestone, cases[i].m);
		assert_int_equal(n.nitems, cases[i].items);
		assert_string_equal(n.rebound_return_id, "(00)340434181234567890");
		if (i == 1) {
			assert_string_equal(n.event_time, "2026-12-02T14:03:10Z");
			assert_string_equal(n.location, "DE_ASC_01");
		}
		if (i == 2) {
			/* the hub's grade and condition, whichever key carries it */
			assert_string_equal(n.items[0].condition, "A");
			assert_string_equal(n.items[1].condition, "Damaged");
		}
		rb_notice_release(&n);
		json_decref(j);
	}
}

static void test_notice__unknown_milestone_is_unusable_not_refused(void **state)
{
	json_t *j = fixture("tracking-unknown-milestone.json");
	struct rb_notice n;
	char why[256];

	(void)state;
	assert_int_equal(rb_notice_parse(j, 0, &n, why, sizeof(why)), RB_UNUSABLE);
	assert_non_null(strstr(why, "Teleported"));
	rb_notice_release(&n);
	json_decref(j);
}

static void test_notice__legacy_return_object(void **state)
{
	json_t *j = fixture("legacy-return.json");
	struct rb_notice n;
	char why[256];

	(void)state;
	assert_int_equal(rb_notice_parse(j, 0, &n, why, sizeof(why)), RB_OK);
	assert_string_equal(n.shape, "legacy_return");
	assert_string_equal(n.rebound_return_id, "118237");
	assert_string_equal(n.client_order_id, "SO0043");
	assert_int_equal(n.milestone, RB_MS_DELIVERED);
	assert_int_equal(n.nitems, 2);
	assert_string_equal(n.items[0].sku, "MUG-WHITE");
	assert_int_equal(n.items[0].quantity, 3);
	assert_string_equal(n.items[0].condition, "Resell");
	assert_string_equal(n.items[0].reason, "Changed mind");
	assert_string_equal(n.items[1].condition, "Destroy");
	rb_notice_release(&n);
	/* a legacy object is not a refund trigger */
	assert_int_equal(rb_notice_parse(j, 1, &n, why, sizeof(why)), RB_NOT_REBOUND);
	json_decref(j);
	/* a carrier status we do not know is kept as text, not parked */
	assert_int_equal(parse_text("{\"id\": 7, \"order_reference\": \"SO1\", \"current_tracking_status\":"
				    " \"Out for delivery\", \"item\": []}", 0, &n, why), RB_OK);
	assert_string_equal(n.rebound_return_id, "7"); /* numeric ids become text */
	assert_int_equal(n.milestone, RB_MS_OTHER);
	assert_string_equal(n.milestone_text, "Out for delivery");
	rb_notice_release(&n);
}

static void test_notice__quantities_per_line(void **state)
{
	static const struct { const char *q; int64_t want; } cases[] = {
		{ "\"1\"", 1 }, { "\" 7 \"", 7 }, { "3", 3 }, { "\"10000\"", 10000 },
		{ "\"0\"", 0 }, { "\"-1\"", 0 }, { "\"1.5\"", 0 }, { "\"abc\"", 0 },
		{ "\"\"", 0 }, { "\"10001\"", 0 }, { "\"1e3\"", 0 }, { "null", 0 },
		{ "\"Not available\"", 0 }, { "2.0", 0 }, { "-4", 0 },
	};
	char text[512], why[256];
	struct rb_notice n;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		/* a second, good line keeps the notice usable: bad lines are per line */
		snprintf(text, sizeof(text),
			 "{\"order\":{\"reboundOrderId\":\"(00)1\",\"items\":["
			 "{\"sku\":\"A\",\"quantity\":%s},{\"sku\":\"B\",\"quantity\":\"1\"}]}}", cases[i].q);
		assert_int_equal(parse_text(text, 1, &n, why), RB_OK);
		assert_int_equal(n.items[0].quantity, cases[i].want);
		if (cases[i].want == 0)
			assert_non_null(n.items[0].problem);
		else
			assert_null(n.items[0].problem);
		assert_null(n.items[1].problem);
		rb_notice_release(&n);
	}
}

static void test_notice__unusable_and_not_rebound(void **state)
{
	json_t *j;
	struct rb_notice n;
	char why[256];

	(void)state;
	j = fixture("refund-trigger-bad-quantity.json");
	assert_int_equal(rb_notice_parse(j, 1, &n, why, sizeof(why)), RB_UNUSABLE);
	assert_non_null(strstr(why, "1.5"));
	rb_notice_release(&n);
	json_decref(j);
	j = fixture("refund-trigger-no-items.json");
	assert_int_equal(rb_notice_parse(j, 1, &n, why, sizeof(why)), RB_UNUSABLE);
	assert_non_null(strstr(why, "without items"));
	rb_notice_release(&n);
	json_decref(j);
	j = fixture("not-rebound.json");
	assert_int_equal(rb_notice_parse(j, 0, &n, why, sizeof(why)), RB_NOT_REBOUND);
	json_decref(j);
	assert_int_equal(parse_text("[1,2]", 0, &n, why), RB_NOT_REBOUND);
	assert_int_equal(parse_text("{\"order\":{\"items\":[]}}", 1, &n, why), RB_NOT_REBOUND);
	/* a line without sku or ean cannot be matched to the order */
	assert_int_equal(parse_text("{\"order\":{\"reboundOrderId\":\"(00)1\",\"items\":[{\"sku\":\"Not available\","
				    "\"ean\":\"Not available\",\"quantity\":\"1\"}]}}", 1, &n, why), RB_UNUSABLE);
	assert_non_null(strstr(why, "neither sku nor ean"));
	rb_notice_release(&n);
	/* tracking without any milestone key */
	assert_int_equal(parse_text("{\"order\":{\"reboundOrderId\":\"(00)1\"}}", 0, &n, why), RB_UNUSABLE);
	rb_notice_release(&n);
}

static void test_notice__same_sku_twice_stays_two_lines(void **state)
{
	struct rb_notice n;
	char why[256];

	(void)state;
	assert_int_equal(parse_text("{\"order\":{\"reboundOrderId\":\"(00)9\",\"items\":["
				    "{\"reboundItemId\":\"(00)91\",\"sku\":\"A\",\"quantity\":\"1\"},"
				    "{\"reboundItemId\":\"(00)92\",\"sku\":\"A\",\"quantity\":\"1\"}]}}",
				    1, &n, why), RB_OK);
	assert_int_equal(n.nitems, 2);
	assert_string_equal(n.items[0].rebound_item_id, "(00)91");
	assert_string_equal(n.items[1].rebound_item_id, "(00)92");
	rb_notice_release(&n);
}

static void test_notice__normalised_json_round_trips(void **state)
{
	json_t *j = fixture("tracking-delivered-graded.json"), *norm;
	struct rb_notice a, b;
	struct err e = ERR_INIT;
	char why[256];

	(void)state;
	assert_int_equal(rb_notice_parse(j, 0, &a, why, sizeof(why)), RB_OK);
	norm = rb_notice_to_json(&a);
	assert_non_null(norm);
	assert_int_equal(rb_notice_from_json(norm, &b, &e), ERR_OK);
	assert_int_equal(b.milestone, RB_MS_DELIVERED);
	assert_string_equal(b.rebound_return_id, a.rebound_return_id);
	assert_int_equal(b.nitems, 2);
	assert_int_equal(b.items[1].quantity, 2);
	assert_string_equal(b.items[1].condition, "Damaged");
	assert_null(b.items[1].ean);
	rb_notice_release(&a);
	rb_notice_release(&b);
	json_decref(norm);
	json_decref(j);
}

static void test_notice__canonical_ignores_layout_not_content(void **state)
{
	json_t *a = json_loads("{\"b\": 1, \"a\": {\"y\": \"\\u00e9\", \"x\": [1, 2]}}", 0, NULL);
	json_t *b = json_loads("{\"a\":{\"x\":[1,2],\"y\":\"\xc3\xa9\"},\"b\":1}", 0, NULL);
	json_t *c = json_loads("{\"a\":{\"x\":[2,1],\"y\":\"\xc3\xa9\"},\"b\":1}", 0, NULL);
	char *ca = rb_canonical(a), *cb = rb_canonical(b), *cc = rb_canonical(c);

	(void)state;
	assert_string_equal(ca, cb);
	assert_string_not_equal(ca, cc);
	free(ca);
	free(cb);
	free(cc);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice__refund_trigger_example),
		cmocka_unit_test(test_notice__tracking_milestone_spellings),
		cmocka_unit_test(test_notice__tracking_fixtures),
		cmocka_unit_test(test_notice__unknown_milestone_is_unusable_not_refused),
		cmocka_unit_test(test_notice__legacy_return_object),
		cmocka_unit_test(test_notice__quantities_per_line),
		cmocka_unit_test(test_notice__unusable_and_not_rebound),
		cmocka_unit_test(test_notice__same_sku_twice_stays_two_lines),
		cmocka_unit_test(test_notice__normalised_json_round_trips),
		cmocka_unit_test(test_notice__canonical_ignores_layout_not_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
