// SPDX-License-Identifier: GPL-2.0-only
/*
 * Changes of a device's context through iommufd: the atomic replace of the
 * HWPT at a device's RID or at one of its PASIDs (VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * over what is attached), and on SMMUv3 the replace of one nested HWPT by
 * another whose vSTE points at another CD (another ASID, other stage-1
 * tables). The two address spaces map the same IOVA to different pages.
 * Once the replace has returned the very next DMA must go through the new
 * tables: the emulated SMMUv3 caches STEs and CDs, VT-d its context and
 * PASID entries, as hardware does, so a missing CFGI or PASID-cache
 * invalidation lands the DMA in the old page (the failure says so). Then an
 * unmap in the new address space must take effect at once: IOTLB entries
 * are tagged (ASID, VMID, domain id, PASID), and a tag left stale by the
 * replace shows only at that unmap. docs/tests/context.md.
 *
 * Every round first warms the old HWPT's translation (a DMA pair through it
 * at the IOVA), then replaces, checks, unmaps, checks; rounds alternate
 * A->B and B->A. Each check is a DMA pair by the device (it writes a pattern
 * and reads it back); the CPU then looks at both pages. Faults are what the
 * device reports itself (LAB_DMA_FAULT; nvme: its read-back differs), never
 * the kernel log.
 *
 * Variants: labdev (RID and PASID), nvme (RID; its queues are control
 * memory mapped in both IOASes), and labdev_nest_parent (both HWPTs nest
 * parents: stage 2 on SMMUv3; VT-d needs ECAP.NEST for them).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"

#define PG 4096u
#define IOVA_DST 0x20000000ull
#define ROUNDS 4		/* A->B, B->A, A->B, B->A */
#define CTX_PASID 1
#define POISON 0xa5

FIXTURE(ctx) {
	int ifd;
	struct idev dev;
	uint32_t ioas[2], hwpt[2];	/* address spaces A and B */
	uint8_t *page[2];		/* IOVA_DST in space i */
	uint32_t at;			/* LAB_NO_PASID or CTX_PASID */
	bool pasid_ok;			/* iommufd reports PASIDs for the device */
};
FIXTURE_VARIANT(ctx) {
	const struct lab_uengine_ops *ops;
	uint32_t hwpt_flags;
};
FIXTURE_VARIANT_ADD(ctx, labdev) { .ops = &lab_uengine_labdev };
FIXTURE_VARIANT_ADD(ctx, nvme) { .ops = &lab_uengine_nvme };
FIXTURE_VARIANT_ADD(ctx, labdev_nest_parent) {
	.ops = &lab_uengine_labdev, .hwpt_flags = LAB_HWPT_NEST_PARENT,
};

FIXTURE_SETUP(ctx)
{
	struct lab_hw_info hw;
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	test_open_vfio_engine(&self->ifd, &self->dev, variant->ops, bdf);
	test_need_writes(&self->dev);
	test_cmd_hw_info(&self->dev, &hw);
	self->pasid_ok = hw.has_max_pasid && hw.max_pasid_log2;
	test_record_engine(&self->dev);
}

