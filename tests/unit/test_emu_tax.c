/* Unit tests for the Odoo emulator's money code (emulators/odoo/emu_tax)
 * and its Python-compatible float output (emu_json): hand-computed figures,
 * and the doubles Odoo's Python produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "emu_json.h"
#include "emu_tax.h"

static void test_emu_tax__round_half_up_like_odoo(void **state)
{
	(void)state;
	/* 2.675 is 2.67499999.. as a double: Odoo's epsilon still rounds up */
	assert_true(emu_tax_round(2.675, 0.01) == 2.68);
	assert_true(emu_tax_round(25.0 / 1.1, 0.01) == 22.73);
	assert_true(emu_tax_round(15.998, 0.01) == 16.0);
	assert_true(emu_tax_round(-1.005, 0.01) == -1.01);
	assert_true(emu_tax_round(0.0, 0.01) == 0.0);
	assert_true(emu_tax_round(1.3, 0.5) == 1.5);
}

static void test_emu_tax__excluded_percent_with_discount(void **state)
{
	struct emu_tax_def vat20 = { .amount = 20.0 };
	struct emu_tax_line l;

	(void)state;
	/* 3 x 25.00 less 10 % = 67.50, 20 % = 13.50 (s.sol_read line A) */
	emu_tax_line(&vat20, 1, 25.0, 3.0, 10.0, 0.01, 17, &l);
	assert_true(l.subtotal == 67.5 && l.tax == 13.5 && l.total == 81.0);
	/* 79.99 x 20 % = 15.998 -> 16.00 per line (line B); compute_all
	 * rounds total_included: 95.99000000000001 until stored */
	emu_tax_line(&vat20, 1, 79.99, 1.0, 0.0, 0.01, 17, &l);
	assert_true(l.subtotal == 79.99 && l.tax == 16.0 && emu_tax_column(l.total, 2) == 95.99);
	/* the credit note's TSHIRT line: 22.50 x 2 */
	emu_tax_line(&vat20, 1, 25.0, 2.0, 10.0, 0.01, 18, &l);
	assert_true(l.subtotal == 45.0 && l.tax == 9.0 && l.total == 54.0);
}

static void test_emu_tax__included_percent_per_profile(void **state)
{
	struct emu_tax_def incl10 = { .amount = 10.0, .price_include = true };
	struct emu_tax_line l;

	(void)state;
	/* 2 x 12.50 incl. 10 %: base 25 / 1.1 = 22.727.. -> 22.73, tax 2.27 */
	emu_tax_line(&incl10, 1, 12.5, 2.0, 0.0, 0.01, 17, &l);
	assert_true(l.subtotal == 22.73 && l.tax == 2.27 && l.total == 25.0);
	/* 18 reports price_tax unrounded: 25.0 - 22.73 = 2.2699999999999996 */
	emu_tax_line(&incl10, 1, 12.5, 2.0, 0.0, 0.01, 18, &l);
	assert_true(l.subtotal == 22.73 && l.total == 25.0);
	assert_true(l.tax == 25.0 - 22.73 && l.tax != 2.27);
}

static void test_emu_tax__33_33_percent_discount(void **state)
{
	struct emu_tax_def vat20 = { .amount = 20.0 };
	struct emu_tax_line l;

	(void)state;
	/* 3 x 19.99 less 33.33 % = 39.981999 -> 39.98; tax 7.996 -> 8.00;
	 * the rounded double is 39.980000000000004 until it has been through
	 * a numeric column, as in Odoo */
	emu_tax_line(&vat20, 1, 19.99, 3.0, 33.33, 0.01, 17, &l);
	assert_true(l.subtotal != 39.98 && emu_tax_column(l.subtotal, 2) == 39.98);
	assert_true(l.tax == 8.0 && emu_tax_column(l.total, 2) == 47.98);
}

/* tax sets from Odoo's addons/account/tests/test_tax.py setUp: fixed 10
 * (seq 1), percent 10 % (seq 3), division 10 % (seq 4) */
static const struct emu_tax_def fixed10 = { .amount = 10.0, .type = EMU_TAX_FIXED, .id = 1,
					    .sequence = 1 };
static const struct emu_tax_def pct10 = { .amount = 10.0, .id = 3, .sequence = 3 };
static const struct emu_tax_def div10 = { .amount = 10.0, .type = EMU_TAX_DIVISION, .id = 4,
					  .sequence = 4 };

static void test_emu_tax__fixed_and_division_both_profiles(void **state)
{
	struct emu_tax_def t = fixed10;
	struct emu_tax_line l;
	int p;

	(void)state;
	for (p = 17; p <= 18; p++) {
		/* 10.00 per unit x 3 on 3 x 25.00 */
		t = fixed10;
		emu_tax_line(&t, 1, 25.0, 3.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == 75.0 && l.per_tax[0] == 30.0 && l.total == 105.0);
		/* price-included: 30.00 of the 75.00 */
		t.price_include = true;
		emu_tax_line(&t, 1, 25.0, 3.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == 45.0 && l.per_tax[0] == 30.0 && l.total == 75.0);
		/* a negative price turns the fixed tax's sign */
		t = fixed10;
		emu_tax_line(&t, 1, -25.0, 3.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == -75.0 && l.per_tax[0] == -30.0);
		/* test_tax_percent_division: 200 / 0.9 - 200 = 22.22 */
		emu_tax_line(&div10, 1, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == 200.0 && l.per_tax[0] == 22.22);
		/* included: 10 % of the 200 */
		t = div10;
		t.price_include = true;
		emu_tax_line(&t, 1, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == 180.0 && l.per_tax[0] == 20.0 && l.total == 200.0);
	}
}

