/* odoo/ops: the typed, batched Odoo operations the returns engine needs.
 * Each read takes many keys and makes one search_read (plus one read of
 * the related records it needs), each create takes a list of values and
 * makes one create. Results are plain arrays the caller free()s; strings
 * are copied into fixed fields (truncated to fit; the searches themselves
 * are exact, server-side). Amounts are integer minor units of the record's
 * currency (core/money); unit prices, discounts and quantities are fixed
 * point with the MONEY_*_DECIMALS scales. Every call goes through
 * odoo_execute(): reads are retried, writes never, and a write that got no
 * answer is ERR_UNKNOWN_OUTCOME (look the record up by its reference
 * before writing again). A batch is all-or-nothing in Odoo: one bad record
 * fails the call and nothing of it exists afterwards. The client's thread. */
#ifndef ODOO_OPS_H
#define ODOO_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "odoo/odoo.h"

#define OPS_NAME_LEN 64
#define OPS_REF_LEN 256
#define OPS_STATE_LEN 24
#define OPS_MAX_TAXES 8
#define OPS_MAX_LINKS 8

/* --- sale orders and lines ------------------------------------------------ */

struct ops_order {
	int64_t id;
	char name[OPS_NAME_LEN];            /* S00025 */
	char client_ref[OPS_REF_LEN];       /* client_order_ref, "" when none */
	char state[OPS_STATE_LEN];
	char invoice_status[OPS_STATE_LEN];
	int64_t partner_id;
	int64_t currency_id;
	int decimals;                       /* of the currency */
	int64_t amount_untaxed, amount_tax, amount_total; /* minor units */
};

enum ops_order_key { OPS_ORDER_BY_NAME = 0, OPS_ORDER_BY_CLIENT_REF };

/* Sale orders whose name (or client_order_ref) is one of keys[0..n).
 * Orders not found are simply absent. */
MUST_CHECK enum err_code ops_orders_find(struct odoo *c, enum ops_order_key by,
					 const char *const *keys, size_t n,
					 struct ops_order **out, size_t *nout,
					 struct err *e);

struct ops_sale_line {
	int64_t id;
	int64_t order_id;
	int64_t product_id;
	char product_code[OPS_NAME_LEN];    /* default_code (SKU) */
	char barcode[OPS_NAME_LEN];         /* EAN */
	char invoice_policy[OPS_STATE_LEN]; /* order | delivery */
	bool is_note;                       /* a section or note line */
	int64_t qty_ordered, qty_delivered, qty_invoiced; /* MONEY_QTY_DECIMALS */
	int64_t price_unit;                 /* MONEY_PRICE_DECIMALS */
	int64_t discount;                   /* percent, MONEY_DISCOUNT_DECIMALS */
	int64_t tax_ids[OPS_MAX_TAXES];
	size_t ntax;
	int64_t currency_id;
	int decimals;
	int64_t price_subtotal, price_tax, price_total; /* minor units */
};

/* The lines of orders, with their products' SKU, EAN and invoice policy
 * (two calls: sale.order.line search_read, product.product read). Uses the
 * profile's tax field (tax_id; tax_ids from 19). */
MUST_CHECK enum err_code ops_sale_lines(struct odoo *c, const int64_t *order_ids,
					size_t n, struct ops_sale_line **out,
					size_t *nout, struct err *e);

/* --- pickings, moves, move lines ----------------------------------------- */

struct ops_picking {
	int64_t id;
	char name[OPS_NAME_LEN];            /* WH/IN/00006 */
	char state[OPS_STATE_LEN];          /* draft .. assigned, done, cancel */
	char type_code[OPS_STATE_LEN];      /* incoming | outgoing | internal */
	int64_t picking_type_id, partner_id, location_id, location_dest_id;
	int64_t return_id, sale_id, backorder_id;
	char origin[OPS_REF_LEN];           /* where our reference goes */
	char date_done[24];
};

