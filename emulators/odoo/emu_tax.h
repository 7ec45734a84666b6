/* emu_tax: the emulator's own money arithmetic, written from Odoo's
 * behaviour (odoo.tools.float_utils.float_round, account.tax taxes of every
 * amount_type but Python code, with tax_calculation_rounding_method
 * round_per_line: 17.0's compute_all, 18.0's _get_tax_details). It must never share
 * code with returnbridge's money code in src/core/: the product's amount
 * checks are tested against it. */
#ifndef ODOO_EMU_TAX_H
#define ODOO_EMU_TAX_H

#include <stdbool.h>
#include <stddef.h>

/* float_round(value, precision_rounding=rounding), HALF-UP: normalise,
 * nudge by an epsilon scaled to the value, round, de-normalise — the same
 * IEEE operations as Odoo's Python, so the same doubles come out. */
double emu_tax_round(double value, double rounding);

/* What a value becomes once stored in a PostgreSQL numeric column and read
 * back, as Odoo stores monetary fields and floats with digits: the decimal
 * with that many digits (3998 * 0.01 = 39.980000000000004 comes back as
 * 39.98). Plain Float fields are double columns and keep every bit, which
 * is why 18's price_tax reads 2.2699999999999996. */
double emu_tax_column(double value, int digits);

/* account.tax amount_type */
enum emu_tax_type {
	EMU_TAX_PERCENT = 0,
	EMU_TAX_FIXED,
	EMU_TAX_DIVISION,
	EMU_TAX_GROUP,
};

struct emu_tax_def {
	double amount;          /* percent; per unit for fixed */
	bool price_include;
	enum emu_tax_type type;
	bool include_base_amount;
	bool not_base_affected; /* !is_base_affected (Odoo's default True) */
	long long id;           /* order: (sequence, id) */
	long long sequence;
	const struct emu_tax_def *children; /* a group's children_tax_ids */
	size_t nchildren;
};

/* Most taxes on one line (more are ignored). */
#define EMU_TAX_MAX 8
/* Most taxes once groups are flattened (more are ignored). */
#define EMU_TAX_FLAT 16

struct emu_tax_line {
	double subtotal;        /* price_subtotal (excluded) */
	double tax;             /* price_tax as the profile reports it */
	double total;           /* price_total (included) */
	double per_tax[EMU_TAX_MAX]; /* each tax's rounded amount (tax lines) */
};

/* One line: price_unit less discount (percent), times qty, with its taxes,
 * rounded per line to the currency: profile 17 as 17.0's compute_all
 * (total_included checkpoints: the last price-included tax of a run takes
 * what the rounded base leaves), 18 as 18.0's _get_tax_details (each tax's
 * share rounded). Groups are replaced by their children (not nested);
 * per_tax is by input tax, a group's the sum of its children. Profile 18
 * reports price_tax as total - subtotal unrounded (2.2699999999999996,
 * s.sol_read); 17 reports the rounded tax (2.27). */
void emu_tax_line(const struct emu_tax_def *taxes, size_t ntaxes,
		  double price_unit, double qty, double discount,
		  double rounding, int profile, struct emu_tax_line *out);

#endif
