/* Unit tests for the CLI, run in-process through cli_run with captured
 * output: help, version, exit codes, check-config, events, status, purge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "rb_version.h"
#include "store/store.h"

struct run {
	int rc;
	char *out;
	char *err;
};

static char dir[32];
static char ini[64];

static struct run run_cli(int argc, const char **argv)
{
	struct run r = { 0, NULL, NULL };
	size_t lo = 0, le = 0;
	FILE *o = open_memstream(&r.out, &lo);
	FILE *e = open_memstream(&r.err, &le);

	r.rc = cli_run(argc, (char **)argv, o, e);
	fclose(o);
	fclose(e);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define RUN(...) run_cli((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
			 (const char *[]){ __VA_ARGS__ })

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rbcliXXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(ini, sizeof(ini), "%s/rb.ini", dir);
	write_file(ini, "[store]\npath = rb.db\n[log]\nlevel = error\n");
	unsetenv("RETURNBRIDGE_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s", dir);
	/* only files we made: rb.ini, rb.db and its WAL files, bad.ini */
	{
		const char *names[] = { "rb.ini", "rb.db", "rb.db-wal", "rb.db-shm", "bad.ini" };
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char p[128];

			snprintf(p, sizeof(p), "%s/%s", cmd, names[i]);
			unlink(p);
		}
	}
	rmdir(dir);
	return 0;
}

static void test_cli__help_and_version(void **state)
{
	struct run r;

	(void)state;
	r = RUN("returnbridge", "--help");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "check-config"));
	assert_non_null(strstr(r.out, "status"));
	run_free(&r);
	r = RUN("returnbridge", "--version");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, RB_VERSION));
	run_free(&r);
	r = RUN("returnbridge", "status", "--help");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "RETURN_ID"));
	run_free(&r);
	r = RUN("returnbridge", "help", "serve");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "--config"));
	run_free(&r);
}

static void test_cli__usage_errors_exit_2(void **state)
{
	struct run r;

	(void)state;
	r = RUN("returnbridge");
	assert_int_equal(r.rc, CLI_USAGE);
	run_free(&r);
	r = RUN("returnbridge", "frobnicate");
	assert_int_equal(r.rc, CLI_USAGE);
	assert_non_null(strstr(r.err, "unknown command \"frobnicate\""));
	run_free(&r);
	r = RUN("returnbridge", "events", "--bogus");
	assert_int_equal(r.rc, CLI_USAGE);
	run_free(&r);
	r = RUN("returnbridge", "events", "-c", ini, "--limit", "0");
	assert_int_equal(r.rc, CLI_USAGE);
	assert_non_null(strstr(r.err, "out of range"));
	run_free(&r);
	r = RUN("returnbridge", "status", "-c", ini);
	assert_int_equal(r.rc, CLI_USAGE);
	assert_non_null(strstr(r.err, "RETURN_ID"));
	run_free(&r);
}

static void test_cli__check_config_reports_lines(void **state)
{
	char bad[80];
	struct run r;

	(void)state;
	r = RUN("returnbridge", "check-config", "-c", ini);
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "ok"));
	run_free(&r);

	snprintf(bad, sizeof(bad), "%s/bad.ini", dir);
	write_file(bad, "[server]\nport = http\n[log]\nlevle = info\n");
	r = RUN("returnbridge", "check-config", "-c", bad);
	assert_int_equal(r.rc, CLI_CONFIG);
	assert_non_null(strstr(r.err, "bad.ini:2: server.port"));
	assert_non_null(strstr(r.err, "bad.ini:4: log.levle: unknown key"));
	run_free(&r);

	r = RUN("returnbridge", "check-config", "-c", "/nonexistent/rb.ini");
	assert_int_equal(r.rc, CLI_CONFIG);
	assert_non_null(strstr(r.err, "dist/returnbridge.ini"));
	run_free(&r);

	/* the config file can come from the environment */
	setenv("RETURNBRIDGE_CONFIG", ini, 1);
	r = RUN("returnbridge", "check-config", "--print", "--json");
	unsetenv("RETURNBRIDGE_CONFIG");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "\"log.level\":\"error\""));
	run_free(&r);

	r = RUN("returnbridge", "check-config", "--keys", "--json");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "\"key\":\"odoo.api_key\""));
	assert_non_null(strstr(r.out, "\"secret\":true"));
	run_free(&r);
}

static void test_cli__events_on_empty_store(void **state)
{
	struct run r;

	(void)state;
	r = RUN("returnbridge", "events", "-c", ini);
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "no events yet"));
	run_free(&r);
	r = RUN("returnbridge", "events", "-c", ini, "--json");
	assert_int_equal(r.rc, CLI_OK);
	assert_string_equal(r.out, "");
	run_free(&r);
}

static void seed(void)
{
	struct store_line lines[1] = { { 1, "I1", "SKU-RED-M", "8712345678906", 2, "TOO_SMALL", NULL, NULL, NULL } };
	struct store_return ret = { .rebound_return_id = "(00)340434181234567890", .order_ref = "SO0042", .nlines = 1, .lines = lines };
	struct store_event ev = { 0 };
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct cfg c;
	int64_t id = 0;
	bool dup = false;

	assert_int_equal(cfg_load(ini, &c, NULL, &e), ERR_OK);
	assert_int_equal(store_open(&c, &st, &e), ERR_OK);
	assert_int_equal(store_return_create(st, &ret, &id, &e), ERR_OK);
	ev.source = "webhook";
	ev.kind = "tracking";
	ev.dedup_key = "t1";
	ev.rebound_return_id = "(00)340434181234567890";
	ev.order_ref = "SO0042";
	ev.raw_body = "{}";
	ev.raw_len = 2;
	ev.received_at_ms = 1000; /* 1970: old enough to purge */
	assert_int_equal(store_events_add(st, &ev, 1, &id, &dup, &e), ERR_OK);
	store_close(st);
	cfg_release(&c);
}

static void test_cli__status_and_events_show_stored_data(void **state)
{
	json_error_t je;
	json_t *j;
	struct run r;

	(void)state;
	seed();
	r = RUN("returnbridge", "status", "-c", ini, "(00)340434181234567890");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "SO0042"));
	assert_non_null(strstr(r.out, "INTENT"));
	assert_non_null(strstr(r.out, "SKU-RED-M"));
	run_free(&r);

	r = RUN("returnbridge", "status", "-c", ini, "--json", "(00)340434181234567890");
	assert_int_equal(r.rc, CLI_OK);
	j = json_loads(r.out, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "INTENT");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "lines"), 0), "quantity")), 2);
	json_decref(j);
	run_free(&r);

	r = RUN("returnbridge", "status", "-c", ini, "(00)999");
	assert_int_equal(r.rc, CLI_FAIL);
	assert_non_null(strstr(r.err, "no return (00)999"));
	run_free(&r);

	r = RUN("returnbridge", "events", "-c", ini, "--json");
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "\"order_ref\":\"SO0042\""));
	assert_non_null(strstr(r.out, "\"raw_purged\":false"));
	run_free(&r);

	r = RUN("returnbridge", "purge", "-c", ini);
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "purged the raw bodies of 1 event older than 30 days"));
	run_free(&r);

	r = RUN("returnbridge", "events", "-c", ini);
	assert_int_equal(r.rc, CLI_OK);
	assert_non_null(strstr(r.out, "purged"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__help_and_version),
		cmocka_unit_test(test_cli__usage_errors_exit_2),
		cmocka_unit_test(test_cli__check_config_reports_lines),
		cmocka_unit_test(test_cli__events_on_empty_store),
		cmocka_unit_test(test_cli__status_and_events_show_stored_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
