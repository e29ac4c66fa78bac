// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: DMA throughput tagged with PASIDs next to untagged (RID) DMA,
 * same device, same run: by transfer size (4 KiB .. 2 MiB, one PASID) and
 * by the number of PASIDs in use (1..8, each its own address space, 64 KiB
 * transfers round-robin across them). Numbers are recorded as metrics
 * ("# lab-record metric" -> results JSON); a test's verdict depends only on
 * every transfer completing and the data checked after each batch, never on
 * timing.
 *
 * Variants:
 *   iommufd  labdev bound to vfio-pci (IOMMU_LAB_VFIO): the RID and each
 *            PASID on its own PASID-capable HWPT; DMA pairs (the device
 *            writes a pattern and reads it back) started from userspace
 *   module   labdev handed to iommu_testdev (IOMMU_LAB_TESTDEV): a domain
 *            at the RID and one per PASID; copies started with ITD_DMA
 * Rounds alternate which of the two goes first, and the ratio is taken per
 * round, so slow drift of a noisy host cancels out. docs/tests/bench.md.
 */
#include <errno.h>
#include "kselftest_harness.h"
#include "bench_common.h"
#include "lab_results.h"

BENCH_FIXTURE(bench)

FIXTURE_SETUP(bench)
{
	BENCH_SETUP("labdev");
	if (!self->d.pasids)
		SKIP(return, "%s: nothing to compare", self->d.no_pasids);
	bench_record_engine(&self->d);
}

/* One side of the comparison: transfers at the RID (npasids 0, space 0) or
 * round-robin across PASIDs 1..npasids (PASID p on space p). */
struct side {
	struct bench_dev *d;
	int npasids;
	int round;
};

static uint32_t side_pasid(const struct side *s, long n)
{
	return s->npasids ? 1 + n % s->npasids : BENCH_RID;
}

static int side_transfer(void *ctx, long n)
{
	struct side *s = ctx;

	return bench_transfer(s->d, side_pasid(s, n), (uint32_t)(s->round << 20 | n));
}

/* Untimed, after a batch: every space of the side gets one transfer into its
 * cleared destination, which must then hold that transfer's data. 0 or the
 * failing space's error (*space: which). */
static int side_check(struct side *s, int *space)
{
	for (long n = 0; n < (s->npasids ? s->npasids : 1); n++) {
		uint32_t pasid = side_pasid(s, n);
		int ret;

		*space = pasid == BENCH_RID ? 0 : (int)pasid;
		ret = bench_check(s->d, *space, pasid, 0xc0000000u | s->round << 8 | *space);
		if (ret)
			return ret;
	}
	return 0;
}

static void rid_vs_pasids(struct __test_metadata *_metadata, struct bench_dev *d, uint64_t len, int npasids,
			  const char *tag)
{
	struct side side[2] = { { .d = d }, { .d = d, .npasids = npasids } };
	double rate[2][BENCH_ROUNDS], ratio[BENCH_ROUNDS];
	struct lab_summary s[2], r;
	long total = 0;

	if (d->pasids < (uint32_t)npasids)
		SKIP(return, "%s: PASIDs 1..%u usable, the test needs 1..%d", d->bdf, d->pasids, npasids);
	ASSERT_EQ(0, bench_spaces(d, npasids + 1, len)) TH_LOG("%s", d->why);
	for (int p = 0; p <= npasids; p++) {
		ASSERT_EQ(0, bench_attach(d, p, p ? (uint32_t)p : BENCH_RID)) TH_LOG("space %d", p);
	}
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		for (int k = 0; k < 2; k++) {
			int i = (round + k) % 2;	/* alternate which goes first */
			int ret, space;
			long n;

			side[i].round = round;
			ret = bench_batch(side_transfer, &side[i], &rate[i][round], &n);
			ASSERT_EQ(0, ret) TH_LOG("%s transfer %ld: %d (-errno or the engine's status)",
						 i ? "PASID" : "RID", n, ret);
			total += n;
			ret = side_check(&side[i], &space);
			ASSERT_EQ(0, ret) TH_LOG("space %d: %s", space, ret == -EBADMSG ?
						 "data not where it belongs" : "check transfer failed");
		}
		ratio[round] = rate[1][round] / rate[0][round];
	}
	bench_record(tag, "rid_ops_per_s", rate[0], BENCH_ROUNDS, 1, "ops/s", &s[0]);
	bench_record(tag, "pasid_ops_per_s", rate[1], BENCH_ROUNDS, 1, "ops/s", &s[1]);
	bench_record(tag, "rid_mib_per_s", rate[0], BENCH_ROUNDS, BENCH_MIB(len), "MiB/s", NULL);
	bench_record(tag, "pasid_mib_per_s", rate[1], BENCH_ROUNDS, BENCH_MIB(len), "MiB/s", NULL);
	bench_record(tag, "pasid_to_rid_ratio", ratio, BENCH_ROUNDS, 1, "ratio", &r);
	TH_LOG("%s %s: RID %.0f ops/s (%.1f MiB/s), %d PASID%s %.0f ops/s (%.1f MiB/s), PASID/RID %.3f "
	       "(per-round ratios %.3f..%.3f; %d rounds of >= %.0f ms per side, %ld transfers)",
	       d->module ? "module" : "iommufd", tag, s[0].p50, s[0].p50 * BENCH_MIB(len), npasids,
	       npasids > 1 ? "s" : "", s[1].p50, s[1].p50 * BENCH_MIB(len), r.p50, r.min, r.max, BENCH_ROUNDS,
	       BENCH_BATCH_S * 1000, total);
}

/* By transfer size: the per-operation cost (small) against the per-page
 * translation cost (large), up to labdev's largest transfer (2 MiB). */
TEST_F(bench, rid_vs_pasid_4k) { rid_vs_pasids(_metadata, &self->d, 4 << 10, 1, "4k"); }
TEST_F(bench, rid_vs_pasid_16k) { rid_vs_pasids(_metadata, &self->d, 16 << 10, 1, "16k"); }
TEST_F(bench, rid_vs_pasid_64k) { rid_vs_pasids(_metadata, &self->d, 64 << 10, 1, "64k"); }
TEST_F(bench, rid_vs_pasid_256k) { rid_vs_pasids(_metadata, &self->d, 256 << 10, 1, "256k"); }
TEST_F(bench, rid_vs_pasid_1m) { rid_vs_pasids(_metadata, &self->d, 1 << 20, 1, "1m"); }
TEST_F(bench, rid_vs_pasid_2m) { rid_vs_pasids(_metadata, &self->d, 2 << 20, 1, "2m"); }

/* By PASIDs in use: each its own address space, so the IOMMU's caches hold
 * that many translations for one device. */
TEST_F(bench, pasids_1) { rid_vs_pasids(_metadata, &self->d, 64 << 10, 1, "pasids_1"); }
TEST_F(bench, pasids_2) { rid_vs_pasids(_metadata, &self->d, 64 << 10, 2, "pasids_2"); }
TEST_F(bench, pasids_4) { rid_vs_pasids(_metadata, &self->d, 64 << 10, 4, "pasids_4"); }
TEST_F(bench, pasids_8) { rid_vs_pasids(_metadata, &self->d, 64 << 10, 8, "pasids_8"); }

TEST_HARNESS_MAIN