static void test_emu_tax__groups_and_include_base_amount(void **state)
{
	struct emu_tax_def kids[2] = { pct10, fixed10 };
	struct emu_tax_def set[2] = { { .type = EMU_TAX_GROUP, .id = 5, .sequence = 5,
					.children = kids, .nchildren = 2 }, div10 };
	struct emu_tax_line l;
	int p;

	(void)state;
	for (p = 17; p <= 18; p++) {
		/* test_tax_group: 10 + 10 % of 200 */
		emu_tax_line(set, 1, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.subtotal == 200.0 && l.per_tax[0] == 30.0 && l.total == 230.0);
		/* test_tax_sequence_normalized_set: division first (seq 1) */
		set[1].sequence = 1;
		emu_tax_line(set, 2, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.per_tax[0] == 30.0 && l.per_tax[1] == 22.22);
		assert_true(emu_tax_column(l.total, 2) == 252.22);
		set[1].sequence = 4;
		/* test_tax_include_base_amount: 10 + 10 % of 210 */
		kids[1].include_base_amount = true;
		emu_tax_line(set, 1, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.per_tax[0] == 31.0 && l.total == 231.0);
		/* unless the percent tax is not base affected */
		kids[0].not_base_affected = true;
		emu_tax_line(set, 1, 200.0, 1.0, 0.0, 0.01, p, &l);
		assert_true(l.per_tax[0] == 30.0);
		kids[0].not_base_affected = false;
		kids[1].include_base_amount = false;
	}
}

static void test_emu_tax__included_taxes_17_and_18(void **state)
{
	struct emu_tax_def two[2] = { { .amount = 10.0, .price_include = true, .id = 1 },
				      { .amount = 6.0, .price_include = true, .id = 2 } };
	struct emu_tax_def div = div10;
	struct emu_tax_line l;

	(void)state;
	/* 2.00 incl. 10 % + 6 %: 18 rounds each share (0.17, 0.10, base
	 * 1.73); 17 rounds the base (1.72) and the last takes the rest */
	emu_tax_line(two, 2, 2.0, 1.0, 0.0, 0.01, 18, &l);
	assert_true(l.subtotal == 1.73 && l.per_tax[0] == 0.17 && l.per_tax[1] == 0.1);
	emu_tax_line(two, 2, 2.0, 1.0, 0.0, 0.01, 17, &l);
	assert_true(l.subtotal == 1.72 && l.per_tax[0] == 0.17 &&
		    emu_tax_column(l.per_tax[1], 2) == 0.11);
	/* a half-cent tie: 56.25 incl. 10 % division: 18 5.625 -> 5.63; 17
	 * 56.25 x 0.9 = 50.625 -> 50.63 and 5.62 */
	div.price_include = true;
	emu_tax_line(&div, 1, 56.25, 1.0, 0.0, 0.01, 18, &l);
	assert_true(emu_tax_column(l.subtotal, 2) == 50.62 && l.per_tax[0] == 5.63);
	emu_tax_line(&div, 1, 56.25, 1.0, 0.0, 0.01, 17, &l);
	assert_true(emu_tax_column(l.subtotal, 2) == 50.63 &&
		    emu_tax_column(l.per_tax[0], 2) == 5.62);
}

static void test_emu_json__floats_as_python_writes_them(void **state)
{
	char b[40];

	(void)state;
	emu_json_float_repr(2.27, b, sizeof(b));
	assert_string_equal(b, "2.27");
	emu_json_float_repr(25.0 - 22.73, b, sizeof(b));
	assert_string_equal(b, "2.2699999999999996");
	emu_json_float_repr(3.0, b, sizeof(b));
	assert_string_equal(b, "3.0");
	emu_json_float_repr(0.1 + 0.2, b, sizeof(b));
	assert_string_equal(b, "0.30000000000000004");
	emu_json_float_repr(1e16, b, sizeof(b));
	assert_string_equal(b, "1e+16");
	emu_json_float_repr(-0.5, b, sizeof(b));
	assert_string_equal(b, "-0.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_tax__round_half_up_like_odoo),
		cmocka_unit_test(test_emu_tax__excluded_percent_with_discount),
		cmocka_unit_test(test_emu_tax__included_percent_per_profile),
		cmocka_unit_test(test_emu_tax__33_33_percent_discount),
		cmocka_unit_test(test_emu_tax__fixed_and_division_both_profiles),
		cmocka_unit_test(test_emu_tax__groups_and_include_base_amount),
		cmocka_unit_test(test_emu_tax__included_taxes_17_and_18),
		cmocka_unit_test(test_emu_json__floats_as_python_writes_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
