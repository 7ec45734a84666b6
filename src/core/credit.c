/* credit: credit note line amounts in integer minor units.
 *
 * The taxes follow Odoo 18.0's addons/account/models/account_tax.py
 * (read in odoo/odoo; the Python is a mirror of account_tax.js), with
 * tax_calculation_rounding_method round_per_line:
 *
 * - _add_tax_details_in_base_line: price_unit_after_discount = price_unit
 *   x (1 - discount / 100); _get_tax_details: raw_base = quantity x that,
 *   float_round'ed to the currency (money_line_subtotal, exact).
 * - _flatten_taxes_and_sort_them: sort by (sequence, id); a group gives
 *   way to its children, sorted by (sequence, id), at its place; the
 *   recordset union keeps a tax once.
 * - _batch_for_taxes_computation: walking the sorted taxes backwards, a
 *   tax joins the batch of the one after it when amount_type,
 *   price_include and include_base_amount are equal and, if it includes
 *   the base amount, the tax after it is not base affected.
 * - _get_tax_details evaluates in three passes, each tax once:
 *   1. backwards, fixed taxes (_eval_tax_amount_fixed_amount): sign x
 *      quantity x amount, sign -1 when price_unit_after_discount < 0;
 *   2. backwards, price-included taxes (_eval_tax_amount_price_included):
 *      percent: base x amount / (100 + sum of the batch's amounts) (0 when
 *      that sum is -100); division: base x amount / 100;
 *   3. forwards, price-excluded taxes (_eval_tax_amount_price_excluded):
 *      percent: base x amount / 100; division: base x amount / 100 /
 *      (1 - sum of the batch's amounts / 100), or / 1 when that sum is 100;
 *   where base is raw_base + extra_base_for_tax.
 * - add_tax_amount_to_results: each amount float_round'ed to the currency
 *   at once (round_per_line), then _propagate_extra_taxes_base (no special
 *   mode): a price-included tax is taken off the base of every tax before
 *   its batch and of every tax after it (only the not base affected ones
 *   when it includes the base amount); a price-excluded tax that includes
 *   the base amount is added to the base of the base-affected taxes after
 *   its batch. A tax already computed keeps its amount; only its reported
 *   base moves (extra_base_for_base).
 * - base of a tax = raw_base + extra_base_for_base, less its batch's tax
 *   amounts when price-included; total_excluded = the first tax's base,
 *   total_included = total_excluded + every tax amount.
 *
 * credit_line_odoo with odoo_major 17: Odoo 17.0's compute_all (account_tax.py 17.0, called
 * by _compute_taxes_for_single_line and account.move.line._compute_totals
 * with price_unit_after_discount and quantity):
 * - base = currency.round(price_unit x quantity); a negative base is
 *   computed positive and every result negated (sign);
 * - backwards over the flattened taxes: a tax with include_base_amount
 *   whose next tax is base affected resets the base to recompute_base()
 *   of the included taxes seen so far (an unrounded base when there were
 *   some: refused, ERR_UNSUPPORTED); price-included taxes add up
 *   (percent and division amounts, fixed |quantity| x amount), and the
 *   first price-included one with a non-zero amount after each reset
 *   stores a total_included checkpoint (the base at that point);
 * - total_excluded = currency.round(recompute_base(base)) with
 *   recompute_base = (base - fixed) / (1 + percent / 100) x (100 -
 *   division) / 100;
 * - forwards from base = total_excluded: a checkpointed price-included
 *   tax is checkpoint - (base + the included taxes since), the others
 *   _compute_amount as if excluded (percent: base x amount / 100;
 *   division: base / (1 - amount / 100) - base; fixed: quantity (signed as
 *   the base) x amount) on base, or on total_excluded when the tax is
 *   neither price-included nor base affected; each float_round'ed; a tax
 *   with include_base_amount adds itself to base (and, price-excluded,
 *   turns the checkpoints off); total_included is their sum.
 * So 17 rounds the base and lets the last included tax take the rest where
 * 18 rounds each tax: they differ on half-cent ties of one included tax
 * (56.25 with 10 % division included: 17 50.63 + 5.62, 18 50.62 + 5.63)
 * and on several included taxes (2.00 with 10 % and 6 % included: 17 1.72
 * + 0.17 + 0.11, 18 1.73 + 0.17 + 0.10). */
#include "core/credit.h"

#include "core/money.h"

__extension__ typedef __int128 i128;

/* percent with MONEY_DISCOUNT_DECIMALS: 100 % is 100 * 10^6 */
#define HUNDRED_PCT ((i128)100 * 1000000)

/* Divide rounding half away from zero (Odoo's float_round, HALF-UP). */
static i128 div_round(i128 n, i128 d)
{
	int neg = (n < 0) != (d < 0);
	i128 q;

	if (n < 0)
		n = -n;
	if (d < 0)
		d = -d;
	q = (n + d / 2) / d;
	return neg ? -q : q;
}

