/*
 * Unit tests for sim/rng.c: golden values (the sequence is part of the
 * snapshot format), determinism, rng_below bounds and uniformity,
 * rng_unit range, and that a copied state continues the same sequence.
 * Every test is seeded, so each always draws the same numbers.
 */
#include "config.h"

#include <check.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

#define DRAWS	100000

/*
 * Golden values from the reference splitmix64 and xoroshiro128+
 * (24, 16, 37). Changing them changes every seeded world.
 */
START_TEST(test_golden)
{
	struct rng	r;

	rng_seed(&r, 0);
	ck_assert_uint_eq(r.s[0], 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(r.s[1], 0x6e789e6aa1b965f4ULL);
	ck_assert_uint_eq(rng_next(&r), 0x509946a41cd733a3ULL);
	ck_assert_uint_eq(rng_next(&r), 0xd805fcac6824536eULL);
	ck_assert_uint_eq(rng_next(&r), 0xdadc02f3e3cf7be3ULL);
	ck_assert_uint_eq(rng_next(&r), 0x622e4dd99d2720e5ULL);

	rng_seed(&r, 42);
	ck_assert_uint_eq(rng_next(&r), 0xe6c71559e2525f98ULL);
	ck_assert_uint_eq(rng_next(&r), 0x13b69ac93ec06b57ULL);
	ck_assert_uint_eq(rng_next(&r), 0x879006cb74f40d36ULL);
	ck_assert_uint_eq(rng_next(&r), 0x52d5476ee695f446ULL);
}
END_TEST

START_TEST(test_same_seed)
{
	struct rng	a, b;
	int		i;

	rng_seed(&a, 12345);
	rng_seed(&b, 12345);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_next(&a), rng_next(&b));
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_below(&a, 1000), rng_below(&b, 1000));
	for (i = 0; i < 1000; i++)
		ck_assert(rng_unit(&a) == rng_unit(&b));
}
END_TEST

START_TEST(test_different_seeds)
{
	static const uint64_t	 seeds[] = { 0, 1, 2, 42, UINT64_MAX,
				    0x8000000000000000ULL };
	uint64_t		 first[sizeof seeds / sizeof seeds[0]][4];
	struct rng		 r;
	size_t			 i, j, k, n = sizeof seeds / sizeof seeds[0];

	for (i = 0; i < n; i++) {
		rng_seed(&r, seeds[i]);
		ck_assert(r.s[0] != 0 || r.s[1] != 0);
		for (k = 0; k < 4; k++)
			first[i][k] = rng_next(&r);
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			for (k = 0; k < 4; k++)
				ck_assert_uint_ne(first[i][k], first[j][k]);
		}
	}
}
END_TEST

/* Seed 0 must not give a stuck or trivial generator. */
START_TEST(test_seed_zero)
{
	struct rng	r;
	uint64_t	prev, v, ors = 0, ands = UINT64_MAX;
	int		i;

	rng_seed(&r, 0);
	prev = rng_next(&r);
	for (i = 0; i < 1000; i++) {
		v = rng_next(&r);
		ck_assert_uint_ne(v, prev);
		ors |= v;
		ands &= v;
		prev = v;
	}
	ck_assert_uint_eq(ors, UINT64_MAX);
	ck_assert_uint_eq(ands, 0);
}
END_TEST

START_TEST(test_below_bounds)
{
	static const uint32_t	 ns[] = { 1, 2, 3, 7, 10, 1000, 65537,
				    0x80000000U, 0xc0000000U, UINT32_MAX };
	struct rng		 r;
	size_t			 i;
	uint32_t		 v, max;
	int			 k;

	rng_seed(&r, 7);
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		max = 0;
		for (k = 0; k < 10000; k++) {
			v = rng_below(&r, ns[i]);
			ck_assert_uint_lt(v, ns[i]);
			if (v > max)
				max = v;
		}
		if (ns[i] <= 1000)
			ck_assert_uint_eq(max, ns[i] - 1);	/* all seen */
	}
	ck_assert_uint_eq(rng_below(&r, 0), 0);
}
END_TEST

/*
 * Pearson's chi-square over DRAWS draws into n buckets. With n - 1
 * degrees of freedom its mean is n - 1 and its standard deviation
 * sqrt(2 (n - 1)); the bound is about seven of those above the mean, so
 * a fair generator fails it with probability far below 1e-9. As the
 * draws are seeded, the result never changes.
 */
