/* Unit tests for core/disposition: grade over reason over default, keys
 * without case, symbolic targets to the configured locations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/disposition.h"

static const char text[] =
	"[disposition]\n"
	"stock = WH/Stock\n"
	"quarantine = WH/Quarantine\n"
	"scrap = Virtual Locations/Scrap\n"
	"default = quarantine\n"
	"[disposition.reason]\n"
	"Too large = stock\n"
	"Wrong item sent = WH/Returns/Inspect\n"
	"[disposition.grade]\n"
	"A = stock\n"
	"D = scrap\n";

static void test_disposition__grade_reason_default(void **state)
{
	struct cfg c;
	struct disposition d;

	(void)state;
	assert_int_equal(cfg_load_string(text, "t.ini", NULL, &c, NULL, NULL), ERR_OK);
	disposition_for(&c, "too LARGE", NULL, &d);
	assert_int_equal(d.kind, DISPOSITION_STOCK);
	assert_string_equal(d.location, "WH/Stock");
	assert_string_equal(d.source, "reason");
	/* the hub graded it D: scrap, whatever the customer said */
	disposition_for(&c, "Too large", "d", &d);
	assert_int_equal(d.kind, DISPOSITION_SCRAP);
	assert_string_equal(d.location, "Virtual Locations/Scrap");
	assert_string_equal(d.source, "grade");
	/* an unknown grade falls back to the reason */
	disposition_for(&c, "Wrong item sent", "Z", &d);
	assert_int_equal(d.kind, DISPOSITION_LOCATION);
	assert_string_equal(d.location, "WH/Returns/Inspect");
	disposition_for(&c, "Broken", "", &d);
	assert_int_equal(d.kind, DISPOSITION_QUARANTINE);
	assert_string_equal(d.location, "WH/Quarantine");
	assert_string_equal(d.source, "default");
	disposition_for(&c, NULL, NULL, &d);
	assert_string_equal(disposition_kind_name(d.kind), "quarantine");
	cfg_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disposition__grade_reason_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
