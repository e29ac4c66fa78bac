// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d nested translation through iommufd, the VT-d-only cases beside
 * iommufd_nested (which runs the generic ones on VT-d too): the test owns the
 * first stage (Intel first-stage tables, IA-32e format, VT-d 9.7, in memory it
 * maps into the IOAS) and the host kernel the second stage (the IOAS through a
 * nest-parent HWPT). A nested HWPT (IOMMU_HWPT_DATA_VTD_S1) names the
 * first-stage root; the kernel writes a PASID-table entry with PGTT = nested
 * (VT-d 9.6) and the IOMMU walks IOVA -> GPA -> HPA (VT-d 3.8).
 *
 * - The nested HWPT's invalidation (IOMMU_HWPT_INVALIDATE_DATA_VTD_S1): an
 *   array stops at the first entry the kernel refuses and says which
 *   (entry_num), the entries before it take effect, and refused ones change
 *   nothing.
 * - Bad first-stage data is refused (at allocation or at attach), and a
 *   refused attach leaves the device translating through its old HWPT;
 *   first-stage data the kernel cannot check (a root the second stage does
 *   not map) faults in the IOMMU's walk.
 * - A nest parent refuses read-only mappings (Linux's rule on VT-d).
 * - The fault reason names the stage that failed (VT-d 7.1.3).
 * - nested -> second stage only -> nested, switched while a thread does DMA.
 * - Nested at PASIDs (vSVA): each PASID through its own nested HWPT, and
 *   invalidating one leaves the other's translations.
 *
 * labdev only: its faults are reported by the device itself (LAB_DMA_FAULT
 * with the faulting IOVA), so nothing waits for the kernel log except the two
 * tests whose behaviour is the logged reason; nvme runs the generic nested
 * tests in iommufd_nested. Needs VT-d with ECAP.NEST (the testbed's x86_64
 * guest: QEMU x-nested=on, patches 0017-0019). The pair rate nested beside
 * second stage only is tests/bench/bench_nested. docs/tests/nested.md.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"
#include "lab_iommufd.h"

#define PG 4096u
/* Second-stage (GPA) layout: data pages, the first-stage table pool. */
#define GPA_DATA 0x40000000ull
#define NDATA 4
#define GPA_S1 0x50000000ull
#define NS1 16
#define GPA_UNMAPPED 0x7f000000ull	/* nothing in the IOAS here */
/* First-stage inputs. */
#define IOVA_A 0x10000000ull
#define IOVA_B 0x10001000ull
/* An IOVA that is also a mapped GPA: nested, the first stage sends it to
 * data page 0; second stage only, it is data page 2 itself. */
#define IOVA_BOTH (GPA_DATA + 2 * PG)

/* uAPI values (include/uapi/linux/iommufd.h), kept here so the program
 * builds against older headers too (the library then says EOPNOTSUPP). */
#define VTD_S1_SRE (1u << 0)		/* IOMMU_VTD_S1_SRE: supervisor requests */
#define VTD_S1_EAFE (1u << 1)		/* IOMMU_VTD_S1_EAFE: extended access flag */
#define VTD_INV_LEAF (1u << 0)		/* IOMMU_VTD_INV_FLAGS_LEAF */
/* ECAP bits (VT-d 11.4.3) */
#define ECAP_SRS(e) (((e) >> 31) & 1)
#define ECAP_EAFS(e) (((e) >> 34) & 1)
#define CAP_FL5LP(c) (((c) >> 60) & 1)

FIXTURE(nested_vtd) {
	int ifd;
	struct idev dev;
	uint8_t *data, *s1mem;
	uint32_t ioas, s2_hwpt, nested_hwpt;
	struct lab_s1pt s1;
	uint64_t cap, ecap;
	struct lab_kmsg_mark mark;
	bool kmsg_ok;
};

FIXTURE_VARIANT(nested_vtd) { const struct lab_uengine_ops *ops; };
/* labdev only: see the top of the file. */
FIXTURE_VARIANT_ADD(nested_vtd, labdev) { .ops = &lab_uengine_labdev };

FIXTURE_SETUP(nested_vtd)
{
	struct lab_hw_info hw;
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_VIOMMU);
	test_open_vfio_engine(&self->ifd, &self->dev, variant->ops, bdf);
	if (lab_pci_iommu_type(bdf) != LAB_IOMMU_VTD)
		SKIP(return, "%s is not behind VT-d: these are the VT-d nesting cases", bdf);
	test_cmd_hw_info(&self->dev, &hw);
	ASSERT_EQ(2, hw.nregs) TH_LOG("VT-d hw_info: CAP and ECAP expected");
	self->cap = hw.regs[0];
	self->ecap = hw.regs[1];
	if (!lab_hw_info_vtd_nests(&hw))
		SKIP(return, "VT-d: ECAP.NEST not set (the IOMMU cannot nest)");
	test_record_engine(&self->dev);
	self->kmsg_ok = !lab_kmsg_mark(&self->mark);

	self->data = test_pages(_metadata, NDATA);
	self->s1mem = test_pages(_metadata, NS1);
	test_cmd_ioas_alloc(&self->ioas);
	test_map_each_page(_metadata, self->ifd, self->ioas, self->data, NDATA, GPA_DATA);
	/* Writable: Linux refuses read-only mappings in a VT-d nest parent
	 * (nest_parent_refuses_read_only_mappings below). */
	test_cmd_ioas_map(self->ioas, self->s1mem, NS1 * PG, GPA_S1, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT, &self->s2_hwpt);
	/* The first half of the pool; the PASID test builds tables in the second. */
	ASSERT_EQ(0, lab_s1pt_init(&self->s1, LAB_S1PT_INTEL_FS, self->s1mem, GPA_S1, NS1 / 2));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, GPA_DATA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_B, GPA_DATA + PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_BOTH, GPA_DATA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	test_cmd_hwpt_alloc_vtd_s1(&self->dev, self->s2_hwpt, self->s1.root_ipa, self->s1.va_bits, 0,
				   &self->nested_hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
}

FIXTURE_TEARDOWN(nested_vtd)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* The data page a DMA pair for seed landed in, -1 none, -2 more than one. */
static int landed_in(const uint8_t *data, uint32_t seed)
{
	int page = -1;

	for (int i = 0; i < NDATA; i++) {
		if (lab_labdev_has_pattern(data + i * PG, PG, seed))
			page = page == -1 ? i : -2;
	}
	return page;
}

/* A labdev DMA pair at iova faults (the device reports it) and writes nothing. */
static void faults(struct __test_metadata *_metadata, FIXTURE_DATA(nested_vtd) *self, uint64_t iova,
		   const char *step)
{
	struct lab_dma_result r;

	memset(self->data, 0, NDATA * PG);
	if (self->kmsg_ok)
		lab_kmsg_mark(&self->mark);
	test_cmd_dma_pair(&self->dev, iova, PG, 0x5eed, LAB_NO_PASID, &r);
	ASSERT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("%s: labdev DMA pair at %#llx: %s, expected a fault", step,
						  (unsigned long long)iova, lab_dma_status_name(r.status));
	EXPECT_EQ(iova, r.fault_iova & ~(uint64_t)(PG - 1)) TH_LOG("%s: labdev faulted elsewhere", step);
	for (int i = 0; i < NDATA; i++) {
		EXPECT_TRUE(lab_mem_is_zero(self->data + i * PG, PG)) TH_LOG("%s: data page %d written", step, i);
	}
}

#define expect_lands(_iova, _page, _step) \
	test_pair_lands_in_page(_metadata, &self->dev, self->data, NDATA, _iova, _page, _step)
#define expect_faults(_iova, _step) faults(_metadata, self, _iova, _step)

/*
 * The reason the IOMMU recorded for the last fault at iova (after
 * expect_faults), as the kernel logged it (test_fault_logged()): the one
 * kernel-log record these tests wait for, where the reason is the behaviour.
 */
static void expect_reason(struct __test_metadata *_metadata, FIXTURE_DATA(nested_vtd) *self, uint64_t iova,
			  unsigned int want, const char *what)
{
	struct lab_fault_rec recs[16];
	unsigned int got;
	int i;

	if (!self->kmsg_ok)
		SKIP(return, "the kernel log is not readable: cannot see the fault reason");
	i = test_fault_logged(_metadata, &self->dev, &self->mark, iova, recs, 16);
	got = (unsigned int)strtoul(recs[i].reason, NULL, 16);
	TH_LOG("%s at %#llx: fault reason %s", what, (unsigned long long)iova, recs[i].reason);
	EXPECT_EQ(want, got) TH_LOG("%s: expected fault reason %#x", what, want);
}

/* One invalidation array on the nested HWPT: its return and entry_num. */
static int invalidate(FIXTURE_DATA(nested_vtd) *self, const struct lab_vtd_s1_inv *e, uint32_t n,
		      uint32_t *done)
{
	*done = 0xdead;
	return lab_hwpt_invalidate_vtd_s1_n(self->ifd, self->nested_hwpt, e, n, done);
}

/*
 * An invalidation array stops at the first entry the kernel refuses: the
 * call fails with that entry's errno, entry_num is its index, and the entries
 * before it took effect (IOVA_A moved and was invalidated: DMA uses the new
 * page). Resubmitting the rest invalidates IOVA_B. Every kind of bad entry
 * (unaligned address, an all-pages range that does not start at 0, an unknown
 * flag, a reserved field set) is refused alone with entry_num 0; the good
 * forms (one page, LEAF, everything) are taken.
 */
TEST_F(nested_vtd, invalidation_stops_at_the_refused_entry_and_says_which)
{
	struct lab_vtd_s1_inv e[3] = {
		{ .addr = IOVA_A, .npages = 1 },
		{ .addr = IOVA_A + 1, .npages = 1 },	/* not 4 KiB aligned: EINVAL */
		{ .addr = IOVA_B, .npages = 1 },
	};
	struct lab_vtd_s1_inv bad[] = {
		{ .addr = IOVA_A, .npages = UINT64_MAX },	/* "all pages" from a non-zero address */
		{ .addr = IOVA_A, .npages = 1, .flags = 1u << 1 },	/* no such flag */
		{ .addr = IOVA_A, .npages = 1, .reserved = 1 },
	};
	const int bad_errno[] = { EINVAL, EOPNOTSUPP, EOPNOTSUPP };
	struct lab_vtd_s1_inv good[] = {
		{ .addr = IOVA_A, .npages = 1, .flags = VTD_INV_LEAF },
		{ .addr = 0, .npages = UINT64_MAX },
	};
	struct lab_dma_result r;
	uint32_t done;
	int ret, page;

	expect_lands(IOVA_A, 0, "A before the change");
	expect_lands(IOVA_B, 1, "B before the change");
	/* Both move to data page 2 in the first stage. */
	ASSERT_EQ(0, lab_s1pt_unmap(&self->s1, IOVA_A, PG));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, GPA_DATA + 2 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_unmap(&self->s1, IOVA_B, PG));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_B, GPA_DATA + 2 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));

	ret = invalidate(self, e, 3, &done);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("an array with an unaligned entry at index 1: %s", strerror(-ret));
	EXPECT_EQ(1u, done) TH_LOG("entry_num: the index of the refused entry");
	expect_lands(IOVA_A, 2, "A: its entry (index 0) was handled");
	/* B's entry was not: what a cached translation does is the IOMMU's. */
	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, IOVA_B, PG, 0x6b, LAB_NO_PASID, &r);
	page = r.status == LAB_DMA_OK ? landed_in(self->data, 0x6b) : -1;
	TH_LOG("B before its invalidation: %s", page == 1 ? "the stale translation (page 1)" :
	       page == 2 ? "the new translation (page 2)" : lab_dma_status_name(r.status));
	EXPECT_TRUE(page == 1 || page == 2) TH_LOG("B landed in page %d (%s)", page, lab_dma_status_name(r.status));
	lab_record_metric("stale_s1_translation_observed", page == 1, "bool");
	ret = invalidate(self, &e[2], 1, &done);
	EXPECT_EQ(0, ret) TH_LOG("the rest of the array: %s", strerror(-ret));
	EXPECT_EQ(1u, done);
	expect_lands(IOVA_B, 2, "B after its invalidation");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = invalidate(self, &bad[i], 1, &done);
		EXPECT_EQ(-bad_errno[i], ret) TH_LOG("bad entry %zu: %s", i, strerror(-ret));
		EXPECT_EQ(0u, done) TH_LOG("bad entry %zu: entry_num", i);
	}
	ret = invalidate(self, good, 2, &done);
	EXPECT_EQ(0, ret) TH_LOG("LEAF and all pages: %s", strerror(-ret));
	EXPECT_EQ(2u, done);
	/* Nothing lost: both still translate through the nested HWPT. */
	expect_lands(IOVA_A, 2, "A after the refused entries");
	expect_lands(IOVA_BOTH, 0, "the third mapping");
}

