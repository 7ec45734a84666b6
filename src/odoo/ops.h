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

#endif
