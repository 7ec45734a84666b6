/* Unit tests for util/cfg: every key type, range errors with line numbers,
 * secrets from env and files and their redaction, reload rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/cfg.h"

static char *print_to_string(const struct cfg *c, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cfg_print(c, json, f);
	fclose(f);
	return text;
}

static const struct cfg_problem *find_problem(const struct cfg_report *rep,
					      const char *key)
{
	int i;

	for (i = 0; i < rep->count && i < CFG_PROBLEMS_MAX; i++)
		if (strcmp(rep->items[i].key, key) == 0)
			return &rep->items[i];
	return NULL;
}

static void test_cfg__defaults_are_valid(void **state)
{
	struct cfg c;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(cfg_defaults(&c, &e), ERR_OK);
	assert_string_equal(c.server_listen, "127.0.0.1");
	assert_int_equal(c.server_port, 8080);
	assert_int_equal(c.store_raw_body_retention_days, 30);
	assert_string_equal(c.store_path, "returnbridge.db");
	cfg_release(&c);
}

static void test_cfg__every_type_parses(void **state)
{
	const char *text =
		"; comment\n"
		"# another\n"
		"[server]\n"
		"listen = ::1\n"          /* string, checked */
		"port = 9090\n"           /* integer */
		"[log]\n"
		"level = DEBUG\n"         /* choice, any case */
		"format = json\n"
		"[store]\n"
		"path = \"data/rb.db\"\n" /* quoted, relative path */
		"raw_body_retention_days = 0\n";
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t.ini", "/etc/rb", &c, &rep, &e), ERR_OK);
	assert_int_equal(rep.count, 0);
	assert_int_equal(rep.keys_set, 6);
	assert_string_equal(c.server_listen, "::1");
	assert_int_equal(c.server_port, 9090);
	assert_int_equal(c.log_level, 3);
	assert_int_equal(c.log_format, 1);
	assert_string_equal(c.store_path, "/etc/rb/data/rb.db");
	assert_int_equal(c.store_raw_body_retention_days, 0);
	cfg_release(&c);
}