/* The first-stage configurations the kernel must refuse: an address width
 * other than 48 bits, or 57 without CAP.FL5LP; SRE without ECAP.SRS; EAFE
 * without ECAP.EAFS. Those the IOMMU makes good input are left out. */
struct bad_s1 {
	uint32_t width;
	uint64_t flags;
	const char *what;
};

static int bad_s1_list(FIXTURE_DATA(nested_vtd) *self, struct bad_s1 *out)
{
	const struct {
		struct bad_s1 b;
		bool applies;
	} all[] = {
		{ { 39, 0, "a 39-bit first stage" }, true },
		{ { 0, 0, "address width 0" }, true },
		{ { 57, 0, "57 bits without CAP.FL5LP" }, !CAP_FL5LP(self->cap) },
		{ { 48, VTD_S1_SRE, "SRE without ECAP.SRS" }, !ECAP_SRS(self->ecap) },
		{ { 48, VTD_S1_EAFE, "EAFE without ECAP.EAFS" }, !ECAP_EAFS(self->ecap) },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].applies)
			out[n++] = all[i].b;
	return n;
}

/* Allocate a nested HWPT with b and, when that is accepted, attach it:
 * the first error (0 if both were taken); *at says which refused. The HWPT
 * is destroyed again. */
static int try_bad_s1(struct __test_metadata *_metadata, FIXTURE_DATA(nested_vtd) *self,
		      const struct bad_s1 *b, const char **at)
{
	uint32_t id;
	int ret;

	*at = "allocation";
	ret = lab_hwpt_alloc_vtd_nested(self->ifd, self->dev.id, self->s2_hwpt, self->s1.root_ipa, b->width,
					b->flags, &id);
	if (ret)
		return ret;
	*at = "attach";
	ret = _test_cmd_attach(self->ifd, &self->dev, LAB_NO_PASID, id);
	if (!ret)
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	EXPECT_EQ(0, lab_iommufd_destroy(self->ifd, id));
	return ret;
}

