/* The product's credit line (src/core/credit, integers) against the Odoo
 * emulator's (emulators/odoo/emu_tax, doubles as Odoo's Python), two
 * independent codes, on one table of tax sets over a grid of lines: they
 * must agree to the cent, 17.0's way (credit_line_odoo 17, profile 17) and
 * 18.0's (credit_line, profile 18). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/credit.h"
#include "core/money.h"
#include "emu_tax.h"

/* One tax of a case, as account.tax says; group children follow their
 * group (parent > 0 is the group's position + 1). */
struct tx {
	enum credit_tax_kind kind;
	double amount;
	bool incl, iba, unaffected;
	long long seq;
	int parent;
};

struct set {
	const char *name;
	bool differs_17_18;     /* some line of the grid */
	size_t n;
	struct tx t[4];
};

#define P CREDIT_TAX_PERCENT
#define F CREDIT_TAX_FIXED
#define D CREDIT_TAX_DIVISION
#define G CREDIT_TAX_GROUP

static const struct set sets[] = {
	{ "percent excluded", false, 1, { { P, 20, false, false, false, 1, 0 } } },
	{ "percent included", false, 1, { { P, 10, true, false, false, 1, 0 } } },
	{ "included and excluded", false, 2,
	  { { P, 20, false, false, false, 1, 0 }, { P, 10, true, false, false, 1, 0 } } },
	{ "fixed", false, 1, { { F, 10, false, false, false, 1, 0 } } },
	{ "fixed cents", false, 1, { { F, 0.35, false, false, false, 1, 0 } } },
	{ "fixed included", false, 1, { { F, 1.5, true, false, false, 1, 0 } } },
	{ "division excluded", false, 1, { { D, 10, false, false, false, 1, 0 } } },
	{ "division included", true, 1, { { D, 10, true, false, false, 1, 0 } } },
	{ "fixed cascades into percent", false, 2,
	  { { F, 10, false, true, false, 1, 0 }, { P, 10, false, false, false, 3, 0 } } },
	{ "percent cascades into percent", false, 2,
	  { { P, 10, false, true, false, 1, 0 }, { P, 20, false, false, false, 2, 0 } } },
	{ "cascade skips a not affected tax", false, 2,
	  { { F, 2, false, true, false, 1, 0 }, { P, 20, false, false, true, 2, 0 } } },
	{ "included fixed then included percent", false, 2,
	  { { F, 1, true, false, false, 1, 0 }, { P, 10, true, false, false, 2, 0 } } },
	{ "group: fixed and percent, then division", false, 4,
	  { { G, 0, false, false, false, 5, 0 }, { F, 10, false, false, false, 2, 1 },
	    { P, 10, false, false, false, 3, 1 }, { D, 10, false, false, false, 1, 0 } } },
	/* 17 rounds the base once and the last included tax takes the rest */
	{ "two included percents", true, 2,
	  { { P, 10, true, false, false, 1, 0 }, { P, 6, true, false, false, 2, 0 } } },
};

static const double prices[] = { 25.0, 19.99, 12.34, 0.01, 1.0, 116.0, 122.0, 79.99, 1234.56,
				 3.33, 49.95, 0.07 };
static const double discounts[] = { 0.0, 10.0, 33.33 };
static const double qtys[] = { 1.0, 3.0, 2.5, 7.0 };

/* money_from_double has the product's rounding of Odoo's floats */
static int64_t fx(double v)
{
	int64_t r = 0;
	struct err e = ERR_INIT;

	assert_int_equal(money_from_double(v, MONEY_DISCOUNT_DECIMALS, &r, &e), ERR_OK);
	return r;
}

/* the emulator's double in cents: what a numeric column keeps */
static int64_t cents(double v)
{
	return (int64_t)llround(emu_tax_column(v, 2) * 100.0);
}

static void build(const struct set *s, struct credit_tax *ct, struct credit_tax *kids,
		  size_t *nct, struct emu_tax_def *et, struct emu_tax_def *ekids, size_t *net)
{
	size_t i;

	*nct = *net = 0;
	for (i = 0; i < s->n; i++) {
		const struct tx *x = &s->t[i];
		struct credit_tax c = { .id = (int64_t)i + 1, .rate = fx(x->amount), .included = x->incl,
					.kind = x->kind, .include_base_amount = x->iba,
					.not_base_affected = x->unaffected, .sequence = x->seq };
		struct emu_tax_def d = { .amount = x->amount, .price_include = x->incl,
					 .type = (enum emu_tax_type)x->kind,
					 .include_base_amount = x->iba, .not_base_affected = x->unaffected,
					 .id = (long long)i + 1, .sequence = x->seq };

		if (x->parent) {
			/* children of the (only) group, in order */
			kids[ct[x->parent - 1].nchildren++] = c;
			ekids[et[x->parent - 1].nchildren++] = d;
			continue;
		}
		c.children = kids;
		d.children = ekids;
		ct[(*nct)++] = c;
		et[(*net)++] = d;
	}
}