FIXTURE_TEARDOWN(ctx)
{
	test_close_idev(self->ifd, &self->dev);
	for (int i = 0; i < 2; i++)
		if (self->page[i])
			munmap(self->page[i], PG);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* Spaces A and B: an IOAS each, IOVA_DST mapped to a page of ours, the
 * engine's control memory, and a HWPT of the variant's kind (plus flags). */
static void build_spaces(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self,
			 const FIXTURE_VARIANT(ctx) *variant, uint32_t flags)
{
	int ret;

	for (int i = 0; i < 2; i++) {
		self->page[i] = test_pages(_metadata, 1);
		test_cmd_ioas_alloc(&self->ioas[i]);
		test_cmd_ioas_map(self->ioas[i], self->page[i], PG, IOVA_DST, LAB_IOAS_READ | LAB_IOAS_WRITE);
		test_cmd_ctrl_map(&self->dev, self->ioas[i]);
		ret = lab_hwpt_alloc(self->ifd, self->dev.id, self->ioas[i], variant->hwpt_flags | flags,
				     &self->hwpt[i]);
		if (ret == -EOPNOTSUPP && variant->hwpt_flags & LAB_HWPT_NEST_PARENT)
			SKIP(return, "%s: the IOMMU driver allocates no nest-parent HWPT for it (%s)",
			     self->dev.pci.bdf, strerror(-ret));
		ASSERT_EQ(0, ret) TH_LOG("space %c: HWPT: %s", 'A' + i, strerror(-ret));
	}
}

/* A DMA pair at IOVA_DST through what is attached at self->at. */
static struct lab_dma_result pair(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self, uint32_t seed)
{
	struct lab_dma_result r = { 0 };

	EXPECT_EQ(0, _test_cmd_dma_pair(&self->dev, IOVA_DST, PG, seed, self->at, &r))
		TH_LOG("%s: DMA pair: %s", self->dev.pci.bdf, self->dev.eng.why);
	return r;
}

static bool poisoned(const uint8_t *p)
{
	for (uint32_t i = 0; i < PG; i++)
		if (p[i] != POISON)
			return false;
	return true;
}

/*
 * ROUNDS replaces at self->at between the spaces' HWPTs, each checked: the
 * old HWPT warmed, the replace, a DMA pair that must land in the new space's
 * page only, an unmap in the new space, a DMA pair that must fault and
 * write nothing.
 */
static void transitions(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self)
{
	const char *at = self->at == LAB_NO_PASID ? "RID" : "PASID 1";
	struct lab_dma_result r;

	test_cmd_attach(&self->dev, self->at, self->hwpt[0]);
	for (int n = 0; n < ROUNDS; n++) {
		int from = n & 1, to = !from;
		uint32_t seed = 0xc0e70000u + 16 * n;

		/* 1. The old HWPT's translation, cached (its IOVA_DST was
		 * unmapped in the round before, when it was the new one). */
		if (n)
			test_cmd_ioas_map(self->ioas[from], self->page[from], PG, IOVA_DST,
					  LAB_IOAS_READ | LAB_IOAS_WRITE);
		memset(self->page[from], 0, PG);
		r = pair(_metadata, self, seed);
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("round %d, %s: warming space %c: %s", n, at, 'A' + from,
						       lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(self->page[from], PG, seed))
			TH_LOG("round %d, %s: the warming pair did not land in space %c", n, at, 'A' + from);

		/* 2. The replace, and the very next DMA: the new page only. */
		test_cmd_replace(&self->dev, self->at, self->hwpt[to]);
		memset(self->page[from], POISON, PG);
		memset(self->page[to], 0, PG);
		r = pair(_metadata, self, seed + 1);
		EXPECT_TRUE(poisoned(self->page[from]))
			TH_LOG("round %d, %s: the first DMA after the replace %c -> %c wrote the OLD "
			       "HWPT's page (stale STE/CD/context or PASID entry, or IOTLB entry)", n, at,
			       'A' + from, 'A' + to);
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("round %d, %s: the first pair through space %c: %s "
						       "(fault at %#llx)", n, at, 'A' + to,
						       lab_dma_status_name(r.status),
						       (unsigned long long)r.fault_iova);
		EXPECT_TRUE(lab_labdev_has_pattern(self->page[to], PG, seed + 1))
			TH_LOG("round %d, %s: the first DMA after the replace %c -> %c did not land in the "
			       "new page", n, at, 'A' + from, 'A' + to);

		/* 3. An unmap in the new space takes effect at once. */
		test_cmd_ioas_unmap(self->ioas[to], IOVA_DST, PG);
		memset(self->page[from], POISON, PG);
		memset(self->page[to], POISON, PG);
		r = pair(_metadata, self, seed + 2);
		EXPECT_TRUE(poisoned(self->page[to]))
			TH_LOG("round %d, %s: DMA after the unmap in space %c still wrote its page "
			       "(stale IOTLB entry after the replace)", n, at, 'A' + to);
		EXPECT_TRUE(poisoned(self->page[from]))
			TH_LOG("round %d, %s: DMA after the unmap in space %c wrote the OLD space %c's page",
			       n, at, 'A' + to, 'A' + from);
		EXPECT_TRUE(lab_dma_pair_blocked(&self->dev.eng, &r))
			TH_LOG("round %d, %s: DMA pair to the unmapped IOVA: %s, expected a fault", n, at,
			       lab_dma_status_name(r.status));
		if (r.status == LAB_DMA_FAULT && !self->dev.eng.ctrl)
			EXPECT_EQ(IOVA_DST, r.fault_iova & ~(uint64_t)(PG - 1))
				TH_LOG("round %d, %s: the device reports the fault at %#llx", n, at,
				       (unsigned long long)r.fault_iova);

		/* 4. Detached after use: the old space's page, whose
		 * translation was used in step 1, stays out of reach. (nvme:
		 * detached, it cannot fetch its commands: not checked.) Then
		 * the new HWPT again, for the next round. */
		if (!self->dev.eng.ctrl) {
			test_cmd_detach(&self->dev, self->at);
			test_cmd_ioas_map(self->ioas[to], self->page[to], PG, IOVA_DST,
					  LAB_IOAS_READ | LAB_IOAS_WRITE);
			memset(self->page[from], POISON, PG);
			memset(self->page[to], POISON, PG);
			r = pair(_metadata, self, seed + 3);
			EXPECT_TRUE(poisoned(self->page[from]) && poisoned(self->page[to]))
				TH_LOG("round %d, %s: DMA after the detach wrote space %c's page (the detach "
				       "left a translation cached)", n, at,
				       poisoned(self->page[from]) ? 'A' + to : 'A' + from);
			EXPECT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("round %d, %s: DMA pair while detached: %s",
								  n, at, lab_dma_status_name(r.status));
			test_cmd_ioas_unmap(self->ioas[to], IOVA_DST, PG);
			test_cmd_attach(&self->dev, self->at, self->hwpt[to]);
		}
	}
	lab_record_metric("transitions", ROUNDS, "");
}

/* The RID's HWPT replaced back and forth between two IOASes' HWPTs. */
TEST_F(ctx, rid_replace_next_dma_uses_new_hwpt_and_unmap_takes_effect)
{
	self->at = LAB_NO_PASID;
	build_spaces(_metadata, self, variant, 0);
	if (_metadata->exit_code == KSFT_SKIP)	/* build_spaces() skipped */
		return;
	transitions(_metadata, self);
}

/* At PASID 1, spaces A and B with PASID-capable HWPTs; a SKIP where the
 * device or the kernel has no such thing (the caller returns on KSFT_SKIP). */
static void pasid_spaces(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self,
			 const FIXTURE_VARIANT(ctx) *variant)
{
	if ((variant->hwpt_flags & LAB_HWPT_NEST_PARENT) &&
	    lab_pci_iommu_type(self->dev.pci.bdf) == LAB_IOMMU_SMMUV3)
		SKIP(return, "a nest parent at a PASID: the kernel's SMMUv3 driver attaches only stage-1 "
		     "domains at PASIDs");
	if (lab_pci_pasid_width(self->dev.pci.bdf) <= 0)
		SKIP(return, "%s (%s) has no PASID capability", self->dev.pci.bdf, self->dev.eng.ops->name);
	if (!self->pasid_ok) {
		if (lab_pci_iommu_type(self->dev.pci.bdf) == LAB_IOMMU_SMMUV3)
			SKIP(return, "%s: iommufd reports no PASIDs for it behind this SMMUv3 (no "
			     "substreams in use)", self->dev.pci.bdf);
		SKIP(return, "%s: iommufd reports no PASIDs for it", self->dev.pci.bdf);
	}
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_PASID);
	self->at = CTX_PASID;
	build_spaces(_metadata, self, variant, LAB_HWPT_PASID);
}

