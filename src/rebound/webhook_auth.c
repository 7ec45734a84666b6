/* rebound/webhook_auth: token, basic and HMAC-SHA256 checks (OpenSSL 3
 * EVP interfaces only). */
#include "rebound/webhook_auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"

static const char *const verdict_names[] = {
	[WH_OK] = "ok",
	[WH_MISSING_CREDENTIALS] = "missing_credentials",
	[WH_BAD_TOKEN] = "bad_token",
	[WH_BAD_BASIC] = "bad_basic_auth",
	[WH_BAD_SIGNATURE] = "bad_signature",
	[WH_BAD_TIMESTAMP] = "bad_timestamp",
	[WH_STALE_TIMESTAMP] = "stale_timestamp",
};
_Static_assert(ARRAY_LEN(verdict_names) == WH__COUNT, "verdict names");

const char *wh_verdict_name(enum wh_verdict v)
{
	return (unsigned)v < WH__COUNT ? verdict_names[v] : "unknown";
}

/* Equal without revealing where they differ or how long either is: compare
 * SHA-256 digests of both. */
int wh_same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char da[32], db[32];
	unsigned int la = 0, lb = 0;
	int same;

	if (!EVP_Digest(a, alen, da, &la, EVP_sha256(), NULL) ||
	    !EVP_Digest(b, blen, db, &lb, EVP_sha256(), NULL))
		return 0;
	same = CRYPTO_memcmp(da, db, sizeof(da)) == 0;
	OPENSSL_cleanse(da, sizeof(da));
	OPENSSL_cleanse(db, sizeof(db));
	return same;
}

static enum wh_verdict check_token(const struct cfg_webhook *w, wh_header_fn *header,
				   void *arg)
{
	const char *v = header(arg, w->token_header);

	if (!v || !*v)
		return WH_MISSING_CREDENTIALS;
	if (strcasecmp(w->token_header, "Authorization") == 0 && strncasecmp(v, "Bearer ", 7) == 0)
		v += 7;
	return wh_same_secret(v, strlen(v), w->token, strlen(w->token)) ? WH_OK : WH_BAD_TOKEN;
}

static enum wh_verdict check_basic(const struct cfg_webhook *w, wh_header_fn *header,
				   void *arg)
{
	const char *v = header(arg, "Authorization");
	char plain[512];
	unsigned char enc[700];
	size_t n;
	int m;
	enum wh_verdict verdict;

	if (!v || strncasecmp(v, "Basic ", 6) != 0)
		return WH_MISSING_CREDENTIALS;
	v += 6;
	while (*v == ' ')
		v++;
	m = snprintf(plain, sizeof(plain), "%s:%s", w->basic_user, w->basic_password);
	if (m < 0 || (size_t)m >= sizeof(plain))
		return WH_BAD_BASIC;
	n = (size_t)EVP_EncodeBlock(enc, (const unsigned char *)plain, m);
	verdict = wh_same_secret(v, strlen(v), (const char *)enc, n) ? WH_OK : WH_BAD_BASIC;
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(enc, sizeof(enc));
	return verdict;
}

int wh_sign(const char *secret, const char *timestamp, const char *body,
	    size_t len, int base64, char *out, size_t outlen)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char mac[32];
	size_t maclen = 0, i;
	EVP_MAC *hmac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	int rc = -1;

	if (outlen < 89)
		return -1;
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!ctx || !EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params))
		goto out;
	if (timestamp && (!EVP_MAC_update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) ||
			  !EVP_MAC_update(ctx, (const unsigned char *)".", 1)))
		goto out;
	if (!EVP_MAC_update(ctx, (const unsigned char *)body, len) ||
	    !EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) || maclen != sizeof(mac))
		goto out;
	if (base64) {
		EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	} else {
		for (i = 0; i < maclen; i++) {
			out[2 * i] = hexd[mac[i] >> 4];
			out[2 * i + 1] = hexd[mac[i] & 15];
		}
		out[2 * maclen] = '\0';
	}
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return rc;
}

/* Does the signature sent match secret? Hex is compared case-insensitively
 * (we lowercase it first); base64 exactly. */
static int signature_matches(const struct cfg_webhook *w, const char *secret,
			     const char *ts, const char *body, size_t len,
			     const char *sent)
{
	char want[100], got[100];
	size_t i, n = strlen(sent);
	int base64 = w->hmac_encoding == CFG_HMAC_BASE64;
	int same;

	if (!*secret || n >= sizeof(got))
		return 0;
	for (i = 0; i <= n; i++)
		got[i] = base64 ? sent[i] : (char)tolower((unsigned char)sent[i]);
	if (wh_sign(secret, ts, body, len, base64, want, sizeof(want)) != 0)
		return 0;
	same = n == strlen(want) && CRYPTO_memcmp(want, got, n) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return same;
}

static enum wh_verdict check_hmac(const struct cfg_webhook *w, wh_header_fn *header,
				  void *arg, const char *body, size_t len,
				  int64_t now_s, char *detail, size_t dlen)
{
	const char *sig = header(arg, w->hmac_header);
	const char *ts = NULL;
	char tsbuf[32];
	struct err e = ERR_INIT;
	int64_t t = 0;

	if (!sig || !*sig) {
		snprintf(detail, dlen, "no %s header", w->hmac_header);
		return WH_MISSING_CREDENTIALS;
	}
	if (strncasecmp(sig, "sha256=", 7) == 0)
		sig += 7;
	if (*w->timestamp_header) {
		ts = header(arg, w->timestamp_header);
		if (!ts) {
			snprintf(detail, dlen, "no %s header", w->timestamp_header);
			return WH_BAD_TIMESTAMP;
		}
		snprintf(tsbuf, sizeof(tsbuf), "%s", ts);
		if (parse_int64(tsbuf, 0, INT64_MAX / 2, &t, &e) != ERR_OK) {
			snprintf(detail, dlen, "%s is not Unix seconds", w->timestamp_header);
			return WH_BAD_TIMESTAMP;
		}
	}
	if (!signature_matches(w, w->hmac_secret, ts, body, len, sig) &&
	    !signature_matches(w, w->hmac_secret_previous, ts, body, len, sig)) {
		snprintf(detail, dlen, "signature in %s does not match the body%s", w->hmac_header,
			 ts ? " and timestamp" : "");
		return WH_BAD_SIGNATURE;
	}
	/* checked after the signature, so an attacker learns nothing from it */
	if (ts && (t < now_s - w->timestamp_tolerance_s || t > now_s + w->timestamp_tolerance_s)) {
		snprintf(detail, dlen, "timestamp is %lld s away from our clock (tolerance %lld s)",
			 (long long)(t - now_s), (long long)w->timestamp_tolerance_s);
		return WH_STALE_TIMESTAMP;
	}
	return WH_OK;
}

enum wh_verdict wh_check(const struct cfg_webhook *w, wh_header_fn *header,
			 void *arg, const char *body, size_t len, int64_t now_s,
			 char *detail, size_t dlen)
{
	enum wh_verdict v = WH_OK;

	detail[0] = '\0';
	switch (w->auth) {
	case CFG_AUTH_NONE:
		return WH_OK;
	case CFG_AUTH_TOKEN:
		v = check_token(w, header, arg);
		break;
	case CFG_AUTH_BASIC:
		v = check_basic(w, header, arg);
		break;
	case CFG_AUTH_HMAC:
		return check_hmac(w, header, arg, body, len, now_s, detail, dlen);
	default:
		BUG("webhook auth %d", w->auth);
	}
	if (v != WH_OK && !detail[0])
		snprintf(detail, dlen, "%s", wh_verdict_name(v));
	return v;
}
