// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested translation with several substreams, as a vSVA guest builds it: one
 * vSTE (S1_TRANS, S1CDMax > 0, S1DSS substream 0) points at a CD table the
 * test owns in stage 2, with one CD, ASID and stage-1 table set per
 * SubstreamID; the host kernel owns stage 2 (the IOAS, through a nest parent,
 * a vIOMMU and a vDEVICE). labdev DMA tagged with PASID n (PCIe PASID =
 * SubstreamID, IHI 0070 3.9) goes IOVA -> IPA through CD n's tables, then IPA
 * -> PA; untagged DMA through CD 0. Variants by CD table format: linear, and
 * two levels with 4 KB leaves (one SubstreamID in the second leaf).
 * The guest's invalidations go through the vIOMMU (IOMMU_VIOMMU_INVALIDATE):
 * CFGI_CD per SubstreamID, CFGI_CD_ALL, TLBI_NH_ASID, TLBI_NH_ALL and
 * TLBI_NH_VA with ranges (NUM/SCALE, TG, TTL; IHI 0070 4.4.2), each checked
 * against a warmed IOTLB: every page of the range faults, the neighbours
 * still translate. Faults are the device's own (labdev's FAULT status); the
 * one event the guest is given is read from the vEVENTQ, never the kernel
 * log. SMMUv3 only. docs/tests/nested.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"
#include "lab_iommufd.h"

#define PG 4096ull
/* Stage-2 (IPA) layout */
#define IPA_DATA 0x40000000ull		/* NDATA pages, one mapping each */
#define NDATA 8
#define IPA_RANGE 0x48000000ull		/* NRANGE contiguous pages: the range tests' targets */
#define NRANGE 520
#define IPA_S1 0x50000000ull		/* stage-1 table pool */
#define NS1 192
#define S1_SET 24			/* pages of one table set */
#define IPA_CDT 0x60000000ull		/* the CD table (linear, or L1 + 2 leaves) */
#define NCDT 4
#define IPA_UNMAPPED 0x7f000000ull	/* nothing in the IOAS here */
/* Stage-1 inputs */
#define IOVA_A 0x10000000ull
#define IOVA_B 0x10001000ull
#define VSID 0x42
#define ASID0 0x20			/* CD k: ASID0 + k; new CDs: ASID0 + 16 + k */
#define NCD 4				/* CDs in use: untagged (CD 0) and three SubstreamIDs */

FIXTURE(nested_ssid) {
	int ifd;
	struct idev dev;
	uint8_t *data, *range, *s1mem, *cdt;
	uint32_t ioas, s2_hwpt, viommu, vdev, hwpt;
	struct lab_s1pt s1[NCD];	/* CD k's tables */
	unsigned int next_set;		/* the next free table set of the pool */
	uint32_t pasid[NCD];		/* CD k's PASID (LAB_NO_PASID for CD 0) */
	uint16_t asid[NCD];
};

FIXTURE_VARIANT(nested_ssid) {
	enum lab_ste_s1fmt fmt;
	unsigned int s1cdmax;
	uint32_t ssid3;			/* the third SubstreamID */
};
/* 4 CDs: SubstreamIDs 1, 2, 3; 4 is beyond the table. */
FIXTURE_VARIANT_ADD(nested_ssid, linear) { .fmt = LAB_STE_S1FMT_LINEAR, .s1cdmax = 2, .ssid3 = 3 };
/* 128 CDs in leaves of 64: SubstreamIDs 1, 2 in leaf 0, 0x41 in leaf 1. */
FIXTURE_VARIANT_ADD(nested_ssid, two_level) { .fmt = LAB_STE_S1FMT_L2_4K, .s1cdmax = 7, .ssid3 = 0x41 };