/* PASID 1's HWPT replaced back and forth, the RID unattached (blocked). */
TEST_F(ctx, pasid_replace_next_dma_uses_new_hwpt_and_unmap_takes_effect)
{
	pasid_spaces(_metadata, self, variant);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	transitions(_metadata, self);
}

/*
 * Teardown under DMA: a second thread keeps the device's DMA pairs running
 * at self->at while this one replaces, detaches and re-attaches there. A
 * pair that ran wholly inside one state (no call in progress from its start
 * to its end) must have done what that state says: land in that space's
 * page only, or fault and write nothing when detached; landing in the other
 * space's page is DMA through the old domain after the call returned. A
 * pair that overlapped a call may do either state's, but a pair the device
 * completed must have landed somewhere (else a torn entry translated it).
 */
#define CHURN_MOVES 24
#define CHURN_SETTLE_US 3000	/* per state: time for a few clean pairs */

struct churn {
	FIXTURE_DATA(ctx) *self;
	atomic_uint seq;		/* even: states[seq / 2] holds; odd: a call in progress */
	int states[CHURN_MOVES + 1];	/* the space attached, or -1: detached */
	atomic_bool stop;
	unsigned int clean, overlapped, old_page, torn, not_blocked, errors;
	char first[200];		/* the first wrong pair, described */
};

