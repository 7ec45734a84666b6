/* Unit tests for core/credit: a credit line rounded once (never a rounded
 * unit price), a 33.33 % discount, price-included and excluded taxes on
 * one line. Expected figures are the hand computations of
 * tests/integ/odoo/test_accounting.py (which the emulator matches), and for
 * fixed, division, group and include_base_amount taxes the expected values
 * of Odoo's addons/account/tests/test_tax.py (named at each test) or hand
 * computations from account_tax.py (18.0) where the test file has none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/credit.h"
#include "core/money.h"

#define FX(units, millionths) ((int64_t)(units) * 1000000 + (millionths))

static const struct credit_tax vat20 = { .id = 1, .rate = FX(20, 0) };
static const struct credit_tax incl10 = { .id = 2, .rate = FX(10, 0), .included = true };
/* test_tax.py's setUp: fixed 10 (seq 1), fixed 15 (seq 2), percent 10 %
 * (seq 3), division 10 % (seq 4) */
static const struct credit_tax fixed10 = { .id = 11, .rate = FX(10, 0), .kind = CREDIT_TAX_FIXED,
					   .sequence = 1 };
static const struct credit_tax pct10 = { .id = 13, .rate = FX(10, 0), .sequence = 3 };
static const struct credit_tax div10 = { .id = 14, .rate = FX(10, 0), .kind = CREDIT_TAX_DIVISION,
					 .sequence = 4 };

static struct credit_line_out line(int64_t price, int64_t disc, int64_t qty,
				   const struct credit_tax *t, size_t nt)
{
	struct credit_line_in in = { price, disc, qty, t, nt };
	struct credit_line_out out;
	struct err e = ERR_INIT;

	assert_int_equal(credit_line_odoo(&in, 2, 18, &out, &e), ERR_OK);
	return out;
}

static void test_credit__discount_rounded_once_per_line(void **state)
{
	struct credit_line_out o;

	(void)state;
	/* 19.99 x (1 - 33.33 %) = 13.327333 x 3 = 39.981999 -> 39.98; 20 % 8.00 */
	o = line(FX(19, 990000), FX(33, 330000), FX(3, 0), &vat20, 1);
	assert_int_equal(o.line_amount, 3998);
	assert_int_equal(o.untaxed, 3998);
	assert_int_equal(o.tax, 800);
	assert_int_equal(o.total, 4798);
	/* a unit price rounded first would give 13.33 x 3 = 39.99 */
	assert_int_not_equal(o.untaxed, 3999);
}

static void test_credit__price_included_tax_comes_out_of_the_total(void **state)
{
	struct credit_line_out o;

	(void)state;
	/* 49.95 x 2 = 99.90 incl.; 10 %: 9.08; base 90.82 */
	o = line(FX(49, 950000), 0, FX(2, 0), &incl10, 1);
	assert_int_equal(o.untaxed, 9082);
	assert_int_equal(o.tax, 908);
	assert_int_equal(o.total, 9990);
}

static void test_credit__included_and_excluded_on_one_line(void **state)
{
	const struct credit_tax both[] = { vat20, incl10 };
	struct credit_line_out o;

	(void)state;
	/* 12.34 x (1 - 33.33 %) x 4 = 32.91 incl.; 10 % 2.99; base 29.92; 20 % 5.98 */
	o = line(FX(12, 340000), FX(33, 330000), FX(4, 0), both, 2);
	assert_int_equal(o.line_amount, 3291);
	assert_int_equal(o.untaxed, 2992);
	assert_int_equal(o.tax, 299 + 598);
	assert_int_equal(o.total, 3889);
}

static void test_credit__no_tax_and_too_many_taxes(void **state)
{
	struct credit_tax many[CREDIT_MAX_TAXES + 1];
	struct credit_line_in in = { FX(25, 0), FX(10, 0), FX(1, 0), many, CREDIT_MAX_TAXES + 1 };
	struct credit_line_out o;
	struct err e = ERR_INIT;

	(void)state;
	o = line(FX(25, 0), FX(10, 0), FX(1, 0), NULL, 0);
	assert_int_equal(o.total, 2250);
	assert_int_equal(o.tax, 0);
	memset(many, 0, sizeof(many));
	assert_int_equal(credit_line(&in, 2, &o, &e), ERR_INVALID);
}

static struct credit_line_out one(int64_t price, int64_t qty, struct credit_tax t)
{
	return line(price, 0, qty, &t, 1);
}