/* The CD of SubstreamID ssid in the table (its memory, as the CPU sees it). */
static uint64_t *cd_slot(FIXTURE_DATA(nested_ssid) *self, const FIXTURE_VARIANT(nested_ssid) *variant,
			 uint32_t ssid)
{
	if (variant->fmt == LAB_STE_S1FMT_LINEAR)
		return (uint64_t *)(self->cdt + ssid * 64);
	/* L1 table in page 0, leaf n (64 CDs) in page 1 + n */
	return (uint64_t *)(self->cdt + (1 + ssid / 64) * PG + (ssid % 64) * 64);
}

/* A fresh table set from the pool, with IOVA_A -> data page `page`. */
static void new_tables(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self, struct lab_s1pt *t,
		       int page)
{
	unsigned int set = self->next_set++;

	ASSERT_GT(NS1 / S1_SET, set) TH_LOG("table pool used up");
	ASSERT_EQ(0, lab_s1pt_init(t, LAB_S1PT_ARM_VMSA, self->s1mem + set * S1_SET * PG,
				   IPA_S1 + set * S1_SET * PG, S1_SET));
	ASSERT_EQ(0, lab_s1pt_map(t, IOVA_A, IPA_DATA + page * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
}

/* Write CD ssid: tables t, asid. */
static void write_cd(FIXTURE_DATA(nested_ssid) *self, const FIXTURE_VARIANT(nested_ssid) *variant, uint32_t ssid,
		     const struct lab_s1pt *t, uint16_t asid)
{
	uint64_t cd[8];

	lab_smmuv3_cd(cd, asid, t->root_ipa, t->va_bits);
	memcpy(cd_slot(self, variant, ssid), cd, sizeof(cd));
}

static uint32_t ssid_of(FIXTURE_DATA(nested_ssid) *self, int k)
{
	return self->pasid[k] == LAB_NO_PASID ? 0 : self->pasid[k];
}

FIXTURE_SETUP(nested_ssid)
{
	struct lab_hw_info hw;
	uint64_t ste[2];
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_VIOMMU);
	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, true, 0, bdf))
		SKIP(return, "no PASID-capable labdev handed to vfio-pci (iommu-lab run --vfio BDF; "
		     "IOMMU_LAB_VFIO='%s')", getenv("IOMMU_LAB_VFIO") ?: "");
	if (lab_pci_iommu_type(bdf) != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: substreams under a vSTE are SMMUv3's (VT-d nests per PASID entry)", bdf);
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_cmd_hw_info(&self->dev, &hw);
	if (!hw.has_max_pasid)
		SKIP(return, "built with uAPI headers lacking IOMMU_GET_HW_INFO's out_max_pasid_log2");
	if (hw.max_pasid_log2 < variant->s1cdmax)
		SKIP(return, "%s: %u-bit SubstreamIDs behind this SMMUv3 (IDR1.SSIDSIZE and the device's "
		     "PASID width), %u needed", bdf, hw.max_pasid_log2, variant->s1cdmax);
	if (variant->fmt != LAB_STE_S1FMT_LINEAR && !(hw.regs[0] & (1u << 19)))
		SKIP(return, "IDR0.CD2L = 0: no 2-level CD tables");
	lab_record_engine(self->dev.eng.ops->name, LAB_ENGINE_EMULATED);

	self->data = test_pages(_metadata, NDATA);
	self->range = test_pages(_metadata, NRANGE);
	self->s1mem = test_pages(_metadata, NS1);
	self->cdt = test_pages(_metadata, NCDT);
	test_cmd_ioas_alloc(&self->ioas);
	test_map_each_page(_metadata, self->ifd, self->ioas, self->data, NDATA, IPA_DATA);
	test_cmd_ioas_map(self->ioas, self->range, NRANGE * PG, IPA_RANGE, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ioas_map(self->ioas, self->s1mem, NS1 * PG, IPA_S1, LAB_IOAS_READ);
	test_cmd_ioas_map(self->ioas, self->cdt, NCDT * PG, IPA_CDT, LAB_IOAS_READ);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT, &self->s2_hwpt);
	test_cmd_smmuv3_viommu(&self->dev, self->s2_hwpt, VSID, &self->viommu, &self->vdev);

	/* CD k: its own ASID and tables, IOVA_A -> data page k. */
	self->pasid[0] = LAB_NO_PASID;
	self->pasid[1] = 1, self->pasid[2] = 2, self->pasid[3] = variant->ssid3;
	if (variant->fmt != LAB_STE_S1FMT_LINEAR) {
		uint64_t *l1 = (uint64_t *)self->cdt;

		l1[0] = lab_smmuv3_l1cd(IPA_CDT + PG);
		l1[1] = lab_smmuv3_l1cd(IPA_CDT + 2 * PG);
	}
	for (int k = 0; k < NCD; k++) {
		self->asid[k] = ASID0 + k;
		new_tables(_metadata, self, &self->s1[k], k);
		write_cd(self, variant, ssid_of(self, k), &self->s1[k], self->asid[k]);
	}
	lab_smmuv3_vste_cdtab(ste, IPA_CDT, variant->fmt, variant->s1cdmax, LAB_STE_S1DSS_SSID0);
	test_cmd_hwpt_alloc_vste(&self->dev, self->viommu, ste, &self->hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt);
}

