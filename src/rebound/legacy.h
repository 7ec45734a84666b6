/* rebound/legacy: client of Rebound's legacy API (intelligentreturns.net/api):
 * every call is a form POST of login, api_key and request (a JSON string)
 * to <base>/<call>/json, answered {"success": …} or
 * {"error": {"code": …, "message": […]}}. See shared research §3.
 * One struct legacy per thread (it borrows that thread's rbhttp). */
#ifndef REBOUND_LEGACY_H
#define REBOUND_LEGACY_H

#include <jansson.h>
#include <stddef.h>

#include "rebound/rbhttp.h"
#include "util/err.h"

struct legacy;

/* base is e.g. https://intelligentreturns.net/api (no trailing /).
 * Strings are copied; http is borrowed and must outlive the client. */
MUST_CHECK enum err_code legacy_new(const char *base, const char *login,
				    const char *api_key, struct rbhttp *http,
				    struct legacy **out, struct err *e);
void legacy_free(struct legacy *lg);

/* One call ("returns/search"); request is borrowed. On ERR_OK *success is
 * the value of "success" (owned: json_decref it). Errors:
 *   ERR_NOT_FOUND  Rebound answered error code "empty" (no hits);
 *   ERR_CONFIG     credentials refused (login_empty, api_key_empty,
 *                  access_denied, ip_blocked);
 *   ERR_INVALID    the answer is not Rebound's envelope (not JSON, HTML, a
 *                  truncated body, an unexpected status), or another error
 *                  code (json_invalid, unknown_call, request_wrong, …);
 *   ERR_IO / ERR_BUSY from the transport.
 * code (may be NULL, 48 bytes) receives Rebound's error code or "". */
MUST_CHECK enum err_code legacy_call(struct legacy *lg, const char *call,
				     json_t *request, json_t **success,
				     char code[48], struct err *e);

/* returns/search for [from, to] (dates "yyyy/mm/dd"): *ids is a new array
 * of id strings (empty when Rebound says "empty"). */
MUST_CHECK enum err_code legacy_search(struct legacy *lg, const char *from,
				       const char *to, json_t **ids,
				       struct err *e);

/* returns/get by id: *ret is the return object (owned). ERR_INVALID when
 * the answer is not a return object (no id or item list). */
MUST_CHECK enum err_code legacy_get_return(struct legacy *lg, const char *id,
					   json_t **ret, struct err *e);

/* tracking/get by tracking code: *trk has track[] (owned). */
MUST_CHECK enum err_code legacy_get_tracking(struct legacy *lg,
					     const char *code, json_t **trk,
					     struct err *e);

/* Any call with the request given as JSON text (used by status push, whose
 * payload comes from configuration). ERR_INVALID when text is not JSON. */
MUST_CHECK enum err_code legacy_call_text(struct legacy *lg, const char *call,
					  const char *request_json,
					  struct err *e);

/* The pure parts, also fuzzed (tests/fuzz/fuzz_legacy.c): */

/* Judge an answer: status and body as received. Same results as
 * legacy_call; *success is new (owned) on ERR_OK. */
MUST_CHECK enum err_code legacy_parse(const char *call, long status,
				      const char *body, size_t len,
				      json_t **success, char code[48],
				      struct err *e);

/* The id list of a returns/search success as a new array of strings. */
MUST_CHECK enum err_code legacy_search_ids(json_t *success, json_t **ids,
					   struct err *e);

/* ERR_INVALID unless ret looks like a return object (id, item list). */
MUST_CHECK enum err_code legacy_check_return(json_t *ret, const char *id,
					     struct err *e);

#endif
