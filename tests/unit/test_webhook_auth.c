/* Unit tests for rebound/webhook_auth: each scheme, good and bad, the
 * signed timestamp window, secret rotation, and a published HMAC vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "rebound/webhook_auth.h"

struct hdrs {
	const char *names[4];
	const char *values[4];
};

static const char *lookup(void *arg, const char *name)
{
	struct hdrs *h = arg;
	int i;

	for (i = 0; i < 4 && h->names[i]; i++)
		if (strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	return NULL;
}

static struct cfg_webhook base(int auth)
{
	struct cfg_webhook w;

	memset(&w, 0, sizeof(w));
	w.auth = auth;
	w.token_header = (char *)"X-Rebound-Token";
	w.token = (char *)"t0ken";
	w.basic_user = (char *)"rebound";
	w.basic_password = (char *)"pa:ss";
	w.hmac_header = (char *)"X-Rebound-Signature";
	w.hmac_secret = (char *)"new-secret";
	w.hmac_secret_previous = (char *)"";
	w.timestamp_header = (char *)"";
	w.timestamp_tolerance_s = 300;
	return w;
}

#define CHECK(w, h, body) wh_check(&(w), lookup, &(h), (body), strlen(body), 1700000000, detail, sizeof(detail))

static void test_webhook_auth__rfc4231_vector(void **state)
{
	char out[100];

	(void)state;
	assert_int_equal(wh_sign("Jefe", NULL, "what do ya want for nothing?", 28, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(wh_sign("Jefe", NULL, "what do ya want for nothing?", 28, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

static void test_webhook_auth__none_accepts_anything(void **state)
{
	struct cfg_webhook w = base(CFG_AUTH_NONE);
	struct hdrs h = { { NULL }, { NULL } };
	char detail[128];

	(void)state;
	assert_int_equal(CHECK(w, h, "{}"), WH_OK);
}

static void test_webhook_auth__token(void **state)
{
	struct cfg_webhook w = base(CFG_AUTH_TOKEN);
	struct hdrs ok = { { "x-rebound-token" }, { "t0ken" } };
	struct hdrs bad = { { "X-Rebound-Token" }, { "t0ken2" } };
	struct hdrs none = { { NULL }, { NULL } };
	struct hdrs bearer = { { "Authorization" }, { "Bearer t0ken" } };
	char detail[128];

	(void)state;
	assert_int_equal(CHECK(w, ok, "{}"), WH_OK);
	assert_int_equal(CHECK(w, bad, "{}"), WH_BAD_TOKEN);
	assert_int_equal(CHECK(w, none, "{}"), WH_MISSING_CREDENTIALS);
	w.token_header = (char *)"Authorization";
	assert_int_equal(CHECK(w, bearer, "{}"), WH_OK);
}

static void test_webhook_auth__basic(void **state)
{
	struct cfg_webhook w = base(CFG_AUTH_BASIC);
	/* base64("rebound:pa:ss") */
	struct hdrs ok = { { "Authorization" }, { "Basic cmVib3VuZDpwYTpzcw==" } };
	struct hdrs bad = { { "Authorization" }, { "Basic cmVib3VuZDp3cm9uZw==" } };
	struct hdrs other = { { "Authorization" }, { "Bearer cmVib3VuZDpwYTpzcw==" } };
	char detail[128];

	(void)state;
	assert_int_equal(CHECK(w, ok, "{}"), WH_OK);
	assert_int_equal(CHECK(w, bad, "{}"), WH_BAD_BASIC);
	assert_int_equal(CHECK(w, other, "{}"), WH_MISSING_CREDENTIALS);
}