FIXTURE_TEARDOWN(nested_ssid)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
}

static const char *pasid_name(uint32_t pasid)
{
	static char buf[24];

	if (pasid == LAB_NO_PASID)
		return "untagged";
	snprintf(buf, sizeof(buf), "PASID %#x", pasid);
	return buf;
}

/* A DMA pair at (pasid, iova) lands in data page `page` and nowhere else. */
static void lands(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self, uint32_t pasid,
		  uint64_t iova, int page, const char *step)
{
	static uint32_t seed = 0x55100000;
	struct lab_dma_result r;

	memset(self->data, 0, NDATA * PG);
	seed++;
	test_cmd_dma_pair(&self->dev, iova, PG, seed, pasid, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: labdev pair at %s %#llx: %s (fault at %#llx)", step,
					       pasid_name(pasid), (unsigned long long)iova,
					       lab_dma_status_name(r.status), (unsigned long long)r.fault_iova);
	for (int i = 0; i < NDATA; i++) {
		if (i == page) {
			EXPECT_TRUE(lab_labdev_has_pattern(self->data + i * PG, PG, seed))
				TH_LOG("%s: labdev pair at %s %#llx: not in data page %d", step, pasid_name(pasid),
				       (unsigned long long)iova, page);
		} else {
			EXPECT_TRUE(lab_mem_is_zero(self->data + i * PG, PG))
				TH_LOG("%s: labdev pair at %s %#llx: data page %d written (expected %d)", step,
				       pasid_name(pasid), (unsigned long long)iova, i, page);
		}
	}
}

/* Which data page a DMA pair at (pasid, iova) reached: -1 none (or a fault). */
static int lands_where(FIXTURE_DATA(nested_ssid) *self, uint32_t pasid, uint64_t iova)
{
	static uint32_t seed = 0x55200000;
	struct lab_dma_result r;

	memset(self->data, 0, NDATA * PG);
	seed++;
	if (_test_cmd_dma_pair(&self->dev, iova, PG, seed, pasid, &r) || r.status != LAB_DMA_OK)
		return -1;
	for (int i = 0; i < NDATA; i++) {
		if (lab_labdev_has_pattern(self->data + i * PG, PG, seed))
			return i;
	}
	return -1;
}

/* A DMA pair at (pasid, iova) faults, as labdev reports it, and writes no data page. */
static void faults(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self, uint32_t pasid,
		   uint64_t iova, const char *step)
{
	struct lab_dma_result r;

	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, iova, PG, 0x5f, pasid, &r);
	EXPECT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("%s: labdev pair at %s %#llx: %s, expected a fault", step,
						  pasid_name(pasid), (unsigned long long)iova,
						  lab_dma_status_name(r.status));
	for (int i = 0; i < NDATA; i++) {
		EXPECT_TRUE(lab_mem_is_zero(self->data + i * PG, PG))
			TH_LOG("%s: %s %#llx: data page %d written", step, pasid_name(pasid),
			       (unsigned long long)iova, i);
	}
}

