/* rebound/legacy: form-POST calls and envelope checks. */
#define LOG_COMPONENT "rebound"
#include "rebound/legacy.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

struct legacy {
	char *base;
	char *login;
	char *api_key;
	struct rbhttp *http;
};

enum err_code legacy_new(const char *base, const char *login,
			 const char *api_key, struct rbhttp *http,
			 struct legacy **out, struct err *e)
{
	struct legacy *lg = calloc(1, sizeof(*lg));
	size_t n;

	if (!lg)
		return err_set(e, ERR_NOMEM, "out of memory");
	lg->base = strdup(base);
	lg->login = strdup(login);
	lg->api_key = strdup(api_key);
	lg->http = http;
	if (!lg->base || !lg->login || !lg->api_key) {
		legacy_free(lg);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	n = strlen(lg->base);
	while (n > 0 && lg->base[n - 1] == '/')
		lg->base[--n] = '\0';
	*out = lg;
	return ERR_OK;
}

void legacy_free(struct legacy *lg)
{
	if (!lg)
		return;
	if (lg->api_key)
		explicit_bzero(lg->api_key, strlen(lg->api_key));
	free(lg->api_key);
	free(lg->login);
	free(lg->base);
	free(lg);
}

static int is_credential_code(const char *code)
{
	static const char *const creds[] = { "login_empty", "api_key_empty",
					     "access_denied", "ip_blocked" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(creds); i++)
		if (strcmp(code, creds[i]) == 0)
			return 1;
	return 0;
}

enum err_code legacy_parse(const char *call, long status, const char *body,
			   size_t len, json_t **success, char code[48],
			   struct err *e)
{
	json_error_t je;
	json_t *root, *err, *msg;
	const char *c = "", *m = "";
	enum err_code rc;

	*success = NULL;
	if (code)
		code[0] = '\0';
	root = json_loadb(body ? body : "", body ? len : 0, 0, &je);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return err_set(e, ERR_INVALID, "rebound %s: HTTP %ld with a body that is not Rebound's JSON envelope (%s); nothing was stored",
			       call, status, root ? "not an object" : je.text);
	}
	*success = json_incref(json_object_get(root, "success"));
	if (*success) {
		json_decref(root);
		return ERR_OK;
	}
	err = json_object_get(root, "error");
	if (!json_is_object(err)) {
		json_decref(root);
		return err_set(e, ERR_INVALID, "rebound %s: HTTP %ld, JSON without \"success\" or \"error\"; nothing was stored",
			       call, status);
	}
	if (json_is_string(json_object_get(err, "code")))
		c = json_string_value(json_object_get(err, "code"));
	msg = json_object_get(err, "message");
	if (json_is_array(msg) && json_is_string(json_array_get(msg, 0)))
		m = json_string_value(json_array_get(msg, 0));
	else if (json_is_string(msg))
		m = json_string_value(msg);
	if (code)
		snprintf(code, 48, "%s", c);
	if (strcmp(c, "empty") == 0)
		rc = err_set(e, ERR_NOT_FOUND, "rebound %s: no results", call);
	else if (is_credential_code(c))
		rc = err_set(e, ERR_CONFIG, "rebound %s: %s (%s): check rebound.legacy_login and rebound.legacy_api_key",
			     call, c, m);
	else
		rc = err_set(e, ERR_INVALID, "rebound %s: error %s (%s)", call, *c ? c : "(no code)", m);
	json_decref(root);
	return rc;
}

static enum err_code post(struct legacy *lg, const char *call, const char *req,
			  json_t **success, char code[48], struct err *e)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL };
	struct buf url = BUF_INIT(4096), form = BUF_INIT(8 * 1024 * 1024);
	struct rbhttp_resp r;
	enum err_code rc;

	rbhttp_resp_init(&r);
	if (code)
		code[0] = '\0';
	buf_addf(&url, "%s/%s/json", lg->base, call);
	buf_adds(&form, "login=");
	rbhttp_urlencode(&form, lg->login);
	buf_adds(&form, "&api_key=");
	rbhttp_urlencode(&form, lg->api_key);
	buf_adds(&form, "&request=");
	rbhttp_urlencode(&form, req);
	if (buf_failed(&url) || buf_failed(&form)) {
		rc = err_set(e, ERR_TOO_BIG, "rebound %s: request too large", call);
		goto out;
	}
	rc = rbhttp_call(lg->http, "POST", buf_str(&url), headers, buf_str(&form),
			 form.len, &r, e);
	if (rc != ERR_OK)
		goto out;
	rc = legacy_parse(call, r.status, r.body.data, r.body.len, success, code, e);