/* One flattened tax and what _get_tax_details keeps of it. */
struct ftax {
	const struct credit_tax *t;
	size_t owner;          /* index of the input tax (a group's for a child) */
	size_t first, last;    /* its batch, as indices in the sorted list */
	bool done;
	i128 amount, extra_tax, extra_base;
	bool checkpoint;       /* 17: a total_included checkpoint, at */
	i128 checkpoint_at;
};

static bool before(const struct credit_tax *a, const struct credit_tax *b)
{
	return a->sequence < b->sequence || (a->sequence == b->sequence && a->id < b->id);
}

/* Insertion sort of pointers by (sequence, id): stable, at most 16. */
static void sort_taxes(const struct credit_tax **v, size_t *owner, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && before(v[j], v[j - 1]); j--) {
			const struct credit_tax *t = v[j];
			size_t o = owner[j];

			v[j] = v[j - 1];
			owner[j] = owner[j - 1];
			v[j - 1] = t;
			owner[j - 1] = o;
		}
}

static bool has_id(const struct ftax *f, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].t->id == id)
			return true;
	return false;
}

/* _flatten_taxes_and_sort_them. */
static enum err_code flatten(const struct credit_line_in *in, struct ftax *f, size_t *nf,
			     struct err *e)
{
	const struct credit_tax *top[CREDIT_MAX_TAXES], *kids[CREDIT_MAX_FLAT];
	size_t owner[CREDIT_MAX_TAXES], kown[CREDIT_MAX_FLAT] = { 0 }, i, k, n = 0;

	for (i = 0; i < in->ntax; i++) {
		top[i] = &in->taxes[i];
		owner[i] = i;
	}
	sort_taxes(top, owner, in->ntax);
	for (i = 0; i < in->ntax; i++) {
		size_t nk = 1;

		kids[0] = top[i];
		if (top[i]->kind == CREDIT_TAX_GROUP) {
			if (top[i]->nchildren > CREDIT_MAX_FLAT)
				return err_set(e, ERR_INVALID, "group tax %lld has %zu children",
					       (long long)top[i]->id, top[i]->nchildren);
			for (nk = 0; nk < top[i]->nchildren; nk++) {
				kids[nk] = &top[i]->children[nk];
				if (kids[nk]->kind == CREDIT_TAX_GROUP)
					return err_set(e, ERR_INVALID, "group tax %lld inside group tax %lld",
						       (long long)kids[nk]->id, (long long)top[i]->id);
			}
			sort_taxes(kids, kown, nk);
		}
		for (k = 0; k < nk; k++) {
			if (has_id(f, n, kids[k]->id))
				continue;
			if (n == CREDIT_MAX_FLAT)
				return err_set(e, ERR_INVALID, "more than %d taxes on one line once groups are flattened",
					       CREDIT_MAX_FLAT);
			f[n] = (struct ftax){ .t = kids[k], .owner = owner[i] };
			n++;
		}
	}
	*nf = n;
	return ERR_OK;
}

/* _batch_for_taxes_computation (no special mode): batches are runs of the
 * sorted list, first..last. */
static void set_batch(struct ftax *f, size_t first, size_t last)
{
	size_t k;

	for (k = first; k <= last; k++) {
		f[k].first = first;
		f[k].last = last;
	}
}

static void batch(struct ftax *f, size_t n)
{
	size_t i, start = 0, end = n;
	bool affected = false;

	for (i = n; i-- > 0;) {
		const struct credit_tax *t = f[i].t;

		if (end == n) {
			end = i;
		} else if (!(t->kind == f[end].t->kind && t->included == f[end].t->included &&
			     t->include_base_amount == f[end].t->include_base_amount &&
			     (!t->include_base_amount || !affected))) {
			set_batch(f, start, end);
			end = i;
		}
		start = i;
		affected = !t->not_base_affected;
	}
	if (n)
		set_batch(f, start, end);
}

static void add_extra(struct ftax *o, i128 v)
{
	if (!o->done)
		o->extra_tax += v;
	o->extra_base += v;
}

/* _propagate_extra_taxes_base (special_mode False). */
static void propagate(struct ftax *f, size_t n, size_t i)
{
	const struct credit_tax *t = f[i].t;
	i128 a = f[i].amount;
	size_t k;

	for (k = f[i].last + 1; k < n; k++) {
		bool aff = !f[k].t->not_base_affected;

		if (t->included && (!t->include_base_amount || !aff))
			add_extra(&f[k], -a);
		else if (!t->included && t->include_base_amount && aff)
			add_extra(&f[k], a);
	}
	if (t->included)
		for (k = 0; k < f[i].first; k++)
			add_extra(&f[k], -a);
}

