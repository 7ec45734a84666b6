/* rebound/intake_interim: a stand-in for intake.c (issue 3, on main) so the
 * rebound branch builds and its tests run before the merge. It does only
 * what the contract in docs/rebound-notifications.md fixes for storage: the
 * shape check, the dedupe key kind ":" sha256(canonical JSON) and the ids.
 * No normalisation, no identity rule, no parking. meson builds it only
 * while src/rebound/intake.c does not exist; delete it after the merge. */
#include "rebound/intake.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static const char *const kind_names[] = { "tracking", "refund_trigger" };

const char *intake_kind_name(enum intake_kind kind)
{
	return (unsigned)kind < ARRAY_LEN(kind_names) ? kind_names[kind] : "unknown";
}

static const char *str_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

enum err_code intake_submit(struct store *st, enum intake_kind kind,
			    const char *source, const char *body, size_t len,
			    struct intake_result *res, struct err *e)
{
	struct store_event ev;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char key[32 + 2 * EVP_MAX_MD_SIZE];
	json_t *root, *obj, *order;
	char *canon = NULL;
	const char *rid = NULL, *ref = NULL;
	size_t n, i;
	bool dup = false;
	enum err_code rc = ERR_OK;

	memset(res, 0, sizeof(*res));
	root = json_loadb(body, len, 0, NULL);
	if (!root) {
		res->outcome = INTAKE_MALFORMED;
		snprintf(res->reason, sizeof(res->reason), "not JSON");
		return ERR_OK;
	}
	obj = json_object_get(root, "success") ? json_object_get(root, "success") : root;
	order = json_object_get(obj, "order");
	if (json_is_object(order)) {
		rid = str_of(order, "reboundOrderId");
		ref = str_of(order, "clientOrderId");
	} else if (json_is_array(json_object_get(obj, "item"))) {
		rid = str_of(obj, "id");
		ref = str_of(obj, "order_reference");
	} else {
		res->outcome = INTAKE_NOT_REBOUND;
		snprintf(res->reason, sizeof(res->reason), "no Rebound shape");
		goto out;
	}
	canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon || !EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL)) {
		rc = err_set(e, ERR_NOMEM, "cannot hash the body");
		goto out;
	}
	n = (size_t)snprintf(key, sizeof(key), "%s:", intake_kind_name(kind));
	for (i = 0; i < mdlen; i++)
		n += (size_t)snprintf(key + n, sizeof(key) - n, "%02x", md[i]);
	memset(&ev, 0, sizeof(ev));
	ev.received_at_ms = clock_now_ms();
	ev.source = source;
	ev.kind = intake_kind_name(kind);
	ev.dedup_key = key;
	ev.rebound_return_id = rid;
	ev.order_ref = ref;
	ev.raw_body = body;
	ev.raw_len = (int64_t)len;
	rc = store_event_add(st, &ev, &res->event_id, &dup, e);
	if (rc == ERR_OK)
		res->outcome = dup ? INTAKE_DUPLICATE : INTAKE_ACCEPTED;
out:
	free(canon);
	json_decref(root);
	return rc;
}

enum err_code intake_process_pending(struct store *st, int max, int *done,
				     struct err *e)
{
	(void)st;
	(void)max;
	(void)e;
	*done = 0;
	return ERR_OK;
}