static void churn_wrong(struct churn *c, unsigned int *counter, const char *what, int state, uint32_t seed,
			unsigned int seq)
{
	if (!(*counter)++ && !c->first[0])
		snprintf(c->first, sizeof(c->first), "pair %#x after move %u, in state %s: %s", seed,
			 seq / 2, state < 0 ? "detached" : state ? "space B" : "space A", what);
}

static void *churn_dma(void *arg)
{
	struct churn *c = arg;
	FIXTURE_DATA(ctx) *self = c->self;
	uint32_t seed = 0xc0e90000u;

	while (!atomic_load(&c->stop)) {
		struct lab_dma_result r = { 0 };
		unsigned int s0, s1;
		bool in[2];
		int ret;

		memset(self->page[0], 0, PG);
		memset(self->page[1], 0, PG);
		seed++;
		s0 = atomic_load(&c->seq);
		ret = _test_cmd_dma_pair(&self->dev, IOVA_DST, PG, seed, self->at, &r);
		s1 = atomic_load(&c->seq);
		if (ret) {
			churn_wrong(c, &c->errors, strerror(-ret), -2, seed, s0);
			continue;
		}
		for (int i = 0; i < 2; i++)
			in[i] = lab_labdev_has_pattern(self->page[i], PG, seed);
		if (s0 != s1 || (s0 & 1)) {
			c->overlapped++;
			if (r.status == LAB_DMA_OK && !in[0] && !in[1])
				churn_wrong(c, &c->torn, "completed, landed in no page", -2, seed, s0);
			continue;
		}
		c->clean++;
		int state = c->states[s0 / 2];

		if (state < 0) {
			if (in[0] || in[1])
				churn_wrong(c, &c->old_page, in[0] ? "detached, yet it wrote space A's page" :
					    "detached, yet it wrote space B's page", state, seed, s0);
			else if (r.status == LAB_DMA_OK)
				churn_wrong(c, &c->not_blocked, "detached, yet the pair completed", state, seed, s0);
		} else if (in[!state]) {
			churn_wrong(c, &c->old_page, "landed in the other (old) space's page", state, seed, s0);
		} else if (r.status != LAB_DMA_OK || !in[state]) {
			churn_wrong(c, &c->torn, lab_dma_status_name(r.status), state, seed, s0);
		}
	}
	return NULL;
}

/*
 * After the churn: a third address space that maps nothing at IOVA_DST (the
 * engine's control memory only), attached where the churn ran. Every pair
 * must fault and leave both pages as they were: a translation of the churn's
 * HWPTs that outlived their teardown (an IOTLB entry filled through an entry
 * being torn down, which no invalidation then removes) shows here, while the
 * pages are still ours; after this process it would write memory the kernel
 * has given to someone else.
 */
#define AFTER_PAIRS 4

