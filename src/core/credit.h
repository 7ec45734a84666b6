/* credit: the amounts of a credit note line as Odoo computes them, in
 * integer minor units, from the original sale line's price and discount,
 * the received quantity and the taxes of the invoice line that charged it
 * (DESIGN.md I2). Pure: no I/O. The engine compares these with Odoo's own
 * totals after posting; a one-cent difference is an exception. */
#ifndef CORE_CREDIT_H
#define CORE_CREDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CREDIT_MAX_TAXES 8
/* Most taxes once groups are replaced by their children. */
#define CREDIT_MAX_FLAT 16

/* account.tax amount_type. Zero is percent, so a zero-initialised tax is
 * the percent tax of before. */
enum credit_tax_kind {
	CREDIT_TAX_PERCENT = 0,  /* 'percent' */
	CREDIT_TAX_FIXED,        /* 'fixed': rate x quantity */
	CREDIT_TAX_DIVISION,     /* 'division': percent of the tax-included price */
	CREDIT_TAX_GROUP,        /* 'group': the children, at the group's place */
};

/* One tax as account.tax says:
 * - rate: `amount`, fixed point with MONEY_DISCOUNT_DECIMALS (10^-6), as
 *   Odoo stores it (digits 16,4): a percent for percent and division
 *   taxes (20 % is 20000000), currency units per unit of quantity for
 *   fixed taxes (10.00 per unit is 10000000, not minor units);
 * - included: `price_include` (on 18 the computed field, which follows
 *   price_include_override and the company default: read price_include);
 * - include_base_amount: `include_base_amount`;
 * - not_base_affected: NOT `is_base_affected` (Odoo's default is True, so
 *   zero here is Odoo's default);
 * - sequence: `sequence`; taxes are applied by (sequence, id), a group's
 *   children by their own (sequence, id) at the group's place;
 * - children/nchildren: a group's `children_tax_ids` (no nested groups:
 *   Odoo refuses them too). */
struct credit_tax {
	int64_t id;
	int64_t rate;
	bool included;
	enum credit_tax_kind kind;
	bool include_base_amount;
	bool not_base_affected;
	int64_t sequence;
	const struct credit_tax *children;
	size_t nchildren;
};

struct credit_line_in {
	int64_t price_unit;                 /* MONEY_PRICE_DECIMALS */
	int64_t discount;                   /* percent, MONEY_DISCOUNT_DECIMALS */
	int64_t qty;                        /* MONEY_QTY_DECIMALS */
	const struct credit_tax *taxes;
	size_t ntax;
};

struct credit_line_out {
	int64_t line_amount;   /* price x (1 - discount) x qty, rounded once */
	int64_t untaxed;       /* price_subtotal: line_amount less included taxes */
	int64_t tax;           /* every tax, each rounded per line */
	int64_t total;         /* price_total */
	/* each input tax's amount, rounded per line, in input order (a group
	 * the sum of its children) */
	int64_t tax_amount[CREDIT_MAX_TAXES];
};

/* One line of percent taxes, as before the other kinds: reads only id,
 * rate and included of each tax (src/engine/step_credit.c fills just
 * those, in an array it does not zero) and computes as
 * credit_line_odoo(in, decimals, 18, ...). */
MUST_CHECK enum err_code credit_line(const struct credit_line_in *in, int decimals,
				     struct credit_line_out *out, struct err *e);

/* One line, rounded per line as Odoo's default (round_per_line): the line
 * amount once; then every tax of every kind as the given Odoo server
 * computes it, each rounded to the currency: odoo_major is common.version's
 * server_version_info[0]; 17 as 17.0's account.tax.compute_all, any other
 * as 18.0's _get_tax_details (see credit.c for the rules and where each
 * comes from). Every field of every tax is read: zero them. ERR_INVALID
 * for a bad decimals, more than CREDIT_MAX_TAXES taxes (CREDIT_MAX_FLAT
 * once groups are flattened) or a group inside a group; on 17,
 * ERR_UNSUPPORTED for a tax with include_base_amount followed (in
 * sequence) by a price-included tax (17 carries an unrounded base there;
 * not checked);
 * ERR_TOO_BIG on overflow. Any thread. */
MUST_CHECK enum err_code credit_line_odoo(const struct credit_line_in *in, int decimals,
					  int odoo_major, struct credit_line_out *out,
					  struct err *e);

#endif