/*
 * A nested HWPT with first-stage data the kernel must refuse (bad_s1_list),
 * or on a parent that cannot be one (a plain paging HWPT, a nested HWPT), is
 * refused with EINVAL, at allocation or at attach. After each, the device is
 * moved to the nest parent and back, so that what a refused attach leaves
 * behind (a_refused_attach_leaves_dma_on_the_old_hwpt) does not decide this
 * test: DMA then lands through the nested HWPT again.
 */
TEST_F(nested_vtd, bad_first_stage_data_is_refused)
{
	struct bad_s1 bad[8];
	int n = bad_s1_list(self, bad);
	uint32_t ioas2, plain, id;
	const char *at;
	int ret;

	expect_lands(IOVA_A, 0, "before");
	for (int i = 0; i < n; i++) {
		ret = try_bad_s1(_metadata, self, &bad[i], &at);
		TH_LOG("%s: refused at %s: %s", bad[i].what, at, strerror(-ret));
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s", bad[i].what);
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->s2_hwpt);
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
		expect_lands(IOVA_A, 0, bad[i].what);
	}
	/* Parents that cannot nest: a plain (first-stage) paging HWPT, a nested HWPT. */
	test_cmd_ioas_alloc(&ioas2);
	test_cmd_hwpt_alloc(&self->dev, ioas2, 0, &plain);
	EXPECT_ERR(EINVAL, lab_hwpt_alloc_vtd_nested(self->ifd, self->dev.id, plain, self->s1.root_ipa, 48, 0,
						     &id));
	EXPECT_ERR(EINVAL, lab_hwpt_alloc_vtd_nested(self->ifd, self->dev.id, self->nested_hwpt,
						     self->s1.root_ipa, 48, 0, &id));
	expect_lands(IOVA_B, 1, "after the refused parents");
}

