/* emu_account: the accounting side of the emulated Odoo — invoice and
 * credit note posting (names from the sequences, the sender check), the
 * automatic reconciliation of a posted credit note against the invoice it
 * reverses, amount_residual / payment_state, tax and receivable lines, the
 * reversal wizard (account.move.reversal) and payments through
 * account.payment.register. Recorded behaviour follows the recordings
 * (i.*, j.*, batch.jsonl); payments are not recorded and follow Odoo
 * 17.0/18.0's source, labelled where they are. Called under main.c's
 * state lock, like the rest of the state. */
#ifndef ODOO_EMU_ACCOUNT_H
#define ODOO_EMU_ACCOUNT_H

#include <jansson.h>

#include "emu_rpc.h"
#include "util/buf.h"

extern const struct emu_method emu_account_methods[];

/* UserError unless the calling user's partner has an email address, as
 * Odoo's chatter refuses (x.user_message_post_no_email,
 * x.user_credit_post_no_email). */
MUST_CHECK enum err_code emu_account_check_sender(struct emu_call *c);

/* A plain-text body as Odoo stores it: escaped, in a <p>. */
void emu_account_html(const char *text, struct buf *out);

/* The calling user's partner id (0 when unknown). */
int64_t emu_account_user_partner(struct emu *db, int64_t uid);

/* Create-time defaults of account.move, account.move.reversal,
 * account.payment.register, mail.message. */
MUST_CHECK enum err_code emu_account_hook_create(struct emu *db,
						 struct emu_model *m,
						 json_t *rec, json_t *vals,
						 json_t *ctx,
						 struct emu_exc *x);

/* After vals were written on rec: a user's email is its partner's
 * (a related field, written through). */
void emu_account_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
			    json_t *vals);

/* After the recompute of line amounts: each move's totals, tax and
 * receivable lines, amount_residual and payment_state. moves maps a move
 * id (decimal string) to {"untaxed","total","taxes":{tax id: {amount,
 * base}}} as emu_sale's recompute gathered it; only (NULL = every move):
 * the moves to derive. */
void emu_account_recompute(struct emu *db, json_t *moves,
			   const struct emu_idset *only);

#endif
