/* emu_tax: Odoo-compatible rounding and percent taxes for the emulator. */
#include "emu_tax.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double emu_tax_column(double value, int digits)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", digits, value);
	return strtod(buf, NULL);
}

double emu_tax_round(double value, double rounding)
{
	double norm, sign, eps;

	if (rounding == 0.0 || value == 0.0)
		return 0.0;
	norm = value / rounding;
	sign = copysign(1.0, norm);
	eps = pow(2.0, log2(fabs(norm)) - 52.0);
	norm += sign * eps;
	/* Odoo's float_utils.round() is Python 2's: ties away from zero, as C's
	 * round() (from Odoo's source, odoo/tools/float_utils.py) */
	return round(norm) * rounding;
}

/* A tax of the flattened, ordered list and what the computation keeps. */
struct flat {
	const struct emu_tax_def *t;
	size_t parent;          /* which input tax (a group's index for a child) */
	size_t lo, hi;          /* 18: its batch, as positions in the list */
	bool has_amount;
	double amount, extra_tax, extra_base;
	bool checkpoint;        /* 17: a total_included checkpoint */
	double checkpoint_at;
};

static bool key_less(const struct emu_tax_def *a, const struct emu_tax_def *b)
{
	if (a->sequence != b->sequence)
		return a->sequence < b->sequence;
	return a->id < b->id;
}

/* Index of the smallest (sequence, id) not yet taken. */
static size_t next_in_order(const struct emu_tax_def *v, size_t n, bool *taken)
{
	size_t i, best = n;

	for (i = 0; i < n; i++)
		if (!taken[i] && (best == n || key_less(&v[i], &v[best])))
			best = i;
	taken[best] = true;
	return best;
}

static void push_flat(struct flat *f, size_t *nf, const struct emu_tax_def *t, size_t parent)
{
	size_t i;

	for (i = 0; i < *nf; i++)
		if (f[i].t->id == t->id)
			return; /* a recordset holds a tax once */
	if (*nf == EMU_TAX_FLAT || t->type == EMU_TAX_GROUP)
		return; /* Odoo refuses nested groups */
	memset(&f[*nf], 0, sizeof(f[*nf]));
	f[*nf].t = t;
	f[*nf].parent = parent;
	(*nf)++;
}

/* account.tax._flatten_taxes_and_sort_them (17: flatten_taxes_hierarchy):
 * by (sequence, id), a group's children, in their own order, at its place. */
static size_t flatten(const struct emu_tax_def *taxes, size_t n, struct flat *f)
{
	bool taken[EMU_TAX_MAX] = { false };
	size_t r, c, nf = 0;

	for (r = 0; r < n; r++) {
		size_t k = next_in_order(taxes, n, taken);
		const struct emu_tax_def *t = &taxes[k];
		bool ctaken[EMU_TAX_FLAT] = { false };
		size_t nc = t->nchildren < EMU_TAX_FLAT ? t->nchildren : EMU_TAX_FLAT;

		if (t->type != EMU_TAX_GROUP) {
			push_flat(f, &nf, t, k);
			continue;
		}
		for (c = 0; c < nc; c++)
			push_flat(f, &nf, &t->children[next_in_order(t->children, nc, ctaken)], k);
	}
	return nf;
}

/* ---- 18.0: account.tax._get_tax_details ---- */

/* _batch_for_taxes_computation, special_mode False. */
static void batches18(struct flat *f, size_t n)
{
	size_t i, k, lo = n, hi = n;
	bool next_affected = false;

	for (i = n; i-- > 0;) {
		const struct emu_tax_def *t = f[i].t;
		bool joins = hi < n && t->type == f[hi].t->type &&
			     t->price_include == f[hi].t->price_include &&
			     t->include_base_amount == f[hi].t->include_base_amount &&
			     (!t->include_base_amount || !next_affected);

		if (hi < n && !joins) {
			for (k = lo; k <= hi; k++) {
				f[k].lo = lo;
				f[k].hi = hi;
			}
			hi = n;
		}
		if (hi == n)
			hi = i;
		lo = i;
		next_affected = !t->not_base_affected;
	}
	for (k = lo; n && k <= hi; k++) {
		f[k].lo = lo;
		f[k].hi = hi;
	}
}