/*
 * An attach the kernel refuses changes nothing (the core's contract: a
 * failed attach leaves the device on its old domain, and iommufd still
 * reports the old HWPT attached): DMA keeps landing through the nested HWPT
 * after each first-stage configuration refused at attach.
 */
TEST_F(nested_vtd, a_refused_attach_leaves_dma_on_the_old_hwpt)
{
	struct bad_s1 bad[8];
	int n = bad_s1_list(self, bad), refused = 0;
	const char *at;
	int ret;

	for (int i = 0; i < n; i++) {
		ret = try_bad_s1(_metadata, self, &bad[i], &at);
		if (!ret || strcmp(at, "attach"))
			continue;
		refused++;
		expect_lands(IOVA_A, 0, bad[i].what);
	}
	if (!refused)
		SKIP(return, "this kernel refuses every bad first stage at allocation: no attach to refuse");
}

/*
 * First-stage data only the IOMMU can check: a root table at a GPA the nest
 * parent does not map. The kernel accepts it (it cannot read guest memory);
 * every transfer faults in the walk, with the reason for a first-stage root
 * the second stage does not let it read (SFS.6, 0x75), and writes nothing.
 * Back on the good nested HWPT, DMA lands.
 */
TEST_F(nested_vtd, first_stage_root_outside_stage2_faults_in_the_walk)
{
	uint32_t id;

	test_cmd_hwpt_alloc_vtd_s1(&self->dev, self->s2_hwpt, GPA_UNMAPPED, 48, 0, &id);
	test_cmd_attach(&self->dev, LAB_NO_PASID, id);
	expect_faults(IOVA_A, "root outside stage 2");
	expect_reason(_metadata, self, IOVA_A, 0x75, "root outside stage 2");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_A, 0, "the good nested HWPT again");
}