out:
	if (form.data)
		explicit_bzero(form.data, form.len);
	buf_release(&form);
	buf_release(&url);
	rbhttp_resp_release(&r);
	return rc;
}

enum err_code legacy_call(struct legacy *lg, const char *call, json_t *request,
			  json_t **success, char code[48], struct err *e)
{
	char *req = json_dumps(request, JSON_COMPACT);
	enum err_code rc;

	*success = NULL;
	if (!req)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = post(lg, call, req, success, code, e);
	free(req);
	return rc;
}

enum err_code legacy_call_text(struct legacy *lg, const char *call,
			       const char *request_json, struct err *e)
{
	json_t *check, *success = NULL;
	enum err_code rc;

	check = json_loads(request_json, 0, NULL);
	if (!check)
		return err_set(e, ERR_INVALID, "rebound %s: the configured request is not JSON", call);
	json_decref(check);
	rc = post(lg, call, request_json, &success, NULL, e);
	json_decref(success);
	return rc;
}

enum err_code legacy_search(struct legacy *lg, const char *from, const char *to,
			    json_t **ids, struct err *e)
{
	json_t *req, *succ = NULL;
	enum err_code rc;

	*ids = NULL;
	req = json_pack("{s{ssss}}", "filter", "date_from", from, "date_to", to);
	if (!req)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = legacy_call(lg, "returns/search", req, &succ, NULL, e);
	json_decref(req);
	if (rc == ERR_NOT_FOUND) {
		*ids = json_array();
		return *ids ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
	}
	if (rc != ERR_OK)
		return rc;
	rc = legacy_search_ids(succ, ids, e);
	json_decref(succ);
	return rc;
}

enum err_code legacy_search_ids(json_t *succ, json_t **ids, struct err *e)
{
	json_t *list, *v, *out;
	char num[32];
	size_t i;

	*ids = NULL;
	list = json_is_object(succ) ? json_object_get(succ, "id") : succ;
	if (!json_is_array(list))
		return err_set(e, ERR_INVALID, "rebound returns/search: \"success\" has no \"id\" list; nothing was stored");
	out = json_array();
	if (!out)
		return err_set(e, ERR_NOMEM, "out of memory");
	json_array_foreach(list, i, v) {
		if (json_is_string(v) && *json_string_value(v)) {
			json_array_append(out, v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			json_array_append_new(out, json_string(num));
		} else {
			json_decref(out);
			return err_set(e, ERR_INVALID, "rebound returns/search: id #%zu is not a string or number; nothing was stored", i);
		}
	}
	*ids = out;
	return ERR_OK;
}

enum err_code legacy_get_return(struct legacy *lg, const char *id, json_t **ret,
				struct err *e)
{
	json_t *req, *succ = NULL;
	enum err_code rc;

	*ret = NULL;
	req = json_pack("{s{ssss}}", "return", "id", id, "type", "id");
	if (!req)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = legacy_call(lg, "returns/get", req, &succ, NULL, e);
	json_decref(req);
	if (rc == ERR_OK)
		rc = legacy_check_return(succ, id, e);
	if (rc != ERR_OK) {
		json_decref(succ);
		return rc;
	}
	*ret = succ;
	return ERR_OK;
}

enum err_code legacy_check_return(json_t *ret, const char *id, struct err *e)
{
	json_t *rid = json_object_get(ret, "id");

	if (!json_is_object(ret) || !(json_is_string(rid) || json_is_integer(rid)) ||
	    !json_is_array(json_object_get(ret, "item")))
		return err_set(e, ERR_INVALID, "rebound returns/get %s: the answer is not a return object (no id or no item list); nothing was stored", id);
	return ERR_OK;
}

enum err_code legacy_get_tracking(struct legacy *lg, const char *code,
				  json_t **trk, struct err *e)
{
	json_t *req, *succ = NULL;
	enum err_code rc;

	*trk = NULL;
	req = json_pack("{s{ss}}", "tracking", "code", code);
	if (!req)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = legacy_call(lg, "tracking/get", req, &succ, NULL, e);
	json_decref(req);
	if (rc != ERR_OK)
		return rc;
	if (!json_is_object(succ) || !json_is_array(json_object_get(succ, "track"))) {
		json_decref(succ);
		return err_set(e, ERR_INVALID, "rebound tracking/get %s: the answer has no track list; nothing was stored", code);
	}
	*trk = succ;
	return ERR_OK;
}
