/* rebound/notice: parsing and normalising Rebound's notification shapes. */
#include "rebound/notice.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"

static const char *const ms_names[] = {
	[RB_MS_NONE] = "none",
	[RB_MS_CREATED] = "created",
	[RB_MS_IN_NETWORK] = "in_network",
	[RB_MS_AT_HUB] = "at_hub",
	[RB_MS_DELIVERED] = "delivered",
	[RB_MS_CANCELLED] = "cancelled",
	[RB_MS_OTHER] = "other",
};
_Static_assert(ARRAY_LEN(ms_names) == RB_MS__COUNT, "milestone names");

const char *rb_milestone_name(enum rb_milestone m)
{
	return (unsigned)m < RB_MS__COUNT ? ms_names[m] : "none";
}

static const struct {
	const char *squashed;
	enum rb_milestone m;
} spellings[] = {
	{ "returnordercreated", RB_MS_CREATED }, { "created", RB_MS_CREATED },
	{ "returncreated", RB_MS_CREATED }, { "ordercreated", RB_MS_CREATED },
	{ "enteredournetwork", RB_MS_IN_NETWORK }, { "enterednetwork", RB_MS_IN_NETWORK },
	{ "intransit", RB_MS_IN_NETWORK }, { "droppedoff", RB_MS_IN_NETWORK },
	{ "arrivedatourhub", RB_MS_AT_HUB }, { "arrivedathub", RB_MS_AT_HUB },
	{ "athub", RB_MS_AT_HUB },
	{ "delivered", RB_MS_DELIVERED }, { "deliveredtoclient", RB_MS_DELIVERED },
	{ "returnedtoclient", RB_MS_DELIVERED }, { "deliveredtoretailer", RB_MS_DELIVERED },
	{ "cancelled", RB_MS_CANCELLED }, { "canceled", RB_MS_CANCELLED },
	{ "returncancelled", RB_MS_CANCELLED }, { "returnordercancelled", RB_MS_CANCELLED },
	{ "ordercancelled", RB_MS_CANCELLED },
};

enum rb_milestone rb_milestone_parse(const char *text)
{
	char sq[64];
	size_t i, n = 0;

	for (; *text && n < sizeof(sq) - 1; text++)
		if (isalnum((unsigned char)*text))
			sq[n++] = (char)tolower((unsigned char)*text);
	sq[n] = '\0';
	if (*text)
		return RB_MS_NONE; /* longer than any spelling we know */
	for (i = 0; i < ARRAY_LEN(spellings); i++)
		if (strcmp(sq, spellings[i].squashed) == 0)
			return spellings[i].m;
	return RB_MS_NONE;
}

/* A string field: absent, null, "", and "Not available" are all absent.
 * Integers (legacy ids are sometimes numbers) become their decimal text.
 * Strings are kept byte-exact otherwise (SSCC ids start with "(00)"). */
static char *field(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	const char *s;
	char num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	}
	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	while (*s == ' ')
		s++;
	if (*s == '\0' || strcasecmp(s, "Not available") == 0)
		return NULL;
	return strdup(json_string_value(v));
}

/* First present of several keys, looking in a then b. */
static char *first_field(const json_t *a, const json_t *b,
			 const char *const *keys)
{
	const char *const *k;
	char *v;

	for (k = keys; *k; k++) {
		v = field(a, *k);
		if (v)
			return v;
	}
	for (k = keys; b && *k; k++) {
		v = field(b, *k);
		if (v)
			return v;
	}
	return NULL;
}

static char *strdup_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
static char *strdup_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

/* quantity: a string (documented) or an integer; a whole number 1..RB_QTY_MAX */
static void parse_quantity(const json_t *item, const char *key, struct rb_item *it)
{
	const json_t *v = json_object_get(item, key);
	struct err e = ERR_INIT;
	char text[64];
	int64_t q = 0;

	if (json_is_integer(v)) {
		q = json_integer_value(v);
		if (q < 1 || q > RB_QTY_MAX) {
			snprintf(text, sizeof(text), "%" PRId64, q);
			it->problem = strdup_printf("quantity %s is out of range (1..10000)", text);
			return;
		}
		it->quantity = q;
		return;
	}
	if (!json_is_string(v)) {
		it->problem = strdup("quantity is missing or not a string");
		return;
	}
	snprintf(text, sizeof(text), "%s", json_string_value(v));
	if (parse_int64(parse_trim(text), 1, RB_QTY_MAX, &q, &e) != ERR_OK) {
		it->problem = strdup_printf("quantity \"%s\" is not a whole number from 1 to 10000",
					    json_string_value(v));
		return;
	}
	it->quantity = q;
}