static void nothing_outlives_the_churn(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self,
				       uint32_t hwpt_flags, bool attached)
{
	unsigned int landed = 0, completed = 0;
	uint32_t ioas, hwpt;

	test_cmd_ioas_alloc(&ioas);
	test_cmd_ctrl_map(&self->dev, ioas);
	ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->dev.id, ioas, hwpt_flags, &hwpt));
	if (attached) {
		test_cmd_replace(&self->dev, self->at, hwpt);
	} else {
		test_cmd_attach(&self->dev, self->at, hwpt);
	}
	for (uint32_t n = 0; n < AFTER_PAIRS; n++) {
		struct lab_dma_result r;

		memset(self->page[0], POISON, PG);
		memset(self->page[1], POISON, PG);
		r = pair(_metadata, self, 0xc0ea0000u + n);
		landed += !poisoned(self->page[0]) || !poisoned(self->page[1]);
		completed += !lab_dma_pair_blocked(&self->dev.eng, &r);
	}
	lab_record_metric("after_pairs_landed", landed, "");
	EXPECT_EQ(0u, landed) TH_LOG("%u of %u pairs through a HWPT that maps nothing at %#llx landed in a "
				     "page of the churn's address spaces: a translation outlived its "
				     "domain's teardown (stale IOTLB entry)", landed, AFTER_PAIRS,
				     (unsigned long long)IOVA_DST);
	EXPECT_EQ(0u, completed) TH_LOG("%u of %u pairs through a HWPT that maps nothing at %#llx were "
					"not refused", completed, AFTER_PAIRS, (unsigned long long)IOVA_DST);
}

static void teardown_under_dma(struct __test_metadata *_metadata, FIXTURE_DATA(ctx) *self,
			       uint32_t hwpt_flags)
{
	/* Replace both ways, detach, re-attach the other, detach, re-attach. */
	static const int cycle[] = { 1, 0, -1, 1, -1, 0 };
	struct churn c = { .self = self };
	struct timespec settle = { 0, CHURN_SETTLE_US * 1000 };
	pthread_t t;
	int cur = 0;

	test_cmd_attach(&self->dev, self->at, self->hwpt[0]);
	c.states[0] = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_dma, &c));
	for (int i = 0; i < CHURN_MOVES; i++) {
		int next = cycle[i % 6], ret;

		nanosleep(&settle, NULL);
		atomic_fetch_add(&c.seq, 1);
		if (next < 0)
			ret = _test_cmd_detach(self->ifd, &self->dev, self->at);
		else if (cur < 0)
			ret = _test_cmd_attach(self->ifd, &self->dev, self->at, self->hwpt[next]);
		else
			ret = _test_cmd_replace(self->ifd, &self->dev, self->at, self->hwpt[next]);
		c.states[i + 1] = ret ? cur : next;
		atomic_fetch_add(&c.seq, 1);
		EXPECT_EQ(0, ret) TH_LOG("move %d (%d -> %d): %s", i, cur, next, strerror(-ret));
		cur = c.states[i + 1];
	}
	nanosleep(&settle, NULL);
	atomic_store(&c.stop, true);
	pthread_join(t, NULL);

	TH_LOG("%u pairs inside one state, %u across a call", c.clean, c.overlapped);
	lab_record_metric("pairs_clean", c.clean, "");
	lab_record_metric("pairs_overlapping", c.overlapped, "");
	EXPECT_LT(0u, c.clean) TH_LOG("no pair ran inside one state: nothing was checked");
	EXPECT_EQ(0u, c.old_page) TH_LOG("DMA into a page of the old domain after the call returned: %s", c.first);
	EXPECT_EQ(0u, c.torn) TH_LOG("torn translation: %s", c.first);
	EXPECT_EQ(0u, c.not_blocked) TH_LOG("DMA completed while detached: %s", c.first);
	EXPECT_EQ(0u, c.errors) TH_LOG("the engine failed: %s", c.first);
	nothing_outlives_the_churn(_metadata, self, hwpt_flags, cur >= 0);
}