static void test_credit__fixed_tax_per_unit(void **state)
{
	struct credit_tax t = fixed10;
	struct credit_line_out o;

	(void)state;
	/* 10.00 per unit x 3 on 3 x 25.00 */
	o = one(FX(25, 0), FX(3, 0), t);
	assert_int_equal(o.untaxed, 7500);
	assert_int_equal(o.tax, 3000);
	assert_int_equal(o.total, 10500);
	assert_int_equal(o.tax_amount[0], 3000);
	/* a fractional quantity: 10.00 x 2.5 = 25.00 */
	o = one(FX(25, 0), FX(2, 500000), t);
	assert_int_equal(o.tax, 2500);
	/* a negative price turns the sign (_eval_tax_amount_fixed_amount) */
	o = one(-FX(25, 0), FX(3, 0), t);
	assert_int_equal(o.tax, -3000);
	assert_int_equal(o.total, -10500);
	/* price-included: 3 x 25.00 = 75.00 holds 30.00 of it, base 45.00 */
	t.included = true;
	o = one(FX(25, 0), FX(3, 0), t);
	assert_int_equal(o.untaxed, 4500);
	assert_int_equal(o.tax, 3000);
	assert_int_equal(o.total, 7500);
}

static void test_credit__division_and_percent_from_test_tax(void **state)
{
	struct credit_tax t = div10;
	struct credit_line_out o;

	(void)state;
	/* test_tax_percent_division: excluded, 200 / (1 - 10 %) - 200 = 22.22 */
	o = one(FX(200, 0), FX(1, 0), t);
	assert_int_equal(o.untaxed, 20000);
	assert_int_equal(o.tax, 2222);
	assert_int_equal(o.total, 22222);
	/* included (_eval_tax_amount_price_included): 200 x 10 % = 20.00 of
	 * the 200, base 180.00 */
	t.included = true;
	o = one(FX(200, 0), FX(1, 0), t);
	assert_int_equal(o.untaxed, 18000);
	assert_int_equal(o.tax, 2000);
	assert_int_equal(o.total, 20000);
	/* test_tax_percent_division, last case: 200 incl. 10 % = 181.82 + 18.18 */
	t = pct10;
	t.included = true;
	t.include_base_amount = true;
	o = one(FX(200, 0), FX(1, 0), t);
	assert_int_equal(o.untaxed, 18182);
	assert_int_equal(o.tax, 1818);
	assert_int_equal(o.total, 20000);
}

static void test_credit__group_and_sequence(void **state)
{
	const struct credit_tax kids[] = { pct10, fixed10 };
	const struct credit_tax group = { .id = 15, .kind = CREDIT_TAX_GROUP, .sequence = 5,
					  .children = kids, .nchildren = 2 };
	struct credit_tax set[2] = { group, div10 };
	struct credit_line_out o;

	(void)state;
	/* test_tax_group: fixed 10 + 10 % of 200 = 230 */
	o = line(FX(200, 0), 0, FX(1, 0), &group, 1);
	assert_int_equal(o.untaxed, 20000);
	assert_int_equal(o.tax, 3000);
	assert_int_equal(o.total, 23000);
	assert_int_equal(o.tax_amount[0], 3000);
	/* test_tax_sequence_normalized_set: division at sequence 1 before the
	 * group's fixed (2) and percent (3): 22.22 + 10 + 20 = 252.22 */
	set[1].sequence = 1;
	o = line(FX(200, 0), 0, FX(1, 0), set, 2);
	assert_int_equal(o.untaxed, 20000);
	assert_int_equal(o.tax, 5222);
	assert_int_equal(o.total, 25222);
	assert_int_equal(o.tax_amount[0], 3000);
	assert_int_equal(o.tax_amount[1], 2222);
}

static void test_credit__include_base_amount_cascade(void **state)
{
	struct credit_tax t[2] = { fixed10, pct10 };
	const struct credit_tax nested = { .id = 16, .kind = CREDIT_TAX_GROUP, .children = t,
					   .nchildren = 1 };
	const struct credit_tax outer = { .id = 17, .kind = CREDIT_TAX_GROUP, .children = &nested,
					  .nchildren = 1 };
	struct credit_line_in in = { FX(200, 0), 0, FX(1, 0), &outer, 1 };
	struct credit_line_out o;
	struct err e = ERR_INIT;

	(void)state;
	/* test_tax_include_base_amount: the fixed 10 joins the percent's base:
	 * 10 + 10 % of 210 = 231 */
	t[0].include_base_amount = true;
	o = line(FX(200, 0), 0, FX(1, 0), t, 2);
	assert_int_equal(o.untaxed, 20000);
	assert_int_equal(o.tax, 1000 + 2100);
	assert_int_equal(o.total, 23100);
	/* a percent tax that is not base affected keeps 10 % of 200 */
	t[1].not_base_affected = true;
	o = line(FX(200, 0), 0, FX(1, 0), t, 2);
	assert_int_equal(o.tax, 1000 + 2000);
	/* Odoo refuses a group in a group; so do we */
	assert_int_equal(credit_line_odoo(&in, 2, 18, &o, &e), ERR_INVALID);
}

static void test_credit__included_fixed_then_included_percent(void **state)
{
	struct credit_tax t[2] = { fixed10, incl10 };
	struct credit_line_out o;

	(void)state;
	/* _propagate_extra_taxes_base's own example: price-included fixed 1
	 * and price-included 10 % on 122: 1 + 11, base 110 */
	t[0].rate = FX(1, 0);
	t[0].included = true;
	t[1].sequence = 2;
	o = line(FX(122, 0), 0, FX(1, 0), t, 2);
	assert_int_equal(o.tax_amount[0], 100);
	assert_int_equal(o.tax_amount[1], 1100);
	assert_int_equal(o.untaxed, 11000);
	assert_int_equal(o.total, 12200);
}

