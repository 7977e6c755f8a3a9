/* Unit tests for src/utf8.c. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

START_TEST(test_prefix_ascii)
{
	ck_assert_uint_eq(utf8_prefix_len("hello", 10), 5);
	ck_assert_uint_eq(utf8_prefix_len("hello", 3), 3);
	ck_assert_uint_eq(utf8_prefix_len("", 3), 0);
}
END_TEST

START_TEST(test_prefix_multibyte)
{
	/* "é" is 2 bytes, "€" 3, "𝄞" 4: never cut inside one. */
	ck_assert_uint_eq(utf8_prefix_len("\xc3\xa9\xc3\xa9", 3), 2);
	ck_assert_uint_eq(utf8_prefix_len("a\xe2\x82\xac", 3), 1);
	ck_assert_uint_eq(utf8_prefix_len("a\xe2\x82\xac", 4), 4);
	ck_assert_uint_eq(utf8_prefix_len("\xf0\x9d\x84\x9e", 3), 0);
	ck_assert(utf8_valid("\xc3\xa9\xc3\xa9", utf8_prefix_len(
	    "\xc3\xa9\xc3\xa9", 3)));
}
END_TEST

START_TEST(test_valid)
{
	static const char *good[] = { "", "abc", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9d\x84\x9e", "\xf4\x8f\xbf\xbf", "a\xc3\xa9z" };
	static const char *bad[] = { "\xff", "\xc3", "\xc3(", "\xc0\xaf",
	    "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	    "\xf0\x9d\x84", "\x80", "a\xe2\x82" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(utf8_valid(good[i], strlen(good[i])),
		    "good[%zu] refused", i);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!utf8_valid(bad[i], strlen(bad[i])),
		    "bad[%zu] accepted", i);
	/* An embedded NUL is valid UTF-8; callers that need C strings check. */
	ck_assert(utf8_valid("a\0b", 3));
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_prefix_ascii);
	tcase_add_test(tc, test_prefix_multibyte);
	tcase_add_test(tc, test_valid);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(utf8_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
