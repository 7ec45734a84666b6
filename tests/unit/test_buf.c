/* Unit tests for util/buf: growth, the size cap and its sticky error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"

static void test_buf__appends_and_terminates(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_string_equal(buf_str(&b), "");
	buf_adds(&b, "return ");
	buf_addf(&b, "%s-%d", "RB", 42);
	buf_addc(&b, '!');
	assert_int_equal(buf_failed(&b), ERR_OK);
	assert_string_equal(buf_str(&b), "return RB-42!");
	assert_int_equal(b.len, 13);
	buf_release(&b);
}

static void test_buf__cap_sets_sticky_error(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	buf_adds(&b, "12345678");
	assert_int_equal(buf_failed(&b), ERR_OK);
	buf_addc(&b, '9');
	assert_int_equal(buf_failed(&b), ERR_TOO_BIG);
	/* sticky: a later small append does not clear it or add anything */
	buf_adds(&b, "");
	buf_addf(&b, "%d", 1);
	assert_int_equal(buf_failed(&b), ERR_TOO_BIG);
	assert_string_equal(buf_str(&b), "12345678");
	buf_reset(&b);
	assert_int_equal(buf_failed(&b), ERR_OK);
	buf_release(&b);
}

static void test_buf__grows_past_initial_allocation(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 10000);
	assert_int_equal(strlen(buf_str(&b)), 10000);
	assert_int_equal(buf_str(&b)[26], 'a');
	buf_release(&b);
}

static void test_buf__detach_hands_over_memory(void **state)
{
	struct buf b = BUF_INIT(64);
	size_t len = 0;
	char *p;

	(void)state;
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_adds(&b, "abc");
	p = buf_detach(&b, &len);
	assert_int_equal(len, 3);
	assert_string_equal(p, "abc");
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__appends_and_terminates),
		cmocka_unit_test(test_buf__cap_sets_sticky_error),
		cmocka_unit_test(test_buf__grows_past_initial_allocation),
		cmocka_unit_test(test_buf__detach_hands_over_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
