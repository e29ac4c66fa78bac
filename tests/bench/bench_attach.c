// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: how many attach+detach cycles and how many replaces (one
 * address space swapped for another without detaching) a device gets
 * through per second, at the RID and at PASID 1. Each rate is timed in
 * several rounds and recorded with their range; after the rounds one DMA
 * transfer through the final attachment must land in that attachment's
 * buffer, so a broken attach cannot produce a figure. The verdict never
 * depends on timing.
 *
 * Variants:
 *   iommufd  labdev bound to vfio-pci (IOMMU_LAB_VFIO): HWPTs attached with
 *            VFIO_DEVICE_ATTACH/DETACH_IOMMUFD_PT (iommufd_device_attach,
 *            _replace, _detach)
 *   module   labdev handed to iommu_testdev (IOMMU_LAB_TESTDEV): domains
 *            attached with ITD_ATTACH/ITD_DETACH (iommu_attach_device,
 *            iommu_attach_device_pasid and their detach)
 * docs/tests/bench.md.
 */
#include <errno.h>
#include <string.h>
#include "kselftest_harness.h"
#include "bench_common.h"
#include "lab_results.h"

/* Spaces 0 and 1 are attached, detached and swapped; space 2 stays at the
 * RID while PASID 1 is measured, the way a PASID is used beside a RID. */
#define SPACES 3
#define KEEP_AT_RID 2

BENCH_FIXTURE(attach)

FIXTURE_SETUP(attach)
{
	int ret;

	BENCH_SETUP(NULL);
	ret = bench_spaces(&self->d, SPACES, 4096);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->d.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->d.why);
}

struct churn {
	struct bench_dev *d;
	uint32_t pasid;
	int cur;	/* the space attached at pasid */
};

static int attach_detach(void *ctx, long n __attribute__((unused)))
{
	struct churn *c = ctx;
	int ret = bench_attach(c->d, 0, c->pasid);

	return ret ? ret : bench_detach(c->d, c->pasid);
}

static int replace(void *ctx, long n __attribute__((unused)))
{
	struct churn *c = ctx;
	int ret = bench_attach(c->d, !c->cur, c->pasid);

	if (!ret)
		c->cur = !c->cur;
	return ret;
}

static void rate(struct __test_metadata *_metadata, struct bench_dev *d, uint32_t pasid, bool swap)
{
	const char *where = pasid == BENCH_RID ? "rid" : "pasid";
	struct churn c = { .d = d, .pasid = pasid };
	double per_s[BENCH_ROUNDS];
	struct lab_summary s;
	long total = 0;
	int ret;

	if (pasid != BENCH_RID) {
		if (!d->pasids)
			SKIP(return, "%s: nothing to attach at PASID 1", d->no_pasids);
		ASSERT_EQ(0, bench_attach(d, KEEP_AT_RID, BENCH_RID));
	}
	if (swap && d->module)
		SKIP(return, "iommu_testdev cannot replace: the kernel exports domain replace to iommufd "
		     "only (iommu_replace_group_handle, iommu_replace_device_pasid: IOMMUFD_INTERNAL), "
		     "so ITD_ATTACH over an attached domain is -EBUSY");
	if (swap)
		ASSERT_EQ(0, bench_attach(d, c.cur, pasid));
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		long n;

		ret = bench_batch(swap ? replace : attach_detach, &c, &per_s[round], &n);
		ASSERT_EQ(0, ret) TH_LOG("%s %s %ld: %s", where, swap ? "replace" : "attach/detach", total + n,
					 strerror(-ret));
		total += n;
	}
	/* The figure counts only if the last attachment translates: one transfer
	 * must land in the buffer of the space attached last, not the other's. */
	if (!swap)
		ASSERT_EQ(0, bench_attach(d, c.cur, pasid));
	ret = bench_check(d, c.cur, pasid, 0x5eed0000u | c.cur);
	ASSERT_EQ(0, ret) TH_LOG("DMA through space %d at the %s after %ld %s: %s", c.cur, where, total,
				 swap ? "replaces" : "attach/detach cycles",
				 ret == -EBADMSG ? "data not where it belongs" : "transfer failed");
	bench_record_engine(d);
	bench_record(where, swap ? "replace_per_s" : "attach_detach_per_s", per_s, BENCH_ROUNDS, 1, "ops/s", &s);
	TH_LOG("%s %s: %.0f %s per second (rounds %.0f..%.0f; %d rounds of >= %.0f ms, %ld in all)",
	       d->module ? "module" : "iommufd", where, s.p50, swap ? "replaces" : "attach+detach cycles",
	       s.min, s.max, BENCH_ROUNDS, BENCH_BATCH_S * 1000, total);
}

TEST_F(attach, rid_attach_detach) { rate(_metadata, &self->d, BENCH_RID, false); }
TEST_F(attach, rid_replace) { rate(_metadata, &self->d, BENCH_RID, true); }
TEST_F(attach, pasid_attach_detach) { rate(_metadata, &self->d, 1, false); }
TEST_F(attach, pasid_replace) { rate(_metadata, &self->d, 1, true); }

TEST_HARNESS_MAIN