static void test_credit__two_included_percents(void **state)
{
	const struct credit_tax t[2] = {
		{ .id = 1, .rate = FX(10, 0), .included = true },
		{ .id = 2, .rate = FX(6, 0), .included = true },
	};
	const struct credit_tax same[2] = {
		{ .id = 1, .rate = FX(10, 0), .included = true },
		{ .id = 2, .rate = FX(10, 0), .included = true },
	};
	struct credit_line_out o;

	(void)state;
	/* one batch: 116 / 1.16 = 100, 10 % and 6 % of it */
	o = line(FX(116, 0), 0, FX(1, 0), t, 2);
	assert_int_equal(o.untaxed, 10000);
	assert_int_equal(o.tax_amount[0], 1000);
	assert_int_equal(o.tax_amount[1], 600);
	/* each share rounded (18): 1.00 x 10 / 120 = 0.0833 -> 0.08 twice,
	 * base 0.84 (17's compute_all gives 0.83 + 0.08 + 0.09) */
	o = line(FX(1, 0), 0, FX(1, 0), same, 2);
	assert_int_equal(o.untaxed, 84);
	assert_int_equal(o.tax, 16);
	assert_int_equal(o.total, 100);
}

static struct credit_line_out line17(int64_t price, int64_t qty, const struct credit_tax *t,
				     size_t nt)
{
	struct credit_line_in in = { price, 0, qty, t, nt };
	struct credit_line_out out;
	struct err e = ERR_INIT;

	assert_int_equal(credit_line_odoo(&in, 2, 17, &out, &e), ERR_OK);
	return out;
}

static void test_credit__odoo_17_compute_all(void **state)
{
	const struct credit_tax two[2] = {
		{ .id = 1, .rate = FX(10, 0), .included = true },
		{ .id = 2, .rate = FX(6, 0), .included = true },
	};
	struct credit_tax cascade[2] = { fixed10, pct10 };
	struct credit_tax div = div10;
	struct credit_line_out o;

	(void)state;
	/* the base rounded once, 2.00 / 1.16 = 1.72; 10 % of it 0.17; the
	 * last included tax takes the rest, 0.11 (18: 1.73, 0.17, 0.10) */
	o = line17(FX(2, 0), FX(1, 0), two, 2);
	assert_int_equal(o.untaxed, 172);
	assert_int_equal(o.tax_amount[0], 17);
	assert_int_equal(o.tax_amount[1], 11);
	assert_int_equal(o.total, 200);
	/* a half-cent tie: 56.25 x 0.9 = 50.625 -> 50.63, tax 5.62 (18:
	 * 5.625 -> 5.63, base 50.62) */
	div.included = true;
	o = line17(FX(56, 250000), FX(1, 0), &div, 1);
	assert_int_equal(o.untaxed, 5063);
	assert_int_equal(o.tax, 562);
	/* test_tax_include_base_amount and the 49.95 x 2 incl. 10 % line are
	 * the same on 17 */
	cascade[0].include_base_amount = true;
	o = line17(FX(200, 0), FX(1, 0), cascade, 2);
	assert_int_equal(o.tax, 3100);
	assert_int_equal(o.total, 23100);
	o = line17(FX(49, 950000), FX(2, 0), &incl10, 1);
	assert_int_equal(o.untaxed, 9082);
	assert_int_equal(o.tax, 908);
}

static void test_credit__credit_line_reads_percent_fields_only(void **state)
{
	/* what the engine's unzeroed array may hold besides id, rate, included */
	const struct credit_tax junk = { .id = 1, .rate = FX(10, 0), .kind = CREDIT_TAX_GROUP,
					 .children = NULL, .nchildren = 5, .sequence = -7,
					 .include_base_amount = true };
	struct credit_line_in in = { FX(200, 0), 0, FX(1, 0), &junk, 1 };
	struct credit_line_out o;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(credit_line(&in, 2, &o, &e), ERR_OK);
	assert_int_equal(o.tax, 2000);
	assert_int_equal(o.total, 22000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit__discount_rounded_once_per_line),
		cmocka_unit_test(test_credit__price_included_tax_comes_out_of_the_total),
		cmocka_unit_test(test_credit__included_and_excluded_on_one_line),
		cmocka_unit_test(test_credit__no_tax_and_too_many_taxes),
		cmocka_unit_test(test_credit__fixed_tax_per_unit),
		cmocka_unit_test(test_credit__division_and_percent_from_test_tax),
		cmocka_unit_test(test_credit__group_and_sequence),
		cmocka_unit_test(test_credit__include_base_amount_cascade),
		cmocka_unit_test(test_credit__included_fixed_then_included_percent),
		cmocka_unit_test(test_credit__two_included_percents),
		cmocka_unit_test(test_credit__odoo_17_compute_all),
		cmocka_unit_test(test_credit__credit_line_reads_percent_fields_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
