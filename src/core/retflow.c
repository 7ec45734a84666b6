/* retflow: return states, line outcomes, the allowed-transitions table. */
#include "core/retflow.h"

#include <assert.h>
#include <string.h>

static const char *const state_names[] = {
	[RETFLOW_INTENT] = "INTENT",
	[RETFLOW_MATCHED] = "MATCHED",
	[RETFLOW_AWAITING_RECEIPT] = "AWAITING_RECEIPT",
	[RETFLOW_RECEIVED] = "RECEIVED",
	[RETFLOW_CREDITED] = "CREDITED",
	[RETFLOW_NOTIFIED] = "NOTIFIED",
	[RETFLOW_CLOSED] = "CLOSED",
	[RETFLOW_CANCELLED] = "CANCELLED",
	[RETFLOW_ON_HOLD] = "ON_HOLD",
	[RETFLOW_AWAITING_APPROVAL] = "AWAITING_APPROVAL",
	[RETFLOW_CREDIT_DRAFT] = "CREDIT_DRAFT",
};
static_assert(ARRAY_LEN(state_names) == RETFLOW__COUNT, "state name table");

static const char *const line_names[] = {
	[RETFLOW_LINE_PENDING] = "pending",
	[RETFLOW_LINE_CREDITED] = "credited",
	[RETFLOW_LINE_HELD] = "held",
	[RETFLOW_LINE_REFUSED] = "refused",
};
static_assert(ARRAY_LEN(line_names) == RETFLOW_LINE__COUNT, "line name table");

#define I RETFLOW_INTENT
#define M RETFLOW_MATCHED
#define A RETFLOW_AWAITING_RECEIPT
#define R RETFLOW_RECEIVED
#define C RETFLOW_CREDITED
#define N RETFLOW_NOTIFIED
#define X RETFLOW_CLOSED
#define K RETFLOW_CANCELLED
#define H RETFLOW_ON_HOLD
#define P RETFLOW_AWAITING_APPROVAL
#define D RETFLOW_CREDIT_DRAFT

/* from -> to. Forward along the flow; CANCELLED only before receipt (after
 * it, goods are in Odoo and a person decides); ON_HOLD from any working
 * state, and back from ON_HOLD to the state the hold interrupted once a
 * person resolved it (the engine redoes that step: every step is safe to
 * repeat). After receipt the refund policy may ask for a person's approval
 * (AWAITING_APPROVAL, back to RECEIVED once decided, or CLOSED when every
 * line was refused); credit notes may wait in draft for finance
 * (CREDIT_DRAFT). A return whose lines were all refused is CLOSED. */
static const bool allowed[RETFLOW__COUNT][RETFLOW__COUNT] = {
	[I] = { [M] = 1, [K] = 1, [H] = 1 },
	[M] = { [A] = 1, [K] = 1, [H] = 1 },
	[A] = { [R] = 1, [K] = 1, [H] = 1 },
	[R] = { [C] = 1, [P] = 1, [D] = 1, [X] = 1, [H] = 1 },
	[P] = { [R] = 1, [X] = 1, [H] = 1 },
	[D] = { [C] = 1, [H] = 1 },
	[C] = { [N] = 1, [X] = 1, [H] = 1 },
	[N] = { [X] = 1, [H] = 1 },
	[X] = { 0 },
	[K] = { 0 },
	[H] = { [I] = 1, [M] = 1, [A] = 1, [R] = 1, [P] = 1, [D] = 1, [C] = 1, [N] = 1,
		[K] = 1, [X] = 1 },
};

#undef I
#undef M
#undef A
#undef R
#undef C
#undef N
#undef X
#undef K
#undef H
#undef P
#undef D

const char *retflow_state_name(enum retflow_state s)
{
	if ((unsigned)s >= RETFLOW__COUNT)
		return NULL;
	return state_names[s];
}

int retflow_state_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_LEN(state_names); i++)
		if (strcmp(state_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *retflow_line_name(enum retflow_line o)
{
	if ((unsigned)o >= RETFLOW_LINE__COUNT)
		return NULL;
	return line_names[o];
}

int retflow_line_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_LEN(line_names); i++)
		if (strcmp(line_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool retflow_allowed(enum retflow_state from, enum retflow_state to)
{
	if ((unsigned)from >= RETFLOW__COUNT || (unsigned)to >= RETFLOW__COUNT)
		return false;
	return allowed[from][to];
}

enum err_code retflow_transition(enum retflow_state *st, enum retflow_state to,
				 struct err *e)
{
	if (!retflow_allowed(*st, to))
		return err_set(e, ERR_INVALID, "bad transition %s -> %s",
			       retflow_state_name(*st) ? retflow_state_name(*st) : "?",
			       retflow_state_name(to) ? retflow_state_name(to) : "?");
	*st = to;
	return ERR_OK;
}

bool retflow_is_active(enum retflow_state s)
{
	return s == RETFLOW_INTENT || s == RETFLOW_MATCHED ||
	       s == RETFLOW_AWAITING_RECEIPT || s == RETFLOW_RECEIVED ||
	       s == RETFLOW_CREDIT_DRAFT || s == RETFLOW_CREDITED || s == RETFLOW_NOTIFIED;
}