static void invalidate(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self,
		       uint64_t (*cmds)[2], uint32_t n)
{
	uint32_t done = 0;

	test_cmd_viommu_invalidate(self->viommu, cmds, n, &done);
	ASSERT_EQ(n, done);
}

static void invalidate1(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self, uint64_t cmd[2])
{
	invalidate(_metadata, self, (uint64_t (*)[2])cmd, 1);
}

#define expect_lands(_k, _iova, _page, _step) lands(_metadata, self, self->pasid[_k], _iova, _page, _step)
#define expect_faults(_pasid, _iova, _step) faults(_metadata, self, _pasid, _iova, _step)

/*
 * Each SubstreamID translates through its own CD and tables, then stage 2;
 * untagged DMA through CD 0 (S1DSS substream 0). A stage-2 miss at one
 * PASID faults and leaves the others; PASID 0 tagged (CD 0 is the untagged
 * DMA's: F_STREAM_DISABLED) and a PASID beyond S1CDMax (C_BAD_SUBSTREAMID)
 * fault.
 */
TEST_F(nested_ssid, each_pasid_translates_through_its_own_cd_and_both_stages)
{
	for (int k = 0; k < NCD; k++)
		expect_lands(k, IOVA_A, k, "its own CD");
	ASSERT_EQ(0, lab_s1pt_map(&self->s1[2], IOVA_B, IPA_UNMAPPED, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	expect_faults(self->pasid[2], IOVA_B, "stage-2 miss at one PASID");
	expect_faults(self->pasid[1], IOVA_B, "stage-1 miss at another");
	for (int k = 0; k < NCD; k++)
		expect_lands(k, IOVA_A, k, "after the misses");
	expect_faults(0, IOVA_A, "PASID 0 tagged (CD 0 serves untagged DMA)");
	expect_faults(1u << variant->s1cdmax, IOVA_A, "a PASID beyond S1CDMax");
	expect_lands(1, IOVA_A, 1, "after the bad SubstreamIDs");
}

/*
 * CDs 1 and 2 rewritten in memory (new tables and ASIDs: IOVA_A -> pages 4
 * and 5); CMD_CFGI_CD for SubstreamID 1 only: PASID 1 uses its new CD; CD 0
 * and CD 3 (untouched) keep translating; PASID 2 may use either of its CDs
 * until its own CFGI_CD (reported), then its new one.
 */
TEST_F(nested_ssid, cfgi_cd_of_one_ssid_leaves_the_others)
{
	struct lab_s1pt t[2];
	uint64_t cmd[2];
	int where;

	for (int k = 0; k < NCD; k++)
		expect_lands(k, IOVA_A, k, "warm");
	for (int k = 1; k <= 2; k++) {
		new_tables(_metadata, self, &t[k - 1], 3 + k);
		write_cd(self, variant, k, &t[k - 1], ASID0 + 16 + k);
	}
	lab_smmuv3_cmd_cfgi_cd(cmd, VSID, 1);
	invalidate1(_metadata, self, cmd);
	expect_lands(1, IOVA_A, 4, "after CFGI_CD(SSID 1): its new CD");
	expect_lands(0, IOVA_A, 0, "after CFGI_CD(SSID 1): untagged, CD 0");
	expect_lands(3, IOVA_A, 3, "after CFGI_CD(SSID 1): CD 3");
	where = lands_where(self, self->pasid[2], IOVA_A);
	TH_LOG("PASID 2 before its own CFGI_CD: %s", where == 2 ? "its old CD (cached)" :
	       where == 5 ? "its new CD (fetched again)" : "neither of its pages");
	EXPECT_TRUE(where == 2 || where == 5) TH_LOG("PASID 2 reached data page %d", where);
	lab_record_metric("other_ssid_kept_cached_cd", where == 2, "bool");
	lab_smmuv3_cmd_cfgi_cd(cmd, VSID, 2);
	invalidate1(_metadata, self, cmd);
	expect_lands(2, IOVA_A, 5, "after CFGI_CD(SSID 2)");
	expect_lands(1, IOVA_A, 4, "PASID 1 still on its new CD");
}

/*
 * IOVA_A moved in the tables of CDs 1 and 2 (pages 4 and 5); TLBI_NH_ASID
 * of CD 1's ASID: PASID 1 uses its new translation; PASID 2 may use either
 * until TLBI_NH_VA of its ASID (reported), then its new one.
 */
TEST_F(nested_ssid, tlbi_by_asid_reaches_the_pasids_of_that_asid)
{
	uint64_t cmd[2];
	int where;

	for (int k = 0; k < NCD; k++)
		expect_lands(k, IOVA_A, k, "warm");
	for (int k = 1; k <= 2; k++) {
		ASSERT_EQ(0, lab_s1pt_unmap(&self->s1[k], IOVA_A, PG));
		ASSERT_EQ(0, lab_s1pt_map(&self->s1[k], IOVA_A, IPA_DATA + (3 + k) * PG, PG,
					  LAB_S1PT_READ | LAB_S1PT_WRITE));
	}
	lab_smmuv3_cmd_tlbi_nh_asid(cmd, self->asid[1]);
	invalidate1(_metadata, self, cmd);
	expect_lands(1, IOVA_A, 4, "after TLBI_NH_ASID of its ASID");
	where = lands_where(self, self->pasid[2], IOVA_A);
	TH_LOG("PASID 2 after the other ASID's invalidation: %s", where == 2 ? "its old translation (cached)" :
	       where == 5 ? "its new translation" : "neither of its pages");
	EXPECT_TRUE(where == 2 || where == 5) TH_LOG("PASID 2 reached data page %d", where);
	lab_record_metric("other_asid_kept_cached_translation", where == 2, "bool");
	lab_smmuv3_cmd_tlbi_nh_va(cmd, self->asid[2], IOVA_A);
	invalidate1(_metadata, self, cmd);
	expect_lands(2, IOVA_A, 5, "after TLBI_NH_VA of its ASID");
	expect_lands(0, IOVA_A, 0, "untagged, untouched");
	expect_lands(3, IOVA_A, 3, "CD 3, untouched");
}

/*
 * With a vEVENTQ open, a stage-1 fault at one PASID reaches the guest with
 * SSV = 1 and that SubstreamID (IHI 0070 7.3: F_TRANSLATION, SSV bit 11,
 * SubstreamID bits [31:12]), the vSID and the IOVA; labdev saw the fault as
 * PASID-tagged.
 */
TEST_F(nested_ssid, stage1_fault_at_one_pasid_reaches_the_veventq_with_its_ssid)
{
	uint32_t q, seq, ssid = variant->ssid3;
	struct lab_dma_result r;
	uint64_t evt[4];
	int fd, ret;

	test_cmd_veventq_alloc(self->viommu, 16, &q, &fd);
	test_cmd_dma_pair(&self->dev, IOVA_B, PG, 0x61, ssid, &r);
	ASSERT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("labdev pair at PASID %#x %#llx: %s", ssid,
						  (unsigned long long)IOVA_B, lab_dma_status_name(r.status));
	EXPECT_TRUE(r.fault_pasid) TH_LOG("labdev: the failed access was not PASID-tagged");
	ret = lab_veventq_read_smmuv3(fd, evt, &seq, 2000);
	ASSERT_EQ(0, ret) TH_LOG("no event in the vEVENTQ: %s", strerror(-ret));
	TH_LOG("vEVENTQ #%u: %#llx %#llx %#llx %#llx", seq, (unsigned long long)evt[0],
	       (unsigned long long)evt[1], (unsigned long long)evt[2], (unsigned long long)evt[3]);
	EXPECT_EQ(0x10u, evt[0] & 0xff);			/* F_TRANSLATION */
	EXPECT_EQ(1u, (evt[0] >> 11) & 1) TH_LOG("SSV = 0");	/* SSV */
	EXPECT_EQ(ssid, (evt[0] >> 12) & 0xfffff);		/* SubstreamID */
	EXPECT_EQ((uint64_t)VSID, evt[0] >> 32);
	EXPECT_EQ(0ull, evt[1] & (1ull << 39));		/* S2 = 0 */
	EXPECT_EQ(IOVA_B, evt[2] & ~(PG - 1));
	close(fd);
	expect_lands(3, IOVA_A, 3, "the faulting PASID, mapped IOVA");
}

/* Range tests: every page of [first, first + n) is mapped in CD 1's tables
 * (PASID 1) with one neighbour page on each side, to contiguous IPA pages. */
struct range_case {
	uint64_t first;		/* IOVA of the range's first page */
	uint64_t n;		/* pages */
	const char *what;
};

static const struct range_case range_cases[] = {
	{ 0x20000000ull, 2, "2 pages, 2 MiB aligned" },
	{ 0x20400000ull - 1 * PG, 3, "3 pages, unaligned, across 2 MiB" },
	{ 0x20800000ull - 8 * PG, 17, "17 pages across 2 MiB" },
	{ 0x20c00000ull + PG, 511, "511 pages, unaligned" },
	{ 0x21000000ull, 512, "512 pages, 2 MiB aligned" },
	{ 0x40000000ull - 256 * PG, 513, "513 pages across 1 GiB" },
};

/* Map the case and its neighbours, then DMA through all of it (warm). */
static void range_map_and_warm(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self,
			       struct lab_s1pt *t, uint32_t pasid, const struct range_case *c)
{
	uint64_t start = c->first - PG, pages = c->n + 2;
	struct lab_dma_result r;

	ASSERT_GE(NRANGE, pages);
	ASSERT_EQ(0, lab_s1pt_map(t, start, IPA_RANGE, pages * PG, LAB_S1PT_READ | LAB_S1PT_WRITE))
		TH_LOG("%s: stage-1 tables", c->what);
	for (uint64_t done = 0; done < pages;) {
		uint64_t chunk = pages - done < 256 ? pages - done : 256;	/* 1 MiB at a time */

		test_cmd_dma_pair(&self->dev, start + done * PG, chunk * PG, 0x70 + done, pasid, &r);
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: warming at %s %#llx: %s (fault at %#llx)", c->what,
						       pasid_name(pasid), (unsigned long long)(start + done * PG),
						       lab_dma_status_name(r.status),
						       (unsigned long long)r.fault_iova);
		done += chunk;
	}
}

/* Every page of the case faults; both neighbours translate. */
static void range_check(struct __test_metadata *_metadata, FIXTURE_DATA(nested_ssid) *self, uint32_t pasid,
			const struct range_case *c, const char *after)
{
	struct lab_dma_result r;
	uint64_t late = 0, first_late = 0;

	for (uint64_t i = 0; i < c->n; i++) {
		test_cmd_dma_pair(&self->dev, c->first + i * PG, PG, 0x80, pasid, &r);
		if (r.status != LAB_DMA_FAULT && !late++)
			first_late = c->first + i * PG;
	}
	EXPECT_EQ(0u, late) TH_LOG("%s, after %s: %llu of %llu pages still translated at %s (the first at %#llx)",
				   c->what, after, (unsigned long long)late, (unsigned long long)c->n,
				   pasid_name(pasid), (unsigned long long)first_late);
	for (int side = 0; side < 2; side++) {
		uint64_t iova = side ? c->first + c->n * PG : c->first - PG;

		test_cmd_dma_pair(&self->dev, iova, PG, 0x81, pasid, &r);
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s, after %s: the neighbour %#llx at %s: %s", c->what, after,
						       (unsigned long long)iova, pasid_name(pasid),
						       lab_dma_status_name(r.status));
	}
}