/* Replace, detach and re-attach at the RID while the device's DMA runs. */
TEST_F(ctx, rid_teardown_under_dma_never_reaches_the_old_domain)
{
	if (self->dev.eng.ctrl)
		SKIP(return, "%s fetches its commands by DMA: detached, it cannot be driven (labdev only)",
		     self->dev.eng.ops->name);
	self->at = LAB_NO_PASID;
	build_spaces(_metadata, self, variant, 0);
	if (_metadata->exit_code == KSFT_SKIP)	/* build_spaces() skipped */
		return;
	teardown_under_dma(_metadata, self, variant->hwpt_flags);
}

/* The same at PASID 1. */
TEST_F(ctx, pasid_teardown_under_dma_never_reaches_the_old_domain)
{
	if (self->dev.eng.ctrl)
		SKIP(return, "%s fetches its commands by DMA: detached, it cannot be driven (labdev only)",
		     self->dev.eng.ops->name);
	pasid_spaces(_metadata, self, variant);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	teardown_under_dma(_metadata, self, variant->hwpt_flags | LAB_HWPT_PASID);
}

/*
 * Nested to nested on SMMUv3: one nest parent (stage 2: the IOAS), a
 * vIOMMU and the device's vDEVICE; two nested HWPTs whose vSTEs point at two
 * CDs (ASIDs 7 and 8), each CD at its own stage-1 tables mapping IOVA_DST to
 * its own data page. Replacing one nested HWPT by the other rewrites the
 * device's STE (S1ContextPtr): without the CFGI_STE the SMMU keeps using
 * the old STE, hence the old CD and tables. The unmap in the new tables is
 * the guest's (stage-1 entry cleared, then TLBI_NH_VA of the new ASID
 * through the vIOMMU), as a VM's driver does it.
 */
#define IPA_DATA 0x40000000ull
#define IPA_S1 0x50000000ull
#define NS1 16			/* stage-1 table pages: half for each CD's tables */
#define IPA_CD 0x60000000ull
#define VSID 0x43

FIXTURE(nested_ctx) {
	int ifd;
	struct idev dev;
	uint8_t *data, *s1mem, *cdmem;
	uint32_t ioas, s2_hwpt, viommu, vdev, hwpt[2];
	struct lab_s1pt s1[2];
	uint16_t asid[2];
};

FIXTURE_SETUP(nested_ctx)
{
	char bdf[32];
	uint64_t cd[8], ste[2];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_VIOMMU);
	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, false, 0, bdf))
		SKIP(return, "no labdev function handed to vfio-pci (IOMMU_LAB_VFIO='%s')",
		     getenv("IOMMU_LAB_VFIO") ?: "");
	if (lab_pci_iommu_type(bdf) != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: vSTEs and CDs are SMMUv3's (this IOMMU is another)", bdf);
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_record_engine(&self->dev);

	self->data = test_pages(_metadata, 2);
	self->s1mem = test_pages(_metadata, NS1);
	self->cdmem = test_pages(_metadata, 1);
	test_cmd_ioas_alloc(&self->ioas);
	test_map_stage2(_metadata, self->ifd, self->ioas, self->data, 2, IPA_DATA, self->s1mem, NS1, IPA_S1,
			self->cdmem, IPA_CD, LAB_IOAS_READ);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT, &self->s2_hwpt);
	test_cmd_smmuv3_viommu(&self->dev, self->s2_hwpt, VSID, &self->viommu, &self->vdev);

	/* CD i (64 bytes each, in one page) at IPA_CD + 64 i, ASID 7 + i, over
	 * tables i mapping IOVA_DST to data page i; vSTE i points at CD i. */
	for (int i = 0; i < 2; i++) {
		self->asid[i] = 7 + i;
		ASSERT_EQ(0, lab_s1pt_init(&self->s1[i], LAB_S1PT_ARM_VMSA, self->s1mem + i * (NS1 / 2) * PG,
					   IPA_S1 + i * (NS1 / 2) * PG, NS1 / 2));
		ASSERT_EQ(0, lab_s1pt_map(&self->s1[i], IOVA_DST, IPA_DATA + i * PG, PG,
					  LAB_S1PT_READ | LAB_S1PT_WRITE));
		lab_smmuv3_cd(cd, self->asid[i], self->s1[i].root_ipa, self->s1[i].va_bits);
		memcpy(self->cdmem + i * sizeof(cd), cd, sizeof(cd));
		lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD + i * sizeof(cd));
		test_cmd_hwpt_alloc_vste(&self->dev, self->viommu, ste, &self->hwpt[i]);
	}
}