/* sum(tax.amount for tax in batch): the batch holds them backwards */
static double batch_sum(const struct flat *f, size_t i)
{
	double s = 0.0;
	size_t k;

	for (k = f[i].hi + 1; k-- > f[i].lo;)
		s += f[k].t->amount;
	return s;
}

static void extra_base(struct flat *o, double v)
{
	if (!o->has_amount)
		o->extra_tax += v;
	o->extra_base += v;
}

/* _propagate_extra_taxes_base, special_mode False. */
static void propagate18(struct flat *f, size_t n, size_t i)
{
	const struct emu_tax_def *t = f[i].t;
	size_t k;

	if (t->price_include) {
		for (k = n; k-- > f[i].hi + 1;)
			if (!t->include_base_amount || f[k].t->not_base_affected)
				extra_base(&f[k], -f[i].amount);
		for (k = 0; k < f[i].lo; k++)
			extra_base(&f[k], -f[i].amount);
	} else if (t->include_base_amount) {
		for (k = n; k-- > f[i].hi + 1;)
			if (!f[k].t->not_base_affected)
				extra_base(&f[k], f[i].amount);
	}
}

/* _eval_tax_amount_fixed_amount / _price_included / _price_excluded */
static double eval18(const struct flat *f, size_t i, double raw, double price, double qty)
{
	const struct emu_tax_def *t = f[i].t;
	double base = raw + f[i].extra_tax, tot;

	if (t->type == EMU_TAX_FIXED)
		return (price < 0.0 ? -1 : 1) * qty * t->amount;
	if (t->price_include && t->type == EMU_TAX_PERCENT) {
		tot = batch_sum(f, i) / 100.0;
		return base * (tot != -1 ? 1 / (1 + tot) : 0.0) * t->amount / 100.0;
	}
	if (t->price_include)
		return base * t->amount / 100.0;
	if (t->type == EMU_TAX_PERCENT)
		return base * t->amount / 100.0;
	tot = batch_sum(f, i) / 100.0;
	return base * t->amount / 100.0 / (tot == 1.0 ? 1.0 : 1 - tot);
}

static void line18(struct flat *f, size_t n, double price, double qty, double rounding,
		   double *excluded, double *included)
{
	double raw = emu_tax_round(qty * price, rounding), sum = 0.0;
	size_t pass, k, i;

	batches18(f, n);
	/* fixed backwards, price-included backwards, price-excluded forwards */
	for (pass = 0; pass < 3; pass++)
		for (k = 0; k < n; k++) {
			i = pass == 2 ? k : n - 1 - k;
			if (f[i].has_amount || (pass == 0 && f[i].t->type != EMU_TAX_FIXED) ||
			    (pass == 1 && !f[i].t->price_include))
				continue;
			f[i].amount = emu_tax_round(eval18(f, i, raw, price, qty), rounding);
			f[i].has_amount = true;
			propagate18(f, n, i);
		}
	*excluded = raw;
	if (n) {
		*excluded = raw + f[0].extra_base;
		for (k = f[0].hi + 1; f[0].t->price_include && k-- > f[0].lo;)
			*excluded -= f[k].amount;
	}
	for (i = 0; i < n; i++)
		sum += f[i].amount;
	/* the rounded total_excluded plus the rounded taxes, not rounded
	 * again: s.sol_read's 95.99 - 79.99 is 16.0 and 25.0 - 22.73 is
	 * 2.2699999999999996 */
	*excluded = emu_tax_round(*excluded, rounding);
	*included = *excluded + sum;
}

/* ---- 17.0: account.tax.compute_all ---- */

