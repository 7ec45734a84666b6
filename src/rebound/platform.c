/* rebound/platform: OAuth2 token cache and paged return-order lookups. */
#define LOG_COMPONENT "rebound"
#include "rebound/platform.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#define MAX_PAGES 100
/* refresh this long before Rebound's expiry, so a token never dies in flight */
#define EXPIRY_MARGIN_MS 30000

struct platform {
	char *base, *token_url, *orders_path, *client_id, *client_secret, *flow_key;
	int page_size;
	struct rbhttp *http;
	char *token;
	int64_t token_expires_ms;  /* monotonic */
	int64_t fetches;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

enum err_code platform_new(const struct platform_opts *o, struct rbhttp *http,
			   struct platform **out, struct err *e)
{
	struct platform *pf = calloc(1, sizeof(*pf));
	struct buf b = BUF_INIT(4096);

	if (!pf)
		return err_set(e, ERR_NOMEM, "out of memory");
	pf->base = dup_or_empty(o->base_url);
	if (pf->base) {
		size_t n = strlen(pf->base);

		while (n > 0 && pf->base[n - 1] == '/')
			pf->base[--n] = '\0';
	}
	if (strncmp(o->token_url, "http://", 7) == 0 || strncmp(o->token_url, "https://", 8) == 0)
		buf_adds(&b, o->token_url);
	else
		buf_addf(&b, "%s%s", pf->base ? pf->base : "", o->token_url);
	pf->token_url = buf_detach(&b, NULL);
	pf->orders_path = dup_or_empty(o->orders_path);
	pf->client_id = dup_or_empty(o->client_id);
	pf->client_secret = dup_or_empty(o->client_secret);
	pf->flow_key = dup_or_empty(o->flow_key);
	pf->page_size = o->page_size > 0 ? o->page_size : 50;
	pf->http = http;
	if (!pf->base || !pf->token_url || !pf->orders_path || !pf->client_id ||
	    !pf->client_secret || !pf->flow_key) {
		platform_free(pf);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	*out = pf;
	return ERR_OK;
}

static void drop_token(struct platform *pf)
{
	if (pf->token)
		explicit_bzero(pf->token, strlen(pf->token));
	free(pf->token);
	pf->token = NULL;
}

void platform_free(struct platform *pf)
{
	if (!pf)
		return;
	drop_token(pf);
	if (pf->client_secret)
		explicit_bzero(pf->client_secret, strlen(pf->client_secret));
	free(pf->base);
	free(pf->token_url);
	free(pf->orders_path);
	free(pf->client_id);
	free(pf->client_secret);
	free(pf->flow_key);
	free(pf);
}

int64_t platform_token_fetches(const struct platform *pf)
{
	return pf->fetches;
}

static enum err_code fetch_token(struct platform *pf, struct err *e)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL };
	struct buf form = BUF_INIT(8192);
	struct rbhttp_resp r;
	json_t *root = NULL, *tok, *exp;
	enum err_code rc;
	int64_t ttl_s = 3600;

	rbhttp_resp_init(&r);
	buf_adds(&form, "grant_type=client_credentials&client_id=");
	rbhttp_urlencode(&form, pf->client_id);
	buf_adds(&form, "&client_secret=");
	rbhttp_urlencode(&form, pf->client_secret);
	rc = rbhttp_call(pf->http, "POST", pf->token_url, headers, buf_str(&form), form.len, &r, e);
	if (form.data)
		explicit_bzero(form.data, form.len);
	buf_release(&form);
	if (rc != ERR_OK)
		goto out;
	pf->fetches++;
	if (r.status == 400 || r.status == 401 || r.status == 403) {
		rc = err_set(e, ERR_CONFIG, "rebound token endpoint %s refused the client credentials (HTTP %ld): check rebound.platform_client_id and rebound.platform_client_secret",
			     pf->token_url, r.status);
		goto out;
	}
	root = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	tok = json_object_get(root, "access_token");
	if (r.status != 200 || !json_is_string(tok) || !*json_string_value(tok)) {
		rc = err_set(e, ERR_INVALID, "rebound token endpoint %s: HTTP %ld without an access_token (is rebound.platform_token_url right?)",
			     pf->token_url, r.status);
		goto out;
	}
	exp = json_object_get(root, "expires_in");
	if (json_is_integer(exp) && json_integer_value(exp) > 0)
		ttl_s = json_integer_value(exp);
	drop_token(pf);
	pf->token = strdup(json_string_value(tok));
	if (!pf->token) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	pf->token_expires_ms = clock_mono_ms() + ttl_s * 1000 -
		(ttl_s * 1000 > 2 * EXPIRY_MARGIN_MS ? EXPIRY_MARGIN_MS : 0);
	log_debug("rebound: new platform token, valid %lld s", (long long)ttl_s);
out:
	json_decref(root);
	rbhttp_resp_release(&r);
	return rc;
}

