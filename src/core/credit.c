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
 * Odoo 17.0's compute_all (legacy: _compute_amount, total_included
 * checkpoints) gives the same figures for excluded taxes of every kind,
 * include_base_amount cascades of excluded taxes, price-included fixed
 * taxes and one price-included percent or division tax per line (but for
 * an exact half-cent tie). It differs where several price-included
 * percent/division taxes share a line: 17 rounds the base once
 * (total / (1 + sum of rates)) and the last included tax takes the
 * remainder, 18 rounds each tax's share (1.00 with two included 10 %:
 * 17 0.83 + 0.08 + 0.09, 18 0.84 + 0.08 + 0.08); and for two adjacent
 * excluded division taxes (18 divides by 1 - their sum). */
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

enum err_code credit_line(const struct credit_line_in *in, int decimals,
			  struct credit_line_out *out, struct err *e)
{
	struct ftax f[CREDIT_MAX_FLAT];
	int64_t amount = 0;
	i128 fixed_den = 1, num, den, excluded, tax = 0, lim = INT64_MAX;
	bool neg_price;
	enum err_code rc;
	size_t i, k, n = 0;
	int pass, d;

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
	batch(f, n);
	/* quantity (10^-6) x amount (10^-6) in minor units (10^-decimals) */
	for (d = decimals; d < MONEY_QTY_DECIMALS + MONEY_DISCOUNT_DECIMALS; d++)
		fixed_den *= 10;
	neg_price = (in->price_unit < 0) != (in->discount > HUNDRED_PCT) &&
		    in->price_unit != 0 && in->discount != HUNDRED_PCT;
	/* pass 1: fixed, backwards; 2: included, backwards; 3: the rest */
	for (pass = 1; pass <= 3; pass++)
		for (k = 0; k < n; k++) {
			i = pass == 3 ? k : n - 1 - k;
			if (f[i].done || (pass == 1 && f[i].t->kind != CREDIT_TAX_FIXED) ||
			    (pass == 2 && !f[i].t->included))
				continue;
			eval_tax(f, i, amount, (i128)in->qty * f[i].t->rate * (neg_price ? -1 : 1),
				 fixed_den, &num, &den);
			f[i].amount = div_round(num, den);
			f[i].done = true;
			if (f[i].amount > lim || f[i].amount < -lim)
				return err_set(e, ERR_TOO_BIG, "tax amount out of range");
			propagate(f, n, i);
		}
	excluded = amount;
	if (n) {
		excluded += f[0].extra_base;
		if (f[0].t->included)
			for (k = f[0].first; k <= f[0].last; k++)
				excluded -= f[k].amount;
	}
	for (i = 0; i < CREDIT_MAX_TAXES; i++)
		out->tax_amount[i] = 0;
	for (i = 0; i < n; i++) {
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