/* _compute_amount with force_price_include False */
static double amount17(const struct emu_tax_def *t, double base, double qty)
{
	if (t->type == EMU_TAX_FIXED)
		return base != 0.0 ? copysign(qty, base) * t->amount : qty * t->amount;
	if (t->type == EMU_TAX_PERCENT)
		return base * t->amount / 100;
	return (1 - t->amount / 100) != 0.0 ? base / (1 - t->amount / 100) - base : 0.0;
}

struct incl17 {
	double fixed, percent, division;
};

/* compute_all's recompute_base: the base without the included taxes seen
 * since the last reset, which it resets. */
static double recompute17(double base, struct incl17 *a)
{
	double b = (base - a->fixed) / (1.0 + a->percent / 100.0) * (100 - a->division) / 100;

	a->fixed = a->percent = a->division = 0.0;
	return b;
}

static void line17(struct flat *f, size_t n, double price, double qty, double rounding,
		   double *excluded, double *included)
{
	double base = emu_tax_round(price * qty, rounding), sign = 1.0;
	double total_excluded, total_included, cumulated = 0.0;
	struct incl17 acc = { 0.0, 0.0, 0.0 };
	bool store = true, next_affected = true, skip_checkpoint = false;
	size_t i;

	if (base < 0.0) {
		sign = -1.0;
		base = -base;
	}
	for (i = n; i-- > 0;) {
		const struct emu_tax_def *t = f[i].t;

		if (t->include_base_amount && next_affected) {
			base = recompute17(base, &acc);
			store = true;
		}
		if (t->price_include) {
			if (t->type == EMU_TAX_PERCENT)
				acc.percent += t->amount;
			else if (t->type == EMU_TAX_DIVISION)
				acc.division += t->amount;
			else
				acc.fixed += fabs(qty) * t->amount;
			if (store && t->amount != 0.0) {
				f[i].checkpoint = true;
				f[i].checkpoint_at = base;
				store = false;
			}
		}
		next_affected = !t->not_base_affected;
	}
	total_excluded = emu_tax_round(recompute17(base, &acc), rounding);
	base = total_included = total_excluded;
	for (i = 0; i < n; i++) {
		const struct emu_tax_def *t = f[i].t;
		double tb = t->price_include || !t->not_base_affected ? base : total_excluded, amt;

		if (!skip_checkpoint && t->price_include && f[i].checkpoint) {
			amt = f[i].checkpoint_at - (base + cumulated);
			cumulated = 0.0;
		} else {
			amt = amount17(t, tb, qty);
		}
		amt = emu_tax_round(amt, rounding);
		if (t->price_include && !f[i].checkpoint)
			cumulated += amt;
		if (t->include_base_amount) {
			base += amt;
			if (!t->price_include)
				skip_checkpoint = true;
		}
		total_included += amt;
		f[i].amount = sign * amt;
	}
	*excluded = sign * total_excluded;
	*included = sign * emu_tax_round(total_included, rounding);
}

void emu_tax_line(const struct emu_tax_def *taxes, size_t ntaxes,
		  double price_unit, double qty, double discount,
		  double rounding, int profile, struct emu_tax_line *out)
{
	struct flat f[EMU_TAX_FLAT];
	double price = price_unit * (1.0 - discount / 100.0), tax_sum = 0.0;
	size_t n, i;

	if (ntaxes > EMU_TAX_MAX)
		ntaxes = EMU_TAX_MAX;
	for (i = 0; i < EMU_TAX_MAX; i++)
		out->per_tax[i] = 0.0;
	n = flatten(taxes, ntaxes, f);
	if (profile >= 18)
		line18(f, n, price, qty, rounding, &out->subtotal, &out->total);
	else
		line17(f, n, price, qty, rounding, &out->subtotal, &out->total);
	for (i = 0; i < n; i++) {
		out->per_tax[f[i].parent] += f[i].amount;
		tax_sum += f[i].amount;
	}
	out->tax = profile >= 18 ? out->total - out->subtotal : tax_sum;
}