FIXTURE_TEARDOWN(nested_ctx)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* TLBI_NH_VA of IOVA_DST in ASID asid, through the vIOMMU. */
static void tlbi_va(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ctx) *self, uint16_t asid)
{
	uint64_t cmd[1][2];
	uint32_t done = 0;

	lab_smmuv3_cmd_tlbi_nh_va(cmd[0], asid, IOVA_DST);
	test_cmd_viommu_invalidate(self->viommu, cmd, 1, &done);
	EXPECT_EQ(1, done);
}

TEST_F(nested_ctx, nested_replace_with_another_cd_next_dma_uses_it_and_unmap_takes_effect)
{
	uint8_t *page[2] = { self->data, self->data + PG };
	struct lab_dma_result r;

	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	for (int n = 0; n < ROUNDS; n++) {
		int from = n & 1, to = !from;
		uint32_t seed = 0xc0e80000u + 16 * n;

		/* 1. The old CD's translation, cached (its stage-1 entry was
		 * cleared in the round before, when it was the new one). */
		if (n) {
			ASSERT_EQ(0, lab_s1pt_map(&self->s1[from], IOVA_DST, IPA_DATA + from * PG, PG,
						  LAB_S1PT_READ | LAB_S1PT_WRITE));
			tlbi_va(_metadata, self, self->asid[from]);
		}
		memset(self->data, 0, 2 * PG);
		ASSERT_EQ(0, _test_cmd_dma_pair(&self->dev, IOVA_DST, PG, seed, LAB_NO_PASID, &r));
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("round %d: warming CD %c: %s", n, 'A' + from,
						       lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(page[from], PG, seed));

		/* 2. The replace, and the very next DMA: the new CD's page. */
		test_cmd_replace(&self->dev, LAB_NO_PASID, self->hwpt[to]);
		memset(page[from], POISON, PG);
		memset(page[to], 0, PG);
		ASSERT_EQ(0, _test_cmd_dma_pair(&self->dev, IOVA_DST, PG, seed + 1, LAB_NO_PASID, &r));
		EXPECT_TRUE(poisoned(page[from]))
			TH_LOG("round %d: the first DMA after the nested replace (CD %c -> %c) wrote the OLD "
			       "CD's page (stale STE or CD: CFGI_STE/CFGI_CD missing)", n, 'A' + from, 'A' + to);
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("round %d: the first pair through CD %c: %s", n,
						       'A' + to, lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(page[to], PG, seed + 1))
			TH_LOG("round %d: the first DMA after the nested replace did not land in CD %c's page",
			       n, 'A' + to);

		/* 3. The guest unmaps in the new tables and invalidates. */
		ASSERT_EQ(0, lab_s1pt_unmap(&self->s1[to], IOVA_DST, PG));
		tlbi_va(_metadata, self, self->asid[to]);
		memset(page[from], POISON, PG);
		memset(page[to], POISON, PG);
		ASSERT_EQ(0, _test_cmd_dma_pair(&self->dev, IOVA_DST, PG, seed + 2, LAB_NO_PASID, &r));
		EXPECT_TRUE(poisoned(page[to]))
			TH_LOG("round %d: DMA after the unmap + TLBI_NH_VA (ASID %u) still wrote CD %c's page",
			       n, self->asid[to], 'A' + to);
		EXPECT_TRUE(poisoned(page[from]))
			TH_LOG("round %d: DMA after the unmap in CD %c's tables wrote the OLD CD %c's page",
			       n, 'A' + to, 'A' + from);
		EXPECT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("round %d: DMA pair to the unmapped IOVA: %s", n,
							  lab_dma_status_name(r.status));
	}
	lab_record_metric("transitions", ROUNDS, "");
}

TEST_HARNESS_MAIN
