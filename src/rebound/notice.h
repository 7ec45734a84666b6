/* rebound/notice: a Rebound notification understood — the documented shapes
 * (Refund Trigger, Tracking Update, legacy return object; see
 * docs/rebound-notifications.md) parsed and normalised into one model:
 * "Not available" becomes absent, quantities become integers, milestones
 * one enum, ids kept byte-exact. Pure: no I/O. */
#ifndef REBOUND_NOTICE_H
#define REBOUND_NOTICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum rb_milestone {
	RB_MS_NONE = 0,        /* refund triggers carry none */
	RB_MS_CREATED,         /* Return Order Created */
	RB_MS_IN_NETWORK,      /* Entered Our Network */
	RB_MS_AT_HUB,          /* Arrived at Our Hub */
	RB_MS_DELIVERED,       /* Delivered (to the retailer) */
	RB_MS_CANCELLED,       /* the return was cancelled (the engine cancels it too) */
	RB_MS_OTHER,           /* a legacy carrier status we keep as text */
	RB_MS__COUNT
};

enum rb_class {
	RB_OK = 0,             /* usable */
	RB_UNUSABLE,           /* a Rebound notification we cannot use: park it */
	RB_NOT_REBOUND,        /* JSON, but no shape we know: refuse (400) */
};

#define RB_QTY_MAX 10000

struct rb_item {
	char *rebound_item_id;
	char *client_item_id;
	char *sku;
	char *ean;
	int64_t quantity;      /* 0 when problem is set */
	char *reason;
	char *condition;       /* hub grade / final disposition, as sent */
	char *problem;         /* why this line cannot be used, or NULL */
};

struct rb_notice {
	int refund_trigger;    /* 1: from the refund-trigger endpoint */
	char *shape;           /* "refund_trigger", "tracking", "legacy_return" */
	char *rebound_return_id;
	char *client_order_id;
	char *location;
	enum rb_milestone milestone;
	char *milestone_text;  /* as sent */
	char *refund_type;
	char *event_time;      /* as sent */
	struct rb_item *items;
	size_t nitems;
};

/* "created", "in_network", ...; never NULL. */
const char *rb_milestone_name(enum rb_milestone m);
/* Parse a milestone spelling (case, spaces, _ and - ignored); RB_MS_NONE
 * when unknown. */
enum rb_milestone rb_milestone_parse(const char *text);

/* Understand a parsed body from the tracking (refund_trigger = 0) or the
 * refund-trigger (1) endpoint. On RB_OK and RB_UNUSABLE *out is filled (and
 * must be released); why says what is wrong for RB_UNUSABLE and
 * RB_NOT_REBOUND. On RB_NOT_REBOUND *out is empty. */
enum rb_class rb_notice_parse(const json_t *root, int refund_trigger,
			      struct rb_notice *out, char *why, size_t whylen);

/* Normalised form as JSON (stored with the event; the intake processes
 * from it, since the raw body may be purged), and back. */
json_t *rb_notice_to_json(const struct rb_notice *n);
MUST_CHECK enum err_code rb_notice_from_json(const json_t *j, struct rb_notice *out,
					     struct err *e);

void rb_notice_release(struct rb_notice *n);

/* Canonical text of a body (sorted keys, compact) for the dedupe key.
 * Caller frees. NULL on OOM. */
char *rb_canonical(const json_t *root);

#endif