/* Done outgoing deliveries of orders. */
MUST_CHECK enum err_code ops_deliveries_done(struct odoo *c, const int64_t *order_ids,
					     size_t n, struct ops_picking **out,
					     size_t *nout, struct err *e);
/* Incoming pickings of orders in any state (ours, hand-made, older ones):
 * the go-live guard and the search after an unknown outcome. */
MUST_CHECK enum err_code ops_returns_of_orders(struct odoo *c, const int64_t *order_ids,
					       size_t n, struct ops_picking **out,
					       size_t *nout, struct err *e);
/* Both of the above in one call: done outgoing and all incoming pickings
 * of orders (type_code tells them apart). */
MUST_CHECK enum err_code ops_pickings_of_orders(struct odoo *c, const int64_t *order_ids,
						size_t n, struct ops_picking **out,
						size_t *nout, struct err *e);
/* Backorders the warehouse made when validating pickings ids[] with less
 * than their demand. */
MUST_CHECK enum err_code ops_backorders_of(struct odoo *c, const int64_t *ids, size_t n,
					   struct ops_picking **out, size_t *nout,
					   struct err *e);
/* Pickings whose origin is exactly one of refs. */
MUST_CHECK enum err_code ops_pickings_by_ref(struct odoo *c, const char *const *refs,
					     size_t n, struct ops_picking **out,
					     size_t *nout, struct err *e);
MUST_CHECK enum err_code ops_pickings_read(struct odoo *c, const int64_t *ids, size_t n,
					   struct ops_picking **out, size_t *nout,
					   struct err *e);

struct ops_move {
	int64_t id, picking_id, product_id, product_uom;
	int64_t sale_line_id, origin_returned_move_id, group_id, warehouse_id;
	int64_t location_id, location_dest_id;
	int64_t qty_demand;                 /* product_uom_qty */
	int64_t qty;                        /* quantity (quantity_done on 16) */
	bool picked, to_refund;
	char state[OPS_STATE_LEN];
	char product_name[OPS_NAME_LEN];    /* the product's display name */
};

/* Moves of pickings. */
MUST_CHECK enum err_code ops_moves(struct odoo *c, const int64_t *picking_ids, size_t n,
				   struct ops_move **out, size_t *nout, struct err *e);

struct ops_move_line {
	int64_t id, move_id, picking_id, product_id;
	int64_t location_id, location_dest_id;   /* final, after validation */
	char location_dest_name[OPS_REF_LEN];
	int64_t qty;
	bool picked;
	char state[OPS_STATE_LEN];
};

MUST_CHECK enum err_code ops_move_lines(struct odoo *c, const int64_t *picking_ids,
					size_t n, struct ops_move_line **out,
					size_t *nout, struct err *e);

/* --- creating and changing returns --------------------------------------- */

struct ops_return_line {
	int64_t delivery_move_id;           /* origin_returned_move_id */
	int64_t product_id, product_uom, sale_line_id, group_id, warehouse_id;
	int64_t qty;                        /* MONEY_QTY_DECIMALS */
	int64_t location_dest_id;           /* this line's destination */
};

struct ops_return {
	const char *ref;                    /* our reference, stored in origin */
	const char *move_name;              /* name of the moves */
	int64_t delivery_id;                /* return_id */
	int64_t picking_type_id;            /* the delivery type's return type */
	int64_t partner_id;
	int64_t location_id;                /* the delivery's destination */
	int64_t location_dest_id;           /* the picking's destination */
	const struct ops_return_line *lines;
	size_t nlines;
};

/* Create return pickings directly, one stock.picking create for all of
 * reqs, then action_confirm and action_assign on them: 3 calls. Each move
 * keeps origin_returned_move_id, sale_line_id, to_refund and group_id (and
 * the picking gets move_type on 18), as the contracts' batch.jsonl shows;
 * our reference is in the same create. This skips the wizard's guard on
 * returnable quantities: the caller must check them. ids[0..n) receives
 * the new pickings; when create succeeded and confirm or assign failed,
 * *created is n and the ids are valid. */