/*
 * The first stage maps IOVA_A + 3 pages to a GPA the nest parent does not
 * map: the transfer faults in the second stage's translation of the output,
 * and the reason says so (SSS.2, 0x79: second-stage permission), where a
 * first-stage miss says first-stage entry not present (SFS.2, 0x71; checked
 * by iommufd_nested's translation_through_both_stages on the device side).
 */
TEST_F(nested_vtd, a_stage2_miss_is_reported_as_second_stage)
{
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A + 3 * PG, GPA_UNMAPPED, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	expect_faults(IOVA_A + 3 * PG, "stage-2 miss");
	expect_reason(_metadata, self, IOVA_A + 3 * PG, 0x79, "stage-2 miss");
}

/*
 * Linux refuses read-only mappings in a VT-d nest parent (hardware may set
 * first-stage A/D bits through a read-only second-stage mapping,
 * ERRATA_772415_SPR17; the kernel applies the rule on every VT-d, also where
 * IOMMU_GET_HW_INFO does not report the erratum): a read-only map into the
 * IOAS fails with EINVAL and leaves nothing in the second stage (a
 * first-stage entry pointing there still faults), and a nest parent cannot
 * be allocated over an IOAS that holds a read-only mapping. DMA still lands.
 */
TEST_F(nested_vtd, nest_parent_refuses_read_only_mappings)
{
	uint8_t *page = test_pages(_metadata, 1);
	uint32_t ioas2, id;

	test_err_ioas_map(EINVAL, self->ioas, page, PG, GPA_UNMAPPED, LAB_IOAS_READ);
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A + 3 * PG, GPA_UNMAPPED, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	expect_faults(IOVA_A + 3 * PG, "the refused read-only GPA");
	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map(ioas2, page, PG, GPA_DATA, LAB_IOAS_READ);
	EXPECT_ERR(EINVAL, lab_hwpt_alloc(self->ifd, self->dev.id, ioas2, LAB_HWPT_NEST_PARENT, &id));
	expect_lands(IOVA_A, 0, "after the refusals");
}

/* A labdev pair at iova tagged with pasid: the data page it landed in (-1
 * none, -2 several), after the pair completed. */
static int pasid_pair_page(struct __test_metadata *_metadata, FIXTURE_DATA(nested_vtd) *self, uint32_t pasid,
			   uint64_t iova, uint32_t seed)
{
	struct lab_dma_result r;

	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, iova, PG, seed, pasid, &r);
	EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("PASID %u pair at %#llx: %s (fault at %#llx)", pasid,
					       (unsigned long long)iova, lab_dma_status_name(r.status),
					       (unsigned long long)r.fault_iova);
	return r.status == LAB_DMA_OK ? landed_in(self->data, seed) : -1;
}

