// SPDX-License-Identifier: GPL-2.0-only
/*
 * Changes of a device's context through the module's domains: two paging
 * domains A and B map the same IOVAs to different pages. Once the call that
 * moves the device (its RID, or one PASID) from A to B has returned, the very
 * next DMA must go through B's tables: an emulated or real IOMMU that kept
 * the old context (context/PASID entry, STE, CD) in a cache the driver did
 * not invalidate lands it in A's page. And an unmap in B must take effect at
 * once: an IOTLB entry tagged with a stale ASID, domain id or PASID shows
 * only at that unmap, not at the first DMA. docs/tests/context.md.
 *
 * Every round warms the old domain's translation first (a DMA through it at
 * the IOVAs), so the old context and translation sit in the IOMMU's caches
 * when the switch happens. Rounds alternate A->B and B->A. The unmap is of
 * the source page: a read the device cannot do is a fault every engine
 * reports (an NVMe controller cannot see a write that went nowhere).
 *
 * The module moves a RID from one test domain to another through the
 * blocked state (ITD_DETACH, then ITD_ATTACH: iommu_attach_device() does not
 * replace), and a PASID by detach and attach (the kernel exports the atomic
 * PASID replace to iommufd only); iommufd_context tests the atomic replaces.
 *
 * Variants: labdev, whose device reports its own faults, and the
 * software engine (the module's bookkeeping only: it walks the domain the
 * module holds, no IOMMU cache). No edu variant: edu cannot see a fault, so
 * each unmap check would wait for the IOMMU driver's rate-limited log (up to
 * 6 s per fault). No nvme variant: QEMU's nvme model completed a Write whose
 * source the IOMMU refused with a success status (x86_64 guest, 2026-12-06),
 * so the unmap check cannot see the fault there.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

#define ROUNDS 4	/* A->B, B->A, A->B, B->A */
#define CTX_PASID 1

FIXTURE(ctx) {
	struct td_fixture f;
	uint32_t dom[2];	/* A and B */
	uint32_t src, dst;	/* two pages each: page i is domain i's */
	uint32_t at;		/* LAB_NO_PASID (the RID) or CTX_PASID */
};
FIXTURE_VARIANT(ctx) { const char *engine; };
FIXTURE_VARIANT_ADD(ctx, labdev) { .engine = "labdev" };
FIXTURE_VARIANT_ADD(ctx, software) { .engine = NULL };

FIXTURE_SETUP(ctx)
{
	TD_SETUP(&self->f, variant->engine);
	TD_NEED_COPY(&self->f);
	TD_NEED_GRANULE(&self->f, SZ_4K, 0, 0);
}

FIXTURE_TEARDOWN(ctx)
{
	TD_TEARDOWN(&self->f);
}

/* Domain i (flags: 0 or ITD_DOMAIN_PASID) maps IOVA_SRC to source page i
 * (read-only) and IOVA_DST to destination page i. */
static void build_domains(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self, uint32_t flags)
{
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &self->src);
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &self->dst);
	for (int i = 0; i < 2; i++)
		test_cmd_copy_domain(flags, &self->dom[i], self->src, i * SZ_4K, self->dst, i * SZ_4K);
}

/* The device's context at self->at moves to domain `to` (from `from`, or from
 * nothing when from is -1). */
static int move_to(FIXTURE_DATA(ctx) *self, int from, int to)
{
	int ret = 0;

	if (self->at == LAB_NO_PASID) {
		if (from >= 0)
			ret = lab_td_detach(self->f.fd);
		return ret ? ret : lab_td_attach(self->f.fd, self->dom[to]);
	}
	if (from >= 0)
		ret = lab_td_detach_pasid(self->f.fd, self->at);
	return ret ? ret : lab_td_attach_pasid(self->f.fd, self->dom[to], self->at);
}

/* Seeds: every fill in every round differs. */
#define SEED(_round, _step, _page) (300 + 8 * (_round) + 2 * (_step) + (_page))

/*
 * ROUNDS transitions at self->at between the two domains, each checked:
 * the old domain warmed, the move, one DMA that must land in the new
 * domain's page only, an unmap of the source in the new domain, one DMA that
 * must fault (reported by the device) and write nothing anywhere.
 */