MUST_CHECK enum err_code ops_returns_create(struct odoo *c, const struct ops_return *reqs,
					    size_t n, int64_t *ids, size_t *created,
					    struct err *e);

/* The same through Odoo's return wizard, for one delivery, as the profile
 * says: 17 writes the wizard's location_id, 18 writes the picking's
 * location_dest_id after action_create_returns. Quantities are written
 * for every wizard line (0 for those not returned). Then our reference is
 * written in origin (the wizard writes "Return of ..."): between those two
 * calls the return exists without it, so after an unknown outcome look it
 * up by order (ops_returns_of_orders). */
MUST_CHECK enum err_code ops_return_by_wizard(struct odoo *c, const struct ops_return *req,
					      int64_t *picking_id, struct err *e);

/* Write origin = ref on pickings. */
MUST_CHECK enum err_code ops_pickings_set_ref(struct odoo *c, const int64_t *ids, size_t n,
					      const char *ref, struct err *e);
/* Destination of pickings (with their moves and move lines, as Odoo does). */
MUST_CHECK enum err_code ops_pickings_set_dest(struct odoo *c, const int64_t *ids, size_t n,
					       int64_t location_id, struct err *e);
/* Destination of single moves (their move lines follow). */
MUST_CHECK enum err_code ops_moves_set_dest(struct odoo *c, const int64_t *move_ids,
					    size_t n, int64_t location_id, struct err *e);
/* action_cancel on pickings. */
MUST_CHECK enum err_code ops_pickings_cancel(struct odoo *c, const int64_t *ids, size_t n,
					     struct err *e);

/* --- buttons -------------------------------------------------------------- */

/* What a button method answered. Odoo returns true/false/None when it
 * acted, or an action dict (an SMS, backorder or insufficient-quantity
 * wizard, a report) when it wants a person: that is "not done yet", and
 * the caller reads the record's state back to see. */
struct ops_button {
	bool action;                        /* a dict came back */
	char res_model[OPS_NAME_LEN];       /* the wizard's model */
	int64_t res_id;                     /* 0 when the action has none */
};

/* Call model.method(ids) with an optional context (stolen; NULL = none). */
MUST_CHECK enum err_code ops_button(struct odoo *c, const char *model, const char *method,
				    const int64_t *ids, size_t n, json_t *context_own,
				    struct ops_button *out, struct err *e);

/* --- invoices and credit notes ------------------------------------------- */

struct ops_invoice_line {
	int64_t id, move_id, product_id;
	int64_t sale_line_ids[OPS_MAX_LINKS];
	size_t nsale;
	int64_t qty, price_unit, discount;   /* fixed point as sale lines */
	int64_t tax_ids[OPS_MAX_TAXES];
	size_t ntax;
	int64_t price_subtotal, price_total; /* minor units */
	/* of the invoice the line is on */
	char move_name[OPS_NAME_LEN];
	char move_type[OPS_STATE_LEN];
	char move_state[OPS_STATE_LEN];      /* draft | posted | cancel */
	char payment_state[OPS_STATE_LEN];   /* not_paid, partial, paid, ... */
	int64_t journal_id, currency_id;
	int decimals;
};

/* Product lines of invoices and credit notes linked to sale lines
 * (sale_line_ids), with their move's state and payment_state: 2 calls. */
MUST_CHECK enum err_code ops_invoice_lines(struct odoo *c, const int64_t *sale_line_ids,
					   size_t n, struct ops_invoice_line **out,
					   size_t *nout, struct err *e);

struct ops_credit_line {
	int64_t product_id, sale_line_id;
	int64_t qty, price_unit, discount;   /* fixed point */
	const int64_t *tax_ids;
	size_t ntax;
};

struct ops_credit {
	const char *ref;                     /* our reference: account.move.ref */
	const char *invoice_origin;          /* the order's name */
	int64_t partner_id;
	int64_t reversed_entry_id;           /* the invoice it credits */
	int64_t journal_id;                  /* 0: Odoo's default */
	const struct ops_credit_line *lines;
	size_t nlines;
};