/*
 * Nested translation per PASID, as a VMM sets it up for a guest's shared
 * virtual addressing: PASIDs 1 and 2 each get their own nested HWPT (their
 * own first-stage tables, the same IOVA mapped to data pages 0 and 1) on one
 * PASID-capable nest parent, the RID blocked. Tagged DMA lands in each
 * PASID's page through both stages; untagged DMA faults. Both first stages
 * then move the IOVA (to pages 2 and 3) and PASID 1's HWPT is invalidated:
 * PASID 1 uses page 2 at once, PASID 2 its old or new page, never PASID 1's;
 * after PASID 2's own invalidation, page 3.
 */
TEST_F(nested_vtd, each_pasid_translates_through_its_own_nested_hwpt)
{
	struct lab_hw_info hw;
	struct lab_s1pt t[2];
	uint32_t parent, h[2];
	int page;

	test_cmd_hw_info(&self->dev, &hw);
	if (!hw.has_max_pasid || !hw.max_pasid_log2)
		SKIP(return, "%s: iommufd reports no PASIDs for it", self->dev.pci.bdf);
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_PASID);
	test_cmd_detach(&self->dev, LAB_NO_PASID);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT | LAB_HWPT_PASID, &parent);
	for (int i = 0; i < 2; i++) {
		uint8_t *pool = self->s1mem + (NS1 / 2 + i * NS1 / 4) * PG;

		ASSERT_EQ(0, lab_s1pt_init(&t[i], LAB_S1PT_INTEL_FS, pool, GPA_S1 + (pool - self->s1mem), NS1 / 4));
		ASSERT_EQ(0, lab_s1pt_map(&t[i], IOVA_A, GPA_DATA + i * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
		ASSERT_OK(lab_hwpt_alloc_vtd_nested_flags(self->ifd, self->dev.id, parent, LAB_HWPT_PASID,
							  t[i].root_ipa, t[i].va_bits, 0, &h[i]));
		test_cmd_attach(&self->dev, 1 + i, h[i]);
	}
	EXPECT_EQ(0, pasid_pair_page(_metadata, self, 1, IOVA_A, 0x9a1)) TH_LOG("PASID 1: not in its page 0");
	EXPECT_EQ(1, pasid_pair_page(_metadata, self, 2, IOVA_A, 0x9a2)) TH_LOG("PASID 2: not in its page 1");
	expect_faults(IOVA_A, "untagged, the RID blocked");

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, lab_s1pt_unmap(&t[i], IOVA_A, PG));
		ASSERT_EQ(0, lab_s1pt_map(&t[i], IOVA_A, GPA_DATA + (2 + i) * PG, PG,
					  LAB_S1PT_READ | LAB_S1PT_WRITE));
	}
	test_cmd_hwpt_invalidate_vtd_s1(h[0], 0, UINT64_MAX);
	EXPECT_EQ(2, pasid_pair_page(_metadata, self, 1, IOVA_A, 0x9a3))
		TH_LOG("PASID 1 after its invalidation: not in page 2");
	page = pasid_pair_page(_metadata, self, 2, IOVA_A, 0x9a4);
	TH_LOG("PASID 2 after PASID 1's invalidation: %s", page == 1 ? "its old translation (page 1)" :
	       page == 3 ? "its new translation (page 3)" : "neither");
	EXPECT_TRUE(page == 1 || page == 3) TH_LOG("PASID 2 landed in page %d", page);
	lab_record_metric("other_pasid_kept_cached_translation", page == 1, "bool");
	test_cmd_hwpt_invalidate_vtd_s1(h[1], 0, UINT64_MAX);
	EXPECT_EQ(3, pasid_pair_page(_metadata, self, 2, IOVA_A, 0x9a5))
		TH_LOG("PASID 2 after its own invalidation: not in page 3");
	EXPECT_EQ(2, pasid_pair_page(_metadata, self, 1, IOVA_A, 0x9a6)) TH_LOG("PASID 1 at the end");
}

/* What the DMA thread saw while the main thread switched HWPTs. */
struct switching {
	struct idev *dev;
	uint8_t *data;
	atomic_uint gen;	/* odd while an attach is in progress */
	atomic_int state;	/* 0 nested, 1 second stage only: after an attach returned */
	atomic_bool stop;
	long stable[2], stable_wrong, during[3], during_wrong, errors;
	char why[160];
};