static void platform_item(const json_t *item, struct rb_item *it)
{
	static const char *const cond_keys[] = { "condition", "grade", "finalDisposition", NULL };

	it->rebound_item_id = field(item, "reboundItemId");
	it->client_item_id = field(item, "clientItemId");
	it->sku = field(item, "sku");
	it->ean = field(item, "ean");
	it->reason = field(item, "reasonCode");
	it->condition = first_field(item, NULL, cond_keys);
	parse_quantity(item, "quantity", it);
	if (!it->problem && !it->sku && !it->ean)
		it->problem = strdup("neither sku nor ean is given");
}

static void legacy_item(const json_t *item, struct rb_item *it)
{
	const json_t *reasons = json_object_get(item, "reason");

	it->sku = field(item, "sku_code");
	it->condition = field(item, "final_disposition");
	if (json_is_array(reasons) && json_array_size(reasons) > 0)
		it->reason = field(json_array_get(reasons, 0), "reason");
	parse_quantity(item, "quantity", it);
	if (!it->problem && !it->sku)
		it->problem = strdup("sku_code is missing");
}

/* Fill n->items from an array; returns how many lines are usable. */
static size_t parse_items(const json_t *arr, int legacy, struct rb_notice *n)
{
	size_t i, usable = 0;

	n->nitems = json_array_size(arr);
	if (n->nitems == 0)
		return 0;
	n->items = calloc(n->nitems, sizeof(*n->items));
	if (!n->items) {
		n->nitems = 0;
		return 0;
	}
	for (i = 0; i < n->nitems; i++) {
		const json_t *item = json_array_get(arr, i);
		struct rb_item *it = &n->items[i];

		if (!json_is_object(item))
			it->problem = strdup("item is not an object");
		else if (legacy)
			legacy_item(item, it);
		else
			platform_item(item, it);
		if (!it->problem)
			usable++;
	}
	return usable;
}