/* One account.move create for every credit note (out_refund) in reqs;
 * ids[0..n) receives them, drafts. */
MUST_CHECK enum err_code ops_credit_notes_create(struct odoo *c, const struct ops_credit *reqs,
						 size_t n, int64_t *ids, struct err *e);
/* action_post on moves (one call; Odoo answers false). */
MUST_CHECK enum err_code ops_moves_post(struct odoo *c, const int64_t *ids, size_t n,
					struct err *e);

struct ops_credit_note {
	int64_t id;
	char name[OPS_NAME_LEN];             /* "/" or false until posted */
	char ref[OPS_REF_LEN];
	char invoice_origin[OPS_REF_LEN];
	char state[OPS_STATE_LEN];
	char payment_state[OPS_STATE_LEN];
	int64_t reversed_entry_id, currency_id;
	int decimals;
	int64_t amount_untaxed, amount_tax, amount_total;
};

/* Credit notes whose ref is one of refs. */
MUST_CHECK enum err_code ops_credit_notes_by_ref(struct odoo *c, const char *const *refs,
						 size_t n, struct ops_credit_note **out,
						 size_t *nout, struct err *e);
/* Credit notes whose invoice_origin is one of the order names (anyone's). */
MUST_CHECK enum err_code ops_credit_notes_by_origin(struct odoo *c, const char *const *names,
						    size_t n, struct ops_credit_note **out,
						    size_t *nout, struct err *e);
MUST_CHECK enum err_code ops_credit_notes_read(struct odoo *c, const int64_t *ids, size_t n,
					       struct ops_credit_note **out, size_t *nout,
					       struct err *e);

/* --- scrap, notes, quants ------------------------------------------------ */

/* Create a stock.scrap and validate it. *done is false when Odoo answered
 * with a wizard (too little stock): the scrap stays a draft, *scrap_id
 * tells which. */
MUST_CHECK enum err_code ops_scrap(struct odoo *c, int64_t product_id, int64_t qty,
				   int64_t location_id, int64_t scrap_location_id,
				   const char *origin, int64_t *scrap_id, bool *done,
				   struct err *e);

struct ops_note {
	const char *model;                   /* sale.order, stock.picking */
	int64_t res_id;
	const char *body;                    /* plain text */
};

/* The id of the Note subtype (mail.mt_note), for ops_notes_create. */
MUST_CHECK enum err_code ops_note_subtype(struct odoo *c, int64_t *id, struct err *e);
/* Notes on many records in one mail.message create. Nobody is notified. */
MUST_CHECK enum err_code ops_notes_create(struct odoo *c, const struct ops_note *notes,
					  size_t n, int64_t subtype_id, int64_t *ids,
					  struct err *e);
/* One note through message_post (one record per call). */
MUST_CHECK enum err_code ops_message_post(struct odoo *c, const struct ops_note *note,
					  int64_t *message_id, struct err *e);

struct ops_quant {
	int64_t id, product_id, location_id;
	int64_t qty, reserved;               /* MONEY_QTY_DECIMALS */
};

/* On-hand quants of products in locations (exact locations, not children). */
MUST_CHECK enum err_code ops_quants(struct odoo *c, const int64_t *product_ids, size_t np,
				    const int64_t *location_ids, size_t nl,
				    struct ops_quant **out, size_t *nout, struct err *e);

/* === finance: invoices, invoice policies, refund payments, premature
 * refunds, the API user's email (issue 9). Implemented in ops_finance.c.
 * Each operation is batched: arrays in, a fixed number of calls out, never
 * one call per record. ================================================= */

#define OPS_REF_PREFIX "RB "                /* our documents' reference */

/* An invoice or credit note (account.move). amount_residual is what is
 * still open, positive for both types, in minor units like amount_total.
 * payment_state: not_paid | partial | paid | reversed (an invoice settled
 * one to one by its own credit note) | in_payment (a payment not yet
 * matched with the bank: Enterprise on 17, 18) | invoicing_legacy. */