static void test_webhook_auth__hmac_body_hex_and_base64(void **state)
{
	const char *body = "{\"order\":{\"reboundOrderId\":\"(00)1\"}}";
	struct cfg_webhook w = base(CFG_AUTH_HMAC);
	char sig[100], upper[120], detail[128];
	struct hdrs h = { { "X-Rebound-Signature" }, { sig } };
	size_t i;

	(void)state;
	assert_int_equal(wh_sign("new-secret", NULL, body, strlen(body), 0, sig, sizeof(sig)), 0);
	assert_int_equal(CHECK(w, h, body), WH_OK);
	/* uppercase hex and a sha256= prefix are fine */
	snprintf(upper, sizeof(upper), "sha256=");
	for (i = 0; sig[i]; i++)
		upper[7 + i] = (char)(sig[i] >= 'a' && sig[i] <= 'f' ? sig[i] - 32 : sig[i]);
	upper[7 + i] = '\0';
	h.values[0] = upper;
	assert_int_equal(CHECK(w, h, body), WH_OK);
	/* one byte of the body changed */
	h.values[0] = sig;
	assert_int_equal(CHECK(w, h, "{\"order\":{\"reboundOrderId\":\"(00)2\"}}"), WH_BAD_SIGNATURE);
	assert_null(strstr(detail, sig)); /* never echo a signature */
	w.hmac_encoding = CFG_HMAC_BASE64;
	assert_int_equal(CHECK(w, h, body), WH_BAD_SIGNATURE); /* hex sent, base64 expected */
	assert_int_equal(wh_sign("new-secret", NULL, body, strlen(body), 1, sig, sizeof(sig)), 0);
	assert_int_equal(CHECK(w, h, body), WH_OK);
}

static void test_webhook_auth__hmac_timestamp_window_and_rotation(void **state)
{
	const char *body = "{\"x\":1}";
	struct cfg_webhook w = base(CFG_AUTH_HMAC);
	char sig[100], detail[128];
	struct hdrs h = { { "X-Rebound-Signature", "X-Rebound-Timestamp" }, { sig, "1700000100" } };

	(void)state;
	w.timestamp_header = (char *)"X-Rebound-Timestamp";
	assert_int_equal(wh_sign("new-secret", "1700000100", body, strlen(body), 0, sig, sizeof(sig)), 0);
	assert_int_equal(CHECK(w, h, body), WH_OK);
	/* the timestamp is part of what is signed */
	h.values[1] = "1700000101";
	assert_int_equal(CHECK(w, h, body), WH_BAD_SIGNATURE);
	/* correctly signed but too old: a replay */
	assert_int_equal(wh_sign("new-secret", "1699999000", body, strlen(body), 0, sig, sizeof(sig)), 0);
	h.values[1] = "1699999000";
	assert_int_equal(CHECK(w, h, body), WH_STALE_TIMESTAMP);
	assert_non_null(strstr(detail, "-1000 s"));
	h.values[1] = "soon";
	assert_int_equal(CHECK(w, h, body), WH_BAD_TIMESTAMP);
	h.names[1] = NULL;
	assert_int_equal(CHECK(w, h, body), WH_BAD_TIMESTAMP);
	/* rotation: the old secret still works while it is the previous one */
	h.names[1] = "X-Rebound-Timestamp";
	h.values[1] = "1700000000";
	assert_int_equal(wh_sign("old-secret", "1700000000", body, strlen(body), 0, sig, sizeof(sig)), 0);
	assert_int_equal(CHECK(w, h, body), WH_BAD_SIGNATURE);
	w.hmac_secret_previous = (char *)"old-secret";
	assert_int_equal(CHECK(w, h, body), WH_OK);
	h.names[0] = "X-Other";
	assert_int_equal(CHECK(w, h, body), WH_MISSING_CREDENTIALS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_auth__rfc4231_vector),
		cmocka_unit_test(test_webhook_auth__none_accepts_anything),
		cmocka_unit_test(test_webhook_auth__token),
		cmocka_unit_test(test_webhook_auth__basic),
		cmocka_unit_test(test_webhook_auth__hmac_body_hex_and_base64),
		cmocka_unit_test(test_webhook_auth__hmac_timestamp_window_and_rotation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
