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
#include "testdev_common.h"

#define NPASID 4	/* PASIDs 1..4 */

FIXTURE(pasid) {
	struct td_fixture f;
};
FIXTURE_VARIANT(pasid) { bool software; };
FIXTURE_VARIANT_ADD(pasid, device) { .software = false };
FIXTURE_VARIANT_ADD(pasid, software) { .software = true };

FIXTURE_SETUP(pasid)
{
	TD_SETUP(&self->f, variant->software);
	if (self->f.info.max_pasids <= NPASID)
		SKIP(return, "%s: %u PASIDs usable (the device or its IOMMU has no PASID support, "
		     "or too few)", self->f.bdf, self->f.info.max_pasids);
}

FIXTURE_TEARDOWN(pasid)
{
	TD_TEARDOWN(&self->f);
}

#define test_cmd_copy_pasid(_pasid, _src, _dst, _len) \
	ASSERT_EQ(ITD_DMA_OK, td_copy_pasid(&self->f, _pasid, _src, _dst, _len)) TH_LOG("PASID %u", _pasid)

/* A PASID-tagged transfer that must not reach memory: the engine reports the
 * fault (labdev, the software engine), or the IOMMU driver logs it. */
#define test_cmd_copy_pasid_faults(_pasid, _src, _dst, _len, _iova, _write)                     \
	do {                                                                                    \
		int _st = td_copy_pasid(&self->f, _pasid, _src, _dst, _len);                       \
		ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", strerror(-_st));                         \
		if (_st != ITD_DMA_FAULT) {                                                     \
			EXPECT_TRUE(td_faulted(&self->f, _iova, _write))                        \
				TH_LOG("PASID %u: no fault for IOVA %#llx", _pasid,            \
				       (unsigned long long)(_iova));                            \
		}                                                                               \
	} while (0)

#define test_cmd_pasid_domain(_id) ASSERT_EQ(0, lab_td_domain_alloc(self->f.fd, ITD_DOMAIN_PASID, _id))
#define test_cmd_attach_pasid(_dom, _pasid) ASSERT_EQ(0, lab_td_attach_pasid(self->f.fd, _dom, _pasid))
#define test_cmd_detach_pasid(_pasid) ASSERT_EQ(0, lab_td_detach_pasid(self->f.fd, _pasid))

/* Domain I maps IOVA_SRC to src page I (pattern 200+I) and IOVA_DST to dst page I. */
static void build_domains(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, uint32_t *dom,
			  uint32_t src, uint32_t dst, int n)
{
	for (int i = 0; i < n; i++) {
		test_cmd_fill(src, i * SZ_4K, SZ_4K, 200 + i);
		test_cmd_pasid_domain(&dom[i]);
		test_cmd_map(dom[i], IOVA_SRC, src, i * SZ_4K, SZ_4K, ITD_MAP_READ);
		test_cmd_map(dom[i], IOVA_DST, dst, i * SZ_4K, SZ_4K, RW);
	}
}

/* N domains at N PASIDs: a transfer with PASID I lands only in domain I's page. */
TEST_F(pasid, isolation_matrix)
{
	uint32_t dom[NPASID], src, dst;

	test_cmd_buf(NPASID * SZ_4K, 0, &src);
	test_cmd_buf(NPASID * SZ_4K, 0, &dst);
	build_domains(_metadata, self, dom, src, dst, NPASID);
	ASSERT_EQ(0, lab_td_attach(self->f.fd, ITD_DOMAIN_BLOCKED));	/* untagged DMA goes nowhere */
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

	test_cmd_buf(2 * SZ_4K, 0, &src);
	test_cmd_buf(2 * SZ_4K, 0, &dst);
	build_domains(_metadata, self, dom, src, dst, 2);
	ASSERT_EQ(0, lab_td_attach(self->f.fd, ITD_DOMAIN_BLOCKED));
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

	test_cmd_buf(2 * SZ_4K, 0, &src);
	test_cmd_buf(2 * SZ_4K, 0, &dst);
	build_domains(_metadata, self, dom, src, dst, 2);
	ASSERT_EQ(0, lab_td_attach(self->f.fd, ITD_DOMAIN_BLOCKED));
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

/* One domain attached at several PASIDs: every one of them translates through it. */
TEST_F(pasid, one_domain_at_several_pasids)
{
	uint32_t dom, src, dst;

	test_cmd_buf(SZ_4K, 0, &src);
	test_cmd_buf(SZ_4K, 0, &dst);
	build_domains(_metadata, self, &dom, src, dst, 1);
	ASSERT_EQ(0, lab_td_attach(self->f.fd, ITD_DOMAIN_BLOCKED));
	for (uint32_t p = 1; p <= NPASID; p++)
		test_cmd_attach_pasid(dom, p);
	for (uint32_t p = 1; p <= NPASID; p++) {
		test_cmd_fill(src, 0, SZ_4K, 230 + p);
		test_cmd_copy_pasid(p, IOVA_SRC, IOVA_DST, SZ_4K);
		EXPECT_PATTERN(dst, 0, SZ_4K, 230 + p, 0);
	}
}

TEST_HARNESS_MAIN
