// SPDX-License-Identifier: GPL-2.0-only
/*
 * PASID domains: several paging domains attached to one device, each at its
 * own PASID, with DMA tagged by each PASID reaching only its own domain's
 * pages; the RID domain alongside; detach and per-PASID unmap. The same IOVAs
 * are mapped in every domain, each to a different page, so any PASID mix-up
 * in the IOMMU (or its caches) lands data in the wrong page.
 * docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "testdev_common.h"

#define NPASID 4	/* PASIDs 1..4 */

FIXTURE(pasid) {
	struct td_fixture f;
};
TD_ENGINE_VARIANTS(pasid);

FIXTURE_SETUP(pasid)
{
	int width;

	TD_SETUP(&self->f, variant->engine);
	if (self->f.info.max_pasids > NPASID)
		return;
	width = lab_pci_pasid_width(self->f.bdf);
	if (width == 0)
		SKIP(return, "%s has no PASID capability", self->f.bdf);
	if (self->f.info.max_pasids <= 1 && lab_pci_iommu_type(self->f.bdf) == LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: the kernel gives it %u PASIDs behind this SMMUv3 (no substreams "
		     "in use), so PASID-tagged DMA cannot be translated",
		     self->f.bdf, self->f.info.max_pasids);
	SKIP(return, "%s: %u PASIDs usable (device PASID width %d; the tests need %d)",
	     self->f.bdf, self->f.info.max_pasids, width, NPASID + 1);
}

FIXTURE_TEARDOWN(pasid)
{
	TD_TEARDOWN(&self->f);
}

/* n source and n destination pages; domain I maps IOVA_SRC to src page I
 * (pattern 200+I) and IOVA_DST to dst page I; the RID blocked, so untagged
 * DMA goes nowhere. */
static void setup_domains(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, uint32_t *dom,
			  uint32_t *src, uint32_t *dst, int n)
{
	test_cmd_buf_alloc(n * SZ_4K, 0, 0, src);
	test_cmd_buf_alloc(n * SZ_4K, 0, 0, dst);
	for (int i = 0; i < n; i++) {
		test_cmd_fill(*src, i * SZ_4K, SZ_4K, 200 + i);
		test_cmd_copy_domain(ITD_DOMAIN_PASID, &dom[i], *src, i * SZ_4K, *dst, i * SZ_4K);
	}
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
}

/* N domains at N PASIDs: a transfer with PASID I lands only in domain I's page. */
TEST_F(pasid, isolation_matrix)
{
	uint32_t dom[NPASID], src, dst;

	setup_domains(_metadata, self, dom, &src, &dst, NPASID);
	for (int i = 0; i < NPASID; i++)
		test_cmd_attach_pasid(dom[i], 1 + i);

	for (int i = 0; i < NPASID; i++) {
		test_cmd_copy_pasid(1 + i, IOVA_SRC, IOVA_DST, SZ_4K);
		for (int j = 0; j < NPASID; j++) {
			if (j <= i) {
				EXPECT_PATTERN(dst, j * SZ_4K, SZ_4K, 200 + j, 0);
			} else {
				EXPECT_ZERO(dst, j * SZ_4K, SZ_4K);
			}
		}
	}
}

/* The RID domain and a PASID domain translate the same IOVAs side by side;
 * detaching the PASID leaves the RID working and makes that PASID fault. */
TEST_F(pasid, rid_and_pasid_coexist_and_detach)
{
	uint32_t dom[2], src, dst;

	setup_domains(_metadata, self, dom, &src, &dst, 2);
	test_cmd_attach(dom[0]);		/* RID */
	test_cmd_attach_pasid(dom[1], 1);	/* PASID 1 */

	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(dst, 0, SZ_4K, 200, 0);
	EXPECT_ZERO(dst, SZ_4K, SZ_4K);
	test_cmd_copy_pasid(1, IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(dst, SZ_4K, SZ_4K, 201, 0);

	test_cmd_detach_pasid(1);
	test_cmd_fill(src, 0, SZ_4K, 210);
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(dst, 0, SZ_4K, 210, 0);
	test_cmd_fill(src, SZ_4K, SZ_4K, 211);
	test_cmd_copy_pasid_faults(1, IOVA_SRC, IOVA_DST, SZ_4K, IOVA_SRC, 0);
	EXPECT_PATTERN(dst, SZ_4K, SZ_4K, 201, 0);
}

/* Unmapping in one PASID's domain makes that PASID fault; the other PASID
 * with the same IOVA keeps translating. */
TEST_F(pasid, unmap_faults_only_its_pasid)
{
	uint32_t dom[2], src, dst;

	setup_domains(_metadata, self, dom, &src, &dst, 2);
	test_cmd_attach_pasid(dom[0], 1);
	test_cmd_attach_pasid(dom[1], 2);
	test_cmd_copy_pasid(1, IOVA_SRC, IOVA_DST, SZ_4K);	/* both translations cached */
	test_cmd_copy_pasid(2, IOVA_SRC, IOVA_DST, SZ_4K);

	test_cmd_unmap(dom[0], IOVA_DST, SZ_4K);
	test_cmd_fill(src, 0, SZ_4K, 220);
	test_cmd_fill(src, SZ_4K, SZ_4K, 221);
	test_cmd_copy_pasid_faults(1, IOVA_SRC, IOVA_DST, SZ_4K, IOVA_DST, 1);
	EXPECT_PATTERN(dst, 0, SZ_4K, 200, 0);
	test_cmd_copy_pasid(2, IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(dst, SZ_4K, SZ_4K, 221, 0);
}

/* Another domain at a PASID: from the moment the attach returns, transfers
 * with that PASID go through the new domain and never reach the old one's
 * pages. The kernel exports the atomic PASID replace to iommufd only
 * (iommu_replace_device_pasid, namespace IOMMUFD_INTERNAL), so the module
 * detaches and attaches; iommufd_pasid tests the atomic replace. */
TEST_F(pasid, switch_domain_at_pasid)
{
	uint32_t dom[2], src, dst;

	setup_domains(_metadata, self, dom, &src, &dst, 2);
	test_cmd_attach_pasid(dom[0], 1);
	test_cmd_copy_pasid(1, IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(dst, 0, SZ_4K, 200, 0);
	/* dst page I holds seed last[I]; each round gives both sources new data. */
	uint32_t last[2] = { 200, 0 };

	for (uint32_t round = 0; round < 4; round++) {
		int to = (round + 1) % 2, from = round % 2;

		test_cmd_detach_pasid(1);
		test_cmd_attach_pasid(dom[to], 1);
		test_cmd_fill(src, 0, SZ_4K, 240 + 2 * round);
		test_cmd_fill(src, SZ_4K, SZ_4K, 241 + 2 * round);
		test_cmd_copy_pasid(1, IOVA_SRC, IOVA_DST, SZ_4K);
		last[to] = 240 + 2 * round + to;
		EXPECT_PATTERN(dst, to * SZ_4K, SZ_4K, last[to], 0);
		if (last[from]) {
			EXPECT_PATTERN(dst, from * SZ_4K, SZ_4K, last[from], 0);	/* the old domain's page: untouched */
		} else {
			EXPECT_ZERO(dst, from * SZ_4K, SZ_4K);
		}
	}
}

/* One domain attached at several PASIDs: every one of them translates through it. */
TEST_F(pasid, one_domain_at_several_pasids)
{
	uint32_t dom, src, dst;

	setup_domains(_metadata, self, &dom, &src, &dst, 1);
	for (uint32_t p = 1; p <= NPASID; p++)
		test_cmd_attach_pasid(dom, p);
	for (uint32_t p = 1; p <= NPASID; p++) {
		test_cmd_fill(src, 0, SZ_4K, 230 + p);
		test_cmd_copy_pasid(p, IOVA_SRC, IOVA_DST, SZ_4K);
		EXPECT_PATTERN(dst, 0, SZ_4K, 230 + p, 0);
	}
}

/* The PASID-table entries the DMA goes through are of the type the kernel
 * builds for this IOMMU: first-stage tables where VT-d advertises ECAP.FLTS,
 * second-stage ones otherwise (so the testbed's x86_64 and x86_64-ss guests
 * really exercise both formats); detaching a PASID clears its entry. VT-d
 * only: the entries are read from its debugfs table walk. */
TEST_F(pasid, entries_have_the_expected_table_type)
{
	uint32_t dom[2], src, dst, want;
	uint64_t ecap, pe[3];
	char iommu[96];
	int ret;

	if (lab_pci_iommu_type(self->f.bdf) != LAB_IOMMU_VTD)
		SKIP(return, "PASID-table entries are read from VT-d's debugfs; %s is not behind VT-d",
		     self->f.bdf);
	ASSERT_EQ(0, lab_read_link_base(iommu, sizeof(iommu), "/sys/bus/pci/devices/%s/iommu", self->f.bdf));
	ASSERT_EQ(0, lab_read_hex(&ecap, "/sys/class/iommu/%s/intel-iommu/ecap", iommu));
	want = lab_reg_get(&lab_vtd_ecap_reg, ecap, "FLTS") ? LAB_VTD_PGTT_FIRST : LAB_VTD_PGTT_SECOND;

	setup_domains(_metadata, self, dom, &src, &dst, 2);
	for (uint32_t p = 1; p <= 2; p++) {
		test_cmd_attach_pasid(dom[p - 1], p);
		test_cmd_copy_pasid(p, IOVA_SRC, IOVA_DST, SZ_4K);
		EXPECT_PATTERN(dst, (p - 1) * SZ_4K, SZ_4K, 200 + p - 1, 0);
		ret = lab_vtd_debugfs_pasid_entry(self->f.bdf, p, pe);
		if (ret == -ENOENT && access("/sys/kernel/debug/iommu/intel/dmar_translation_struct", R_OK))
			SKIP(return, "debugfs iommu/intel/dmar_translation_struct is not readable");
		ASSERT_EQ(0, ret) TH_LOG("PASID %u: no present PASID-table entry", p);
		EXPECT_EQ(want, LAB_VTD_PE_PGTT(pe[0]))
			TH_LOG("PASID %u: entry %#llx has PGTT %u; ECAP.FLTS=%d", p, (unsigned long long)pe[0],
			       LAB_VTD_PE_PGTT(pe[0]), want == LAB_VTD_PGTT_FIRST);
	}
	TH_LOG("PASID entries: %s-stage tables", want == LAB_VTD_PGTT_FIRST ? "first" : "second");
	test_cmd_detach_pasid(1);
	EXPECT_EQ(-ENOENT, lab_vtd_debugfs_pasid_entry(self->f.bdf, 1, pe)) TH_LOG("PASID 1 detached");
	EXPECT_EQ(0, lab_vtd_debugfs_pasid_entry(self->f.bdf, 2, pe)) TH_LOG("PASID 2 still attached");
}

TEST_HARNESS_MAIN