/*
 * The DMA thread: pairs at IOVA_BOTH until told to stop. A pair that started
 * and ended with no attach in between (gen unchanged and even) must land in
 * the state's page (nested: page 0; second stage only: page 2); one that
 * overlapped an attach may fault or land in either page, but nowhere else.
 */
static void *dma_loop(void *arg)
{
	struct switching *sw = arg;
	struct lab_dma_result r;
	uint32_t seed = 0x5b000000;

	while (!atomic_load(&sw->stop)) {
		unsigned int g0, g1;
		int st, page, want;

		memset(sw->data, 0, NDATA * PG);
		g0 = atomic_load(&sw->gen);
		st = atomic_load(&sw->state);
		if (_test_cmd_dma_pair(sw->dev, IOVA_BOTH, PG, ++seed, LAB_NO_PASID, &r)) {
			sw->errors++;
			snprintf(sw->why, sizeof(sw->why), "pair failed to run: %s", sw->dev->eng.why);
			break;
		}
		g1 = atomic_load(&sw->gen);
		page = landed_in(sw->data, seed);
		want = st ? 2 : 0;
		if (g0 == g1 && !(g0 & 1)) {
			if (r.status == LAB_DMA_OK && page == want) {
				sw->stable[st]++;
			} else {
				sw->stable_wrong++;
				snprintf(sw->why, sizeof(sw->why), "stable %s: %s, page %d",
					 st ? "second stage only" : "nested", lab_dma_status_name(r.status), page);
			}
		} else if (page == 0 || page == 2 || (page == -1 && r.status != LAB_DMA_OK)) {
			sw->during[page == -1 ? 1 : page]++;
		} else {
			sw->during_wrong++;
			snprintf(sw->why, sizeof(sw->why), "during a switch: %s, page %d",
				 lab_dma_status_name(r.status), page);
		}
	}
	return NULL;
}

/*
 * nested -> second stage only (the nest parent itself) -> nested, ten times,
 * while a thread does labdev pairs at an IOVA that both translate (to
 * different pages). Once an attach has returned, every transfer uses the new
 * HWPT's tables (no stale combined or second-stage entry); a transfer that
 * overlaps the switch faults or lands in one of the two pages. Both states
 * saw DMA.
 */
TEST_F(nested_vtd, nested_to_stage2_only_and_back_under_dma)
{
	struct switching sw = { .dev = &self->dev, .data = self->data };
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	pthread_t t;
	int ret = 0;

	expect_lands(IOVA_BOTH, 0, "nested");
	ASSERT_EQ(0, pthread_create(&t, NULL, dma_loop, &sw));
	for (int i = 0; i < 20 && !ret; i++) {
		nanosleep(&pause, NULL);
		atomic_fetch_add(&sw.gen, 1);
		ret = _test_cmd_attach(self->ifd, &self->dev, LAB_NO_PASID, i & 1 ? self->nested_hwpt : self->s2_hwpt);
		atomic_store(&sw.state, i & 1 ? 0 : 1);
		atomic_fetch_add(&sw.gen, 1);
	}
	nanosleep(&pause, NULL);
	atomic_store(&sw.stop, true);
	pthread_join(t, NULL);
	ASSERT_EQ(0, ret) TH_LOG("attach: %s", strerror(-ret));
	TH_LOG("labdev pairs: stable nested %ld, stable second stage %ld; during switches: page 0 %ld, "
	       "fault %ld, page 2 %ld", sw.stable[0], sw.stable[1], sw.during[0], sw.during[1], sw.during[2]);
	EXPECT_EQ(0, sw.errors) TH_LOG("%s", sw.why);
	EXPECT_EQ(0, sw.stable_wrong) TH_LOG("last: %s", sw.why);
	EXPECT_EQ(0, sw.during_wrong) TH_LOG("last: %s", sw.why);
	EXPECT_LT(0, sw.stable[0]);
	EXPECT_LT(0, sw.stable[1]);
	/* Ends nested (20 switches). */
	expect_lands(IOVA_BOTH, 0, "nested at the end");
	expect_lands(IOVA_B, 1, "nested at the end, B");
}

TEST_HARNESS_MAIN