static double
chi_square(const uint32_t *count, uint32_t n, double total)
{
	double		expect = total / n, d, chi = 0;
	uint32_t	i;

	for (i = 0; i < n; i++) {
		d = count[i] - expect;
		chi += d * d / expect;
	}
	return (chi);
}

START_TEST(test_below_uniform)
{
	static const uint32_t	 ns[] = { 2, 3, 10, 17, 100, 1000 };
	static const double	 bound[] = { 30, 35, 50, 70, 200, 1300 };
	uint32_t		 count[1000];
	struct rng		 r;
	size_t			 i;
	int			 k;

	rng_seed(&r, 2024);
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		memset(count, 0, sizeof count);
		for (k = 0; k < DRAWS; k++)
			count[rng_below(&r, ns[i])]++;
		ck_assert_msg(chi_square(count, ns[i], DRAWS) < bound[i],
		    "n=%u chi2=%f", ns[i], chi_square(count, ns[i], DRAWS));
	}
}
END_TEST

/*
 * For n = 3 * 2^30 a biased "v % n" would land in [0, 2^30) twice as
 * often as it should: a third of the draws belong there, not a half.
 */
START_TEST(test_below_unbiased_large)
{
	struct rng	r;
	uint32_t	count[3] = { 0, 0, 0 };
	int		k;

	rng_seed(&r, 99);
	for (k = 0; k < DRAWS; k++)
		count[rng_below(&r, 0xc0000000U) >> 30]++;
	ck_assert_msg(chi_square(count, 3, DRAWS) < 35, "chi2=%f",
	    chi_square(count, 3, DRAWS));
}
END_TEST

START_TEST(test_unit)
{
	struct rng	r;
	uint32_t	count[16];
	double		sum = 0;
	float		v;
	int		k;

	memset(count, 0, sizeof count);
	rng_seed(&r, 5);
	for (k = 0; k < DRAWS; k++) {
		v = rng_unit(&r);
		ck_assert(v >= 0.0f && v < 1.0f);
		sum += v;
		count[(int)(v * 16)]++;
	}
	ck_assert_double_gt(sum / DRAWS, 0.49);
	ck_assert_double_lt(sum / DRAWS, 0.51);
	ck_assert_msg(chi_square(count, 16, DRAWS) < 80, "chi2=%f",
	    chi_square(count, 16, DRAWS));
}
END_TEST

/* The largest value: the top 24 bits all set give 1 - 2^-24, not 1. */
START_TEST(test_unit_top)
{
	struct rng	r;

	/* s0 + s1 == UINT64_MAX makes the first draw all ones. */
	r.s[0] = UINT64_MAX - 5;
	r.s[1] = 5;
	ck_assert(rng_unit(&r) == 1.0f - 1.0f / 16777216.0f);
	r.s[0] = 0;
	r.s[1] = 1;
	ck_assert(rng_unit(&r) == 0.0f);
}
END_TEST

/* A snapshot is the struct's bytes: a copy must continue identically. */
START_TEST(test_copy_continues)
{
	struct rng	a, b;
	unsigned char	bytes[sizeof a];
	uint64_t	want[100];
	int		i;

	rng_seed(&a, 31337);
	for (i = 0; i < 57; i++)
		(void)rng_next(&a);
	memcpy(bytes, &a, sizeof a);
	for (i = 0; i < 100; i++)
		want[i] = rng_next(&a);
	memcpy(&b, bytes, sizeof b);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(rng_next(&b), want[i]);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	ck_assert_uint_eq(sizeof(struct rng), 16);
}
END_TEST

static Suite *
rng_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("rng");
	tc = tcase_create("core");
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_same_seed);
	tcase_add_test(tc, test_different_seeds);
	tcase_add_test(tc, test_seed_zero);
	tcase_add_test(tc, test_below_bounds);
	tcase_add_test(tc, test_below_uniform);
	tcase_add_test(tc, test_below_unbiased_large);
	tcase_add_test(tc, test_unit);
	tcase_add_test(tc, test_unit_top);
	tcase_add_test(tc, test_copy_continues);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(rng_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