/*
 * TLBI_NH_VA with ranges (NUM/SCALE, TG 4 KB; TTL 3 with Leaf, or TTL 0):
 * the pages of each range, unmapped from stage 1 after DMA warmed the IOTLB
 * through them, fault once the commands return; the neighbours translate.
 */
TEST_F(nested_ssid, tlbi_nh_va_ranges_drop_every_page_of_the_range)
{
	uint64_t cmds[8][2];

	for (size_t i = 0; i < ARRAY_SIZE(range_cases); i++) {
		const struct range_case *c = &range_cases[i];
		bool ttl = i & 1;
		int n;

		range_map_and_warm(_metadata, self, &self->s1[1], self->pasid[1], c);
		ASSERT_EQ(0, lab_s1pt_unmap(&self->s1[1], c->first, c->n * PG));
		n = lab_smmuv3_tlbi_range_cmds(cmds, 8, self->asid[1], c->first, c->n, ttl ? 3 : 0, ttl);
		ASSERT_LT(0, n);
		invalidate(_metadata, self, cmds, n);
		range_check(_metadata, self, self->pasid[1], c, ttl ? "range TLBI_NH_VA (TTL 3, Leaf)" :
			    "range TLBI_NH_VA (TTL 0)");
	}
	expect_lands(2, IOVA_A, 2, "another PASID");
}