struct ops_invoice {
	int64_t id;
	char name[OPS_NAME_LEN];            /* INV/2026/00005; "/" or "" in draft */
	char ref[OPS_REF_LEN];              /* ours start with OPS_REF_PREFIX */
	char invoice_origin[OPS_REF_LEN];   /* the order's name */
	char state[OPS_STATE_LEN];          /* draft | posted | cancel */
	char move_type[OPS_STATE_LEN];      /* out_invoice | out_refund | ... */
	char payment_state[OPS_STATE_LEN];
	int64_t partner_id;                 /* the commercial partner on posted moves */
	int64_t reversed_entry_id;          /* a credit note's invoice, 0 if none */
	int64_t currency_id;
	int decimals;
	int64_t amount_total, amount_residual; /* minor units */
};

/* account.move read of ids: 1 call. Ids that do not exist are absent. A
 * posted credit note against an unpaid invoice reconciles it (the invoice
 * goes partial or reversed, the note paid, residual 0); against a paid
 * invoice the note stays not_paid with its whole total open: money owed
 * to the customer. */
MUST_CHECK enum err_code ops_invoices_read(struct odoo *c, const int64_t *ids, size_t n,
					   struct ops_invoice **out, size_t *nout,
					   struct err *e);

/* What a sale line says about invoicing. */
struct ops_line_policy {
	int64_t id;                         /* sale.order.line */
	int64_t order_id, product_id;
	char invoice_policy[OPS_STATE_LEN]; /* order | delivery; "" without a product */
	char invoice_status[OPS_STATE_LEN]; /* upselling | invoiced | to invoice | no */
	/* MONEY_QTY_DECIMALS; qty_to_invoice is negative when a refund is due
	 * (policy delivery, returned after invoicing) */
	int64_t qty_ordered, qty_delivered, qty_invoiced, qty_to_invoice;
};

/* The lines' invoicing figures and their products' invoice_policy: 2 calls
 * (sale.order.line read; product.product read). Odoo 17/18 have no
 * invoice_policy on the line (product_id.invoice_policy is on the product
 * template, and read cannot follow a path). Policy 'order': a posted credit
 * note linked to the line lowers qty_invoiced below the ordered quantity and
 * the line (and order) go back to 'to invoice'. */
MUST_CHECK enum err_code ops_sale_lines_policy(struct odoo *c, const int64_t *sale_line_ids,
					       size_t n, struct ops_line_policy **out,
					       size_t *nout, struct err *e);

/* The refund payment registered for one credit note. */
struct ops_refund_payment {
	int64_t credit_note_id;
	int64_t payment_id;                 /* 0: Odoo made none (nothing open) */
	char name[OPS_NAME_LEN];            /* PBNK1/2026/00001 */
	char state[OPS_STATE_LEN];          /* 17: posted; 18: in_process | paid */
	int64_t amount;                     /* minor units */
	int decimals;
};

/* Pay out posted credit notes (out_refund) from a bank or cash journal
 * (journal_id 0: Odoo's first bank journal): one account.payment.register
 * create with context active_model account.move, active_ids = all of them
 * and group_payment false, one action_create_payments, one account.payment
 * read: 3 calls for any n. Odoo then makes one outbound customer payment
 * per credit note for its whole residual, posts it and reconciles it with
 * the note (account_payment_register.py, _create_payments: without
 * group_payment each receivable line is its own batch). out[i] is for
 * credit_note_ids[i] (out has n entries), matched through the payments'
 * reconciled_invoice_ids. Refused as a whole (UserError, nothing made) if
 * one of them is not posted or none has anything open; a note with nothing
 * open among others gets payment_id 0. After ERR_UNKNOWN_OUTCOME read the
 * notes' payment_state (ops_invoices_read) before paying again. */