static void transitions(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self)
{
	/* What each destination page holds: the seed of its last landing. */
	uint32_t held[2] = { 0, 0 };
	const char *at = self->at == LAB_NO_PASID ? "RID" : "PASID 1";
	int st;

	ASSERT_EQ(0, move_to(self, -1, 0)) TH_LOG("%s: attach domain A", at);
	for (int r = 0; r < ROUNDS; r++) {
		int from = r & 1, to = !from;
		uint32_t warm = SEED(r, 0, from);

		/* 1. The old domain's translations, cached: its IOVA_SRC was
		 * unmapped by the round before (when it was the new one). */
		if (r)
			test_cmd_map(self->dom[from], IOVA_SRC, self->src, from * SZ_4K, SZ_4K,
				     ITD_MAP_READ);
		test_cmd_fill(self->src, from * SZ_4K, SZ_4K, warm);
		ASSERT_EQ(ITD_DMA_OK, td_copy_pasid(&self->f, self->at, IOVA_SRC, IOVA_DST, SZ_4K))
			TH_LOG("round %d, %s: warming domain %c", r, at, 'A' + from);
		EXPECT_PATTERN(self->dst, from * SZ_4K, SZ_4K, warm, 0);
		held[from] = warm;

		/* 2. The move, and the very next DMA: the new domain's pages.
		 * The old source page gets new data, so a DMA through the old
		 * tables shows in the old destination page. */
		ASSERT_EQ(0, move_to(self, from, to)) TH_LOG("round %d, %s: domain %c -> %c", r, at,
							      'A' + from, 'A' + to);
		test_cmd_fill(self->src, from * SZ_4K, SZ_4K, SEED(r, 1, from));
		test_cmd_fill(self->src, to * SZ_4K, SZ_4K, SEED(r, 1, to));
		st = td_copy_pasid(&self->f, self->at, IOVA_SRC, IOVA_DST, SZ_4K);
		EXPECT_EQ(0, td_check(&self->f, self->dst, from * SZ_4K, SZ_4K, held[from], 0))
			TH_LOG("round %d, %s: the first DMA after the move %c -> %c landed in the OLD "
			       "domain's page (stale context or IOTLB entry)", r, at, 'A' + from, 'A' + to);
		ASSERT_EQ(ITD_DMA_OK, st) TH_LOG("round %d, %s: the first DMA through domain %c: status %d",
						 r, at, 'A' + to, st);
		EXPECT_EQ(0, td_check(&self->f, self->dst, to * SZ_4K, SZ_4K, SEED(r, 1, to), 0))
			TH_LOG("round %d, %s: the first DMA after the move %c -> %c did not land in the new "
			       "domain's page", r, at, 'A' + from, 'A' + to);
		held[to] = SEED(r, 1, to);

		/* 3. An unmap in the new domain takes effect at once. */
		test_cmd_unmap(self->dom[to], IOVA_SRC, SZ_4K);
		test_cmd_fill(self->src, from * SZ_4K, SZ_4K, SEED(r, 2, from));
		test_cmd_fill(self->src, to * SZ_4K, SZ_4K, SEED(r, 2, to));
		td_faults_drop(&self->f);
		st = td_copy_pasid(&self->f, self->at, IOVA_SRC, IOVA_DST, SZ_4K);
		ASSERT_LE(0, st) TH_LOG("ITD_DMA: %s", strerror(-st));
		/* The data now at the sources must arrive nowhere. (The
		 * destinations may change otherwise: an NVMe copy whose Write
		 * failed still Reads its scratch blocks into the destination.) */
		EXPECT_NE(0, td_check(&self->f, self->dst, to * SZ_4K, SZ_4K, SEED(r, 2, to), 0))
			TH_LOG("round %d, %s: DMA after the unmap in domain %c still read the unmapped "
			       "source (stale IOTLB entry after the move)", r, at, 'A' + to);
		EXPECT_NE(0, td_check(&self->f, self->dst, from * SZ_4K, SZ_4K, SEED(r, 2, from), 0))
			TH_LOG("round %d, %s: DMA after the unmap in domain %c went through the OLD "
			       "domain %c", r, at, 'A' + to, 'A' + from);
		EXPECT_NE(0, td_check(&self->f, self->dst, to * SZ_4K, SZ_4K, SEED(r, 2, from), 0))
			TH_LOG("round %d, %s: DMA after the unmap in domain %c read the OLD domain %c's "
			       "source", r, at, 'A' + to, 'A' + from);
		EXPECT_EQ(ITD_DMA_FAULT, st) TH_LOG("round %d, %s: DMA from an unmapped IOVA: status %d, "
						    "the %s engine reports faults", r, at, st,
						    self->f.software ? "software" : self->f.info.engine);
		EXPECT_TRUE(td_engine_reported(&self->f, IOVA_SRC, 0, self->f.software ? ITD_FAULT_SOURCE_SOFTWARE :
						ITD_FAULT_SOURCE_ENGINE))
			TH_LOG("round %d, %s: no fault record of the engine for the read at %#llx", r, at,
			       IOVA_SRC);
	}
	lab_record_metric("transitions", ROUNDS, "");
}

/* The RID moves between two domains mapping the same IOVAs to different pages. */
TEST_F(ctx, rid_next_dma_uses_new_domain_and_unmap_takes_effect)
{
	self->at = LAB_NO_PASID;
	build_domains(_metadata, self, 0);
	transitions(_metadata, self);
}

/* PASID 1 moves between two domains, the RID blocked. */
TEST_F(ctx, pasid_next_dma_uses_new_domain_and_unmap_takes_effect)
{
	if (self->f.info.max_pasids <= CTX_PASID)
		SKIP(return, "%s: the kernel gives it %u PASIDs (no PASID %u)", self->f.bdf,
		     self->f.info.max_pasids, CTX_PASID);
	self->at = CTX_PASID;
	build_domains(_metadata, self, ITD_DOMAIN_PASID);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	transitions(_metadata, self);
}

TEST_HARNESS_MAIN