/* TLBI_NH_ASID drops every page of its ASID (17 pages across 2 MiB, warm):
 * the other ASID's PASID keeps translating its own. */
TEST_F(nested_ssid, tlbi_nh_asid_drops_every_page_of_its_asid)
{
	const struct range_case *c = &range_cases[2];
	uint64_t cmd[2];

	range_map_and_warm(_metadata, self, &self->s1[1], self->pasid[1], c);
	ASSERT_EQ(0, lab_s1pt_unmap(&self->s1[1], c->first, c->n * PG));
	lab_smmuv3_cmd_tlbi_nh_asid(cmd, self->asid[1]);
	invalidate1(_metadata, self, cmd);
	range_check(_metadata, self, self->pasid[1], c, "TLBI_NH_ASID");
	expect_lands(2, IOVA_A, 2, "another ASID");
}

/* TLBI_NH_ALL (the vIOMMU's VMID) drops every ASID's pages: two PASIDs with
 * different ASIDs, 17 pages each, warm. */
TEST_F(nested_ssid, tlbi_nh_all_drops_every_asid)
{
	const struct range_case *c = &range_cases[2];
	uint64_t cmd[2];

	for (int k = 1; k <= 2; k++)
		range_map_and_warm(_metadata, self, &self->s1[k], self->pasid[k], c);
	for (int k = 1; k <= 2; k++)
		ASSERT_EQ(0, lab_s1pt_unmap(&self->s1[k], c->first, c->n * PG));
	lab_smmuv3_cmd_tlbi_nh_all(cmd);
	invalidate1(_metadata, self, cmd);
	for (int k = 1; k <= 2; k++)
		range_check(_metadata, self, self->pasid[k], c, "TLBI_NH_ALL");
	expect_lands(3, IOVA_A, 3, "a third PASID, mapped");
}

/* CFGI_CD_ALL: every CD of the stream fetched again (CDs 1, 2, 3 rewritten
 * with new tables and ASIDs, IOVA_A -> pages 5, 6, 7; each warmed before). */
TEST_F(nested_ssid, cfgi_cd_all_refetches_every_cd)
{
	struct lab_s1pt t[3];
	uint64_t cmd[2];

	for (int k = 0; k < NCD; k++)
		expect_lands(k, IOVA_A, k, "warm");
	for (int k = 1; k < NCD; k++) {
		new_tables(_metadata, self, &t[k - 1], 4 + k);
		write_cd(self, variant, ssid_of(self, k), &t[k - 1], ASID0 + 16 + k);
	}
	lab_smmuv3_cmd_cfgi_cd_all(cmd, VSID);
	invalidate1(_metadata, self, cmd);
	for (int k = 1; k < NCD; k++)
		expect_lands(k, IOVA_A, 4 + k, "after CFGI_CD_ALL");
	expect_lands(0, IOVA_A, 0, "untagged: CD 0 unchanged");
}

TEST_HARNESS_MAIN