MUST_CHECK enum err_code ops_refund_payments_register(struct odoo *c,
						      const int64_t *credit_note_ids,
						      size_t n, int64_t journal_id,
						      struct ops_refund_payment *out,
						      struct err *e);

/* An outbound customer payment (money sent to a customer). */
struct ops_out_payment {
	int64_t id;
	char name[OPS_NAME_LEN];
	char memo[OPS_REF_LEN];             /* 17: ref, 18: memo */
	char state[OPS_STATE_LEN];
	char date[16];                      /* YYYY-MM-DD, the payment date */
	int64_t partner_id;
	int64_t currency_id;
	int decimals;
	int64_t amount;                     /* minor units */
	int64_t reconciled[OPS_MAX_LINKS];  /* reconciled_invoice_ids */
	size_t nreconciled;
	/* what it pays, of the orders asked about: the first reconciled move
	 * among money->moves (0: none, only the partner links it) */
	int64_t move_id;
	bool ours;                          /* that move's ref starts OPS_REF_PREFIX */
};

struct ops_money_on_orders {
	/* the orders' invoices and credit notes, any state but cancel, by
	 * invoice_origin; ours = ref starting OPS_REF_PREFIX */
	struct ops_invoice *moves;
	size_t nmoves;
	struct ops_out_payment *payments;
	size_t npayments;
};

/* Money already given back on orders, to catch premature refunds (made by
 * hand in Odoo before the goods came back). What real Odoo 17/18 shows, and
 * what this reads:
 *  - documents: account.move out_invoice and out_refund whose
 *    invoice_origin is one of the order names, any state but cancel. Our
 *    credit notes carry invoice_origin and ref OPS_REF_PREFIX "..."; Odoo's
 *    reversal wizard copies invoice_origin from the invoice and writes ref
 *    "Reversal of: INV/..., <reason>"; a credit note typed in by hand may
 *    have no invoice_origin at all and is then only seen through a payment
 *    to the partner. The invoices' partner_id (the commercial partner) is
 *    who refunds are paid to;
 *  - payouts: account.payment, payment_type outbound, partner_type
 *    customer, not cancelled (17 'cancel'; 18 'canceled', 'rejected'),
 *    partner_id one of those partners or of partner_ids (for orders not
 *    invoiced yet), date >= since (YYYY-MM-DD; NULL: any). A payout
 *    registered on a credit note (by us or by hand) is reconciled with it:
 *    reconciled_invoice_ids on 17 and 18, and its ref/memo is the note's
 *    name, never our reference. A payout made by hand with no document is
 *    reconciled with nothing.
 * The rule, per payment: move_id is the first reconciled move that is one
 * of these orders' documents; ours when that move's ref starts with
 * OPS_REF_PREFIX (our credit note: compare the payment id with what
 * ops_refund_payments_register returned to know whether we paid it).
 * move_id of a credit note not ours: a refund made by hand for that order.
 * move_id 0: money sent to the customer for an order we cannot name (it
 * may be another order of the same customer). The cut-off is the payment
 * date, what the user typed (default today, may be back-dated):
 * create_date would be exact but odoo-emu does not have it.
 * Calls: 1 (account.move search_read) + 1 when there is a partner
 * (account.payment search_read). Free with ops_money_on_orders_free. */
MUST_CHECK enum err_code ops_money_on_orders(struct odoo *c, const char *const *order_names,
					     size_t n, const int64_t *partner_ids,
					     size_t npartners, const char *since,
					     struct ops_money_on_orders *out,
					     struct err *e);
void ops_money_on_orders_free(struct ops_money_on_orders *m);

/* The email of a user (res.users read): "" when it is false. 1 call.
 * Odoo refuses to post a move or a chatter message for a user whose
 * partner has no email (x.user_credit_post_no_email). ERR_NOT_FOUND when
 * the user does not exist. */
MUST_CHECK enum err_code ops_user_email(struct odoo *c, int64_t uid, char *out,
					size_t len, struct err *e);

/* === end of finance ===================================================== */

#endif