enum err_code platform_token(struct platform *pf, const char **tok, struct err *e)
{
	enum err_code rc;

	if (!pf->token || clock_mono_ms() >= pf->token_expires_ms) {
		rc = fetch_token(pf, e);
		if (rc != ERR_OK)
			return rc;
	}
	*tok = pf->token;
	return ERR_OK;
}

/* GET with the bearer token; a 401 means our token died early (revoked,
 * clock skew): fetch a new one and try exactly once more. */
static enum err_code get_json(struct platform *pf, const char *url, json_t **out,
			      struct err *e)
{
	struct buf auth = BUF_INIT(8192);
	struct rbhttp_resp r;
	const char *headers[3] = { NULL, "Accept: application/json", NULL };
	const char *tok = NULL;
	json_error_t je;
	enum err_code rc;
	int tries;

	*out = NULL;
	rbhttp_resp_init(&r);
	for (tries = 0; tries < 2; tries++) {
		rc = platform_token(pf, &tok, e);
		if (rc != ERR_OK)
			goto out;
		buf_reset(&auth);
		buf_addf(&auth, "Authorization: Bearer %s", tok);
		headers[0] = buf_str(&auth);
		rc = rbhttp_call(pf->http, "GET", url, headers, NULL, 0, &r, e);
		if (rc != ERR_OK)
			goto out;
		if (r.status != 401)
			break;
		log_info("rebound: platform answered 401, fetching a new token");
		drop_token(pf);
	}
	if (r.status == 401) {
		rc = err_set(e, ERR_CONFIG, "rebound %s: 401 even with a fresh token (are the client credentials allowed to read return orders?)", url);
		goto out;
	}
	if (r.status == 404) {
		rc = err_set(e, ERR_NOT_FOUND, "rebound %s: 404", url);
		goto out;
	}
	if (r.status != 200) {
		rc = err_set(e, ERR_INVALID, "rebound %s: unexpected HTTP %ld", url, r.status);
		goto out;
	}
	*out = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, &je);
	if (!*out)
		rc = err_set(e, ERR_INVALID, "rebound %s: the answer is not JSON (%s); nothing was stored", url, je.text);
out:
	if (auth.data)
		explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	rbhttp_resp_release(&r);
	return rc;
}

enum err_code platform_return_orders(struct platform *pf, const char *cid,
				     json_t **orders, struct err *e)
{
	struct buf url = BUF_INIT(8192);
	json_t *all, *page = NULL, *content, *v, *last, *total;
	enum err_code rc = ERR_OK;
	int p;
	size_t i;

	*orders = NULL;
	all = json_array();
	if (!all)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (p = 0; p < MAX_PAGES; p++) {
		buf_reset(&url);
		buf_addf(&url, "%s%s?clientOrderId=", pf->base, pf->orders_path);
		rbhttp_urlencode(&url, cid);
		buf_addf(&url, "&page=%d&size=%d", p, pf->page_size);
		if (*pf->flow_key) {
			buf_adds(&url, "&flowKey=");
			rbhttp_urlencode(&url, pf->flow_key);
		}
		rc = get_json(pf, buf_str(&url), &page, e);
		if (rc == ERR_NOT_FOUND && p == 0) {
			rc = ERR_OK; /* no return orders for this order */
			break;
		}
		if (rc != ERR_OK)
			break;
		content = json_object_get(page, "content");
		if (!json_is_array(content)) {
			rc = err_set(e, ERR_INVALID, "rebound return orders for %s: the answer has no \"content\" list; nothing was stored", cid);
			break;
		}
		json_array_foreach(content, i, v) {
			if (!json_is_object(v)) {
				rc = err_set(e, ERR_INVALID, "rebound return orders for %s: page %d entry %zu is not an object; nothing was stored", cid, p, i);
				goto out;
			}
			json_array_append(all, v);
		}
		last = json_object_get(page, "last");
		total = json_object_get(page, "totalPages");
		if (json_array_size(content) == 0 || json_is_true(last) ||
		    (json_is_integer(total) && p + 1 >= json_integer_value(total)) ||
		    (!last && !total))
			break;
		json_decref(page);
		page = NULL;
	}
out:
	json_decref(page);
	buf_release(&url);
	if (rc != ERR_OK) {
		json_decref(all);
		return rc;
	}
	*orders = all;
	return ERR_OK;
}