static enum rb_class unusable(char *why, size_t len, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
static enum rb_class unusable(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return RB_UNUSABLE;
}

static enum rb_class parse_legacy(const json_t *o, struct rb_notice *n,
				  char *why, size_t len)
{
	const json_t *items = json_object_get(o, "item");
	size_t usable;

	n->shape = strdup("legacy_return");
	n->rebound_return_id = field(o, "id");
	n->client_order_id = field(o, "order_reference");
	n->milestone_text = field(o, "current_tracking_status");
	n->event_time = field(o, "tracking_last_update");
	if (n->milestone_text) {
		n->milestone = rb_milestone_parse(n->milestone_text);
		if (n->milestone == RB_MS_NONE)
			n->milestone = RB_MS_OTHER; /* carriers' statuses are many */
	}
	usable = parse_items(items, 1, n);
	if (!n->rebound_return_id)
		return unusable(why, len, "legacy return object without an id");
	if (n->nitems > 0 && usable == 0)
		return unusable(why, len, "no usable line: %s", n->items[0].problem);
	return RB_OK;
}

static enum rb_class parse_platform(const json_t *root, const json_t *order,
				    int refund_trigger, struct rb_notice *n,
				    char *why, size_t len)
{
	static const char *const ms_keys[] = { "milestone", "event", "eventName", "status", "trackingStatus", NULL };
	static const char *const time_keys[] = { "timestamp", "eventTime", "createdAt", NULL };
	static const char *const type_keys[] = { "refundType", "type", NULL };
	const json_t *items = json_object_get(order, "items");
	size_t usable;

	n->shape = strdup(refund_trigger ? "refund_trigger" : "tracking");
	n->rebound_return_id = field(order, "reboundOrderId");
	n->client_order_id = field(order, "clientOrderId");
	n->location = field(order, "location");
	n->event_time = first_field(root, order, time_keys);
	if (refund_trigger)
		n->refund_type = first_field(order, root, type_keys);
	if (items && !json_is_array(items))
		return unusable(why, len, "\"items\" is not a list");
	usable = parse_items(items, 0, n);
	if (refund_trigger) {
		if (n->nitems == 0)
			return unusable(why, len, "refund trigger without items");
	} else {
		n->milestone_text = first_field(root, order, ms_keys);
		if (!n->milestone_text)
			return unusable(why, len, "tracking update without a milestone (looked for milestone, event, eventName, status, trackingStatus)");
		n->milestone = rb_milestone_parse(n->milestone_text);
		if (n->milestone == RB_MS_NONE)
			return unusable(why, len, "unknown milestone \"%s\"", n->milestone_text);
	}
	if (n->nitems > 0 && usable == 0)
		return unusable(why, len, "no usable line: %s", n->items[0].problem);
	return RB_OK;
}

enum rb_class rb_notice_parse(const json_t *root, int refund_trigger,
			      struct rb_notice *out, char *why, size_t whylen)
{
	const json_t *body = root, *order;
	enum rb_class c;

	memset(out, 0, sizeof(*out));
	out->refund_trigger = refund_trigger;
	why[0] = '\0';
	if (!json_is_object(root)) {
		snprintf(why, whylen, "the body is not a JSON object");
		return RB_NOT_REBOUND;
	}
	if (json_is_object(json_object_get(root, "success")))
		body = json_object_get(root, "success");
	order = json_object_get(body, "order");
	if (json_is_object(order) &&
	    (json_object_get(order, "reboundOrderId") || json_object_get(order, "clientOrderId"))) {
		c = parse_platform(body, order, refund_trigger, out, why, whylen);
	} else if (json_object_get(body, "order_reference") ||
		   (json_object_get(body, "id") && json_is_array(json_object_get(body, "item")))) {
		if (refund_trigger) {
			snprintf(why, whylen, "a legacy return object is accepted at /rebound/tracking, not as a refund trigger");
			return RB_NOT_REBOUND;
		}
		c = parse_legacy(body, out, why, whylen);
	} else {
		snprintf(why, whylen, "not a Rebound notification: expected an \"order\" object with reboundOrderId or clientOrderId, or a legacy return object with order_reference and item[]");
		return RB_NOT_REBOUND;
	}
	if (!out->shape) {
		rb_notice_release(out);
		snprintf(why, whylen, "out of memory");
		return RB_UNUSABLE;
	}
	return c;
}

/* --- normalised JSON ------------------------------------------------------ */

static json_t *opt(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *rb_notice_to_json(const struct rb_notice *n)
{
	json_t *items = json_array();
	size_t i;

	for (i = 0; i < n->nitems; i++) {
		const struct rb_item *it = &n->items[i];

		json_array_append_new(items, json_pack("{so so so so sI so so so}",
						       "rebound_item_id", opt(it->rebound_item_id),
						       "client_item_id", opt(it->client_item_id),
						       "sku", opt(it->sku), "ean", opt(it->ean),
						       "quantity", (json_int_t)it->quantity,
						       "reason", opt(it->reason),
						       "condition", opt(it->condition),
						       "problem", opt(it->problem)));
	}
	return json_pack("{ss sb so so so ss so so so so}", "shape", n->shape ? n->shape : "",
			 "refund_trigger", n->refund_trigger,
			 "rebound_return_id", opt(n->rebound_return_id),
			 "client_order_id", opt(n->client_order_id),
			 "location", opt(n->location),
			 "milestone", rb_milestone_name(n->milestone),
			 "milestone_text", opt(n->milestone_text),
			 "refund_type", opt(n->refund_type),
			 "event_time", opt(n->event_time), "items", items);
}

static char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

enum err_code rb_notice_from_json(const json_t *j, struct rb_notice *out,
				  struct err *e)
{
	const json_t *items = json_object_get(j, "items");
	const char *ms = json_string_value(json_object_get(j, "milestone"));
	size_t i;
	int m;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j) || !json_is_array(items) || !ms)
		return err_set(e, ERR_INVALID, "stored normalised event is not in the expected form");
	out->shape = jstr(j, "shape");
	out->refund_trigger = json_is_true(json_object_get(j, "refund_trigger"));
	out->rebound_return_id = jstr(j, "rebound_return_id");
	out->client_order_id = jstr(j, "client_order_id");
	out->location = jstr(j, "location");
	out->milestone_text = jstr(j, "milestone_text");
	out->refund_type = jstr(j, "refund_type");
	out->event_time = jstr(j, "event_time");
	for (m = 0; m < RB_MS__COUNT; m++)
		if (strcmp(ms, ms_names[m]) == 0)
			out->milestone = (enum rb_milestone)m;
	out->nitems = json_array_size(items);
	out->items = out->nitems ? calloc(out->nitems, sizeof(*out->items)) : NULL;
	if (out->nitems && !out->items) {
		rb_notice_release(out);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < out->nitems; i++) {
		const json_t *it = json_array_get(items, i);

		out->items[i].rebound_item_id = jstr(it, "rebound_item_id");
		out->items[i].client_item_id = jstr(it, "client_item_id");
		out->items[i].sku = jstr(it, "sku");
		out->items[i].ean = jstr(it, "ean");
		out->items[i].quantity = json_integer_value(json_object_get(it, "quantity"));
		out->items[i].reason = jstr(it, "reason");
		out->items[i].condition = jstr(it, "condition");
		out->items[i].problem = jstr(it, "problem");
	}
	return ERR_OK;
}

void rb_notice_release(struct rb_notice *n)
{
	size_t i;

	for (i = 0; i < n->nitems; i++) {
		struct rb_item *it = &n->items[i];

		free(it->rebound_item_id);
		free(it->client_item_id);
		free(it->sku);
		free(it->ean);
		free(it->reason);
		free(it->condition);
		free(it->problem);
	}
	free(n->items);
	free(n->shape);
	free(n->rebound_return_id);
	free(n->client_order_id);
	free(n->location);
	free(n->milestone_text);
	free(n->refund_type);
	free(n->event_time);
	memset(n, 0, sizeof(*n));
}

char *rb_canonical(const json_t *root)
{
	return json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
}