static i128 batch_rates(const struct ftax *f, size_t i)
{
	i128 s = 0;
	size_t k;

	for (k = f[i].first; k <= f[i].last; k++)
		s += f[k].t->rate;
	return s;
}

/* The raw tax amount (pass 1, 2 or 3) as a fraction num / den. */
static void eval_tax(const struct ftax *f, size_t i, int64_t raw, i128 qty_sign_amount,
		     i128 fixed_den, i128 *num, i128 *den)
{
	const struct credit_tax *t = f[i].t;
	i128 base = (i128)raw + f[i].extra_tax, sum;

	*num = base * t->rate;
	*den = HUNDRED_PCT;
	switch (t->kind) {
	case CREDIT_TAX_FIXED:
		*num = qty_sign_amount;
		*den = fixed_den;
		break;
	case CREDIT_TAX_PERCENT:
		if (t->included) {
			sum = HUNDRED_PCT + batch_rates(f, i);
			*num = sum == 0 ? 0 : *num;
			*den = sum == 0 ? 1 : sum;
		}
		break;
	case CREDIT_TAX_DIVISION:
		sum = batch_rates(f, i);
		if (!t->included && sum != HUNDRED_PCT)
			*den = HUNDRED_PCT - sum;
		break;
	default:
		*num = 0;
		*den = 1;
	}
}

/* Odoo 18.0's _get_tax_details: every f[].amount; the untaxed amount. */
static enum err_code line18(struct ftax *f, size_t n, const struct credit_line_in *in,
			    int64_t raw, i128 fixed_den, i128 *excluded, struct err *e)
{
	bool neg_price = (in->price_unit < 0) != (in->discount > HUNDRED_PCT) &&
			 in->price_unit != 0 && in->discount != HUNDRED_PCT;
	i128 num, den;
	size_t i, k;
	int pass;

	batch(f, n);
	/* pass 1: fixed, backwards; 2: included, backwards; 3: the rest */
	for (pass = 1; pass <= 3; pass++)
		for (k = 0; k < n; k++) {
			i = pass == 3 ? k : n - 1 - k;
			if (f[i].done || (pass == 1 && f[i].t->kind != CREDIT_TAX_FIXED) ||
			    (pass == 2 && !f[i].t->included))
				continue;
			eval_tax(f, i, raw, (i128)in->qty * f[i].t->rate * (neg_price ? -1 : 1),
				 fixed_den, &num, &den);
			f[i].amount = div_round(num, den);
			f[i].done = true;
			if (f[i].amount > INT64_MAX || f[i].amount < -INT64_MAX)
				return err_set(e, ERR_TOO_BIG, "tax amount out of range");
			propagate(f, n, i);
		}
	*excluded = raw;
	if (n) {
		*excluded += f[0].extra_base;
		if (f[0].t->included)
			for (k = f[0].first; k <= f[0].last; k++)
				*excluded -= f[k].amount;
	}
	return ERR_OK;
}

/* 17.0's _compute_amount, price-excluded, on a base >= 0 (minor units). */
static i128 amount17(const struct credit_tax *t, i128 base, int64_t qty, i128 fixed_den)
{
	i128 q = qty;

	switch (t->kind) {
	case CREDIT_TAX_FIXED:
		if (base != 0) /* copysign(quantity, base) */
			q = (q < 0) == (base < 0) ? q : -q;
		return div_round(q * t->rate, fixed_den);
	case CREDIT_TAX_PERCENT:
		return div_round(base * t->rate, HUNDRED_PCT);
	case CREDIT_TAX_DIVISION:
		/* base / (1 - r) - base = base x r / (1 - r), 0 when r is 100 % */
		return t->rate == HUNDRED_PCT ? 0 : div_round(base * t->rate, HUNDRED_PCT - t->rate);
	default:
		return 0;
	}
}

