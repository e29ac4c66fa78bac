// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: DMA pairs per second through iommufd at the RID, by engine, for
 * 4 KiB and 1 MiB transfers, in the same run: labdev (iommu-lab's emulated
 * test device: one register write, and the emulator writes the pattern,
 * reads it back and compares) beside nvme (any NVMe controller with a
 * scratch range: a pair is three commands, Write of the pattern from the
 * engine's control memory to the scratch LBAs, Read of them into the
 * destination, Compare of the destination with them). The figures say what
 * a pair costs with each device, so that the nvme variants of the other
 * programs can be read against the labdev ones. A verdict depends only on
 * every pair completing and the data checked after each round, never on
 * timing. docs/tests/bench.md.
 */
#include <errno.h>
#include <string.h>
#include "kselftest_harness.h"
#include "bench_common.h"
#include "lab_results.h"

FIXTURE(pairs) { struct bench_dev d; };
FIXTURE_VARIANT(pairs) { const char *engine; };
FIXTURE_VARIANT_ADD(pairs, labdev) { .engine = "labdev" };
FIXTURE_VARIANT_ADD(pairs, nvme) { .engine = "nvme" };
FIXTURE_TEARDOWN(pairs) { bench_close(&self->d); }

FIXTURE_SETUP(pairs)
{
	int ret = bench_open(&self->d, false, variant->engine);

	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->d.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->d.why);
}

struct batch {
	struct bench_dev *d;
	uint32_t seed;
};

/* One timed pair. The seed stays the same within a batch: nvme then fills
 * its pattern once, and the batch times the device, not that fill. */
static int one_pair(void *ctx, long n __attribute__((unused)))
{
	struct batch *b = ctx;

	return bench_transfer(b->d, BENCH_RID, b->seed);
}

static void rate(struct __test_metadata *_metadata, struct bench_dev *d, uint32_t len, const char *tag)
{
	struct lab_uengine_limits lim;
	double per_s[BENCH_ROUNDS];
	struct lab_summary s;
	long total = 0;
	int ret;

	ASSERT_EQ(0, bench_spaces(d, 1, len)) TH_LOG("%s", d->why);
	ASSERT_EQ(0, bench_attach(d, 0, BENCH_RID));
	/* Attached: an engine that sets its device up first can say its limits. */
	ret = lab_uengine_limits(&d->eng, &lim);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s %s", d->bdf, strerror(-ret), d->eng.why);
	if (lim.max_write < len)
		SKIP(return, "%s (%s): pairs of at most %u bytes (its scratch range), the test needs %u", d->bdf,
		     d->engine, lim.max_write, len);
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		struct batch b = { .d = d, .seed = 0xb0000000u | (uint32_t)round };
		long n;

		ret = bench_batch(one_pair, &b, &per_s[round], &n);
		ASSERT_EQ(0, ret) TH_LOG("pair %ld: %d (-errno or the engine's status) %s", total + n, ret, d->eng.why);
		total += n;
		/* Untimed: the destination cleared, one more pair, the CPU checks it. */
		ret = bench_check(d, 0, BENCH_RID, 0xc0000000u | (uint32_t)round);
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, ret == -EBADMSG ? "data not where it belongs" :
					 "check pair failed");
	}
	bench_record_engine(d);
	bench_record(tag, "pairs_per_s", per_s, BENCH_ROUNDS, 1, "ops/s", &s);
	bench_record(tag, "mib_per_s", per_s, BENCH_ROUNDS, BENCH_MIB(len), "MiB/s", NULL);
	TH_LOG("%s %s: %.0f pairs per second, %.1f MiB/s (rounds %.0f..%.0f; %d rounds of >= %.0f ms, %ld pairs)",
	       d->engine, tag, s.p50, s.p50 * BENCH_MIB(len), s.min, s.max, BENCH_ROUNDS, BENCH_BATCH_S * 1000,
	       total);
}

TEST_F(pairs, rate_4k) { rate(_metadata, &self->d, 4 << 10, "4k"); }
TEST_F(pairs, rate_1m) { rate(_metadata, &self->d, 1 << 20, "1m"); }

TEST_HARNESS_MAIN