/* Every line of the grid: the product against the emulator with that
 * profile; whether the set gives other figures on 17 than on 18. */
static void compare(int profile)
{
	size_t s, a, b, q, i, checked = 0;

	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		struct credit_tax ct[4], kids[4];
		struct emu_tax_def et[4], ekids[4];
		size_t nct, net;
		bool differs = false;

		build(&sets[s], ct, kids, &nct, et, ekids, &net);
		for (a = 0; a < sizeof(prices) / sizeof(prices[0]); a++)
			for (b = 0; b < sizeof(discounts) / sizeof(discounts[0]); b++)
				for (q = 0; q < sizeof(qtys) / sizeof(qtys[0]); q++) {
					struct credit_line_in in = { fx(prices[a]), fx(discounts[b]),
								     fx(qtys[q]), ct, nct };
					struct credit_line_out o, other;
					struct emu_tax_line l;
					struct err e = ERR_INIT;
					bool same;

					assert_int_equal(credit_line_odoo(&in, 2, profile, &o, &e), ERR_OK);
					assert_int_equal(credit_line_odoo(&in, 2, 35 - profile, &other, &e),
							 ERR_OK);
					differs = differs || o.untaxed != other.untaxed;
					emu_tax_line(et, net, prices[a], qtys[q], discounts[b], 0.01,
						     profile, &l);
					same = o.untaxed == cents(l.subtotal) && o.total == cents(l.total);
					for (i = 0; i < nct; i++)
						same = same && o.tax_amount[i] == cents(l.per_tax[i]);
					if (!same)
						fail_msg("%s, %g less %g %% x %g, profile %d: product %lld + %lld = %lld, emulator %.2f + %.2f = %.2f",
							 sets[s].name, prices[a], discounts[b], qtys[q], profile,
							 (long long)o.untaxed, (long long)o.tax, (long long)o.total,
							 l.subtotal, l.total - l.subtotal, l.total);
					checked++;
				}
		if (differs != sets[s].differs_17_18)
			fail_msg("%s: 17 and 18 %s", sets[s].name, differs ? "differ" : "agree");
	}
	assert_true(checked > 100);
}

static void test_credit_vs_emu__agree_as_odoo_18(void **state)
{
	(void)state;
	compare(18);
}

static void test_credit_vs_emu__agree_as_odoo_17(void **state)
{
	(void)state;
	compare(17);
}

static void test_credit_vs_emu__17_and_18_on_two_included_taxes(void **state)
{
	const struct set *s = &sets[sizeof(sets) / sizeof(sets[0]) - 1];
	struct credit_tax ct[4], kids[4];
	struct emu_tax_def et[4], ekids[4];
	struct credit_line_in in = { fx(2.0), 0, fx(1.0), ct, 0 };
	struct credit_line_out o17, o18;
	struct err e = ERR_INIT;
	size_t net;

	(void)state;
	/* 2.00 with 10 % and 6 % included, 2.00 / 1.16 = 1.7241..: 18 rounds
	 * each share, 0.1724 -> 0.17 and 0.1034 -> 0.10, base 1.73; 17
	 * rounds the base, 1.72, 10 % of it 0.17, and the last takes
	 * 2.00 - 1.72 - 0.17 = 0.11 */
	build(s, ct, kids, &in.ntax, et, ekids, &net);
	assert_int_equal(credit_line_odoo(&in, 2, 18, &o18, &e), ERR_OK);
	assert_int_equal(credit_line_odoo(&in, 2, 17, &o17, &e), ERR_OK);
	assert_int_equal(o18.untaxed, 173);
	assert_int_equal(o18.tax_amount[1], 10);
	assert_int_equal(o17.untaxed, 172);
	assert_int_equal(o17.tax_amount[0], 17);
	assert_int_equal(o17.tax_amount[1], 11);
}

static void test_credit_vs_emu__17_refuses_an_unrounded_base(void **state)
{
	const struct credit_tax t[2] = {
		{ .id = 1, .rate = 10000000, .included = true, .include_base_amount = true },
		{ .id = 2, .rate = 20000000, .included = true, .include_base_amount = true },
	};
	struct credit_line_in in = { 132000000, 0, 1000000, t, 2 };
	struct credit_line_out o;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(credit_line_odoo(&in, 2, 17, &o, &e), ERR_UNSUPPORTED);
	assert_int_equal(credit_line_odoo(&in, 2, 18, &o, &e), ERR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit_vs_emu__agree_as_odoo_18),
		cmocka_unit_test(test_credit_vs_emu__agree_as_odoo_17),
		cmocka_unit_test(test_credit_vs_emu__17_and_18_on_two_included_taxes),
		cmocka_unit_test(test_credit_vs_emu__17_refuses_an_unrounded_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