/* Odoo 17.0's compute_all: every f[].amount; the untaxed amount. */
static enum err_code line17(struct ftax *f, size_t n, const struct credit_line_in *in,
			    int64_t raw, i128 fixed_den, i128 *excluded, struct err *e)
{
	i128 base = raw < 0 ? -(i128)raw : raw, sign = raw < 0 ? -1 : 1;
	i128 pct = 0, div = 0, fixed = 0, te, cumulated = 0, amt;
	i128 q = in->qty < 0 ? -(i128)in->qty : in->qty;
	bool store = true, next_affected = true, skip = false, seen = false;
	size_t i;

	for (i = n; i-- > 0;) {
		const struct credit_tax *t = f[i].t;

		/* 17.0 resets here (some 17.0 copies only when the next tax is
		 * base affected): after an included tax the base is unrounded */
		if (t->include_base_amount && seen)
			return err_set(e, ERR_UNSUPPORTED, "tax %lld includes the base amount before a price-included tax: not checked on Odoo 17",
				       (long long)t->id);
		if (t->include_base_amount && next_affected)
			store = true;
		if (t->included) {
			if (t->kind == CREDIT_TAX_PERCENT)
				pct += t->rate;
			else if (t->kind == CREDIT_TAX_DIVISION)
				div += t->rate;
			else
				fixed += q * t->rate;
			seen = true;
			if (store && t->rate != 0) {
				f[i].checkpoint = true;
				f[i].checkpoint_at = base;
				store = false;
			}
		}
		next_affected = !t->not_base_affected;
	}
	if (HUNDRED_PCT + pct == 0)
		return err_set(e, ERR_INVALID, "price-included taxes of -100 %%");
	if (base > (i128)1000000000000000 || fixed / fixed_den > (i128)1000000000000000)
		return err_set(e, ERR_TOO_BIG, "line amount out of range");
	/* currency.round((base - fixed) / (1 + pct) x (100 - div) / 100) */
	te = div_round((base * fixed_den - fixed) * (HUNDRED_PCT - div), fixed_den * (HUNDRED_PCT + pct));
	base = te;
	for (i = 0; i < n; i++) {
		const struct credit_tax *t = f[i].t;

		if (!skip && t->included && f[i].checkpoint) {
			amt = f[i].checkpoint_at - (base + cumulated);
			cumulated = 0;
		} else {
			amt = amount17(t, t->included || !t->not_base_affected ? base : te, in->qty,
				       fixed_den);
		}
		if (t->included && !f[i].checkpoint)
			cumulated += amt;
		if (t->include_base_amount) {
			base += amt;
			skip = skip || !t->included;
		}
		f[i].amount = sign * amt;
	}
	*excluded = sign * te;
	return ERR_OK;
}

enum err_code credit_line(const struct credit_line_in *in, int decimals,
			  struct credit_line_out *out, struct err *e)
{
	struct credit_tax t[CREDIT_MAX_TAXES];
	struct credit_line_in pct = *in;
	size_t i;

	if (in->ntax > CREDIT_MAX_TAXES)
		return err_set(e, ERR_INVALID, "%zu taxes on one line (at most %d)",
			       in->ntax, CREDIT_MAX_TAXES);
	/* only what a percent tax has: the other fields may be unset */
	for (i = 0; i < in->ntax; i++)
		t[i] = (struct credit_tax){ .id = in->taxes[i].id, .rate = in->taxes[i].rate,
					    .included = in->taxes[i].included };
	pct.taxes = t;
	return credit_line_odoo(&pct, decimals, 18, out, e);
}

enum err_code credit_line_odoo(const struct credit_line_in *in, int decimals, int odoo_major,
			       struct credit_line_out *out, struct err *e)
{
	struct ftax f[CREDIT_MAX_FLAT];
	int64_t amount = 0;
	i128 fixed_den = 1, excluded = 0, tax = 0, lim = INT64_MAX;
	enum err_code rc;
	size_t i, n = 0;
	int d;

	if (in->ntax > CREDIT_MAX_TAXES)
		return err_set(e, ERR_INVALID, "%zu taxes on one line (at most %d)",
			       in->ntax, CREDIT_MAX_TAXES);
	rc = money_line_subtotal(in->price_unit, in->discount, in->qty, decimals,
				 &amount, e);
	if (rc != ERR_OK)
		return rc;
	rc = flatten(in, f, &n, e);
	if (rc != ERR_OK)
		return rc;
	/* quantity (10^-6) x amount (10^-6) in minor units (10^-decimals) */
	for (d = decimals; d < MONEY_QTY_DECIMALS + MONEY_DISCOUNT_DECIMALS; d++)
		fixed_den *= 10;
	rc = odoo_major == 17 ? line17(f, n, in, amount, fixed_den, &excluded, e) :
				    line18(f, n, in, amount, fixed_den, &excluded, e);
	if (rc != ERR_OK)
		return rc;
	for (i = 0; i < CREDIT_MAX_TAXES; i++)
		out->tax_amount[i] = 0;
	for (i = 0; i < n; i++) {
		if (f[i].amount > lim || f[i].amount < -lim)
			return err_set(e, ERR_TOO_BIG, "tax amount out of range");
		tax += f[i].amount;
		out->tax_amount[f[i].owner] += (int64_t)f[i].amount;
	}
	if (excluded > lim || excluded < -lim || excluded + tax > lim || excluded + tax < -lim)
		return err_set(e, ERR_TOO_BIG, "line total out of range");
	out->line_amount = amount;
	out->untaxed = (int64_t)excluded;
	out->tax = (int64_t)tax;
	out->total = (int64_t)(excluded + tax);
	return ERR_OK;
}
