// SPDX-License-Identifier: GPL-2.0-only
/* Summary statistics: hand-computed values. */
#include "kselftest_harness.h"
#include "stats.h"

#define EXPECT_NEAR(want, got) EXPECT_TRUE(__builtin_fabs((want) - (got)) < 1e-9)

TEST(summary_of_known_samples)
{
	/* 1..10 shuffled: mean 5.5, sample variance 110/12 = 9.1667, sd 3.02765 */
	double s[] = { 7, 3, 10, 1, 5, 9, 2, 8, 4, 6 };
	struct lab_summary m;

	lab_summarize(s, 10, &m);
	EXPECT_EQ(10, m.n);
	EXPECT_NEAR(1, m.min);
	EXPECT_NEAR(10, m.max);
	EXPECT_NEAR(5.5, m.mean);
	EXPECT_TRUE(__builtin_fabs(m.stddev - 3.0276503540974917) < 1e-12);
	/* p50: rank 4.5 between 5 and 6; p99: rank 8.91 -> 9.91; p99.9: rank 8.991 -> 9.991 */
	EXPECT_NEAR(5.5, m.p50);
	EXPECT_NEAR(9.91, m.p99);
	EXPECT_NEAR(9.991, m.p999);
}

TEST(edge_cases)
{
	double one = 42;
	struct lab_summary m;

	lab_summarize(NULL, 0, &m);
	EXPECT_EQ(0, m.n);
	lab_summarize(&one, 1, &m);
	EXPECT_NEAR(42, m.p50);
	EXPECT_NEAR(0, m.stddev);
	EXPECT_NEAR(42, lab_percentile(&one, 1, 0));
	EXPECT_NEAR(42, lab_percentile(&one, 1, 100));
}

TEST_HARNESS_MAIN
