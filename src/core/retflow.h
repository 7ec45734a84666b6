/* retflow: the states of a return (DESIGN.md section 1), the outcomes of
 * its lines, and the one transition function that moves a return from one
 * state to the next against the allowed-transitions table. Pure: no I/O;
 * the engine stores the state's name and writes the audit row. */
#ifndef CORE_RETFLOW_H
#define CORE_RETFLOW_H

#include <stdbool.h>

#include "util/err.h"

enum retflow_state {
	RETFLOW_INTENT = 0,        /* stored from Rebound, nothing in Odoo yet */
	RETFLOW_MATCHED,           /* order, delivery, sale and invoice lines found */
	RETFLOW_AWAITING_RECEIPT,  /* our return picking exists in Odoo */
	RETFLOW_RECEIVED,          /* the warehouse validated it; quantities read */
	RETFLOW_CREDITED,          /* credit note posted and checked */
	RETFLOW_NOTIFIED,          /* refund status recorded / pushed */
	RETFLOW_CLOSED,
	RETFLOW_CANCELLED,         /* withdrawn before receipt */
	RETFLOW_ON_HOLD,           /* an open exception blocks it: a person acts */
	/* side steps of the flow (kept last: the states above are in flow order) */
	RETFLOW_AWAITING_APPROVAL, /* received; the refund policy wants a person's yes */
	RETFLOW_CREDIT_DRAFT,      /* credit notes in draft for finance to post in Odoo */
	RETFLOW__COUNT
};

/* What happened to one line, independently of the others. */
enum retflow_line {
	RETFLOW_LINE_PENDING = 0,  /* still going */
	RETFLOW_LINE_CREDITED,     /* on a posted credit note */
	RETFLOW_LINE_HELD,         /* an exception holds it; others proceed */
	RETFLOW_LINE_REFUSED,      /* will not be credited (unknown SKU, over-return, nothing received) */
	RETFLOW_LINE__COUNT
};

/* "INTENT", "MATCHED", ... as stored; never NULL for a valid state. */
const char *retflow_state_name(enum retflow_state s);
/* The state named name; -1 when unknown. */
int retflow_state_parse(const char *name);

/* "pending", "credited", "held", "refused". */
const char *retflow_line_name(enum retflow_line o);
int retflow_line_parse(const char *name);

/* Whether from -> to is in the allowed-transitions table. */
bool retflow_allowed(enum retflow_state from, enum retflow_state to);

/* The one transition function: *st moves to `to` when the table allows it
 * (ERR_OK), else *st is unchanged and ERR_INVALID says "bad A -> B". The
 * caller persists and audits the move. Any thread. */
MUST_CHECK enum err_code retflow_transition(enum retflow_state *st,
					    enum retflow_state to,
					    struct err *e);

/* Whether the engine still has work on a return in state s. */
bool retflow_is_active(enum retflow_state s);

#endif