static void test_cfg__every_problem_with_its_line(void **state)
{
	const char *text =
		"[server]\n"
		"port = 65536\n"              /* 2: out of range */
		"listen = localhost\n"        /* 3: not an IP */
		"max_body_bytes = 10\n"       /* 4: below minimum */
		"[log]\n"
		"level = loud\n"              /* 6: bad choice */
		"level = info\n"              /* 7: set twice */
		"this is not ini\n"           /* 8: syntax */
		"[stroe]\n"
		"path = x\n"                  /* 10: unknown key */
		"[store]\n"
		"busy_timeout_ms = soon\n";   /* 12: not a number */
	struct cfg_report rep;
	struct err e = ERR_INIT;
	const struct cfg_problem *p;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load_string(text, "bad.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	assert_int_equal(rep.count, 8);
	assert_non_null(strstr(e.msg, "8 configuration problems"));
	p = find_problem(&rep, "server.port");
	assert_non_null(p);
	assert_int_equal(p->line, 2);
	assert_non_null(strstr(p->msg, "0..65535"));
	assert_int_equal(find_problem(&rep, "server.listen")->line, 3);
	assert_non_null(strstr(find_problem(&rep, "server.max_body_bytes")->msg, "out of range"));
	assert_int_equal(rep.items[3].line, 6);
	assert_non_null(strstr(rep.items[3].msg, "error, warn, info, debug"));
	assert_int_equal(rep.items[4].line, 7);
	assert_non_null(strstr(rep.items[4].msg, "first on line 6"));
	assert_int_equal(rep.items[5].line, 8);
	assert_int_equal(find_problem(&rep, "stroe.path")->line, 10);
	assert_int_equal(find_problem(&rep, "store.busy_timeout_ms")->line, 12);
	/* nothing half-loaded is left behind */
	assert_null(c.server_listen);
}

static void test_cfg__secret_from_env_is_redacted(void **state)
{
	const char *text = "[odoo]\nurl = https://erp.example.com\ndatabase = prod\n"
			   "user = rb\napi_key = env:RB_TEST_ODOO_KEY\n";
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	char *out;

	(void)state;
	unsetenv("RB_TEST_ODOO_KEY");
	assert_int_equal(cfg_load_string(text, "s.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	assert_non_null(strstr(find_problem(&rep, "odoo.api_key")->msg, "RB_TEST_ODOO_KEY is not set"));
	assert_int_equal(find_problem(&rep, "odoo.api_key")->line, 5);

	setenv("RB_TEST_ODOO_KEY", "hunter2-very-secret", 1);
	assert_int_equal(cfg_load_string(text, "s.ini", NULL, &c, &rep, &e), ERR_OK);
	assert_string_equal(c.odoo_api_key, "hunter2-very-secret");
	out = print_to_string(&c, false);
	assert_null(strstr(out, "hunter2"));
	assert_non_null(strstr(out, "api_key = (set)"));
	free(out);
	out = print_to_string(&c, true);
	assert_null(strstr(out, "hunter2"));
	assert_non_null(strstr(out, "\"odoo.api_key\":\"(set)\""));
	free(out);
	cfg_release(&c);
	unsetenv("RB_TEST_ODOO_KEY");
}

static void test_cfg__secret_from_file(void **state)
{
	char dir[] = "/tmp/rbcfgXXXXXX";
	char path[64];
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/odoo.key", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("k3y-from-file\n", f);
	fclose(f);
	/* relative file: secrets resolve against the config's directory */
	assert_int_equal(cfg_load_string("[odoo]\napi_key = file:odoo.key\n", "f.ini", dir, &c, &rep, &e), ERR_OK);
	assert_string_equal(c.odoo_api_key, "k3y-from-file");
	cfg_release(&c);
	assert_int_equal(cfg_load_string("[odoo]\napi_key = file:missing.key\n", "f.ini", dir, &c, &rep, &e), ERR_CONFIG);
	assert_non_null(strstr(rep.items[0].msg, "missing.key"));
	/* the message names the file, never a secret's content */
	assert_int_equal(rep.items[0].line, 2);
	unlink(path);
	rmdir(dir);
}

static void test_cfg__cross_checks(void **state)
{
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_load_string("[store]\nbackend = postgresql\n", "p.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	assert_int_equal(find_problem(&rep, "store.backend")->line, 2);
	assert_int_equal(cfg_load_string("[odoo]\nurl = https://erp\n", "o.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	assert_non_null(strstr(find_problem(&rep, "odoo.url")->msg, "odoo.api_key"));
	assert_int_equal(cfg_load_string("port = 1\n", "n.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	assert_non_null(strstr(rep.items[0].msg, "outside any [section]"));
}

static int kept_count;
static void on_kept(const char *key, void *arg)
{
	(void)arg;
	(void)key;
	kept_count++;
}

static void test_cfg__reload_keeps_restart_only_keys(void **state)
{
	struct err e = ERR_INIT;
	struct cfg cur, next;

	(void)state;
	assert_int_equal(cfg_load_string("[server]\nport = 8080\n[log]\nlevel = info\n", "a", NULL, &cur, NULL, &e), ERR_OK);
	assert_int_equal(cfg_load_string("[server]\nport = 9999\nlisten = 0.0.0.0\n[log]\nlevel = debug\n", "b", NULL, &next, NULL, &e), ERR_OK);
	kept_count = 0;
	assert_int_equal(cfg_keep_no_reload(&cur, &next, on_kept, NULL), 2);
	assert_int_equal(kept_count, 2);
	assert_int_equal(next.server_port, 8080);          /* restart needed: kept */
	assert_string_equal(next.server_listen, "127.0.0.1");
	assert_int_equal(next.log_level, 3);               /* reloadable: taken */
	cfg_release(&cur);
	cfg_release(&next);
}

static void test_cfg__key_table_is_consistent(void **state)
{
	struct cfg_key_desc d, d2;
	size_t i, j, n = cfg_key_count();

	(void)state;
	assert_true(n >= 15);
	for (i = 0; i < n; i++) {
		assert_true(cfg_key_info(i, &d));
		assert_non_null(strchr(d.name, '.'));
		assert_true(strlen(d.help) > 10);
		if (strcmp(d.type, "string") != 0)
			assert_true(strlen(d.range) > 0);
		for (j = i + 1; j < n; j++) {
			assert_true(cfg_key_info(j, &d2));
			assert_string_not_equal(d.name, d2.name);
		}
	}
	assert_true(cfg_key_info(1, &d));
	assert_string_equal(d.name, "server.port");
	assert_string_equal(d.range, "0..65535");
	assert_false(d.reloadable);
	assert_false(cfg_key_info(n, &d));
}

static void test_cfg__sample_config_is_valid(void **state)
{
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;

	(void)state;
	/* tests run from tests/; the sample lives in dist/ */
	assert_int_equal(cfg_load("../dist/returnbridge.ini", &c, &rep, &e), ERR_OK);
	assert_int_equal(rep.count, 0);
	assert_int_equal((int)rep.keys_set, (int)cfg_key_count());
	cfg_release(&c);
}

static void test_cfg__disposition_map_sections(void **state)
{
	const char *text =
		"[disposition]\n"
		"quarantine = WH/Quarantine\n"
		"default = stock\n"
		"[disposition.reason]\n"
		"Too large = stock\n"
		"Damaged = quarantine\n"
		"Wrong item sent = WH/Returns/Inspect\n"
		"[disposition.grade]\n"
		"C = scrap\n";
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	char *printed;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t.ini", NULL, &c, &rep, &e), ERR_OK);
	assert_int_equal(c.disposition_reason.n, 3);
	/* reason codes are data: any spelling, looked up without case */
	assert_string_equal(cfg_map_get(&c.disposition_reason, "too LARGE"), "stock");
	assert_string_equal(cfg_map_get(&c.disposition_reason, "wrong item sent"),
			    "WH/Returns/Inspect");
	assert_null(cfg_map_get(&c.disposition_reason, "Too small"));
	assert_string_equal(cfg_map_get(&c.disposition_grade, "c"), "scrap");
	assert_int_equal(c.disposition_reason.items[1].line, 6);
	printed = print_to_string(&c, false);
	assert_non_null(strstr(printed, "[disposition.reason]\nToo large = stock\n"));
	free(printed);
	printed = print_to_string(&c, true);
	assert_non_null(strstr(printed, "\"disposition.grade\":{\"C\":\"scrap\"}"));
	free(printed);
	cfg_release(&c);
}

static void test_cfg__disposition_problems_have_lines(void **state)
{
	const char *text =
		"[disposition]\n"
		"scrap =\n"                        /* line 2 */
		"[disposition.reason]\n"
		"Damaged = quarantine\n"
		"damaged = stock\n"                /* line 5: twice, case ignored */
		"Broken = scrap\n"                 /* line 6: scrap names nothing */
		"Empty =\n"                        /* line 7 */
		"[disposition.nonsense]\n"
		"x = y\n";                         /* line 9: unknown */
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	const struct cfg_problem *p;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t.ini", NULL, &c, &rep, &e), ERR_CONFIG);
	p = find_problem(&rep, "disposition.reason.damaged");
	assert_non_null(p);
	assert_int_equal(p->line, 5);
	assert_non_null(strstr(p->msg, "first on line 4"));
	p = find_problem(&rep, "disposition.reason.Broken");
	assert_non_null(p);
	assert_int_equal(p->line, 6);
	assert_non_null(strstr(p->msg, "disposition.scrap"));
	p = find_problem(&rep, "disposition.reason.Empty");
	assert_non_null(p);
	assert_int_equal(p->line, 7);
	p = find_problem(&rep, "disposition.nonsense.x");
	assert_non_null(p);
	assert_int_equal(p->line, 9);
	assert_int_equal(rep.count, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg__defaults_are_valid),
		cmocka_unit_test(test_cfg__every_type_parses),
		cmocka_unit_test(test_cfg__every_problem_with_its_line),
		cmocka_unit_test(test_cfg__secret_from_env_is_redacted),
		cmocka_unit_test(test_cfg__secret_from_file),
		cmocka_unit_test(test_cfg__cross_checks),
		cmocka_unit_test(test_cfg__reload_keeps_restart_only_keys),
		cmocka_unit_test(test_cfg__key_table_is_consistent),
		cmocka_unit_test(test_cfg__sample_config_is_valid),
		cmocka_unit_test(test_cfg__disposition_map_sections),
		cmocka_unit_test(test_cfg__disposition_problems_have_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
